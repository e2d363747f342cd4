// Session and apply_policy() against the in-process FakeSwitch (real codec both ways).
#include "controlplane/session.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controlplane/sync.h"
#include "openflow/l2_contract.h"
#include "tests/controlplane/fake_switch.h"
#include "tests/controlplane/test_policy.h"

namespace sluice::cp {
namespace {

using testing::FakeSwitch;
using testing::valid_policy;

const char* kDemo = R"(version: 1
networks:
  - {name: blue, vlan: 100, static_macs: [{mac: '02:00:00:00:00:01', port: vm1}]}
  - {name: red, vlan: 200}
ports:
  - {name: vm1, type: af_packet, iface: vm1-sw, vlan: {mode: access, id: 100}}
  - {name: vm2, type: af_packet, iface: vm2-sw, vlan: {mode: access, id: 100}}
  - {name: up, type: af_packet, iface: eth1, vlan: {mode: trunk, allowed: [100, 200]}}
)";

struct Fixture : ::testing::Test {
  FakeSwitch::State state;
  Session session{std::make_unique<FakeSwitch>(&state)};
};

TEST_F(Fixture, HandshakeAndEmptyInstalledState) {
  auto features = session.handshake();
  ASSERT_TRUE(features) << features.error().message;
  EXPECT_EQ(features->datapath_id, 0x5cu);
  auto installed = session.read_installed();
  ASSERT_TRUE(installed) << installed.error().message;
  EXPECT_TRUE(installed->ports.empty());
  EXPECT_TRUE(installed->flows.empty());
}

TEST_F(Fixture, FirstSyncThenNoOpReload) {
  const DesiredState d = compile(valid_policy(kDemo));
  auto first = apply_policy(session, d, nullptr);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->errors.empty());
  EXPECT_EQ(first->summary.flows_added, d.flows.size());
  EXPECT_EQ(state.ports.size(), 3u);
  EXPECT_EQ(state.flows.size(), d.flows.size());
  EXPECT_EQ(state.groups.size(), 2u);
  EXPECT_EQ(state.mac_aging, 300u);

  // Everything went through the codec and back: a reload finds nothing to do.
  const size_t before = state.received.size();
  auto again = apply_policy(session, d, &d);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(again->summary.empty()) << again->summary.to_string();
  // 3 multipart requests + the barrier, nothing else.
  EXPECT_EQ(state.received.size() - before, 4u);
}

TEST_F(Fixture, PortExistsWithOtherDefinitionIsReplaced) {
  // The dataplane kept vm2 from an older policy, on another interface; the controller
  // restarted and does not know that.
  of::PortAdd old;
  old.port_no = 2;
  old.type = of::PortType::kAfPacket;
  old.name.assign("vm2");
  old.device.assign("old-if");
  state.ports.push_back(old);
  const DesiredState d = compile(valid_policy(kDemo));
  auto r = apply_policy(session, d, nullptr);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->errors.empty()) << r->errors[0];
  ASSERT_EQ(state.ports.size(), 3u);
  for (const of::PortAdd& p : state.ports) {
    if (p.port_no == 2) {
      EXPECT_EQ(p.device.view(), "vm2-sw");
    }
  }
}

TEST_F(Fixture, ErrorsAreMatchedToTheirRequests) {
  state.reject_table = 0;
  const DesiredState d = compile(valid_policy(kDemo));
  auto r = apply_policy(session, d, nullptr);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->errors.size(), 4u);  // one per table-0 flow
  EXPECT_THAT(r->errors[0], ::testing::HasSubstr("FLOW_MOD #"));
  EXPECT_THAT(r->errors[0], ::testing::HasSubstr("in_port=1"));
}

// Over the real codec and a switch that honours cookie masks: a reload that removes policy
// flows keeps a flow with another cookie in the same table.
TEST_F(Fixture, ReloadKeepsFlowsWithOtherCookies) {
  const DesiredState d = compile(valid_policy(kDemo));
  ASSERT_TRUE(apply_policy(session, d, nullptr));
  of::FlowStats foreign;
  foreign.table_id = 1;
  foreign.priority = 200;
  foreign.cookie = 0x1234;
  foreign.match = of::l2::match_bd_dst(200, {0x02, 0, 0, 0, 0, 0x99});
  foreign.instructions.present = of::instr::kApplyActions;
  foreign.instructions.apply_actions = of::l2::egress_actions(3, 200);
  state.flows.push_back(foreign);
  const DesiredState fewer = compile(valid_policy(R"(version: 1
networks:
  - {name: blue, vlan: 100}
ports:
  - {name: vm1, type: af_packet, iface: vm1-sw, vlan: {mode: access, id: 100}}
  - {name: vm2, type: af_packet, iface: vm2-sw, vlan: {mode: access, id: 100}}
)"));
  auto r = apply_policy(session, fewer, &d);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_GT(r->summary.flows_removed, 0u);
  size_t foreign_left = 0;
  for (const of::FlowStats& fs : state.flows) {
    if (fs.cookie == 0x1234) {
      ++foreign_left;
    } else {
      EXPECT_EQ(fs.cookie, of::l2::kPolicyCookie);
    }
  }
  EXPECT_EQ(foreign_left, 1u);
  EXPECT_EQ(state.flows.size(), fewer.flows.size() + 1);
}

TEST_F(Fixture, RemovingEverythingEmptiesTheSwitch) {
  const DesiredState d = compile(valid_policy(kDemo));
  ASSERT_TRUE(apply_policy(session, d, nullptr));
  const DesiredState empty = compile(valid_policy("version: 1\n"));
  auto r = apply_policy(session, empty, &d);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(state.ports.empty());
  EXPECT_TRUE(state.flows.empty());
  EXPECT_TRUE(state.groups.empty());
}

}  // namespace
}  // namespace sluice::cp
