// HELLO version negotiation: the version bitmap element, both ways, and HELLOs of other
// versions (OpenFlow 1.3.5 §6.3.1, §7.5.1).
#include <gtest/gtest.h>

#include "codec_test_util.h"

namespace sluice::of {
namespace {

using namespace sluice::of::testing;

TEST(HelloVersions, GoldenBitmapForOneThree) {
  const Bytes b = hex("04 00 00 10 00 00 00 07 | 00 01 00 08 00 00 00 10");
  Bytes out;
  encode_hello_versions(7, 1u << kVersion, out);
  EXPECT_EQ(out, b);
  auto v = decode_hello_versions(b);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->header_version, 4);
  EXPECT_TRUE(v->has_bitmap);
  EXPECT_EQ(v->bitmap, 0x10u);
  EXPECT_TRUE(v->offers(4));
  EXPECT_FALSE(v->offers(1));
  EXPECT_FALSE(v->offers(5));
  // Our own strict decoder accepts it too (elements are ignored there).
  EXPECT_TRUE(decode_hello(b));
}

TEST(HelloVersions, BitmapDecidesOverTheHeaderVersion) {
  // Header 1.5 (0x06), bitmap 1.0 and 1.5 only: 1.3 is not offered.
  auto v = decode_hello_versions(hex("06 00 00 10 00 00 00 01 | 00 01 00 08 00 00 00 42"));
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->offers(4));
  EXPECT_TRUE(v->offers(1));
  EXPECT_TRUE(v->offers(6));
  // Header 1.5, bitmap 1.0, 1.3, 1.5.
  v = decode_hello_versions(hex("06 00 00 10 00 00 00 01 | 00 01 00 08 00 00 00 52"));
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->offers(4));
}

TEST(HelloVersions, WithoutBitmapTheHeaderVersionIsTheHighest) {
  auto old = decode_hello_versions(hex("01 00 00 08 00 00 00 01"));
  ASSERT_TRUE(old);
  EXPECT_FALSE(old->has_bitmap);
  EXPECT_FALSE(old->offers(4));
  EXPECT_TRUE(old->offers(1));
  auto newer = decode_hello_versions(hex("05 00 00 08 00 00 00 01"));
  ASSERT_TRUE(newer);
  EXPECT_TRUE(newer->offers(4));
}

TEST(HelloVersions, UnknownElementsAndLongBitmapsAreSkipped) {
  // An unknown element (type 9, 5 bytes + 3 padding), then a bitmap of two words.
  auto v = decode_hello_versions(
      hex("04 00 00 20 00 00 00 01 | 00 09 00 05 aa 00 00 00 | 00 01 00 0c 00 00 00 12 "
          "00 00 00 01 00 00 00 00"));
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->has_bitmap);
  EXPECT_EQ(v->bitmap, 0x12u);
  // The padding after the last element may be missing.
  v = decode_hello_versions(hex("04 00 00 0d 00 00 00 01 | 00 09 00 05 aa"));
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->has_bitmap);
}

TEST(HelloVersions, MalformedIsRejected) {
  const Bytes b = hex("04 00 00 10 00 00 00 07 | 00 01 00 08 00 00 00 10");
  for (size_t n = 0; n < b.size(); ++n) {
    EXPECT_TRUE(fails_with(decode_hello_versions(Bytes(b.begin(), b.begin() + n)),
                           ErrorType::kBadRequest, bad_request::kBadLen))
        << n;
  }
  // Element length below 4, element longer than the message, bitmap not a multiple of 4.
  EXPECT_TRUE(
      fails_with(decode_hello_versions(hex("04 00 00 10 00 00 00 01 00 01 00 03 00 00 00 00")),
                 ErrorType::kBadRequest, bad_request::kBadLen));
  EXPECT_TRUE(
      fails_with(decode_hello_versions(hex("04 00 00 10 00 00 00 01 00 01 00 10 00 00 00 10")),
                 ErrorType::kBadRequest, bad_request::kBadLen));
  EXPECT_TRUE(
      fails_with(decode_hello_versions(hex("04 00 00 10 00 00 00 01 00 01 00 06 00 10 00 00")),
                 ErrorType::kBadRequest, bad_request::kBadLen));
  // Not a HELLO.
  EXPECT_TRUE(fails_with(decode_hello_versions(hex("04 14 00 08 00 00 00 01")),
                         ErrorType::kBadRequest, bad_request::kBadType));
}

}  // namespace
}  // namespace sluice::of
