// Sluice experimenter messages: golden tests for PORT_ADD, PORT_DEL, PORT_SET, SWITCH_CONFIG
// and their errors.
#include <gtest/gtest.h>

#include "codec_test_util.h"

namespace sluice::of {
namespace {

using namespace sluice::of::testing;

Bytes port_add_bytes(uint8_t type, uint8_t flags, std::string_view name) {
  Bytes b = hex("04 04 02 28 00 00 00 0c | 00 53 4c 55 | 00 00 00 01 | 00 00 00 01 | 00 00 05 dc");
  b[20] = type;
  b[21] = flags;
  return cat({b, padded(name, 16), padded("/tmp/vm1.sock", 256), padded("", 256)});
}

PortAdd golden_port_add() {
  PortAdd p;
  p.port_no = 1;
  p.type = PortType::kVhostUser;
  p.flags = port_flags::kVhostClient;
  p.mtu = 1500;
  p.name.assign("vm1");
  p.device.assign("/tmp/vm1.sock");
  return p;
}

TEST(SluicePortAdd, Golden) {
  const Bytes b = port_add_bytes(1, 1, "vm1");
  ASSERT_EQ(b.size(), 552u);
  Bytes out;
  encode_port_add(12, golden_port_add(), out);
  EXPECT_EQ(out, b);
  auto type = decode_sluice_type(b);
  ASSERT_TRUE(type);
  EXPECT_EQ(*type, SluiceMsgType::kPortAdd);
  auto got = decode_port_add(b);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, golden_port_add());
  EXPECT_EQ(format_message(b),
            "OFPT_EXPERIMENTER (xid=0xc): PORT_ADD port=1 name=vm1 type=vhost-user "
            "device=/tmp/vm1.sock mtu=1500 flags=vhost_client");
  expect_prefixes_rejected(b, decode_port_add);
  expect_short_bodies_rejected(b, decode_port_add);
  expect_overlong_rejected(b, decode_port_add);
}

TEST(SluicePortAdd, FullWidthName) {
  auto got = decode_port_add(port_add_bytes(1, 0, "abcdefghijklmnop"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name.view(), "abcdefghijklmnop");
}

TEST(SluicePortAdd, BadPortType) {
  for (uint8_t type : {uint8_t{0}, uint8_t{8}, uint8_t{0xff}}) {
    EXPECT_TRUE(fails_with(decode_port_add(port_add_bytes(type, 0, "vm1")),
                           ErrorType::kExperimenter, sluice_error::kBadPortType,
                           kSluiceExperimenter))
        << int{type};
  }
  EXPECT_EQ(error_type_name(ErrorType::kExperimenter, sluice_error::kBadPortType),
            "SLUICE/BAD_PORT_TYPE");
}

TEST(SluicePortAdd, BadArguments) {
  EXPECT_TRUE(fails_with(decode_port_add(port_add_bytes(1, 2, "vm1")), ErrorType::kExperimenter,
                         sluice_error::kBadPortArgument, kSluiceExperimenter));  // flags
  EXPECT_TRUE(fails_with(decode_port_add(port_add_bytes(1, 0, "")), ErrorType::kExperimenter,
                         sluice_error::kBadPortArgument, kSluiceExperimenter));  // no name
  Bytes b = port_add_bytes(1, 0, "vm1");
  b[16] = b[17] = b[18] = b[19] = 0;  // port 0
  EXPECT_TRUE(fails_with(decode_port_add(b), ErrorType::kExperimenter,
                         sluice_error::kBadPortArgument, kSluiceExperimenter));
}

TEST(SluicePortDel, Golden) {
  const Bytes b =
      hex("04 04 00 18 00 00 00 0d | 00 53 4c 55 | 00 00 00 02 | 00 00 00 01 00 00 00 00");
  Bytes out;
  encode_port_del(13, PortDel{1}, out);
  EXPECT_EQ(out, b);
  auto got = decode_port_del(b);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->port_no, 1u);
  EXPECT_EQ(format_message(b), "OFPT_EXPERIMENTER (xid=0xd): PORT_DEL port=1");
  expect_prefixes_rejected(b, decode_port_del);
  expect_short_bodies_rejected(b, decode_port_del);
  expect_overlong_rejected(b, decode_port_del);
}

TEST(SluicePortSet, Golden) {
  const Bytes b =
      hex("04 04 00 20 00 00 00 0e | 00 53 4c 55 | 00 00 00 03 |"
          "00 00 00 01 | 23 28 | 01 | 00 | 00 00 00 64 | 00 00 00 00");
  PortSet p;
  p.port_no = 1;
  p.mtu = 9000;
  p.admin_up = 1;
  p.mac_limit = 100;
  Bytes out;
  encode_port_set(14, p, out);
  EXPECT_EQ(out, b);
  auto got = decode_port_set(b);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, p);
  EXPECT_EQ(format_message(b),
            "OFPT_EXPERIMENTER (xid=0xe): PORT_SET port=1 mtu=9000 admin=up mac_limit=100");
  expect_prefixes_rejected(b, decode_port_set);
  expect_short_bodies_rejected(b, decode_port_set);
  expect_overlong_rejected(b, decode_port_set);
  Bytes bad = b;
  bad[22] = 2;
  EXPECT_TRUE(fails_with(decode_port_set(bad), ErrorType::kExperimenter,
                         sluice_error::kBadPortArgument, kSluiceExperimenter));
}

