// extract_conn() on hand-written headers: every field the tracker reads, and every way a
// header can be cut short or lie about its length.
#include "nfv/conntrack/extract.h"

#include <vector>

#include <gtest/gtest.h>

namespace sluice::nfv::ct {
namespace {

using Bytes = std::vector<uint8_t>;

// b += more (one copy; GCC 12 misreads vector::insert at the end as out of bounds).
void append(Bytes& b, const Bytes& more) {
  const size_t n = b.size();
  b.resize(n + more.size());
  for (size_t i = 0; i < more.size(); ++i) b[n + i] = more[i];
}

void put16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

// An IPv4 header (20 bytes) for 'l4' bytes of payload of protocol 'proto'.
Bytes ipv4(uint8_t proto, const Bytes& l4, uint32_t src = 0x0a000001, uint32_t dst = 0x0a000002) {
  Bytes b(20, 0);
  b[0] = 0x45;
  put16(b, 2, static_cast<uint16_t>(20 + l4.size()));
  b[8] = 64;
  b[9] = proto;
  for (int i = 0; i < 4; ++i) {
    b[12 + i] = static_cast<uint8_t>(src >> (24 - 8 * i));
    b[16 + i] = static_cast<uint8_t>(dst >> (24 - 8 * i));
  }
  append(b, l4);
  return b;
}

Bytes ipv6(uint8_t next, const Bytes& payload) {
  Bytes b(40, 0);
  b[0] = 0x60;
  put16(b, 4, static_cast<uint16_t>(payload.size()));
  b[6] = next;
  b[7] = 64;
  b[8] = 0x20;
  b[9] = 0x01;
  b[23] = 1;  // 2001::1
  b[24] = 0x20;
  b[25] = 0x01;
  b[39] = 2;  // 2001::2
  append(b, payload);
  return b;
}

Bytes tcp(uint16_t sport, uint16_t dport, uint8_t flags, const Bytes& options = {},
          size_t payload = 0) {
  Bytes b(20, 0);
  put16(b, 0, sport);
  put16(b, 2, dport);
  b[4] = 0x11, b[5] = 0x22, b[6] = 0x33, b[7] = 0x44;  // seq
  b[8] = 0x55, b[9] = 0x66, b[10] = 0x77, b[11] = 0x88;  // ack
  b[12] = static_cast<uint8_t>((20 + options.size()) / 4 << 4);
  b[13] = flags;
  put16(b, 14, 29200);
  append(b, options);
  b.resize(b.size() + payload, 0xab);
  return b;
}

Bytes udp(uint16_t sport, uint16_t dport) {
  Bytes b(8, 0);
  put16(b, 0, sport);
  put16(b, 2, dport);
  put16(b, 4, 8);
  return b;
}

Bytes icmp(uint8_t type, uint8_t code, uint16_t id, const Bytes& rest = {}) {
  Bytes b(8, 0);
  b[0] = type;
  b[1] = code;
  put16(b, 4, id);
  append(b, rest);
  return b;
}

ExtractStatus run(const Bytes& b, ConnPacket& p, uint16_t ether_type = 0x0800, uint16_t zone = 3) {
  return extract_conn(b.data(), static_cast<uint32_t>(b.size()), ether_type, zone, p);
}

TEST(ExtractTest, TcpSynWithOptions) {
  // MSS 1460, NOP, window scale 7, then padding.
  const Bytes opts = {2, 4, 0x05, 0xb4, 1, 3, 3, 7};
  ConnPacket p;
  ASSERT_EQ(run(ipv4(6, tcp(40000, 80, kTcpSyn, opts)), p), ExtractStatus::kOk);
  EXPECT_EQ(p.key.family, 4);
  EXPECT_EQ(p.key.proto, kProtoTcp);
  EXPECT_EQ(p.key.src[0], 0x0a000001u);
  EXPECT_EQ(p.key.dst[0], 0x0a000002u);
  EXPECT_EQ(p.key.sport, 40000);
  EXPECT_EQ(p.key.dport, 80);
  EXPECT_EQ(p.key.zone, 3);
  EXPECT_EQ(p.seq, 0x11223344u);
  EXPECT_EQ(p.ack, 0x55667788u);
  EXPECT_EQ(p.window, 29200);
  EXPECT_EQ(p.tcp_flags, kTcpSyn);
  EXPECT_EQ(p.window_scale, 7);
  EXPECT_EQ(p.payload, 0);
  // Options are read only on SYNs; a cut-short option list ends the search.
  ASSERT_EQ(run(ipv4(6, tcp(40000, 80, kTcpAck, opts, 100)), p), ExtractStatus::kOk);
  EXPECT_EQ(p.window_scale, kNoWindowScale);
  EXPECT_EQ(p.payload, 100);
  ASSERT_EQ(run(ipv4(6, tcp(1, 2, kTcpSyn, {1, 1, 1, 3})), p), ExtractStatus::kOk);
  EXPECT_EQ(p.window_scale, kNoWindowScale);
}

TEST(ExtractTest, LengthsThatLie) {
  ConnPacket p;
  Bytes b = ipv4(6, tcp(1, 2, kTcpAck));
  EXPECT_EQ(run(Bytes(b.begin(), b.end() - 1), p), ExtractStatus::kMalformed);  // total > len
  Bytes short_doff = b;
  short_doff[20 + 12] = 4 << 4;  // data offset 16 bytes
  EXPECT_EQ(run(short_doff, p), ExtractStatus::kMalformed);
  Bytes long_doff = b;
  long_doff[20 + 12] = 15 << 4;  // 60 bytes, more than the segment
  EXPECT_EQ(run(long_doff, p), ExtractStatus::kMalformed);
  Bytes bad_ihl = b;
  bad_ihl[0] = 0x44;
  EXPECT_EQ(run(bad_ihl, p), ExtractStatus::kMalformed);
  Bytes not_v4 = b;
  not_v4[0] = 0x65;
  EXPECT_EQ(run(not_v4, p), ExtractStatus::kMalformed);
  EXPECT_EQ(run(ipv4(17, {1, 2}), p), ExtractStatus::kMalformed);  // UDP without its ports
  EXPECT_EQ(run(Bytes(10, 0x45), p), ExtractStatus::kMalformed);
  // Trailing bytes past the IP length (Ethernet padding) are not payload.
  Bytes padded = ipv4(6, tcp(1, 2, kTcpAck, {}, 6));
  padded.resize(padded.size() + 10, 0);
  ASSERT_EQ(run(padded, p), ExtractStatus::kOk);
  EXPECT_EQ(p.payload, 6);
}

TEST(ExtractTest, FragmentsAndOtherProtocols) {
  ConnPacket p;
  Bytes frag = ipv4(17, udp(1, 2));
  frag[6] = 0x20;  // more fragments
  EXPECT_EQ(run(frag, p), ExtractStatus::kFragment);
  frag[6] = 0x00, frag[7] = 0x10;  // a later fragment
  EXPECT_EQ(run(frag, p), ExtractStatus::kFragment);
  Bytes df = ipv4(17, udp(5353, 53));
  df[6] = 0x40;  // don't fragment: not a fragment
  ASSERT_EQ(run(df, p), ExtractStatus::kOk);
  EXPECT_EQ(p.key.sport, 5353);
  EXPECT_EQ(run(df, p, 0x0806), ExtractStatus::kNotIp);
  ASSERT_EQ(run(ipv4(47, Bytes(4, 0)), p), ExtractStatus::kOk);  // GRE: by addresses
  EXPECT_EQ(p.key.proto, 47);
  EXPECT_EQ(p.key.sport, 0);
}

TEST(ExtractTest, IcmpEchoAndErrors) {
  ConnPacket p;
  ASSERT_EQ(run(ipv4(1, icmp(8, 0, 0x1234)), p), ExtractStatus::kOk);
  EXPECT_EQ(p.icmp_type, 8);
  EXPECT_EQ(p.key.sport, 0x1234);
  EXPECT_EQ(p.key.dport, 0x1234);
  EXPECT_FALSE(p.icmp_error);
  // Port unreachable from the server, quoting the client's datagram (IP header + 8 bytes).
  const Bytes quoted = ipv4(17, udp(5353, 53));
  ASSERT_EQ(run(ipv4(1, icmp(3, 3, 0, quoted), 0x0a000002, 0x0a000001), p), ExtractStatus::kOk);
  EXPECT_TRUE(p.icmp_error);
  EXPECT_EQ(p.icmp_code, 3);
  EXPECT_EQ(p.key.sport, 0);  // an error has no identifier
  EXPECT_EQ(p.inner.proto, kProtoUdp);
  EXPECT_EQ(p.inner.src[0], 0x0a000001u);
  EXPECT_EQ(p.inner.dst[0], 0x0a000002u);
  EXPECT_EQ(p.inner.sport, 5353);
  EXPECT_EQ(p.inner.dport, 53);
  EXPECT_EQ(p.inner.zone, 3);
  // A quote may be cut after 8 bytes of L4 even if its IP length says more.
  const Bytes long_quote = ipv4(6, tcp(40000, 80, kTcpAck, {}, 500));
  const Bytes cut(long_quote.begin(), long_quote.begin() + 28);
  ASSERT_EQ(run(ipv4(1, icmp(11, 0, 0, cut)), p), ExtractStatus::kOk);
  EXPECT_EQ(p.inner.sport, 40000);
  // But not shorter.
  const Bytes too_short(long_quote.begin(), long_quote.begin() + 27);
  EXPECT_EQ(run(ipv4(1, icmp(3, 1, 0, too_short)), p), ExtractStatus::kMalformed);
  EXPECT_EQ(run(ipv4(1, {8, 0, 0}), p), ExtractStatus::kMalformed);
}

TEST(ExtractTest, Ipv6WithExtensionHeaders) {
  ConnPacket p;
  // Hop-by-hop (8 bytes) then UDP.
  Bytes hbh = {17, 0, 0, 0, 0, 0, 0, 0};
  const Bytes u = udp(546, 547);
  append(hbh, u);
  ASSERT_EQ(run(ipv6(0, hbh), p, 0x86dd), ExtractStatus::kOk);
  EXPECT_EQ(p.key.family, 6);
  EXPECT_EQ(p.key.proto, kProtoUdp);
  EXPECT_EQ(p.key.sport, 546);
  const uint8_t* src = reinterpret_cast<const uint8_t*>(p.key.src.data());
  EXPECT_EQ(src[0], 0x20);
  EXPECT_EQ(src[15], 1);
  // A fragment header: untracked.
  Bytes fh = {17, 0, 0, 1, 0, 0, 0, 7};
  append(fh, u);
  EXPECT_EQ(run(ipv6(44, fh), p, 0x86dd), ExtractStatus::kFragment);
  // An extension header longer than the packet.
  Bytes big = {17, 4, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(run(ipv6(60, big), p, 0x86dd), ExtractStatus::kMalformed);
  // ICMPv6 echo and an error quoting TCP.
  ASSERT_EQ(run(ipv6(58, icmp(128, 0, 9)), p, 0x86dd), ExtractStatus::kOk);
  EXPECT_EQ(p.key.proto, kProtoIcmp6);
  EXPECT_EQ(p.key.sport, 9);
  const Bytes quoted = ipv6(6, tcp(1234, 443, kTcpAck));
  ASSERT_EQ(run(ipv6(58, icmp(1, 4, 0, quoted)), p, 0x86dd), ExtractStatus::kOk);
  EXPECT_TRUE(p.icmp_error);
  EXPECT_EQ(p.inner.family, 6);
  EXPECT_EQ(p.inner.dport, 443);
  // ICMPv4 inside IPv6 is just another protocol.
  ASSERT_EQ(run(ipv6(1, icmp(8, 0, 5)), p, 0x86dd), ExtractStatus::kOk);
  EXPECT_EQ(p.key.sport, 0);
}

}  // namespace
}  // namespace sluice::nfv::ct
