// sluicectl show ports | show rules | dump-flows | dump-groups: read-only views of the dataplane.
#include <cinttypes>
#include <cstdio>

#include "controlplane/commands/commands.h"
#include "controlplane/diagnostics.h"
#include "controlplane/firewall.h"
#include "controlplane/policy_loader.h"
#include "openflow/format.h"

namespace sluice::cp {

namespace {

int report(const Error& e) {
  std::fprintf(stderr, "sluicectl: %s\n", e.message.c_str());
  return 1;
}

}  // namespace

Result<std::unique_ptr<Session>> open_session(const CommonOptions& common) {
  auto transport =
      ChannelTransport::connect(common.channel, std::chrono::milliseconds(common.connect_wait_ms));
  if (!transport) {
    return fail("cannot reach the dataplane on channel '" + common.channel +
                "': " + transport.error().message);
  }
  auto session = std::make_unique<Session>(std::move(*transport));
  if (auto features = session->handshake(); !features) {
    return std::unexpected(features.error());
  }
  return session;
}

int cmd_show_ports(const CommonOptions& common) {
  auto session = open_session(common);
  if (!session) return report(session.error());
  auto ports = (*session)->port_desc();
  if (!ports) return report(ports.error());
  auto stats = (*session)->port_stats();
  if (!stats) return report(stats.error());
  std::printf("%-6s %-16s %-6s %-6s %12s %14s %10s %8s %12s %14s %10s %8s\n", "PORT", "NAME",
              "ADMIN", "LINK", "RX_PKTS", "RX_BYTES", "RX_DROP", "RX_ERR", "TX_PKTS", "TX_BYTES",
              "TX_DROP", "TX_ERR");
  for (const of::Port& p : *ports) {
    of::PortStats s{};
    for (const of::PortStats& candidate : *stats) {
      if (candidate.port_no == p.port_no) s = candidate;
    }
    const std::string name(p.name.view());
    std::printf("%-6u %-16s %-6s %-6s %12" PRIu64 " %14" PRIu64 " %10" PRIu64 " %8" PRIu64
                " %12" PRIu64 " %14" PRIu64 " %10" PRIu64 " %8" PRIu64 "\n",
                p.port_no, name.c_str(), (p.config & of::port_config::kPortDown) ? "down" : "up",
                (p.state & of::port_state::kLinkDown) ? "down" : "up", s.rx_packets, s.rx_bytes,
                s.rx_dropped, s.rx_errors, s.tx_packets, s.tx_bytes, s.tx_dropped, s.tx_errors);
  }
  return 0;
}

int cmd_show_rules(const CommonOptions& common, const std::string& policy_path, bool json) {
  Policy policy;
  if (!policy_path.empty()) {
    const auto errors = load_and_validate(policy_path, policy);
    if (!errors.empty()) {
      for (const ConfigError& e : errors) {
        std::fprintf(stderr, "%s\n", format_config_error(policy_path, e).c_str());
      }
      return 1;
    }
  }
  auto session = open_session(common);
  if (!session) return report(session.error());
  std::vector<of::FlowStats> flows;
  for (uint8_t table : {of::firewall::kCtTable, of::firewall::kRuleTable}) {
    of::FlowStatsRequest request;
    request.table_id = table;
    auto got = (*session)->flow_stats(request);
    if (!got) return report(got.error());
    flows.insert(flows.end(), got->begin(), got->end());
  }
  const RuleReport rules = rule_report(flows, policy_path.empty() ? nullptr : &policy);
  if (rules.installed_version == 0 && rules.rows.empty()) {
    std::fprintf(stderr, "sluicectl: the dataplane has no firewall (no policy with a firewall: "
                         "section is applied)\n");
    return 1;
  }
  if (!policy_path.empty() && rules.policy_version != rules.installed_version) {
    std::fprintf(stderr,
                 "sluicectl: warning: %s is not the firewall installed (its version %u, "
                 "installed %u); rule names may not match\n",
                 policy_path.c_str(), rules.policy_version, rules.installed_version);
  }
  std::fputs(format_rule_report(rules, json).c_str(), stdout);
  return 0;
}

int cmd_dump_flows(const CommonOptions& common, int table) {
  auto session = open_session(common);
  if (!session) return report(session.error());
  of::FlowStatsRequest request;
  if (table >= 0) request.table_id = static_cast<uint8_t>(table);
  auto flows = (*session)->flow_stats(request);
  if (!flows) return report(flows.error());
  for (const of::FlowStats& fs : *flows) std::printf(" %s\n", of::format_flow_stats(fs).c_str());
  return 0;
}

int cmd_dump_groups(const CommonOptions& common) {
  auto session = open_session(common);
  if (!session) return report(session.error());
  auto groups = (*session)->group_desc();
  if (!groups) return report(groups.error());
  std::printf("groups:\n");
  for (const of::GroupDesc& g : *groups) std::printf(" %s\n", of::format_group(g).c_str());
  return 0;
}

}  // namespace sluice::cp
