// The policy's firewall: every check on security groups and rules (one error each, at its
// file:line:col), the resolution of groups into endpoints, and the flows of tables 30/31
// (openflow/firewall.h) the compiler emits for them.
#include "controlplane/firewall.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "controlplane/compiler.h"
#include "openflow/format.h"
#include "openflow/l2_contract.h"
#include "tests/controlplane/test_policy.h"

namespace sluice::cp {
namespace {

namespace fw = of::firewall;
using ::testing::HasSubstr;
using testing::errors_of;
using testing::valid_policy;

// Two VM ports with addresses on VLAN 100, a third on VLAN 200, then 'rest' (groups, firewall).
std::string with_firewall(const std::string& rest) {
  return "version: 1\n"
         "networks:\n"
         "  - {name: blue, vlan: 100}\n"
         "  - {name: red, vlan: 200}\n"
         "ports:\n"
         "  - name: web1\n"
         "    type: \"null\"\n"
         "    vlan: {mode: access, id: 100}\n"
         "    labels: {tier: web}\n"
         "    security: {macs: ['02:00:00:00:00:01'], ips: [10.0.0.1]}\n"
         "  - name: db1\n"
         "    type: \"null\"\n"
         "    vlan: {mode: access, id: 100}\n"
         "    labels: {tier: db}\n"
         "    security: {macs: ['02:00:00:00:00:02'], ips: [10.0.0.2]}\n"
         "  - name: red1\n"
         "    type: \"null\"\n"
         "    vlan: {mode: access, id: 200}\n"
         "    security: {macs: ['02:00:00:00:00:03'], ips: [10.0.1.3]}\n"
         "  - name: bare\n"
         "    type: \"null\"\n"
         "    vlan: {mode: access, id: 100}\n"
         "    labels: {tier: web}\n" +
         rest;
}

const std::string kGroups =
    "security_groups:\n"
    "  - {name: web, ports: [web1]}\n"
    "  - {name: db, ports: [db1]}\n"
    "  - {name: outside, cidrs: [192.0.2.0/24]}\n";

std::string with_rule(const std::string& rule) {
  return with_firewall(kGroups + "firewall:\n  rules:\n    - " + rule + "\n");
}

struct Case {
  const char* name;
  std::string yaml;
  const char* expect;
};

class FirewallCase : public ::testing::TestWithParam<Case> {};

TEST_P(FirewallCase, ReportsExactlyOneError) {
  auto errors = errors_of(GetParam().yaml);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr(GetParam().expect));
}

const Case kCases[] = {
    {"unknown_group", with_rule("{id: r, from: any, to: dbs, action: allow}"),
     ":30:30: firewall.rules[0].to: no security group is named 'dbs' (groups: web, db, outside; "
     "or any)"},
    {"unknown_group_in_list", with_rule("{id: r, from: [web, nope], to: any, action: allow}"),
     "firewall.rules[0].from[1]: no security group is named 'nope'"},
    {"side_missing", with_rule("{id: r, from: any, action: allow}"),
     ":30:7: firewall.rules[0].to: is required"},
    {"side_empty", with_rule("{id: r, from: [], to: any, action: allow}"),
     "firewall.rules[0].from: is empty; write any for every address"},
    {"id_missing", with_rule("{from: any, to: any, action: allow}"),
     "firewall.rules[0].id: is required"},
    {"id_bad", with_rule("{id: 'a b', from: any, to: any, action: allow}"),
     "firewall.rules[0].id: 'a b' contains ' '"},
    {"action_missing", with_rule("{id: r, from: any, to: any}"),
     "firewall.rules[0].action: is required"},
    {"action_bad", with_rule("{id: r, from: any, to: any, action: permit}"),
     "expected one of allow | deny | reject, got 'permit'"},
    {"protocol_bad", with_rule("{id: r, from: any, to: any, protocol: sctp, action: allow}"),
     "expected one of any | tcp | udp | icmp, got 'sctp'"},
    {"ports_without_l4", with_rule("{id: r, from: any, to: any, ports: [80], action: allow}"),
     "firewall.rules[0].ports: ports need protocol tcp or udp"},
    {"port_zero", with_rule("{id: r, from: any, to: any, protocol: tcp, ports: [0], action: allow}"),
     "firewall.rules[0].ports[0]: 0 is out of range 1..65535"},
    {"port_high",
     with_rule("{id: r, from: any, to: any, protocol: udp, ports: ['1-65536'], action: allow}"),
     "firewall.rules[0].ports[0]: 65536 is out of range 1..65535"},
    {"range_empty",
     with_rule("{id: r, from: any, to: any, protocol: tcp, ports: ['90-80'], action: allow}"),
     "firewall.rules[0].ports[0]: range 90-80 is empty"},
    {"port_junk", with_rule("{id: r, from: any, to: any, protocol: tcp, ports: [http], action: allow}"),
     "expected a port number or a range like \"8000-8080\", got 'http'"},
    {"icmp_on_tcp",
     with_rule("{id: r, from: any, to: any, protocol: tcp, icmp: {type: 8}, action: allow}"),
     "firewall.rules[0].icmp.type: is only for protocol icmp"},
    {"icmp_type_high",
     with_rule("{id: r, from: any, to: any, protocol: icmp, icmp: {type: 256}, action: allow}"),
     "firewall.rules[0].icmp.type: 256 is out of range 0..255"},
    {"log_bad", with_rule("{id: r, from: any, to: any, action: allow, log: yes}"),
     "expected one of true | false, got 'yes'"},
    {"duplicate_id",
     with_firewall(kGroups +
                   "firewall:\n  rules:\n    - {id: r, from: any, to: any, action: allow}\n"
                   "    - {id: r, from: any, to: any, action: deny}\n"),
     ":31:12: firewall.rules[1].id: rule id 'r' is already used (line 30)"},
    {"group_unknown_port",
     with_firewall("security_groups:\n  - {name: g, ports: [web9]}\nfirewall: {rules: []}\n"),
     ":25:23: security_groups[0].ports[0]: no port is named 'web9'"},
    {"group_port_without_ips",
     with_firewall("security_groups:\n  - {name: g, ports: [bare]}\nfirewall: {rules: []}\n"),
     "security_groups[0].ports[0]: port 'bare' has no security.ips; a group matches its ports by "
     "the addresses port security lets them send from"},
    {"selector_port_without_ips",
     with_firewall("security_groups:\n  - {name: g, selector: {tier: web}}\nfirewall: {rules: []}\n"),
     "security_groups[0].selector: port 'bare' has no security.ips"},
    {"group_without_members", with_firewall("security_groups:\n  - {name: g}\nfirewall: {rules: []}\n"),
     "security_groups[0]: a group needs members: ports, selector or cidrs"},
    {"group_named_any",
     with_firewall("security_groups:\n  - {name: any, cidrs: [10.0.0.0/8]}\nfirewall: {rules: []}\n"),
     "security_groups[0].name: 'any' is reserved"},
    {"group_duplicate",
     with_firewall("security_groups:\n  - {name: g, cidrs: [10.0.0.0/8]}\n"
                   "  - {name: g, cidrs: [10.0.0.0/8]}\nfirewall: {rules: []}\n"),
     "security_groups[1].name: group 'g' is already defined (line 25)"},
    {"cidr_bad",
     with_firewall("security_groups:\n  - {name: g, cidrs: [10.0.0.0/33]}\nfirewall: {rules: []}\n"),
     "security_groups[0].cidrs[0]: '10.0.0.0/33' is not an IPv4 address or prefix"},
    {"cidr_host_bits",
     with_firewall("security_groups:\n  - {name: g, cidrs: [10.0.0.1/24]}\nfirewall: {rules: []}\n"),
     "'10.0.0.1/24' has address bits past its length (did you mean 10.0.0.0/24?)"},
    {"cidr_ipv6",
     with_firewall("security_groups:\n  - {name: g, cidrs: ['2001:db8::/32']}\nfirewall: {rules: []}\n"),
     "'2001:db8::/32' is IPv6, the firewall matches IPv4 addresses only"},
    {"selector_empty",
     with_firewall("security_groups:\n  - {name: g, selector: {}}\nfirewall: {rules: []}\n"),
     "security_groups[0].selector: an empty selector would select every port"},
    {"label_bad", with_firewall("security_groups: []\n").replace(
                      with_firewall("").find("labels: {tier: db}"), 18, "labels: {tier: 'd b'}"),
     "ports[1].labels.tier: 'd b' contains ' '"},
    {"default_without_firewall",
     "version: 1\nnetworks:\n  - {name: blue, vlan: 100, firewall_default: allow}\n",
     ":3:47: networks[0].firewall_default: has no effect: the policy has no firewall: section"},
    {"default_bad",
     "version: 1\nnetworks:\n  - {name: blue, vlan: 100, firewall_default: reject}\n"
     "firewall: {rules: []}\n",
     "expected one of allow | deny, got 'reject'"},
    {"firewall_unknown_key", with_firewall("firewall: {rules: [], default: allow}\n"),
     "firewall.default: unknown key (expected one of: rules)"},
};

INSTANTIATE_TEST_SUITE_P(All, FirewallCase, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Firewall, TooManyFlowsIsRefusedWithTheCount) {
  // 200 addresses to 200 addresses on 3 port ranges: 200*200*3*2 = 240,000 flows.
  std::string cidrs_a, cidrs_b;
  for (int i = 0; i < 200; ++i) {
    cidrs_a += (i ? ", " : "") + std::string("10.1.") + std::to_string(i) + ".1";
    cidrs_b += (i ? ", " : "") + std::string("10.2.") + std::to_string(i) + ".1";
  }
  const std::string yaml = with_firewall(
      "security_groups:\n  - {name: a, cidrs: [" + cidrs_a + "]}\n  - {name: b, cidrs: [" +
      cidrs_b + "]}\nfirewall:\n  rules:\n    - {id: r, from: a, to: b, protocol: tcp, ports: "
      "[22, 80, 443], action: allow}\n");
  auto errors = errors_of(yaml);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("firewall: compiles to 480"));
  EXPECT_THAT(errors[0], HasSubstr("flows; at most 200000 fit"));
}

