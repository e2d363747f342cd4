// The reference interpreter's packet fields and matching (see reference.h).
#include "openflow/reference.h"

#include "openflow/oxm.h"

namespace sluice::of::ref {
namespace {

bool is_ip(const Packet& p) noexcept {
  return p.eth_type == kEthTypeIpv4 || p.eth_type == kEthTypeIpv6;
}

bool is_ipv4(const Packet& p) noexcept { return p.eth_type == kEthTypeIpv4; }

bool is_arp(const Packet& p) noexcept { return p.eth_type == kEthTypeArp; }

}  // namespace

bool prerequisites_hold(Field f, const Packet& p) noexcept {
  switch (f) {
    case Field::kIpProto:
      return is_ip(p);
    case Field::kIpv4Src:
    case Field::kIpv4Dst:
      return is_ipv4(p);
    case Field::kTcpSrc:
    case Field::kTcpDst:
      return is_ip(p) && p.ip_proto == kIpProtoTcp;
    case Field::kUdpSrc:
    case Field::kUdpDst:
      return is_ip(p) && p.ip_proto == kIpProtoUdp;
    case Field::kIcmpv4Type:
    case Field::kIcmpv4Code:
      return is_ipv4(p) && p.ip_proto == kIpProtoIcmp;
    case Field::kArpOp:
    case Field::kArpSpa:
    case Field::kArpTpa:
    case Field::kArpSha:
      return is_arp(p);
    default:
      return true;  // in_port, metadata, eth_*, vlan_vid, tunnel_id
  }
}

uint64_t packet_value(const Packet& p, Field f) noexcept {
  switch (f) {
    case Field::kInPort:
      return p.in_port;
    case Field::kMetadata:
      return p.metadata;
    case Field::kEthDst:
      return mac_to_u64(p.eth_dst);
    case Field::kEthSrc:
      return mac_to_u64(p.eth_src);
    case Field::kEthType:
      return p.eth_type;
    case Field::kVlanVid:
      return p.vlan_present ? (kVidPresent | (p.vlan_vid & 0xfff)) : kVidNone;
    case Field::kIpProto:
      return p.ip_proto;
    case Field::kIpv4Src:
      return p.ipv4_src;
    case Field::kIpv4Dst:
      return p.ipv4_dst;
    case Field::kTcpSrc:
      return p.tcp_src;
    case Field::kTcpDst:
      return p.tcp_dst;
    case Field::kUdpSrc:
      return p.udp_src;
    case Field::kUdpDst:
      return p.udp_dst;
    case Field::kIcmpv4Type:
      return p.icmpv4_type;
    case Field::kIcmpv4Code:
      return p.icmpv4_code;
    case Field::kArpOp:
      return p.arp_op <= 0xff ? p.arp_op : 0;
    case Field::kArpSpa:
      return p.arp_spa;
    case Field::kArpTpa:
      return p.arp_tpa;
    case Field::kArpSha:
      return mac_to_u64(p.arp_sha);
    case Field::kTunnelId:
      return p.tunnel_id;
    case Field::kCtState:  // the model does not track connections: every packet is untracked
    case Field::kCtZone:
    case Field::kCtMark:
      return 0;
  }
  return 0;
}

bool matches(const Match& m, const Packet& p) noexcept {
  for (const FieldInfo& info : known_fields()) {
    if (!m.has(info.field)) continue;
    if (!prerequisites_hold(info.field, p)) return false;
    const uint64_t mask = match_mask(m, info.field);
    if ((packet_value(p, info.field) & mask) != (match_value(m, info.field) & mask)) return false;
  }
  return true;
}

uint64_t packet_hash(const Packet& p) noexcept {
  // FNV-1a over each header field's integer value, eight bytes at a time.
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const FieldInfo& info : known_fields()) {
    if (info.field == Field::kMetadata || info.oxm_class != kOxmClassBasic) continue;
    const uint64_t v = packet_value(p, info.field);
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xff;
      h *= 0x100000001b3ULL;
    }
  }
  return h;
}

}  // namespace sluice::of::ref
