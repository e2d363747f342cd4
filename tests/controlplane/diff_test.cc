#include "controlplane/diff.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "openflow/l2_contract.h"
#include "tests/controlplane/test_policy.h"

namespace sluice::cp {
namespace {

using testing::valid_policy;

DesiredState compile_text(const std::string& text) { return compile(valid_policy(text)); }

// What the dataplane would report after applying 'd' completely.
InstalledState installed_from(const DesiredState& d) {
  InstalledState s;
  for (size_t i = 0; i < d.ports.size(); ++i) {
    of::Port p;
    p.port_no = d.ports[i].port_no;
    p.name = d.ports[i].name;
    if (d.port_settings[i].admin_up == 0) p.config |= of::port_config::kPortDown;
    s.ports.push_back(p);
  }
  for (const of::FlowMod& fm : d.flows) {
    of::FlowStats fs;
    fs.table_id = fm.table_id;
    fs.priority = fm.priority;
    fs.cookie = fm.cookie;
    fs.match = fm.match;
    fs.instructions = fm.instructions;
    fs.packet_count = 42;  // counters never matter
    s.flows.push_back(fs);
  }
  s.groups = d.groups;
  return s;
}

// "PORT_ADD 1", "FLOW_MOD add t0 p100 in_port=1" ... short, comparable descriptions.
std::string describe(const Message& m) {
  std::string kind(message_kind(m));
  if (auto* a = std::get_if<of::PortAdd>(&m)) return kind + " " + std::to_string(a->port_no);
  if (auto* d = std::get_if<of::PortDel>(&m)) return kind + " " + std::to_string(d->port_no);
  if (auto* s = std::get_if<of::PortSet>(&m)) return kind + " " + std::to_string(s->port_no);
  if (auto* g = std::get_if<GroupModMsg>(&m)) {
    static const char* kCmd[] = {"add", "modify", "delete"};
    return kind + " " + kCmd[static_cast<int>(g->mod->command)] + " " +
           std::to_string(g->mod->group.group_id);
  }
  if (auto* f = std::get_if<of::FlowMod>(&m)) {
    std::string s = kind + (f->command == of::FlowModCommand::kAdd ? " add" : " delete_strict") +
                    " t" + std::to_string(f->table_id) + " p" + std::to_string(f->priority);
    if (f->match.has(of::Field::kInPort)) s += " in_port=" + std::to_string(f->match.in_port);
    if (f->match.has(of::Field::kVlanVid)) s += " vid=" + std::to_string(f->match.vlan_vid);
    if (f->match.has(of::Field::kMetadata)) s += " md=" + std::to_string(f->match.metadata);
    if (f->match.has(of::Field::kEthDst)) s += " dst";
    return s;
  }
  return kind;
}

std::vector<std::string> describe(const DiffResult& r) {
  std::vector<std::string> out;
  for (const Message& m : r.messages) out.push_back(describe(m));
  return out;
}

// The hitless order's step for message i (see diff.h); PORT_DELs right before the PORT_ADD
// of a replaced port belong to step 1.
int step(const std::vector<Message>& msgs, size_t i) {
  const Message& m = msgs[i];
  if (std::holds_alternative<of::PortDel>(m)) {
    size_t j = i;
    while (j < msgs.size() && std::holds_alternative<of::PortDel>(msgs[j])) ++j;
    return j < msgs.size() && std::holds_alternative<of::PortAdd>(msgs[j]) ? 1 : 8;
  }
  if (std::holds_alternative<of::PortAdd>(m)) return 1;
  if (std::holds_alternative<of::PortSet>(m)) return 2;
  if (std::holds_alternative<of::SwitchConfig>(m)) return 3;
  if (auto* g = std::get_if<GroupModMsg>(&m)) {
    return g->mod->command == of::GroupModCommand::kDelete ? 7 : 4;
  }
  const auto& f = std::get<of::FlowMod>(m);
  return f.command == of::FlowModCommand::kAdd ? 5 : 6;
}

void expect_hitless_order(const DiffResult& r) {
  int last = 0;
  int last_add_table = 255, last_del_table = -1;
  for (size_t i = 0; i < r.messages.size(); ++i) {
    const int s = step(r.messages, i);
    EXPECT_GE(s, last) << "message " << i << ": " << describe(r.messages[i]);
    last = s;
    if (auto* f = std::get_if<of::FlowMod>(&r.messages[i])) {
      if (f->command == of::FlowModCommand::kAdd) {
        EXPECT_LE(f->table_id, last_add_table) << "adds go table 1 before table 0";
        last_add_table = f->table_id;
      } else {
        EXPECT_GE(f->table_id, last_del_table) << "deletes go table 0 before table 1";
        last_del_table = f->table_id;
      }
    }
  }
}

const std::string kDemo = R"(version: 1
networks:
  - {name: blue, vlan: 100}
  - {name: red, vlan: 200}
ports:
  - {name: vm1, type: af_packet, iface: vm1-sw, vlan: {mode: access, id: 100}}
  - {name: vm2, type: af_packet, iface: vm2-sw, vlan: {mode: access, id: 100}}
  - {name: vm3, type: af_packet, iface: vm3-sw, vlan: {mode: access, id: 200}}
)";

TEST(Diff, FirstSyncInstallsEverythingInOrder) {
  const DesiredState d = compile_text(kDemo);
  const DiffResult r = diff(d, InstalledState{}, nullptr);
  EXPECT_THAT(
      describe(r),
      ::testing::ElementsAre(
          "PORT_ADD 1", "PORT_ADD 2", "PORT_ADD 3", "PORT_SET 1", "PORT_SET 2", "PORT_SET 3",
          "SWITCH_CONFIG", "GROUP_MOD add 100", "GROUP_MOD add 200", "FLOW_MOD add t40 p0 md=100",
          "FLOW_MOD add t40 p0 md=200", "FLOW_MOD add t0 p100 in_port=1 vid=0",
          "FLOW_MOD add t0 p100 in_port=2 vid=0", "FLOW_MOD add t0 p100 in_port=3 vid=0"));
  EXPECT_EQ(r.summary.to_string(),
            "+3 ports, ~0 ports, -0 ports, +5 flows, -0 flows, +2 groups, ~0 groups, -0 groups, "
            "switch config");
  expect_hitless_order(r);
}

TEST(Diff, NoOpReloadSendsNothing) {
  const DesiredState d = compile_text(kDemo);
  const DiffResult r = diff(d, installed_from(d), &d);
  EXPECT_TRUE(r.messages.empty()) << ::testing::PrintToString(describe(r));
  EXPECT_TRUE(r.summary.empty());
}

TEST(Diff, ResyncAfterControllerRestartReaddsPortsOnly) {
  // Without a previous policy, PORT_ADD (idempotent) confirms each port; nothing else moves.
  const DesiredState d = compile_text(kDemo);
  const DiffResult r = diff(d, installed_from(d), nullptr);
  EXPECT_THAT(describe(r),
              ::testing::ElementsAre("PORT_ADD 1", "PORT_ADD 2", "PORT_ADD 3", "PORT_SET 1",
                                     "PORT_SET 2", "PORT_SET 3", "SWITCH_CONFIG"));
  EXPECT_EQ(r.summary.flows_added, 0u);
}

TEST(Diff, AddPort) {
  const DesiredState before = compile_text(kDemo);
  const DesiredState after = compile_text(
      kDemo + "  - {name: vm4, type: af_packet, iface: vm4-sw, vlan: {mode: access, id: 200}}\n");
  const DiffResult r = diff(after, installed_from(before), &before);
  EXPECT_THAT(describe(r),
              ::testing::ElementsAre("PORT_ADD 4", "PORT_SET 4", "GROUP_MOD modify 200",
                                     "FLOW_MOD add t0 p100 in_port=4 vid=0"));
  EXPECT_EQ(r.summary.ports_added, 1u);
  EXPECT_EQ(r.summary.groups_modified, 1u);
}

TEST(Diff, RemovePortDeletesFlowsBeforeThePort) {
  const DesiredState before = compile_text(kDemo);
  const DesiredState after = compile_text(R"(version: 1
networks:
  - {name: blue, vlan: 100}
  - {name: red, vlan: 200}
ports:
  - {name: vm1, type: af_packet, iface: vm1-sw, vlan: {mode: access, id: 100}}
  - {name: vm2, type: af_packet, iface: vm2-sw, vlan: {mode: access, id: 100}}
)");
  const DiffResult r = diff(after, installed_from(before), &before);
  EXPECT_THAT(describe(r), ::testing::ElementsAre("GROUP_MOD modify 200",
                                                  "FLOW_MOD delete_strict t0 p100 in_port=3 vid=0",
                                                  "PORT_DEL 3"));
  const auto& del = std::get<of::FlowMod>(r.messages[1]);
  EXPECT_EQ(del.cookie, of::l2::kPolicyCookie);
  EXPECT_EQ(del.cookie_mask, ~uint64_t{0});
  EXPECT_EQ(r.summary.ports_removed, 1u);
  expect_hitless_order(r);
}

TEST(Diff, ChangeVlanReplacesTheIngressFlowInPlace) {
  const DesiredState before = compile_text(kDemo);
  std::string text = kDemo;
  text.replace(text.find("vm2-sw, vlan: {mode: access, id: 100}"),
               std::string("vm2-sw, vlan: {mode: access, id: 100}").size(),
               "vm2-sw, vlan: {mode: access, id: 200}");
  const DesiredState after = compile_text(text);
  const DiffResult r = diff(after, installed_from(before), &before);
  // Same (table, priority, match): the ADD overwrites it; no delete, no gap.
  EXPECT_THAT(describe(r), ::testing::ElementsAre("GROUP_MOD modify 100", "GROUP_MOD modify 200",
                                                  "FLOW_MOD add t0 p100 in_port=2 vid=0"));
  EXPECT_EQ(std::get<of::FlowMod>(r.messages[2]).instructions.metadata, 200u);
}

TEST(Diff, StaticMacAddAndRemove) {
  const std::string ports = R"(ports:
  - {name: vm1, type: af_packet, iface: vm1-sw, vlan: {mode: access, id: 100}}
)";
  const DesiredState without =
      compile_text("version: 1\nnetworks: [{name: a, vlan: 100}]\n" + ports);
  const DesiredState with = compile_text(
      "version: 1\nnetworks: [{name: a, vlan: 100, static_macs: [{mac: '02:00:00:00:00:01', "
      "port: vm1}]}]\n" +
      ports);
  const DiffResult add = diff(with, installed_from(without), &without);
  EXPECT_THAT(describe(add), ::testing::ElementsAre("FLOW_MOD add t40 p200 md=100 dst"));
  const DiffResult del = diff(without, installed_from(with), &with);
  EXPECT_THAT(describe(del), ::testing::ElementsAre("FLOW_MOD delete_strict t40 p200 md=100 dst"));
}