TEST(Firewall, SpecFromPolicy) {
  const Policy p = valid_policy(
      "version: 1\n"
      "networks:\n  - {name: blue, vlan: 100}\n  - {name: red, vlan: 200, firewall_default: allow}\n"
      "ports:\n"
      "  - {name: a, type: \"null\", vlan: {mode: access, id: 100}, labels: {tier: web},\n"
      "     security: {macs: ['02:00:00:00:00:01'], ips: [10.0.0.1, 10.0.9.0/24]}}\n"
      "  - {name: t, type: \"null\", vlan: {mode: trunk, allowed: [100, 200]},\n"
      "     security: {macs: ['02:00:00:00:00:02'], ips: [10.0.0.2]}}\n"
      "security_groups:\n"
      "  - {name: web, selector: {tier: web}}\n"
      "  - {name: mixed, ports: [t], cidrs: [192.0.2.0/24]}\n"
      "firewall:\n  rules:\n"
      "    - {id: r1, from: web, to: mixed, protocol: tcp, ports: [80, '8000-8080'], action: allow}\n"
      "    - {id: r2, from: any, to: web, protocol: icmp, icmp: {type: 8, code: 0}, action: deny}\n"
      "    - {id: r3, from: any, to: web, protocol: tcp, ports: [22], action: reject, log: true}\n");
  const fw::Spec spec = firewall_spec(p, assign_port_numbers(p));
  ASSERT_EQ(spec.networks.size(), 2u);
  EXPECT_EQ(spec.networks[0].vlan, 100);
  EXPECT_FALSE(spec.networks[0].default_allow);
  EXPECT_TRUE(spec.networks[1].default_allow);
  EXPECT_EQ(spec.next_table, of::l2::kL2Table);
  ASSERT_EQ(spec.rules.size(), 3u);
  const fw::Rule& r1 = spec.rules[0];
  EXPECT_FALSE(r1.log);
  EXPECT_EQ(r1.number, 1u);
  EXPECT_EQ(r1.proto, fw::Proto::kTcp);
  EXPECT_EQ(r1.verdict, fw::Verdict::kAllow);
  ASSERT_EQ(r1.ports.size(), 2u);
  EXPECT_EQ(r1.ports[1], (fw::PortRange{8000, 8080}));
  // 'a' as a source: its two addresses, through its own port 1, on VLAN 100.
  ASSERT_EQ(r1.from.size(), 2u);
  EXPECT_EQ(r1.from[0], (fw::Endpoint{1, {0x0a000001, 32}, {100}}));
  EXPECT_EQ(r1.from[1], (fw::Endpoint{1, {0x0a000900, 24}, {100}}));
  // As a destination no port is known; the trunk's address lives on both its VLANs; the CIDR
  // anywhere.
  ASSERT_EQ(r1.to.size(), 2u);
  EXPECT_EQ(r1.to[0], (fw::Endpoint{0, {0x0a000002, 32}, {100, 200}}));
  EXPECT_EQ(r1.to[1], (fw::Endpoint{0, {0xc0000200, 24}, {}}));
  const fw::Rule& r2 = spec.rules[1];
  EXPECT_EQ(r2.number, 2u);
  EXPECT_EQ(r2.verdict, fw::Verdict::kDeny);
  EXPECT_EQ(r2.icmp_type, 8);
  EXPECT_EQ(r2.icmp_code, 0);
  ASSERT_EQ(r2.from.size(), 1u);
  EXPECT_EQ(r2.from[0], fw::Endpoint{});
  EXPECT_EQ(spec.rules[2].verdict, fw::Verdict::kReject);
  EXPECT_TRUE(spec.rules[2].log);
}

