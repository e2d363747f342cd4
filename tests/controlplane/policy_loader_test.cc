#include "controlplane/policy_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>

#include "controlplane/args.h"
#include "tests/controlplane/test_policy.h"

namespace sluice::cp {
namespace {

using ::testing::ElementsAre;
using testing::errors_of;
using ::testing::HasSubstr;

TEST(PolicyLoader, ReadsEveryFieldWithItsPosition) {
  LoadResult r = load_policy_text(R"(version: 1
switch:
  name: s1
  mac_aging_seconds: 60
  mac_limit_per_port: 8
networks:
  - name: web
    vlan: 100
    static_macs:
      - {mac: 02:00:00:00:01:01, port: vm1}
ports:
  - name: vm1
    id: 7
    type: vhost-user
    path: /run/vm1.sock
    mode: client
    options: "queues=2"
    mtu: 9000
    admin: down
    mac_limit: 3
    vlan: {mode: trunk, allowed: [100, "200-202"], native: 100}
)",
                                  "x.yaml");
  ASSERT_TRUE(r.errors.empty()) << format_config_error("x.yaml", r.errors[0]);
  const Policy& p = r.policy;
  EXPECT_EQ(p.version.value, 1);
  EXPECT_EQ(p.switch_settings.value.name.value, "s1");
  EXPECT_EQ(p.switch_settings.value.mac_aging_seconds.value, 60);
  EXPECT_EQ(p.switch_settings.value.mac_limit_per_port.value, 8);
  ASSERT_EQ(p.networks.value.size(), 1u);
  const Network& n = p.networks.value[0];
  EXPECT_EQ(n.vlan.value, 100);
  EXPECT_EQ(n.vlan.mark, (Mark{8, 11}));
  ASSERT_EQ(n.static_macs.value.size(), 1u);
  EXPECT_EQ(n.static_macs.value[0].mac.value, (of::MacAddr{2, 0, 0, 0, 1, 1}));
  EXPECT_EQ(n.static_macs.value[0].port.value, "vm1");
  ASSERT_EQ(p.ports.value.size(), 1u);
  const PortSpec& port = p.ports.value[0];
  EXPECT_EQ(port.id.value, 7);
  EXPECT_EQ(port.type.value, of::PortType::kVhostUser);
  EXPECT_EQ(port.mode.value, VhostMode::kClient);
  EXPECT_EQ(port.options.value, "queues=2");
  EXPECT_EQ(port.mtu.value, 9000);
  EXPECT_EQ(port.admin.value, AdminState::kDown);
  EXPECT_EQ(port.mac_limit.value, 3);
  EXPECT_EQ(port.mark, (Mark{12, 5}));
  const PortVlan& v = port.vlan.value;
  EXPECT_EQ(v.mode.value, VlanMode::kTrunk);
  std::vector<int64_t> allowed;
  for (const auto& a : v.allowed.value) allowed.push_back(a.value);
  EXPECT_THAT(allowed, ElementsAre(100, 200, 201, 202));
  EXPECT_EQ(v.native.value, 100);
}

TEST(PolicyLoader, DefaultsWhenAbsent) {
  LoadResult r = load_policy_text("version: 1\nports:\n  - {name: a, type: tap, iface: t}\n", "x");
  ASSERT_TRUE(r.errors.empty());
  EXPECT_EQ(r.policy.switch_settings.value.mac_aging_seconds.value, 300);
  EXPECT_EQ(r.policy.switch_settings.value.mac_limit_per_port.value, 4096);
  const PortSpec& port = r.policy.ports.value[0];
  EXPECT_EQ(port.mtu.value, 1500);
  EXPECT_FALSE(port.mtu.present);
  EXPECT_EQ(port.admin.value, AdminState::kUp);
  EXPECT_FALSE(port.vlan.present);
}

TEST(PolicyLoader, SyntaxErrorHasPosition) {
  auto errors = errors_of("version: 1\nnetworks:\n  - name: [web\n    vlan: 1\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("t.yaml:"));
  EXPECT_THAT(errors[0], HasSubstr("YAML syntax error"));
}

TEST(PolicyLoader, UnknownKeysEverywhere) {
  auto errors = errors_of(R"(version: 1
colour: red
switch: {nme: x}
networks:
  - {name: a, vlan: 1, vlna: 2}
ports:
  - {name: p, type: tap, iface: t, vlan: {mode: access, id: 1, tag: 3}}
)");
  EXPECT_THAT(errors, ElementsAre(HasSubstr(":2:1: colour: unknown key"),
                                  HasSubstr(":3:10: switch.nme: unknown key"),
                                  HasSubstr(":5:24: networks[0].vlna: unknown key"),
                                  HasSubstr(":7:64: ports[0].vlan.tag: unknown key")));
}

TEST(PolicyLoader, DuplicateKey) {
  auto errors = errors_of("version: 1\nversion: 1\n");
  EXPECT_THAT(errors, ElementsAre(HasSubstr(":2:1: version: duplicate key")));
}

TEST(PolicyLoader, WrongTypes) {
  auto errors = errors_of(R"(version: "1"
networks: {name: a}
ports:
  - name: [x]
    type: tap
    iface: t
    mtu: 1500.5
    vlan: access
)");
  EXPECT_THAT(errors,
              ElementsAre(HasSubstr(":1:10: version: expected an integer, got the string \"1\""),
                          HasSubstr(":2:11: networks: expected a list, got a map"),
                          HasSubstr(":4:11: ports[0].name: expected a string, got a list"),
                          HasSubstr(":7:10: ports[0].mtu: expected an integer, got '1500.5'"),
                          HasSubstr(":8:11: ports[0].vlan: expected a map, got 'access'")));
}

TEST(PolicyLoader, EmptyFile) {
  EXPECT_THAT(errors_of(""), ElementsAre(HasSubstr("t.yaml:1:1: the policy is empty")));
  EXPECT_THAT(errors_of("- a\n"), ElementsAre(HasSubstr("expected a map, got a list")));
}

TEST(PolicyLoader, MissingFile) {
  LoadResult r = load_policy_file("/nonexistent/policy.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(format_config_error("/nonexistent/policy.yaml", r.errors[0]),
            "/nonexistent/policy.yaml: cannot open the policy file");
}

TEST(PolicyLoader, ErrorFormat) {
  ConfigError e{Mark{9, 11}, "networks[0].vlan", "5000 is out of range 1..4094"};
  EXPECT_EQ(
      format_config_error("configs/bad/vlan_out_of_range.yaml", e),
      "configs/bad/vlan_out_of_range.yaml:9:11: networks[0].vlan: 5000 is out of range 1..4094");
}

TEST(Args, ParseMac) {
  EXPECT_EQ(parse_mac("02:00:00:00:01:0a"), (of::MacAddr{2, 0, 0, 0, 1, 10}));
  EXPECT_EQ(parse_mac("02-00-00-00-01-0A"), (of::MacAddr{2, 0, 0, 0, 1, 10}));
  EXPECT_FALSE(parse_mac("02:00:00:00:01"));
  EXPECT_FALSE(parse_mac("02:00:00:00:01:0g"));
  EXPECT_FALSE(parse_mac("02:00-00:00:01:01"));
  EXPECT_EQ(format_mac({0xde, 0xad, 0xbe, 0xef, 0, 1}), "de:ad:be:ef:00:01");
}

TEST(Args, ParseInt) {
  EXPECT_EQ(parse_int("42"), 42);
  EXPECT_EQ(parse_int("-3"), -3);
  EXPECT_EQ(parse_int("+3"), 3);
  EXPECT_FALSE(parse_int(""));
  EXPECT_FALSE(parse_int("1x"));
  EXPECT_FALSE(parse_int("99999999999999999999"));
}

TEST(Args, Rules) {
  EXPECT_EQ(BoundedInt(1, 4094).check(4095), "4095 is out of range 1..4094");
  EXPECT_FALSE(BoundedInt(1, 4094).check(4094));
  EXPECT_TRUE(NameArg(1, 15, "_.-").check("a/b"));
  EXPECT_FALSE(NameArg(1, 15, "_.-").check("vm1.eth_0-x"));
  EXPECT_TRUE(AbsolutePathArg{255}.check("rel/x"));
  EXPECT_TRUE(KeyValueListArg{255}.check("a=1,b"));
  EXPECT_FALSE(KeyValueListArg{255}.check("a=1,b=2"));
  EXPECT_TRUE(UnicastMacArg{}.check({1, 0, 0, 0, 0, 1}));
  EXPECT_FALSE(UnicastMacArg{}.check({2, 0, 0, 0, 0, 1}));
}

// ---- Bounds: no file makes the loader eat memory or minutes

// A file of the test's own, removed at the end.
struct TempPolicy {
  std::string path = "/tmp/policy-loader-test-" + std::to_string(::getpid()) + ".yaml";
  explicit TempPolicy(const std::string& text) { std::ofstream(path, std::ios::binary) << text; }
  ~TempPolicy() { std::filesystem::remove(path); }
};

std::string billion_laughs() {
  std::string text = "version: 1\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  std::string prev = "a";
  for (std::string name : {"b", "c", "d", "e", "f", "g", "h", "i"}) {
    text += name + ": &" + name + " [";
    for (int i = 0; i < 10; ++i) text += (i ? ", *" : "*") + prev;
    text += "]\n";
    prev = name;
  }
  return text + "networks: *i\n";
}

TEST(PolicyLoaderBounds, ABillionLaughsIsRefusedAtTheNodeCap) {
  const std::string text = billion_laughs();
  ASSERT_LT(text.size(), 1024u);  // a kilobyte that expands to 10^9 nodes
  // The count stops just past its limit, wherever that is.
  const YAML::Node root = YAML::Load(text);
  EXPECT_EQ(count_yaml_nodes(root, 1000), 1001u);
  EXPECT_EQ(count_yaml_nodes(root, kMaxPolicyNodes), kMaxPolicyNodes + 1);
  EXPECT_EQ(count_yaml_nodes(YAML::Load("version: 1\nnetworks: [{name: a, vlan: 1}]\n"), 1000),
            10u);  // the root map, 2 keys, 2 values, the list, its map, 2 keys, 2 values
  LoadResult r = load_policy_text(text, "laughs.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0].message,
              HasSubstr("more than " + std::to_string(kMaxPolicyNodes) + " YAML nodes"));
  EXPECT_FALSE(r.parsed);
  EXPECT_TRUE(r.policy.networks.value.empty()) << "nothing was read";
}

TEST(PolicyLoaderBounds, AFileOverTheSizeLimitIsRefusedByItsSize) {
  std::string text = "version: 1\n";
  const std::string comment = "# " + std::string(1022, 'x') + "\n";
  while (text.size() < (size_t{20} << 20)) text += comment;
  TempPolicy file(text);
  LoadResult r = load_policy_file(file.path);
  ASSERT_EQ(r.errors.size(), 1u);
  const std::string shown = format_config_error(file.path, r.errors[0]);
  EXPECT_THAT(shown, HasSubstr("policy file " + file.path));
  EXPECT_THAT(shown, HasSubstr(std::to_string(text.size()) + " bytes"));
  EXPECT_THAT(shown, HasSubstr("the limit is 16 MiB"));
  EXPECT_FALSE(r.parsed);
  // The same text handed in directly is refused the same way.
  EXPECT_THAT(load_policy_text(text, "x.yaml").errors.at(0).message, HasSubstr("16 MiB"));
}

TEST(PolicyLoaderBounds, ErrorsStopAtTheCapWithACount) {
  std::string text = "version: 1\n";
  for (int i = 0; i < 150; ++i) text += "bogus" + std::to_string(i) + ": 1\n";
  TempPolicy file(text);
  Policy policy;
  const auto errors = load_and_validate(file.path, policy);
  ASSERT_EQ(errors.size(), kMaxReportedErrors + 1);
  EXPECT_THAT(errors[0].message, HasSubstr("unknown key"));
  EXPECT_EQ(errors[0].path, "bogus0");
  EXPECT_EQ(errors.back().more, 50u);
  EXPECT_EQ(format_config_error(file.path, errors.back()),
            file.path + ": ... and 50 more errors (only the first 100 are shown)");
}

// 100,000 duplicate keys: each is one error (kept up to the cap, counted past it), found with
// an index rather than by comparing with every earlier key.
TEST(PolicyLoaderBounds, ManyDuplicateKeysAreCountedPastTheCap) {
  std::string text = "version: 1\n";
  for (int i = 0; i < 100000; ++i) text += "x: 1\n";
  LoadResult r = load_policy_text(text, "dups.yaml");
  ASSERT_EQ(r.errors.size(), kMaxReportedErrors + 1);
  EXPECT_EQ(r.errors[0].message, "duplicate key");
  EXPECT_EQ(r.errors[0].mark.line, 3);  // the second 'x'
  // 99,999 duplicates and the unknown key 'x' itself.
  EXPECT_EQ(r.errors.back().more, 100000u - kMaxReportedErrors);
}

TEST(PolicyLoaderBounds, TrunkRangesGoIntoASet) {
  std::string text = R"(version: 1
networks: [{name: a, vlan: 1}]
ports:
  - name: up
    type: tap
    iface: t0
    vlan:
      mode: trunk
      allowed: [)";
  for (int i = 0; i < 2000; ++i) text += (i ? ", " : "") + std::string("\"1-4094\"");
  text += "]\n";
  LoadResult r = load_policy_text(text, "ranges.yaml");
  ASSERT_EQ(r.policy.ports.value.size(), 1u);
  const auto& allowed = r.policy.ports.value[0].vlan.value.allowed.value;
  // 4094 VLANs, plus the few repeats kept for validate() to name (not 2000 x 4094 items).
  EXPECT_GE(allowed.size(), 4094u);
  EXPECT_LE(allowed.size(), 4094u + 16u);
}

}  // namespace
}  // namespace sluice::cp
