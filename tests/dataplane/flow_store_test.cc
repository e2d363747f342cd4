// FlowStore: OpenFlow 1.3 FLOW_MOD and GROUP_MOD semantics over 64 plain tables plus the
// learning table, which accepts only the L2 shapes (docs/architecture.md, "Tables"), and the
// exact OpenFlow error for each refusal; add / modify / delete; timeouts and FLOW_REMOVED;
// CHECK_OVERLAP; groups of every type; statistics; counter slots; the strict index;
// match_covers() and matches_overlap().
//
// Time is injected: expire() takes 'now', and tests build it from the steady clock read around
// the FLOW_MOD that installed the flow. Nothing sleeps.
#include "dataplane/flow_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <tuple>

#include "dataplane/compiler.h"
#include "dataplane/flow_checks.h"
#include "tests/testlib/of_builders.h"
#include "tests/testlib/packet_builder.h"

namespace sluice::dp {
namespace {

using namespace sluice::test;  // NOLINT: message factories
using of::ErrorType;
using of::Field;
using std::chrono::milliseconds;
using of::l2::kL2Table;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

::testing::AssertionResult Fails(const of::Decoded<void>& r, ErrorType type, uint16_t code) {
  if (r) return ::testing::AssertionFailure() << "accepted";
  if (r.error().type != type || r.error().code != code) {
    return ::testing::AssertionFailure()
           << "error type " << static_cast<int>(r.error().type) << " code " << r.error().code
           << ", want type " << static_cast<int>(type) << " code " << code;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Ok(const of::Decoded<void>& r) {
  if (r) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "rejected: type " << static_cast<int>(r.error().type) << " code " << r.error().code;
}

// ---- Plain OpenFlow flows (any table but the learning one) ----

// eth_type=0x0800, ipv4_dst=dst/prefix.
of::Match ipv4_dst(std::string_view dst, unsigned prefix = 32) {
  of::Match m;
  m.present = of::field_bit(Field::kEthType) | of::field_bit(Field::kIpv4Dst);
  m.eth_type = 0x0800;
  const uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  m.ipv4_dst = ip(dst) & mask;
  m.ipv4_dst_mask = mask;
  if (prefix != 32) m.masked = of::field_bit(Field::kIpv4Dst);
  return m;
}

of::Match in_port_match(uint32_t port) {
  of::Match m;
  m.present = of::field_bit(Field::kInPort);
  m.in_port = port;
  return m;
}

// table, priority, match → apply_actions(actions).
of::FlowMod plain_flow(uint8_t table, const of::Match& match, const of::ActionList& apply,
                       uint16_t priority = 1000) {
  of::FlowMod fm;
  fm.table_id = table;
  fm.priority = priority;
  fm.match = match;
  fm.instructions.present = of::instr::kApplyActions;
  fm.instructions.apply_actions = apply;
  return fm;
}

// eth_type=0x0800, ipv4_dst=dst → output:port.
of::FlowMod ipv4_flow(uint8_t table, std::string_view dst, uint32_t port = 1,
                      uint16_t priority = 1000) {
  return plain_flow(table, ipv4_dst(dst), actions({output(port)}), priority);
}

of::Action set_field(Field f, uint64_t value) {
  of::Action a;
  a.type = of::ActionType::kSetField;
  a.field = f;
  a.value = value;
  return a;
}

of::Action experimenter(of::SluiceAction which) {
  of::Action a;
  a.type = of::ActionType::kExperimenter;
  a.sluice = which;
  return a;
}

// The first output port of a flow's apply actions (0 if none).
uint32_t out_port_of(const FlowEntry& f) {
  for (const of::Action& a : f.instructions.apply_actions.view()) {
    if (a.type == of::ActionType::kOutput) return a.port;
  }
  return 0;
}

FlowEntry entry_of(const of::FlowMod& fm) {
  FlowEntry f;
  f.table_id = fm.table_id;
  f.priority = fm.priority;
  f.match = fm.match;
  f.instructions = fm.instructions;
  return f;
}

class FlowStoreTest : public ::testing::Test {
 protected:
  explicit FlowStoreTest(uint16_t slots = 64)
      : store_(slots, [this](uint32_t c) { return totals_[c]; }) {
    EXPECT_TRUE(store_.set_learning_table(of::l2::kL2Table));
    store_.take_dirty();  // tests start from a clean store
  }

  // The learning table takes any valid flow; whether a flow is one of its L2 shapes (so that
  // the table keeps learning) is check_l2_flow()'s answer against the store's groups.
  of::Decoded<void> l2(const of::FlowMod& fm) const { return check_l2_flow(fm, store_.groups()); }
  // Does the compiled pipeline learn in the learning table (or run it as a plain table)?
  bool learns() const {
    const std::array<PortRuntime, kMaxPorts> ports{};
    return compile(store_, ports, 1).tables->learning_table == store_.learning_table() &&
           store_.learning_table() != of::kNoLearningTable;
  }

  // VLAN 100 with ports 1 (access) and 2 (trunk, tagged): a group and its flood flow.
  void add_vlan100() {
    ASSERT_TRUE(Ok(store_.apply(flood_group(100, {bucket(1), bucket(2, 100)}))));
    ASSERT_TRUE(Ok(store_.apply(flood_flow(100))));
  }
  const FlowEntry* find(uint8_t table, uint16_t priority, const of::Match& m) const {
    for (const FlowEntry& f : store_.flows()) {
      if (f.table_id == table && f.priority == priority && f.match == m) return &f;
    }
    return nullptr;
  }
  const FlowEntry* find(const of::FlowMod& fm) const {
    return find(fm.table_id, fm.priority, fm.match);
  }
  // The counter slot of the flow 'fm' added; the test fails if there is none.
  uint32_t slot_of(const of::FlowMod& fm) const {
    const FlowEntry* f = find(fm);
    EXPECT_NE(f, nullptr);
    return f == nullptr ? 0 : f->counter;
  }

  // The steady-clock interval a flow's installation time lies in.
  struct Installed {
    SteadyTime before, after;
  };
  Installed add_timed(const of::FlowMod& fm) {
    Installed at;
    at.before = Clock::now();
    EXPECT_TRUE(Ok(store_.apply(fm)));
    at.after = Clock::now();
    return at;
  }

  std::map<uint32_t, FlowTotals> totals_;
  FlowStore store_;
};

// ---- Accepted shapes ----

TEST_F(FlowStoreTest, AcceptsTheDocumentedShapes) {
  EXPECT_TRUE(Ok(store_.apply(ingress_untagged(1, 100))));  // access
  EXPECT_TRUE(Ok(store_.apply(ingress_tagged(2, 100))));    // trunk, allowed
  EXPECT_TRUE(Ok(store_.apply(ingress_untagged(2, 300))));  // trunk, native
  EXPECT_TRUE(Ok(store_.apply(flood_group(100, {bucket(1), bucket(2, 100)}))));
  EXPECT_TRUE(Ok(store_.apply(flood_flow(100))));
  EXPECT_TRUE(Ok(store_.apply(static_mac_flow(100, mac_n(1), 1))));
  EXPECT_TRUE(Ok(store_.apply(static_mac_flow(100, mac_n(2), 2, 100))));
  EXPECT_EQ(store_.flows().size(), 6u);
  EXPECT_EQ(store_.groups().size(), 1u);
  EXPECT_TRUE(store_.take_dirty());
  EXPECT_FALSE(store_.take_dirty());
}

TEST_F(FlowStoreTest, ExplicitExactVlanMaskIsAccepted) {
  of::FlowMod fm = ingress_tagged(2, 100);
  fm.match.masked |= of::field_bit(Field::kVlanVid);
  fm.match.vlan_vid_mask = 0x1fff;
  EXPECT_TRUE(Ok(store_.apply(fm)));
}

TEST_F(FlowStoreTest, MetadataMaskWiderThanVlanBitsIsAccepted) {
  of::FlowMod fm = ingress_untagged(1, 100);
  fm.instructions.metadata_mask = 0xffffffffffffffffULL;
  EXPECT_TRUE(Ok(store_.apply(fm)));
}

// ---- Any table ----

TEST_F(FlowStoreTest, EveryTableUpTo63IsAPlainTable) {
  for (uint8_t table : {0, 2, 17, 62, 63}) {
    EXPECT_TRUE(Ok(store_.apply(ipv4_flow(table, "10.0.0.1")))) << int{table};
  }
  EXPECT_EQ(store_.flows().size(), 5u);
  EXPECT_TRUE(store_.take_dirty());
}

TEST_F(FlowStoreTest, RejectsTablesBeyond63) {
  for (uint8_t table : {64, 200, 254}) {
    EXPECT_TRUE(Fails(store_.apply(ipv4_flow(table, "10.0.0.1")), ErrorType::kFlowModFailed,
                      of::flow_mod_failed::kBadTableId))
        << int{table};
    EXPECT_TRUE(Fails(store_.apply(delete_flows(table)), ErrorType::kFlowModFailed,
                      of::flow_mod_failed::kBadTableId))
        << int{table};
  }
  // OFPTT_ALL names every table for a delete, but no table to add to.
  EXPECT_TRUE(Fails(store_.apply(ipv4_flow(of::kTableAll, "10.0.0.1")), ErrorType::kFlowModFailed,
                    of::flow_mod_failed::kBadTableId));
  EXPECT_TRUE(store_.flows().empty());
  EXPECT_FALSE(store_.take_dirty());
}

TEST_F(FlowStoreTest, RejectsBufferedFlowMod) {
  of::FlowMod fm = ingress_untagged(1, 100);
  fm.buffer_id = 7;
  EXPECT_TRUE(Fails(store_.apply(fm), ErrorType::kBadRequest, of::bad_request::kBufferUnknown));
  of::FlowMod modify = with_command(fm, of::FlowModCommand::kModify);
  EXPECT_TRUE(Fails(store_.apply(modify), ErrorType::kBadRequest, of::bad_request::kBufferUnknown));
}

TEST_F(FlowStoreTest, TimeoutsAreAcceptedOutsideTheLearningTable) {
  of::FlowMod fm = ingress_untagged(1, 100);
  fm.idle_timeout = 10;
  fm.hard_timeout = 30;
  ASSERT_TRUE(Ok(store_.apply(fm)));
  ASSERT_EQ(store_.flows().size(), 1u);
  EXPECT_EQ(store_.flows()[0].idle_timeout, 10);
  EXPECT_EQ(store_.flows()[0].hard_timeout, 30);
  auto stats = store_.stats(of::FlowStatsRequest{});
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].idle_timeout, 10);
  EXPECT_EQ(stats[0].hard_timeout, 30);
  of::FlowMod plain = ipv4_flow(5, "10.0.0.1");
  plain.hard_timeout = 1;
  EXPECT_TRUE(Ok(store_.apply(plain)));
}

TEST_F(FlowStoreTest, TimedFlowsAreNoL2Shapes) {
  add_vlan100();
  for (auto [idle, hard] : {std::pair<uint16_t, uint16_t>{10, 0}, {0, 10}}) {
    of::FlowMod fm = static_mac_flow(100, mac_n(1), 1);
    fm.idle_timeout = idle;
    fm.hard_timeout = hard;
    EXPECT_TRUE(
        Fails(l2(fm), ErrorType::kBadInstruction, of::bad_instruction::kUnsupInst));
  }
}

TEST_F(FlowStoreTest, RejectsUnknownCommand) {
  of::FlowMod fm = ingress_untagged(1, 100);
  fm.command = static_cast<of::FlowModCommand>(9);
  EXPECT_TRUE(Fails(store_.apply(fm), ErrorType::kFlowModFailed, of::flow_mod_failed::kBadCommand));
}

TEST_F(FlowStoreTest, RejectsUnknownFlags) {
  for (uint16_t flag : {uint16_t{1 << 5}, uint16_t{1 << 8}, uint16_t{0x8000}}) {
    of::FlowMod fm = ipv4_flow(0, "10.0.0.1");
    fm.flags = flag | of::flow_flags::kSendFlowRem;
    EXPECT_TRUE(Fails(store_.apply(fm), ErrorType::kFlowModFailed, of::flow_mod_failed::kBadFlags))
        << flag;
  }
  EXPECT_TRUE(store_.flows().empty());
  of::FlowMod known = ipv4_flow(0, "10.0.0.1");
  known.flags = of::flow_flags::kSendFlowRem | of::flow_flags::kCheckOverlap |
                of::flow_flags::kResetCounts | of::flow_flags::kNoPktCounts |
                of::flow_flags::kNoBytCounts;
  EXPECT_TRUE(Ok(store_.apply(known)));
}

TEST_F(FlowStoreTest, GotoMustGoForwardWithinTheTables) {
  auto with_goto = [](uint8_t table, uint8_t to) {
    of::FlowMod fm = ipv4_flow(table, "10.0.0.1");
    fm.instructions.present |= of::instr::kGotoTable;
    fm.instructions.goto_table = to;
    return fm;
  };
  const auto kBadTable = of::bad_instruction::kBadTableId;
  EXPECT_TRUE(Fails(store_.apply(with_goto(0, 0)), ErrorType::kBadInstruction, kBadTable));
  EXPECT_TRUE(Fails(store_.apply(with_goto(5, 3)), ErrorType::kBadInstruction, kBadTable));
  EXPECT_TRUE(Fails(store_.apply(with_goto(5, 5)), ErrorType::kBadInstruction, kBadTable));
  EXPECT_TRUE(Fails(store_.apply(with_goto(0, 64)), ErrorType::kBadInstruction, kBadTable));
  EXPECT_TRUE(Fails(store_.apply(with_goto(63, 63)), ErrorType::kBadInstruction, kBadTable));
  EXPECT_TRUE(store_.flows().empty());
  EXPECT_TRUE(Ok(store_.apply(with_goto(0, 1))));
  EXPECT_TRUE(Ok(store_.apply(with_goto(5, 6))));
  EXPECT_TRUE(Ok(store_.apply(with_goto(62, 63))));
}

// ---- Actions (any table; buckets in the group section) ----

TEST_F(FlowStoreTest, OutputPortMustBeARealOrAllowedReservedPort) {
  using namespace of::port_no;
  for (uint32_t port : {1u, 77u, kMax, kInPort, kAll, kFlood, kController, kNormal}) {
    EXPECT_TRUE(Ok(store_.apply(ipv4_flow(0, "10.0.0.1", port)))) << std::hex << port;
  }
  for (uint32_t port : {0u, kMax + 1, kTable, kLocal, kAny}) {
    EXPECT_TRUE(Fails(store_.apply(ipv4_flow(0, "10.0.0.2", port)), ErrorType::kBadAction,
                      of::bad_action::kBadOutPort))
        << std::hex << port;
  }
  // write_actions are checked too.
  of::FlowMod write = ipv4_flow(0, "10.0.0.3");
  write.instructions.present |= of::instr::kWriteActions;
  write.instructions.write_actions = actions({output(0)});
  EXPECT_TRUE(Fails(store_.apply(write), ErrorType::kBadAction, of::bad_action::kBadOutPort));
  EXPECT_EQ(find(write), nullptr);
}

TEST_F(FlowStoreTest, GroupActionNeedsAnExistingGroup) {
  of::FlowMod fm = plain_flow(0, ipv4_dst("10.0.0.1"), actions({group(7)}));
  EXPECT_TRUE(Fails(store_.apply(fm), ErrorType::kBadAction, of::bad_action::kBadOutGroup));
  of::FlowMod write = ipv4_flow(0, "10.0.0.2");
  write.instructions.present |= of::instr::kWriteActions;
  write.instructions.write_actions = actions({group(7)});
  EXPECT_TRUE(Fails(store_.apply(write), ErrorType::kBadAction, of::bad_action::kBadOutGroup));
  ASSERT_TRUE(Ok(store_.apply(
      group_mod(of::GroupModCommand::kAdd, 7, {bucket(1), bucket(2)}, of::GroupType::kSelect))));
  EXPECT_TRUE(Ok(store_.apply(fm)));
  EXPECT_TRUE(Ok(store_.apply(write)));
}

TEST_F(FlowStoreTest, SetFieldOfAMatchOnlyFieldIsRefused) {
  for (Field f : {Field::kInPort, Field::kMetadata, Field::kEthType, Field::kIpProto,
                  Field::kArpOp, Field::kArpSpa, Field::kArpTpa, Field::kArpSha}) {
    of::FlowMod fm = plain_flow(0, ipv4_dst("10.0.0.1"), actions({set_field(f, 1), output(1)}));
    EXPECT_TRUE(Fails(store_.apply(fm), ErrorType::kBadAction, of::bad_action::kBadSetType))
        << int(f);
  }
  EXPECT_TRUE(store_.flows().empty());
  // L2 fields and the tunnel id need no prerequisite.
  for (Field f : {Field::kEthDst, Field::kEthSrc, Field::kVlanVid, Field::kTunnelId}) {
    of::FlowMod fm = plain_flow(0, in_port_match(static_cast<uint32_t>(f) + 1),
                                actions({set_field(f, 0x1005), output(1)}));
    EXPECT_TRUE(Ok(store_.apply(fm))) << int(f);
  }
}

TEST_F(FlowStoreTest, SetFieldNeedsItsPrerequisitesInTheMatch) {
  of::Match ip_only = ipv4_dst("10.0.0.1");
  auto with_proto = [](uint8_t proto) {
    of::Match m = ipv4_dst("10.0.0.1");
    m.present |= of::field_bit(Field::kIpProto);
    m.ip_proto = proto;
    return m;
  };
  of::Match arp;
  arp.present = of::field_bit(Field::kEthType);
  arp.eth_type = 0x0806;
  // proto 6 without eth_type: the codec's OXM check would refuse it; the set check must too.
  of::Match proto_without_eth_type;
  proto_without_eth_type.present = of::field_bit(Field::kIpProto);
  proto_without_eth_type.ip_proto = 6;
  struct Case {
    Field field;
    of::Match match;
    bool ok;
  };
  const Case cases[] = {
      {Field::kIpv4Src, of::Match{}, false},
      {Field::kIpv4Dst, arp, false},
      {Field::kIpv4Src, ip_only, true},
      {Field::kIpv4Dst, ip_only, true},
      {Field::kTcpDst, ip_only, false},
      {Field::kTcpSrc, with_proto(17), false},
      {Field::kTcpDst, proto_without_eth_type, false},
      {Field::kTcpSrc, with_proto(6), true},
      {Field::kTcpDst, with_proto(6), true},
      {Field::kUdpSrc, with_proto(6), false},
      {Field::kUdpDst, with_proto(17), true},
      {Field::kUdpSrc, with_proto(17), true},
      {Field::kIcmpv4Type, with_proto(17), false},
      {Field::kIcmpv4Code, ip_only, false},
      {Field::kIcmpv4Type, with_proto(1), true},
      {Field::kIcmpv4Code, with_proto(1), true},
  };
  uint16_t priority = 1;
  for (const Case& c : cases) {
    of::FlowMod fm =
        plain_flow(0, c.match, actions({set_field(c.field, 9), output(1)}), priority++);
    if (c.ok) {
      EXPECT_TRUE(Ok(store_.apply(fm))) << int(c.field) << " priority " << fm.priority;
    } else {
      EXPECT_TRUE(
          Fails(store_.apply(fm), ErrorType::kBadAction, of::bad_action::kMatchInconsistent))
          << int(c.field) << " priority " << fm.priority;
    }
    // The same in write_actions.
    of::FlowMod write = fm;
    write.instructions.present = of::instr::kWriteActions;
    write.instructions.write_actions = fm.instructions.apply_actions;
    write.instructions.apply_actions = {};
    write.priority = static_cast<uint16_t>(fm.priority + 1000);
    EXPECT_EQ(store_.apply(write).has_value(), c.ok) << int(c.field) << " in write_actions";
  }
}

TEST_F(FlowStoreTest, ExperimenterActionsAreRefused) {
  for (auto which : {of::SluiceAction::kConntrack, of::SluiceAction::kNat,
                     of::SluiceAction::kVxlanEncap, of::SluiceAction::kVxlanDecap}) {
    of::FlowMod fm = plain_flow(0, ipv4_dst("10.0.0.1"), actions({experimenter(which), output(1)}));
    EXPECT_TRUE(Fails(store_.apply(fm), ErrorType::kBadAction, of::bad_action::kBadExpType))
        << int(which);
  }
  EXPECT_TRUE(store_.flows().empty());
}

// ---- Table 0: a plain table; the ingress shapes are what the L2 fast path compiles ----

// Everything the L2 contract once refused in table 0 is an ordinary OpenFlow flow now; none of
// it is an ingress shape.
TEST_F(FlowStoreTest, Table0AcceptsFlowsOutsideTheIngressShapes) {
  struct Variant {
    const char* what;
    of::FlowMod fm;
  };
  std::vector<Variant> variants;
  auto add = [&](const char* what, of::FlowMod fm) { variants.push_back({what, fm}); };
  {
    of::FlowMod fm = ingress_untagged(1, 100);
    fm.match.present |= of::field_bit(Field::kEthType);
    fm.match.eth_type = 0x0800;
    add("another match field", fm);
  }
  {
    of::FlowMod fm = ingress_untagged(3, 100);
    fm.match.present &= ~of::field_bit(Field::kInPort);
    add("no in_port", fm);
  }
  {
    of::FlowMod fm = ingress_untagged(4, 100);
    fm.match.present &= ~of::field_bit(Field::kVlanVid);
    add("no vlan_vid", fm);
  }
  {
    of::FlowMod fm = ingress_tagged(5, 100);
    fm.match.masked |= of::field_bit(Field::kVlanVid);
    fm.match.vlan_vid = of::kVidPresent;
    fm.match.vlan_vid_mask = of::kVidPresent;
    add("any tagged frame (masked vlan_vid)", fm);
  }
  {
    of::FlowMod fm = ingress_untagged(6, 100);
    fm.match.vlan_vid = 100;
    add("vid without the present bit", fm);
  }
  {
    of::FlowMod fm = ingress_untagged(7, 100);
    fm.instructions.present &= ~of::instr::kWriteMetadata;
    add("no write_metadata", fm);
  }
  {
    of::FlowMod fm = ingress_untagged(8, 100);
    fm.instructions.present &= ~of::instr::kGotoTable;
    add("no goto_table", fm);
  }
  for (uint8_t extra : {of::instr::kWriteActions, of::instr::kClearActions}) {
    of::FlowMod fm = ingress_untagged(9 + extra, 100);
    fm.instructions.present |= extra;
    add("write or clear actions", fm);
  }
  for (uint64_t value : {uint64_t{0}, uint64_t{4095}, uint64_t{5000}}) {
    of::FlowMod fm = ingress_untagged(static_cast<uint32_t>(31 + value), 100);
    fm.instructions.metadata = value;
    add("metadata that is no bridge domain", fm);
  }
  {
    of::FlowMod fm = ingress_untagged(40, 100);
    fm.instructions.metadata_mask = 0xff;
    add("metadata mask narrower than the VLAN bits", fm);
  }
  {
    of::FlowMod fm = ingress_tagged(41, 100);
    fm.instructions.apply_actions = {};
    add("tagged without pop_vlan", fm);
  }
  {
    of::FlowMod fm = ingress_tagged(42, 100);
    fm.instructions.apply_actions = actions({pop_vlan(), output(3)});
    add("pop_vlan and an output", fm);
  }
  {
    of::FlowMod fm = ingress_untagged(43, 100);
    fm.instructions.present |= of::instr::kApplyActions;
    fm.instructions.apply_actions = actions({pop_vlan()});
    add("untagged with pop_vlan", fm);
  }
  for (uint16_t vid : {uint16_t{0}, uint16_t{0xfff}}) {
    of::FlowMod fm = ingress_tagged(44 + vid, 100);
    fm.match.vlan_vid = of::kVidPresent | vid;
    add("tagged VID 0 or 4095", fm);
  }
  for (const Variant& v : variants) {
    EXPECT_TRUE(Ok(store_.apply(v.fm))) << v.what;
    const FlowEntry* f = find(v.fm);
    ASSERT_NE(f, nullptr) << v.what;
    EXPECT_FALSE(is_ingress_shape(*f)) << v.what;
  }
  EXPECT_EQ(store_.flows().size(), variants.size());
}

TEST_F(FlowStoreTest, IngressShapesAreTheContractOnes) {
  EXPECT_TRUE(is_ingress_shape(entry_of(ingress_untagged(1, 100))));
  EXPECT_TRUE(is_ingress_shape(entry_of(ingress_tagged(2, 100))));
  EXPECT_TRUE(is_ingress_shape(entry_of(ingress_untagged(1, 4094))));
  of::FlowMod exact_mask = ingress_tagged(2, 100);
  exact_mask.match.masked |= of::field_bit(Field::kVlanVid);
  exact_mask.match.vlan_vid_mask = 0x1fff;
  EXPECT_TRUE(is_ingress_shape(entry_of(exact_mask)));
  of::FlowMod wide_meta = ingress_untagged(1, 100);
  wide_meta.instructions.metadata_mask = ~uint64_t{0};
  EXPECT_TRUE(is_ingress_shape(entry_of(wide_meta)));
  // The goto may name any later table (the learning table, or a network function's: table 0
  // is specialised on its own); only table 0 holds ingress flows.
  of::FlowMod to10 = ingress_untagged(1, 100);
  to10.instructions.goto_table = 10;
  EXPECT_TRUE(is_ingress_shape(entry_of(to10)));
  of::FlowMod elsewhere = ingress_untagged(1, 100);
  elsewhere.table_id = 3;
  elsewhere.instructions.goto_table = 4;
  EXPECT_FALSE(is_ingress_shape(entry_of(elsewhere)));
}

// ---- The learning table (table 1 in this fixture): it learns while it holds only L2 shapes ----

TEST_F(FlowStoreTest, LearningTableIsWhicheverTableIsNamed) {
  // Without a learning table, table 1 is a plain table.
  ASSERT_TRUE(Ok(store_.set_learning_table(of::kNoLearningTable)));
  EXPECT_EQ(store_.learning_table(), of::kNoLearningTable);
  EXPECT_TRUE(Ok(store_.apply(ipv4_flow(1, "10.0.0.1"))));
  EXPECT_FALSE(learns());
  // Table 5 learns while it holds only L2 shapes; any other valid flow is taken too, and makes
  // it a plain table until it goes.
  ASSERT_TRUE(Ok(store_.set_learning_table(5)));
  EXPECT_EQ(store_.learning_table(), 5);
  ASSERT_TRUE(Ok(store_.apply(flood_group(100, {bucket(1)}))));
  of::FlowMod flood = flood_flow(100);
  flood.table_id = 5;
  EXPECT_TRUE(Ok(store_.apply(flood)));
  EXPECT_TRUE(learns());
  EXPECT_TRUE(Ok(store_.apply(ipv4_flow(5, "10.0.0.1"))));
  EXPECT_FALSE(learns());
  EXPECT_TRUE(Ok(store_.apply(delete_strict(ipv4_flow(5, "10.0.0.1")))));
  EXPECT_TRUE(learns());
  EXPECT_TRUE(Ok(store_.apply(ipv4_flow(1, "10.0.0.2"))));
  EXPECT_TRUE(learns());
}

TEST_F(FlowStoreTest, AnyTableMayBeNamedTheLearningTable) {
  ASSERT_TRUE(Ok(store_.set_learning_table(of::kNoLearningTable)));
  add_vlan100();  // a flood flow in table 1: an L2 shape
  ASSERT_TRUE(Ok(store_.apply(ipv4_flow(2, "10.0.0.1"))));
  store_.take_dirty();
  // Table 2 holds a plain flow: it may be named, and runs as a plain table.
  ASSERT_TRUE(Ok(store_.set_learning_table(2)));
  EXPECT_TRUE(store_.take_dirty());
  EXPECT_FALSE(learns());
  EXPECT_TRUE(Fails(store_.set_learning_table(64), ErrorType::kFlowModFailed,
                    of::flow_mod_failed::kBadTableId));
  EXPECT_EQ(store_.learning_table(), 2);
  // Table 40 holds only L2 shapes: it learns.
  ASSERT_TRUE(Ok(store_.set_learning_table(kL2Table)));
  EXPECT_EQ(store_.learning_table(), kL2Table);
  EXPECT_TRUE(store_.take_dirty());
  EXPECT_TRUE(learns());
  ASSERT_TRUE(Ok(store_.set_learning_table(kL2Table)));
  EXPECT_FALSE(store_.take_dirty());  // naming it again changes nothing
  // An empty table learns nothing but is a learning table all the same.
  EXPECT_TRUE(Ok(store_.set_learning_table(39)));
  EXPECT_TRUE(learns());
  EXPECT_TRUE(Ok(store_.set_learning_table(of::kNoLearningTable)));
}

// A flow with a timeout has no L2 shape (the learning table refuses to add one), so a table
// holding one cannot become the learning table either.
TEST_F(FlowStoreTest, ATimedFlowMakesTheLearningTablePlain) {
  ASSERT_TRUE(Ok(store_.apply(flood_group(100, {bucket(1)}))));
  of::FlowMod timed = static_mac_flow(100, mac_n(1), 1);
  timed.idle_timeout = 10;
  ASSERT_TRUE(Ok(store_.apply(timed)));
  EXPECT_EQ(store_.learning_table(), kL2Table);
  EXPECT_FALSE(learns());
}

// A learning table's flood flow needs an ALL group of egresses.
TEST_F(FlowStoreTest, FloodFlowGroupMustBeAllWithEgressBuckets) {
  ASSERT_TRUE(Ok(store_.apply(
      group_mod(of::GroupModCommand::kAdd, 100, {bucket(1), bucket(2)}, of::GroupType::kSelect))));
  EXPECT_TRUE(
      Fails(l2(flood_flow(100)), ErrorType::kBadAction, of::bad_action::kBadOutGroup));
  of::Bucket pop;
  pop.actions = actions({pop_vlan(), output(1)});
  ASSERT_TRUE(Ok(store_.apply(flood_group(200, {bucket(1), pop}))));
  EXPECT_TRUE(
      Fails(l2(flood_flow(200)), ErrorType::kBadAction, of::bad_action::kBadOutGroup));
  EXPECT_TRUE(store_.flows().empty());
}

// A flood group lists each member port once: two buckets for one port would send every
// flooded frame out of it twice (and more than a burst's worth to one port per burst).
TEST_F(FlowStoreTest, AFloodGroupWithTwoBucketsForOnePortIsNoL2Shape) {
  ASSERT_TRUE(Ok(store_.apply(flood_group(100, {bucket(1), bucket(2), bucket(1)}))));
  EXPECT_TRUE(Fails(l2(flood_flow(100)), ErrorType::kBadAction, of::bad_action::kBadOutGroup));
  // Tagged and untagged copies for the same port are still the same port.
  ASSERT_TRUE(Ok(store_.apply(flood_group(200, {bucket(3), bucket(3, 200)}))));
  EXPECT_TRUE(Fails(l2(flood_flow(200)), ErrorType::kBadAction, of::bad_action::kBadOutGroup));
  // The store takes such a flood flow, and the learning table then runs as a plain table (the
  // group's copies go out through the pipeline's bounded transmit buffers).
  ASSERT_TRUE(Ok(store_.apply(flood_flow(100))));
  EXPECT_FALSE(learns());
  ASSERT_TRUE(Ok(store_.apply(delete_strict(flood_flow(100)))));
  // A group in use as a flood group modified into one with duplicates: the same.
  ASSERT_TRUE(Ok(store_.apply(flood_group(300, {bucket(1), bucket(2)}))));
  ASSERT_TRUE(Ok(store_.apply(flood_flow(300))));
  EXPECT_TRUE(learns());
  EXPECT_TRUE(Ok(store_.apply(group_mod(of::GroupModCommand::kModify, 300,
                                        {bucket(1), bucket(2), bucket(2, 300)}))));
  EXPECT_FALSE(learns());
}

TEST_F(FlowStoreTest, Table1RejectsOtherMatchFields) {
  add_vlan100();
  of::FlowMod fm = flood_flow(100);
  fm.match.present |= of::field_bit(Field::kInPort);
  fm.match.in_port = 1;
  EXPECT_TRUE(Fails(l2(fm), ErrorType::kBadMatch, of::bad_match::kBadField));
  of::FlowMod src = static_mac_flow(100, mac_n(1), 1);
  src.match.present |= of::field_bit(Field::kEthSrc);
  EXPECT_TRUE(Fails(l2(src), ErrorType::kBadMatch, of::bad_match::kBadField));
}

TEST_F(FlowStoreTest, Table1RequiresMetadata) {
  add_vlan100();
  of::FlowMod fm = static_mac_flow(100, mac_n(1), 1);
  fm.match.present &= ~of::field_bit(Field::kMetadata);
  EXPECT_TRUE(Fails(l2(fm), ErrorType::kBadMatch, of::bad_match::kBadField));
}

TEST_F(FlowStoreTest, Table1MetadataMustBeAVlan) {
  add_vlan100();
  of::FlowMod narrow = flood_flow(100);
  narrow.match.metadata_mask = 0xff;
  narrow.match.metadata = 100 & 0xff;
  EXPECT_TRUE(Fails(l2(narrow), ErrorType::kBadMatch, of::bad_match::kBadValue));
  of::FlowMod zero = flood_flow(100);
  zero.match.metadata = 0;
  EXPECT_TRUE(Fails(l2(zero), ErrorType::kBadMatch, of::bad_match::kBadValue));
  of::FlowMod reserved = flood_flow(100);
  reserved.match.metadata = 4095;
  EXPECT_TRUE(Fails(l2(reserved), ErrorType::kBadMatch, of::bad_match::kBadValue));
}

TEST_F(FlowStoreTest, Table1AllowsOnlyApplyActions) {
  add_vlan100();
  of::FlowMod with_goto = flood_flow(100);
  with_goto.instructions.present |= of::instr::kGotoTable;
  with_goto.instructions.goto_table = 2;  // a valid goto elsewhere; not in the learning table
  EXPECT_TRUE(
      Fails(l2(with_goto), ErrorType::kBadInstruction, of::bad_instruction::kUnsupInst));
  of::FlowMod write = static_mac_flow(100, mac_n(1), 1);
  write.instructions.present = of::instr::kWriteActions;
  write.instructions.write_actions = write.instructions.apply_actions;
  EXPECT_TRUE(
      Fails(l2(write), ErrorType::kBadInstruction, of::bad_instruction::kUnsupInst));
  of::FlowMod none = flood_flow(100);
  none.instructions = {};
  EXPECT_TRUE(
      Fails(l2(none), ErrorType::kBadInstruction, of::bad_instruction::kUnsupInst));
}

TEST_F(FlowStoreTest, FloodFlowIsExactlyOneGroupAction) {
  add_vlan100();
  of::FlowMod two = flood_flow(100);
  two.instructions.apply_actions = actions({group(100), output(1)});
  EXPECT_TRUE(Fails(l2(two), ErrorType::kBadAction, of::bad_action::kUnsupportedOrder));
  of::FlowMod out = flood_flow(100);
  out.instructions.apply_actions = actions({output(1)});
  EXPECT_TRUE(Fails(l2(out), ErrorType::kBadAction, of::bad_action::kUnsupportedOrder));
  of::FlowMod empty = flood_flow(100);
  empty.instructions.apply_actions = {};
  EXPECT_TRUE(Fails(l2(empty), ErrorType::kBadAction, of::bad_action::kUnsupportedOrder));
}

TEST_F(FlowStoreTest, FloodFlowNeedsAnExistingGroup) {
  EXPECT_TRUE(
      Fails(store_.apply(flood_flow(100)), ErrorType::kBadAction, of::bad_action::kBadOutGroup));
  add_vlan100();
  EXPECT_TRUE(Fails(store_.apply(flood_flow(200, 200)), ErrorType::kBadAction,
                    of::bad_action::kBadOutGroup));
}

TEST_F(FlowStoreTest, StaticMacMustBeExactUnicast) {
  of::FlowMod masked = static_mac_flow(100, mac_n(1), 1);
  masked.match.masked |= of::field_bit(Field::kEthDst);
  masked.match.eth_dst_mask = {0xff, 0xff, 0xff, 0xff, 0xff, 0x00};
  masked.match.eth_dst[5] = 0;
  EXPECT_TRUE(Fails(l2(masked), ErrorType::kBadMatch, of::bad_match::kBadMask));
  of::FlowMod exact_mask = static_mac_flow(100, mac_n(1), 1);
  exact_mask.match.masked |= of::field_bit(Field::kEthDst);
  EXPECT_TRUE(Ok(l2(exact_mask)));
  of::FlowMod multicast = static_mac_flow(100, mac("01:00:5e:00:00:01"), 1);
  EXPECT_TRUE(Fails(l2(multicast), ErrorType::kBadMatch, of::bad_match::kBadValue));
  of::FlowMod broadcast = static_mac_flow(100, kBroadcast, 1);
  EXPECT_TRUE(Fails(l2(broadcast), ErrorType::kBadMatch, of::bad_match::kBadValue));
}

TEST_F(FlowStoreTest, StaticMacActionsMustBeAnEgress) {
  add_vlan100();
  auto with = [&](of::ActionList list) {
    of::FlowMod fm = static_mac_flow(100, mac_n(1), 1);
    fm.instructions.apply_actions = list;
    return l2(fm);
  };
  const auto kOrder = of::bad_action::kUnsupportedOrder;
  EXPECT_TRUE(Fails(with(actions({group(100)})), ErrorType::kBadAction, kOrder));
  EXPECT_TRUE(Fails(with({}), ErrorType::kBadAction, kOrder));
  EXPECT_TRUE(Fails(with(actions({output(1), output(2)})), ErrorType::kBadAction, kOrder));
  EXPECT_TRUE(Fails(with(actions({push_vlan(0x88a8), set_vlan_vid(100), output(1)})),
                    ErrorType::kBadAction, kOrder));
  EXPECT_TRUE(Fails(with(actions({push_vlan(), set_vlan_vid(0), output(1)})), ErrorType::kBadAction,
                    kOrder));
  EXPECT_TRUE(Fails(with(actions({push_vlan(), set_vlan_vid(4095), output(1)})),
                    ErrorType::kBadAction, kOrder));
  EXPECT_TRUE(Fails(with(actions({set_vlan_vid(100), push_vlan(), output(1)})),
                    ErrorType::kBadAction, kOrder));
  of::Action vid_no_present = set_vlan_vid(100);
  vid_no_present.value = 100;
  EXPECT_TRUE(Fails(with(actions({push_vlan(), vid_no_present, output(1)})), ErrorType::kBadAction,
                    kOrder));
}

TEST_F(FlowStoreTest, StaticMacOutputMustBeARealPort) {
  EXPECT_TRUE(Fails(l2(static_mac_flow(100, mac_n(1), 0)), ErrorType::kBadAction,
                    of::bad_action::kBadOutPort));
  EXPECT_TRUE(Fails(l2(static_mac_flow(100, mac_n(1), of::port_no::kController)),
                    ErrorType::kBadAction, of::bad_action::kBadOutPort));
  EXPECT_TRUE(Fails(l2(static_mac_flow(100, mac_n(1), of::port_no::kFlood, 100)),
                    ErrorType::kBadAction, of::bad_action::kBadOutPort));
  EXPECT_TRUE(Ok(l2(static_mac_flow(100, mac_n(1), of::port_no::kMax))));
}

// ---- Add ----

TEST_F(FlowStoreTest, AddIdenticalReplacesAndKeepsCounters) {
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(1, 100))));
  ASSERT_TRUE(store_.take_dirty());
  const uint16_t slot = store_.flows()[0].counter;
  totals_[slot] = {10, 1000};
  of::FlowMod again = ingress_untagged(1, 200);  // same match and priority, new instructions
  again.cookie = kPolicyCookie | 1;
  ASSERT_TRUE(Ok(store_.apply(again)));
  ASSERT_EQ(store_.flows().size(), 1u);
  EXPECT_EQ(store_.flows()[0].counter, slot);
  EXPECT_EQ(store_.flows()[0].cookie, kPolicyCookie | 1);
  EXPECT_EQ(store_.flows()[0].instructions.metadata, 200u);
  EXPECT_TRUE(store_.take_dirty());
  auto stats = store_.stats(of::FlowStatsRequest{});
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].packet_count, 10u);
  EXPECT_EQ(stats[0].byte_count, 1000u);
}

