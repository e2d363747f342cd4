// The OXM field table and the integer view of Match (see oxm.h).
#include "openflow/oxm.h"

#include <array>

namespace sluice::of {
namespace {

constexpr std::array<FieldInfo, 23> kFields = {{
    {Field::kInPort, 4, false, "in_port"},
    {Field::kMetadata, 8, true, "metadata"},
    {Field::kEthDst, 6, true, "eth_dst"},
    {Field::kEthSrc, 6, true, "eth_src"},
    {Field::kEthType, 2, false, "eth_type"},
    {Field::kVlanVid, 2, true, "vlan_vid"},
    {Field::kIpProto, 1, false, "ip_proto"},
    {Field::kIpv4Src, 4, true, "ipv4_src"},
    {Field::kIpv4Dst, 4, true, "ipv4_dst"},
    {Field::kTcpSrc, 2, true, "tcp_src"},
    {Field::kTcpDst, 2, true, "tcp_dst"},
    {Field::kUdpSrc, 2, true, "udp_src"},
    {Field::kUdpDst, 2, true, "udp_dst"},
    {Field::kIcmpv4Type, 1, false, "icmpv4_type"},
    {Field::kIcmpv4Code, 1, false, "icmpv4_code"},
    {Field::kArpOp, 2, false, "arp_op"},
    {Field::kArpSpa, 4, true, "arp_spa"},
    {Field::kArpTpa, 4, true, "arp_tpa"},
    {Field::kArpSha, 6, true, "arp_sha"},
    {Field::kTunnelId, 8, true, "tunnel_id"},
    {Field::kCtState, 4, true, "ct_state", kOxmClassNxm1, 105},
    {Field::kCtZone, 2, false, "ct_zone", kOxmClassNxm1, 106},
    {Field::kCtMark, 4, true, "ct_mark", kOxmClassNxm1, 107},
}};

constexpr uint8_t wire_number(const FieldInfo& f) noexcept {
  return f.oxm_class == kOxmClassBasic ? static_cast<uint8_t>(f.field) : f.oxm_field;
}

}  // namespace

std::span<const FieldInfo> known_fields() noexcept { return kFields; }

const FieldInfo* find_field(uint16_t oxm_class, uint8_t oxm_field) noexcept {
  for (const FieldInfo& f : kFields) {
    if (f.oxm_class == oxm_class && wire_number(f) == oxm_field) return &f;
  }
  return nullptr;
}

uint32_t oxm_header(const FieldInfo& f) noexcept {
  return (uint32_t{f.oxm_class} << 16) | (uint32_t{wire_number(f)} << 9) | f.size;
}

const FieldInfo& field_info(Field f) noexcept {
  for (const FieldInfo& info : kFields) {
    if (info.field == f) return info;
  }
  return kFields[0];
}

bool set_field_known(Field f) noexcept {
  // Nothing rewrites ARP headers, so set_field refuses them as if they were unknown. The ct_*
  // fields are read-only outside ct(exec(...)) (codec_actions.cc).
  return f != Field::kArpOp && f != Field::kArpSpa && f != Field::kArpTpa && f != Field::kArpSha &&
         f != Field::kCtState && f != Field::kCtZone && f != Field::kCtMark;
}

uint64_t field_exact_mask(Field f) noexcept {
  if (f == Field::kVlanVid) return kVidMask;
  if (f == Field::kCtState) return 0xff;  // 32 bits on the wire, 8 of them defined
  const unsigned bits = 8u * field_info(f).size;
  return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
}

uint64_t mac_to_u64(const MacAddr& mac) noexcept {
  uint64_t v = 0;
  for (uint8_t b : mac) v = (v << 8) | b;
  return v;
}

MacAddr u64_to_mac(uint64_t v) noexcept {
  MacAddr mac{};
  for (size_t i = 0; i < mac.size(); ++i) mac[i] = static_cast<uint8_t>(v >> (8 * (5 - i)));
  return mac;
}

uint64_t match_value(const Match& m, Field f) noexcept {
  switch (f) {
    case Field::kInPort:
      return m.in_port;
    case Field::kMetadata:
      return m.metadata;
    case Field::kEthDst:
      return mac_to_u64(m.eth_dst);
    case Field::kEthSrc:
      return mac_to_u64(m.eth_src);
    case Field::kEthType:
      return m.eth_type;
    case Field::kVlanVid:
      return m.vlan_vid;
    case Field::kIpProto:
      return m.ip_proto;
    case Field::kIpv4Src:
      return m.ipv4_src;
    case Field::kIpv4Dst:
      return m.ipv4_dst;
    case Field::kTcpSrc:
      return m.tcp_src;
    case Field::kTcpDst:
      return m.tcp_dst;
    case Field::kUdpSrc:
      return m.udp_src;
    case Field::kUdpDst:
      return m.udp_dst;
    case Field::kIcmpv4Type:
      return m.icmpv4_type;
    case Field::kIcmpv4Code:
      return m.icmpv4_code;
    case Field::kArpOp:
      return m.arp_op;
    case Field::kArpSpa:
      return m.arp_spa;
    case Field::kArpTpa:
      return m.arp_tpa;
    case Field::kArpSha:
      return mac_to_u64(m.arp_sha);
    case Field::kTunnelId:
      return m.tunnel_id;
    case Field::kCtState:
      return m.ct_state;
    case Field::kCtZone:
      return m.ct_zone;
    case Field::kCtMark:
      return m.ct_mark;
  }
  return 0;
}

uint64_t match_mask(const Match& m, Field f) noexcept {
  switch (f) {
    case Field::kMetadata:
      return m.metadata_mask;
    case Field::kEthDst:
      return mac_to_u64(m.eth_dst_mask);
    case Field::kEthSrc:
      return mac_to_u64(m.eth_src_mask);
    case Field::kVlanVid:
      return m.vlan_vid_mask;
    case Field::kIpv4Src:
      return m.ipv4_src_mask;
    case Field::kIpv4Dst:
      return m.ipv4_dst_mask;
    case Field::kTcpSrc:
      return m.tcp_src_mask;
    case Field::kTcpDst:
      return m.tcp_dst_mask;
    case Field::kUdpSrc:
      return m.udp_src_mask;
    case Field::kUdpDst:
      return m.udp_dst_mask;
    case Field::kArpSpa:
      return m.arp_spa_mask;
    case Field::kArpTpa:
      return m.arp_tpa_mask;
    case Field::kArpSha:
      return mac_to_u64(m.arp_sha_mask);
    case Field::kTunnelId:
      return m.tunnel_id_mask;
    case Field::kCtState:
      return m.ct_state_mask;
    case Field::kCtMark:
      return m.ct_mark_mask;
    default:
      return field_exact_mask(f);
  }
}

void match_set(Match& m, Field f, uint64_t value, uint64_t mask, bool masked) noexcept {
  if (!masked || !field_info(f).maskable) {
    mask = field_exact_mask(f);
    masked = false;
  }
  mask &= field_exact_mask(f);
  value &= mask;
  m.present |= field_bit(f);
  if (masked) {
    m.masked |= field_bit(f);
  } else {
    m.masked &= ~field_bit(f);
  }
  switch (f) {
    case Field::kInPort:
      m.in_port = static_cast<uint32_t>(value);
      break;
    case Field::kMetadata:
      m.metadata = value, m.metadata_mask = mask;
      break;
    case Field::kEthDst:
      m.eth_dst = u64_to_mac(value), m.eth_dst_mask = u64_to_mac(mask);
      break;
    case Field::kEthSrc:
      m.eth_src = u64_to_mac(value), m.eth_src_mask = u64_to_mac(mask);
      break;
    case Field::kEthType:
      m.eth_type = static_cast<uint16_t>(value);
      break;
    case Field::kVlanVid:
      m.vlan_vid = static_cast<uint16_t>(value), m.vlan_vid_mask = static_cast<uint16_t>(mask);
      break;
    case Field::kIpProto:
      m.ip_proto = static_cast<uint8_t>(value);
      break;
    case Field::kIpv4Src:
      m.ipv4_src = static_cast<uint32_t>(value), m.ipv4_src_mask = static_cast<uint32_t>(mask);
      break;
    case Field::kIpv4Dst:
      m.ipv4_dst = static_cast<uint32_t>(value), m.ipv4_dst_mask = static_cast<uint32_t>(mask);
      break;
    case Field::kTcpSrc:
      m.tcp_src = static_cast<uint16_t>(value), m.tcp_src_mask = static_cast<uint16_t>(mask);
      break;
    case Field::kTcpDst:
      m.tcp_dst = static_cast<uint16_t>(value), m.tcp_dst_mask = static_cast<uint16_t>(mask);
      break;
    case Field::kUdpSrc:
      m.udp_src = static_cast<uint16_t>(value), m.udp_src_mask = static_cast<uint16_t>(mask);
      break;
    case Field::kUdpDst:
      m.udp_dst = static_cast<uint16_t>(value), m.udp_dst_mask = static_cast<uint16_t>(mask);
      break;
    case Field::kIcmpv4Type:
      m.icmpv4_type = static_cast<uint8_t>(value);
      break;
    case Field::kIcmpv4Code:
      m.icmpv4_code = static_cast<uint8_t>(value);
      break;
    case Field::kArpOp:
      m.arp_op = static_cast<uint16_t>(value);
      break;
    case Field::kArpSpa:
      m.arp_spa = static_cast<uint32_t>(value), m.arp_spa_mask = static_cast<uint32_t>(mask);
      break;
    case Field::kArpTpa:
      m.arp_tpa = static_cast<uint32_t>(value), m.arp_tpa_mask = static_cast<uint32_t>(mask);
      break;
    case Field::kArpSha:
      m.arp_sha = u64_to_mac(value), m.arp_sha_mask = u64_to_mac(mask);
      break;
    case Field::kTunnelId:
      m.tunnel_id = value, m.tunnel_id_mask = mask;
      break;
    case Field::kCtState:
      m.ct_state = static_cast<uint8_t>(value), m.ct_state_mask = static_cast<uint8_t>(mask);
      break;
    case Field::kCtZone:
      m.ct_zone = static_cast<uint16_t>(value);
      break;
    case Field::kCtMark:
      m.ct_mark = static_cast<uint32_t>(value), m.ct_mark_mask = static_cast<uint32_t>(mask);
      break;
  }
}

}  // namespace sluice::of
