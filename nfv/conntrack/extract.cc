#include "nfv/conntrack/extract.h"

#include <algorithm>
#include <cstring>

namespace sluice::nfv::ct {
namespace {

constexpr uint16_t kEtherIpv4 = 0x0800, kEtherIpv6 = 0x86dd;
constexpr uint32_t kIpv6Header = 40;
constexpr unsigned kMaxExtensions = 8;

uint16_t rd16(const uint8_t* p) noexcept { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t rd32(const uint8_t* p) noexcept {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

// An IP header's addresses and protocol, and where its payload is.
struct Ip {
  ConnKey key;
  uint32_t l4 = 0;      // offset of the L4 header from the IP header
  uint32_t l4_len = 0;  // bytes of L4 header and payload (by the IP header's lengths)
};

// 'avail' is what may be read; 'whole' says whether the packet's IP lengths must fit in it
// (false for the header an ICMP error quotes, which is cut after 8 bytes of L4).
ExtractStatus read_ipv4(const uint8_t* p, uint32_t avail, bool whole, Ip& ip) noexcept {
  if (avail < 20 || (p[0] >> 4) != 4) return ExtractStatus::kMalformed;
  const uint32_t ihl = (p[0] & 0xfu) * 4;
  const uint32_t total = rd16(p + 2);
  if (ihl < 20 || ihl > avail || total < ihl || (whole && total > avail)) {
    return ExtractStatus::kMalformed;
  }
  if ((rd16(p + 6) & 0x3fff) != 0) return ExtractStatus::kFragment;  // MF or an offset
  ip.key.family = 4;
  ip.key.proto = p[9];
  ip.key.src[0] = rd32(p + 12);
  ip.key.dst[0] = rd32(p + 16);
  ip.l4 = ihl;
  ip.l4_len = (whole ? total : std::min(total, avail)) - ihl;
  return ExtractStatus::kOk;
}

ExtractStatus read_ipv6(const uint8_t* p, uint32_t avail, bool whole, Ip& ip) noexcept {
  if (avail < kIpv6Header || (p[0] >> 4) != 6) return ExtractStatus::kMalformed;
  const uint32_t total = kIpv6Header + rd16(p + 4);
  if (whole && total > avail) return ExtractStatus::kMalformed;
  const uint32_t end = std::min(total, avail);
  ip.key.family = 6;
  std::memcpy(ip.key.src.data(), p + 8, 16);
  std::memcpy(ip.key.dst.data(), p + 24, 16);
  uint8_t next = p[6];
  uint32_t off = kIpv6Header;
  for (unsigned n = 0;; ++n) {
    if (next == 44) return ExtractStatus::kFragment;
    const bool ext = next == 0 || next == 43 || next == 60 || next == 51;
    if (!ext) break;
    if (n == kMaxExtensions || off + 8 > end) return ExtractStatus::kMalformed;
    const uint32_t size = next == 51 ? (uint32_t{p[off + 1]} + 2) * 4 : (uint32_t{p[off + 1]} + 1) * 8;
    next = p[off];
    off += size;
    if (off > end) return ExtractStatus::kMalformed;
  }
  ip.key.proto = next;
  ip.l4 = off;
  ip.l4_len = end - off;
  return ExtractStatus::kOk;
}

ExtractStatus read_ip(const uint8_t* p, uint32_t avail, bool v6, bool whole, Ip& ip) noexcept {
  return v6 ? read_ipv6(p, avail, whole, ip) : read_ipv4(p, avail, whole, ip);
}

// The SYN's window scale option (kind 3, length 3), if its options hold one.
uint8_t window_scale(const uint8_t* opt, uint32_t len) noexcept {
  for (uint32_t i = 0; i < len;) {
    const uint8_t kind = opt[i];
    if (kind == 0) break;  // end of options
    if (kind == 1) {       // no-op
      ++i;
      continue;
    }
    if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len) break;  // cut short: stop
    if (kind == 3 && opt[i + 1] == 3) return opt[i + 2];
    i += opt[i + 1];
  }
  return kNoWindowScale;
}

bool is_icmp_error(bool v6, uint8_t type) noexcept {
  if (v6) return type >= 1 && type <= 4;  // unreachable, too big, time exceeded, parameter
  return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

// The ports of an L4 header for a key: TCP and UDP ports, or an ICMP echo's identifier.
bool read_ports(const uint8_t* l4, uint32_t len, ConnKey& k, uint8_t& icmp_type) noexcept {
  const bool icmp = k.proto == kProtoIcmp || k.proto == kProtoIcmp6;
  if (k.proto == kProtoTcp || k.proto == kProtoUdp) {
    if (len < 4) return false;
    k.sport = rd16(l4);
    k.dport = rd16(l4 + 2);
  } else if (icmp) {
    if (len < 8) return false;
    icmp_type = l4[0];
    const bool echo = k.proto == kProtoIcmp ? (l4[0] == 8 || l4[0] == 0)
                                            : (l4[0] == 128 || l4[0] == 129);
    if (echo) k.sport = k.dport = rd16(l4 + 4);
  }
  return true;
}

}  // namespace

ExtractStatus extract_conn(const uint8_t* l3, uint32_t len, uint16_t ether_type, uint16_t zone,
                           ConnPacket& out) noexcept {
  out = ConnPacket{};
  if (ether_type != kEtherIpv4 && ether_type != kEtherIpv6) return ExtractStatus::kNotIp;
  const bool v6 = ether_type == kEtherIpv6;
  Ip ip;
  const ExtractStatus st = read_ip(l3, len, v6, true, ip);
  if (st != ExtractStatus::kOk) return st;
  ip.key.zone = zone;
  const uint8_t* l4 = l3 + ip.l4;
  const uint32_t l4_len = ip.l4_len;
  out.key = ip.key;
  if (ip.key.proto == kProtoTcp) {
    if (l4_len < 20) return ExtractStatus::kMalformed;
    const uint32_t doff = static_cast<uint32_t>(l4[12] >> 4) * 4;
    if (doff < 20 || doff > l4_len) return ExtractStatus::kMalformed;
    out.key.sport = rd16(l4);
    out.key.dport = rd16(l4 + 2);
    out.seq = rd32(l4 + 4);
    out.ack = rd32(l4 + 8);
    out.tcp_flags = l4[13];
    out.window = rd16(l4 + 14);
    out.payload = static_cast<uint16_t>(l4_len - doff);
    if (out.tcp_flags & kTcpSyn) out.window_scale = window_scale(l4 + 20, doff - 20);
    return ExtractStatus::kOk;
  }
  const bool icmp = (!v6 && ip.key.proto == kProtoIcmp) || (v6 && ip.key.proto == kProtoIcmp6);
  if (!icmp && ip.key.proto == (v6 ? kProtoIcmp : kProtoIcmp6)) {
    return ExtractStatus::kOk;  // ICMP in IPv6 or ICMPv6 in IPv4: another protocol, by address
  }
  if (!read_ports(l4, l4_len, out.key, out.icmp_type)) return ExtractStatus::kMalformed;
  if (!icmp) return ExtractStatus::kOk;
  out.icmp_code = l4[1];
  if (!is_icmp_error(v6, out.icmp_type)) return ExtractStatus::kOk;
  // An error quotes the IP header and at least 8 bytes of L4 of the packet it is about.
  Ip inner;
  const ExtractStatus ist = read_ip(l4 + 8, l4_len - 8, v6, false, inner);
  if (ist != ExtractStatus::kOk) return ExtractStatus::kMalformed;
  inner.key.zone = zone;
  if (inner.l4 + 8 > l4_len - 8) return ExtractStatus::kMalformed;
  uint8_t inner_type = 0;
  if (!read_ports(l4 + 8 + inner.l4, 8, inner.key, inner_type)) return ExtractStatus::kMalformed;
  out.icmp_error = true;
  out.inner = inner.key;
  return ExtractStatus::kOk;
}

}  // namespace sluice::nfv::ct