TEST_F(FlowStoreTest, AddIdenticalWithResetCountsZeroesStatistics) {
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(1, 100))));
  const uint16_t slot = store_.flows()[0].counter;
  totals_[slot] = {10, 1000};
  of::FlowMod again = ingress_untagged(1, 100);
  again.flags = of::flow_flags::kResetCounts;
  ASSERT_TRUE(Ok(store_.apply(again)));
  totals_[slot] = {12, 1100};
  auto stats = store_.stats(of::FlowStatsRequest{});
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].packet_count, 2u);
  EXPECT_EQ(stats[0].byte_count, 100u);
}

TEST_F(FlowStoreTest, SameMatchOtherPriorityIsAnotherFlow) {
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(1, 100))));
  of::FlowMod other = ingress_untagged(1, 200);
  other.priority = 101;
  ASSERT_TRUE(Ok(store_.apply(other)));
  EXPECT_EQ(store_.flows().size(), 2u);
  EXPECT_NE(store_.flows()[0].counter, store_.flows()[1].counter);
}

TEST_F(FlowStoreTest, CheckOverlapRefusesIdenticalFlow) {
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(1, 100))));
  store_.take_dirty();
  of::FlowMod again = ingress_untagged(1, 200);
  again.flags = of::flow_flags::kCheckOverlap;
  EXPECT_TRUE(Fails(store_.apply(again), ErrorType::kFlowModFailed, of::flow_mod_failed::kOverlap));
  EXPECT_EQ(store_.flows()[0].instructions.metadata, 100u);  // unchanged
  EXPECT_FALSE(store_.take_dirty());
  again.priority = 101;
  EXPECT_TRUE(Ok(store_.apply(again)));
  of::FlowMod other_port = ingress_untagged(2, 100);
  other_port.flags = of::flow_flags::kCheckOverlap;
  EXPECT_TRUE(Ok(store_.apply(other_port)));
}

