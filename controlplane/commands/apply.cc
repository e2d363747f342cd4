// sluicectl apply --policy FILE [--dry-run] [--offline]: one synchronisation, or the plan.
#include <cstdio>

#include "controlplane/commands/commands.h"
#include "controlplane/compiler.h"
#include "controlplane/diff.h"
#include "controlplane/policy_loader.h"
#include "controlplane/sync.h"
#include "openflow/format.h"

namespace sluice::cp {

namespace {

void print_plan(const DiffResult& plan) {
  of::Bytes bytes;
  uint32_t xid = 1;
  for (const Message& m : plan.messages) {
    bytes.clear();
    encode_message(xid++, m, bytes);
    std::printf("%s\n", of::format_message(bytes).c_str());
  }
  bytes.clear();
  of::encode_barrier_request(xid, bytes);
  std::printf("%s\n", of::format_message(bytes).c_str());
  std::printf("# %s\n", plan.summary.to_string().c_str());
}

}  // namespace

int cmd_apply(const CommonOptions& common, const std::string& file, bool dry_run, bool offline) {
  Policy policy;
  const auto errors = load_and_validate(file, policy);
  if (!errors.empty()) {
    for (const ConfigError& e : errors) std::printf("%s\n", format_config_error(file, e).c_str());
    return 1;
  }
  const DesiredState desired = compile(policy);
  if (offline) {
    if (!dry_run) {
      std::fprintf(stderr, "sluicectl: --offline only works with --dry-run\n");
      return 2;
    }
    print_plan(diff(desired, InstalledState{}, nullptr));
    return 0;
  }
  auto session = open_session(common);
  if (!session) {
    std::fprintf(stderr, "sluicectl: %s\n", session.error().message.c_str());
    return 1;
  }
  if (dry_run) {
    auto installed = (*session)->read_installed();
    if (!installed) {
      std::fprintf(stderr, "sluicectl: %s\n", installed.error().message.c_str());
      return 1;
    }
    print_plan(diff(desired, *installed, nullptr));
    return 0;
  }
  auto outcome = apply_policy(**session, desired, nullptr);
  if (!outcome) {
    std::fprintf(stderr, "sluicectl: %s\n", outcome.error().message.c_str());
    return 1;
  }
  for (const std::string& e : outcome->errors) std::printf("error: %s\n", e.c_str());
  std::printf("applied policy %s: %s\n", file.c_str(), outcome->summary.to_string().c_str());
  return outcome->errors.empty() ? 0 : 1;
}

}  // namespace sluice::cp