TEST(Firewall, IngressAndPortSecurityGoToTable30) {
  const Policy p = valid_policy(with_rule("{id: r, from: web, to: db, action: allow}"));
  const DesiredState d = compile(p);
  EXPECT_EQ(d.flows.size(), count_flows(p));
  size_t table0 = 0, table10_on = 0, table30 = 0, table31 = 0;
  for (const of::FlowMod& fm : d.flows) {
    if (fm.table_id == 0) {
      ++table0;
      // Protected ports through table 10; 'bare' (port 4, no security) straight on.
      EXPECT_EQ(fm.instructions.goto_table,
                fm.match.in_port == 4 ? fw::kCtTable : of::l2::kPortSecurityTable);
    }
    if (fm.table_id == 10 && (fm.instructions.present & of::instr::kGotoTable) != 0) {
      ++table10_on;
      EXPECT_EQ(fm.instructions.goto_table, fw::kCtTable);
    }
    table30 += fm.table_id == fw::kCtTable;
    table31 += fm.table_id == fw::kRuleTable;
  }
  EXPECT_EQ(table0, 4u);
  EXPECT_GT(table10_on, 0u);
  EXPECT_EQ(table30, 2u * 2 + 1);  // track + IPv6 per network, one pass flow
  // invalid, established of r, related, r's original and reply, a default per network.
  EXPECT_EQ(table31, 1u + 1 + 1 + 2 + 2);
}