// CHECK_OVERLAP refuses a flow that one packet could match together with an existing flow of
// the same table and priority.
TEST_F(FlowStoreTest, CheckOverlapRefusesOverlappingMaskedMatches) {
  ASSERT_TRUE(Ok(store_.apply(plain_flow(0, ipv4_dst("10.0.0.0", 24), actions({output(1)})))));
  store_.take_dirty();
  of::Match from;  // another field: a packet from 10.9.9.9 to 10.0.0.1 matches both
  from.present = of::field_bit(Field::kEthType) | of::field_bit(Field::kIpv4Src);
  from.eth_type = 0x0800;
  from.ipv4_src = ip("10.9.9.9");
  const of::Match overlapping[] = {
      ipv4_dst("10.0.0.0", 16),  // wider
      ipv4_dst("10.0.0.7"),      // narrower
      ipv4_dst("0.0.0.0", 0),    // any IPv4
      from,
      in_port_match(3),
      of::Match{},
  };
  for (const of::Match& m : overlapping) {
    of::FlowMod fm = plain_flow(0, m, actions({output(2)}));
    fm.flags = of::flow_flags::kCheckOverlap;
    EXPECT_TRUE(Fails(store_.apply(fm), ErrorType::kFlowModFailed, of::flow_mod_failed::kOverlap))
        << ::testing::PrintToString(m.present);
  }
  EXPECT_EQ(store_.flows().size(), 1u);
  EXPECT_FALSE(store_.take_dirty());
}

