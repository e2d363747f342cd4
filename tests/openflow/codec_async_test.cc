// Golden and strictness tests for GET_ASYNC_REQUEST / GET_ASYNC_REPLY / SET_ASYNC (OpenFlow
// 1.3.5 §7.3.10). Expected bytes are written from the spec's layout: header, then six u32
// masks (packet_in[2], port_status[2], flow_removed[2]).
#include <gtest/gtest.h>

#include "codec_test_util.h"

namespace sluice::of {
namespace {

using namespace sluice::of::testing;

// SET_ASYNC xid 0x21: PACKET_IN only for ACTION as master, PORT_STATUS ADD|DELETE for both,
// FLOW_REMOVED DELETE as master and HARD as slave.
const char* const kSetAsync =
    "04 1c 00 20 00 00 00 21 | 00000002 00000000 | 00000003 00000003 | 00000004 00000002";

TEST(Async, GoldenSetAsync) {
  const Bytes b = hex(kSetAsync);
  AsyncConfig want;
  want.packet_in_mask[0] = 2;
  want.packet_in_mask[1] = 0;
  want.port_status_mask[0] = want.port_status_mask[1] = 3;
  want.flow_removed_mask[0] = 4;
  want.flow_removed_mask[1] = 2;
  Bytes out;
  encode_set_async(0x21, want, out);
  EXPECT_EQ(out, b);
  auto got = decode_set_async(b);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, want);
  EXPECT_EQ(format_async(*got), "packet_in=0x2/0x0 port_status=0x3/0x3 flow_removed=0x4/0x2");
  EXPECT_EQ(format_message(b),
            "OFPT_SET_ASYNC (xid=0x21): packet_in=0x2/0x0 port_status=0x3/0x3 "
            "flow_removed=0x4/0x2");
}

TEST(Async, GoldenGetAsyncRequestAndDefaultReply) {
  Bytes req;
  encode_get_async_request(7, req);
  EXPECT_EQ(req, hex("04 1a 00 08 00 00 00 07"));
  EXPECT_TRUE(decode_empty(req, MsgType::kGetAsyncRequest));
  // The spec's defaults (§6.1.1): master/equal get every reason, slaves PORT_STATUS only.
  Bytes reply;
  encode_get_async_reply(7, AsyncConfig{}, reply);
  EXPECT_EQ(reply, hex("04 1b 00 20 00 00 00 07 | 00000003 00000000 | 00000007 00000007 | "
                       "0000000f 00000000"));
  auto got = decode_get_async_reply(reply);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, AsyncConfig{});
}

TEST(Async, WrongLengthOrTypeIsRefused) {
  const Bytes b = hex(kSetAsync);
  // Short and long bodies, with the header's length kept consistent.
  for (int delta : {-4, -1, 1, 4}) {
    Bytes m = b;
    if (delta < 0) {
      m.resize(m.size() - static_cast<size_t>(-delta));
    } else {
      m.insert(m.end(), static_cast<size_t>(delta), 0);
    }
    m[3] = static_cast<uint8_t>(m.size());
    EXPECT_TRUE(fails_with(decode_set_async(m), ErrorType::kBadRequest, bad_request::kBadLen))
        << delta;
  }
  // A truncated buffer (header says more than there is).
  Bytes cut(b.begin(), b.end() - 4);
  EXPECT_FALSE(decode_set_async(cut));
  // SET_ASYNC is not a GET_ASYNC_REPLY.
  EXPECT_TRUE(
      fails_with(decode_get_async_reply(b), ErrorType::kBadRequest, bad_request::kBadType));
}

}  // namespace
}  // namespace sluice::of