TEST(Firewall, WithoutAFirewallNothingChanges) {
  const Policy p = valid_policy(with_firewall(""));
  for (const of::FlowMod& fm : compile(p).flows) {
    EXPECT_NE(fm.table_id, fw::kCtTable);
    EXPECT_NE(fm.table_id, fw::kRuleTable);
    if (fm.table_id == 10 && (fm.instructions.present & of::instr::kGotoTable) != 0) {
      EXPECT_EQ(fm.instructions.goto_table, of::l2::kL2Table);
    }
  }
}

std::vector<std::string> table31_text(const Policy& p) {
  std::vector<std::string> out;
  for (const of::FlowMod& fm : compile(p).flows) {
    if (fm.table_id != fw::kRuleTable) continue;
    out.push_back("priority=" + std::to_string(fm.priority) + "," + of::format_match(fm.match) +
                  " actions=" + of::format_instructions(fm.instructions));
  }
  return out;
}

TEST(Firewall, RuleFlowsReadAsOpenVswitchConntrackFlows) {
  const Policy p = valid_policy(
      with_rule("{id: r, from: web, to: db, protocol: tcp, ports: ['5432-5433'], action: allow}"));
  const uint32_t v = fw::version(firewall_spec(p, assign_port_numbers(p)));
  auto hex = [](uint32_t x) {
    char b[16];
    snprintf(b, sizeof b, "0x%x", x);
    return std::string(b);
  };
  const std::string m1 = hex(v << fw::kRuleBits | 1);
  EXPECT_THAT(
      table31_text(p),
      ::testing::ElementsAre(
          "priority=65100,ct_state=+inv+trk actions=drop",
          "priority=65000,ct_state=+est+trk,ct_mark=" + m1 + " actions=goto_table:40",
          "priority=64000,ct_state=+rel+trk,ct_mark=" + hex(v << fw::kRuleBits) +
              "/0xffffc000 actions=goto_table:40",
          "priority=60000,ct_state=-rel-rpl-inv+trk,tcp,metadata=0x64/0xfff,in_port=1,"
          "nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_dst=0x1538/0xfffe actions=ct(commit,zone=100,exec("
          "set_field:" + m1 + "->ct_mark)),goto_table:40",
          "priority=60000,ct_state=+est-rel+rpl-inv+trk,tcp,metadata=0x64/0xfff,nw_src=10.0.0.2,"
          "nw_dst=10.0.0.1,tp_src=0x1538/0xfffe actions=ct(commit,zone=100,exec(set_field:" + m1 +
              "->ct_mark)),goto_table:40",
          "priority=1,ip,metadata=0x64/0xfff actions=drop",
          "priority=1,ip,metadata=0xc8/0xfff actions=drop"));
}