TEST_F(FlowStoreTest, CheckOverlapAcceptsDisjointOrOtherPriorityFlows) {
  ASSERT_TRUE(Ok(store_.apply(plain_flow(0, ipv4_dst("10.0.0.0", 24), actions({output(1)})))));
  of::Match arp;
  arp.present = of::field_bit(Field::kEthType);
  arp.eth_type = 0x0806;
  uint32_t port = 2;
  for (const of::Match& m :
       {ipv4_dst("10.0.1.0", 24), ipv4_dst("10.1.0.0", 16), ipv4_dst("10.0.2.1"), arp}) {
    of::FlowMod fm = plain_flow(0, m, actions({output(port++)}));
    fm.flags = of::flow_flags::kCheckOverlap;
    EXPECT_TRUE(Ok(store_.apply(fm))) << ::testing::PrintToString(m.ipv4_dst);
  }
  // The same match at another priority, or in another table, does not overlap.
  of::FlowMod other_priority = plain_flow(0, ipv4_dst("10.0.0.0", 24), actions({output(9)}), 999);
  other_priority.flags = of::flow_flags::kCheckOverlap;
  EXPECT_TRUE(Ok(store_.apply(other_priority)));
  of::FlowMod other_table = plain_flow(4, ipv4_dst("10.0.0.0", 24), actions({output(9)}));
  other_table.flags = of::flow_flags::kCheckOverlap;
  EXPECT_TRUE(Ok(store_.apply(other_table)));
  // Without the flag an overlapping flow is simply added.
  EXPECT_TRUE(Ok(store_.apply(plain_flow(0, ipv4_dst("10.0.0.0", 16), actions({output(9)})))));
  EXPECT_EQ(store_.flows().size(), 8u);
}

// ---- Counter slots ----

class SmallFlowStoreTest : public FlowStoreTest {
 protected:
  SmallFlowStoreTest() : FlowStoreTest(2) {}
};

TEST_F(SmallFlowStoreTest, RunsOutOfCounterSlots) {
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(1, 100))));
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(2, 100))));
  EXPECT_TRUE(Fails(store_.apply(ingress_untagged(3, 100)), ErrorType::kFlowModFailed,
                    of::flow_mod_failed::kTableFull));
  EXPECT_EQ(store_.flows().size(), 2u);
  // Replacing an identical flow needs no new slot.
  EXPECT_TRUE(Ok(store_.apply(ingress_untagged(2, 200))));
  // Deleting frees a slot; the new flow's statistics start at zero although the slot counted.
  const uint16_t freed = store_.flows()[0].counter;
  totals_[freed] = {5, 500};
  ASSERT_TRUE(Ok(store_.apply(delete_strict(ingress_untagged(1, 100)))));
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(3, 100))));
  const FlowEntry* f = find(0, kIngressPriority, match_ingress(3, 0));
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->counter, freed);
  of::FlowStatsRequest req;
  req.match = match_ingress(3, 0);
  auto stats = store_.stats(req);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].packet_count, 0u);
  EXPECT_EQ(stats[0].byte_count, 0u);
}

TEST_F(SmallFlowStoreTest, FlowsGetDistinctCounterSlots) {
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(1, 100))));
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(2, 100))));
  EXPECT_NE(store_.flows()[0].counter, store_.flows()[1].counter);
  EXPECT_LT(store_.flows()[0].counter, 2);
  EXPECT_LT(store_.flows()[1].counter, 2);
}

// ---- Modify ----

TEST_F(FlowStoreTest, ModifyNonStrictChangesEveryCoveredFlow) {
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(1, 100))));
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(2, 100))));
  of::FlowMod m = ingress_untagged(1, 300);
  m.command = of::FlowModCommand::kModify;
  m.match = {};  // all flows of table 0
  m.match.present = 0;
  m.priority = 1;  // ignored by a non-strict modify
  ASSERT_TRUE(Ok(store_.apply(m)));
  for (const FlowEntry& f : store_.flows()) EXPECT_EQ(f.instructions.metadata, 300u);
  EXPECT_EQ(store_.flows()[0].priority, kIngressPriority);
  EXPECT_EQ(store_.flows()[0].cookie, kPolicyCookie);  // modify keeps the cookie
}

// In the learning table: an egress suits the static MAC but not the flood flow; neither
// changes.
TEST_F(FlowStoreTest, AModifyThatBreaksAnL2ShapeMakesTheLearningTablePlain) {
  add_vlan100();
  ASSERT_TRUE(Ok(store_.apply(static_mac_flow(100, mac_n(1), 1))));
  EXPECT_TRUE(learns());
  store_.take_dirty();
  of::FlowMod m = static_mac_flow(100, mac_n(1), 3);
  m.command = of::FlowModCommand::kModify;
  m.match = match_bd(100);  // covers both: an egress suits the static MAC, not the flood flow
  EXPECT_TRUE(Ok(store_.apply(m)));
  EXPECT_EQ(out_port_of(*find(kL2Table, kFloodPriority, match_bd(100))), 3u);
  EXPECT_EQ(out_port_of(*find(kL2Table, kStaticMacPriority, match_bd_dst(100, mac_n(1)))), 3u);
  EXPECT_TRUE(store_.take_dirty());
  EXPECT_FALSE(learns());
}

// In a plain table: a set_field of tcp_dst suits the TCP flow but not the plain IPv4 one.
TEST_F(FlowStoreTest, ModifyIsAllOrNothingWhenAPrerequisiteBreaks) {
  of::Match tcp = ipv4_dst("10.0.0.1");
  tcp.present |= of::field_bit(Field::kIpProto) | of::field_bit(Field::kTcpDst);
  tcp.ip_proto = 6;
  tcp.tcp_dst = 80;
  ASSERT_TRUE(Ok(store_.apply(plain_flow(0, tcp, actions({output(1)})))));
  ASSERT_TRUE(Ok(store_.apply(ipv4_flow(0, "10.0.0.2", 1))));
  store_.take_dirty();
  of::FlowMod m = plain_flow(0, of::Match{}, actions({set_field(Field::kTcpDst, 8080), output(2)}));
  m.command = of::FlowModCommand::kModify;
  EXPECT_TRUE(Fails(store_.apply(m), ErrorType::kBadAction, of::bad_action::kMatchInconsistent));
  for (const FlowEntry& f : store_.flows()) EXPECT_EQ(out_port_of(f), 1u);
  EXPECT_FALSE(store_.take_dirty());
  // Narrowed to the TCP flow, the same instructions are fine.
  m.match = tcp;
  ASSERT_TRUE(Ok(store_.apply(m)));
  EXPECT_EQ(out_port_of(*find(0, 1000, tcp)), 2u);
  EXPECT_EQ(out_port_of(*find(0, 1000, ipv4_dst("10.0.0.2"))), 1u);
}

// OpenFlow 1.3: modify replaces the instructions; cookie, timeouts, flags, priority, counters
// and duration stay.
TEST_F(FlowStoreTest, ModifyReplacesOnlyTheInstructions) {
  of::FlowMod fm = ipv4_flow(2, "10.0.0.1", 1, 500);
  fm.cookie = 0xc0c0;
  fm.idle_timeout = 100;
  fm.hard_timeout = 200;
  fm.flags = of::flow_flags::kSendFlowRem;
  ASSERT_TRUE(Ok(store_.apply(fm)));
  const FlowEntry before = store_.flows()[0];
  totals_[before.counter] = {4, 400};
  for (auto command : {of::FlowModCommand::kModify, of::FlowModCommand::kModifyStrict}) {
    of::FlowMod m = ipv4_flow(2, "10.0.0.1", command == of::FlowModCommand::kModify ? 7 : 8, 500);
    m.command = command;
    m.cookie = 0x1234;  // a cookie_mask of 0 selects by match only
    m.idle_timeout = 1;
    m.hard_timeout = 2;
    m.flags = of::flow_flags::kNoPktCounts;
    ASSERT_TRUE(Ok(store_.apply(m)));
    ASSERT_EQ(store_.flows().size(), 1u);
    const FlowEntry& after = store_.flows()[0];
    EXPECT_EQ(after.instructions, m.instructions);
    EXPECT_EQ(after.cookie, 0xc0c0u);
    EXPECT_EQ(after.idle_timeout, 100);
    EXPECT_EQ(after.hard_timeout, 200);
    EXPECT_EQ(after.flags, of::flow_flags::kSendFlowRem);
    EXPECT_EQ(after.priority, 500);
    EXPECT_EQ(after.counter, before.counter);
    EXPECT_EQ(after.installed, before.installed);
    EXPECT_EQ(store_.stats(of::FlowStatsRequest{})[0].packet_count, 4u);
  }
}

// OpenFlow 1.3 (unlike 1.0): a modify that selects nothing inserts nothing.
TEST_F(FlowStoreTest, ModifyOfNothingInsertsNothing) {
  for (auto command : {of::FlowModCommand::kModify, of::FlowModCommand::kModifyStrict}) {
    EXPECT_TRUE(Ok(store_.apply(with_command(ipv4_flow(0, "10.0.0.1"), command))));
    EXPECT_TRUE(store_.flows().empty());
    EXPECT_FALSE(store_.take_dirty());
  }
  ASSERT_TRUE(Ok(store_.apply(ipv4_flow(0, "10.0.0.1"))));
  store_.take_dirty();
  EXPECT_TRUE(
      Ok(store_.apply(with_command(ipv4_flow(0, "10.0.0.2"), of::FlowModCommand::kModify))));
  EXPECT_TRUE(
      Ok(store_.apply(with_command(ipv4_flow(3, "10.0.0.1"), of::FlowModCommand::kModify))));
  EXPECT_EQ(store_.flows().size(), 1u);
  EXPECT_FALSE(store_.take_dirty());
}

// out_port and out_group filter deletes only; a modify ignores them.
TEST_F(FlowStoreTest, ModifyIgnoresOutPortAndOutGroup) {
  ASSERT_TRUE(Ok(store_.apply(ipv4_flow(0, "10.0.0.1", 1))));
  of::FlowMod m = with_command(ipv4_flow(0, "10.0.0.1", 9), of::FlowModCommand::kModifyStrict);
  m.out_port = 5;
  m.out_group = 5;
  ASSERT_TRUE(Ok(store_.apply(m)));
  EXPECT_EQ(out_port_of(store_.flows()[0]), 9u);
}

TEST_F(FlowStoreTest, ModifyWithoutResetCountsKeepsCounters) {
  ASSERT_TRUE(Ok(store_.apply(ipv4_flow(0, "10.0.0.1"))));
  totals_[store_.flows()[0].counter] = {7, 700};
  ASSERT_TRUE(
      Ok(store_.apply(with_command(ipv4_flow(0, "10.0.0.1", 2), of::FlowModCommand::kModify))));
  auto s = store_.stats(of::FlowStatsRequest{});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].packet_count, 7u);
  EXPECT_EQ(s[0].byte_count, 700u);
}

