// Golden and strictness tests for the header and the small messages: HELLO, ERROR, ECHO,
// FEATURES, BARRIER, PORT_STATUS. Expected bytes are written from the spec's layouts.
#include <gtest/gtest.h>

#include "codec_test_util.h"

namespace sluice::of {
namespace {

using namespace sluice::of::testing;

TEST(Header, DecodesAValidHeader) {
  const Bytes b = hex("04 14 00 08 12 34 56 78");
  auto h = decode_header(b);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->version, kVersion);
  EXPECT_EQ(h->type, MsgType::kBarrierRequest);
  EXPECT_EQ(h->length, 8);
  EXPECT_EQ(h->xid, 0x12345678u);
}

TEST(Header, RejectsWrongVersion) {
  EXPECT_TRUE(fails_with(decode_header(hex("01 14 00 08 00 00 00 01")), ErrorType::kBadRequest,
                         bad_request::kBadVersion));
  EXPECT_TRUE(fails_with(decode_header(hex("05 0e 00 08 00 00 00 01")), ErrorType::kBadRequest,
                         bad_request::kBadVersion));
  // A HELLO in another version is a failed negotiation, not a bad request.
  EXPECT_TRUE(fails_with(decode_header(hex("01 00 00 08 00 00 00 01")), ErrorType::kHelloFailed,
                         hello_failed::kIncompatible));
  EXPECT_TRUE(fails_with(decode_hello(hex("06 00 00 08 00 00 00 01")), ErrorType::kHelloFailed,
                         hello_failed::kIncompatible));
}

TEST(Header, RejectsUnknownType) {
  for (uint8_t type :
       {uint8_t{22}, uint8_t{23}, uint8_t{29}, uint8_t{30}, uint8_t{0xff}}) {
    Bytes b = hex("04 00 00 08 00 00 00 01");
    b[1] = type;
    EXPECT_TRUE(fails_with(decode_header(b), ErrorType::kBadRequest, bad_request::kBadType))
        << int{type};
  }
}

TEST(Header, RejectsBadLength) {
  EXPECT_TRUE(fails_with(decode_header(hex("04 14 00 07 00 00 00 01")), ErrorType::kBadRequest,
                         bad_request::kBadLen));
  EXPECT_TRUE(fails_with(decode_header(hex("04 14 00 09 00 00 00 01")), ErrorType::kBadRequest,
                         bad_request::kBadLen));
  EXPECT_TRUE(fails_with(decode_header(hex("04 14 00 08 00 00 00")), ErrorType::kBadRequest,
                         bad_request::kBadLen));
  EXPECT_TRUE(fails_with(decode_header(Bytes{}), ErrorType::kBadRequest, bad_request::kBadLen));
}

TEST(Header, TypeSpecificDecodersCheckTheType) {
  const Bytes barrier = hex("04 14 00 08 00 00 00 01");
  EXPECT_TRUE(
      fails_with(decode_features_reply(barrier), ErrorType::kBadRequest, bad_request::kBadType));
  EXPECT_TRUE(fails_with(decode_echo(barrier), ErrorType::kBadRequest, bad_request::kBadType));
  EXPECT_TRUE(
      fails_with(decode_flow_mod_bytes(barrier), ErrorType::kBadRequest, bad_request::kBadType));
  EXPECT_TRUE(fails_with(decode_empty(barrier, MsgType::kBarrierReply), ErrorType::kBadRequest,
                         bad_request::kBadType));
  EXPECT_TRUE(decode_empty(barrier, MsgType::kBarrierRequest));
}

TEST(Hello, Golden) {
  const Bytes b = hex("04 00 00 08 00 00 00 01");
  Bytes out;
  encode_hello(1, out);
  EXPECT_EQ(out, b);
  EXPECT_TRUE(decode_hello(b));
  EXPECT_EQ(format_message(b), "OFPT_HELLO (xid=0x1)");
}

TEST(Hello, AcceptsAndIgnoresElements) {
  // One OFPHET_VERSIONBITMAP element announcing versions 1 and 4.
  const Bytes b = hex("04 00 00 10 00 00 00 02 | 00 01 00 08 00 00 00 12");
  EXPECT_TRUE(decode_hello(b));
  EXPECT_EQ(format_message(b), "OFPT_HELLO (xid=0x2)");
}

TEST(Echo, GoldenRequestAndReply) {
  const Bytes payload = hex("de ad be ef");
  const Bytes req = hex("04 02 00 0c 00 00 00 03 de ad be ef");
  const Bytes rep = hex("04 03 00 0c 00 00 00 03 de ad be ef");
  Bytes out;
  encode_echo_request(3, payload, out);
  EXPECT_EQ(out, req);
  out.clear();
  encode_echo_reply(3, payload, out);
  EXPECT_EQ(out, rep);
  auto p = decode_echo(req);
  ASSERT_TRUE(p);
  EXPECT_EQ(Bytes(p->begin(), p->end()), payload);
  EXPECT_EQ(format_message(req), "OFPT_ECHO_REQUEST (xid=0x3): 4 bytes of payload");
  EXPECT_EQ(format_message(rep), "OFPT_ECHO_REPLY (xid=0x3): 4 bytes of payload");
  expect_prefixes_rejected(req, decode_echo);
}

TEST(Error, GoldenStandard) {
  const Bytes request = hex("04 0e 00 78 00 00 00 2a");
  const Bytes b = hex("04 01 00 14 00 00 00 07 | 00 04 00 09 | 04 0e 00 78 00 00 00 2a");
  const ErrorMsg e = make_error(OfError{ErrorType::kBadMatch, bad_match::kBadPrereq, 0}, request);
  EXPECT_EQ(e.type, ErrorType::kBadMatch);
  EXPECT_EQ(e.code, bad_match::kBadPrereq);
  EXPECT_EQ(e.data_len, 8);
  Bytes out;
  encode_error(7, e, out);
  EXPECT_EQ(out, b);
  auto d = decode_error(b);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, e);
  EXPECT_EQ(format_message(b),
            "OFPT_ERROR (xid=0x7): OFPET_BAD_MATCH/OFPBMC_BAD_PREREQ, request OFPT_FLOW_MOD "
            "xid=0x2a (8 bytes of it)");
  expect_prefixes_rejected(b, decode_error);
}

