// The Sluice experimenter actions (conntrack, NAT / load balancer, VXLAN encap and decap):
// golden bytes for each, text, the subtypes refused, and round trips in every message that
// carries an action list (FLOW_MOD apply and write actions, GROUP_MOD buckets, PACKET_OUT).
#include <gtest/gtest.h>

#include "codec_test_util.h"

namespace sluice::of {
namespace {

using namespace sluice::of::testing;

// u16 type 0xffff, u16 len 24, u32 experimenter "SLU", u16 subtype, pad[6], u64 value.
Bytes sluice_action(uint16_t subtype, uint64_t value) {
  Bytes b = hex("ff ff 00 18 00 53 4c 55 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
  put_u16(b, 8, subtype);
  for (int i = 0; i < 8; ++i) b[16 + i] = static_cast<uint8_t>(value >> (56 - 8 * i));
  return b;
}

Action sluice(SluiceAction a, uint64_t value) {
  return Action{.type = ActionType::kExperimenter, .sluice = a, .value = value};
}

struct Case {
  SluiceAction action;
  uint64_t value;
  const char* bytes;
  const char* text;
};

const Case kCases[] = {
    {SluiceAction::kConntrack, 1,
     "ff ff 00 18 00 53 4c 55 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 01", "sluice_ct(value=0x1)"},
    {SluiceAction::kNat, 0x0a000001000050,
     "ff ff 00 18 00 53 4c 55 00 02 00 00 00 00 00 00 00 0a 00 00 01 00 00 50",
     "sluice_nat(value=0xa000001000050)"},
    {SluiceAction::kVxlanEncap, 5000,
     "ff ff 00 18 00 53 4c 55 00 03 00 00 00 00 00 00 00 00 00 00 00 00 13 88",
     "vxlan_encap(value=0x1388)"},
    {SluiceAction::kVxlanDecap, 0,
     "ff ff 00 18 00 53 4c 55 00 04 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
     "vxlan_decap(value=0x0)"},
};

TEST(SluiceActions, GoldenEachKindInAFlowMod) {
  for (const Case& c : kCases) {
    const Bytes action = hex(c.bytes);
    EXPECT_EQ(action, sluice_action(static_cast<uint16_t>(c.action), c.value));
    FlowMod fm;
    fm.priority = 100;
    fm.instructions.present = instr::kApplyActions | instr::kWriteActions;
    fm.instructions.apply_actions.push(sluice(c.action, c.value));
    fm.instructions.write_actions.push(sluice(c.action, c.value));
    Bytes out;
    encode_flow_mod(1, fm, out);
    const Bytes write = cat({hex("00 03 00 20 00 00 00 00"), action});
    EXPECT_EQ(out, flow_mod_of(hex("00 01 00 04 00 00 00 00"), cat({apply_of(action), write})));
    FlowMod got;
    ASSERT_TRUE(decode_flow_mod(out, got)) << c.text;
    EXPECT_EQ(got, fm);
    EXPECT_EQ(format_action(got.instructions.apply_actions.items[0]), c.text);
    EXPECT_EQ(format_instructions(got.instructions),
              std::string(c.text) + ",write_actions(" + c.text + ")");
  }
}

TEST(SluiceActions, InGroupBucketsAndPacketOut) {
  auto gm = std::make_unique<GroupMod>();
  gm->group.group_id = 3;
  gm->group.n_buckets = 1;
  for (const Case& c : kCases) gm->group.buckets[0].actions.push(sluice(c.action, c.value));
  gm->group.buckets[0].actions.push(Action{.type = ActionType::kOutput, .port = 1});
  Bytes out;
  encode_group_mod(4, *gm, out);
  auto got = std::make_unique<GroupMod>();
  ASSERT_TRUE(decode_group_mod(out, *got));
  EXPECT_EQ(*got, *gm);
  EXPECT_EQ(format_group_mod(*got),
            "ADD group_id=3,type=all,bucket=actions=sluice_ct(value=0x1),sluice_nat(value=0xa000001000050),"
            "vxlan_encap(value=0x1388),vxlan_decap(value=0x0),output:1");

  PacketOut po;
  po.actions = gm->group.buckets[0].actions;
  const Bytes frame(60, 0x11);
  out.clear();
  encode_packet_out(5, po, frame, out);
  PacketOut po_got;
  auto data = decode_packet_out(out, po_got);
  ASSERT_TRUE(data);
  EXPECT_EQ(po_got, po);
  EXPECT_EQ(data->size(), 60u);
}

TEST(SluiceActions, RefusedSubtypesAndLengths) {
  for (uint16_t subtype : {uint16_t{0}, uint16_t{5}, uint16_t{0xffff}}) {
    FlowMod fm;
    EXPECT_TRUE(fails_with(
        decode_flow_mod(
            flow_mod_of(hex("00 01 00 04 00 00 00 00"), apply_of(sluice_action(subtype, 0))), fm),
        ErrorType::kBadAction, bad_action::kBadExpType))
        << subtype;
  }
  Bytes long_action = cat({sluice_action(1, 0), Bytes(8, 0)});
  put_u16(long_action, 2, 32);
  FlowMod fm;
  EXPECT_TRUE(fails_with(
      decode_flow_mod(flow_mod_of(hex("00 01 00 04 00 00 00 00"), apply_of(long_action)), fm),
      ErrorType::kBadAction, bad_action::kBadLen));
}

}  // namespace
}  // namespace sluice::of
