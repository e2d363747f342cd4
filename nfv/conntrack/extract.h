// What the tracker reads of a packet (ConnPacket), from its L3 header on: IPv4 or IPv6 (with
// its extension headers), then TCP (flags, sequence, ack, window, payload length, the SYN's
// window scale option), UDP, ICMP/ICMPv6 (echo identifier; for an error, the key of the packet
// it quotes), or any other protocol by addresses alone. Every length is checked against what
// the headers say and what was received; nothing past 'len' is read.
// Std C++ only.
#pragma once

#include <array>
#include <cstdint>

#include "nfv/conntrack/conn_key.h"

namespace sluice::nfv::ct {

enum class ExtractStatus : uint8_t {
  kOk = 0,
  kNotIp,      // not IPv4 or IPv6: nothing to track
  kFragment,   // an IP fragment (not reassembled: untracked, so invalid to a ct action)
  kMalformed,  // headers cut short or inconsistent
  kCount
};
inline constexpr std::array<const char*, 4> kExtractStatusNames = {"ok", "not_ip", "fragment",
                                                                   "malformed"};
static_assert(kExtractStatusNames.size() == static_cast<size_t>(ExtractStatus::kCount));

// 'l3' points at the header after the Ethernet header and any VLAN tags, 'len' bytes of it are
// readable, and 'ether_type' is the EtherType in front of it.
ExtractStatus extract_conn(const uint8_t* l3, uint32_t len, uint16_t ether_type, uint16_t zone,
                           ConnPacket& out) noexcept;

}  // namespace sluice::nfv::ct