TEST_F(FlowStoreTest, ModifyStrictNeedsPriorityAndMatch) {
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(1, 100))));
  of::FlowMod m = with_command(ingress_untagged(1, 200), of::FlowModCommand::kModifyStrict);
  m.priority = 99;
  ASSERT_TRUE(Ok(store_.apply(m)));
  EXPECT_EQ(store_.flows()[0].instructions.metadata, 100u);
  m.priority = kIngressPriority;
  ASSERT_TRUE(Ok(store_.apply(m)));
  EXPECT_EQ(store_.flows()[0].instructions.metadata, 200u);
  // A strict modify with a subset match selects nothing.
  of::FlowMod subset = m;
  subset.match.present = of::field_bit(Field::kInPort);
  subset.instructions.metadata = 300;
  ASSERT_TRUE(Ok(store_.apply(subset)));
  EXPECT_EQ(store_.flows()[0].instructions.metadata, 200u);
}

TEST_F(FlowStoreTest, ModifyFiltersByCookie) {
  of::FlowMod a = ingress_untagged(1, 100);
  a.cookie = kPolicyCookie | 1;
  of::FlowMod b = ingress_untagged(2, 100);
  b.cookie = 0x1234;
  ASSERT_TRUE(Ok(store_.apply(a)));
  ASSERT_TRUE(Ok(store_.apply(b)));
  of::FlowMod m = with_command(ingress_untagged(1, 500), of::FlowModCommand::kModify);
  m.match.present = 0;
  m.cookie = kPolicyCookie;
  m.cookie_mask = kPolicyCookieMask;
  ASSERT_TRUE(Ok(store_.apply(m)));
  EXPECT_EQ(find(0, kIngressPriority, match_ingress(1, 0))->instructions.metadata, 500u);
  EXPECT_EQ(find(0, kIngressPriority, match_ingress(2, 0))->instructions.metadata, 100u);
}

TEST_F(FlowStoreTest, ModifyOfAllTablesIsRefused) {
  of::FlowMod m = with_command(ingress_untagged(1, 100), of::FlowModCommand::kModify);
  m.table_id = of::kTableAll;
  EXPECT_TRUE(Fails(store_.apply(m), ErrorType::kFlowModFailed, of::flow_mod_failed::kBadTableId));
}

TEST_F(FlowStoreTest, ModifyWithResetCounts) {
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(1, 100))));
  totals_[store_.flows()[0].counter] = {7, 700};
  of::FlowMod m = with_command(ingress_untagged(1, 100), of::FlowModCommand::kModifyStrict);
  m.flags = of::flow_flags::kResetCounts;
  ASSERT_TRUE(Ok(store_.apply(m)));
  EXPECT_EQ(store_.stats(of::FlowStatsRequest{})[0].packet_count, 0u);
}

// ---- Delete ----

TEST_F(FlowStoreTest, DeleteAllWithEmptyMatch) {
  add_vlan100();
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(1, 100))));
  ASSERT_TRUE(Ok(store_.apply(static_mac_flow(100, mac_n(1), 1))));
  store_.take_dirty();
  ASSERT_TRUE(Ok(store_.apply(delete_flows())));
  EXPECT_TRUE(store_.flows().empty());
  EXPECT_EQ(store_.groups().size(), 1u);  // groups stay
  EXPECT_TRUE(store_.take_dirty());
}

TEST_F(FlowStoreTest, DeleteOneTable) {
  add_vlan100();
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(1, 100))));
  ASSERT_TRUE(Ok(store_.apply(delete_flows(kL2Table))));
  ASSERT_EQ(store_.flows().size(), 1u);
  EXPECT_EQ(store_.flows()[0].table_id, 0);
}

TEST_F(FlowStoreTest, DeleteByCookieMask) {
  of::FlowMod a = ingress_untagged(1, 100);
  of::FlowMod b = ingress_untagged(2, 100);
  b.cookie = 0x7700000000000000ULL;
  ASSERT_TRUE(Ok(store_.apply(a)));
  ASSERT_TRUE(Ok(store_.apply(b)));
  of::FlowMod d = delete_flows();
  d.cookie = kPolicyCookie;
  d.cookie_mask = kPolicyCookieMask;
  ASSERT_TRUE(Ok(store_.apply(d)));
  ASSERT_EQ(store_.flows().size(), 1u);
  EXPECT_EQ(store_.flows()[0].cookie, 0x7700000000000000ULL);
}

TEST_F(FlowStoreTest, DeleteNonStrictByMatchSubset) {
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(2, 300))));
  ASSERT_TRUE(Ok(store_.apply(ingress_tagged(2, 100))));
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(1, 100))));
  of::Match port2;
  port2.present = of::field_bit(Field::kInPort);
  port2.in_port = 2;
  ASSERT_TRUE(Ok(store_.apply(delete_flows(0, port2))));
  ASSERT_EQ(store_.flows().size(), 1u);
  EXPECT_EQ(store_.flows()[0].match.in_port, 1u);
}

TEST_F(FlowStoreTest, DeleteStrictNeedsPriorityAndExactMatch) {
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(1, 100))));
  of::FlowMod d = delete_strict(ingress_untagged(1, 100));
  d.priority = 99;
  ASSERT_TRUE(Ok(store_.apply(d)));
  EXPECT_EQ(store_.flows().size(), 1u);
  d.priority = kIngressPriority;
  d.match.present = of::field_bit(Field::kInPort);
  ASSERT_TRUE(Ok(store_.apply(d)));
  EXPECT_EQ(store_.flows().size(), 1u);
  ASSERT_TRUE(Ok(store_.apply(delete_strict(ingress_untagged(1, 100)))));
  EXPECT_TRUE(store_.flows().empty());
}

TEST_F(FlowStoreTest, DeleteFiltersByOutPortAndOutGroup) {
  add_vlan100();
  ASSERT_TRUE(Ok(store_.apply(static_mac_flow(100, mac_n(1), 1))));
  ASSERT_TRUE(Ok(store_.apply(static_mac_flow(100, mac_n(2), 2, 100))));
  of::FlowMod d = delete_flows(kL2Table);
  d.out_port = 2;
  ASSERT_TRUE(Ok(store_.apply(d)));
  EXPECT_EQ(store_.flows().size(), 2u);
  EXPECT_EQ(find(kL2Table, kStaticMacPriority, match_bd_dst(100, mac_n(2))), nullptr);
  d.out_port = of::port_no::kAny;
  d.out_group = 100;
  ASSERT_TRUE(Ok(store_.apply(d)));
  ASSERT_EQ(store_.flows().size(), 1u);
  EXPECT_TRUE(store_.flows()[0].match.has(Field::kEthDst));
  // Both filters must hold.
  d.out_port = 1;
  d.out_group = 100;
  ASSERT_TRUE(Ok(store_.apply(d)));
  EXPECT_EQ(store_.flows().size(), 1u);
}

TEST_F(FlowStoreTest, DeleteStrictHonoursOutPort) {
  ASSERT_TRUE(Ok(store_.apply(static_mac_flow(100, mac_n(1), 1))));
  of::FlowMod d = delete_strict(static_mac_flow(100, mac_n(1), 1));
  d.out_port = 5;
  ASSERT_TRUE(Ok(store_.apply(d)));
  EXPECT_EQ(store_.flows().size(), 1u);
  d.out_port = 1;
  ASSERT_TRUE(Ok(store_.apply(d)));
  EXPECT_TRUE(store_.flows().empty());
}

TEST_F(FlowStoreTest, DeleteNothingIsNotAChange) {
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(1, 100))));
  store_.take_dirty();
  ASSERT_TRUE(Ok(store_.apply(delete_flows(kL2Table))));
  EXPECT_FALSE(store_.take_dirty());
}

TEST_F(FlowStoreTest, DeleteStrictFiltersByCookieAndOutGroup) {
  ASSERT_TRUE(Ok(store_.apply(flood_group(7, {bucket(1)}))));
  of::FlowMod fm = plain_flow(2, ipv4_dst("10.0.0.1"), actions({group(7)}));
  fm.cookie = 0xab00;
  ASSERT_TRUE(Ok(store_.apply(fm)));
  of::FlowMod d = delete_strict(fm);
  d.cookie = 0xcd00;
  d.cookie_mask = 0xff00;
  ASSERT_TRUE(Ok(store_.apply(d)));
  EXPECT_EQ(store_.flows().size(), 1u);
  d.cookie = 0xab00;
  d.out_group = 8;
  ASSERT_TRUE(Ok(store_.apply(d)));
  EXPECT_EQ(store_.flows().size(), 1u);
  d.out_group = 7;
  d.out_port = 1;  // the flow outputs through its group, not to port 1
  ASSERT_TRUE(Ok(store_.apply(d)));
  EXPECT_EQ(store_.flows().size(), 1u);
  d.out_port = of::port_no::kAny;
  ASSERT_TRUE(Ok(store_.apply(d)));
  EXPECT_TRUE(store_.flows().empty());
}

// A strict delete in OFPTT_ALL removes the flow with that priority and match in every table.
TEST_F(FlowStoreTest, DeleteStrictInAllTables) {
  for (uint8_t t : {0, 3, 9}) ASSERT_TRUE(Ok(store_.apply(ipv4_flow(t, "10.0.0.1"))));
  ASSERT_TRUE(Ok(store_.apply(ipv4_flow(3, "10.0.0.1", 1, 999))));
  ASSERT_TRUE(Ok(store_.apply(ipv4_flow(3, "10.0.0.2"))));
  of::FlowMod d = delete_strict(ipv4_flow(0, "10.0.0.1"));
  d.table_id = of::kTableAll;
  ASSERT_TRUE(Ok(store_.apply(d)));
  ASSERT_EQ(store_.flows().size(), 2u);
  EXPECT_NE(find(3, 999, ipv4_dst("10.0.0.1")), nullptr);
  EXPECT_NE(find(3, 1000, ipv4_dst("10.0.0.2")), nullptr);
  // What is left is still found strictly.
  ASSERT_TRUE(Ok(store_.apply(delete_strict(ipv4_flow(3, "10.0.0.2")))));
  EXPECT_EQ(store_.flows().size(), 1u);
}

// Deleting strictly moves the last flow into the hole; the strict index must follow, and
// so must the non-strict deletes that rebuild it. Add many, delete some, then find, replace
// and delete every survivor again by its key.
TEST_F(FlowStoreTest, StrictIndexStaysConsistentThroughDeletes) {
  constexpr int kFlows = 48;
  auto flow = [](int i, uint32_t port) {
    return ipv4_flow(static_cast<uint8_t>(i % 3 * 2), "10.0.0." + std::to_string(i), port,
                     static_cast<uint16_t>(100 + i % 2));
  };
  for (int i = 0; i < kFlows; ++i) ASSERT_TRUE(Ok(store_.apply(flow(i, 1))));
  for (int i = 0; i < kFlows; i += 3) ASSERT_TRUE(Ok(store_.apply(delete_strict(flow(i, 1)))));
  // A non-strict delete (a rebuild of the index) in the middle.
  ASSERT_TRUE(Ok(store_.apply(delete_flows(2, ipv4_dst("10.0.0.1")))));
  auto kept = [](int i) { return i % 3 != 0 && i != 1; };
  int survivors = 0;
  for (int i = 0; i < kFlows; ++i) survivors += kept(i);
  ASSERT_EQ(store_.flows().size(), static_cast<size_t>(survivors));
  // Modify-strict each survivor: exactly that flow changes.
  for (int i = 0; i < kFlows; ++i) {
    ASSERT_TRUE(
        Ok(store_.apply(with_command(flow(i, 100u + i), of::FlowModCommand::kModifyStrict))));
  }
  std::set<uint32_t> slots;
  for (int i = 0; i < kFlows; ++i) {
    const FlowEntry* f = find(flow(i, 0));
    if (!kept(i)) {
      EXPECT_EQ(f, nullptr) << i;
      continue;
    }
    ASSERT_NE(f, nullptr) << i;
    EXPECT_EQ(out_port_of(*f), 100u + i) << i;
    slots.insert(f->counter);
  }
  EXPECT_EQ(slots.size(), static_cast<size_t>(survivors));
  // Re-adding every flow replaces the survivors and brings the deleted ones back.
  for (int i = 0; i < kFlows; ++i) ASSERT_TRUE(Ok(store_.apply(flow(i, 2))));
  EXPECT_EQ(store_.flows().size(), static_cast<size_t>(kFlows));
  // Strict deletes in a scrambled order empty the store, one flow each.
  for (int k = 0; k < kFlows; ++k) {
    const int i = (k * 29) % kFlows;
    ASSERT_TRUE(Ok(store_.apply(delete_strict(flow(i, 2)))));
    ASSERT_EQ(store_.flows().size(), static_cast<size_t>(kFlows - k - 1)) << i;
    ASSERT_EQ(find(flow(i, 2)), nullptr) << i;
  }
  // Every slot came back: the whole store can be filled again.
  for (int i = 0; i < 64; ++i) {
    ASSERT_TRUE(Ok(store_.apply(ipv4_flow(5, "10.1.0." + std::to_string(i)))));
  }
}

