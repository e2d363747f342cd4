// sluicectl run --policy FILE: the controller daemon (see daemon.h).
#include "controlplane/commands/commands.h"
#include "controlplane/daemon.h"

namespace sluice::cp {

int cmd_run(const CommonOptions& common, const std::string& policy, int poll_ms) {
  DaemonOptions options;
  options.policy_path = policy;
  options.channel = common.channel;
  options.poll_interval = std::chrono::milliseconds(poll_ms);
  return run_daemon(options);
}

}  // namespace sluice::cp
