#include "controlplane/cli.h"

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "controlplane/commands/commands.h"

namespace sluice::cp {

namespace po = boost::program_options;

namespace {

struct Command {
  const char* name;
  const char* usage;
  const char* summary;
};

constexpr Command kCommands[] = {
    {"validate", "validate FILE", "check a policy file; print every error as FILE:LINE:COL"},
    {"run", "run --policy FILE [--openflow-unix PATH] [--openflow-listen A:P]",
     "the controller daemon: apply FILE, then follow changes; serve OpenFlow 1.3"},
    {"apply", "apply --policy FILE [--dry-run [--offline]]",
     "apply FILE once, or print the messages it would send"},
    {"show", "show ports | rules [--policy FILE] [--json]",
     "ports with state and rx/tx counters; firewall rules with their hits"},
    {"dump-flows", "dump-flows [--table N]", "installed flows, one per line"},
    {"dump-groups", "dump-groups", "installed groups, one per line"},
};

po::options_description common_options(CommonOptions& common) {
  po::options_description d("Common options");
  d.add_options()("help,h", "show help (for a command: sluicectl COMMAND --help)")(
      "channel", po::value(&common.channel)->default_value("sluice"),
      "control channel of the dataplane (/dev/shm/sluice.NAME)")(
      "wait-ms", po::value(&common.connect_wait_ms)->default_value(2000),
      "one-shot commands: how long to wait for the dataplane to appear");
  return d;
}

void print_overview(const po::options_description& common) {
  std::printf("usage: sluicectl [--channel NAME] COMMAND [OPTIONS]\n\ncommands:\n");
  for (const Command& c : kCommands) std::printf("  %-44s %s\n", c.usage, c.summary);
  std::cout << "\n" << common << "\n";
}

// Splits argv into the command word and everything else (options may come before it).
bool find_command(int argc, char** argv, std::string& command, std::vector<std::string>& rest) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (command.empty() && !arg.empty() && arg[0] != '-') {
      command = arg;
      continue;
    }
    rest.push_back(arg);
    // An option's separate value must not be taken for the command word.
    if (command.empty() && (arg == "--channel" || arg == "--wait-ms") && i + 1 < argc) {
      rest.push_back(argv[++i]);
    }
  }
  return !command.empty();
}

int dispatch(const std::string& command, const std::vector<std::string>& args) {
  CommonOptions common;
  po::options_description visible = common_options(common);
  po::options_description specific("Options of '" + command + "'");
  po::positional_options_description positional;
  std::string file, policy, what;
  bool dry_run = false, offline = false, json = false;
  int table = -1;
  RunOptions run;

  if (command == "validate") {
    specific.add_options()("file", po::value(&file)->required(), "the policy file");
    positional.add("file", 1);
  } else if (command == "run") {
    specific.add_options()("policy", po::value(&run.policy)->required(), "the policy file")(
        "poll-ms", po::value(&run.poll_ms)->default_value(500),
        "how often to check the policy file and read the dataplane's messages (its "
        "liveness is checked every 100 ms whatever this says)")(
        "openflow-unix", po::value(&run.openflow_unix),
        "the OpenFlow 1.3 endpoint's Unix socket (default /run/sluice/CHANNEL.openflow; mode "
        "0600, root and sluicectl's own user only): ovs-ofctl -O OpenFlow13 ... unix:PATH")(
        "no-openflow-unix", po::bool_switch(&run.no_openflow_unix), "no Unix socket endpoint")(
        "openflow-listen", po::value(&run.openflow_listen)->default_value(run.openflow_listen),
        "where the OpenFlow 1.3 endpoint listens on TCP (loopback only: 127.0.0.0/8:PORT, "
        "[::1]:PORT). Unauthenticated: any local user can read and program flows there (not "
        "ports)")("no-openflow-tcp", po::bool_switch(&run.no_openflow_tcp), "no TCP endpoint")(
        "no-openflow", po::bool_switch(&run.no_openflow), "no OpenFlow endpoint at all")(
        "openflow-hello-timeout-ms",
        po::value(&run.openflow_hello_timeout_ms)->default_value(run.openflow_hello_timeout_ms),
        "close an OpenFlow connection that has not said HELLO within this")(
        "openflow-probe-ms",
        po::value(&run.openflow_probe_ms)->default_value(run.openflow_probe_ms),
        "send an ECHO_REQUEST to an OpenFlow client silent this long, and close it if nothing "
        "comes within as long again (0: never)")(
        "flow-log", po::value(&run.flow_log),
        "the firewall's flow log: a JSON line per connection a rule with log: true judges "
        "(appended; created mode 0640), or - for stdout")(
        "reject-rate", po::value(&run.rejects_per_second)->default_value(100),
        "at most this many TCP RSTs and ICMP unreachables per second for reject rules (the "
        "rest are dropped unanswered, and counted)")(
        "flow-log-rate", po::value(&run.flow_log_per_second)->default_value(100),
        "at most this many flow log lines per second (the log says how many it held back)");
  } else if (command == "apply") {
    specific.add_options()("policy", po::value(&policy)->required(), "the policy file")(
        "dry-run", po::bool_switch(&dry_run), "print the messages instead of sending them")(
        "offline", po::bool_switch(&offline),
        "with --dry-run: diff against an empty dataplane instead of reading it");
  } else if (command == "show") {
    specific.add_options()("what", po::value(&what)->required(), "what to show: ports, rules")(
        "policy", po::value(&policy),
        "rules: the policy file that was applied (names rules and networks; without it "
        "rules show as #N, in file order)")("json", po::bool_switch(&json), "rules: as JSON");
    positional.add("what", 1);
  } else if (command == "dump-flows") {
    specific.add_options()("table", po::value(&table), "only this table (default: all)");
  } else if (command == "dump-groups") {
  } else {
    std::fprintf(stderr, "sluicectl: unknown command '%s' (see sluicectl --help)\n",
                 command.c_str());
    return 2;
  }
  visible.add(specific);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(visible).positional(positional).run(), vm);
    if (vm.count("help") != 0) {
      for (const Command& c : kCommands) {
        if (command == c.name) std::printf("usage: sluicectl %s\n%s\n\n", c.usage, c.summary);
      }
      std::cout << visible << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "sluicectl %s: %s (see sluicectl %s --help)\n", command.c_str(), e.what(),
                 command.c_str());
    return 2;
  }

  if (command == "validate") return cmd_validate(file);
  if (command == "run") return cmd_run(common, run);
  if (command == "apply") return cmd_apply(common, policy, dry_run, offline);
  if (command == "show") {
    if (what == "ports") return cmd_show_ports(common);
    if (what == "rules") return cmd_show_rules(common, policy, json);
    std::fprintf(stderr, "sluicectl show: unknown object '%s' (try: ports, rules)\n", what.c_str());
    return 2;
  }
  if (command == "dump-flows") return cmd_dump_flows(common, table);
  return cmd_dump_groups(common);
}

}  // namespace

int run_cli(int argc, char** argv) {
  std::string command;
  std::vector<std::string> rest;
  if (!find_command(argc, argv, command, rest)) {
    CommonOptions common;
    const auto d = common_options(common);
    print_overview(d);
    const bool asked =
        argc > 1 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h");
    return asked ? 0 : 2;
  }
  return dispatch(command, rest);
}

}  // namespace sluice::cp