TEST(SluiceSwitchConfig, Golden) {
  const Bytes b =
      hex("04 04 00 18 00 00 00 0f | 00 53 4c 55 | 00 00 00 04 | 00 00 01 2c 28 00 00 00");
  Bytes out;
  encode_switch_config(15, SwitchConfig{300}, out);
  EXPECT_EQ(out, b);
  auto got = decode_switch_config(b);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->mac_aging_seconds, 300u);
  EXPECT_EQ(got->learning_table, 40);
  EXPECT_EQ(format_message(b),
            "OFPT_EXPERIMENTER (xid=0xf): SWITCH_CONFIG mac_aging=300s learning_table=40");
  out.clear();
  encode_switch_config(15, SwitchConfig{60, kNoLearningTable}, out);
  EXPECT_EQ(format_message(out),
            "OFPT_EXPERIMENTER (xid=0xf): SWITCH_CONFIG mac_aging=60s learning_table=none");
  expect_prefixes_rejected(b, decode_switch_config);
  expect_short_bodies_rejected(b, decode_switch_config);
  expect_overlong_rejected(b, decode_switch_config);
}

TEST(SluiceErrors, ExperimenterAndExpType) {
  const Bytes nicira =
      hex("04 04 00 18 00 00 00 01 | 00 00 23 20 | 00 00 00 04 | 00 00 01 2c 00 00 00 00");
  EXPECT_TRUE(fails_with(decode_sluice_type(nicira), ErrorType::kBadRequest,
                         bad_request::kBadExperimenter));
  EXPECT_TRUE(fails_with(decode_switch_config(nicira), ErrorType::kBadRequest,
                         bad_request::kBadExperimenter));
  const Bytes unknown =
      hex("04 04 00 18 00 00 00 01 | 00 53 4c 55 | 00 00 00 09 | 00 00 01 2c 00 00 00 00");
  EXPECT_TRUE(
      fails_with(decode_sluice_type(unknown), ErrorType::kBadRequest, bad_request::kBadExpType));
  EXPECT_EQ(format_message(unknown),
            "OFPT_EXPERIMENTER (xid=0x1): (malformed: OFPET_BAD_REQUEST/OFPBRC_BAD_EXP_TYPE)");
  // A valid PORT_DEL is not a SWITCH_CONFIG.
  const Bytes del =
      hex("04 04 00 18 00 00 00 0d | 00 53 4c 55 | 00 00 00 02 | 00 00 00 01 00 00 00 00");
  EXPECT_TRUE(
      fails_with(decode_switch_config(del), ErrorType::kBadRequest, bad_request::kBadExpType));
}

}  // namespace
}  // namespace sluice::of
