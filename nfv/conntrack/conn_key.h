// The connection tracker's vocabulary: a connection's key in one direction, what the tracker
// reads from a packet (ConnPacket), and the ct_state bits it reports, with the values Open
// vSwitch uses on the wire (NXM_NX_CT_STATE), so a flow's ct_state match and the tracker agree.
//
// A key is the 5-tuple plus the zone, with IPv4 addresses in the first word of the 16-byte
// address fields and the rest zero. ICMP echo uses the identifier as both ports (request and
// reply share it); the reply key of a connection is its original key with source and
// destination swapped (with NAT, later: the translated addresses).
// Std C++ only (the DPDK-facing parts are in extract.h and conn_table.h).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

namespace sluice::nfv::ct {

// ct_state bits (Open vSwitch's CS_* values, lib/packets.h; the match field's wire values).
inline constexpr uint32_t kStateNew = 0x01;
inline constexpr uint32_t kStateEstablished = 0x02;
inline constexpr uint32_t kStateRelated = 0x04;
inline constexpr uint32_t kStateReply = 0x08;
inline constexpr uint32_t kStateInvalid = 0x10;
inline constexpr uint32_t kStateTracked = 0x20;
inline constexpr uint32_t kStateSrcNat = 0x40;
inline constexpr uint32_t kStateDstNat = 0x80;

inline constexpr uint8_t kProtoIcmp = 1, kProtoTcp = 6, kProtoUdp = 17, kProtoIcmp6 = 58;

struct ConnKey {
  std::array<uint32_t, 4> src{};  // IPv4: src[0], host order; IPv6: four big-endian words
  std::array<uint32_t, 4> dst{};
  uint16_t sport = 0;  // TCP/UDP ports; ICMP echo: the identifier (both)
  uint16_t dport = 0;
  uint16_t zone = 0;
  uint8_t proto = 0;
  uint8_t family = 0;  // 4 or 6

  ConnKey reversed() const noexcept {
    ConnKey r = *this;
    r.src = dst;
    r.dst = src;
    r.sport = dport;
    r.dport = sport;
    return r;
  }
  friend bool operator==(const ConnKey& a, const ConnKey& b) noexcept {
    return std::memcmp(&a, &b, sizeof a) == 0;
  }
};
static_assert(sizeof(ConnKey) == 40);

// 64 bits of hash for 'k', keyed by 'seed' (drawn per start, so a guest cannot aim its tuples
// at one bucket).
uint64_t hash_key(const ConnKey& k, uint64_t seed) noexcept;

// TCP header bits the tracker reads.
inline constexpr uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpPsh = 0x08,
                         kTcpAck = 0x10, kTcpUrg = 0x20;
inline constexpr uint8_t kNoWindowScale = 0xff;

// What the tracker needs of one packet, read by extract.h (or written by a test).
struct ConnPacket {
  ConnKey key;        // as the packet travels
  uint32_t seq = 0;   // TCP
  uint32_t ack = 0;
  uint16_t window = 0;           // as on the wire (unscaled)
  uint16_t payload = 0;          // TCP payload bytes
  uint8_t tcp_flags = 0;
  uint8_t window_scale = kNoWindowScale;  // the SYN's window scale option, if it has one
  // ICMP: type and code. An ICMP error quotes the start of the packet it is about; 'inner' is
  // that packet's key as it travelled (so a connection's own key, in one of its directions).
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
  bool icmp_error = false;
  ConnKey inner;
};

}  // namespace sluice::nfv::ct