// The same against a model, with random adds, replacements, strict and non-strict deletes and
// strict modifies.
TEST_F(FlowStoreTest, StrictOperationsAgreeWithAModel) {
  constexpr uint64_t kSeed = 0xf10f5;
  std::printf("[ seed     ] FlowStoreTest.StrictOperationsAgreeWithAModel: %#llx\n",
              static_cast<unsigned long long>(kSeed));
  std::mt19937_64 rng(kSeed);
  auto below = [&](uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); };
  // table (0, 2 or 4: not the learning table), priority, last byte of ipv4_dst
  using Key = std::tuple<uint8_t, uint16_t, int>;
  std::map<Key, uint32_t> model;  // → output port
  auto flow = [](const Key& k, uint32_t port) {
    return ipv4_flow(std::get<0>(k), "10.0.0." + std::to_string(std::get<2>(k)), port,
                     std::get<1>(k));
  };
  for (int step = 0; step < 3000; ++step) {
    const Key k{static_cast<uint8_t>(below(3) * 2), static_cast<uint16_t>(below(2)),
                static_cast<int>(below(30))};
    const uint32_t port = static_cast<uint32_t>(1 + below(1000));
    const uint64_t roll = below(10);
    if (roll < 4) {
      if (model.size() < 64 || model.contains(k)) {
        ASSERT_TRUE(Ok(store_.apply(flow(k, port))));
        model[k] = port;
      }
    } else if (roll < 7) {
      ASSERT_TRUE(Ok(store_.apply(delete_strict(flow(k, 0)))));
      model.erase(k);
    } else if (roll < 9) {
      ASSERT_TRUE(Ok(store_.apply(with_command(flow(k, port), of::FlowModCommand::kModifyStrict))));
      if (model.contains(k)) model[k] = port;
    } else {  // every flow of one table to one address, whatever its priority
      const of::Match m = ipv4_dst("10.0.0." + std::to_string(std::get<2>(k)));
      ASSERT_TRUE(Ok(store_.apply(delete_flows(std::get<0>(k), m))));
      std::erase_if(model, [&](const auto& e) {
        return std::get<0>(e.first) == std::get<0>(k) && std::get<2>(e.first) == std::get<2>(k);
      });
    }
    ASSERT_EQ(store_.flows().size(), model.size()) << "step " << step;
    for (const auto& [key, want] : model) {
      const FlowEntry* f = find(flow(key, 0));
      ASSERT_NE(f, nullptr) << "step " << step;
      ASSERT_EQ(out_port_of(*f), want) << "step " << step;
    }
  }
}

// ---- Groups ----

TEST_F(FlowStoreTest, GroupAddModifyDelete) {
  ASSERT_TRUE(Ok(store_.apply(flood_group(100, {bucket(1)}))));
  EXPECT_TRUE(Fails(store_.apply(flood_group(100, {bucket(2)})), ErrorType::kGroupModFailed,
                    of::group_mod_failed::kGroupExists));
  ASSERT_EQ(store_.groups().at(100).buckets.size(), 1u);
  ASSERT_TRUE(Ok(store_.apply(
      group_mod(of::GroupModCommand::kModify, 100, {bucket(1), bucket(2, 100), bucket(3)}))));
  const GroupEntry& g = store_.groups().at(100);
  EXPECT_EQ(g.group_id, 100u);
  EXPECT_EQ(g.type, of::GroupType::kAll);
  ASSERT_EQ(g.buckets.size(), 3u);
  EXPECT_EQ(g.buckets[1].actions, egress_actions(2, 100));
  ASSERT_TRUE(Ok(store_.apply(delete_group(100))));
  EXPECT_TRUE(store_.groups().empty());
  // Deleting a group that is not there is not an error (OpenFlow 1.3).
  EXPECT_TRUE(Ok(store_.apply(delete_group(100))));
}

TEST_F(FlowStoreTest, GroupModifyOfUnknownGroup) {
  EXPECT_TRUE(Fails(store_.apply(group_mod(of::GroupModCommand::kModify, 7, {bucket(1)})),
                    ErrorType::kGroupModFailed, of::group_mod_failed::kUnknownGroup));
  EXPECT_TRUE(store_.groups().empty());
}

TEST_F(FlowStoreTest, EveryGroupTypeIsAccepted) {
  ASSERT_TRUE(Ok(store_.apply(
      group_mod(of::GroupModCommand::kAdd, 1, {bucket(1), bucket(2)}, of::GroupType::kSelect))));
  ASSERT_TRUE(Ok(store_.apply(
      group_mod(of::GroupModCommand::kAdd, 2, {bucket(3)}, of::GroupType::kIndirect))));
  of::Bucket primary = bucket(4), backup = bucket(5);
  primary.watch_port = 4;
  backup.watch_port = 5;
  ASSERT_TRUE(Ok(store_.apply(
      group_mod(of::GroupModCommand::kAdd, 3, {primary, backup}, of::GroupType::kFastFailover))));
  ASSERT_TRUE(Ok(store_.apply(flood_group(4, {bucket(1)}))));
  EXPECT_EQ(store_.groups().at(1).type, of::GroupType::kSelect);
  EXPECT_EQ(store_.groups().at(2).type, of::GroupType::kIndirect);
  EXPECT_EQ(store_.groups().at(3).type, of::GroupType::kFastFailover);
  EXPECT_EQ(store_.groups().at(3).buckets[1].watch_port, 5u);
  EXPECT_EQ(store_.groups().at(4).type, of::GroupType::kAll);
  // A modify may change the type.
  ASSERT_TRUE(Ok(store_.apply(
      group_mod(of::GroupModCommand::kModify, 1, {bucket(1)}, of::GroupType::kIndirect))));
  EXPECT_EQ(store_.groups().at(1).type, of::GroupType::kIndirect);
}

TEST_F(FlowStoreTest, IndirectGroupHasExactlyOneBucket) {
  for (size_t n : {0u, 2u, 3u}) {
    std::vector<of::Bucket> buckets(n, bucket(1));
    EXPECT_TRUE(Fails(
        store_.apply(group_mod(of::GroupModCommand::kAdd, 7, buckets, of::GroupType::kIndirect)),
        ErrorType::kGroupModFailed, of::group_mod_failed::kInvalidGroup))
        << n;
  }
  EXPECT_TRUE(store_.groups().empty());
  ASSERT_TRUE(Ok(store_.apply(
      group_mod(of::GroupModCommand::kAdd, 7, {bucket(1)}, of::GroupType::kIndirect))));
  EXPECT_TRUE(Fails(store_.apply(group_mod(of::GroupModCommand::kModify, 7, {bucket(1), bucket(2)},
                                           of::GroupType::kIndirect)),
                    ErrorType::kGroupModFailed, of::group_mod_failed::kInvalidGroup));
  EXPECT_EQ(store_.groups().at(7).buckets.size(), 1u);
}

TEST_F(FlowStoreTest, FastFailoverBucketsWatchAPortNotAGroup) {
  of::Bucket unwatched = bucket(1);  // watch_port ANY
  EXPECT_TRUE(Fails(store_.apply(group_mod(of::GroupModCommand::kAdd, 7, {unwatched},
                                           of::GroupType::kFastFailover)),
                    ErrorType::kGroupModFailed, of::group_mod_failed::kBadWatch));
  of::Bucket group_watch = bucket(1);
  group_watch.watch_port = 1;
  group_watch.watch_group = 3;
  EXPECT_TRUE(Fails(store_.apply(group_mod(of::GroupModCommand::kAdd, 7, {group_watch},
                                           of::GroupType::kFastFailover)),
                    ErrorType::kGroupModFailed, of::group_mod_failed::kWatchUnsupported));
  EXPECT_TRUE(store_.groups().empty());
  // Other group types ignore watches.
  EXPECT_TRUE(Ok(store_.apply(
      group_mod(of::GroupModCommand::kAdd, 8, {unwatched, group_watch}, of::GroupType::kSelect))));
}

// Buckets are plain action lists now: anything a flow could apply, except a group (no
// chaining) and the experimenter actions.
TEST_F(FlowStoreTest, GroupBucketsMayHoldAnyValidActions) {
  of::Bucket pop;
  pop.actions = actions({pop_vlan(), output(1)});
  of::Bucket rewrite;
  rewrite.actions =
      actions({set_field(Field::kTcpDst, 8080), set_field(Field::kEthDst, 0x0200000000aa),
               output(of::port_no::kController)});
  of::Bucket drop;  // empty: drops its copy
  EXPECT_TRUE(Ok(store_.apply(flood_group(7, {bucket(1), pop, rewrite, drop}))));
  EXPECT_EQ(store_.groups().at(7).buckets.size(), 4u);
  // A group with no buckets is accepted as well.
  EXPECT_TRUE(Ok(store_.apply(flood_group(8, {}))));
}

TEST_F(FlowStoreTest, GroupBucketActionsAreChecked) {
  ASSERT_TRUE(Ok(store_.apply(flood_group(8, {bucket(1)}))));
  of::Bucket chained;
  chained.actions = actions({group(8)});
  EXPECT_TRUE(Fails(store_.apply(flood_group(7, {bucket(1), chained})), ErrorType::kGroupModFailed,
                    of::group_mod_failed::kChainingUnsupported));
  of::Bucket bad_port;
  bad_port.actions = actions({output(0)});
  EXPECT_TRUE(Fails(store_.apply(flood_group(7, {bad_port})), ErrorType::kBadAction,
                    of::bad_action::kBadOutPort));
  of::Bucket bad_set;
  bad_set.actions = actions({set_field(Field::kInPort, 3), output(1)});
  EXPECT_TRUE(Fails(store_.apply(flood_group(7, {bad_set})), ErrorType::kBadAction,
                    of::bad_action::kBadSetType));
  of::Bucket exp;
  exp.actions = actions({experimenter(of::SluiceAction::kNat), output(1)});
  EXPECT_TRUE(Fails(store_.apply(flood_group(7, {exp})), ErrorType::kBadAction,
                    of::bad_action::kBadExpType));
  EXPECT_EQ(store_.groups().size(), 1u);
  // A modify is checked the same way and changes nothing when refused.
  EXPECT_TRUE(Fails(store_.apply(group_mod(of::GroupModCommand::kModify, 8, {bucket(2), bad_port})),
                    ErrorType::kBadAction, of::bad_action::kBadOutPort));
  EXPECT_EQ(store_.groups().at(8).buckets[0].actions, egress_actions(1));
}

// A group that the learning table's flood flow uses must stay an ALL group of egresses.
TEST_F(FlowStoreTest, AFloodGroupThatStopsBeingOneMakesTheLearningTablePlain) {
  add_vlan100();
  EXPECT_TRUE(learns());
  EXPECT_TRUE(Ok(store_.apply(group_mod(of::GroupModCommand::kModify, 100, {bucket(1)},
                                        of::GroupType::kSelect))));
  EXPECT_FALSE(learns());
  of::Bucket pop;
  pop.actions = actions({pop_vlan(), output(1)});
  EXPECT_TRUE(Ok(store_.apply(group_mod(of::GroupModCommand::kModify, 100, {bucket(1), pop}))));
  EXPECT_FALSE(learns());
  EXPECT_TRUE(Ok(store_.apply(group_mod(of::GroupModCommand::kModify, 100, {bucket(3, 100)}))));
  EXPECT_TRUE(learns());
}

TEST_F(FlowStoreTest, GroupsUsedOutsideTheLearningTableMayChangeType) {
  ASSERT_TRUE(Ok(store_.apply(flood_group(7, {bucket(1)}))));
  ASSERT_TRUE(Ok(store_.apply(plain_flow(0, ipv4_dst("10.0.0.1"), actions({group(7)})))));
  of::Bucket pop;
  pop.actions = actions({pop_vlan(), output(1)});
  EXPECT_TRUE(Ok(
      store_.apply(group_mod(of::GroupModCommand::kModify, 7, {pop}, of::GroupType::kIndirect))));
}

TEST_F(FlowStoreTest, GroupIdMustBeBelowMax) {
  EXPECT_TRUE(Fails(store_.apply(flood_group(of::group_id::kAll, {bucket(1)})),
                    ErrorType::kGroupModFailed, of::group_mod_failed::kInvalidGroup));
  EXPECT_TRUE(Ok(store_.apply(flood_group(of::group_id::kMax, {bucket(1)}))));
}

TEST_F(FlowStoreTest, GroupUnknownCommand) {
  EXPECT_TRUE(Fails(store_.apply(group_mod(static_cast<of::GroupModCommand>(9), 7, {bucket(1)})),
                    ErrorType::kGroupModFailed, of::group_mod_failed::kBadCommand));
}

TEST_F(FlowStoreTest, DeletingAGroupRemovesFlowsThatUseItAndFreesTheirSlots) {
  add_vlan100();
  ASSERT_TRUE(Ok(store_.apply(flood_group(200, {bucket(1)}))));
  ASSERT_TRUE(Ok(store_.apply(flood_flow(200))));
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(1, 100))));
  ASSERT_TRUE(Ok(store_.apply(static_mac_flow(100, mac_n(1), 1))));
  std::set<uint32_t> freed = {find(kL2Table, kFloodPriority, match_bd(100))->counter};
  for (uint32_t c : store_.groups().at(100).counters) freed.insert(c);  // the group's own
  EXPECT_EQ(store_.groups().at(100).counters.size(), 3u);  // the group and its two buckets
  store_.take_dirty();
  ASSERT_TRUE(Ok(store_.apply(delete_group(100))));
  EXPECT_TRUE(store_.take_dirty());
  EXPECT_EQ(find(kL2Table, kFloodPriority, match_bd(100)), nullptr);
  EXPECT_NE(find(kL2Table, kFloodPriority, match_bd(200)), nullptr);
  EXPECT_NE(find(0, kIngressPriority, match_ingress(1, 0)), nullptr);
  EXPECT_NE(find(kL2Table, kStaticMacPriority, match_bd_dst(100, mac_n(1))), nullptr);
  // A freed slot (the flood flow's or the group's) is handed out next.
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(9, 100))));
  EXPECT_TRUE(freed.contains(find(0, kIngressPriority, match_ingress(9, 0))->counter));
}

TEST_F(FlowStoreTest, DeletingAllGroups) {
  add_vlan100();
  ASSERT_TRUE(Ok(store_.apply(flood_group(200, {bucket(1)}))));
  ASSERT_TRUE(Ok(store_.apply(flood_flow(200))));
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(1, 100))));
  ASSERT_TRUE(Ok(store_.apply(delete_group(of::group_id::kAll))));
  EXPECT_TRUE(store_.groups().empty());
  ASSERT_EQ(store_.flows().size(), 1u);
  EXPECT_EQ(store_.flows()[0].table_id, 0);
}

