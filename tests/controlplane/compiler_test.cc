#include "controlplane/compiler.h"

#include "openflow/port_security.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/controlplane/test_policy.h"

namespace sluice::cp {
namespace {

using testing::valid_policy;

of::Action out(uint32_t port) {
  of::Action a;
  a.type = of::ActionType::kOutput;
  a.port = port;
  return a;
}

of::ActionList actions(std::initializer_list<of::Action> list) {
  of::ActionList l;
  for (const of::Action& a : list) l.push(a);
  return l;
}

of::ActionList tagged_out(uint16_t vlan, uint32_t port) {
  of::Action push;
  push.type = of::ActionType::kPushVlan;
  push.ethertype = 0x8100;
  of::Action set;
  set.type = of::ActionType::kSetField;
  set.field = of::Field::kVlanVid;
  set.value = 0x1000 | vlan;
  return actions({push, set, out(port)});
}

// The expected table-0 flow: in_port=P, vlan_vid=VID -> [pop_vlan], write_metadata V, goto 1.
of::FlowMod ingress(uint32_t port, uint16_t vid, uint16_t vlan, bool pop) {
  of::FlowMod fm;
  fm.cookie = 0x5c00000000000000ULL;
  fm.table_id = 0;
  fm.priority = 100;
  fm.match.present = (1u << 0) | (1u << 6);
  fm.match.in_port = port;
  fm.match.vlan_vid = vid;
  if (pop) {
    of::Action a;
    a.type = of::ActionType::kPopVlan;
    fm.instructions.present |= of::instr::kApplyActions;
    fm.instructions.apply_actions.push(a);
  }
  fm.instructions.present |= of::instr::kWriteMetadata | of::instr::kGotoTable;
  fm.instructions.metadata = vlan;
  fm.instructions.metadata_mask = 0xfff;
  fm.instructions.goto_table = 40;  // the L2 table
  return fm;
}

of::FlowMod l2(uint16_t priority, uint16_t vlan, const of::ActionList& acts,
               const of::MacAddr* dst = nullptr) {
  of::FlowMod fm;
  fm.cookie = 0x5c00000000000000ULL;
  fm.table_id = 40;
  fm.priority = priority;
  fm.match.present = 1u << 2;
  fm.match.masked = 1u << 2;
  fm.match.metadata = vlan;
  fm.match.metadata_mask = 0xfff;
  if (dst != nullptr) {
    fm.match.present |= 1u << 3;
    fm.match.eth_dst = *dst;
  }
  fm.instructions.present = of::instr::kApplyActions;
  fm.instructions.apply_actions = acts;
  return fm;
}

of::FlowMod flood(uint16_t vlan) {
  of::Action g;
  g.type = of::ActionType::kGroup;
  g.group_id = vlan;
  return l2(0, vlan, actions({g}));
}

std::vector<of::ActionList> buckets(const of::GroupDesc& g) {
  std::vector<of::ActionList> out;
  for (const of::Bucket& b : g.view()) out.push_back(b.actions);
  return out;
}

const char* kDemo = R"(version: 1
switch: {name: demo}
networks:
  - {name: blue, vlan: 100}
  - {name: red, vlan: 200}
ports:
  - {name: vm1, type: af_packet, iface: vm1-sw, vlan: {mode: access, id: 100}}
  - {name: vm2, type: af_packet, iface: vm2-sw, vlan: {mode: access, id: 100}}
  - {name: vm3, type: af_packet, iface: vm3-sw, vlan: {mode: access, id: 200}}
)";

TEST(Compiler, DemoPortsAndSettings) {
  const DesiredState s = compile(valid_policy(kDemo));
  ASSERT_EQ(s.ports.size(), 3u);
  EXPECT_EQ(s.ports[0].port_no, 1u);
  EXPECT_EQ(s.ports[0].type, of::PortType::kAfPacket);
  EXPECT_EQ(s.ports[0].name.view(), "vm1");
  EXPECT_EQ(s.ports[0].device.view(), "vm1-sw");
  EXPECT_EQ(s.ports[0].options.view(), "");
  EXPECT_EQ(s.ports[0].mtu, 1500);
  EXPECT_EQ(s.ports[2].port_no, 3u);
  ASSERT_EQ(s.port_settings.size(), 3u);
  EXPECT_EQ(s.port_settings[1], (of::PortSet{2, 1500, 1, {}, 4096}));
  EXPECT_EQ(s.switch_config.mac_aging_seconds, 300u);
}

TEST(Compiler, DemoGroupsAndFlows) {
  const DesiredState s = compile(valid_policy(kDemo));
  ASSERT_EQ(s.groups.size(), 2u);
  EXPECT_EQ(s.groups[0].group_id, 100u);
  EXPECT_EQ(s.groups[0].type, of::GroupType::kAll);
  EXPECT_THAT(buckets(s.groups[0]), ::testing::ElementsAre(actions({out(1)}), actions({out(2)})));
  EXPECT_EQ(s.groups[1].group_id, 200u);
  EXPECT_THAT(buckets(s.groups[1]), ::testing::ElementsAre(actions({out(3)})));
  EXPECT_THAT(s.flows,
              ::testing::ElementsAre(flood(100), flood(200), ingress(1, 0, 100, false),
                                     ingress(2, 0, 100, false), ingress(3, 0, 200, false)));
}

TEST(Compiler, PortNumbersFillGapsInFileOrder) {
  Policy p = valid_policy(R"(version: 1
ports:
  - {name: a, type: "null"}
  - {name: b, id: 1, type: "null"}
  - {name: c, type: "null"}
  - {name: d, id: 3, type: "null"}
  - {name: e, type: "null"}
)");
  EXPECT_THAT(assign_port_numbers(p), ::testing::ElementsAre(2u, 1u, 4u, 3u, 5u));
}

TEST(Compiler, TrunkBucketsAndIngress) {
  const DesiredState s = compile(valid_policy(R"(version: 1
networks:
  - {name: mgmt, vlan: 10}
  - {name: web, vlan: 100}
  - {name: db, vlan: 200}
ports:
  - {name: up, id: 5, type: tap, iface: t0, vlan: {mode: trunk, allowed: [200, 100], native: 10}}
  - {name: vm, id: 6, type: tap, iface: t1, vlan: {mode: access, id: 100}}
)"));
  ASSERT_EQ(s.groups.size(), 3u);
  EXPECT_THAT(buckets(s.groups[0]), ::testing::ElementsAre(actions({out(5)})));  // native
  EXPECT_THAT(buckets(s.groups[1]), ::testing::ElementsAre(tagged_out(100, 5), actions({out(6)})));
  EXPECT_THAT(buckets(s.groups[2]), ::testing::ElementsAre(tagged_out(200, 5)));
  EXPECT_THAT(s.flows, ::testing::ElementsAre(
                           flood(10), flood(100), flood(200), ingress(5, 0, 10, false),
                           ingress(5, 0x1000 | 10, 10, true), ingress(5, 0x1000 | 100, 100, true),
                           ingress(5, 0x1000 | 200, 200, true), ingress(6, 0, 100, false)));
}

TEST(Compiler, StaticMacsUseTheBucketsEgress) {
  const DesiredState s = compile(valid_policy(R"(version: 1
networks:
  - name: web
    vlan: 100
    static_macs:
      - {mac: '02:00:00:00:00:01', port: vm}
      - {mac: '02:00:00:00:00:02', port: up}
ports:
  - {name: vm, type: tap, iface: t1, vlan: {mode: access, id: 100}}
  - {name: up, type: tap, iface: t0, vlan: {mode: trunk, allowed: [100]}}
)"));
  const of::MacAddr m1{2, 0, 0, 0, 0, 1}, m2{2, 0, 0, 0, 0, 2};
  ASSERT_EQ(s.flows.size(), 5u);
  EXPECT_EQ(s.flows[0], flood(100));
  EXPECT_EQ(s.flows[1], l2(200, 100, actions({out(1)}), &m1));
  EXPECT_EQ(s.flows[2], l2(200, 100, tagged_out(100, 2), &m2));
}

TEST(Compiler, PortAddFieldsPerType) {
  const DesiredState s = compile(valid_policy(R"(version: 1
ports:
  - {name: vh, type: vhost-user, path: /run/a.sock, mode: client, options: "tso=1", mtu: 9000}
  - {name: vs, type: vhost-user, path: /run/b.sock}
  - {name: c1, type: pcap, rx_pcap: /in.pcap, tx_pcap: /out.pcap}
  - {name: c2, type: pcap, tx_pcap: /out.pcap}
  - {name: c3, type: pcap, iface: veth0}
  - {name: n, type: "null"}
  - {name: r, type: ring, ring: r0}
  - {name: d, type: dpdk, devargs: "0000:00:04.0"}
)"));
  ASSERT_EQ(s.ports.size(), 8u);
  EXPECT_EQ(s.ports[0].type, of::PortType::kVhostUser);
  EXPECT_EQ(s.ports[0].flags, of::port_flags::kVhostClient);
  EXPECT_EQ(s.ports[0].device.view(), "/run/a.sock");
  EXPECT_EQ(s.ports[0].options.view(), "tso=1");
  EXPECT_EQ(s.ports[0].mtu, 9000);
  EXPECT_EQ(s.ports[1].flags, 0);
  EXPECT_EQ(s.ports[2].device.view(), "rx_pcap=/in.pcap,tx_pcap=/out.pcap");
  EXPECT_EQ(s.ports[3].device.view(), "tx_pcap=/out.pcap");
  EXPECT_EQ(s.ports[4].device.view(), "iface=veth0");
  EXPECT_EQ(s.ports[5].type, of::PortType::kNull);
  EXPECT_EQ(s.ports[5].device.view(), "");
  EXPECT_EQ(s.ports[6].device.view(), "r0");
  EXPECT_EQ(s.ports[7].type, of::PortType::kDpdk);
  EXPECT_EQ(s.ports[7].device.view(), "0000:00:04.0");
  EXPECT_TRUE(s.flows.empty());
}

TEST(Compiler, MacLimitsAndAdmin) {
  const DesiredState s = compile(valid_policy(R"(version: 1
switch: {mac_aging_seconds: 60, mac_limit_per_port: 64}
ports:
  - {name: a, type: "null"}
  - {name: b, type: "null", mac_limit: 4, admin: down}
  - {name: c, type: "null", mac_limit: 0}
)"));
  EXPECT_EQ(s.switch_config.mac_aging_seconds, 60u);
  EXPECT_EQ(s.port_settings[0].mac_limit, 64u);
  EXPECT_EQ(s.port_settings[0].admin_up, 1);
  EXPECT_EQ(s.port_settings[1].mac_limit, 4u);
  EXPECT_EQ(s.port_settings[1].admin_up, 0);
  EXPECT_EQ(s.port_settings[2].mac_limit, 0u);
}

TEST(Compiler, PortWithoutVlanGetsNoFlows) {
  const DesiredState s = compile(valid_policy(R"(version: 1
networks: [{name: a, vlan: 1}]
ports: [{name: p, type: "null"}]
)"));
  ASSERT_EQ(s.groups.size(), 1u);
  EXPECT_EQ(s.groups[0].n_buckets, 0);
  EXPECT_THAT(s.flows, ::testing::ElementsAre(flood(1)));
}

// A port with 'security' goes through table 10: its ingress flow goes there, and table 10 holds
// the contract's flows for its MACs and addresses (duplicates once), on to the L2 table; a port
// without it still goes straight to the L2 table.
TEST(Compiler, PortSecurityGoesThroughTable10) {
  const Policy p = valid_policy(R"(version: 1
networks: [{name: a, vlan: 1}]
ports:
  - {name: vm1, type: "null", vlan: {mode: access, id: 1},
     security: {macs: ['02:00:00:00:00:01', '02:00:00:00:00:01'], ips: [10.0.0.1, 10.1.0.0/16]}}
  - {name: vm2, type: "null", vlan: {mode: access, id: 1}}
)");
  const DesiredState s = compile(p);
  of::port_security::PortRule rule;
  rule.port = 1;
  rule.macs = {0x020000000001};
  rule.prefixes = {{0x0a000001, 32}, {0x0a010000, 16}};
  rule.next_table = 40;
  const auto table10 = of::port_security::port_flows(rule, 0x5c00000000000000ULL);
  std::vector<of::FlowMod> got10;
  for (const of::FlowMod& fm : s.flows) {
    if (fm.table_id == 10) got10.push_back(fm);
    if (fm.table_id == 0) {
      EXPECT_EQ(fm.instructions.goto_table, fm.match.in_port == 1 ? 10 : 40) << fm.match.in_port;
    }
  }
  EXPECT_EQ(got10, table10);
  EXPECT_EQ(table10.size(), 2u * 2 + 6 + 1);
  EXPECT_EQ(count_flows(p), s.flows.size());
}

TEST(Compiler, IsDeterministic) {
  const Policy p = valid_policy(kDemo);
  const DesiredState a = compile(p);
  const DesiredState b = compile(p);
  EXPECT_EQ(a.flows, b.flows);
  EXPECT_EQ(a.groups, b.groups);
  EXPECT_EQ(a.ports, b.ports);
}

}  // namespace
}  // namespace sluice::cp
