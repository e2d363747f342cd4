// Actions and instructions: each kind's encoding and every OFPET_BAD_ACTION /
// OFPET_BAD_INSTRUCTION code the decoder produces. Carried in a FLOW_MOD, as on the wire.
#include <gtest/gtest.h>

#include "codec_test_util.h"

namespace sluice::of {
namespace {

using namespace sluice::of::testing;

const Bytes kEmptyMatch = hex("00 01 00 04 00 00 00 00");

Decoded<Instructions> decode_instr(const Bytes& instructions) {
  FlowMod fm;
  auto ok = decode_flow_mod(flow_mod_of(kEmptyMatch, instructions), fm);
  if (!ok) return std::unexpected(ok.error());
  return fm.instructions;
}

Decoded<ActionList> decode_apply(const Bytes& actions) {
  auto ins = decode_instr(apply_of(actions));
  if (!ins) return std::unexpected(ins.error());
  return ins->apply_actions;
}

::testing::AssertionResult bad_action(const Bytes& actions, uint16_t code) {
  return fails_with(decode_apply(actions), ErrorType::kBadAction, code);
}
::testing::AssertionResult bad_inst(const Bytes& instructions, uint16_t code) {
  return fails_with(decode_instr(instructions), ErrorType::kBadInstruction, code);
}

const Bytes kOutput1 = hex("00 00 00 10 00 00 00 01 00 00 00 00 00 00 00 00");

TEST(Actions, EveryKindRoundTrips) {
  const Bytes actions = cat({
      kOutput1,
      hex("00 00 00 10 ff ff ff fd ff e5 00 00 00 00 00 00"),  // CONTROLLER, max_len 65509
      hex("00 00 00 10 ff ff ff f8 00 00 00 00 00 00 00 00"),  // IN_PORT
      hex("00 11 00 08 88 a8 00 00"),                          // push_vlan 0x88a8
      hex("00 12 00 08 00 00 00 00"),                          // pop_vlan
      hex("00 16 00 08 00 00 00 64"),                          // group 100
      hex("00 19 00 10 80 00 0c 02 10 64 00 00 00 00 00 00"),  // set_field vlan_vid
      hex("00 19 00 10 80 00 06 06 02 00 00 00 00 09 00 00"),  // set_field eth_dst
      hex("00 19 00 10 80 00 16 04 c0 a8 00 01 00 00 00 00"),  // set_field ipv4_src
      hex("00 19 00 10 80 00 4c 08 00 00 00 00 00 00 00 2a"),  // set_field tunnel_id (len 16)
      hex("ff ff 00 18 00 53 4c 55 00 03 00 00 00 00 00 00 00 00 00 00 00 00 13 88"),  // vxlan
  });
  auto list = decode_apply(actions);
  ASSERT_TRUE(list) << error_text(list.error());
  ASSERT_EQ(list->count, 11);
  const auto& a = list->items;
  EXPECT_EQ(a[0].type, ActionType::kOutput);
  EXPECT_EQ(a[0].port, 1u);
  EXPECT_EQ(a[1].port, port_no::kController);
  EXPECT_EQ(a[1].max_len, 0xffe5);
  EXPECT_EQ(a[3].ethertype, 0x88a8);
  EXPECT_EQ(a[5].group_id, 100u);
  EXPECT_EQ(a[6].field, Field::kVlanVid);
  EXPECT_EQ(a[6].value, 0x1064u);
  EXPECT_EQ(a[7].value, 0x020000000009u);
  EXPECT_EQ(a[8].value, 0xc0a80001u);
  EXPECT_EQ(a[10].type, ActionType::kExperimenter);
  EXPECT_EQ(a[10].sluice, SluiceAction::kVxlanEncap);
  EXPECT_EQ(a[10].value, 5000u);
  EXPECT_EQ(format_actions(*list),
            "output:1,CONTROLLER:65509,IN_PORT,push_vlan:0x88a8,pop_vlan,group:100,"
            "set_field:0x1064->vlan_vid,set_field:02:00:00:00:00:09->eth_dst,"
            "set_field:192.168.0.1->ipv4_src,set_field:0x2a->tunnel_id,"
            "vxlan_encap(value=0x1388)");
  FlowMod fm;
  fm.priority = 100;
  fm.instructions.present = instr::kApplyActions;
  fm.instructions.apply_actions = *list;
  Bytes out;
  encode_flow_mod(1, fm, out);
  EXPECT_EQ(out, flow_mod_of(kEmptyMatch, apply_of(actions)));
}

TEST(ActionErrors, BadLen) {
  EXPECT_TRUE(bad_action(hex("00 00 00 08 00 00 00 01"), bad_action::kBadLen));  // output 8
  EXPECT_TRUE(bad_action(hex("00 12 00 10 00 00 00 00 00 00 00 00 00 00 00 00"),
                         bad_action::kBadLen));                                  // pop_vlan 16
  EXPECT_TRUE(bad_action(hex("00 12 00 04 00 00 00 00"), bad_action::kBadLen));  // len < 8
  EXPECT_TRUE(bad_action(hex("00 12 00 0c 00 00 00 00 00 00 00 00 00 00 00 00"),
                         bad_action::kBadLen));                                  // len % 8
  EXPECT_TRUE(bad_action(hex("00 12 00 10 00 00 00 00"), bad_action::kBadLen));  // past end
  EXPECT_TRUE(bad_action(hex("00 12 00 08 00 00 00 00 | 00 12 00 18 00 00 00 00 00 00 00 00 "
                             "00 00 00 00"),
                         bad_action::kBadLen));  // second action past the end
  EXPECT_TRUE(bad_action(hex("ff ff 00 10 00 53 4c 55 00 01 00 00 00 00 00 00"),
                         bad_action::kBadLen));  // Sluice action must be 24 bytes
}

TEST(ActionErrors, BadType) {
  EXPECT_TRUE(bad_action(hex("00 0b 00 08 00 00 00 00"), bad_action::kBadType));  // copy_ttl_out
  EXPECT_TRUE(bad_action(hex("00 15 00 08 00 00 00 01"), bad_action::kBadType));  // set_queue
  EXPECT_TRUE(bad_action(hex("00 99 00 08 00 00 00 00"), bad_action::kBadType));
}

TEST(ActionErrors, BadArgumentAndPorts) {
  EXPECT_TRUE(bad_action(hex("00 11 00 08 08 00 00 00"), bad_action::kBadArgument));
  EXPECT_TRUE(bad_action(hex("00 00 00 10 00 00 00 00 00 00 00 00 00 00 00 00"),
                         bad_action::kBadOutPort));  // port 0
  EXPECT_TRUE(bad_action(hex("00 00 00 10 ff ff ff ff 00 00 00 00 00 00 00 00"),
                         bad_action::kBadOutPort));  // ANY
  EXPECT_TRUE(bad_action(hex("00 00 00 10 ff ff ff 01 00 00 00 00 00 00 00 00"),
                         bad_action::kBadOutPort));  // undefined reserved number
  EXPECT_TRUE(bad_action(hex("00 16 00 08 ff ff ff fc"), bad_action::kBadOutGroup));
}

TEST(ActionErrors, SetField) {
  EXPECT_TRUE(bad_action(hex("00 19 00 10 80 00 10 01 0a 00 00 00 00 00 00 00"),
                         bad_action::kBadSetType));  // ip_dscp: not ours
  EXPECT_TRUE(bad_action(hex("00 19 00 10 00 01 00 04 00 00 00 01 00 00 00 00"),
                         bad_action::kBadSetType));  // NXM class
  // The ARP fields are match-only: set_field refuses them as it refuses an unknown field.
  EXPECT_TRUE(bad_action(hex("00 19 00 10 80 00 2a 02 00 02 00 00 00 00 00 00"),
                         bad_action::kBadSetType));  // arp_op
  EXPECT_TRUE(bad_action(hex("00 19 00 10 80 00 2c 04 0a 00 00 01 00 00 00 00"),
                         bad_action::kBadSetType));  // arp_spa
  EXPECT_TRUE(bad_action(hex("00 19 00 10 80 00 2e 04 0a 00 00 01 00 00 00 00"),
                         bad_action::kBadSetType));  // arp_tpa
  EXPECT_TRUE(bad_action(hex("00 19 00 10 80 00 30 06 02 00 00 00 00 01 00 00"),
                         bad_action::kBadSetType));  // arp_sha
  EXPECT_TRUE(bad_action(hex("00 19 00 10 80 00 0c 04 10 64 00 00 00 00 00 00"),
                         bad_action::kBadSetLen));  // oxm_length 4 for vlan_vid
  EXPECT_TRUE(bad_action(hex("00 19 00 18 80 00 0c 02 10 64 00 00 00 00 00 00"
                             "00 00 00 00 00 00 00 00"),
                         bad_action::kBadSetLen));  // action len 24 for a 2-byte field
  EXPECT_TRUE(bad_action(hex("00 19 00 10 80 00 0d 04 10 64 1f ff 00 00 00 00"),
                         bad_action::kBadSetArgument));  // hasmask
  EXPECT_TRUE(bad_action(hex("00 19 00 10 80 00 0c 02 20 00 00 00 00 00 00 00"),
                         bad_action::kBadSetArgument));  // vlan_vid > 0x1fff
}

TEST(ActionErrors, Experimenter) {
  EXPECT_TRUE(bad_action(hex("ff ff 00 18 00 00 12 34 00 01 00 00 00 00 00 00 00 00 00 00 00 00 "
                             "00 00"),
                         bad_action::kBadExperimenter));  // nobody's
  EXPECT_TRUE(bad_action(hex("ff ff 00 18 00 00 23 20 00 01 00 00 00 00 00 00 00 00 00 00 00 00 "
                             "00 00"),
                         bad_action::kBadExpType));  // Nicira, a subtype Sluice does not speak
  EXPECT_TRUE(bad_action(hex("ff ff 00 18 00 53 4c 55 00 09 00 00 00 00 00 00 00 00 00 00 00 00 "
                             "00 00"),
                         bad_action::kBadExpType));
}

TEST(ActionErrors, TooMany) {
  Bytes sixteen;
  for (int i = 0; i < 16; ++i) sixteen = cat({sixteen, kOutput1});
  auto ok = decode_apply(sixteen);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->count, kMaxActions);
  EXPECT_TRUE(bad_action(cat({sixteen, kOutput1}), bad_action::kTooMany));
}

TEST(Instructions, EveryKindRoundTrips) {
  const Bytes instructions = cat({
      apply_of(hex("00 12 00 08 00 00 00 00")),
      hex("00 05 00 08 00 00 00 00"),            // clear_actions
      hex("00 03 00 18 00 00 00 00"), kOutput1,  // write_actions
      hex("00 02 00 18 00 00 00 00 00 00 00 00 00 00 00 64 00 00 00 00 00 00 0f ff"),
      hex("00 01 00 08 02 00 00 00"),  // goto_table 2
  });
  auto ins = decode_instr(instructions);
  ASSERT_TRUE(ins) << error_text(ins.error());
  EXPECT_EQ(ins->present, instr::kApplyActions | instr::kClearActions | instr::kWriteActions |
                              instr::kWriteMetadata | instr::kGotoTable);
  EXPECT_EQ(ins->goto_table, 2);
  EXPECT_EQ(ins->metadata, 0x64u);
  EXPECT_EQ(ins->metadata_mask, 0xfffu);
  EXPECT_EQ(ins->write_actions.count, 1);
  EXPECT_EQ(format_instructions(*ins),
            "pop_vlan,clear_actions,write_actions(output:1),write_metadata:0x64/0xfff,"
            "goto_table:2");
  FlowMod fm;
  fm.priority = 100;
  fm.instructions = *ins;
  Bytes out;
  encode_flow_mod(1, fm, out);
  EXPECT_EQ(out, flow_mod_of(kEmptyMatch, instructions));
  // Decoding does not depend on the order instructions come in.
  auto reversed =
      decode_instr(cat({hex("00 01 00 08 02 00 00 00"), apply_of(hex("00 12 00 08 00 00 00 00"))}));
  ASSERT_TRUE(reversed);
  EXPECT_EQ(format_instructions(*reversed), "pop_vlan,goto_table:2");
}

TEST(InstructionErrors, UnknownAndUnsupported) {
  EXPECT_TRUE(bad_inst(hex("00 07 00 08 00 00 00 00"), bad_instruction::kUnknownInst));
  EXPECT_TRUE(bad_inst(hex("00 20 00 08 00 00 00 00"), bad_instruction::kUnknownInst));
  EXPECT_TRUE(bad_inst(hex("00 06 00 08 00 00 00 01"), bad_instruction::kUnsupInst));  // meter
  EXPECT_TRUE(bad_inst(hex("ff ff 00 08 00 00 23 20"), bad_instruction::kUnsupInst));
  // A second instruction of one type (documented choice: UNSUP_INST).
  EXPECT_TRUE(bad_inst(hex("00 01 00 08 01 00 00 00 | 00 01 00 08 02 00 00 00"),
                       bad_instruction::kUnsupInst));
  EXPECT_TRUE(bad_inst(cat({apply_of({}), apply_of({})}), bad_instruction::kUnsupInst));
}

TEST(InstructionErrors, BadLen) {
  EXPECT_TRUE(bad_inst(hex("00 01 00 10 01 00 00 00 00 00 00 00 00 00 00 00"),
                       bad_instruction::kBadLen));  // goto_table 16
  EXPECT_TRUE(bad_inst(hex("00 02 00 10 00 00 00 00 00 00 00 00 00 00 00 64"),
                       bad_instruction::kBadLen));  // write_metadata 16
  EXPECT_TRUE(bad_inst(hex("00 05 00 10 00 00 00 00 00 00 00 00 00 00 00 00"),
                       bad_instruction::kBadLen));  // clear_actions 16
  EXPECT_TRUE(bad_inst(hex("00 04 00 04"), bad_instruction::kBadLen));
  EXPECT_TRUE(bad_inst(hex("00 04 00 0c 00 00 00 00 00 00 00 00"), bad_instruction::kBadLen));
  EXPECT_TRUE(bad_inst(hex("00 04 00 20 00 00 00 00"), bad_instruction::kBadLen));  // past end
  EXPECT_TRUE(bad_inst(hex("00 01"), bad_instruction::kBadLen));
}

TEST(InstructionErrors, ActionErrorsInsideWriteActions) {
  EXPECT_TRUE(fails_with(decode_instr(hex("00 03 00 10 00 00 00 00 00 11 00 08 08 00 00 00")),
                         ErrorType::kBadAction, bad_action::kBadArgument));
}

}  // namespace
}  // namespace sluice::of
