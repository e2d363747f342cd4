// Session and apply_policy() against the in-process FakeSwitch (real codec both ways).
#include "controlplane/session.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

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
  // The 3 multipart requests, nothing else (no empty bundle).
  EXPECT_EQ(state.received.size() - before, 3u);
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

// The bundle stops at the first refused message and rolls back: its error names that message
// (the first table-0 flow), and no flow or group of the policy is installed.
TEST_F(Fixture, ErrorsAreMatchedToTheirRequests) {
  state.reject_table = 0;
  const DesiredState d = compile(valid_policy(kDemo));
  auto r = apply_policy(session, d, nullptr);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->errors.size(), 1u) << r->errors[1];
  EXPECT_THAT(r->errors[0], ::testing::HasSubstr("FLOW_MOD #"));
  EXPECT_THAT(r->errors[0], ::testing::HasSubstr("in_port=1"));
  EXPECT_TRUE(state.flows.empty());
  EXPECT_TRUE(state.groups.empty());
}

// ---- Atomic reloads: one bundle per apply

struct Sent {
  std::vector<std::string> kinds;        // per message: "PORT", "OPEN", "ADD", "COMMIT", ...
  size_t flow_mods = 0, group_mods = 0;  // inside bundle adds
  size_t bare_table_mods = 0;            // FLOW_MOD / GROUP_MOD outside any bundle
  std::vector<uint16_t> flags;           // of every bundle message
  std::set<uint32_t> bundle_ids;
};

Sent classify(const std::vector<std::vector<uint8_t>>& msgs) {
  Sent out;
  for (const auto& m : msgs) {
    const auto type = static_cast<of::MsgType>(m[1]);
    if (type == of::MsgType::kFlowMod || type == of::MsgType::kGroupMod) {
      ++out.bare_table_mods;
      out.kinds.push_back("BARE");
      continue;
    }
    if (type == of::MsgType::kBarrierRequest) {
      out.kinds.push_back("BARRIER");
      continue;
    }
    if (type != of::MsgType::kExperimenter) {
      out.kinds.push_back("OTHER");
      continue;
    }
    if (of::decode_sluice_type(m)) {
      out.kinds.push_back("PORT");
      continue;
    }
    if (auto ctrl = of::decode_bundle_ctrl(m)) {
      out.flags.push_back(ctrl->flags);
      out.bundle_ids.insert(ctrl->bundle_id);
      out.kinds.push_back(ctrl->type == of::BundleCtrlType::kOpenRequest      ? "OPEN"
                          : ctrl->type == of::BundleCtrlType::kCommitRequest  ? "COMMIT"
                          : ctrl->type == of::BundleCtrlType::kDiscardRequest ? "DISCARD"
                                                                              : "CTRL");
      continue;
    }
    of::BundleAdd add;
    auto inner = of::decode_bundle_add(m, add);
    if (!inner) {
      out.kinds.push_back("?");
      continue;
    }
    out.flags.push_back(add.flags);
    out.bundle_ids.insert(add.bundle_id);
    out.kinds.push_back("ADD");
    if (static_cast<of::MsgType>((*inner)[1]) == of::MsgType::kFlowMod) ++out.flow_mods;
    if (static_cast<of::MsgType>((*inner)[1]) == of::MsgType::kGroupMod) ++out.group_mods;
  }
  return out;
}

// Where the first message of 'kind' is in 'kinds' (kinds.size() if nowhere); last_of likewise.
size_t first_of(const std::vector<std::string>& kinds, const std::string& kind) {
  return static_cast<size_t>(std::find(kinds.begin(), kinds.end(), kind) - kinds.begin());
}
size_t last_of(const std::vector<std::string>& kinds, const std::string& kind) {
  auto it = std::find(kinds.rbegin(), kinds.rend(), kind);
  return it == kinds.rend() ? kinds.size() : static_cast<size_t>(kinds.rend() - it - 1);
}

