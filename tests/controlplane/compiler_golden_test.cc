// Golden tests: policy text -> the exact flow and group text (ovs-ofctl style, via the codec's
// formatter). These pin the table contract of docs/architecture.md.
#include <gtest/gtest.h>

#include "controlplane/compiler.h"
#include "openflow/format.h"
#include "tests/controlplane/test_policy.h"

namespace sluice::cp {
namespace {

std::string render(const DesiredState& s) {
  std::string out;
  for (const of::GroupDesc& g : s.groups) out += of::format_group(g) + "\n";
  for (const of::FlowMod& f : s.flows) out += of::format_flow_mod(f) + "\n";
  return out;
}

TEST(CompilerGolden, Demo) {
  const DesiredState s = compile(testing::valid_policy(R"(version: 1
networks:
  - {name: blue, vlan: 100}
  - {name: red, vlan: 200}
ports:
  - {name: vm1, type: af_packet, iface: vm1-sw, vlan: {mode: access, id: 100}}
  - {name: vm2, type: af_packet, iface: vm2-sw, vlan: {mode: access, id: 100}}
  - {name: vm3, type: af_packet, iface: vm3-sw, vlan: {mode: access, id: 200}}
)"));
  EXPECT_EQ(
      render(s),
      "group_id=100,type=all,bucket=actions=output:1,bucket=actions=output:2\n"
      "group_id=200,type=all,bucket=actions=output:3\n"
      "ADD table:40 priority=0,metadata=0x64/0xfff cookie:0x5c00000000000000 actions=group:100\n"
      "ADD table:40 priority=0,metadata=0xc8/0xfff cookie:0x5c00000000000000 actions=group:200\n"
      "ADD table:0 priority=100,in_port=1,vlan_tci=0x0000/0x1fff cookie:0x5c00000000000000 "
      "actions=write_metadata:0x64/0xfff,goto_table:40\n"
      "ADD table:0 priority=100,in_port=2,vlan_tci=0x0000/0x1fff cookie:0x5c00000000000000 "
      "actions=write_metadata:0x64/0xfff,goto_table:40\n"
      "ADD table:0 priority=100,in_port=3,vlan_tci=0x0000/0x1fff cookie:0x5c00000000000000 "
      "actions=write_metadata:0xc8/0xfff,goto_table:40\n");
}

TEST(CompilerGolden, TrunkWithNativeAndStaticMac) {
  const DesiredState s = compile(testing::valid_policy(R"(version: 1
networks:
  - {name: mgmt, vlan: 10}
  - {name: web, vlan: 100, static_macs: [{mac: '02:00:00:00:00:09', port: up}]}
ports:
  - {name: up, id: 7, type: tap, iface: t0, vlan: {mode: trunk, allowed: [100], native: 10}}
)"));
  EXPECT_EQ(
      render(s),
      "group_id=10,type=all,bucket=actions=output:7\n"
      "group_id=100,type=all,bucket=actions=push_vlan:0x8100,set_field:0x1064->vlan_vid,"
      "output:7\n"
      "ADD table:40 priority=0,metadata=0xa/0xfff cookie:0x5c00000000000000 actions=group:10\n"
      "ADD table:40 priority=0,metadata=0x64/0xfff cookie:0x5c00000000000000 actions=group:100\n"
      "ADD table:40 priority=200,metadata=0x64/0xfff,dl_dst=02:00:00:00:00:09 "
      "cookie:0x5c00000000000000 actions=push_vlan:0x8100,set_field:0x1064->vlan_vid,"
      "output:7\n"
      "ADD table:0 priority=100,in_port=7,vlan_tci=0x0000/0x1fff cookie:0x5c00000000000000 "
      "actions=write_metadata:0xa/0xfff,goto_table:40\n"
      "ADD table:0 priority=100,in_port=7,dl_vlan=10 cookie:0x5c00000000000000 "
      "actions=pop_vlan,write_metadata:0xa/0xfff,goto_table:40\n"
      "ADD table:0 priority=100,in_port=7,dl_vlan=100 cookie:0x5c00000000000000 "
      "actions=pop_vlan,write_metadata:0x64/0xfff,goto_table:40\n");
}

}  // namespace
}  // namespace sluice::cp