// ---- Timeouts and FLOW_REMOVED ----

TEST_F(FlowStoreTest, IdleTimeoutRemovesAnIdleFlow) {
  of::FlowMod fm = ipv4_flow(0, "10.0.0.1");
  fm.idle_timeout = 10;
  const Installed at = add_timed(fm);
  store_.take_dirty();
  store_.expire(at.before + seconds(10) - milliseconds(1));
  EXPECT_EQ(store_.flows().size(), 1u);
  EXPECT_FALSE(store_.take_dirty());
  store_.expire(at.after + seconds(10));
  EXPECT_TRUE(store_.flows().empty());
  EXPECT_TRUE(store_.take_dirty());
  EXPECT_TRUE(store_.take_removed().empty());  // no SEND_FLOW_REM
}

// Activity is what the counter reader shows: a changed packet count restarts the idle timer
// at the expire() that notices it.
TEST_F(FlowStoreTest, TrafficRestartsTheIdleTimer) {
  of::FlowMod fm = ipv4_flow(0, "10.0.0.1");
  fm.idle_timeout = 10;
  const Installed at = add_timed(fm);
  const uint32_t slot = slot_of(fm);
  totals_[slot] = {1, 60};
  store_.expire(at.after + seconds(9));  // sees the packet: active at +9
  totals_[slot] = {2, 120};
  store_.expire(at.after + seconds(17));  // and another: active at +17
  store_.expire(at.after + seconds(26));  // 9 s idle
  EXPECT_EQ(store_.flows().size(), 1u);
  // Bytes alone are no activity; nor is an unchanged count.
  totals_[slot].bytes = 500;
  store_.expire(at.after + seconds(27));
  EXPECT_TRUE(store_.flows().empty());
}

TEST_F(FlowStoreTest, HardTimeoutIgnoresTraffic) {
  of::FlowMod fm = ipv4_flow(0, "10.0.0.1");
  fm.hard_timeout = 10;
  fm.idle_timeout = 8;
  fm.flags = of::flow_flags::kSendFlowRem;
  const Installed at = add_timed(fm);
  const uint32_t slot = slot_of(fm);
  for (int s = 2; s <= 8; s += 2) {
    totals_[slot].packets += 1;
    store_.expire(at.after + seconds(s));
  }
  store_.expire(at.before + seconds(10) - milliseconds(1));
  ASSERT_EQ(store_.flows().size(), 1u);
  totals_[slot].packets += 1;
  const SteadyTime now = at.after + seconds(10);
  store_.expire(now);
  EXPECT_TRUE(store_.flows().empty());
  auto removed = store_.take_removed();
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].reason, RemovedReason::kHardTimeout);
  EXPECT_EQ(removed[0].removed, now);
  EXPECT_EQ(removed[0].totals.packets, 5u);
}

TEST_F(FlowStoreTest, IdleTimeoutReasonWhenIdleComesFirst) {
  of::FlowMod fm = ipv4_flow(0, "10.0.0.1");
  fm.idle_timeout = 5;
  fm.hard_timeout = 60;
  fm.flags = of::flow_flags::kSendFlowRem;
  const Installed at = add_timed(fm);
  store_.expire(at.after + seconds(5));
  auto removed = store_.take_removed();
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].reason, RemovedReason::kIdleTimeout);
}

// FLOW_REMOVED records exist only for flows with SEND_FLOW_REM; they carry the flow as it
// was, the reason, and its counters since it was installed.
TEST_F(FlowStoreTest, FlowRemovedOnlyWithSendFlowRem) {
  for (uint32_t slot = 0; slot < 64; ++slot) totals_[slot] = {1000, 100000};  // slots reused
  of::FlowMod quiet = ipv4_flow(0, "10.0.0.1");
  quiet.idle_timeout = 10;
  of::FlowMod loud = ipv4_flow(2, "10.0.0.2", 3, 777);
  loud.idle_timeout = 10;
  loud.cookie = 0xfeed;
  loud.flags = of::flow_flags::kSendFlowRem;
  const Installed at = add_timed(quiet);
  add_timed(loud);
  totals_[slot_of(loud)] = {1007, 100700};
  store_.expire(at.after + seconds(1));  // the traffic is seen, the flow stays
  const SteadyTime now = Clock::now() + seconds(11);
  store_.expire(now);
  EXPECT_TRUE(store_.flows().empty());
  auto removed = store_.take_removed();
  ASSERT_EQ(removed.size(), 1u);
  const RemovedFlow& r = removed[0];
  EXPECT_EQ(r.reason, RemovedReason::kIdleTimeout);
  EXPECT_EQ(r.removed, now);
  EXPECT_EQ(r.flow.table_id, 2);
  EXPECT_EQ(r.flow.priority, 777);
  EXPECT_EQ(r.flow.cookie, 0xfeedu);
  EXPECT_EQ(r.flow.match, loud.match);
  EXPECT_EQ(r.flow.instructions, loud.instructions);
  EXPECT_EQ(r.flow.idle_timeout, 10);
  EXPECT_EQ(r.totals.packets, 7u);
  EXPECT_EQ(r.totals.bytes, 700u);
  EXPECT_TRUE(store_.take_removed().empty());  // taken once
}

TEST_F(FlowStoreTest, FlowRemovedOnDeleteStrictAndNonStrict) {
  of::FlowMod a = ipv4_flow(0, "10.0.0.1");
  a.flags = of::flow_flags::kSendFlowRem;
  of::FlowMod b = ipv4_flow(0, "10.0.0.2");
  b.flags = of::flow_flags::kSendFlowRem;
  of::FlowMod c = ipv4_flow(0, "10.0.0.3");  // silent
  for (const of::FlowMod& fm : {a, b, c}) ASSERT_TRUE(Ok(store_.apply(fm)));
  totals_[slot_of(a)] = {3, 300};
  totals_[slot_of(b)] = {4, 400};
  ASSERT_TRUE(Ok(store_.apply(delete_strict(a))));
  auto removed = store_.take_removed();
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].reason, RemovedReason::kDelete);
  EXPECT_EQ(removed[0].flow.match, a.match);
  EXPECT_EQ(removed[0].totals.packets, 3u);
  EXPECT_EQ(removed[0].totals.bytes, 300u);
  ASSERT_TRUE(Ok(store_.apply(delete_flows(0))));
  removed = store_.take_removed();
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].reason, RemovedReason::kDelete);
  EXPECT_EQ(removed[0].flow.match, b.match);
  EXPECT_EQ(removed[0].totals.packets, 4u);
  EXPECT_TRUE(store_.flows().empty());
}

// RESET_COUNTS and the NO_*_COUNTS flags show in FLOW_REMOVED as in statistics.
TEST_F(FlowStoreTest, FlowRemovedCountersFollowTheCountFlags) {
  of::FlowMod fm = ipv4_flow(0, "10.0.0.1");
  fm.flags = of::flow_flags::kSendFlowRem | of::flow_flags::kNoBytCounts;
  ASSERT_TRUE(Ok(store_.apply(fm)));
  totals_[slot_of(fm)] = {9, 900};
  ASSERT_TRUE(Ok(store_.apply(delete_strict(fm))));
  auto removed = store_.take_removed();
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].totals.packets, 9u);
  EXPECT_EQ(removed[0].totals.bytes, ~uint64_t{0});
}

TEST_F(FlowStoreTest, DeletingAGroupReportsGroupDelete) {
  ASSERT_TRUE(Ok(store_.apply(flood_group(7, {bucket(1)}))));
  of::FlowMod uses = plain_flow(0, ipv4_dst("10.0.0.1"), actions({group(7)}));
  uses.flags = of::flow_flags::kSendFlowRem;
  of::FlowMod writes = ipv4_flow(2, "10.0.0.2");
  writes.instructions.present |= of::instr::kWriteActions;
  writes.instructions.write_actions = actions({group(7)});
  writes.flags = of::flow_flags::kSendFlowRem;
  of::FlowMod other = ipv4_flow(0, "10.0.0.3");
  other.flags = of::flow_flags::kSendFlowRem;
  for (const of::FlowMod& fm : {uses, writes, other}) ASSERT_TRUE(Ok(store_.apply(fm)));
  totals_[slot_of(uses)] = {2, 20};
  ASSERT_TRUE(Ok(store_.apply(delete_group(7))));
  auto removed = store_.take_removed();
  ASSERT_EQ(removed.size(), 2u);
  for (const RemovedFlow& r : removed) EXPECT_EQ(r.reason, RemovedReason::kGroupDelete);
  EXPECT_EQ(removed[0].flow.match, uses.match);
  EXPECT_EQ(removed[0].totals.packets, 2u);
  EXPECT_EQ(removed[1].flow.match, writes.match);
  ASSERT_EQ(store_.flows().size(), 1u);
  EXPECT_EQ(store_.flows()[0].match, other.match);
}

TEST_F(FlowStoreTest, ExpiryFreesTheCounterSlot) {
  of::FlowMod fm = ipv4_flow(0, "10.0.0.1");
  fm.hard_timeout = 1;
  const Installed at = add_timed(fm);
  const uint32_t slot = slot_of(fm);
  store_.expire(at.after + seconds(1));
  ASSERT_TRUE(store_.flows().empty());
  ASSERT_TRUE(Ok(store_.apply(ipv4_flow(0, "10.0.0.9"))));
  EXPECT_EQ(store_.flows()[0].counter, slot);
}

TEST_F(FlowStoreTest, FlowsWithoutTimeoutsNeverExpire) {
  add_vlan100();
  ASSERT_TRUE(Ok(store_.apply(ipv4_flow(0, "10.0.0.1"))));
  store_.take_dirty();
  store_.expire(Clock::now() + std::chrono::hours(24 * 365));
  EXPECT_EQ(store_.flows().size(), 2u);
  EXPECT_FALSE(store_.take_dirty());
}

// Replacing a flow with an identical one takes the new timeouts: a timed flow made permanent
// stays, a permanent one made timed goes.
TEST_F(FlowStoreTest, ReplacingAFlowTakesItsNewTimeouts) {
  of::FlowMod timed = ipv4_flow(0, "10.0.0.1");
  timed.hard_timeout = 5;
  of::FlowMod permanent = ipv4_flow(0, "10.0.0.1");
  ASSERT_TRUE(Ok(store_.apply(timed)));
  ASSERT_TRUE(Ok(store_.apply(permanent)));
  store_.expire(Clock::now() + seconds(6));
  EXPECT_EQ(store_.flows().size(), 1u);
  ASSERT_TRUE(Ok(store_.apply(timed)));
  store_.expire(Clock::now() + seconds(6));
  EXPECT_TRUE(store_.flows().empty());
}

// A modify leaves the timeouts alone: the flow still expires.
TEST_F(FlowStoreTest, ModifiedFlowKeepsItsTimeouts) {
  of::FlowMod fm = ipv4_flow(0, "10.0.0.1");
  fm.hard_timeout = 5;
  const Installed at = add_timed(fm);
  ASSERT_TRUE(
      Ok(store_.apply(with_command(ipv4_flow(0, "10.0.0.1", 4), of::FlowModCommand::kModify))));
  store_.expire(at.after + seconds(5));
  EXPECT_TRUE(store_.flows().empty());
}

// ---- Group references ----

TEST_F(FlowStoreTest, GroupRefCountCountsApplyAndWriteActions) {
  add_vlan100();  // the flood flow uses group 100
  ASSERT_TRUE(Ok(store_.apply(flood_group(200, {bucket(1)}))));
  EXPECT_EQ(store_.group_ref_count(100), 1u);
  EXPECT_EQ(store_.group_ref_count(200), 0u);
  EXPECT_EQ(store_.group_ref_count(300), 0u);
  ASSERT_TRUE(Ok(store_.apply(plain_flow(0, ipv4_dst("10.0.0.1"), actions({group(100)})))));
  of::FlowMod writes = ipv4_flow(3, "10.0.0.2");
  writes.instructions.present |= of::instr::kWriteActions;
  writes.instructions.write_actions = actions({group(100)});
  ASSERT_TRUE(Ok(store_.apply(writes)));
  ASSERT_TRUE(Ok(store_.apply(plain_flow(4, ipv4_dst("10.0.0.3"), actions({group(200)})))));
  EXPECT_EQ(store_.group_ref_count(100), 3u);
  EXPECT_EQ(store_.group_ref_count(200), 1u);
  ASSERT_TRUE(Ok(store_.apply(delete_flows(3))));
  EXPECT_EQ(store_.group_ref_count(100), 2u);
  ASSERT_TRUE(Ok(store_.apply(delete_group(100))));
  EXPECT_EQ(store_.group_ref_count(100), 0u);
  EXPECT_EQ(store_.group_ref_count(200), 1u);
}

// ---- Flow statistics ----

class FlowStatsTest : public FlowStoreTest {
 protected:
  void SetUp() override {
    add_vlan100();                                                     // table 1, prio 0
    ASSERT_TRUE(Ok(store_.apply(ingress_untagged(1, 100))));           // table 0
    ASSERT_TRUE(Ok(store_.apply(ingress_tagged(2, 100))));             // table 0
    ASSERT_TRUE(Ok(store_.apply(static_mac_flow(100, mac_n(1), 1))));  // table 40, prio 200
    of::FlowMod other = static_mac_flow(100, mac_n(2), 2, 100);
    other.cookie = 0x42;
    ASSERT_TRUE(Ok(store_.apply(other)));
    for (const FlowEntry& f : store_.flows()) totals_[f.counter] = {f.counter + 1u, 100u};
  }
};