TEST(Error, GoldenSluiceExperimenter) {
  const Bytes b = cat({hex("04 01 00 1d 00 00 00 09 | ff ff 00 01 | 00 53 4c 55"),
                       Bytes{'p', 'o', 'r', 't', ' ', '3', ' ', 'e', 'x', 'i', 's', 't', 's'}});
  const ErrorMsg e = make_sluice_error(sluice_error::kPortExists, "port 3 exists");
  Bytes out;
  encode_error(9, e, out);
  EXPECT_EQ(out, b);
  auto d = decode_error(b);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, e);
  EXPECT_EQ(d->experimenter, kSluiceExperimenter);
  EXPECT_EQ(format_message(b), "OFPT_ERROR (xid=0x9): SLUICE/PORT_EXISTS: port 3 exists");
  // The experimenter id is part of the fixed body: cutting into it is a bad length.
  expect_short_bodies_rejected(Bytes(b.begin(), b.begin() + 16), decode_error);
}

TEST(Error, MakeErrorKeepsAtMostMaxDataBytes) {
  Bytes big(1000, 0xab);
  const ErrorMsg e = make_error(OfError{ErrorType::kBadRequest, bad_request::kBadLen, 0}, big);
  EXPECT_EQ(e.data_len, kMaxErrorData);
  const ErrorMsg s = make_sluice_error(sluice_error::kBadPortArgument, std::string(300, 'x'));
  EXPECT_EQ(s.data_len, kMaxErrorData);
  EXPECT_EQ(s.type, ErrorType::kExperimenter);
  // Decoding a longer ERROR keeps the first kMaxErrorData bytes.
  Bytes msg = hex("04 01 00 00 00 00 00 01 00 01 00 06");
  msg.insert(msg.end(), 400, 0x11);
  auto d = decode_error(fix_length(msg));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->data_len, kMaxErrorData);
}

TEST(Features, GoldenRequestAndReply) {
  const Bytes req = hex("04 05 00 08 00 00 00 04");
  Bytes out;
  encode_features_request(4, out);
  EXPECT_EQ(out, req);
  EXPECT_TRUE(decode_empty(req, MsgType::kFeaturesRequest));
  EXPECT_EQ(format_message(req), "OFPT_FEATURES_REQUEST (xid=0x4)");

  const Bytes rep =
      hex("04 06 00 20 00 00 00 04 | 00 00 00 00 00 00 00 01 | 00 00 01 00 | 02 | 00 | 00 00 |"
          "00 00 00 47 | 00 00 00 00");
  FeaturesReply f;
  f.datapath_id = 1;
  f.n_buffers = 256;
  f.n_tables = 2;
  f.capabilities = 0x47;
  out.clear();
  encode_features_reply(4, f, out);
  EXPECT_EQ(out, rep);
  auto d = decode_features_reply(rep);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, f);
  EXPECT_EQ(format_message(rep),
            "OFPT_FEATURES_REPLY (xid=0x4): dpid:0x0000000000000001 n_tables:2 n_buffers:256 "
            "auxiliary_id:0 capabilities:0x47");
  expect_prefixes_rejected(rep, decode_features_reply);
  expect_short_bodies_rejected(rep, decode_features_reply);
  expect_overlong_rejected(rep, decode_features_reply);
}

