// What a rejecting firewall rule sends back (firewall.h, Verdict::kReject): built from the
// punted packet (an Ethernet frame as table 31 sees it, untagged; a VLAN tag is skipped if one
// is there), addressed back to its sender as if from the host it tried to reach:
//
//   TCP        a RST (RFC 9293 3.10.7.1: with the segment's ACK as its sequence number; for a
//              segment without ACK, sequence 0 and the ACK of everything the segment occupied)
//   UDP        ICMP destination unreachable, port unreachable (3/3)
//   other IP   ICMP destination unreachable, communication administratively prohibited (3/13)
//
// No answer (kind kNone, with why) to what must not get one (RFC 1122 3.2.2, RFC 9293): a RST,
// an ICMP error, a non-first fragment, a frame to a multicast or broadcast MAC or address, from
// one, or from an address that cannot be a host's (0.0.0.0/8, 127/8, multicast, broadcast), and
// nothing cut short before the headers the answer needs. An ICMP error quotes the offending
// IPv4 header and the first 8 bytes after it (RFC 792).
//
// Std C++ only.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace sluice::of::firewall {

struct RejectReply {
  enum class Kind : uint8_t { kNone, kTcpReset, kIcmpPortUnreachable, kIcmpProhibited };
  Kind kind = Kind::kNone;
  std::string_view why;        // kNone: why there is no answer ("a RST", "not IPv4", ...)
  std::vector<uint8_t> frame;  // the answer, untagged Ethernet
};

RejectReply reject_reply(std::span<const uint8_t> frame);

// What a flow log line says of a punted IPv4 packet: its addresses and protocol, its ports (TCP,
// UDP) or type and code (ICMP), and TCP's flags. Nothing if the frame is not IPv4 or is cut
// short before those.
struct PacketSummary {
  uint32_t src = 0, dst = 0;
  uint8_t proto = 0;
  uint16_t src_port = 0, dst_port = 0;  // TCP and UDP
  uint8_t icmp_type = 0, icmp_code = 0;
  uint8_t tcp_flags = 0;
  bool first_fragment = true;  // false: a later fragment (no ports)
};
std::optional<PacketSummary> summarize(std::span<const uint8_t> frame);

// The Internet checksum (RFC 1071) of 'data' with 'sum' (a partial sum of earlier words)
// carried in, folded and complemented: what goes into the header.
uint16_t internet_checksum(std::span<const uint8_t> data, uint32_t sum = 0) noexcept;

}  // namespace sluice::of::firewall
