// Open vSwitch's connection-tracking encoding on the OpenFlow 1.3 codec: the Nicira ct and
// ct_clear actions and the ct_state / ct_zone / ct_mark match fields, golden bytes <-> struct
// <-> text (docs/ovs-conntrack-encoding.md has where each byte string comes from), and every
// decode error.
#include <gtest/gtest.h>

#include "codec_test_util.h"
#include "openflow/oxm.h"

namespace sluice::of {
namespace {

using namespace sluice::of::testing;

// The three flows of the firewall issue, as ovs-ofctl -O OpenFlow13 add-flow sends them.
//   table=0,ip,ct_state=-trk,actions=ct(table=1)
const Bytes kUntracked =
    hex("04 0e 0068 00000007"
        "0000000000000000 0000000000000000"
        "00 00 0000 0000 8000 ffffffff ffffffff ffffffff 0000 0000"
        "0001 0016 80000a02 0800 0001d308 00000000 00000020 0000"
        "0004 0020 00000000 ffff 0018 00002320 0023 0000 00000000 0000 01 000000 0000");
//   table=1,ip,ct_state=+trk+new,tcp,tp_dst=80,actions=ct(commit),output:2
const Bytes kNewHttp =
    hex("04 0e 0088 00000008"
        "0000000000000000 0000000000000000"
        "01 00 0000 0000 8000 ffffffff ffffffff ffffffff 0000 0000"
        "0001 0021 80000a02 0800 80001401 06 80001c02 0050 0001d308 00000021 00000021 "
        "00000000000000"
        "0004 0030 00000000 ffff 0018 00002320 0023 0001 00000000 0000 ff 000000 0000"
        "0000 0010 00000002 0000 000000000000");
//   table=1,ip,ct_state=+trk+est,actions=output:2
const Bytes kEstablished =
    hex("04 0e 0060 00000009"
        "0000000000000000 0000000000000000"
        "01 00 0000 0000 8000 ffffffff ffffffff ffffffff 0000 0000"
        "0001 0016 80000a02 0800 0001d308 00000022 00000022 0000"
        "0004 0018 00000000 0000 0010 00000002 0000 000000000000");

Action ct(uint16_t flags, uint8_t table = kCtNoTable, uint16_t zone = 0) {
  Action a{.type = ActionType::kCt};
  a.ct.flags = flags;
  a.ct.table = table;
  a.ct.zone = zone;
  return a;
}

FlowMod ip_flow(uint8_t table, uint8_t state, uint8_t state_mask) {
  FlowMod fm;
  fm.table_id = table;
  match_exact(fm.match, Field::kEthType, 0x0800);
  match_set(fm.match, Field::kCtState, state, state_mask, true);
  fm.instructions.present = instr::kApplyActions;
  return fm;
}

TEST(Conntrack, TheIssuesThreeFlowsDecodeEncodeAndPrintAsOvsOfctlDoes) {
  FlowMod untracked = ip_flow(0, 0, ct_state::kTrk);
  untracked.instructions.apply_actions.push(ct(0, 1));
  FlowMod new_http = ip_flow(1, ct_state::kTrk | ct_state::kNew, ct_state::kTrk | ct_state::kNew);
  match_exact(new_http.match, Field::kIpProto, 6);
  match_exact(new_http.match, Field::kTcpDst, 80);
  new_http.instructions.apply_actions.push(ct(ct_flag::kCommit));
  new_http.instructions.apply_actions.push(Action{.type = ActionType::kOutput, .port = 2});
  FlowMod est = ip_flow(1, ct_state::kTrk | ct_state::kEst, ct_state::kTrk | ct_state::kEst);
  est.instructions.apply_actions.push(Action{.type = ActionType::kOutput, .port = 2});

  struct Case {
    const Bytes& bytes;
    const FlowMod& flow;
    uint32_t xid;
    const char* text;
  };
  const Case cases[] = {
      {kUntracked, untracked, 7, "ADD table:0 ct_state=-trk,ip actions=ct(table=1)"},
      {kNewHttp, new_http, 8,
       "ADD table:1 ct_state=+new+trk,tcp,tp_dst=80 actions=ct(commit),output:2"},
      {kEstablished, est, 9, "ADD table:1 ct_state=+est+trk,ip actions=output:2"},
  };
  for (const Case& c : cases) {
    FlowMod got;
    auto ok = decode_flow_mod(c.bytes, got);
    ASSERT_TRUE(ok) << c.text << ": " << error_text(ok.error());
    EXPECT_EQ(got, c.flow) << c.text;
    EXPECT_EQ(format_flow_mod(got), c.text);
    Bytes out;
    encode_flow_mod(c.xid, c.flow, out);
    EXPECT_EQ(out, c.bytes) << c.text;
  }
}

// One action in an apply list of a table-0 ip flow, decoded, re-encoded and printed.
struct ActionCase {
  const char* bytes;
  const char* text;
};

Bytes ip_flow_with(const Bytes& actions) {
  return flow_mod_of(match_of(hex("80000a02 0800")), apply_of(actions));
}

TEST(Conntrack, CtActionFormsRoundTrip) {
  const ActionCase cases[] = {
      {"ffff 0018 00002320 0023 0000 00000000 0000 01 000000 0000", "ct(table=1)"},
      {"ffff 0018 00002320 0023 0001 00000000 0000 ff 000000 0000", "ct(commit)"},
      {"ffff 0018 00002320 0023 0003 00000000 0000 ff 000000 0000", "ct(commit,force)"},
      {"ffff 0018 00002320 0023 0000 00000000 000a ff 000000 0000", "ct(zone=10)"},
      {"ffff 0018 00002320 0023 0001 00000000 0005 02 000000 0000", "ct(commit,table=2,zone=5)"},
      {"ffff 0018 00002320 0023 0000 00000000 0000 ff 000000 0015", "ct(alg=ftp)"},
      {"ffff 0010 00002320 002b 000000000000", "ct_clear"},
      // exec(set_field:0x1->ct_mark) as ovs-ofctl -O OpenFlow13 sends it
      {"ffff 0028 00002320 0023 0001 00000000 0000 ff 000000 0000"
       "0019 0010 0001d604 00000001 00000000",
       "ct(commit,exec(set_field:0x1->ct_mark))"},
      // exec(set_field:0x2/0x6->ct_mark): one reg_load for the run of bits 1..2
      {"ffff 0030 00002320 0023 0001 00000000 0000 ff 000000 0000"
       "ffff 0018 00002320 0007 0041 0001d604 0000000000000001",
       "ct(commit,exec(load:0x1->NXM_NX_CT_MARK[1..2]))"},
      // two runs: bits 0..3 and 8..15
      {"ffff 0048 00002320 0023 0001 00000000 0000 ff 000000 0000"
       "ffff 0018 00002320 0007 0003 0001d604 0000000000000005"
       "ffff 0018 00002320 0007 0207 0001d604 00000000000000ab",
       "ct(commit,exec(load:0x5->NXM_NX_CT_MARK[0..3],load:0xab->NXM_NX_CT_MARK[8..15]))"},
  };
  for (const ActionCase& c : cases) {
    const Bytes msg = ip_flow_with(hex(c.bytes));
    FlowMod fm;
    auto ok = decode_flow_mod(msg, fm);
    ASSERT_TRUE(ok) << c.text << ": " << error_text(ok.error());
    ASSERT_EQ(fm.instructions.apply_actions.count, 1) << c.text;
    EXPECT_EQ(format_action(fm.instructions.apply_actions.items[0]), c.text);
    Bytes out;
    encode_flow_mod(1, fm, out);
    EXPECT_EQ(out, msg) << c.text;
  }
}

TEST(Conntrack, ExecMergesTheMarkWrites) {
  FlowMod fm;
  ASSERT_TRUE(decode_flow_mod(
      ip_flow_with(hex("ffff 0030 00002320 0023 0001 00000000 0000 ff 000000 0000"
                       "ffff 0018 00002320 0007 0041 0001d604 0000000000000001")),
      fm));
  const CtArgs& ct = fm.instructions.apply_actions.items[0].ct;
  EXPECT_EQ(ct.mark, 0x2u);
  EXPECT_EQ(ct.mark_mask, 0x6u);
  EXPECT_EQ(ct.mark_form, CtMarkForm::kRegLoad);
}

TEST(Conntrack, BadCtActionsAreRefusedWithOvsErrors) {
  struct Bad {
    const char* bytes;
    uint16_t code;
    const char* why;
  };
  const Bad cases[] = {
      {"ffff 0010 00002320 0023 0000 00000000", bad_action::kBadLen, "ct shorter than 24"},
      {"ffff 0018 00002320 0023 0004 00000000 0000 ff 000000 0000", bad_action::kBadArgument,
       "unknown flag"},
      {"ffff 0018 00002320 0023 0002 00000000 0000 ff 000000 0000", bad_action::kBadArgument,
       "force without commit"},
      {"ffff 0018 00002320 0023 0000 00010004 000f ff 000000 0000", bad_action::kBadArgument,
       "zone from a register"},
      {"ffff 0028 00002320 0023 0000 00000000 0000 ff 000000 0000"
       "0019 0010 0001d604 00000001 00000000",
       bad_action::kBadArgument, "exec without commit"},
      {"ffff 0028 00002320 0023 0001 00000000 0000 ff 000000 0000"
       "0000 0010 00000002 0000 000000000000",
       bad_action::kBadArgument, "output nested in ct"},
      {"ffff 0028 00002320 0023 0001 00000000 0000 ff 000000 0000"
       "0019 0010 80000c02 1064 000000000000",
       bad_action::kBadArgument, "set_field of a non-ct field in exec"},
      {"ffff 0030 00002320 0023 0001 00000000 0000 ff 000000 0000"
       "0019 0018 0001d810 00000000000000000000000000000001",
       bad_action::kBadSetType, "ct_label (not supported)"},
      {"ffff 0028 00002320 0023 0001 00000000 0000 ff 000000 0000"
       "ffff 0010 00002320 0024 0000 0001 0000",
       bad_action::kBadExpType, "nat (not yet)"},
      {"ffff 0030 00002320 0023 0001 00000000 0000 ff 000000 0000"
       "ffff 0018 00002320 0007 07c1 0001d604 0000000000000001",
       bad_action::kBadSetLen, "reg_load past bit 31"},
      {"ffff 0030 00002320 0023 0001 00000000 0000 ff 000000 0000"
       "ffff 0018 00002320 0007 0041 0001d604 0000000000000004",
       bad_action::kBadArgument, "reg_load value wider than its bits"},
      {"ffff 0028 00002320 0023 0001 00000000 0000 ff 000000 0000"
       "0019 0018 0001d604 00000001 00000000",
       bad_action::kBadLen, "nested action longer than ct"},
      {"ffff 0018 00002320 0007 001f 0001d604 0000000000000001", bad_action::kBadExpType,
       "reg_load outside ct"},
      {"0019 0010 0001d604 00000001 00000000", bad_action::kBadSetArgument,
       "set_field:->ct_mark outside ct"},
      {"ffff 0018 00002320 0063 0000 00000000 0000 ff 000000 0000", bad_action::kBadExpType,
       "unknown Nicira subtype"},
      {"ffff 0018 00002320 002b 0000 00000000 0000 00 000000 0000", bad_action::kBadLen,
       "ct_clear of 24 bytes"},
      {"ff23 0008 00000000", bad_action::kBadType, "Sluice's internal ct number on the wire"},
  };
  for (const Bad& c : cases) {
    EXPECT_TRUE(fails_with(decode_flow_mod_bytes(ip_flow_with(hex(c.bytes))),
                           ErrorType::kBadAction, c.code))
        << c.why;
  }
}

TEST(Conntrack, CtMatchFields) {
  struct Good {
    const char* tlvs;
    const char* text;
  };
  const Good cases[] = {
      {"0001d204 00000021", "ct_state=new|trk"},
      {"0001d308 00000000 000000ff", "ct_state=0"},
      {"0001d308 00000022 00000032", "ct_state=+est-inv+trk"},
      {"0001d308 0000002a 000000ff", "ct_state=est|rpl|trk"},
      {"0001d402 0005", "ct_zone=5"},
      {"0001d604 00000001", "ct_mark=0x1"},
      {"0001d604 00000000", "ct_mark=0"},
      {"0001d708 00000001 000000ff", "ct_mark=0x1/0xff"},
      {"0001d308 00000022 00000022 0001d402 0007 0001d604 0000000a 80000a02 0800",
       "ct_state=+est+trk,ct_zone=7,ct_mark=0xa,ip"},
  };
  for (const Good& c : cases) {
    const Bytes msg = flow_mod_of(match_of(hex(c.tlvs)), Bytes{});
    FlowMod fm;
    auto ok = decode_flow_mod(msg, fm);
    ASSERT_TRUE(ok) << c.text << ": " << error_text(ok.error());
    EXPECT_EQ(format_match(fm.match), c.text);
    Bytes out;
    encode_flow_mod(1, fm, out);
    FlowMod again;
    ASSERT_TRUE(decode_flow_mod(out, again)) << c.text;
    EXPECT_EQ(again, fm) << c.text;
  }
  // OVS keeps the low 8 bits of a ct_state mask.
  FlowMod wide;
  ASSERT_TRUE(decode_flow_mod(flow_mod_of(match_of(hex("0001d308 00000020 ffffff20")), Bytes{}),
                              wide));
  EXPECT_EQ(wide.match.ct_state_mask, 0x20);
  EXPECT_EQ(format_match(wide.match), "ct_state=+trk");

  struct Bad {
    const char* tlvs;
    uint16_t code;
    const char* why;
  };
  const Bad bad[] = {
      {"0001d204 00000100", bad_match::kBadValue, "ct_state beyond 8 bits"},
      {"0001d308 00000021 00000001", bad_match::kBadWildcards, "value outside the mask"},
      {"0001d504 0005 ffff", bad_match::kBadMask, "ct_zone with a mask"},
      {"0001d403 000005", bad_match::kBadLen, "ct_zone of 3 bytes"},
      {"0001d810 00000000000000000000000000000001", bad_match::kBadField, "ct_label"},
      {"0001d204 00000021 0001d204 00000021", bad_match::kDupField, "ct_state twice"},
      {"0002d204 00000021", bad_match::kBadField, "an unknown class"},
  };
  for (const Bad& c : bad) {
    EXPECT_TRUE(fails_with(decode_flow_mod_bytes(flow_mod_of(match_of(hex(c.tlvs)), Bytes{})),
                           ErrorType::kBadMatch, c.code))
        << c.why;
  }
}

}  // namespace
}  // namespace sluice::of
