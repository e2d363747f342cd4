// Golden and strictness tests for ROLE_REQUEST / ROLE_REPLY (OpenFlow 1.3.5 §7.3.9). Expected
// bytes are written from the spec's layout: header, u32 role, pad[4], u64 generation_id.
#include <gtest/gtest.h>

#include "codec_test_util.h"

namespace sluice::of {
namespace {

using namespace sluice::of::testing;

// ROLE_REQUEST xid 0x11, MASTER, generation_id 0x0102030405060708.
const char* const kMasterRequest =
    "04 18 00 18 00 00 00 11 | 00 00 00 02 | 00 00 00 00 | 01 02 03 04 05 06 07 08";

TEST(Role, GoldenRequest) {
  const Bytes b = hex(kMasterRequest);
  const RoleRequest want{ControllerRole::kMaster, {}, 0x0102030405060708};
  Bytes out;
  encode_role_request(0x11, want, out);
  EXPECT_EQ(out, b);
  auto got = decode_role_request(b);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, want);
  EXPECT_EQ(format_role(*got), "role=MASTER generation_id=72623859790382856");
}

TEST(Role, GoldenReplyForEveryRole) {
  const struct {
    ControllerRole role;
    const char* bytes;
    const char* name;
  } cases[] = {
      {ControllerRole::kNoChange, "04 19 00 18 00 00 00 05 00 00 00 00 00000000 0000000000000000",
       "NOCHANGE"},
      {ControllerRole::kEqual, "04 19 00 18 00 00 00 05 00 00 00 01 00000000 0000000000000000",
       "EQUAL"},
      {ControllerRole::kMaster, "04 19 00 18 00 00 00 05 00 00 00 02 00000000 0000000000000000",
       "MASTER"},
      {ControllerRole::kSlave, "04 19 00 18 00 00 00 05 00 00 00 03 00000000 0000000000000000",
       "SLAVE"},
  };
  for (const auto& c : cases) {
    Bytes out;
    encode_role_reply(5, RoleRequest{c.role, {}, 0}, out);
    EXPECT_EQ(out, hex(c.bytes)) << c.name;
    auto got = decode_role_reply(out);
    ASSERT_TRUE(got) << c.name;
    EXPECT_EQ(got->role, c.role);
    EXPECT_EQ(role_name(got->role), c.name);
  }
}

TEST(Role, RequestAndReplyAreNotInterchangeable) {
  const Bytes request = hex(kMasterRequest);
  EXPECT_TRUE(
      fails_with(decode_role_reply(request), ErrorType::kBadRequest, bad_request::kBadType));
  Bytes reply;
  encode_role_reply(1, RoleRequest{ControllerRole::kSlave, {}, 1}, reply);
  EXPECT_TRUE(
      fails_with(decode_role_request(reply), ErrorType::kBadRequest, bad_request::kBadType));
}

TEST(Role, UnknownRoleIsBadRole) {
  for (uint8_t role : {uint8_t{4}, uint8_t{0x7f}, uint8_t{0xff}}) {
    Bytes b = hex(kMasterRequest);
    b[11] = role;
    EXPECT_TRUE(fails_with(decode_role_request(b), ErrorType::kRoleRequestFailed,
                           role_request_failed::kBadRole))
        << int{role};
  }
  Bytes high = hex(kMasterRequest);
  high[8] = 0x01;  // 0x01000002: not MASTER
  EXPECT_TRUE(fails_with(decode_role_request(high), ErrorType::kRoleRequestFailed,
                         role_request_failed::kBadRole));
  EXPECT_EQ(role_name(static_cast<ControllerRole>(7)), "ROLE_7");
}

// (format_message() does not decode ROLE bodies yet, so the shared helpers' text checks do not
// apply; the decoder's answers are checked here one by one.)
TEST(Role, MalformedLengthsAreRejected) {
  const Bytes b = hex(kMasterRequest);
  for (size_t n = 0; n < b.size(); ++n) {
    const Bytes prefix(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_TRUE(
        fails_with(decode_role_request(prefix), ErrorType::kBadRequest, bad_request::kBadLen))
        << "prefix of " << n << " bytes";
    if (n >= kHeaderSize) {
      EXPECT_TRUE(fails_with(decode_role_request(fix_length(prefix)), ErrorType::kBadRequest,
                             bad_request::kBadLen))
          << "body cut to " << n << " bytes, length field updated";
    }
  }
  Bytes longer = b;
  longer.push_back(0);
  EXPECT_TRUE(
      fails_with(decode_role_request(longer), ErrorType::kBadRequest, bad_request::kBadLen));
  EXPECT_TRUE(fails_with(decode_role_request(fix_length(longer)), ErrorType::kBadRequest,
                         bad_request::kBadLen));
  Bytes claims_more = b;
  put_u16(claims_more, 2, static_cast<uint16_t>(b.size() + 8));
  EXPECT_TRUE(
      fails_with(decode_role_request(claims_more), ErrorType::kBadRequest, bad_request::kBadLen));
}

TEST(Role, WrongVersionIsRejected) {
  Bytes b = hex(kMasterRequest);
  b[0] = 0x05;
  EXPECT_TRUE(fails_with(decode_role_request(b), ErrorType::kBadRequest, bad_request::kBadVersion));
}

}  // namespace
}  // namespace sluice::of
