// ofp_match with OXM TLVs (OpenFlow 1.3.5 section 7.2.2).
//
//   ofp_match: u16 type (1 = OFPMT_OXM), u16 length (4 + TLV bytes, no padding),
//              TLVs, then zero padding to a multiple of 8 (not counted in length).
//   OXM TLV:   u16 class (0x8000), u7 field, u1 hasmask, u8 length, value, [mask].
//   Also Open vSwitch's connection-tracking fields, class 0x0001 (NXM_NX_), as ovs-ofctl sends
//   them in OpenFlow 1.3: ct_state (105, 4 bytes, maskable, only the low 8 bits defined),
//   ct_zone (106, 2 bytes, exact), ct_mark (107, 4 bytes, maskable). They need no prerequisite.
//
// Decoding is strict; every failure is OFPET_BAD_MATCH with:
//   BAD_TYPE      match type is not OXM
//   BAD_LEN       match length < 4 or past the enclosing structure, a TLV header or body cut
//                 short, oxm_length not the field's size (twice that with a mask)
//   BAD_FIELD     a class other than OpenFlowBasic and NXM_NX, or a field this codec does not
//                 know (ct_label among them)
//   BAD_MASK      hasmask on a field the spec does not allow masking (ct_zone too), a vlan_vid
//                 mask with bits above 0x1fff
//   DUP_FIELD     a field twice
//   BAD_WILDCARDS a value with bits set outside its mask (spec 7.2.3.5)
//   BAD_VALUE     vlan_vid > 0x1fff, or an exact vlan_vid naming a VID without kVidPresent,
//                 arp_op > 255 (the dataplane keeps 8 bits of it, as Open vSwitch does),
//                 a ct_state value with bits above 0xff (a mask's are ignored, as in OVS)
//   BAD_PREREQ    ip_proto without eth_type 0x0800/0x86dd, ipv4_* without eth_type 0x0800,
//                 tcp_* without ip_proto 6, udp_* without 17, icmpv4_* without 1, arp_*
//                 without eth_type 0x0806
// Prerequisites are checked over the whole match, so TLV order does not matter. Padding
// length is exact; the padding bytes' contents are not checked.
#include "openflow/codec_internal.h"
#include "openflow/oxm.h"

