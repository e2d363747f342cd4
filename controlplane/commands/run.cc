// sluicectl run --policy FILE: the controller daemon (see daemon.h), with its OpenFlow endpoint
// (of_endpoint.h) unless --no-openflow.
#include <cstdio>

#include "controlplane/commands/commands.h"
#include "controlplane/daemon.h"
#include "controlplane/of_listen.h"

namespace sluice::cp {

int cmd_run(const CommonOptions& common, const RunOptions& run) {
  DaemonOptions options;
  options.policy_path = run.policy;
  options.channel = common.channel;
  options.poll_interval = std::chrono::milliseconds(run.poll_ms);
  if (!run.no_openflow) {
    auto listen = parse_listen_address(run.openflow_listen);
    if (!listen) {
      std::fprintf(stderr, "sluicectl run: --openflow-listen: %s\n",
                   listen.error().message.c_str());
      return 2;
    }
    if (!listen->loopback() && !run.openflow_allow_remote) {
      std::fprintf(stderr,
                   "sluicectl run: --openflow-listen %s is not a loopback address; the OpenFlow "
                   "endpoint has no authentication, so anyone who can connect can change flows. "
                   "Add --openflow-allow-remote to listen there anyway.\n",
                   listen->to_string().c_str());
      return 2;
    }
    OfEndpointOptions of;
    of.listen = *listen;
    of.channel = common.channel;
    options.openflow = of;
  }
  return run_daemon(options);
}

}  // namespace sluice::cp