TEST(Firewall, VersionIsStableAndFollowsEveryVerdictInput) {
  const std::string base = "{id: r, from: web, to: db, protocol: tcp, ports: [80], action: allow}";
  auto version_of = [](const std::string& yaml) {
    const Policy p = valid_policy(yaml);
    return fw::version(firewall_spec(p, assign_port_numbers(p)));
  };
  const uint32_t v = version_of(with_rule(base));
  EXPECT_NE(v, 0u);
  EXPECT_LT(v, 1u << (32 - fw::kRuleBits));
  EXPECT_EQ(version_of(with_rule(base)), v);
  EXPECT_NE(version_of(with_rule("{id: r, from: web, to: db, protocol: tcp, ports: [81], action: allow}")), v);
  EXPECT_NE(version_of(with_rule("{id: r, from: web, to: db, protocol: tcp, ports: [80], action: deny}")), v);
  EXPECT_NE(version_of(with_rule("{id: r, from: web, to: outside, protocol: tcp, ports: [80], action: allow}")), v);
  EXPECT_NE(version_of(with_rule(base).replace(with_rule(base).find("ips: [10.0.0.2]"), 15,
                                               "ips: [10.0.0.9]")),
            v);
  // The rule's id names it for counters; it decides nothing.
  EXPECT_EQ(version_of(with_rule("{id: other, from: web, to: db, protocol: tcp, ports: [80], action: allow}")), v);
}

