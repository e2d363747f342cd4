// FLOW_REMOVED, PACKET_IN, PACKET_OUT, GET_CONFIG / SET_CONFIG: golden bytes <-> struct <->
// text, and every malformed variant the decoders name. PACKET_OUT and SET_CONFIG goldens are
// the bytes `ovs-ofctl -O OpenFlow13` (Open vSwitch 3.1) sent to a listener on loopback.
#include <gtest/gtest.h>

#include "codec_test_util.h"
#include "openflow/oxm.h"

namespace sluice::of {
namespace {

using namespace sluice::of::testing;

// An ARP broadcast's Ethernet header plus two bytes.
const Bytes kFrame = hex("ff ff ff ff ff ff 02 00 00 00 00 01 08 06 ab cd");

Bytes in_port_match(uint32_t port) {
  Bytes m = hex("00 01 00 0c 80 00 00 04 00 00 00 00 00 00 00 00");
  m[8] = static_cast<uint8_t>(port >> 24);
  m[9] = static_cast<uint8_t>(port >> 16);
  m[10] = static_cast<uint8_t>(port >> 8);
  m[11] = static_cast<uint8_t>(port);
  return m;
}

Bytes prefix(const Bytes& b, size_t n) {
  return fix_length(Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)));
}

// ---- FLOW_REMOVED ---------------------------------------------------------------------------

const Bytes kFlowRemoved = cat({hex("04 0b 00 40 00 00 00 10 | 5c 00 00 00 00 00 00 01 | 00 64 |"
                                    "02 | 01 | 00 00 00 01 | 1d cd 65 00 | 00 0a | 00 1e |"
                                    "00 00 00 00 00 00 00 0a | 00 00 00 00 00 00 03 e8"),
                                in_port_match(1)});

FlowRemoved golden_flow_removed() {
  FlowRemoved fr;
  fr.cookie = 0x5c00000000000001;
  fr.priority = 100;
  fr.reason = FlowRemovedReason::kDelete;
  fr.table_id = 1;
  fr.duration_sec = 1;
  fr.duration_nsec = 500'000'000;
  fr.idle_timeout = 10;
  fr.hard_timeout = 30;
  fr.packet_count = 10;
  fr.byte_count = 1000;
  match_exact(fr.match, Field::kInPort, 1);
  return fr;
}

TEST(FlowRemoved, Golden) {
  Bytes out;
  encode_flow_removed(0x10, golden_flow_removed(), out);
  EXPECT_EQ(out, kFlowRemoved);
  auto got = decode_flow_removed(kFlowRemoved);
  ASSERT_TRUE(got) << error_text(got.error());
  EXPECT_EQ(*got, golden_flow_removed());
  EXPECT_EQ(format_message(kFlowRemoved),
            "OFPT_FLOW_REMOVED (xid=0x10): priority=100,in_port=1 reason=delete table_id=1 "
            "cookie:0x5c00000000000001 duration1.500s idle10 hard30 pkts10 bytes1000");
}

TEST(FlowRemoved, EmptyMatchAndDefaults) {
  FlowRemoved fr;
  fr.priority = 0x8000;
  Bytes out;
  encode_flow_removed(1, fr, out);
  EXPECT_EQ(out,
            hex("04 0b 00 38 00 00 00 01 | 00 00 00 00 00 00 00 00 | 80 00 | 00 | 00 |"
                "00 00 00 00 | 00 00 00 00 | 00 00 | 00 00 |"
                "00 00 00 00 00 00 00 00 | 00 00 00 00 00 00 00 00 | 00 01 00 04 00 00 00 00"));
  auto got = decode_flow_removed(out);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, fr);
  EXPECT_EQ(format_flow_removed(*got),
            "priority=32768 reason=idle table_id=0 duration0.000s idle0 pkts0 bytes0");
}