TEST(Diff, RemoveNetworkDeletesGroupAfterItsFlows) {
  const DesiredState before = compile_text(kDemo);
  const DesiredState after = compile_text(R"(version: 1
networks:
  - {name: blue, vlan: 100}
ports:
  - {name: vm1, type: af_packet, iface: vm1-sw, vlan: {mode: access, id: 100}}
  - {name: vm2, type: af_packet, iface: vm2-sw, vlan: {mode: access, id: 100}}
  - {name: vm3, type: af_packet, iface: vm3-sw}
)");
  const DiffResult r = diff(after, installed_from(before), &before);
  EXPECT_THAT(describe(r), ::testing::ElementsAre("FLOW_MOD delete_strict t0 p100 in_port=3 vid=0",
                                                  "FLOW_MOD delete_strict t40 p0 md=200",
                                                  "GROUP_MOD delete 200"));
  expect_hitless_order(r);
}

TEST(Diff, LeavesForeignFlowsAndGroupsAlone) {
  const DesiredState d = compile_text(kDemo);
  InstalledState s = installed_from(d);
  of::FlowStats foreign;
  foreign.table_id = 1;
  foreign.priority = 500;
  foreign.cookie = 0x1234;
  s.flows.push_back(foreign);
  of::GroupDesc lb;
  lb.type = of::GroupType::kSelect;
  lb.group_id = 70000;
  s.groups.push_back(lb);
  EXPECT_TRUE(diff(d, s, &d).messages.empty());
}

