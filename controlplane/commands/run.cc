// sluicectl run --policy FILE: the controller daemon (see daemon.h), with its OpenFlow endpoint
// (of_endpoint.h: a Unix socket and loopback TCP) unless --no-openflow.
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
  if (!(run.rejects_per_second > 0 && run.rejects_per_second <= 100000) ||
      !(run.flow_log_per_second > 0 && run.flow_log_per_second <= 100000)) {
    std::fprintf(stderr,
                 "sluicectl run: --reject-rate and --flow-log-rate must be in (0, 100000]\n");
    return 2;
  }
  options.flow_log = run.flow_log;
  options.rejects_per_second = run.rejects_per_second;
  options.flow_log_per_second = run.flow_log_per_second;
  if (!run.no_openflow) {
    OfEndpointOptions of;
    of.channel = common.channel;
    if (run.openflow_hello_timeout_ms <= 0 || run.openflow_probe_ms < 0) {
      std::fprintf(stderr,
                   "sluicectl run: --openflow-hello-timeout-ms must be > 0 and --openflow-probe-ms "
                   ">= 0\n");
      return 2;
    }
    of.hello_timeout = std::chrono::milliseconds(run.openflow_hello_timeout_ms);
    of.probe_interval = std::chrono::milliseconds(run.openflow_probe_ms);
    of.listen.reset();
    if (!run.no_openflow_tcp) {
      auto listen = parse_listen_address(run.openflow_listen);
      if (!listen) {
        std::fprintf(stderr, "sluicectl run: --openflow-listen: %s\n",
                     listen.error().message.c_str());
        return 2;
      }
      if (!listen->loopback()) {
        std::fprintf(stderr,
                     "sluicectl run: --openflow-listen %s is not a loopback address; the OpenFlow "
                     "TCP endpoint has no authentication, so it listens on loopback only "
                     "(127.0.0.0/8 or [::1]). Local tools can use the Unix socket "
                     "(--openflow-unix).\n",
                     listen->to_string().c_str());
        return 2;
      }
      of.listen = *listen;
    }
    if (!run.no_openflow_unix) {
      of.unix_path = run.openflow_unix.empty() ? "/run/sluice/" + common.channel + ".openflow"
                                               : run.openflow_unix;
    }
    if (of.listen || !of.unix_path.empty()) options.openflow = of;
  }
  return run_daemon(options);
}

}  // namespace sluice::cp
