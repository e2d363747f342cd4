// GROUP_MOD golden tests and every OFPET_GROUP_MOD_FAILED code the decoder produces.
#include <gtest/gtest.h>

#include <memory>

#include "codec_test_util.h"

namespace sluice::of {
namespace {

using namespace sluice::of::testing;

// Bridge domain 100's flood group: access port 1, trunk port 2 (tagged).
const Bytes kFlood =
    hex("04 0f 00 68 00 00 00 11 | 00 00 | 00 | 00 | 00 00 00 64"
        "00 20 00 00 ff ff ff ff ff ff ff ff 00 00 00 00"
        "  00 00 00 10 00 00 00 01 00 00 00 00 00 00 00 00"
        "00 38 00 00 ff ff ff ff ff ff ff ff 00 00 00 00"
        "  00 11 00 08 81 00 00 00"
        "  00 19 00 10 80 00 0c 02 10 64 00 00 00 00 00 00"
        "  00 00 00 10 00 00 00 02 00 00 00 00 00 00 00 00");

std::unique_ptr<GroupMod> flood_group() {
  auto gm = std::make_unique<GroupMod>();
  gm->group.group_id = 100;
  gm->group.type = GroupType::kAll;
  gm->group.n_buckets = 2;
  gm->group.buckets[0].actions.push(Action{.type = ActionType::kOutput, .port = 1});
  ActionList& tagged = gm->group.buckets[1].actions;
  tagged.push(Action{.type = ActionType::kPushVlan, .ethertype = 0x8100});
  tagged.push(Action{.type = ActionType::kSetField, .field = Field::kVlanVid, .value = 0x1064});
  tagged.push(Action{.type = ActionType::kOutput, .port = 2});
  return gm;
}

Decoded<void> decode(std::span<const uint8_t> m) {
  auto gm = std::make_unique<GroupMod>();
  return decode_group_mod(m, *gm);
}

::testing::AssertionResult bad_group(const Bytes& b, uint16_t code) {
  return fails_with(decode(b), ErrorType::kGroupModFailed, code);
}

TEST(GroupMod, Golden) {
  auto got = std::make_unique<GroupMod>();
  auto ok = decode_group_mod(kFlood, *got);
  ASSERT_TRUE(ok) << error_text(ok.error());
  EXPECT_EQ(*got, *flood_group());
  Bytes out;
  encode_group_mod(0x11, *flood_group(), out);
  EXPECT_EQ(out, kFlood);
  EXPECT_EQ(format_message(kFlood),
            "OFPT_GROUP_MOD (xid=0x11): ADD group_id=100,type=all,bucket=actions=output:1,"
            "bucket=actions=push_vlan:0x8100,set_field:0x1064->vlan_vid,output:2");
}

TEST(GroupMod, SelectWithWeightsAndWatch) {
  auto gm = std::make_unique<GroupMod>();
  gm->command = GroupModCommand::kModify;
  gm->group.type = GroupType::kSelect;
  gm->group.group_id = 7;
  gm->group.n_buckets = 1;
  gm->group.buckets[0].weight = 10;
  gm->group.buckets[0].watch_port = 4;
  gm->group.buckets[0].actions.push(Action{.type = ActionType::kOutput, .port = 4});
  const Bytes want =
      hex("04 0f 00 30 00 00 00 01 | 00 01 | 01 | 00 | 00 00 00 07"
          "00 20 00 0a 00 00 00 04 ff ff ff ff 00 00 00 00"
          "  00 00 00 10 00 00 00 04 00 00 00 00 00 00 00 00");
  Bytes out;
  encode_group_mod(1, *gm, out);
  EXPECT_EQ(out, want);
  auto got = std::make_unique<GroupMod>();
  ASSERT_TRUE(decode_group_mod(want, *got));
  EXPECT_EQ(*got, *gm);
  EXPECT_EQ(format_group_mod(*got),
            "MODIFY group_id=7,type=select,bucket=weight:10,watch_port:4,actions=output:4");
}

TEST(GroupMod, EveryPrefixIsRejected) {
  expect_prefixes_rejected(kFlood, decode);
  // Cut inside the fixed part: bad length; cut inside a bucket: bad bucket.
  for (size_t n = kHeaderSize; n < 16; ++n) {
    EXPECT_TRUE(fails_with(decode(fix_length(Bytes(kFlood.begin(), kFlood.begin() + n))),
                           ErrorType::kBadRequest, bad_request::kBadLen))
        << n;
  }
  for (size_t n = 16; n < kFlood.size(); ++n) {
    if (n == 16 || n == 48) continue;  // whole buckets: a valid shorter group
    EXPECT_TRUE(bad_group(fix_length(Bytes(kFlood.begin(), kFlood.begin() + n)),
                          group_mod_failed::kBadBucket))
        << n;
  }
}

TEST(GroupModErrors, BadCommandAndType) {
  Bytes b = kFlood;
  b[9] = 3;
  EXPECT_TRUE(bad_group(b, group_mod_failed::kBadCommand));
  b = kFlood;
  b[10] = 4;
  EXPECT_TRUE(bad_group(b, group_mod_failed::kBadType));
}

TEST(GroupModErrors, InvalidGroupId) {
  Bytes b = kFlood;
  b[12] = b[13] = b[14] = 0xff;
  b[15] = 0xfc;  // OFPG_ALL
  EXPECT_TRUE(bad_group(b, group_mod_failed::kInvalidGroup));
  b[9] = 2;  // DELETE may name OFPG_ALL
  EXPECT_TRUE(decode(b));
}

TEST(GroupModErrors, BadBucketLength) {
  Bytes b = kFlood;
  b[17] = 0x18;  // first bucket claims 24 bytes: its action is cut
  EXPECT_FALSE(decode(b));
  b[17] = 0x1c;  // not a multiple of 8
  EXPECT_TRUE(bad_group(b, group_mod_failed::kBadBucket));
  b[17] = 0x08;  // shorter than a bucket header
  EXPECT_TRUE(bad_group(b, group_mod_failed::kBadBucket));
  b[16] = 0x01;  // past the end of the message
  b[17] = 0x00;
  EXPECT_TRUE(bad_group(b, group_mod_failed::kBadBucket));
}

TEST(GroupModErrors, OutOfBuckets) {
  const Bytes bucket = hex("00 10 00 00 ff ff ff ff ff ff ff ff 00 00 00 00");
  Bytes b = hex("04 0f 00 00 00 00 00 01 | 00 00 | 00 | 00 | 00 00 00 01");
  for (size_t i = 0; i < kMaxBuckets; ++i) b = cat({b, bucket});
  EXPECT_TRUE(decode(fix_length(b)));
  b = cat({b, bucket});
  EXPECT_TRUE(bad_group(fix_length(b), group_mod_failed::kOutOfBuckets));
}

TEST(GroupModErrors, BucketsTooLargeForAGroupDescReply) {
  // 163 buckets of 16 Sluice actions (400 bytes each) plus one of 312 bytes: 65512 bytes of
  // buckets, 8 more than one GROUP_DESC reply entry can hold.
  const Bytes sluice_action =
      hex("ff ff 00 18 00 53 4c 55 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 01");
  auto bucket = [&](size_t n_sluice, bool pop_vlan) {
    Bytes b = hex("00 00 00 00 ff ff ff ff ff ff ff ff 00 00 00 00");
    for (size_t i = 0; i < n_sluice; ++i) b = cat({b, sluice_action});
    if (pop_vlan) b = cat({b, hex("00 12 00 08 00 00 00 00")});
    put_u16(b, 0, static_cast<uint16_t>(b.size()));
    return b;
  };
  Bytes head = hex("04 0f 00 00 00 00 00 01 | 00 00 | 00 | 00 | 00 00 00 01");
  for (int i = 0; i < 163; ++i) head = cat({head, bucket(16, false)});
  const Bytes too_big = fix_length(cat({head, bucket(12, true)}));
  ASSERT_EQ(too_big.size(), 16u + 65512);
  EXPECT_TRUE(bad_group(too_big, group_mod_failed::kOutOfBuckets));
  // 8 bytes fewer is accepted, and the group's GROUP_DESC reply fits in one message.
  const Bytes fits = fix_length(cat({head, bucket(12, false)}));
  auto gm = std::make_unique<GroupMod>();
  ASSERT_TRUE(decode_group_mod(fits, *gm));
  Bytes reply;
  encode_group_desc_reply(1, std::span(&gm->group, 1), reply);
  EXPECT_EQ(reply.size(), kMaxMessageSize - 7);
}

TEST(GroupModErrors, ActionErrorsInsideBuckets) {
  Bytes b = kFlood;
  b[68] = 0x08;  // second bucket's push_vlan ethertype 0x8100 -> 0x0800
  EXPECT_TRUE(fails_with(decode(b), ErrorType::kBadAction, bad_action::kBadArgument));
}

}  // namespace
}  // namespace sluice::of
