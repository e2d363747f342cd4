// OXM match decoding: every field's encoding, values ANDed with masks, and each OFPET_BAD_MATCH
// code the decoder can produce. Matches are carried in a FLOW_MOD, as on the wire.
#include <gtest/gtest.h>

#include "codec_test_util.h"
#include "openflow/oxm.h"

namespace sluice::of {
namespace {

using namespace sluice::of::testing;

Decoded<Match> decode_tlvs(const Bytes& tlvs) {
  FlowMod fm;
  auto ok = decode_flow_mod(flow_mod_of(match_of(tlvs), {}), fm);
  if (!ok) return std::unexpected(ok.error());
  return fm.match;
}

::testing::AssertionResult bad_match(const Bytes& tlvs, uint16_t code) {
  return fails_with(decode_tlvs(tlvs), ErrorType::kBadMatch, code);
}

// A FLOW_MOD (priority 100, as flow_mod_of() builds) carrying 'm', encoded.
Bytes flow_mod_bytes(const Match& m) {
  Bytes out;
  FlowMod fm;
  fm.priority = 100;
  fm.match = m;
  encode_flow_mod(1, fm, out);
  return out;
}

// eth_type=0x0800 and ip_proto=N, the prerequisites of the L4 fields.
Bytes ipv4_proto(uint8_t proto) {
  Bytes b = hex("80 00 0a 02 08 00 | 80 00 14 01 00");
  b.back() = proto;
  return b;
}

TEST(Match, EmptyMatchIsEightBytes) {
  auto m = decode_tlvs({});
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, Match{});
  EXPECT_EQ(match_of({}), hex("00 01 00 04 00 00 00 00"));
}

TEST(Match, EveryFieldExact) {
  const Bytes tlvs = cat({
      hex("80 00 00 04 00 00 00 07"),              // in_port 7
      hex("80 00 04 08 00 00 00 00 00 00 01 00"),  // metadata 0x100
      hex("80 00 06 06 02 00 00 00 00 02"),        // eth_dst
      hex("80 00 08 06 02 00 00 00 00 01"),        // eth_src
      hex("80 00 0a 02 08 00"),                    // eth_type
      hex("80 00 0c 02 10 0a"),                    // vlan_vid present|10
      hex("80 00 14 01 11"),                       // ip_proto 17
      hex("80 00 16 04 0a 00 00 01"),              // ipv4_src 10.0.0.1
      hex("80 00 18 04 0a 00 00 02"),              // ipv4_dst 10.0.0.2
      hex("80 00 1e 02 00 35"),                    // udp_src 53
      hex("80 00 20 02 04 00"),                    // udp_dst 1024
      hex("80 00 4c 08 00 00 00 00 00 00 13 88"),  // tunnel_id 5000
  });
  auto m = decode_tlvs(tlvs);
  ASSERT_TRUE(m) << error_text(m.error());
  Match want;
  want.present =
      field_bit(Field::kInPort) | field_bit(Field::kMetadata) | field_bit(Field::kEthDst) |
      field_bit(Field::kEthSrc) | field_bit(Field::kEthType) | field_bit(Field::kVlanVid) |
      field_bit(Field::kIpProto) | field_bit(Field::kIpv4Src) | field_bit(Field::kIpv4Dst) |
      field_bit(Field::kUdpSrc) | field_bit(Field::kUdpDst) | field_bit(Field::kTunnelId);
  want.in_port = 7;
  want.metadata = 0x100;
  want.eth_dst = {2, 0, 0, 0, 0, 2};
  want.eth_src = {2, 0, 0, 0, 0, 1};
  want.eth_type = 0x0800;
  want.vlan_vid = 0x100a;
  want.ip_proto = 17;
  want.ipv4_src = 0x0a000001;
  want.ipv4_dst = 0x0a000002;
  want.udp_src = 53;
  want.udp_dst = 1024;
  want.tunnel_id = 5000;
  EXPECT_EQ(*m, want);
  EXPECT_EQ(format_match(*m),
            "udp,tun_id=0x1388,metadata=0x100,in_port=7,dl_vlan=10,dl_src=02:00:00:00:00:01,"
            "dl_dst=02:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=53,tp_dst=1024");
  // Re-encoding gives the same TLVs in the same (field number) order.
  EXPECT_EQ(flow_mod_bytes(*m), flow_mod_of(match_of(tlvs), {}));
}

TEST(Match, TcpAndIcmpFields) {
  auto tcp = decode_tlvs(cat({ipv4_proto(6), hex("80 00 1a 02 04 d2 | 80 00 1c 02 00 50")}));
  ASSERT_TRUE(tcp);
  EXPECT_EQ(tcp->tcp_src, 1234);
  EXPECT_EQ(tcp->tcp_dst, 80);
  EXPECT_EQ(format_match(*tcp), "tcp,tp_src=1234,tp_dst=80");
  auto icmp = decode_tlvs(cat({ipv4_proto(1), hex("80 00 26 01 08 | 80 00 28 01 00")}));
  ASSERT_TRUE(icmp);
  EXPECT_EQ(icmp->icmpv4_type, 8);
  EXPECT_EQ(format_match(*icmp), "icmp,icmp_type=8,icmp_code=0");
}

// TCP and UDP ports take bitwise masks, as in Open vSwitch (ovs-ofctl sends tp_dst=0x1f40/0xffc0
// as a masked OXM in OpenFlow 1.3; the firewall writes port ranges this way).
TEST(Match, MaskedPortsRoundTrip) {
  const Bytes tlvs = cat({ipv4_proto(6), hex("80 00 1b 04 04 00 fc 00 | 80 00 1d 04 1f 40 ff c0")});
  auto tcp = decode_tlvs(tlvs);
  ASSERT_TRUE(tcp) << error_text(tcp.error());
  EXPECT_EQ(tcp->tcp_src, 0x0400);
  EXPECT_EQ(tcp->tcp_src_mask, 0xfc00);
  EXPECT_EQ(tcp->tcp_dst, 0x1f40);
  EXPECT_EQ(tcp->tcp_dst_mask, 0xffc0);
  EXPECT_TRUE(tcp->has_mask(Field::kTcpDst));
  EXPECT_EQ(format_match(*tcp), "tcp,tp_src=0x400/0xfc00,tp_dst=0x1f40/0xffc0");
  EXPECT_EQ(flow_mod_bytes(*tcp), flow_mod_of(match_of(tlvs), {}));
  // An all-ones mask is an exact match and prints as one.
  auto udp = decode_tlvs(cat({ipv4_proto(17), hex("80 00 21 04 00 35 ff ff")}));
  ASSERT_TRUE(udp);
  EXPECT_EQ(format_match(*udp), "udp,tp_dst=53");
  // Value bits outside the mask are refused, as for every masked field.
  EXPECT_TRUE(bad_match(cat({ipv4_proto(6), hex("80 00 1d 04 1f 41 ff c0")}),
                        bad_match::kBadWildcards));
}

TEST(Match, ArpFieldsRoundTrip) {
  const Bytes tlvs = cat({
      hex("80 00 0a 02 08 06"),                                // eth_type ARP
      hex("80 00 2a 02 00 01"),                                // arp_op 1
      hex("80 00 2d 08 0a 00 00 00 ff ff ff 00"),              // arp_spa 10.0.0.0/24
      hex("80 00 2e 04 0a 00 00 01"),                          // arp_tpa 10.0.0.1
      hex("80 00 31 0c 02 00 00 00 00 00 ff ff ff 00 00 00"),  // arp_sha, an OUI
  });
  auto m = decode_tlvs(tlvs);
  ASSERT_TRUE(m) << error_text(m.error());
  Match want;
  want.present = field_bit(Field::kEthType) | field_bit(Field::kArpOp) |
                 field_bit(Field::kArpSpa) | field_bit(Field::kArpTpa) | field_bit(Field::kArpSha);
  want.masked = field_bit(Field::kArpSpa) | field_bit(Field::kArpSha);
  want.eth_type = 0x0806;
  want.arp_op = 1;
  want.arp_spa = 0x0a000000;
  want.arp_spa_mask = 0xffffff00;
  want.arp_tpa = 0x0a000001;
  want.arp_sha = {2, 0, 0, 0, 0, 0};
  want.arp_sha_mask = {0xff, 0xff, 0xff, 0, 0, 0};
  EXPECT_EQ(*m, want);
  EXPECT_EQ(format_match(*m),
            "arp,arp_spa=10.0.0.0/24,arp_tpa=10.0.0.1,arp_op=1,"
            "arp_sha=02:00:00:00:00:00/ff:ff:ff:00:00:00");
  EXPECT_EQ(flow_mod_bytes(*m), flow_mod_of(match_of(tlvs), {}));
}

TEST(Match, MaskedFieldsStoreValueAndMaskAndSetMaskedBit) {
  const Bytes tlvs = cat({
      hex("80 00 05 10 00 00 00 00 00 00 00 64 00 00 00 00 00 00 0f ff"),  // metadata/0xfff
      hex("80 00 07 0c 01 00 00 00 00 00 01 00 00 00 00 00"),              // eth_dst multicast
      hex("80 00 0a 02 08 00"),
      hex("80 00 17 08 0a 01 00 00 ff ff 00 00"),  // 10.1.0.0/16
      hex("80 00 19 08 0a 00 01 00 ff 00 ff 00"),  // non-CIDR mask
      hex("80 00 0d 04 10 00 10 00"),              // any tagged
  });
  auto m = decode_tlvs(tlvs);
  ASSERT_TRUE(m) << error_text(m.error());
  EXPECT_TRUE(m->has_mask(Field::kMetadata));
  EXPECT_EQ(m->metadata, 0x64u);
  EXPECT_EQ(m->metadata_mask, 0xfffu);
  EXPECT_EQ(m->eth_dst_mask, (MacAddr{1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(m->ipv4_src_mask, 0xffff0000u);
  EXPECT_EQ(m->vlan_vid_mask, 0x1000);
  EXPECT_FALSE(m->has_mask(Field::kEthType));
  // Unmasked fields keep all-ones masks.
  EXPECT_EQ(m->tunnel_id_mask, ~uint64_t{0});
  EXPECT_EQ(m->eth_src_mask, kMacExact);
  EXPECT_EQ(format_match(*m),
            "ip,metadata=0x64/0xfff,vlan_tci=0x1000/0x1000,"
            "dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,nw_src=10.1.0.0/16,"
            "nw_dst=10.0.1.0/255.0.255.0");
}

TEST(Match, VlanForms) {
  auto untagged = decode_tlvs(hex("80 00 0c 02 00 00"));
  ASSERT_TRUE(untagged);
  EXPECT_EQ(untagged->vlan_vid, kVidNone);
  EXPECT_EQ(untagged->vlan_vid_mask, 0x1fff);
  EXPECT_EQ(format_match(*untagged), "vlan_tci=0x0000/0x1fff");
  auto tagged = decode_tlvs(hex("80 00 0c 02 10 64"));
  ASSERT_TRUE(tagged);
  EXPECT_EQ(format_match(*tagged), "dl_vlan=100");
}

TEST(MatchErrors, BadType) {
  Bytes fm = flow_mod_of(hex("00 00 00 04 00 00 00 00"), {});  // OFPMT_STANDARD
  EXPECT_TRUE(fails_with(decode_flow_mod_bytes(fm), ErrorType::kBadMatch, bad_match::kBadType));
}

TEST(MatchErrors, BadField) {
  EXPECT_TRUE(bad_match(hex("80 00 02 04 00 00 00 01"), bad_match::kBadField));  // in_phy_port
  EXPECT_TRUE(bad_match(hex("80 00 10 01 00"), bad_match::kBadField));           // ip_dscp
  EXPECT_TRUE(bad_match(hex("80 00 0a 02 08 06 | 80 00 32 06 02 00 00 00 00 01"),
                        bad_match::kBadField));  // arp_tha
  EXPECT_TRUE(bad_match(hex("00 01 00 04 00 00 00 01"), bad_match::kBadField));  // NXM class
  EXPECT_TRUE(bad_match(hex("ff ff 00 08 00 00 23 20 00 00 00 01"), bad_match::kBadField));
}

TEST(MatchErrors, BadLen) {
  EXPECT_TRUE(bad_match(hex("80 00 00 02 00 01"), bad_match::kBadLen));        // in_port len 2
  EXPECT_TRUE(bad_match(hex("80 00 0a 04 00 00 08 00"), bad_match::kBadLen));  // eth_type len 4
  EXPECT_TRUE(bad_match(hex("80 00 05 08 00 00 00 00 00 00 00 01"), bad_match::kBadLen));
  EXPECT_TRUE(bad_match(hex("80 00"), bad_match::kBadLen));              // TLV header cut short
  EXPECT_TRUE(bad_match(hex("80 00 00 04 00 00"), bad_match::kBadLen));  // value cut short
  // Match length pointing past the message.
  Bytes fm = flow_mod_of(hex("00 01 00 40 80 00 00 04 00 00 00 01"), {});
  EXPECT_TRUE(fails_with(decode_flow_mod_bytes(fm), ErrorType::kBadMatch, bad_match::kBadLen));
  // Match length < 4.
  fm = flow_mod_of(hex("00 01 00 02 00 00 00 00"), {});
  EXPECT_TRUE(fails_with(decode_flow_mod_bytes(fm), ErrorType::kBadMatch, bad_match::kBadLen));
  // Padding missing: length 12 needs 4 bytes of padding, the message ends after 2.
  fm = flow_mod_of(hex("00 01 00 0c 80 00 00 04 00 00 00 01 00 00"), {});
  EXPECT_TRUE(fails_with(decode_flow_mod_bytes(fm), ErrorType::kBadMatch, bad_match::kBadLen));
  // No match at all.
  fm = flow_mod_of({}, {});
  EXPECT_TRUE(fails_with(decode_flow_mod_bytes(fm), ErrorType::kBadMatch, bad_match::kBadLen));
}

TEST(MatchErrors, DupField) {
  EXPECT_TRUE(
      bad_match(hex("80 00 00 04 00 00 00 01 | 80 00 00 04 00 00 00 02"), bad_match::kDupField));
  EXPECT_TRUE(bad_match(hex("80 00 0c 02 10 01 | 80 00 0d 04 10 00 10 00"), bad_match::kDupField));
}

TEST(MatchErrors, BadMask) {
  EXPECT_TRUE(bad_match(hex("80 00 01 08 00 00 00 01 ff ff ff ff"), bad_match::kBadMask));
  EXPECT_TRUE(bad_match(hex("80 00 0b 04 08 00 ff ff"), bad_match::kBadMask));  // eth_type
  EXPECT_TRUE(bad_match(hex("80 00 0a 02 08 00 | 80 00 15 02 06 ff"),
                        bad_match::kBadMask));                                  // ip_proto
  EXPECT_TRUE(bad_match(hex("80 00 0d 04 10 00 f0 00"), bad_match::kBadMask));  // vlan mask
  EXPECT_TRUE(bad_match(hex("80 00 0a 02 08 06 | 80 00 2b 04 00 01 ff ff"),
                        bad_match::kBadMask));  // arp_op
}

TEST(MatchErrors, BadWildcards) {
  // Value bits outside the mask (spec 7.2.3.5).
  EXPECT_TRUE(bad_match(hex("80 00 05 10 00 00 00 00 00 00 10 64 00 00 00 00 00 00 0f ff"),
                        bad_match::kBadWildcards));
  EXPECT_TRUE(bad_match(hex("80 00 0a 02 08 00 | 80 00 17 08 0a 00 00 01 ff ff ff 00"),
                        bad_match::kBadWildcards));
  EXPECT_TRUE(
      bad_match(hex("80 00 07 0c 02 00 00 00 00 01 ff ff ff ff ff 00"), bad_match::kBadWildcards));
  EXPECT_TRUE(bad_match(hex("80 00 0a 02 08 06 | 80 00 2d 08 0a 00 00 01 ff ff ff 00"),
                        bad_match::kBadWildcards));  // arp_spa
}

TEST(MatchErrors, BadValue) {
  EXPECT_TRUE(bad_match(hex("80 00 0c 02 20 00"), bad_match::kBadValue));  // > 0x1fff
  EXPECT_TRUE(bad_match(hex("80 00 0c 02 00 64"), bad_match::kBadValue));  // VID, no PRESENT
  // arp_op above 255: the dataplane keeps 8 bits of it.
  EXPECT_TRUE(bad_match(hex("80 00 0a 02 08 06 | 80 00 2a 02 01 00"), bad_match::kBadValue));
  EXPECT_TRUE(decode_tlvs(hex("80 00 0a 02 08 06 | 80 00 2a 02 00 ff")));
}

TEST(MatchErrors, BadPrereq) {
  const Bytes eth_ipv4 = hex("80 00 0a 02 08 00");
  const Bytes eth_arp = hex("80 00 0a 02 08 06");
  EXPECT_TRUE(bad_match(hex("80 00 14 01 06"), bad_match::kBadPrereq));  // ip_proto alone
  EXPECT_TRUE(bad_match(cat({eth_arp, hex("80 00 14 01 06")}), bad_match::kBadPrereq));
  EXPECT_TRUE(bad_match(hex("80 00 16 04 0a 00 00 01"), bad_match::kBadPrereq));
  EXPECT_TRUE(bad_match(cat({eth_arp, hex("80 00 18 04 0a 00 00 01")}), bad_match::kBadPrereq));
  EXPECT_TRUE(bad_match(cat({eth_ipv4, hex("80 00 1a 02 00 50")}), bad_match::kBadPrereq));
  EXPECT_TRUE(bad_match(cat({ipv4_proto(17), hex("80 00 1c 02 00 50")}), bad_match::kBadPrereq));
  EXPECT_TRUE(bad_match(cat({ipv4_proto(6), hex("80 00 1e 02 00 35")}), bad_match::kBadPrereq));
  EXPECT_TRUE(bad_match(cat({ipv4_proto(6), hex("80 00 20 02 00 35")}), bad_match::kBadPrereq));
  EXPECT_TRUE(bad_match(cat({ipv4_proto(6), hex("80 00 26 01 08")}), bad_match::kBadPrereq));
  EXPECT_TRUE(bad_match(cat({ipv4_proto(17), hex("80 00 28 01 00")}), bad_match::kBadPrereq));
  // The ARP fields need eth_type 0x0806, exact.
  const Bytes arp_op = hex("80 00 2a 02 00 01");
  const Bytes arp_spa = hex("80 00 2c 04 0a 00 00 01");
  const Bytes arp_tpa = hex("80 00 2e 04 0a 00 00 02");
  const Bytes arp_sha = hex("80 00 30 06 02 00 00 00 00 01");
  for (const Bytes& field : {arp_op, arp_spa, arp_tpa, arp_sha}) {
    EXPECT_TRUE(bad_match(field, bad_match::kBadPrereq));
    EXPECT_TRUE(bad_match(cat({eth_ipv4, field}), bad_match::kBadPrereq));
    EXPECT_TRUE(bad_match(cat({hex("80 00 0a 02 86 dd"), field}), bad_match::kBadPrereq));
    EXPECT_TRUE(decode_tlvs(cat({field, eth_arp})));
  }
  // Prerequisites may come in any order; IPv6 satisfies ip_proto's.
  EXPECT_TRUE(decode_tlvs(cat({hex("80 00 1c 02 00 50"), hex("80 00 14 01 06"), eth_ipv4})));
  EXPECT_TRUE(decode_tlvs(hex("80 00 0a 02 86 dd | 80 00 14 01 06 | 80 00 1a 02 00 16")));
}

}  // namespace
}  // namespace sluice::of