TEST_F(FlowStatsTest, AllFlowsSortedByTableThenPriority) {
  auto s = store_.stats(of::FlowStatsRequest{});
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0].table_id, 0);
  EXPECT_EQ(s[1].table_id, 0);
  EXPECT_EQ(s[2].table_id, kL2Table);
  EXPECT_EQ(s[2].priority, kStaticMacPriority);
  EXPECT_EQ(s[4].priority, kFloodPriority);
  for (const of::FlowStats& st : s) {
    const FlowEntry* f = find(st.table_id, st.priority, st.match);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(st.packet_count, f->counter + 1u);
    EXPECT_EQ(st.byte_count, 100u);
    EXPECT_EQ(st.instructions, f->instructions);
    EXPECT_EQ(st.cookie, f->cookie);
  }
}

TEST_F(FlowStatsTest, FiltersByTableCookieAndMatch) {
  of::FlowStatsRequest t0;
  t0.table_id = 0;
  EXPECT_EQ(store_.stats(t0).size(), 2u);
  of::FlowStatsRequest cookie;
  cookie.cookie = 0x42;
  cookie.cookie_mask = ~uint64_t{0};
  auto c = store_.stats(cookie);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].match, match_bd_dst(100, mac_n(2)));
  of::FlowStatsRequest port1;
  port1.match.present = of::field_bit(Field::kInPort);
  port1.match.in_port = 1;
  auto p = store_.stats(port1);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].match, match_ingress(1, 0));
  of::FlowStatsRequest bd;
  bd.match = match_bd(100);
  EXPECT_EQ(store_.stats(bd).size(), 3u);  // flood + both statics
}

TEST_F(FlowStatsTest, FiltersByOutPortOrOutGroupAlone) {
  of::FlowStatsRequest port2;
  port2.out_port = 2;
  auto p = store_.stats(port2);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].match, match_bd_dst(100, mac_n(2)));
  of::FlowStatsRequest g;
  g.out_group = 100;
  auto gs = store_.stats(g);
  ASSERT_EQ(gs.size(), 1u);
  EXPECT_EQ(gs[0].match, match_bd(100));
}

// Regression: with both out_port and out_group set, a flow must satisfy both filters (as
// OpenFlow asks, and as delete does), not either.
TEST_F(FlowStatsTest, OutPortAndOutGroupMustBothHold) {
  of::FlowStatsRequest both;
  both.out_port = 2;
  both.out_group = 100;
  EXPECT_TRUE(store_.stats(both).empty());
}

TEST_F(FlowStatsTest, AggregateSumsTheSelectedFlows) {
  uint64_t packets = 0;
  for (const FlowEntry& f : store_.flows()) packets += f.counter + 1u;
  const AggregateStats all = store_.aggregate(of::FlowStatsRequest{});
  EXPECT_EQ(all.flows, 5u);
  EXPECT_EQ(all.packets, packets);
  EXPECT_EQ(all.bytes, 500u);
  of::FlowStatsRequest t0;
  t0.table_id = 0;
  const AggregateStats table0 = store_.aggregate(t0);
  EXPECT_EQ(table0.flows, 2u);
  const FlowEntry* access = find(0, kIngressPriority, match_ingress(1, 0));
  const FlowEntry* trunk = find(0, kIngressPriority, match_ingress(2, of::kVidPresent | 100));
  EXPECT_EQ(table0.packets, access->counter + 1u + trunk->counter + 1u);
  EXPECT_EQ(table0.bytes, 200u);
  of::FlowStatsRequest g;
  g.out_group = 100;
  EXPECT_EQ(store_.aggregate(g).flows, 1u);
  of::FlowStatsRequest none;
  none.table_id = 9;
  const AggregateStats empty = store_.aggregate(none);
  EXPECT_EQ(empty.flows, 0u);
  EXPECT_EQ(empty.packets, 0u);
  EXPECT_EQ(empty.bytes, 0u);
}

// NO_PKT_COUNTS / NO_BYT_COUNTS: the count reads all-ones in statistics, and the aggregate
// leaves it out while still counting the flow.
TEST_F(FlowStatsTest, NoCountFlagsGiveAllOnes) {
  of::FlowMod no_pkt = ipv4_flow(2, "10.0.0.1");
  no_pkt.flags = of::flow_flags::kNoPktCounts;
  of::FlowMod no_byt = ipv4_flow(2, "10.0.0.2");
  no_byt.flags = of::flow_flags::kNoBytCounts;
  of::FlowMod neither = ipv4_flow(2, "10.0.0.3");
  neither.flags = of::flow_flags::kNoPktCounts | of::flow_flags::kNoBytCounts;
  for (const of::FlowMod& fm : {no_pkt, no_byt, neither}) {
    ASSERT_TRUE(Ok(store_.apply(fm)));
    totals_[slot_of(fm)] = {10, 1000};
  }
  of::FlowStatsRequest t2;
  t2.table_id = 2;
  auto s = store_.stats(t2);
  ASSERT_EQ(s.size(), 3u);
  for (const of::FlowStats& st : s) {
    const bool pkt = (st.flags & of::flow_flags::kNoPktCounts) != 0;
    const bool byt = (st.flags & of::flow_flags::kNoBytCounts) != 0;
    EXPECT_EQ(st.packet_count, pkt ? ~uint64_t{0} : 10u);
    EXPECT_EQ(st.byte_count, byt ? ~uint64_t{0} : 1000u);
  }
  const AggregateStats a = store_.aggregate(t2);
  EXPECT_EQ(a.flows, 3u);
  EXPECT_EQ(a.packets, 10u);  // no_byt's
  EXPECT_EQ(a.bytes, 1000u);  // no_pkt's
}

TEST_F(FlowStatsTest, ActiveCountsPerTable) {
  ASSERT_TRUE(Ok(store_.apply(ipv4_flow(5, "10.0.0.1"))));
  ASSERT_TRUE(Ok(store_.apply(ipv4_flow(63, "10.0.0.1"))));
  ASSERT_TRUE(Ok(store_.apply(ipv4_flow(63, "10.0.0.2"))));
  const auto n = store_.active_counts();
  EXPECT_EQ(n[0], 2u);
  EXPECT_EQ(n[kL2Table], 3u);
  EXPECT_EQ(n[5], 1u);
  EXPECT_EQ(n[63], 2u);
  uint32_t total = 0;
  for (uint32_t c : n) total += c;
  EXPECT_EQ(total, store_.flows().size());
  ASSERT_TRUE(Ok(store_.apply(delete_flows(kL2Table))));
  EXPECT_EQ(store_.active_counts()[1], 0u);
}

TEST_F(FlowStatsTest, StatsReportFlagsAndCookie) {
  of::FlowMod fm = ipv4_flow(7, "10.0.0.1");
  fm.flags = of::flow_flags::kSendFlowRem;
  fm.cookie = 0x99;
  fm.idle_timeout = 30;
  ASSERT_TRUE(Ok(store_.apply(fm)));
  of::FlowStatsRequest t7;
  t7.table_id = 7;
  auto s = store_.stats(t7);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].flags, of::flow_flags::kSendFlowRem);
  EXPECT_EQ(s[0].cookie, 0x99u);
  EXPECT_EQ(s[0].idle_timeout, 30);
  EXPECT_EQ(s[0].match, fm.match);
}

// ---- match_covers ----

TEST(MatchCoversTest, EmptyMatchCoversEverything) {
  EXPECT_TRUE(match_covers(of::Match{}, match_ingress(1, 0)));
  EXPECT_TRUE(match_covers(of::Match{}, match_bd_dst(100, mac_n(1))));
  EXPECT_TRUE(match_covers(of::Match{}, of::Match{}));
}

TEST(MatchCoversTest, SubsetOfFieldsWithEqualValues) {
  of::Match port1;
  port1.present = of::field_bit(Field::kInPort);
  port1.in_port = 1;
  EXPECT_TRUE(match_covers(port1, match_ingress(1, of::kVidPresent | 100)));
  EXPECT_FALSE(match_covers(port1, match_ingress(2, 0)));
  // The narrow side must match every field the wide side does.
  EXPECT_FALSE(match_covers(match_ingress(1, 0), port1));
  EXPECT_TRUE(match_covers(match_ingress(1, 0), match_ingress(1, 0)));
  EXPECT_FALSE(match_covers(match_ingress(1, 0), match_ingress(1, of::kVidPresent | 5)));
}

TEST(MatchCoversTest, MaskedFields) {
  of::Match wide = match_bd(0);
  wide.metadata_mask = 0xf00;
  wide.metadata = 0x100;
  EXPECT_TRUE(match_covers(wide, match_bd(0x123)));
  EXPECT_FALSE(match_covers(wide, match_bd(0x223)));
  // A narrow match that is less precise than the wide one is not covered.
  of::Match loose = match_bd(0x100);
  loose.metadata_mask = 0xf00;
  EXPECT_FALSE(match_covers(match_bd(0x100), loose));
  // eth_dst prefix.
  of::Match oui;
  oui.present = oui.masked = of::field_bit(Field::kEthDst);
  oui.eth_dst = {0x02, 0x00, 0x00, 0, 0, 0};
  oui.eth_dst_mask = {0xff, 0xff, 0xff, 0, 0, 0};
  EXPECT_TRUE(match_covers(oui, match_bd_dst(100, mac_n(7))));
  EXPECT_FALSE(match_covers(oui, match_bd_dst(100, mac("04:00:00:00:00:07"))));
  EXPECT_FALSE(match_covers(oui, match_bd(100)));
}

TEST(MatchCoversTest, OtherFieldsCompareValues) {
  of::Match a;
  a.present = of::field_bit(Field::kEthType) | of::field_bit(Field::kIpProto) |
              of::field_bit(Field::kTcpDst);
  a.eth_type = 0x0800;
  a.ip_proto = 6;
  a.tcp_dst = 80;
  of::Match b = a;
  EXPECT_TRUE(match_covers(a, b));
  b.tcp_dst = 443;
  EXPECT_FALSE(match_covers(a, b));
  of::Match ipw;
  ipw.present = ipw.masked = of::field_bit(Field::kIpv4Dst);
  ipw.ipv4_dst = ip("10.0.0.0");
  ipw.ipv4_dst_mask = 0xffffff00;
  of::Match ipn;
  ipn.present = of::field_bit(Field::kIpv4Dst);
  ipn.ipv4_dst = ip("10.0.0.9");
  EXPECT_TRUE(match_covers(ipw, ipn));
  ipn.ipv4_dst = ip("10.0.1.9");
  EXPECT_FALSE(match_covers(ipw, ipn));
}

// ---- matches_overlap ----

TEST(FlowStoreMatchTest, OverlapNeedsEveryCommonFieldToAgreeUnderBothMasks) {
  EXPECT_TRUE(matches_overlap(of::Match{}, of::Match{}));
  EXPECT_TRUE(matches_overlap(of::Match{}, ipv4_dst("10.0.0.1")));
  EXPECT_TRUE(matches_overlap(ipv4_dst("10.0.0.0", 8), ipv4_dst("10.1.2.3")));
  EXPECT_TRUE(matches_overlap(ipv4_dst("10.1.2.3"), ipv4_dst("10.0.0.0", 8)));
  EXPECT_FALSE(matches_overlap(ipv4_dst("10.0.0.0", 8), ipv4_dst("11.0.0.0", 8)));
  EXPECT_FALSE(matches_overlap(ipv4_dst("10.0.0.1"), ipv4_dst("10.0.0.2")));
  // Disjoint fields overlap.
  EXPECT_TRUE(matches_overlap(in_port_match(1), ipv4_dst("10.0.0.1")));
  EXPECT_FALSE(matches_overlap(in_port_match(1), in_port_match(2)));
}

TEST(FlowStoreMatchTest, OverlapOfMaskedVlanAndMetadata) {
  of::Match any_tagged;
  any_tagged.present = any_tagged.masked = of::field_bit(Field::kVlanVid);
  any_tagged.vlan_vid = any_tagged.vlan_vid_mask = of::kVidPresent;
  EXPECT_TRUE(matches_overlap(any_tagged, match_ingress(1, of::kVidPresent | 100)));
  EXPECT_FALSE(matches_overlap(any_tagged, match_ingress(1, of::kVidNone)));
  of::Match low_bits = match_bd(0x0ab);
  low_bits.metadata_mask = 0x0ff;
  EXPECT_TRUE(matches_overlap(low_bits, match_bd(0x1ab)));
  EXPECT_FALSE(matches_overlap(low_bits, match_bd(0x1ac)));
  of::Match oui;
  oui.present = oui.masked = of::field_bit(Field::kEthDst);
  oui.eth_dst = {0x02, 0x00, 0x00, 0, 0, 0};
  oui.eth_dst_mask = {0xff, 0xff, 0xff, 0, 0, 0};
  EXPECT_TRUE(matches_overlap(oui, match_bd_dst(100, mac_n(7))));
  EXPECT_FALSE(matches_overlap(oui, match_bd_dst(100, mac("04:00:00:00:00:07"))));
}

TEST(FlowStoreMatchTest, OutputsToAndUsesGroup) {
  of::Instructions ins;
  ins.present = of::instr::kApplyActions | of::instr::kWriteActions;
  ins.apply_actions = actions({output(3)});
  ins.write_actions = actions({group(9), output(4)});
  EXPECT_TRUE(outputs_to(ins, of::port_no::kAny));
  EXPECT_TRUE(outputs_to(ins, 3));
  EXPECT_TRUE(outputs_to(ins, 4));
  EXPECT_FALSE(outputs_to(ins, 5));
  EXPECT_TRUE(uses_group(ins, of::group_id::kAny));
  EXPECT_TRUE(uses_group(ins, 9));
  EXPECT_FALSE(uses_group(ins, 3));
  EXPECT_FALSE(outputs_to(of::Instructions{}, 3));
}

}  // namespace
}  // namespace sluice::dp
