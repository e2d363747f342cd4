// FlowKey: the header fields OpenFlow tables match on, extracted once per packet into eight
// 64-bit words so that a classifier can mask, hash and compare them word by word.
//
// Values are numbers in host order (a MAC is its 48 bits read big-endian). vlan_vid is the
// OpenFlow wire form: 0 when untagged, 0x1000|vid when tagged. A field whose OpenFlow
// prerequisite does not hold is 0 (ip_proto and L4 on non-IP frames).
//
// IPv4 and IPv6 both give ip_proto and the L4 fields. IPv6's extension headers (hop-by-hop,
// routing, fragment, destination options, AH) are followed, at most kMaxIpv6Extensions of them;
// ip_proto is the upper-layer protocol after them.
//
// Fragments (OpenFlow's OFPC_FRAG_NORMAL, as Open vSwitch's "normal" mode): ip_frag says
// whether the packet is a fragment (kFragAny) and a later one (kFragLater); the L4 fields of
// every fragment, the first included, are 0 (OpenFlow 1.0 figure 3), so a port rule never
// matches a fragment by accident. OFPC_FRAG_DROP drops fragments before any table.
//
// A packet that is not a fragment but whose L4 header is too short to hold the fields a rule
// could match (fewer than 4 bytes of TCP or UDP, 2 of ICMP), or an IPv6 packet whose extension
// chain is cut short or longer than the bound, is 'malformed': the openflow stage drops it
// rather than let it pass rules it was built to slip past. Ports are read from a truncated
// TCP header (>= 4 bytes) too; only rewrites need the whole header.
// TCP and UDP ports share l4_src/l4_dst, ICMP type/code use them too: a flow can match only one
// of these, because its match must name ip_proto (the codec enforces the prerequisites).
//
// ARP shares storage the way Open vSwitch's flow does: for an Ethernet/IPv4 ARP frame (htype 1,
// ptype 0x0800, hlen 6, plen 4, all 28 bytes there) ipv4_src is the sender's protocol address,
// ipv4_dst the target's, ip_proto the opcode (0 when above 255; a match cannot name more) and
// arp_sha the sender's hardware address. Any other ARP frame leaves them 0 and is not
// malformed. The arp_* fields need eth_type 0x0806 and the ipv4_* ones 0x0800, so a flow
// never reads a shared word as the wrong protocol's field.
// Connection tracking (word 8): ct_state, ct_zone and ct_mark, as the last ct() action the packet
// went through set them (all 0 before any: ct_state=-trk). The parse stage writes them 0.
// Std C++ only.
#pragma once

#include <cstdint>
#include <cstring>

#include "openflow/messages.h"

namespace sluice::dp {

struct alignas(64) FlowKey {
  uint64_t metadata = 0;   // word 0
  uint64_t tunnel_id = 0;  // word 1
  uint64_t eth_dst = 0;    // word 2
  uint64_t eth_src = 0;    // word 3
  uint32_t in_port = 0;    // word 4
  uint32_t ipv4_src = 0;
  uint32_t ipv4_dst = 0;   // word 5
  uint16_t eth_type = 0;
  uint16_t vlan_vid = 0;
  uint16_t l4_src = 0;     // word 6
  uint16_t l4_dst = 0;
  uint8_t ip_proto = 0;
  uint8_t ip_frag = 0;     // kFragAny | kFragLater
  uint8_t pad_[2] = {};
  uint64_t arp_sha = 0;    // word 7
  uint8_t ct_state = 0;    // word 8: of::ct_state bits
  uint8_t ct_pad_ = 0;
  uint16_t ct_zone = 0;
  uint32_t ct_mark = 0;

  static constexpr unsigned kWords = 9;  // words that carry fields
  const uint64_t* words() const noexcept { return reinterpret_cast<const uint64_t*>(this); }
  uint64_t* words() noexcept { return reinterpret_cast<uint64_t*>(this); }
  void clear_ct() noexcept { words()[8] = 0; }
  // All fields 0 (the padding after them is never read): 72 bytes written, not 128.
  void clear() noexcept { std::memset(words(), 0, kWords * sizeof(uint64_t)); }
  friend bool operator==(const FlowKey& a, const FlowKey& b) noexcept {
    return std::memcmp(&a, &b, kWords * sizeof(uint64_t)) == 0;
  }
};
static_assert(sizeof(FlowKey) == 128);  // 72 bytes of fields, cache-line aligned

inline constexpr uint8_t kFragAny = 1, kFragLater = 2;
inline constexpr unsigned kMaxIpv6Extensions = 8;

// Where the headers sit in the frame, for actions that rewrite them.
struct PacketLayout {
  uint16_t l3 = 0;  // offset of the IPv4 header (or of whatever follows the tags)
  uint16_t l4 = 0;  // offset of the whole L4 header; 0 when there is none to rewrite
  uint8_t tags = 0;  // VLAN tags in front of the EtherType
  uint8_t ihl_ok = 0;     // a whole IPv4 header at l3
  uint8_t ipv6 = 0;       // a whole IPv6 base header at l3
  uint8_t malformed = 0;  // see above: the packet cannot be classified safely
};

// A match as a (value, mask) pair of keys: the mask has all bits of every matched field's
// mask, the value is already ANDed with it.
struct MaskedKey {
  FlowKey value;
  FlowKey mask;
};
MaskedKey masked_key(const of::Match& m) noexcept;

// Reads the key of an Ethernet frame (VLAN tags 0x8100/0x88a8, then IPv4 or IPv6 and TCP, UDP
// or ICMP, or ARP) and where its headers are. 'len' is what may be read. A VID-0 (priority) tag
// counts as absent.
void extract_key(const uint8_t* frame, uint32_t len, uint32_t in_port, uint64_t metadata,
                 FlowKey& key, PacketLayout& layout) noexcept;

// True if the frame is an IPv4 fragment or an IPv6 packet with a Fragment header (as
// extract_key() sees it: the parse stage and the openflow stage agree).
bool is_ip_fragment(const uint8_t* frame, uint32_t len) noexcept;

}  // namespace sluice::dp
