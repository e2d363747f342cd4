// Bundles (ONF EXT-230 in OpenFlow 1.3): the byte sequences `ovs-ofctl -O OpenFlow13 --no-names
// --bundle add-flow|add-group tcp:127.0.0.1:PORT ...` (Open vSwitch 3.1) really sent to a
// listener on loopback, decoded, re-encoded byte for byte and printed; the embedded message
// decoded with the ordinary decoders; every malformed variant and the ONF error codes.
#include <gtest/gtest.h>

#include <deque>

#include "codec_test_util.h"
#include "openflow/oxm.h"

namespace sluice::of {
namespace {

using namespace sluice::of::testing;

// One `ovs-ofctl -O OpenFlow13 --no-names --bundle add-flow ... "actions=drop"` session, in
// order (HELLO with a version bitmap, OPEN, ADD, BARRIER, COMMIT). The listener answered HELLO
// with HELLO and each bundle request with its reply; ovs-ofctl exited 0.
const Bytes kOvsHello = hex("04000010000000010001000800000010");
const Bytes kOvsOpen = hex("04040018000000034f4e4600000008fc0000000000000003");
const Bytes kOvsAddDrop =
    hex("04040050000000024f4e4600000008fd0000000000000003"
        "040e003800000002000000000000000000000000000000000000000000008000ffffffffffffffffffffffff"
        "000000000001000400000000");
const Bytes kOvsBarrier = hex("0414000800000004");
const Bytes kOvsCommit = hex("04040018000000054f4e4600000008fc0000000000040003");
// "table=1,priority=100,in_port=1,actions=output:2"
const Bytes kOvsAddOutput =
    hex("04040070000000024f4e4600000008fd0000000000000003"
        "040e005800000002000000000000000000000000000000000100000000000064ffffffffffffffffffffffff"
        "000000000001000c800000040000000100000000000400180000000000000010000000020000000000000000");
// `--bundle add-group ... "group_id=7,type=all,bucket=output:1"`
const Bytes kOvsAddGroup =
    hex("04040048000000024f4e4600000008fd0000000000000003"
        "040f003000000002000000000000000700200000ffffffffffffffff0000000000000010000000010000000000"
        "000000");

constexpr uint16_t kAtomicOrdered = bundle_flags::kAtomic | bundle_flags::kOrdered;

Decoded<std::span<const uint8_t>> decode_add(std::span<const uint8_t> msg) {
  BundleAdd add;
  return decode_bundle_add(msg, add);
}

Bytes inner_of(const Bytes& add) { return Bytes(add.begin() + 24, add.end()); }

TEST(BundleOvs, AddFlowSessionDecodesAndReencodes) {
  EXPECT_TRUE(decode_hello(kOvsHello));
  EXPECT_TRUE(decode_empty(kOvsBarrier, MsgType::kBarrierRequest));

  auto open = decode_bundle_ctrl(kOvsOpen);
  ASSERT_TRUE(open) << error_text(open.error());
  EXPECT_EQ(
      *open,
      (BundleCtrl{.bundle_id = 0, .type = BundleCtrlType::kOpenRequest, .flags = kAtomicOrdered}));
  Bytes out;
  encode_bundle_ctrl(3, *open, out);
  EXPECT_EQ(out, kOvsOpen);
  EXPECT_EQ(format_message(kOvsOpen),
            "OFPT_EXPERIMENTER (xid=0x3): BUNDLE_CONTROL bundle_id=0x0 type=OPEN_REQUEST "
            "flags=atomic,ordered");

  BundleAdd add;
  auto inner = decode_bundle_add(kOvsAddDrop, add);
  ASSERT_TRUE(inner) << error_text(inner.error());
  EXPECT_EQ(add, (BundleAdd{.bundle_id = 0, .flags = kAtomicOrdered}));
  EXPECT_EQ(Bytes(inner->begin(), inner->end()), inner_of(kOvsAddDrop));
  EXPECT_EQ(inner->data(), kOvsAddDrop.data() + 24);  // a view, not a copy
  // The receiver decodes the embedded message with the ordinary decoder.
  EXPECT_EQ(decode_header(*inner)->type, MsgType::kFlowMod);
  FlowMod fm;
  ASSERT_TRUE(decode_flow_mod(*inner, fm));
  EXPECT_EQ(fm, FlowMod{});
  out.clear();
  encode_flow_mod(2, fm, out);
  EXPECT_EQ(out, inner_of(kOvsAddDrop));
  out.clear();
  encode_bundle_add(2, add, *inner, out);
  EXPECT_EQ(out, kOvsAddDrop);
  EXPECT_EQ(format_message(kOvsAddDrop),
            "OFPT_EXPERIMENTER (xid=0x2): BUNDLE_ADD bundle_id=0x0 flags=atomic,ordered\n"
            " OFPT_FLOW_MOD (xid=0x2): ADD table:0 actions=drop");

  auto commit = decode_bundle_ctrl(kOvsCommit);
  ASSERT_TRUE(commit);
  EXPECT_EQ(commit->type, BundleCtrlType::kCommitRequest);
  out.clear();
  encode_bundle_ctrl(5, *commit, out);
  EXPECT_EQ(out, kOvsCommit);
  EXPECT_EQ(format_message(kOvsCommit),
            "OFPT_EXPERIMENTER (xid=0x5): BUNDLE_CONTROL bundle_id=0x0 type=COMMIT_REQUEST "
            "flags=atomic,ordered");
}

TEST(BundleOvs, RepliesAsOvsOfctlAcceptedThem) {
  // The OPEN_REPLY and COMMIT_REPLY the listener sent (ovs-ofctl accepted both).
  Bytes out;
  encode_bundle_ctrl(3, {.bundle_id = 0, .type = BundleCtrlType::kOpenReply, .flags = 3}, out);
  EXPECT_EQ(out, hex("04040018000000034f4e4600000008fc0000000000010003"));
  out.clear();
  encode_bundle_ctrl(5, {.bundle_id = 0, .type = BundleCtrlType::kCommitReply, .flags = 3}, out);
  EXPECT_EQ(out, hex("04040018000000054f4e4600000008fc0000000000050003"));
  for (uint16_t t = 0; t <= 7; ++t) {
    const BundleCtrl b{.bundle_id = 0xfeedf00d,
                       .type = static_cast<BundleCtrlType>(t),
                       .flags = bundle_flags::kOrdered};
    out.clear();
    encode_bundle_ctrl(t, b, out);
    auto got = decode_bundle_ctrl(out);
    ASSERT_TRUE(got) << t;
    EXPECT_EQ(*got, b);
  }
  EXPECT_EQ(format_bundle_ctrl({.bundle_id = 9, .type = BundleCtrlType::kDiscardReply}),
            "BUNDLE_CONTROL bundle_id=0x9 type=DISCARD_REPLY flags=0");
}

TEST(BundleOvs, AddFlowWithMatchAndActions) {
  BundleAdd add;
  auto inner = decode_bundle_add(kOvsAddOutput, add);
  ASSERT_TRUE(inner);
  FlowMod fm;
  ASSERT_TRUE(decode_flow_mod(*inner, fm));
  FlowMod want;
  want.table_id = 1;
  want.priority = 100;
  match_exact(want.match, Field::kInPort, 1);
  want.instructions.present = instr::kApplyActions;
  want.instructions.apply_actions.push(Action{.type = ActionType::kOutput, .port = 2});
  EXPECT_EQ(fm, want);
  Bytes flow;
  encode_flow_mod(77, want, flow);
  Bytes out;
  encode_bundle_add(2, add, flow, out);  // the inner xid becomes the outer one
  EXPECT_EQ(out, kOvsAddOutput);
  EXPECT_EQ(format_message(kOvsAddOutput),
            "OFPT_EXPERIMENTER (xid=0x2): BUNDLE_ADD bundle_id=0x0 flags=atomic,ordered\n"
            " OFPT_FLOW_MOD (xid=0x2): ADD table:1 priority=100,in_port=1 actions=output:2");
}

TEST(BundleOvs, AddGroup) {
  BundleAdd add;
  auto inner = decode_bundle_add(kOvsAddGroup, add);
  ASSERT_TRUE(inner);
  GroupMod gm;
  ASSERT_TRUE(decode_group_mod(*inner, gm));
  EXPECT_EQ(gm.group.group_id, 7u);
  EXPECT_EQ(gm.group.type, GroupType::kAll);
  Bytes out;
  encode_bundle_add(2, add, *inner, out);
  EXPECT_EQ(out, kOvsAddGroup);
  EXPECT_EQ(format_message(kOvsAddGroup),
            "OFPT_EXPERIMENTER (xid=0x2): BUNDLE_ADD bundle_id=0x0 flags=atomic,ordered\n"
            " OFPT_GROUP_MOD (xid=0x2): ADD group_id=7,type=all,bucket=actions=output:1");
}

::testing::AssertionResult onf(const Decoded<BundleCtrl>& d, uint16_t code) {
  return fails_with(d, ErrorType::kExperimenter, code, kOnfExperimenter);
}
::testing::AssertionResult onf(const Decoded<std::span<const uint8_t>>& d, uint16_t code) {
  return fails_with(d, ErrorType::kExperimenter, code, kOnfExperimenter);
}

// An experimenter property (Nicira's, exp_type 1), padded to 16 bytes.
const Bytes kExpProperty = hex("ff ff 00 0c 00 00 23 20 00 00 00 01 00 00 00 00");

TEST(BundleCtrlErrors, Malformed) {
  expect_prefixes_rejected(kOvsOpen, decode_bundle_ctrl);
  expect_short_bodies_rejected(kOvsOpen, decode_bundle_ctrl);
  Bytes b = kOvsOpen;
  b[21] = 8;  // type past DISCARD_REPLY
  EXPECT_TRUE(onf(decode_bundle_ctrl(b), bundle_failed::kBadType));
  EXPECT_EQ(format_message(b), "OFPT_EXPERIMENTER (xid=0x3): (malformed: ONF/OFPBFC_BAD_TYPE)");
  b = kOvsOpen;
  b[23] = 7;  // flags: an unknown bit
  EXPECT_TRUE(onf(decode_bundle_ctrl(b), bundle_failed::kBadFlags));
  b = kOvsOpen;
  b[8] = 0x4e;  // experimenter 0x4e4e4600
  EXPECT_TRUE(
      fails_with(decode_bundle_ctrl(b), ErrorType::kBadRequest, bad_request::kBadExperimenter));
  EXPECT_NE(format_message(b).find("OFPBRC_BAD_EXPERIMENTER"), std::string::npos);
  b = kOvsOpen;
  b[15] = 0xfe;  // exp_type 2302
  EXPECT_TRUE(fails_with(decode_bundle_ctrl(b), ErrorType::kBadRequest, bad_request::kBadExpType));
  EXPECT_TRUE(fails_with(decode_bundle_ctrl(kOvsAddDrop), ErrorType::kBadRequest,
                         bad_request::kBadExpType));
  EXPECT_TRUE(fails_with(decode_add(kOvsOpen), ErrorType::kBadRequest, bad_request::kBadExpType));
}

TEST(BundleCtrlErrors, Properties) {
  auto with = [](const Bytes& props) {
    return decode_bundle_ctrl(fix_length(cat({kOvsOpen, props})));
  };
  EXPECT_TRUE(onf(with(kExpProperty), bad_property::kBadExperimenter));
  EXPECT_EQ(format_message(fix_length(cat({kOvsOpen, kExpProperty}))),
            "OFPT_EXPERIMENTER (xid=0x3): (malformed: ONF/OFPBPC_BAD_EXPERIMENTER)");
  EXPECT_TRUE(fails_with(with(hex("00 01 00 08 00 00 00 00")), ErrorType::kTableFeaturesFailed,
                         bad_property::kBadType));
  for (const Bytes& bad : {hex("ff"), hex("ff ff 00"), hex("ff ff 00 03 00 00 00 00"),
                           hex("ff ff 00 10 00 00 23 20"),              // past the end
                           hex("ff ff 00 0c 00 00 23 20 00 00 00 01"),  // padding missing
                           hex("ff ff 00 08 00 00 23 20")}) {           // no exp_type
    EXPECT_TRUE(fails_with(with(bad), ErrorType::kTableFeaturesFailed, bad_property::kBadLen))
        << ::testing::PrintToString(bad);
  }
}

TEST(BundleAddErrors, Malformed) {
  expect_prefixes_rejected(kOvsAddDrop, decode_add);
  for (size_t n = kHeaderSize; n < 24; ++n) {
    EXPECT_TRUE(
        fails_with(decode_add(fix_length(Bytes(kOvsAddDrop.begin(), kOvsAddDrop.begin() + n))),
                   ErrorType::kBadRequest, bad_request::kBadLen))
        << n;
  }
  for (size_t n = 24; n < kOvsAddDrop.size(); ++n) {  // inner header or body cut short
    EXPECT_TRUE(onf(decode_add(fix_length(Bytes(kOvsAddDrop.begin(), kOvsAddDrop.begin() + n))),
                    bundle_failed::kMsgBadLen))
        << n;
  }
  Bytes b = kOvsAddDrop;
  b[23] = 4;  // flags
  EXPECT_TRUE(onf(decode_add(b), bundle_failed::kBadFlags));
  b = kOvsAddDrop;
  b[24] = 0x05;  // inner version 1.4
  EXPECT_TRUE(onf(decode_add(b), bundle_failed::kMsgUnsup));
  b = kOvsAddDrop;
  b[27] = 0x07;  // inner length 7
  EXPECT_TRUE(onf(decode_add(b), bundle_failed::kMsgBadLen));
  b = kOvsAddDrop;
  b[27] = 0x40;  // inner length 64: past the end
  EXPECT_TRUE(onf(decode_add(b), bundle_failed::kMsgBadLen));
  b = kOvsAddDrop;
  b[31] = 0x03;  // inner xid 3, outer 2
  EXPECT_TRUE(onf(decode_add(b), bundle_failed::kMsgBadXid));
  EXPECT_EQ(format_message(b), "OFPT_EXPERIMENTER (xid=0x2): (malformed: ONF/OFPBFC_MSG_BAD_XID)");
  for (uint8_t type : {uint8_t{13} /*PACKET_OUT*/, uint8_t{20} /*BARRIER*/, uint8_t{4},
                       uint8_t{16} /*PORT_MOD*/, uint8_t{0x30} /*unknown*/}) {
    b = kOvsAddDrop;
    b[25] = type;
    EXPECT_TRUE(onf(decode_add(b), bundle_failed::kMsgUnsup)) << int{type};
  }
}

TEST(BundleAddErrors, PaddingAndProperties) {
  // An inner message whose length is not a multiple of 8 (a FLOW_MOD with one byte too many:
  // the bundle layer does not look inside, the FLOW_MOD decoder will refuse it).
  Bytes inner = cat({inner_of(kOvsAddDrop), hex("00")});
  put_u16(inner, 2, 57);
  const Bytes head(kOvsAddDrop.begin(), kOvsAddDrop.begin() + 24);
  // The decoded inner message is a view into the BUNDLE_ADD: keep each one alive.
  std::deque<Bytes> messages;
  auto add = [&](const Bytes& tail) {
    messages.push_back(fix_length(cat({head, inner, tail})));
    return decode_add(messages.back());
  };
  auto alone = add({});
  ASSERT_TRUE(alone);
  EXPECT_EQ(alone->size(), 57u);
  EXPECT_TRUE(fails_with(decode_flow_mod_bytes(Bytes(alone->begin(), alone->end())),
                         ErrorType::kBadInstruction, bad_instruction::kBadLen));
  auto padded_only = add(Bytes(7, 0));
  ASSERT_TRUE(padded_only);
  EXPECT_EQ(padded_only->size(), 57u);
  EXPECT_TRUE(onf(add(Bytes(3, 0)), bundle_failed::kMsgBadLen));  // part of the padding
  EXPECT_TRUE(onf(add(cat({Bytes(7, 0), kExpProperty})), bad_property::kBadExperimenter));
  // After an 8-aligned inner message properties follow at once.
  EXPECT_TRUE(onf(decode_add(fix_length(cat({kOvsAddDrop, kExpProperty}))),
                  bad_property::kBadExperimenter));
  EXPECT_TRUE(fails_with(decode_add(fix_length(cat({kOvsAddDrop, hex("00 02 00 08 00 00 00 00")}))),
                         ErrorType::kTableFeaturesFailed, bad_property::kBadType));
  for (size_t n = 1; n < 8; ++n) {
    EXPECT_TRUE(fails_with(decode_add(fix_length(cat({kOvsAddDrop, Bytes(n, 0)}))),
                           ErrorType::kTableFeaturesFailed, bad_property::kBadLen))
        << n;
  }
}

TEST(BundleErrors, WireFormAsOvs) {
  // OVS sends OFPBFC_MSG_BAD_XID in OpenFlow 1.3 as an ONF experimenter error 2309.
  const OfError err{ErrorType::kExperimenter, bundle_failed::kMsgBadXid, kOnfExperimenter};
  const Bytes request = kOvsAddDrop;
  Bytes out;
  encode_error(2, make_error(err, request), out);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 16),
            hex("04 01 00 60 00 00 00 02 | ff ff | 09 05 | 4f 4e 46 00"));
  EXPECT_EQ(Bytes(out.begin() + 16, out.end()), request);
  auto e = decode_error(out);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->experimenter, kOnfExperimenter);
  EXPECT_EQ(e->code, 2309);
  EXPECT_EQ(format_error(*e),
            "ONF/OFPBFC_MSG_BAD_XID, request OFPT_EXPERIMENTER xid=0x2 (80 bytes of it)");
  EXPECT_EQ(format_message(out),
            "OFPT_ERROR (xid=0x2): ONF/OFPBFC_MSG_BAD_XID, request OFPT_EXPERIMENTER xid=0x2 "
            "(80 bytes of it)");
}