TEST(FlowRemoved, Malformed) {
  expect_prefixes_rejected(kFlowRemoved, decode_flow_removed);
  expect_overlong_rejected(kFlowRemoved, decode_flow_removed);
  for (size_t n = kHeaderSize; n < 48; ++n) {
    EXPECT_TRUE(fails_with(decode_flow_removed(prefix(kFlowRemoved, n)), ErrorType::kBadRequest,
                           bad_request::kBadLen))
        << n;
  }
  for (size_t n = 48; n < kFlowRemoved.size(); ++n) {
    EXPECT_TRUE(fails_with(decode_flow_removed(prefix(kFlowRemoved, n)), ErrorType::kBadMatch,
                           bad_match::kBadLen))
        << n;
  }
  Bytes b = kFlowRemoved;
  b[18] = 4;  // reason past GROUP_DELETE
  EXPECT_TRUE(fails_with(decode_flow_removed(b), ErrorType::kBadRequest, bad_request::kBadType));
  EXPECT_NE(format_message(b).find("(malformed: OFPET_BAD_REQUEST/OFPBRC_BAD_TYPE)"),
            std::string::npos);
  b = kFlowRemoved;
  b[19] = 0xff;  // table OFPTT_ALL
  EXPECT_TRUE(fails_with(decode_flow_removed(b), ErrorType::kBadRequest, bad_request::kBadTableId));
  b = kFlowRemoved;
  b[48 + 4] = 0x7f;  // OXM class 0x7f00: not OpenFlowBasic
  EXPECT_TRUE(fails_with(decode_flow_removed(b), ErrorType::kBadMatch, bad_match::kBadField));
  b = kFlowRemoved;
  b[1] = static_cast<uint8_t>(MsgType::kPortStatus);
  EXPECT_TRUE(fails_with(decode_flow_removed(b), ErrorType::kBadRequest, bad_request::kBadType));
}

// ---- PACKET_IN ------------------------------------------------------------------------------

// Unbuffered, sent by an action, table 2, cookie 7, in_port 3; 16 of the frame's 64 bytes.
const Bytes kPacketIn = cat({hex("04 0a 00 3a 00 00 00 00 | ff ff ff ff | 00 40 | 01 | 02 |"
                                 "00 00 00 00 00 00 00 07"),
                             in_port_match(3), hex("00 00"), kFrame});

PacketIn golden_packet_in() {
  PacketIn pi;
  pi.total_len = 64;
  pi.reason = PacketInReason::kAction;
  pi.table_id = 2;
  pi.cookie = 7;
  match_exact(pi.match, Field::kInPort, 3);
  return pi;
}

Decoded<std::span<const uint8_t>> decode_pin(std::span<const uint8_t> msg) {
  PacketIn pi;
  return decode_packet_in(msg, pi);
}

TEST(PacketIn, Golden) {
  Bytes out;
  encode_packet_in(0, golden_packet_in(), kFrame, out);
  EXPECT_EQ(out, kPacketIn);
  PacketIn pi;
  auto data = decode_packet_in(kPacketIn, pi);
  ASSERT_TRUE(data) << error_text(data.error());
  EXPECT_EQ(pi, golden_packet_in());
  EXPECT_EQ(Bytes(data->begin(), data->end()), kFrame);
  // The frame is a view into the message, not a copy.
  EXPECT_EQ(data->data(), kPacketIn.data() + 42);
  EXPECT_EQ(format_message(kPacketIn),
            "OFPT_PACKET_IN (xid=0x0): table_id=2 cookie=0x7 total_len=64 in_port=3 "
            "(via action) data_len=16 (unbuffered)");
}

TEST(PacketIn, PipelineFieldsAndBuffer) {
  PacketIn pi;
  pi.buffer_id = 0x101;
  pi.total_len = 16;
  pi.cookie = ~uint64_t{0};
  match_exact(pi.match, Field::kInPort, port_no::kLocal);
  match_exact(pi.match, Field::kMetadata, 0x64);
  match_exact(pi.match, Field::kTunnelId, 5000);
  Bytes out;
  encode_packet_in(9, pi, kFrame, out);
  PacketIn got;
  auto data = decode_packet_in(out, got);
  ASSERT_TRUE(data);
  EXPECT_EQ(got, pi);
  EXPECT_EQ(format_packet_in(got, data->size()),
            "total_len=16 tun_id=0x1388,metadata=0x64,in_port=LOCAL (via no_match) data_len=16 "
            "buffer=0x00000101");
  // No data at all (everything buffered) is a valid PACKET_IN.
  out.clear();
  encode_packet_in(9, pi, {}, out);
  data = decode_packet_in(out, got);
  ASSERT_TRUE(data);
  EXPECT_TRUE(data->empty());
}