TEST(Firewall, RangeMasksCoverExactlyTheRange) {
  std::mt19937 rng(7);
  std::vector<std::pair<uint32_t, uint32_t>> ranges = {{1, 65535}, {0, 65535}, {80, 80},
                                                       {8000, 8080}, {1024, 65535}, {65535, 65535}};
  for (int i = 0; i < 200; ++i) {
    uint32_t a = rng() % 65536, b = rng() % 65536;
    ranges.emplace_back(std::min(a, b), std::max(a, b));
  }
  for (auto [lo, hi] : ranges) {
    SCOPED_TRACE(std::to_string(lo) + "-" + std::to_string(hi));
    const auto masks = fw::range_masks(static_cast<uint16_t>(lo), static_cast<uint16_t>(hi));
    std::vector<int> hits(65536, 0);
    for (auto [value, mask] : masks) {
      ASSERT_EQ(value & ~mask & 0xffff, 0) << "value bits outside the mask";
      for (uint32_t port = 0; port < 65536; ++port) hits[port] += (port & mask) == value;
    }
    for (uint32_t port = 0; port < 65536; ++port) {
      ASSERT_EQ(hits[port], port >= lo && port <= hi ? 1 : 0) << "port " << port;
    }
    EXPECT_LE(masks.size(), 30u);  // at most 2 per bit
  }
  EXPECT_EQ(fw::range_masks(1, 65535).size(), 16u);
  EXPECT_EQ(fw::range_masks(1024, 65535).size(), 6u);
}

TEST(Firewall, ShowRulesSumsTheFlowCountersPerRule) {
  std::string yaml = with_firewall(
      kGroups + "firewall:\n  rules:\n"
                "    - {id: web-db, from: web, to: db, protocol: tcp, ports: [80, 443], action: allow}\n"
                "    - {id: no-ssh, from: outside, to: web, protocol: tcp, ports: [22], action: deny}\n");
  const std::string red = "  - {name: red, vlan: 200}";
  yaml.replace(yaml.find(red), red.size(), "  - {name: red, vlan: 200, firewall_default: allow}");
  const Policy p = valid_policy(yaml);
  std::vector<of::FlowStats> installed;
  uint64_t n = 0;
  for (const of::FlowMod& fm : compile(p).flows) {
    if (fm.table_id != fw::kCtTable && fm.table_id != fw::kRuleTable) continue;
    of::FlowStats fs;
    fs.table_id = fm.table_id;
    fs.priority = fm.priority;
    fs.cookie = fm.cookie;
    fs.match = fm.match;
    fs.instructions = fm.instructions;
    fs.packet_count = ++n;  // 1, 2, 3 ... in compile order
    fs.byte_count = 100 * n;
    installed.push_back(fs);
  }
  const RuleReport r = rule_report(installed, &p);
  EXPECT_EQ(r.installed_version, r.policy_version);
  ASSERT_EQ(r.rows.size(), 2u + 2 + 2);  // two rules, two defaults, invalid, ipv6 (blue drops it)
  EXPECT_EQ(r.rows[0].name, "web-db");
  EXPECT_EQ(r.rows[0].action, "allow");
  EXPECT_EQ(r.rows[1].name, "no-ssh");
  EXPECT_EQ(r.rows[1].action, "deny");
  EXPECT_EQ(r.rows[1].established, 0u);
  EXPECT_EQ(r.rows[2].name, "default blue (vlan 100)");
  EXPECT_EQ(r.rows[2].action, "deny");
  EXPECT_EQ(r.rows[3].name, "default red (vlan 200)");
  EXPECT_EQ(r.rows[3].action, "allow");
  EXPECT_EQ(r.rows[4].name, "invalid");
  EXPECT_EQ(r.rows[5].name, "ipv6");
  // Every packet of every table-31 flow but the related one is in exactly one row.
  uint64_t want = 0, got = 0;
  for (const of::FlowStats& fs : installed) {
    const auto info = fw::parse_cookie(fs.cookie);
    if (info->kind == fw::Kind::kRelated || info->kind == fw::Kind::kTrack ||
        info->kind == fw::Kind::kPass ||
        (info->kind == fw::Kind::kIpv6 && (fs.instructions.present & of::instr::kGotoTable))) {
      continue;
    }
    want += fs.packet_count;
  }
  for (const RuleRow& row : r.rows) got += row.checked + row.established;
  EXPECT_EQ(got, want);
  const std::string json = format_rule_report(r, true);
  EXPECT_THAT(json, HasSubstr("{\"rule\": \"web-db\", \"action\": \"allow\", \"checked\": "));
  EXPECT_THAT(format_rule_report(r, false), HasSubstr("default red (vlan 200)"));
  // Without the policy the rules are numbered.
  EXPECT_EQ(rule_report(installed, nullptr).rows[1].name, "#2");
}