// Flows someone else installed (e.g. with ovs-ofctl through sluicectl's OpenFlow endpoint) in
// the contract's own tables and shapes, with cookies outside the policy space, survive a
// reload that removes the policy flows right next to them.
TEST(Diff, ForeignFlowsInThePolicyTablesSurviveAReload) {
  const DesiredState before = compile_text(kDemo);
  InstalledState s = installed_from(before);
  const of::MacAddr mac = {0x02, 0, 0, 0, 0, 0x99};
  of::FlowMod static_mac = of::l2::static_mac_flow(200, mac, of::l2::egress_actions(3));
  static_mac.cookie = 0x1234;
  of::FlowMod ingress = of::l2::ingress_untagged(9, 200);
  ingress.cookie = 0x5c01000000000000;  // close to, but outside, the policy space
  for (const of::FlowMod* fm : {&static_mac, &ingress}) {
    of::FlowStats fs;
    fs.table_id = fm->table_id;
    fs.priority = fm->priority;
    fs.cookie = fm->cookie;
    fs.match = fm->match;
    fs.instructions = fm->instructions;
    s.flows.push_back(fs);
  }
  // Drop vm3 and VLAN 200: every policy flow of VLAN 200 goes.
  const DesiredState after = compile_text(R"(version: 1
networks:
  - {name: blue, vlan: 100}
ports:
  - {name: vm1, type: af_packet, iface: vm1-sw, vlan: {mode: access, id: 100}}
  - {name: vm2, type: af_packet, iface: vm2-sw, vlan: {mode: access, id: 100}}
)");
  const DiffResult r = diff(after, s, &before);
  ASSERT_EQ(r.summary.flows_removed, 2u);
  for (const Message& m : r.messages) {
    const auto* fm = std::get_if<of::FlowMod>(&m);
    if (fm == nullptr || fm->command == of::FlowModCommand::kAdd) continue;
    EXPECT_EQ(fm->command, of::FlowModCommand::kDeleteStrict) << describe(m);
    EXPECT_EQ(fm->cookie, of::l2::kPolicyCookie) << describe(m);
    EXPECT_EQ(fm->cookie_mask, ~uint64_t{0}) << "a delete must not reach other cookies";
  }
  EXPECT_TRUE(is_policy_cookie(0x5c00000000000001));
  EXPECT_FALSE(is_policy_cookie(0x5c01000000000000));
  EXPECT_FALSE(is_policy_cookie(0x1234));
}

