#include "dataplane/flow_key.h"

#include "dataplane/headers.h"

namespace sluice::dp {
namespace {

using of::Field;

uint64_t mac_value(const of::MacAddr& a) noexcept { return rd48(a.data()); }

constexpr uint8_t kMaxTags = 8;
constexpr uint8_t kProtoIcmp = 1, kProtoTcp = 6, kProtoUdp = 17;

// The L4 fields of a packet that is not a fragment, its L4 header at 'l4'.
void extract_l4(const uint8_t* frame, uint32_t len, uint32_t l4, FlowKey& key,
                PacketLayout& layout) noexcept {
  const uint32_t have = l4 <= len ? len - l4 : 0;
  switch (key.ip_proto) {
    case kProtoTcp:
    case kProtoUdp:
      // The ports are the first four bytes; a header cut shorter cannot be classified.
      if (have < 4) {
        layout.malformed = 1;
        return;
      }
      key.l4_src = rd16(frame + l4);
      key.l4_dst = rd16(frame + l4 + 2);
      if (have >= (key.ip_proto == kProtoTcp ? 20u : 8u)) layout.l4 = static_cast<uint16_t>(l4);
      return;
    case kProtoIcmp:
      if (key.eth_type != kEthTypeIpv4) return;  // ICMPv4 fields need IPv4
      if (have < 2) {
        layout.malformed = 1;
        return;
      }
      key.l4_src = frame[l4];
      key.l4_dst = frame[l4 + 1];
      if (have >= 4) layout.l4 = static_cast<uint16_t>(l4);
      return;
    default:
      return;
  }
}

void extract_ipv4(const uint8_t* frame, uint32_t len, uint32_t off, FlowKey& key,
                  PacketLayout& layout) noexcept {
  if (off + 20 > len) return;
  const uint8_t* ip = frame + off;
  const uint32_t ihl = (ip[0] & 0x0f) * 4u;
  if ((ip[0] >> 4) != 4 || ihl < 20 || off + ihl > len) return;
  layout.ihl_ok = 1;
  key.ip_proto = ip[9];
  key.ipv4_src = rd32(ip + 12);
  key.ipv4_dst = rd32(ip + 16);
  const uint16_t frag = rd16(ip + 6);
  if ((frag & 0x3fff) != 0) {  // MF set or a non-zero offset
    key.ip_frag = static_cast<uint8_t>(kFragAny | ((frag & 0x1fff) != 0 ? kFragLater : 0));
    return;  // no L4 fields for fragments
  }
  extract_l4(frame, len, off + ihl, key, layout);
}

void extract_ipv6(const uint8_t* frame, uint32_t len, uint32_t off, FlowKey& key,
                  PacketLayout& layout) noexcept {
  if (off + 40 > len || (frame[off] >> 4) != 6) return;
  layout.ipv6 = 1;
  uint8_t next = frame[off + 6];
  uint32_t at = off + 40;
  for (unsigned n = 0;; ++n) {
    const bool extension = next == 0 || next == 43 || next == 44 || next == 51 || next == 60;
    if (!extension) break;
    if (n == kMaxIpv6Extensions || at + 8 > len) {
      // Too many to follow, or cut short: the upper-layer protocol is unknown.
      key.ip_proto = next;
      layout.malformed = 1;
      return;
    }
    const uint8_t* h = frame + at;
    if (next == 44) {  // Fragment: 8 bytes; offset in the upper 13 bits, M in the lowest
      const uint16_t frag = rd16(h + 2);
      key.ip_frag = static_cast<uint8_t>(kFragAny | ((frag & 0xfff8) != 0 ? kFragLater : 0));
      at += 8;
    } else if (next == 51) {  // AH: length in 4-byte units, minus 2
      at += (uint32_t{h[1]} + 2) * 4;
    } else {  // length in 8-byte units, not counting the first
      at += (uint32_t{h[1]} + 1) * 8;
    }
    next = h[0];
  }
  key.ip_proto = next;
  if (key.ip_frag != 0) return;  // no L4 fields for fragments
  extract_l4(frame, len, at, key, layout);
}

// Only Ethernet/IPv4 ARP has the addresses where the key reads them.
void extract_arp(const uint8_t* frame, uint32_t len, uint32_t off, FlowKey& key) noexcept {
  if (off + 28 > len) return;
  const uint8_t* arp = frame + off;
  if (rd16(arp) != 1 || rd16(arp + 2) != kEthTypeIpv4 || arp[4] != 6 || arp[5] != 4) return;
  const uint16_t op = rd16(arp + 6);
  key.ip_proto = op <= 0xff ? static_cast<uint8_t>(op) : 0;
  key.arp_sha = rd48(arp + 8);
  key.ipv4_src = rd32(arp + 14);
  key.ipv4_dst = rd32(arp + 24);
}

}  // namespace

MaskedKey masked_key(const of::Match& m) noexcept {
  MaskedKey k;
  FlowKey& v = k.value;
  FlowKey& mk = k.mask;
  if (m.has(Field::kInPort)) v.in_port = m.in_port, mk.in_port = ~uint32_t{0};
  if (m.has(Field::kMetadata)) v.metadata = m.metadata, mk.metadata = m.metadata_mask;
  if (m.has(Field::kTunnelId)) v.tunnel_id = m.tunnel_id, mk.tunnel_id = m.tunnel_id_mask;
  if (m.has(Field::kEthDst)) v.eth_dst = mac_value(m.eth_dst), mk.eth_dst = mac_value(m.eth_dst_mask);
  if (m.has(Field::kEthSrc)) v.eth_src = mac_value(m.eth_src), mk.eth_src = mac_value(m.eth_src_mask);
  if (m.has(Field::kEthType)) v.eth_type = m.eth_type, mk.eth_type = 0xffff;
  if (m.has(Field::kVlanVid)) v.vlan_vid = m.vlan_vid, mk.vlan_vid = m.vlan_vid_mask;
  if (m.has(Field::kIpProto)) v.ip_proto = m.ip_proto, mk.ip_proto = 0xff;
  if (m.has(Field::kIpv4Src)) v.ipv4_src = m.ipv4_src, mk.ipv4_src = m.ipv4_src_mask;
  if (m.has(Field::kIpv4Dst)) v.ipv4_dst = m.ipv4_dst, mk.ipv4_dst = m.ipv4_dst_mask;
  if (m.has(Field::kTcpSrc)) v.l4_src = m.tcp_src, mk.l4_src = m.tcp_src_mask;
  if (m.has(Field::kTcpDst)) v.l4_dst = m.tcp_dst, mk.l4_dst = m.tcp_dst_mask;
  if (m.has(Field::kUdpSrc)) v.l4_src = m.udp_src, mk.l4_src = m.udp_src_mask;
  if (m.has(Field::kUdpDst)) v.l4_dst = m.udp_dst, mk.l4_dst = m.udp_dst_mask;
  if (m.has(Field::kIcmpv4Type)) v.l4_src = m.icmpv4_type, mk.l4_src = 0xffff;
  if (m.has(Field::kIcmpv4Code)) v.l4_dst = m.icmpv4_code, mk.l4_dst = 0xffff;
  if (m.has(Field::kArpOp)) v.ip_proto = static_cast<uint8_t>(m.arp_op), mk.ip_proto = 0xff;
  if (m.has(Field::kArpSpa)) v.ipv4_src = m.arp_spa, mk.ipv4_src = m.arp_spa_mask;
  if (m.has(Field::kArpTpa)) v.ipv4_dst = m.arp_tpa, mk.ipv4_dst = m.arp_tpa_mask;
  if (m.has(Field::kArpSha)) v.arp_sha = mac_value(m.arp_sha), mk.arp_sha = mac_value(m.arp_sha_mask);
  if (m.has(Field::kCtState)) v.ct_state = m.ct_state, mk.ct_state = m.ct_state_mask;
  if (m.has(Field::kCtZone)) v.ct_zone = m.ct_zone, mk.ct_zone = 0xffff;
  if (m.has(Field::kCtMark)) v.ct_mark = m.ct_mark, mk.ct_mark = m.ct_mark_mask;
  for (unsigned w = 0; w < FlowKey::kWords; ++w) v.words()[w] &= mk.words()[w];
  return k;
}

namespace {

// The Ethernet header and tags; returns the offset of what follows them (layout.l3), or 0 when
// there is nothing more to read.
uint32_t extract_l2(const uint8_t* frame, uint32_t len, uint32_t in_port, uint64_t metadata,
                    FlowKey& key, PacketLayout& layout) noexcept {
  key.clear();
  layout = PacketLayout{};
  key.in_port = in_port;
  key.metadata = metadata;
  if (len < 14) return 0;
  key.eth_dst = rd48(frame);
  key.eth_src = rd48(frame + 6);
  uint32_t off = 12;
  uint16_t type = rd16(frame + off);
  bool outer = true;
  while (is_tpid(type) && off + 6 <= len) {
    if (layout.tags == kMaxTags) {  // a frame of tags and nothing else worth reading
      layout.malformed = 1;
      return 0;
    }
    const uint16_t vid = rd16(frame + off + 2) & 0xfff;
    if (outer && vid != 0) key.vlan_vid = static_cast<uint16_t>(of::kVidPresent | vid);
    outer = false;
    ++layout.tags;
    off += 4;
    type = rd16(frame + off);
  }
  key.eth_type = type;
  off += 2;
  layout.l3 = static_cast<uint16_t>(off);
  return off;
}

}  // namespace

void extract_key(const uint8_t* frame, uint32_t len, uint32_t in_port, uint64_t metadata,
                 FlowKey& key, PacketLayout& layout) noexcept {
  const uint32_t off = extract_l2(frame, len, in_port, metadata, key, layout);
  if (off == 0) return;
  const uint16_t type = key.eth_type;
  if (type == kEthTypeIpv4) {
    extract_ipv4(frame, len, off, key, layout);
  } else if (type == kEthTypeIpv6) {
    extract_ipv6(frame, len, off, key, layout);
  } else if (type == kEthTypeArp) {
    extract_arp(frame, len, off, key);
  }
}

bool is_ip_fragment(const uint8_t* frame, uint32_t len) noexcept {
  FlowKey key;
  PacketLayout layout;
  extract_key(frame, len, 0, 0, key, layout);
  return key.ip_frag != 0;
}

}  // namespace sluice::dp
