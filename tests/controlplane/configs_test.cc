// Every policy in configs/ must validate cleanly; every policy in configs/bad/ must fail with
// the error its first line announces ("# expect: <substring of the error line>").
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "controlplane/compiler.h"
#include "controlplane/policy_loader.h"

namespace sluice::cp {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> yaml_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(Configs, EveryExampleValidatesAndCompiles) {
  const auto files = yaml_files(SLUICE_CONFIGS_DIR);
  EXPECT_GE(files.size(), 5u);
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    Policy policy;
    for (const ConfigError& e : load_and_validate(file.string(), policy)) {
      ADD_FAILURE() << format_config_error(file.string(), e);
    }
    const DesiredState state = compile(policy);
    EXPECT_EQ(state.ports.size(), policy.ports.value.size());
    EXPECT_EQ(state.flows.size(), count_flows(policy));
  }
}

TEST(Configs, DemoHasTheDemoShape) {
  Policy policy;
  ASSERT_THAT(load_and_validate(std::string(SLUICE_CONFIGS_DIR) + "/demo.yaml", policy),
              ::testing::IsEmpty());
  const DesiredState state = compile(policy);
  ASSERT_EQ(state.ports.size(), 3u);
  EXPECT_EQ(state.ports[0].name.view(), "vm1");
  EXPECT_EQ(state.ports[0].device.view(), "vm1-sw");
  EXPECT_EQ(state.ports[2].device.view(), "vm3-sw");
  EXPECT_EQ(state.groups.size(), 2u);
  EXPECT_EQ(state.flows.size(), 5u);  // 2 flood + 3 ingress
}

TEST(Configs, EveryBadExampleFailsAsAnnounced) {
  const auto files = yaml_files(fs::path(SLUICE_CONFIGS_DIR) / "bad");
  EXPECT_GE(files.size(), 12u);
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    std::ifstream in(file);
    std::string first;
    std::getline(in, first);
    const std::string prefix = "# expect: ";
    ASSERT_EQ(first.rfind(prefix, 0), 0u) << "first line must be '# expect: ...'";
    const std::string expect = first.substr(prefix.size());
    Policy policy;
    const auto errors = load_and_validate(file.string(), policy);
    ASSERT_FALSE(errors.empty());
    std::string all;
    for (const ConfigError& e : errors) all += format_config_error(file.string(), e) + "\n";
    EXPECT_THAT(all, ::testing::HasSubstr(expect));
  }
}

}  // namespace
}  // namespace sluice::cp
