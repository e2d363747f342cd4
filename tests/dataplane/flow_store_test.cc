// FlowStore: the shapes tables 0 and 1 accept (docs/architecture.md, "Tables") and the exact
// OpenFlow error for each violation; add / modify / delete semantics; groups; flow
// statistics; counter slots; match_covers().
#include "dataplane/flow_store.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/testlib/of_builders.h"
#include "tests/testlib/packet_builder.h"

namespace sluice::dp {
namespace {

using namespace sluice::test;  // NOLINT: message factories
using of::ErrorType;
using of::Field;

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

class FlowStoreTest : public ::testing::Test {
 protected:
  explicit FlowStoreTest(uint16_t slots = 64)
      : store_(slots, [this](uint16_t c) { return totals_[c]; }) {}

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

  std::map<uint16_t, FlowTotals> totals_;
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

TEST_F(FlowStoreTest, RejectsTablesBeyondOne) {
  of::FlowMod fm = ingress_untagged(1, 100);
  fm.table_id = 2;
  EXPECT_TRUE(Fails(store_.apply(fm), ErrorType::kFlowModFailed, of::flow_mod_failed::kBadTableId));
  fm.table_id = of::kTableAll;
  EXPECT_TRUE(Fails(store_.apply(fm), ErrorType::kFlowModFailed, of::flow_mod_failed::kBadTableId));
  EXPECT_TRUE(store_.flows().empty());
  EXPECT_FALSE(store_.take_dirty());
}

TEST_F(FlowStoreTest, RejectsBufferedFlowMod) {
  of::FlowMod fm = ingress_untagged(1, 100);
  fm.buffer_id = 7;
  EXPECT_TRUE(Fails(store_.apply(fm), ErrorType::kBadRequest, of::bad_request::kBufferUnknown));
}

TEST_F(FlowStoreTest, RejectsTimeouts) {
  of::FlowMod fm = ingress_untagged(1, 100);
  fm.idle_timeout = 10;
  EXPECT_TRUE(Fails(store_.apply(fm), ErrorType::kFlowModFailed, of::flow_mod_failed::kBadTimeout));
  fm.idle_timeout = 0;
  fm.hard_timeout = 10;
  EXPECT_TRUE(Fails(store_.apply(fm), ErrorType::kFlowModFailed, of::flow_mod_failed::kBadTimeout));
}

TEST_F(FlowStoreTest, RejectsUnknownCommand) {
  of::FlowMod fm = ingress_untagged(1, 100);
  fm.command = static_cast<of::FlowModCommand>(9);
  EXPECT_TRUE(Fails(store_.apply(fm), ErrorType::kFlowModFailed, of::flow_mod_failed::kBadCommand));
}

// ---- Table 0 ----

TEST_F(FlowStoreTest, Table0RejectsOtherMatchFields) {
  of::FlowMod fm = ingress_untagged(1, 100);
  fm.match.present |= of::field_bit(Field::kEthType);
  fm.match.eth_type = 0x0800;
  EXPECT_TRUE(Fails(store_.apply(fm), ErrorType::kBadMatch, of::bad_match::kBadField));
}

TEST_F(FlowStoreTest, Table0RequiresInPortAndVlanVid) {
  of::FlowMod no_port = ingress_untagged(1, 100);
  no_port.match.present &= ~of::field_bit(Field::kInPort);
  EXPECT_TRUE(Fails(store_.apply(no_port), ErrorType::kBadMatch, of::bad_match::kBadField));
  of::FlowMod no_vid = ingress_untagged(1, 100);
  no_vid.match.present &= ~of::field_bit(Field::kVlanVid);
  EXPECT_TRUE(Fails(store_.apply(no_vid), ErrorType::kBadMatch, of::bad_match::kBadField));
}

TEST_F(FlowStoreTest, Table0RejectsMaskedVlan) {
  of::FlowMod fm = ingress_tagged(2, 100);
  fm.match.masked |= of::field_bit(Field::kVlanVid);
  fm.match.vlan_vid = of::kVidPresent;  // "any tagged frame"
  fm.match.vlan_vid_mask = of::kVidPresent;
  EXPECT_TRUE(Fails(store_.apply(fm), ErrorType::kBadMatch, of::bad_match::kBadMask));
}

TEST_F(FlowStoreTest, Table0RejectsVidWithoutPresentBit) {
  of::FlowMod fm = ingress_untagged(1, 100);
  fm.match.vlan_vid = 100;  // neither "untagged" (0) nor "tagged" (0x1000|V)
  EXPECT_TRUE(Fails(store_.apply(fm), ErrorType::kBadMatch, of::bad_match::kBadMask));
}

TEST_F(FlowStoreTest, Table0RequiresWriteMetadataAndGoto) {
  of::FlowMod no_meta = ingress_untagged(1, 100);
  no_meta.instructions.present &= ~of::instr::kWriteMetadata;
  EXPECT_TRUE(
      Fails(store_.apply(no_meta), ErrorType::kBadInstruction, of::bad_instruction::kUnsupInst));
  of::FlowMod no_goto = ingress_untagged(1, 100);
  no_goto.instructions.present &= ~of::instr::kGotoTable;
  EXPECT_TRUE(
      Fails(store_.apply(no_goto), ErrorType::kBadInstruction, of::bad_instruction::kUnsupInst));
}

TEST_F(FlowStoreTest, Table0RejectsOtherInstructions) {
  for (uint8_t extra : {of::instr::kWriteActions, of::instr::kClearActions}) {
    of::FlowMod fm = ingress_untagged(1, 100);
    fm.instructions.present |= extra;
    EXPECT_TRUE(
        Fails(store_.apply(fm), ErrorType::kBadInstruction, of::bad_instruction::kUnsupInst))
        << int{extra};
  }
}

TEST_F(FlowStoreTest, Table0GotoMustBeTable1) {
  of::FlowMod fm = ingress_untagged(1, 100);
  fm.instructions.goto_table = 2;
  EXPECT_TRUE(
      Fails(store_.apply(fm), ErrorType::kBadInstruction, of::bad_instruction::kBadTableId));
}

TEST_F(FlowStoreTest, Table0MetadataMustBeAVlan) {
  for (uint64_t value : {uint64_t{0}, uint64_t{4095}, uint64_t{5000}}) {
    of::FlowMod fm = ingress_untagged(1, 100);
    fm.instructions.metadata = value;
    EXPECT_TRUE(
        Fails(store_.apply(fm), ErrorType::kBadInstruction, of::bad_instruction::kUnsupMetadata))
        << value;
  }
  of::FlowMod narrow = ingress_untagged(1, 100);
  narrow.instructions.metadata_mask = 0xff;
  EXPECT_TRUE(
      Fails(store_.apply(narrow), ErrorType::kBadInstruction, of::bad_instruction::kUnsupMetadata));
  of::FlowMod edge = ingress_untagged(1, 4094);
  EXPECT_TRUE(Ok(store_.apply(edge)));
}

TEST_F(FlowStoreTest, Table0TaggedMustPopAndUntaggedMustNot) {
  of::FlowMod no_pop = ingress_tagged(2, 100);
  no_pop.instructions.apply_actions = {};
  EXPECT_TRUE(
      Fails(store_.apply(no_pop), ErrorType::kBadAction, of::bad_action::kUnsupportedOrder));
  of::FlowMod pop_and_more = ingress_tagged(2, 100);
  pop_and_more.instructions.apply_actions = actions({pop_vlan(), output(3)});
  EXPECT_TRUE(
      Fails(store_.apply(pop_and_more), ErrorType::kBadAction, of::bad_action::kUnsupportedOrder));
  of::FlowMod output_only = ingress_tagged(2, 100);
  output_only.instructions.apply_actions = actions({output(3)});
  EXPECT_TRUE(
      Fails(store_.apply(output_only), ErrorType::kBadAction, of::bad_action::kUnsupportedOrder));
  of::FlowMod untagged_pop = ingress_untagged(1, 100);
  untagged_pop.instructions.present |= of::instr::kApplyActions;
  untagged_pop.instructions.apply_actions = actions({pop_vlan()});
  EXPECT_TRUE(
      Fails(store_.apply(untagged_pop), ErrorType::kBadAction, of::bad_action::kUnsupportedOrder));
}

// Regression: a tagged match on VID 0 (a priority tag, parsed as untagged) or 4095 (reserved,
// dropped by parse) could never match; it is refused with OFPET_BAD_MATCH/OFPBMC_BAD_VALUE.
TEST_F(FlowStoreTest, Table0RejectsUnusableTaggedVids) {
  of::FlowMod vid0 = ingress_tagged(2, 100);
  vid0.match.vlan_vid = of::kVidPresent | 0;
  EXPECT_TRUE(Fails(store_.apply(vid0), ErrorType::kBadMatch, of::bad_match::kBadValue));
  of::FlowMod vid4095 = ingress_tagged(2, 100);
  vid4095.match.vlan_vid = of::kVidPresent | 0xfff;
  EXPECT_TRUE(Fails(store_.apply(vid4095), ErrorType::kBadMatch, of::bad_match::kBadValue));
}

// ---- Table 1 ----

TEST_F(FlowStoreTest, Table1RejectsOtherMatchFields) {
  add_vlan100();
  of::FlowMod fm = flood_flow(100);
  fm.match.present |= of::field_bit(Field::kInPort);
  fm.match.in_port = 1;
  EXPECT_TRUE(Fails(store_.apply(fm), ErrorType::kBadMatch, of::bad_match::kBadField));
  of::FlowMod src = static_mac_flow(100, mac_n(1), 1);
  src.match.present |= of::field_bit(Field::kEthSrc);
  EXPECT_TRUE(Fails(store_.apply(src), ErrorType::kBadMatch, of::bad_match::kBadField));
}

TEST_F(FlowStoreTest, Table1RequiresMetadata) {
  add_vlan100();
  of::FlowMod fm = static_mac_flow(100, mac_n(1), 1);
  fm.match.present &= ~of::field_bit(Field::kMetadata);
  EXPECT_TRUE(Fails(store_.apply(fm), ErrorType::kBadMatch, of::bad_match::kBadField));
}

TEST_F(FlowStoreTest, Table1MetadataMustBeAVlan) {
  add_vlan100();
  of::FlowMod narrow = flood_flow(100);
  narrow.match.metadata_mask = 0xff;
  narrow.match.metadata = 100 & 0xff;
  EXPECT_TRUE(Fails(store_.apply(narrow), ErrorType::kBadMatch, of::bad_match::kBadValue));
  of::FlowMod zero = flood_flow(100);
  zero.match.metadata = 0;
  EXPECT_TRUE(Fails(store_.apply(zero), ErrorType::kBadMatch, of::bad_match::kBadValue));
  of::FlowMod reserved = flood_flow(100);
  reserved.match.metadata = 4095;
  EXPECT_TRUE(Fails(store_.apply(reserved), ErrorType::kBadMatch, of::bad_match::kBadValue));
}

TEST_F(FlowStoreTest, Table1AllowsOnlyApplyActions) {
  add_vlan100();
  of::FlowMod with_goto = flood_flow(100);
  with_goto.instructions.present |= of::instr::kGotoTable;
  EXPECT_TRUE(
      Fails(store_.apply(with_goto), ErrorType::kBadInstruction, of::bad_instruction::kUnsupInst));
  of::FlowMod write = static_mac_flow(100, mac_n(1), 1);
  write.instructions.present = of::instr::kWriteActions;
  write.instructions.write_actions = write.instructions.apply_actions;
  EXPECT_TRUE(
      Fails(store_.apply(write), ErrorType::kBadInstruction, of::bad_instruction::kUnsupInst));
  of::FlowMod none = flood_flow(100);
  none.instructions = {};
  EXPECT_TRUE(
      Fails(store_.apply(none), ErrorType::kBadInstruction, of::bad_instruction::kUnsupInst));
}

TEST_F(FlowStoreTest, FloodFlowIsExactlyOneGroupAction) {
  add_vlan100();
  of::FlowMod two = flood_flow(100);
  two.instructions.apply_actions = actions({group(100), output(1)});
  EXPECT_TRUE(Fails(store_.apply(two), ErrorType::kBadAction, of::bad_action::kUnsupportedOrder));
  of::FlowMod out = flood_flow(100);
  out.instructions.apply_actions = actions({output(1)});
  EXPECT_TRUE(Fails(store_.apply(out), ErrorType::kBadAction, of::bad_action::kUnsupportedOrder));
  of::FlowMod empty = flood_flow(100);
  empty.instructions.apply_actions = {};
  EXPECT_TRUE(Fails(store_.apply(empty), ErrorType::kBadAction, of::bad_action::kUnsupportedOrder));
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
  EXPECT_TRUE(Fails(store_.apply(masked), ErrorType::kBadMatch, of::bad_match::kBadMask));
  of::FlowMod exact_mask = static_mac_flow(100, mac_n(1), 1);
  exact_mask.match.masked |= of::field_bit(Field::kEthDst);
  EXPECT_TRUE(Ok(store_.apply(exact_mask)));
  of::FlowMod multicast = static_mac_flow(100, mac("01:00:5e:00:00:01"), 1);
  EXPECT_TRUE(Fails(store_.apply(multicast), ErrorType::kBadMatch, of::bad_match::kBadValue));
  of::FlowMod broadcast = static_mac_flow(100, kBroadcast, 1);
  EXPECT_TRUE(Fails(store_.apply(broadcast), ErrorType::kBadMatch, of::bad_match::kBadValue));
}

TEST_F(FlowStoreTest, StaticMacActionsMustBeAnEgress) {
  add_vlan100();
  auto with = [&](of::ActionList list) {
    of::FlowMod fm = static_mac_flow(100, mac_n(1), 1);
    fm.instructions.apply_actions = list;
    return store_.apply(fm);
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
  EXPECT_TRUE(Fails(store_.apply(static_mac_flow(100, mac_n(1), 0)), ErrorType::kBadAction,
                    of::bad_action::kBadOutPort));
  EXPECT_TRUE(Fails(store_.apply(static_mac_flow(100, mac_n(1), of::port_no::kController)),
                    ErrorType::kBadAction, of::bad_action::kBadOutPort));
  EXPECT_TRUE(Fails(store_.apply(static_mac_flow(100, mac_n(1), of::port_no::kFlood, 100)),
                    ErrorType::kBadAction, of::bad_action::kBadOutPort));
  EXPECT_TRUE(Ok(store_.apply(static_mac_flow(100, mac_n(1), of::port_no::kMax))));
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

TEST_F(FlowStoreTest, ModifyIsAllOrNothingWhenAShapeBreaks) {
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(2, 300))));
  ASSERT_TRUE(Ok(store_.apply(ingress_tagged(2, 100))));
  store_.take_dirty();
  // New instructions without pop_vlan suit the untagged flow but not the tagged one.
  of::FlowMod m = ingress_untagged(2, 400);
  m.command = of::FlowModCommand::kModify;
  m.match.present = of::field_bit(Field::kInPort);
  EXPECT_TRUE(Fails(store_.apply(m), ErrorType::kBadAction, of::bad_action::kUnsupportedOrder));
  EXPECT_EQ(find(0, kIngressPriority, match_ingress(2, 0))->instructions.metadata, 300u);
  EXPECT_FALSE(store_.take_dirty());
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
  ASSERT_TRUE(Ok(store_.apply(delete_flows(1))));
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
  of::FlowMod d = delete_flows(1);
  d.out_port = 2;
  ASSERT_TRUE(Ok(store_.apply(d)));
  EXPECT_EQ(store_.flows().size(), 2u);
  EXPECT_EQ(find(1, kStaticMacPriority, match_bd_dst(100, mac_n(2))), nullptr);
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
  ASSERT_TRUE(Ok(store_.apply(delete_flows(1))));
  EXPECT_FALSE(store_.take_dirty());
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

TEST_F(FlowStoreTest, GroupTypeMustBeAll) {
  for (auto type :
       {of::GroupType::kSelect, of::GroupType::kIndirect, of::GroupType::kFastFailover}) {
    EXPECT_TRUE(Fails(store_.apply(group_mod(of::GroupModCommand::kAdd, 7, {bucket(1)}, type)),
                      ErrorType::kGroupModFailed, of::group_mod_failed::kBadType));
  }
}

TEST_F(FlowStoreTest, GroupBucketsMustBeEgresses) {
  of::Bucket pop;
  pop.actions = actions({pop_vlan(), output(1)});
  EXPECT_TRUE(Fails(store_.apply(flood_group(7, {bucket(1), pop})), ErrorType::kGroupModFailed,
                    of::group_mod_failed::kBadBucket));
  of::Bucket chained;
  chained.actions = actions({group(8)});
  EXPECT_TRUE(Fails(store_.apply(flood_group(7, {chained})), ErrorType::kGroupModFailed,
                    of::group_mod_failed::kBadBucket));
  of::Bucket empty;
  EXPECT_TRUE(Fails(store_.apply(flood_group(7, {empty})), ErrorType::kGroupModFailed,
                    of::group_mod_failed::kBadBucket));
  EXPECT_TRUE(store_.groups().empty());
  // A group with no buckets is a bridge domain without members: accepted.
  EXPECT_TRUE(Ok(store_.apply(flood_group(7, {}))));
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
  const uint16_t flood_slot = find(1, kFloodPriority, match_bd(100))->counter;
  store_.take_dirty();
  ASSERT_TRUE(Ok(store_.apply(delete_group(100))));
  EXPECT_TRUE(store_.take_dirty());
  EXPECT_EQ(find(1, kFloodPriority, match_bd(100)), nullptr);
  EXPECT_NE(find(1, kFloodPriority, match_bd(200)), nullptr);
  EXPECT_NE(find(0, kIngressPriority, match_ingress(1, 0)), nullptr);
  EXPECT_NE(find(1, kStaticMacPriority, match_bd_dst(100, mac_n(1))), nullptr);
  // The freed slot is handed out next.
  ASSERT_TRUE(Ok(store_.apply(ingress_untagged(9, 100))));
  EXPECT_EQ(find(0, kIngressPriority, match_ingress(9, 0))->counter, flood_slot);
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

// ---- Flow statistics ----

class FlowStatsTest : public FlowStoreTest {
 protected:
  void SetUp() override {
    add_vlan100();                                                     // table 1, prio 0
    ASSERT_TRUE(Ok(store_.apply(ingress_untagged(1, 100))));           // table 0
    ASSERT_TRUE(Ok(store_.apply(ingress_tagged(2, 100))));             // table 0
    ASSERT_TRUE(Ok(store_.apply(static_mac_flow(100, mac_n(1), 1))));  // table 1, prio 200
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
  EXPECT_EQ(s[2].table_id, 1);
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

}  // namespace
}  // namespace sluice::dp