namespace sluice::of::detail {
namespace {

std::unexpected<OfError> bad_match(uint16_t code) noexcept {
  return fail(ErrorType::kBadMatch, code);
}

bool has_exact(const Match& m, Field f, uint64_t value) noexcept {
  return m.has(f) && !m.has_mask(f) && match_value(m, f) == value;
}

Decoded<void> check_prerequisites(const Match& m) noexcept {
  const bool ipv4 = has_exact(m, Field::kEthType, kEthTypeIpv4);
  const bool ip = ipv4 || has_exact(m, Field::kEthType, kEthTypeIpv6);
  const bool arp = has_exact(m, Field::kEthType, kEthTypeArp);
  struct Rule {
    Field field;
    bool ok;
  };
  const Rule rules[] = {
      {Field::kIpProto, ip},
      {Field::kIpv4Src, ipv4},
      {Field::kIpv4Dst, ipv4},
      {Field::kTcpSrc, has_exact(m, Field::kIpProto, kIpProtoTcp)},
      {Field::kTcpDst, has_exact(m, Field::kIpProto, kIpProtoTcp)},
      {Field::kUdpSrc, has_exact(m, Field::kIpProto, kIpProtoUdp)},
      {Field::kUdpDst, has_exact(m, Field::kIpProto, kIpProtoUdp)},
      {Field::kIcmpv4Type, has_exact(m, Field::kIpProto, kIpProtoIcmp)},
      {Field::kIcmpv4Code, has_exact(m, Field::kIpProto, kIpProtoIcmp)},
      {Field::kArpOp, arp},
      {Field::kArpSpa, arp},
      {Field::kArpTpa, arp},
      {Field::kArpSha, arp},
  };
  for (const Rule& rule : rules) {
    if (m.has(rule.field) && !rule.ok) return bad_match(bad_match::kBadPrereq);
  }
  return {};
}

Decoded<void> decode_oxm(WireReader& r, Match& m) noexcept {
  uint32_t header = 0;
  if (!r.u32(header)) return bad_match(bad_match::kBadLen);
  const uint16_t oxm_class = static_cast<uint16_t>(header >> 16);
  const uint8_t field_no = static_cast<uint8_t>((header >> 9) & 0x7f);
  const bool hasmask = ((header >> 8) & 1) != 0;
  const uint8_t length = static_cast<uint8_t>(header & 0xff);
  const FieldInfo* info = find_field(oxm_class, field_no);
  if (info == nullptr) return bad_match(bad_match::kBadField);
  if (hasmask && !info->maskable) return bad_match(bad_match::kBadMask);
  if (length != info->size * (hasmask ? 2 : 1)) return bad_match(bad_match::kBadLen);
  uint64_t value = 0;
  uint64_t mask = field_exact_mask(info->field);
  if (!r.uint_be(info->size, value)) return bad_match(bad_match::kBadLen);
  if (hasmask && !r.uint_be(info->size, mask)) return bad_match(bad_match::kBadLen);
  if (m.has(info->field)) return bad_match(bad_match::kDupField);
  if (info->field == Field::kVlanVid) {
    if (value > kVidMask) return bad_match(bad_match::kBadValue);
    if (mask > kVidMask) return bad_match(bad_match::kBadMask);
  }
  if (info->field == Field::kArpOp && value > 0xff) return bad_match(bad_match::kBadValue);
  if (info->field == Field::kCtState && value > 0xff) return bad_match(bad_match::kBadValue);
  if ((value & ~mask) != 0) return bad_match(bad_match::kBadWildcards);
  if (info->field == Field::kCtState) mask &= 0xff;
  if (info->field == Field::kVlanVid && !hasmask && value != kVidNone &&
      (value & kVidPresent) == 0) {
    return bad_match(bad_match::kBadValue);
  }
  match_set(m, info->field, value, mask, hasmask);
  return {};
}

}  // namespace

void encode_match(const Match& m, WireWriter& w) {
  const size_t start = w.size();
  w.u16(kOxmMatchType);
  w.u16(0);  // patched below
  for (const FieldInfo& info : known_fields()) {
    if (!m.has(info.field)) continue;
    const bool hasmask = info.maskable && m.has_mask(info.field);
    const uint32_t header = oxm_header(info);
    w.u16(static_cast<uint16_t>(header >> 16));
    w.u8(static_cast<uint8_t>(((header >> 8) & 0xfe) | (hasmask ? 1 : 0)));
    w.u8(static_cast<uint8_t>(info.size * (hasmask ? 2 : 1)));
    w.uint_be(info.size, match_value(m, info.field));
    if (hasmask) w.uint_be(info.size, match_mask(m, info.field));
  }
  w.patch_u16(start + 2, static_cast<uint16_t>(w.size() - start));
  w.pad_to_8(start);
}

Decoded<void> decode_match(WireReader& r, Match& out) noexcept {
  out = Match{};
  uint16_t type = 0;
  uint16_t length = 0;
  if (!r.u16(type) || !r.u16(length)) return bad_match(bad_match::kBadLen);
  if (type != kOxmMatchType) return bad_match(bad_match::kBadType);
  if (length < 4) return bad_match(bad_match::kBadLen);
  WireReader tlvs;
  if (!r.sub(length - 4u, tlvs)) return bad_match(bad_match::kBadLen);
  if (!r.skip(round_up_8(length) - length)) return bad_match(bad_match::kBadLen);
  while (!tlvs.empty()) {
    if (auto ok = decode_oxm(tlvs, out); !ok) return ok;
  }
  return check_prerequisites(out);
}

}  // namespace sluice::of::detail