TEST(BundleErrors, Names) {
  auto name = [](uint16_t code) {
    return error_name(OfError{ErrorType::kExperimenter, code, kOnfExperimenter});
  };
  EXPECT_EQ(name(bundle_failed::kUnknown), "ONF/OFPBFC_UNKNOWN");
  EXPECT_EQ(name(bundle_failed::kBadId), "ONF/OFPBFC_BAD_ID");
  EXPECT_EQ(name(bundle_failed::kBundleInProgress), "ONF/OFPBFC_BUNDLE_IN_PROGRESS");
  EXPECT_EQ(name(bad_property::kTooMany), "ONF/OFPBPC_TOO_MANY");
  EXPECT_EQ(name(bad_property::kEperm), "ONF/OFPBPC_EPERM");
  EXPECT_EQ(name(2316), "ONF/2316");
  EXPECT_EQ(error_name(OfError{ErrorType::kTableFeaturesFailed, bad_property::kBadType, 0}),
            "OFPET_TABLE_FEATURES_FAILED/OFPTFFC_BAD_TYPE");
  EXPECT_EQ(
      error_name(OfError{ErrorType::kExperimenter, sluice_error::kPortExists, kSluiceExperimenter}),
      "SLUICE/PORT_EXISTS");
  EXPECT_EQ(error_name(OfError{ErrorType::kExperimenter, 5, 0x2320}), "EXPERIMENTER(0x00002320)/5");
  EXPECT_EQ(error_name(OfError{ErrorType::kBadMatch, bad_match::kBadPrereq, 0}),
            "OFPET_BAD_MATCH/OFPBMC_BAD_PREREQ");
}

TEST(ExperimenterDispatch, OnfAndSluiceTellEachOtherApart) {
  auto h = decode_experimenter_header(kOvsOpen);
  ASSERT_TRUE(h);
  EXPECT_EQ(*h, (ExperimenterHeader{kOnfExperimenter, 2300}));
  auto t = decode_onf_type(kOvsAddDrop);
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, OnfMsgType::kBundleAddMessage);
  EXPECT_TRUE(fails_with(decode_sluice_type(kOvsOpen), ErrorType::kBadRequest,
                         bad_request::kBadExperimenter));
  Bytes sluice;
  encode_port_del(1, PortDel{.port_no = 3}, sluice);
  EXPECT_TRUE(
      fails_with(decode_onf_type(sluice), ErrorType::kBadRequest, bad_request::kBadExperimenter));
  EXPECT_EQ(decode_experimenter_header(sluice)->experimenter, kSluiceExperimenter);
  expect_prefixes_rejected(kOvsOpen, decode_experimenter_header);
  EXPECT_TRUE(fails_with(decode_experimenter_header(hex("04 04 00 0c 00 00 00 01 4f 4e 46 00")),
                         ErrorType::kBadRequest, bad_request::kBadLen));
}

}  // namespace
}  // namespace sluice::of