TEST(PacketIn, Malformed) {
  expect_prefixes_rejected(kPacketIn, decode_pin);
  for (size_t n = kHeaderSize; n < 24; ++n) {
    EXPECT_TRUE(
        fails_with(decode_pin(prefix(kPacketIn, n)), ErrorType::kBadRequest, bad_request::kBadLen))
        << n;
  }
  for (size_t n = 24; n < 40; ++n) {
    EXPECT_TRUE(
        fails_with(decode_pin(prefix(kPacketIn, n)), ErrorType::kBadMatch, bad_match::kBadLen))
        << n;
  }
  for (size_t n = 40; n < 42; ++n) {  // the two pad bytes
    EXPECT_TRUE(
        fails_with(decode_pin(prefix(kPacketIn, n)), ErrorType::kBadRequest, bad_request::kBadLen))
        << n;
  }
  for (size_t n = 42; n < kPacketIn.size(); ++n) {  // a shorter prefix of the frame is fine
    auto data = decode_pin(prefix(kPacketIn, n));
    ASSERT_TRUE(data) << n;
    EXPECT_EQ(data->size(), n - 42);
  }
  Bytes b = kPacketIn;
  b[14] = 3;  // reason past INVALID_TTL
  EXPECT_TRUE(fails_with(decode_pin(b), ErrorType::kBadRequest, bad_request::kBadType));
  b = kPacketIn;
  b[15] = 0xff;  // table OFPTT_ALL
  EXPECT_TRUE(fails_with(decode_pin(b), ErrorType::kBadRequest, bad_request::kBadTableId));
  b = kPacketIn;
  b[13] = 15;  // total_len 15 < 16 bytes of data
  EXPECT_TRUE(fails_with(decode_pin(b), ErrorType::kBadRequest, bad_request::kBadLen));
  // A match without in_port.
  b = cat({Bytes(kPacketIn.begin(), kPacketIn.begin() + 24),
           match_of(hex("80 00 04 08 00 00 00 00 00 00 00 64")), hex("00 00"), kFrame});
  EXPECT_TRUE(fails_with(decode_pin(fix_length(b)), ErrorType::kBadMatch, bad_match::kBadPrereq));
  EXPECT_NE(format_message(fix_length(b)).find("OFPBMC_BAD_PREREQ"), std::string::npos);
}

// ---- PACKET_OUT -----------------------------------------------------------------------------

// `ovs-ofctl -O OpenFlow13 --no-names packet-out tcp:127.0.0.1:PORT
//  "in_port=controller,packet=ffffffffffff0200000000010806abcd,actions=output:1"`
const Bytes kPacketOut =
    hex("040d003800000002fffffffffffffffd001000000000000000000010000000010000000000000000"
        "ffffffffffff0200000000010806abcd");

PacketOut golden_packet_out() {
  PacketOut po;
  po.actions.push(Action{.type = ActionType::kOutput, .port = 1});
  return po;
}

Decoded<std::span<const uint8_t>> decode_pout(std::span<const uint8_t> msg) {
  PacketOut po;
  return decode_packet_out(msg, po);
}

TEST(PacketOut, GoldenFromOvsOfctl) {
  Bytes out;
  encode_packet_out(2, golden_packet_out(), kFrame, out);
  EXPECT_EQ(out, kPacketOut);
  PacketOut po;
  auto data = decode_packet_out(kPacketOut, po);
  ASSERT_TRUE(data) << error_text(data.error());
  EXPECT_EQ(po, golden_packet_out());
  EXPECT_EQ(Bytes(data->begin(), data->end()), kFrame);
  EXPECT_EQ(data->data(), kPacketOut.data() + 40);
  EXPECT_EQ(format_message(kPacketOut),
            "OFPT_PACKET_OUT (xid=0x2): in_port=CONTROLLER actions=output:1 data_len=16");
}

