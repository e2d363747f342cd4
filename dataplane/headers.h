// Header helpers, written once for every stage: big-endian reads and writes, incremental
// checksum updates (RFC 1624), and the VLAN tag operations on an mbuf that keep the packet's
// FlowKey and PacketLayout (flow_key.h) in step with the frame.
//
// The byte-order helpers are std C++ (flow_key.cc uses them); the tag operations need DPDK
// (headers.cc). None allocates, locks or logs: they are for the fast path.
#pragma once

#include <cstdint>

#include "dataplane/flow_key.h"

struct rte_mbuf;

namespace sluice::dp {

inline constexpr uint32_t kVlanTagLen = 4;
inline constexpr uint16_t kTpidVlan = 0x8100, kTpidQinQ = 0x88a8;
inline constexpr uint16_t kEthTypeIpv4 = 0x0800, kEthTypeIpv6 = 0x86dd, kEthTypeArp = 0x0806;

inline bool is_tpid(uint16_t type) noexcept { return type == kTpidVlan || type == kTpidQinQ; }

inline uint16_t rd16(const uint8_t* p) noexcept { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t rd32(const uint8_t* p) noexcept {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
inline uint64_t rd48(const uint8_t* p) noexcept { return uint64_t{rd16(p)} << 32 | rd32(p + 2); }
inline void wr16(uint8_t* p, uint16_t v) noexcept {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void wr32(uint8_t* p, uint32_t v) noexcept {
  wr16(p, static_cast<uint16_t>(v >> 16));
  wr16(p + 2, static_cast<uint16_t>(v));
}
inline void wr48(uint8_t* p, uint64_t v) noexcept {
  for (int i = 0; i < 6; ++i) p[i] = static_cast<uint8_t>(v >> (40 - 8 * i));
}

// RFC 1624: the checksum at 'csum' covered a 16-bit word 'from' that is now 'to'.
inline void csum_replace16(uint8_t* csum, uint16_t from, uint16_t to) noexcept {
  uint32_t sum = (~rd16(csum) & 0xffffu) + (~from & 0xffffu) + to;
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  wr16(csum, static_cast<uint16_t>(~sum));
}
inline void csum_replace32(uint8_t* csum, uint32_t from, uint32_t to) noexcept {
  csum_replace16(csum, static_cast<uint16_t>(from >> 16), static_cast<uint16_t>(to >> 16));
  csum_replace16(csum, static_cast<uint16_t>(from), static_cast<uint16_t>(to));
}

// ---- VLAN tags on an mbuf (the tag is in the first segment: the parser checked it) ---------

// Pushes an outer tag (TPID 'tpid', TCI 'tci') in the headroom. False, and the frame unchanged,
// when there is no headroom.
bool push_tag(rte_mbuf* m, uint16_t tpid, uint16_t tci) noexcept;
// Removes the outer tag; the frame must have one.
void pop_tag(rte_mbuf* m) noexcept;

// The same, keeping 'key' (vlan_vid) and 'layout' (tags, l3, l4) in step. push_vlan copies
// the VID and PCP of the tag it covers, if any (OpenFlow 1.3 §B.6.2); pop_vlan on an
// untagged frame does nothing.
bool push_vlan(rte_mbuf* m, FlowKey& key, PacketLayout& layout, uint16_t tpid) noexcept;
void pop_vlan(rte_mbuf* m, FlowKey& key, PacketLayout& layout) noexcept;
// Removes a VID-0 (priority) outer tag, if the frame has one: such a frame is untagged
// everywhere. Returns whether it removed one.
bool strip_priority_tag(rte_mbuf* m, PacketLayout& layout) noexcept;

}  // namespace sluice::dp
