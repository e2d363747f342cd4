// FLOW_MOD golden tests (bytes <-> struct <-> text), truncation, trailing bytes and the
// flow-mod-level errors.
#include <gtest/gtest.h>

#include <set>

#include "codec_test_util.h"

namespace sluice::of {
namespace {

using namespace sluice::of::testing;

// Table 0 of the architecture: trunk port 1, VLAN 100.
const Bytes kIngress =
    hex("04 0e 00 78 00 00 00 2a"
        "5c 00 00 00 00 00 00 00 | 00 00 00 00 00 00 00 00"
        "00 00 0000 0000 0064 ffffffff ffffffff ffffffff 0000 0000"
        "00 01 00 12 | 80 00 00 04 00 00 00 01 | 80 00 0c 02 10 64 | 00 00 00 00 00 00"
        "00 04 00 10 00 00 00 00 | 00 12 00 08 00 00 00 00"
        "00 02 00 18 00 00 00 00 | 00 00 00 00 00 00 00 64 | 00 00 00 00 00 00 0f ff"
        "00 01 00 08 01 00 00 00");

FlowMod ingress_flow() {
  FlowMod fm;
  fm.cookie = 0x5c00000000000000;
  fm.priority = 100;
  fm.match.present = field_bit(Field::kInPort) | field_bit(Field::kVlanVid);
  fm.match.in_port = 1;
  fm.match.vlan_vid = kVidPresent | 100;
  fm.instructions.present = instr::kApplyActions | instr::kWriteMetadata | instr::kGotoTable;
  fm.instructions.apply_actions.push(Action{.type = ActionType::kPopVlan});
  fm.instructions.metadata = 100;
  fm.instructions.metadata_mask = 0xfff;
  fm.instructions.goto_table = 1;
  return fm;
}

// A table-1 flow using most of the codec at once.
const Bytes kRich =
    hex("04 0e 00 f0 00 00 00 2b"
        "5c 00 00 00 00 00 00 00 | 00 00 00 00 00 00 00 00"
        "01 00 001e 0000 00c8 ffffffff ffffffff ffffffff 0001 0000"
        "00 01 00 3f"
        "80 00 05 10 00 00 00 00 00 00 00 64 00 00 00 00 00 00 0f ff"
        "80 00 06 06 02 00 00 00 00 01"
        "80 00 0a 02 08 00"
        "80 00 14 01 06"
        "80 00 17 08 0a 00 00 00 ff ff ff 00"
        "80 00 1c 02 00 50"
        "00"
        "00 04 00 60 00 00 00 00"
        "00 11 00 08 81 00 00 00"
        "00 19 00 10 80 00 0c 02 10 64 00 00 00 00 00 00"
        "00 00 00 10 00 00 00 02 00 00 00 00 00 00 00 00"
        "00 00 00 10 ff ff ff fd ff ff 00 00 00 00 00 00"
        "00 16 00 08 00 00 00 64"
        "ff ff 00 18 00 53 4c 55 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 01"
        "00 05 00 08 00 00 00 00"
        "00 03 00 18 00 00 00 00 | 00 00 00 10 00 00 00 03 00 00 00 00 00 00 00 00");

FlowMod rich_flow() {
  FlowMod fm;
  fm.cookie = 0x5c00000000000000;
  fm.table_id = 1;
  fm.idle_timeout = 30;
  fm.priority = 200;
  fm.flags = flow_flags::kSendFlowRem;
  Match& m = fm.match;
  m.present = field_bit(Field::kMetadata) | field_bit(Field::kEthDst) | field_bit(Field::kEthType) |
              field_bit(Field::kIpProto) | field_bit(Field::kIpv4Src) | field_bit(Field::kTcpDst);
  m.masked = field_bit(Field::kMetadata) | field_bit(Field::kIpv4Src);
  m.metadata = 100;
  m.metadata_mask = 0xfff;
  m.eth_dst = {2, 0, 0, 0, 0, 1};
  m.eth_type = 0x0800;
  m.ip_proto = 6;
  m.ipv4_src = 0x0a000000;
  m.ipv4_src_mask = 0xffffff00;
  m.tcp_dst = 80;
  Instructions& ins = fm.instructions;
  ins.present = instr::kApplyActions | instr::kClearActions | instr::kWriteActions;
  ins.apply_actions.push(Action{.type = ActionType::kPushVlan, .ethertype = 0x8100});
  ins.apply_actions.push(
      Action{.type = ActionType::kSetField, .field = Field::kVlanVid, .value = 0x1064});
  ins.apply_actions.push(Action{.type = ActionType::kOutput, .port = 2});
  ins.apply_actions.push(
      Action{.type = ActionType::kOutput, .max_len = 0xffff, .port = port_no::kController});
  ins.apply_actions.push(Action{.type = ActionType::kGroup, .group_id = 100});
  ins.apply_actions.push(
      Action{.type = ActionType::kExperimenter, .sluice = SluiceAction::kConntrack, .value = 1});
  ins.write_actions.push(Action{.type = ActionType::kOutput, .port = 3});
  return fm;
}

TEST(FlowMod, GoldenIngress) {
  FlowMod got;
  ASSERT_TRUE(decode_flow_mod(kIngress, got));
  EXPECT_EQ(got, ingress_flow());
  Bytes out;
  encode_flow_mod(0x2a, ingress_flow(), out);
  EXPECT_EQ(out, kIngress);
  EXPECT_EQ(format_message(kIngress),
            "OFPT_FLOW_MOD (xid=0x2a): ADD table:0 priority=100,in_port=1,dl_vlan=100 "
            "cookie:0x5c00000000000000 actions=pop_vlan,write_metadata:0x64/0xfff,goto_table:1");
}

TEST(FlowMod, GoldenRich) {
  FlowMod got;
  auto ok = decode_flow_mod(kRich, got);
  ASSERT_TRUE(ok) << error_text(ok.error());
  EXPECT_EQ(got, rich_flow());
  Bytes out;
  encode_flow_mod(0x2b, rich_flow(), out);
  EXPECT_EQ(out, kRich);
  EXPECT_EQ(format_flow_mod(got),
            "ADD table:1 priority=200,tcp,metadata=0x64/0xfff,dl_dst=02:00:00:00:00:01,"
            "nw_src=10.0.0.0/24,tp_dst=80 cookie:0x5c00000000000000 idle:30 send_flow_rem "
            "actions=push_vlan:0x8100,set_field:0x1064->vlan_vid,output:2,CONTROLLER:65535,"
            "group:100,sluice_ct(value=0x1),clear_actions,write_actions(output:3)");
}

TEST(FlowMod, DeleteWithDefaultsFormatsCompactly) {
  FlowMod fm;
  fm.command = FlowModCommand::kDelete;
  fm.table_id = kTableAll;
  fm.cookie = 0x5c00000000000000;
  fm.cookie_mask = 0xffff000000000000;
  fm.out_port = 3;
  Bytes out;
  encode_flow_mod(1, fm, out);
  FlowMod got;
  ASSERT_TRUE(decode_flow_mod(out, got));
  EXPECT_EQ(got, fm);
  EXPECT_EQ(format_flow_mod(got),
            "DELETE table:all cookie:0x5c00000000000000/0xffff000000000000 out_port:3 "
            "actions=drop");
}

TEST(FlowMod, EveryPrefixIsRejected) {
  auto decode = [](std::span<const uint8_t> m) {
    FlowMod fm;
    return decode_flow_mod(m, fm);
  };
  expect_prefixes_rejected(kIngress, decode);
  expect_prefixes_rejected(kRich, decode);
}

TEST(FlowMod, ShortBodiesFailOrAreWholeFlowMods) {
  // With the length field rewritten, a prefix ending exactly after the match or after an
  // instruction is itself a valid flow mod; every other cut must be rejected.
  std::set<size_t> accepted;
  for (size_t n = kHeaderSize; n < kIngress.size(); ++n) {
    const Bytes prefix = fix_length(Bytes(kIngress.begin(), kIngress.begin() + n));
    FlowMod fm;
    if (decode_flow_mod(prefix, fm)) {
      accepted.insert(n);
      Bytes again;
      encode_flow_mod(0x2a, fm, again);
      EXPECT_EQ(again, prefix) << n;
    }
    EXPECT_FALSE(format_message(prefix).empty());
  }
  EXPECT_EQ(accepted, (std::set<size_t>{72, 88, 112}));
}

TEST(FlowMod, TrailingBytesAndLengthMismatch) {
  auto decode = [](std::span<const uint8_t> m) {
    FlowMod fm;
    return decode_flow_mod(m, fm);
  };
  // One byte after the last instruction is a cut-short instruction.
  expect_overlong_rejected(kIngress, decode, ErrorType::kBadInstruction, bad_instruction::kBadLen);
}

TEST(FlowMod, WrongVersion) {
  Bytes b = kIngress;
  b[0] = 0x01;
  EXPECT_TRUE(
      fails_with(decode_flow_mod_bytes(b), ErrorType::kBadRequest, bad_request::kBadVersion));
}

TEST(FlowModErrors, BadCommand) {
  Bytes b = kIngress;
  b[25] = 5;
  EXPECT_TRUE(fails_with(decode_flow_mod_bytes(b), ErrorType::kFlowModFailed,
                         flow_mod_failed::kBadCommand));
}

TEST(FlowModErrors, BadFlags) {
  Bytes b = kIngress;
  b[45] = 0x20;
  EXPECT_TRUE(
      fails_with(decode_flow_mod_bytes(b), ErrorType::kFlowModFailed, flow_mod_failed::kBadFlags));
}

TEST(FlowModErrors, TableAllOnlyForDelete) {
  Bytes b = kIngress;
  b[24] = 0xff;
  EXPECT_TRUE(fails_with(decode_flow_mod_bytes(b), ErrorType::kFlowModFailed,
                         flow_mod_failed::kBadTableId));
  b[25] = static_cast<uint8_t>(FlowModCommand::kDelete);
  EXPECT_TRUE(decode_flow_mod_bytes(b));
}

TEST(FlowModErrors, GotoTableMustGoForward) {
  Bytes b = kIngress;
  b[24] = 1;  // table 1, goto_table:1
  EXPECT_TRUE(fails_with(decode_flow_mod_bytes(b), ErrorType::kBadInstruction,
                         bad_instruction::kBadTableId));
  b[24] = 2;
  EXPECT_TRUE(fails_with(decode_flow_mod_bytes(b), ErrorType::kBadInstruction,
                         bad_instruction::kBadTableId));
}

}  // namespace
}  // namespace sluice::of