TEST_F(Fixture, AnApplyIsOneAtomicBundleWithPortsAroundIt) {
  const DesiredState d = compile(valid_policy(kDemo));
  ASSERT_TRUE(apply_policy(session, d, nullptr));
  // A reload that adds a port, drops one (vm2), and changes flows and groups.
  const DesiredState next = compile(valid_policy(R"(version: 1
networks:
  - {name: blue, vlan: 100, static_macs: [{mac: '02:00:00:00:00:01', port: vm1}]}
  - {name: red, vlan: 200}
  - {name: green, vlan: 300}
ports:
  - {name: vm1, id: 1, type: af_packet, iface: vm1-sw, vlan: {mode: access, id: 100}}
  - {name: vm3, id: 4, type: af_packet, iface: vm3-sw, vlan: {mode: access, id: 300}}
  - {name: up, id: 3, type: af_packet, iface: eth1, vlan: {mode: trunk, allowed: [100, 200, 300]}}
)"));
  const size_t before = state.received.size();
  auto r = apply_policy(session, next, &d);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->errors.empty()) << r->errors[0];
  EXPECT_GT(r->summary.flows_added, 0u);
  EXPECT_GT(r->summary.flows_removed, 0u);
  EXPECT_GT(r->summary.ports_added, 0u);
  EXPECT_GT(r->summary.ports_removed, 0u);

  const Sent sent = classify(
      {state.received.begin() + static_cast<std::ptrdiff_t>(before), state.received.end()});
  EXPECT_EQ(sent.bare_table_mods, 0u) << "every FLOW_MOD and GROUP_MOD goes in the bundle";
  EXPECT_EQ(sent.flow_mods, r->summary.flows_added + r->summary.flows_removed);
  EXPECT_EQ(sent.group_mods,
            r->summary.groups_added + r->summary.groups_modified + r->summary.groups_removed);
  EXPECT_EQ(sent.bundle_ids.size(), 1u) << "one bundle";
  EXPECT_EQ(std::count(sent.kinds.begin(), sent.kinds.end(), "OPEN"), 1);
  EXPECT_EQ(std::count(sent.kinds.begin(), sent.kinds.end(), "COMMIT"), 1);
  for (uint16_t f : sent.flags) {
    EXPECT_EQ(f, of::bundle_flags::kAtomic | of::bundle_flags::kOrdered);
  }
  // New ports and settings before the bundle opens, the dropped port after it commits.
  const size_t open = first_of(sent.kinds, "OPEN"), commit = first_of(sent.kinds, "COMMIT");
  EXPECT_LT(open, commit);
  EXPECT_LT(first_of(sent.kinds, "PORT"), open);
  EXPECT_GT(last_of(sent.kinds, "PORT"), commit);
  EXPECT_GT(first_of(sent.kinds, "ADD"), open);
  EXPECT_LT(last_of(sent.kinds, "ADD"), commit);
  // The switch has the new policy.
  EXPECT_EQ(state.bundles_committed, 2u);
  EXPECT_TRUE(state.bundles.empty());
  EXPECT_EQ(state.flows.size(), next.flows.size());
  EXPECT_EQ(state.ports.size(), 3u);
}

// A message refused in the middle of a reload leaves the dataplane's flows and groups as they
// were (and the port the old flows still use), and the error names the refused message.
TEST_F(Fixture, ARefusedMessageInTheMiddleLeavesNothingApplied) {
  const DesiredState d = compile(valid_policy(kDemo));
  ASSERT_TRUE(apply_policy(session, d, nullptr));
  const auto flows_before = state.flows;
  const auto groups_before = state.groups;
  // The reload drops vm2 and adds a network: new flows in tables 1 and 0 (table 1 first), and
  // the table-0 ones are refused.
  const DesiredState next = compile(valid_policy(R"(version: 1
networks:
  - {name: blue, vlan: 100, static_macs: [{mac: '02:00:00:00:00:01', port: vm1}]}
  - {name: red, vlan: 200}
  - {name: green, vlan: 300}
ports:
  - {name: vm1, id: 1, type: af_packet, iface: vm1-sw, vlan: {mode: access, id: 100}}
  - {name: up, id: 3, type: af_packet, iface: eth1, vlan: {mode: trunk, allowed: [100, 200, 300]}}
)"));
  state.reject_table = 0;
  auto plan = diff(next, FakeSwitch::installed(state), &d);
  auto r = session.apply(plan.messages);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  const ApplyError& e = (*r)[0];
  ASSERT_LT(e.index, plan.messages.size());
  const auto* fm = std::get_if<of::FlowMod>(&plan.messages[e.index]);
  ASSERT_NE(fm, nullptr) << e.text;
  EXPECT_EQ(fm->table_id, 0) << e.text;
  EXPECT_THAT(e.text, ::testing::HasSubstr("FLOW_MOD #" + std::to_string(e.index)));
  EXPECT_EQ(e.error.type, of::ErrorType::kBadMatch);
  // Table-1 flows came before it in the bundle: they are not installed either.
  EXPECT_EQ(state.flows, flows_before);
  EXPECT_EQ(state.groups, groups_before);
  EXPECT_EQ(state.ports.size(), 3u) << "vm2 stays while the old flows use it";
  EXPECT_TRUE(state.bundles.empty());
}

// A bundle that loses messages on the way in (refused when added) is discarded, not committed
// without them. Here the switch already has a bundle with the session's id and other flags:
// the OPEN and every ADD are refused.
TEST_F(Fixture, ABundleMessageRefusedWhenAddedDiscardsTheBundle) {
  of::FlowMod a;
  a.table_id = 2;
  a.priority = 10;
  of::FlowMod b = a;
  b.priority = 11;
  state.bundles[{0, 1}] = FakeSwitch::State::Bundle{0, {}};
  auto r = session.apply({a, b});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 3u);  // the OPEN, and both FLOW_MODs
  EXPECT_EQ((*r)[0].index, 2u) << (*r)[0].text;
  EXPECT_THAT((*r)[0].text, ::testing::HasSubstr("bundle 1"));
  EXPECT_EQ((*r)[1].index, 0u);
  EXPECT_EQ((*r)[2].index, 1u);
  EXPECT_TRUE(state.flows.empty());
  EXPECT_EQ(state.bundles_committed, 0u);
  const Sent sent = classify(state.received);
  EXPECT_EQ(first_of(sent.kinds, "COMMIT"), sent.kinds.size()) << "no COMMIT was sent";
  EXPECT_LT(first_of(sent.kinds, "DISCARD"), sent.kinds.size());
}

}  // namespace
}  // namespace sluice::cp