TEST(Diff, StalePolicyFlowIsDeleted) {
  const DesiredState d = compile_text(kDemo);
  InstalledState s = installed_from(d);
  of::FlowStats stale;
  stale.table_id = 0;
  stale.priority = 100;
  stale.cookie = of::l2::kPolicyCookie;
  stale.match.present = of::field_bit(of::Field::kInPort) | of::field_bit(of::Field::kVlanVid);
  stale.match.in_port = 9;
  s.flows.push_back(stale);
  EXPECT_THAT(describe(diff(d, s, &d)),
              ::testing::ElementsAre("FLOW_MOD delete_strict t0 p100 in_port=9 vid=0"));
}

TEST(Diff, ChangedInstructionsAreReAdded) {
  const DesiredState d = compile_text(kDemo);
  InstalledState s = installed_from(d);
  s.flows[2].instructions.metadata = 999;  // something else rewrote it
  EXPECT_THAT(describe(diff(d, s, &d)),
              ::testing::ElementsAre("FLOW_MOD add t0 p100 in_port=1 vid=0"));
}

TEST(Diff, ChangedDeviceReplacesThePort) {
  const DesiredState before = compile_text(kDemo);
  std::string text = kDemo;
  text.replace(text.find("iface: vm2-sw"), 13, "iface: vm2-xx");
  const DesiredState after = compile_text(text);
  const DiffResult r = diff(after, installed_from(before), &before);
  EXPECT_THAT(describe(r), ::testing::ElementsAre("PORT_DEL 2", "PORT_ADD 2", "PORT_SET 2"));
  EXPECT_EQ(r.summary.ports_replaced, 1u);
  expect_hitless_order(r);
}

TEST(Diff, MtuChangeIsOnlyAPortSet) {
  const DesiredState before = compile_text(kDemo);
  std::string text = kDemo;
  text.replace(text.find("iface: vm2-sw"), 13, "iface: vm2-sw, mtu: 9000");
  const DesiredState after = compile_text(text);
  const DiffResult r = diff(after, installed_from(before), &before);
  EXPECT_THAT(describe(r), ::testing::ElementsAre("PORT_SET 2"));
  EXPECT_EQ(std::get<of::PortSet>(r.messages[0]).mtu, 9000);
}

TEST(Diff, RenumberedPortIsDeletedFirstAndItsFlowsMove) {
  const DesiredState before = compile_text(kDemo);
  std::string text = kDemo;
  text.replace(text.find("name: vm3,"), 10, "name: vm3, id: 30,");
  const DesiredState after = compile_text(text);
  const DiffResult r = diff(after, installed_from(before), &before);
  EXPECT_THAT(describe(r), ::testing::ElementsAre(
                               "PORT_DEL 3", "PORT_ADD 30", "PORT_SET 30", "GROUP_MOD modify 200",
                               "FLOW_MOD add t0 p100 in_port=30 vid=0",
                               "FLOW_MOD delete_strict t0 p100 in_port=3 vid=0"));
  expect_hitless_order(r);
}

TEST(Diff, AdminStateSeenInPortDescIsCorrected) {
  const DesiredState d = compile_text(kDemo);
  InstalledState s = installed_from(d);
  s.ports[0].config |= of::port_config::kPortDown;  // someone set it down
  EXPECT_THAT(describe(diff(d, s, &d)), ::testing::ElementsAre("PORT_SET 1"));
}

TEST(Diff, SwitchConfigChange) {
  const DesiredState before = compile_text(kDemo);
  const DesiredState after = compile_text("version: 1\nswitch: {mac_aging_seconds: 60}\n" +
                                          kDemo.substr(kDemo.find("networks:")));
  EXPECT_THAT(describe(diff(after, installed_from(before), &before)),
              ::testing::ElementsAre("SWITCH_CONFIG"));
}

TEST(Diff, EverythingRemoved) {
  const DesiredState before = compile_text(kDemo);
  const DesiredState after = compile_text("version: 1\n");
  const DiffResult r = diff(after, installed_from(before), &before);
  EXPECT_EQ(r.summary.flows_removed, 5u);
  EXPECT_EQ(r.summary.groups_removed, 2u);
  EXPECT_EQ(r.summary.ports_removed, 3u);
  expect_hitless_order(r);
}

}  // namespace
}  // namespace sluice::cp