TEST(PacketOut, NoActionsAndSluiceActions) {
  PacketOut po;
  po.in_port = 7;
  Bytes out;
  encode_packet_out(3, po, kFrame, out);
  EXPECT_EQ(out,
            cat({hex("04 0d 00 28 00 00 00 03 ff ff ff ff 00 00 00 07 00 00 00 00 00 00 00 00"),
                 kFrame}));
  PacketOut got;
  ASSERT_TRUE(decode_packet_out(out, got));
  EXPECT_EQ(got, po);
  EXPECT_EQ(format_packet_out(got, 16), "in_port=7 actions=drop data_len=16");
  po.actions.push(Action{
      .type = ActionType::kExperimenter, .sluice = SluiceAction::kVxlanEncap, .value = 5000});
  po.actions.push(Action{.type = ActionType::kOutput, .port = port_no::kTable});
  out.clear();
  encode_packet_out(3, po, kFrame, out);
  ASSERT_TRUE(decode_packet_out(out, got));
  EXPECT_EQ(got, po);
}

TEST(PacketOut, InPort) {
  for (uint32_t port :
       {uint32_t{1}, port_no::kMax - 1, port_no::kLocal, port_no::kController, port_no::kAny}) {
    PacketOut po = golden_packet_out();
    po.in_port = port;
    Bytes out;
    encode_packet_out(1, po, kFrame, out);
    EXPECT_TRUE(decode_pout(out)) << port;
  }
  for (uint32_t port : {uint32_t{0}, port_no::kMax, port_no::kInPort, port_no::kTable,
                        port_no::kNormal, port_no::kFlood, port_no::kAll, uint32_t{0xffffff01}}) {
    PacketOut po = golden_packet_out();
    po.in_port = port;
    Bytes out;
    encode_packet_out(1, po, kFrame, out);
    EXPECT_TRUE(fails_with(decode_pout(out), ErrorType::kBadRequest, bad_request::kBadPort))
        << port;
  }
}

TEST(PacketOut, Malformed) {
  expect_prefixes_rejected(kPacketOut, decode_pout);
  for (size_t n = kHeaderSize; n < 40; ++n) {  // fixed part, then actions past the end
    EXPECT_TRUE(fails_with(decode_pout(prefix(kPacketOut, n)), ErrorType::kBadRequest,
                           bad_request::kBadLen))
        << n;
  }
  for (size_t n = 40; n < 54; ++n) {  // less than an Ethernet header of data
    EXPECT_TRUE(fails_with(decode_pout(prefix(kPacketOut, n)), ErrorType::kBadRequest,
                           bad_request::kBadPacket))
        << n;
  }
  EXPECT_TRUE(decode_pout(prefix(kPacketOut, 54)));
  Bytes b = kPacketOut;
  b[17] = 0x0c;  // actions_len 12: not a multiple of 8
  EXPECT_TRUE(fails_with(decode_pout(b), ErrorType::kBadRequest, bad_request::kBadLen));
  b[17] = 0x38;  // actions_len 56: past the end
  EXPECT_TRUE(fails_with(decode_pout(b), ErrorType::kBadRequest, bad_request::kBadLen));
  b[16] = 0xff, b[17] = 0xf8;
  EXPECT_TRUE(fails_with(decode_pout(b), ErrorType::kBadRequest, bad_request::kBadLen));
  b = kPacketOut;
  b[17] = 0x18;  // actions_len 24: the frame's first 8 bytes read as an action of length 0xffff
  EXPECT_TRUE(fails_with(decode_pout(b), ErrorType::kBadAction, bad_action::kBadLen));
  b = kPacketOut;
  b[11] = 0x05;  // buffer_id 0xffffff05
  EXPECT_TRUE(fails_with(decode_pout(b), ErrorType::kBadRequest, bad_request::kBufferUnknown));
  EXPECT_NE(format_message(b).find("OFPBRC_BUFFER_UNKNOWN"), std::string::npos);
  b = kPacketOut;
  b[31] = 0x00;  // output to port 0
  EXPECT_TRUE(fails_with(decode_pout(b), ErrorType::kBadAction, bad_action::kBadOutPort));
  // A frame longer than kMaxFrameLen.
  PacketOut po = golden_packet_out();
  Bytes big(kMaxFrameLen + 1, 0xab);
  Bytes out;
  encode_packet_out(1, po, big, out);
  EXPECT_TRUE(fails_with(decode_pout(out), ErrorType::kBadRequest, bad_request::kBadPacket));
  big.pop_back();
  out.clear();
  encode_packet_out(1, po, big, out);
  auto data = decode_pout(out);
  ASSERT_TRUE(data);
  EXPECT_EQ(data->size(), kMaxFrameLen);
}

