#include "openflow/firewall_reply.h"

#include <algorithm>

#include "openflow/wire.h"

namespace sluice::of::firewall {

namespace {

constexpr size_t kEthLen = 14, kTagLen = 4, kIpv4Len = 20, kTcpLen = 20, kIcmpLen = 8;
constexpr uint8_t kProtoIcmp = 1, kProtoTcp = 6, kProtoUdp = 17;
constexpr uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpAck = 0x10;
constexpr uint8_t kReplyTtl = 64;

uint16_t rd16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t rd32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

// The 16-bit big-endian words of 'data' added to 'sum' (an odd last byte padded with zero).
uint32_t add_words(std::span<const uint8_t> data, uint32_t sum) {
  size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += rd16(&data[i]);
  if (i < data.size()) sum += uint32_t{data[i]} << 8;
  return sum;
}

// An address no host sends from or a reply may go to: 0/8, 127/8, multicast, 240/4 and the
// limited broadcast.
bool unanswerable_address(uint32_t a) {
  const uint32_t top = a >> 24;
  return top == 0 || top == 127 || top >= 224;
}

bool is_icmp_error(uint8_t type) {
  return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

RejectReply none(std::string_view why) { return RejectReply{RejectReply::Kind::kNone, why, {}}; }

// Ethernet and IPv4 headers from 'ip' (the offending packet's IPv4 header) back to its sender,
// the IPv4 total length and checksum left for finish_ipv4.
void start_reply(std::span<const uint8_t> frame, const uint8_t* ip, uint8_t tos, uint8_t proto,
                 std::vector<uint8_t>& out) {
  WireWriter w(out);
  w.bytes(frame.subspan(6, 6));  // to its source MAC
  w.bytes(frame.subspan(0, 6));  // from the MAC it addressed
  w.u16(0x0800);
  w.u8(0x45);
  w.u8(tos);
  w.u16(0);       // total length
  w.u16(0);       // identification
  w.u16(0x4000);  // DF
  w.u8(kReplyTtl);
  w.u8(proto);
  w.u16(0);                        // checksum
  w.bytes(std::span(ip + 16, 4));  // from the address it tried to reach
  w.bytes(std::span(ip + 12, 4));  // to its source
}

void finish_ipv4(std::vector<uint8_t>& out) {
  WireWriter w(out);
  w.patch_u16(kEthLen + 2, static_cast<uint16_t>(out.size() - kEthLen));
  w.patch_u16(kEthLen + 10,
              internet_checksum(std::span<const uint8_t>(out).subspan(kEthLen, kIpv4Len)));
}

RejectReply tcp_reset(std::span<const uint8_t> frame, const uint8_t* ip, size_t ihl,
                      size_t total_len, size_t captured) {
  if (captured < ihl + kTcpLen) return none("cut short before the TCP header");
  const uint8_t* tcp = ip + ihl;
  const uint8_t flags = tcp[13];
  if ((flags & kTcpRst) != 0) return none("a RST");
  const size_t doff = size_t{tcp[12]} >> 4 << 2;
  if (doff < kTcpLen || total_len < ihl + doff) return none("a malformed TCP header");
  const uint32_t seg_len = static_cast<uint32_t>(total_len - ihl - doff) +
                           ((flags & kTcpSyn) != 0 ? 1 : 0) + ((flags & kTcpFin) != 0 ? 1 : 0);
  uint32_t seq = 0, ack = 0;
  uint8_t reply_flags = kTcpRst;
  if ((flags & kTcpAck) != 0) {
    seq = rd32(tcp + 8);
  } else {
    ack = rd32(tcp + 4) + seg_len;
    reply_flags |= kTcpAck;
  }
  RejectReply r{RejectReply::Kind::kTcpReset, {}, {}};
  std::vector<uint8_t>& out = r.frame;
  out.reserve(kEthLen + kIpv4Len + kTcpLen);
  start_reply(frame, ip, 0, kProtoTcp, out);
  const size_t at = out.size();
  WireWriter w(out);
  w.bytes(std::span(tcp + 2, 2));  // from the port it tried to reach
  w.bytes(std::span(tcp, 2));      // to its source port
  w.u32(seq);
  w.u32(ack);
  w.u8(static_cast<uint8_t>(kTcpLen / 4 << 4));
  w.u8(reply_flags);
  w.u16(0);  // window
  w.u16(0);  // checksum
  w.u16(0);  // urgent pointer
  finish_ipv4(out);
  // The pseudo-header: source, destination, protocol, TCP length.
  uint32_t sum = add_words(std::span<const uint8_t>(out).subspan(kEthLen + 12, 8), 0);
  sum += kProtoTcp + static_cast<uint32_t>(kTcpLen);
  w.patch_u16(at + 16, internet_checksum(std::span<const uint8_t>(out).subspan(at), sum));
  return r;
}

RejectReply icmp_unreachable(std::span<const uint8_t> frame, const uint8_t* ip, size_t ihl,
                             size_t total_len, size_t captured, uint8_t code) {
  const size_t quote = ihl + std::min<size_t>(8, total_len - ihl);
  if (captured < quote) return none("cut short before the 8 bytes an ICMP error quotes");
  RejectReply r{
      code == 3 ? RejectReply::Kind::kIcmpPortUnreachable : RejectReply::Kind::kIcmpProhibited,
      {},
      {}};
  std::vector<uint8_t>& out = r.frame;
  out.reserve(kEthLen + kIpv4Len + kIcmpLen + quote);
  start_reply(frame, ip, 0xc0, kProtoIcmp, out);  // precedence: internetwork control
  const size_t at = out.size();
  WireWriter w(out);
  w.u8(3);  // destination unreachable
  w.u8(code);
  w.u16(0);  // checksum
  w.u32(0);  // unused
  w.bytes(std::span(ip, quote));
  finish_ipv4(out);
  w.patch_u16(at + 2, internet_checksum(std::span<const uint8_t>(out).subspan(at)));
  return r;
}

}  // namespace

uint16_t internet_checksum(std::span<const uint8_t> data, uint32_t sum) noexcept {
  sum = add_words(data, sum);
  while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

namespace {

// Where the IPv4 header of an Ethernet frame (untagged or with one tag) is, or why there is none.
struct Ipv4At {
  const uint8_t* ip = nullptr;
  size_t ihl = 0, total_len = 0;
  size_t captured = 0;  // bytes of the IPv4 packet the frame holds (no Ethernet padding)
  std::string_view why;
};

Ipv4At find_ipv4(std::span<const uint8_t> frame) {
  if (frame.size() < kEthLen) return {.why = "cut short before the Ethernet header"};
  size_t l2 = kEthLen;
  uint16_t type = rd16(&frame[12]);
  if (type == 0x8100 || type == 0x88a8) {
    if (frame.size() < kEthLen + kTagLen) return {.why = "cut short in the VLAN tag"};
    type = rd16(&frame[16]);
    l2 += kTagLen;
  }
  if (type != 0x0800) return {.why = "not IPv4"};
  if (frame.size() < l2 + kIpv4Len) return {.why = "cut short before the IPv4 header"};
  Ipv4At at;
  at.ip = &frame[l2];
  at.ihl = (size_t{at.ip[0]} & 0x0f) * 4;
  at.total_len = rd16(at.ip + 2);
  if (at.ip[0] >> 4 != 4 || at.ihl < kIpv4Len || at.total_len < at.ihl) {
    return {.why = "a malformed IPv4 header"};
  }
  at.captured = std::min(frame.size() - l2, at.total_len);
  if (at.captured < at.ihl) return {.why = "cut short in the IPv4 options"};
  return at;
}

}  // namespace

std::optional<PacketSummary> summarize(std::span<const uint8_t> frame) {
  const Ipv4At at = find_ipv4(frame);
  if (at.ip == nullptr) return std::nullopt;
  PacketSummary s;
  s.src = rd32(at.ip + 12);
  s.dst = rd32(at.ip + 16);
  s.proto = at.ip[9];
  s.first_fragment = (rd16(at.ip + 6) & 0x1fff) == 0;
  if (!s.first_fragment) return s;
  const uint8_t* l4 = at.ip + at.ihl;
  const size_t l4_len = at.captured - at.ihl;
  if (s.proto == kProtoTcp || s.proto == kProtoUdp) {
    if (l4_len < 4) return std::nullopt;
    s.src_port = rd16(l4);
    s.dst_port = rd16(l4 + 2);
    if (s.proto == kProtoTcp) {
      if (l4_len < 14) return std::nullopt;
      s.tcp_flags = l4[13];
    }
  } else if (s.proto == kProtoIcmp) {
    if (l4_len < 2) return std::nullopt;
    s.icmp_type = l4[0];
    s.icmp_code = l4[1];
  }
  return s;
}

RejectReply reject_reply(std::span<const uint8_t> frame) {
  if (frame.size() >= kEthLen && (frame[0] & 1) != 0)
    return none("to a multicast or broadcast MAC");
  if (frame.size() >= kEthLen && (frame[6] & 1) != 0) return none("from a multicast MAC");
  const Ipv4At at = find_ipv4(frame);
  if (at.ip == nullptr) return none(at.why);
  const uint8_t* ip = at.ip;
  if ((rd16(ip + 6) & 0x1fff) != 0) return none("a non-first fragment");
  if (unanswerable_address(rd32(ip + 12))) return none("from an address no host has");
  if (unanswerable_address(rd32(ip + 16))) return none("to a multicast or broadcast address");
  switch (ip[9]) {
    case kProtoTcp:
      return tcp_reset(frame, ip, at.ihl, at.total_len, at.captured);
    case kProtoUdp:
      return icmp_unreachable(frame, ip, at.ihl, at.total_len, at.captured, 3);
    case kProtoIcmp:
      if (at.captured < at.ihl + 1) return none("cut short before the ICMP type");
      if (is_icmp_error(ip[at.ihl])) return none("an ICMP error");
      return icmp_unreachable(frame, ip, at.ihl, at.total_len, at.captured, 13);
    default:
      return icmp_unreachable(frame, ip, at.ihl, at.total_len, at.captured, 13);
  }
}

}  // namespace sluice::of::firewall