TEST(Barrier, GoldenRequestAndReply) {
  Bytes out;
  encode_barrier_request(0x10, out);
  EXPECT_EQ(out, hex("04 14 00 08 00 00 00 10"));
  out.clear();
  encode_barrier_reply(0x10, out);
  EXPECT_EQ(out, hex("04 15 00 08 00 00 00 10"));
  EXPECT_TRUE(decode_empty(out, MsgType::kBarrierReply));
  EXPECT_EQ(format_message(out), "OFPT_BARRIER_REPLY (xid=0x10)");
  auto decode = [](std::span<const uint8_t> m) { return decode_empty(m, MsgType::kBarrierReply); };
  expect_prefixes_rejected(out, decode);
  expect_overlong_rejected(out, decode);
}

TEST(PortStatus, Golden) {
  const Bytes b = cat({hex("04 0c 00 50 00 00 00 00 | 00 00 00 00 00 00 00 00"), hex(kPortBytes)});
  PortStatus ps;
  ps.reason = PortReason::kAdd;
  ps.desc = golden_port();
  Bytes out;
  encode_port_status(0, ps, out);
  EXPECT_EQ(out, b);
  auto d = decode_port_status(b);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, ps);
  EXPECT_EQ(format_message(b),
            "OFPT_PORT_STATUS (xid=0x0): ADD: 1(vm1): addr:02:00:00:00:00:01 config:0 "
            "state:LIVE speed:10000 Mbps now, 10000 Mbps max");
  expect_prefixes_rejected(b, decode_port_status);
  expect_short_bodies_rejected(b, decode_port_status);
  expect_overlong_rejected(b, decode_port_status);
}

TEST(PortStatus, FullWidthNameAndJunkAfterNul) {
  Bytes b = cat({hex("04 0c 00 50 00 00 00 00 | 02 00 00 00 00 00 00 00"), hex(kPortBytes)});
  // Name bytes start at 16 + 16: fill all 16 with 'a'.
  for (size_t i = 32; i < 48; ++i) b[i] = 'a';
  auto d = decode_port_status(b);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->desc.name.view(), std::string(16, 'a'));
  EXPECT_EQ(d->reason, PortReason::kModify);
  // "vm1\0x..." decodes to "vm1" and compares equal to a clean "vm1".
  Bytes junk = cat({hex("04 0c 00 50 00 00 00 00 | 00 00 00 00 00 00 00 00"), hex(kPortBytes)});
  junk[32 + 5] = 'x';
  auto j = decode_port_status(junk);
  ASSERT_TRUE(j);
  EXPECT_EQ(j->desc, golden_port());
}

TEST(PortStatus, RejectsUnknownReason) {
  Bytes b = cat({hex("04 0c 00 50 00 00 00 00 | 03 00 00 00 00 00 00 00"), hex(kPortBytes)});
  EXPECT_TRUE(fails_with(decode_port_status(b), ErrorType::kBadRequest, bad_request::kBadType));
}

TEST(FormatMessage, NamesUndecodableInput) {
  EXPECT_EQ(format_message(hex("04 0e")), "(malformed: OFPET_BAD_REQUEST/OFPBRC_BAD_LEN)");
  EXPECT_EQ(format_message(hex("04 0e 00 40 00 00 00 05")),
            "OFPT_FLOW_MOD (xid=0x5): (malformed: OFPET_BAD_REQUEST/OFPBRC_BAD_LEN)");
  EXPECT_EQ(format_message(hex("01 0e 00 08 00 00 00 05")),
            "(malformed: OFPET_BAD_REQUEST/OFPBRC_BAD_VERSION)");
  EXPECT_EQ(format_message(hex("04 0a 00 0c 00 00 00 05 01 02 03 04")),
            "OFPT_PACKET_IN (xid=0x5): (malformed: OFPET_BAD_REQUEST/OFPBRC_BAD_LEN)");
  EXPECT_EQ(format_message(hex("04 10 00 0c 00 00 00 05 01 02 03 04")),
            "OFPT_PORT_MOD (xid=0x5): (not decoded, 12 bytes)");
}

}  // namespace
}  // namespace sluice::of