// ---- GET_CONFIG / SET_CONFIG ----------------------------------------------------------------

TEST(SwitchConfigMessages, GoldenFromOvsOfctl) {
  // `ovs-ofctl -O OpenFlow13 set-frags tcp:127.0.0.1:PORT drop` sends GET_CONFIG_REQUEST, then
  // SET_CONFIG with the mode changed and the miss_send_len it was told (128).
  const Bytes get = hex("0407000800000002");
  const Bytes set = hex("0409000c0000000300010080");
  Bytes out;
  encode_get_config_request(2, out);
  EXPECT_EQ(out, get);
  EXPECT_TRUE(decode_empty(get, MsgType::kGetConfigRequest));
  EXPECT_EQ(format_message(get), "OFPT_GET_CONFIG_REQUEST (xid=0x2)");
  const OfSwitchConfig drop{.flags = config_flags::kFragDrop, .miss_send_len = 128};
  out.clear();
  encode_set_config(3, drop, out);
  EXPECT_EQ(out, set);
  auto got = decode_set_config(set);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, drop);
  EXPECT_EQ(format_message(set), "OFPT_SET_CONFIG (xid=0x3): frags=drop miss_send_len=128");

  const Bytes reply = hex("04 08 00 0c 00 00 00 02 | 00 02 | ff ff");
  const OfSwitchConfig reasm{.flags = config_flags::kFragReasm,
                             .miss_send_len = kControllerNoBuffer};
  out.clear();
  encode_get_config_reply(2, reasm, out);
  EXPECT_EQ(out, reply);
  got = decode_get_config_reply(reply);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, reasm);
  EXPECT_EQ(format_message(reply),
            "OFPT_GET_CONFIG_REPLY (xid=0x2): frags=reassemble miss_send_len=NO_BUFFER");
  // The two bodies are not interchangeable.
  EXPECT_TRUE(fails_with(decode_set_config(reply), ErrorType::kBadRequest, bad_request::kBadType));
}

TEST(SwitchConfigMessages, Malformed) {
  const Bytes set = hex("0409000c0000000300010080");
  expect_prefixes_rejected(set, decode_set_config);
  expect_short_bodies_rejected(set, decode_set_config);
  expect_overlong_rejected(set, decode_set_config);
  const Bytes get = hex("0407000800000002");
  auto decode_get = [](std::span<const uint8_t> m) {
    return decode_empty(m, MsgType::kGetConfigRequest);
  };
  expect_prefixes_rejected(get, decode_get);
  expect_overlong_rejected(get, decode_get);
  auto with = [&](uint16_t flags, uint16_t miss) {
    Bytes b = set;
    put_u16(b, 8, flags);
    put_u16(b, 10, miss);
    return decode_set_config(b);
  };
  EXPECT_TRUE(with(config_flags::kFragNormal, 0));
  EXPECT_TRUE(with(config_flags::kFragDrop, kControllerMaxLen));
  EXPECT_TRUE(fails_with(with(config_flags::kFragMask, 128), ErrorType::kSwitchConfigFailed,
                         switch_config_failed::kBadFlags));
  EXPECT_TRUE(fails_with(with(0x0004, 128), ErrorType::kSwitchConfigFailed,
                         switch_config_failed::kBadFlags));  // 1.1's INVALID_TTL_TO_CONTROLLER
  EXPECT_TRUE(fails_with(with(0x8000, 128), ErrorType::kSwitchConfigFailed,
                         switch_config_failed::kBadFlags));
  EXPECT_TRUE(fails_with(with(0, kControllerMaxLen + 1), ErrorType::kSwitchConfigFailed,
                         switch_config_failed::kBadLen));
  EXPECT_TRUE(
      fails_with(with(0, 0xfffe), ErrorType::kSwitchConfigFailed, switch_config_failed::kBadLen));
  Bytes b = set;
  put_u16(b, 8, 3);
  EXPECT_EQ(format_message(b),
            "OFPT_SET_CONFIG (xid=0x3): (malformed: OFPET_SWITCH_CONFIG_FAILED/OFPSCFC_BAD_FLAGS)");
}

}  // namespace
}  // namespace sluice::of
