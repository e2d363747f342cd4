// The sluicectl commands. Each takes its already parsed options and returns an exit code.
// cli.cc owns the option tables and the help text; these files own the behaviour.
#pragma once

#include <memory>
#include <string>

#include "controlplane/session.h"
#include "openflow/result.h"

namespace sluice::cp {

struct CommonOptions {
  std::string channel = "sluice";
  int connect_wait_ms = 2000;
};

struct RunOptions {
  std::string policy;
  int poll_ms = 500;
  std::string openflow_listen = "127.0.0.1:6653";  // the OpenFlow endpoint's ADDR:PORT (loopback)
  bool no_openflow = false;                        // no endpoint at all
  bool no_openflow_tcp = false;
  std::string openflow_unix;  // the Unix socket endpoint; empty: /run/sluice/CHANNEL.openflow
  bool no_openflow_unix = false;
  int openflow_hello_timeout_ms = 5000;
  int openflow_probe_ms = 5000;  // 0: no echo probes
  std::string flow_log;          // the firewall's flow log: a file, "-" stdout, "" none
  double rejects_per_second = 100;
  double flow_log_per_second = 100;
};

int cmd_validate(const std::string& file);
int cmd_run(const CommonOptions& common, const RunOptions& run);
int cmd_apply(const CommonOptions& common, const std::string& policy, bool dry_run, bool offline);
int cmd_show_ports(const CommonOptions& common);
int cmd_show_rules(const CommonOptions& common, const std::string& policy, bool json);
int cmd_dump_flows(const CommonOptions& common, int table);
int cmd_dump_groups(const CommonOptions& common);

// Connects and shakes hands (for the one-shot commands).
Result<std::unique_ptr<Session>> open_session(const CommonOptions& common);

}  // namespace sluice::cp
