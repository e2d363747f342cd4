// libFuzzer target for the policy loader (YAML -> Policy) and validate(), and compile() of what
// validates (built with clang by scripts/fuzz, not by the main GCC build). Whatever the bytes,
// loading must not crash, hang or blow up (ASan, UBSan, libFuzzer's timeout and RSS limit
// watch that), must report at most kMaxReportedErrors errors plus one summary, and every error
// must say something. Seeds: tests/fuzz/corpus-policy/ (configs/*.yaml and configs/bad/*.yaml).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "controlplane/compiler.h"
#include "controlplane/policy_loader.h"
#include "controlplane/validate.h"

namespace {

using namespace sluice::cp;

[[noreturn]] void violated(const char* what) {
  std::fprintf(stderr, "policy_load_fuzz: %s\n", what);
  std::abort();
}

void check_errors(const std::vector<ConfigError>& errors) {
  if (errors.size() > kMaxReportedErrors + 1) violated("more errors than the cap");
  for (const ConfigError& e : errors) {
    if (e.message.empty()) violated("an error without a message");
    if (format_config_error("fuzz.yaml", e).empty()) violated("an error that formats to nothing");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // The node cap scaled down to the inputs (at most 64 KiB): the same check, without spending
  // seconds under the sanitizers walking 4 M nodes of an alias bomb.
  LoadResult loaded = load_policy_text(text, "fuzz.yaml", LoadLimits{.max_nodes = 1u << 16});
  check_errors(loaded.errors);
  if (!loaded.parsed) return 0;
  std::vector<ConfigError> errors = std::move(loaded.errors);
  for (ConfigError& e : validate(loaded.policy)) errors.push_back(std::move(e));
  cap_errors(errors);
  check_errors(errors);
  if (errors.empty()) {
    const DesiredState state = compile(loaded.policy);
    if (state.ports.size() != loaded.policy.ports.value.size()) {
      violated("a valid policy compiled to another number of ports");
    }
  }
  return 0;
}
