// The controller daemon behind `sluicectl run`.
//
// Loads, validates and compiles the policy; connects to the dataplane (waiting for it to
// appear); reads what is installed; sends the difference (its flow and group changes in one
// atomic bundle, Session::apply); then watches:
//   - SIGHUP, or the policy file changing (polled), reloads; an invalid file is reported
//     line by line and the running policy stays;
//   - the dataplane going away or restarting (new channel generation) reconnects and
//     resyncs everything; its liveness is checked every liveness_interval, so a dataplane
//     that exits is noticed within about that (a hung one within the channel's 1 s heartbeat
//     timeout plus that);
//   - SIGINT / SIGTERM exit 0, leaving the installed state in the dataplane.
// The firewall's punts (firewall_punts.h) are answered while idle and while waiting for replies:
// rejects get their RST or ICMP unreachable, logging rules write to the flow log.
// With 'openflow' set it also runs the OpenFlow 1.3 TCP endpoint (of_endpoint.h) on a thread
// of its own, with a channel slot of its own.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "controlplane/of_endpoint.h"

namespace sluice::cp {

struct DaemonOptions {
  std::string policy_path;
  std::string channel = "sluice";
  std::chrono::milliseconds poll_interval{500};      // the policy file, dataplane messages
  std::chrono::milliseconds liveness_interval{100};  // the dataplane's liveness (at most this)
  std::chrono::milliseconds connect_retry{1000};
  std::optional<OfEndpointOptions> openflow;  // nothing: no OpenFlow endpoint
  std::string flow_log;                       // the firewall's flow log: a file, "-" stdout, "" none
  double rejects_per_second = 100;
  double flow_log_per_second = 100;
};

// Returns the process exit code.
int run_daemon(const DaemonOptions& options);

}  // namespace sluice::cp