// Reject and log compile to punts (the controller answers, firewall_punts.h): a rejecting rule's originals go to the controller instead of being committed, a
// logging rule's originals send it a copy; replies re-checked after a change are only dropped.
TEST(Firewall, RejectAndLogRulesPuntTheirOriginalsToTheController) {
  fw::Spec spec;
  spec.networks.push_back({100, false});
  fw::Rule reject;
  reject.number = 1;
  reject.from = {fw::Endpoint{}};
  reject.to = {fw::Endpoint{0, {0x0a000002, 32}, {100}}};
  reject.proto = fw::Proto::kTcp;
  reject.ports = {{22, 22}};
  reject.verdict = fw::Verdict::kReject;
  fw::Rule logged = reject;
  logged.number = 2;
  logged.ports = {{80, 80}};
  logged.verdict = fw::Verdict::kAllow;
  logged.log = true;
  spec.rules = {reject, logged};
  std::vector<std::string> rules;
  for (const of::FlowMod& fm : fw::flows(spec, of::l2::kPolicyCookie)) {
    const auto info = fw::parse_cookie(fm.cookie);
    ASSERT_TRUE(info);
    if (info->kind != fw::Kind::kCheck && info->kind != fw::Kind::kReject) continue;
    EXPECT_EQ(info->log, info->number == 2 && fm.match.has(of::Field::kTcpDst));
    rules.push_back(std::to_string(static_cast<int>(info->kind)) + " " +
                    of::format_instructions(fm.instructions));
  }
  const std::string m2 = "0x" + [&] {
    char b[16];
    snprintf(b, sizeof b, "%x", fw::version(spec) << fw::kRuleBits | 2);
    return std::string(b);
  }();
  EXPECT_THAT(rules, ::testing::ElementsAre(
                         "9 CONTROLLER:192", "7 drop",
                         "7 CONTROLLER:192,ct(commit,zone=100,exec(set_field:" + m2 +
                             "->ct_mark)),goto_table:40",
                         "7 ct(commit,zone=100,exec(set_field:" + m2 +
                             "->ct_mark)),goto_table:40"));
}

TEST(Firewall, CookiesNameTheRule) {
  for (auto kind : {fw::Kind::kTrack, fw::Kind::kCheck, fw::Kind::kDefault, fw::Kind::kEstablished}) {
    const uint64_t c = fw::cookie(of::l2::kPolicyCookie, kind, 1234);
    const auto info = fw::parse_cookie(c);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->kind, kind);
    EXPECT_EQ(info->number, 1234u);
    EXPECT_TRUE((c & of::l2::kPolicyCookieMask) == of::l2::kPolicyCookie);
  }
  EXPECT_FALSE(fw::parse_cookie(of::l2::kPolicyCookie));  // an L2 flow
  EXPECT_FALSE(fw::parse_cookie(fw::cookie(of::l2::kPolicyCookie, fw::Kind::kTrack, 0) |
                                uint64_t{0x77} << 32));
}

}  // namespace
}  // namespace sluice::cp
