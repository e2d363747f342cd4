// What a rejecting rule answers (openflow/firewall_reply.h): a RST for TCP with RFC 9293's
// sequence numbers, ICMP unreachable 3/3 for UDP and 3/13 for the rest quoting the offending
// header and 8 bytes, every checksum valid, and no answer to what must not get one.
#include "openflow/firewall_reply.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <vector>

namespace sluice::of::firewall {
namespace {

using Bytes = std::vector<uint8_t>;
using Kind = RejectReply::Kind;

const Bytes kClientMac = {0x02, 0, 0, 0, 0, 0x01};
const Bytes kServerMac = {0x02, 0, 0, 0, 0, 0x02};
constexpr uint32_t kClientIp = 0x0a000001, kServerIp = 0x0a000002;  // 10.0.0.1, 10.0.0.2

void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void put32(Bytes& b, uint32_t v) {
  put16(b, static_cast<uint16_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v));
}
uint16_t rd16(const Bytes& b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }
uint32_t rd32(const Bytes& b, size_t at) {
  return uint32_t{rd16(b, at)} << 16 | rd16(b, at + 2);
}

struct Ip {
  uint8_t proto = 6;
  uint32_t src = kClientIp, dst = kServerIp;
  uint16_t frag = 0x4000;  // DF, offset 0
  size_t options = 0;      // bytes of IPv4 options (multiple of 4)
};

// Ethernet (client -> server, optionally tagged) + IPv4 + 'l4'; total length from 'l4_len'
// (the frame may hold less: a punt's prefix).
Bytes frame(const Ip& ip, const Bytes& l4, size_t l4_len, bool tagged = false,
            const Bytes& dst_mac = kServerMac) {
  Bytes f = dst_mac;
  f.insert(f.end(), kClientMac.begin(), kClientMac.end());
  if (tagged) {
    put16(f, 0x8100);
    put16(f, 10);
  }
  put16(f, 0x0800);
  const size_t ip_at = f.size();
  f.push_back(static_cast<uint8_t>(0x40 | (20 + ip.options) / 4));
  f.push_back(0);
  put16(f, static_cast<uint16_t>(20 + ip.options + l4_len));
  put16(f, 0x1234);
  put16(f, ip.frag);
  f.push_back(61);
  f.push_back(ip.proto);
  put16(f, 0);
  put32(f, ip.src);
  put32(f, ip.dst);
  f.insert(f.end(), ip.options, 0x01);  // NOPs
  const uint16_t c = internet_checksum(std::span<const uint8_t>(f).subspan(ip_at, 20 + ip.options));
  f[ip_at + 10] = static_cast<uint8_t>(c >> 8);
  f[ip_at + 11] = static_cast<uint8_t>(c);
  f.insert(f.end(), l4.begin(), l4.end());
  return f;
}

Bytes tcp(uint8_t flags, uint32_t seq, uint32_t ack, size_t payload = 0) {
  Bytes t;
  put16(t, 40000);
  put16(t, 80);
  put32(t, seq);
  put32(t, ack);
  t.push_back(5 << 4);
  t.push_back(flags);
  put16(t, 64240);
  put16(t, 0);
  put16(t, 0);
  t.insert(t.end(), payload, 0xaa);
  return t;
}

Bytes udp(size_t payload) {
  Bytes u;
  put16(u, 5353);
  put16(u, 53);
  put16(u, static_cast<uint16_t>(8 + payload));
  put16(u, 0);
  u.insert(u.end(), payload, 0x55);
  return u;
}

// The answer's Ethernet and IPv4 headers go back to the client from the server; the IPv4
// checksum is right; returns the IPv4 total length.
size_t expect_back_to_client(const Bytes& r, uint8_t proto) {
  EXPECT_EQ(Bytes(r.begin(), r.begin() + 6), kClientMac);
  EXPECT_EQ(Bytes(r.begin() + 6, r.begin() + 12), kServerMac);
  EXPECT_EQ(rd16(r, 12), 0x0800);
  EXPECT_EQ(r[14], 0x45);
  EXPECT_EQ(r[14 + 9], proto);
  EXPECT_EQ(r[14 + 8], 64);  // TTL
  EXPECT_EQ(rd32(r, 14 + 12), kServerIp);
  EXPECT_EQ(rd32(r, 14 + 16), kClientIp);
  EXPECT_EQ(internet_checksum(std::span<const uint8_t>(r).subspan(14, 20)), 0);
  EXPECT_EQ(rd16(r, 16), r.size() - 14);
  return r.size() - 14;
}

// A TCP checksum over the pseudo-header is right.
void expect_tcp_checksum(const Bytes& r) {
  uint32_t pseudo = (kServerIp >> 16) + (kServerIp & 0xffff) + (kClientIp >> 16) +
                    (kClientIp & 0xffff) + 6 + static_cast<uint32_t>(r.size() - 34);
  EXPECT_EQ(internet_checksum(std::span<const uint8_t>(r).subspan(34), pseudo), 0);
}

TEST(InternetChecksum, Rfc1071Example) {
  // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to 0xddf2; the checksum is ~that.
  const Bytes words = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(internet_checksum(words), static_cast<uint16_t>(~0xddf2));
  const Bytes odd = {0x01};  // padded with a zero byte: 0x0100
  EXPECT_EQ(internet_checksum(odd), static_cast<uint16_t>(~0x0100));
  const Bytes carry = {0xff, 0xff, 0x00, 0x02};  // 0xffff + 2 = 0x10001 -> 0x0002
  EXPECT_EQ(internet_checksum(carry), static_cast<uint16_t>(~0x0002));
}

TEST(RejectReply, SynGetsRstAckOfTheSyn) {
  const RejectReply r = reject_reply(frame(Ip{}, tcp(0x02, 1000, 0), 20));
  ASSERT_EQ(r.kind, Kind::kTcpReset) << r.why;
  ASSERT_EQ(r.frame.size(), 54u);
  EXPECT_EQ(expect_back_to_client(r.frame, 6), 40u);
  EXPECT_EQ(rd16(r.frame, 34), 80);     // from the port it tried
  EXPECT_EQ(rd16(r.frame, 36), 40000);  // to its source port
  EXPECT_EQ(rd32(r.frame, 38), 0u);     // SEQ=0
  EXPECT_EQ(rd32(r.frame, 42), 1001u);  // ACK=SEG.SEQ+SEG.LEN, the SYN counting one
  EXPECT_EQ(r.frame[46], 5 << 4);
  EXPECT_EQ(r.frame[47], 0x14);  // RST,ACK
  expect_tcp_checksum(r.frame);
}

TEST(RejectReply, SegmentWithAckGetsRstAtItsAck) {
  // Mid-connection (a connection re-checked after a policy change): SEQ=SEG.ACK, no ACK.
  const RejectReply r = reject_reply(frame(Ip{}, tcp(0x18, 5000, 0xfffffff0u, 100), 120));
  ASSERT_EQ(r.kind, Kind::kTcpReset) << r.why;
  EXPECT_EQ(rd32(r.frame, 38), 0xfffffff0u);
  EXPECT_EQ(rd32(r.frame, 42), 0u);
  EXPECT_EQ(r.frame[47], 0x04);  // RST
  expect_tcp_checksum(r.frame);
}

TEST(RejectReply, AckCountsPayloadAndFinAndWraps) {
  // SYN+FIN with 100 bytes whose length comes from the IPv4 header, though only 30 of them were
  // punted: ACK = SEQ + 100 + 1 (SYN) + 1 (FIN), modulo 2^32.
  Bytes seg = tcp(0x03, 0xffffffc0u, 0, 30);
  const RejectReply r = reject_reply(frame(Ip{}, seg, 120));
  ASSERT_EQ(r.kind, Kind::kTcpReset) << r.why;
  EXPECT_EQ(rd32(r.frame, 42), 0xffffffc0u + 102u);
}

TEST(RejectReply, IpOptionsAndVlanTagAreSkipped) {
  Ip ip;
  ip.options = 8;
  const RejectReply r = reject_reply(frame(ip, tcp(0x02, 7, 0), 20, /*tagged=*/true));
  ASSERT_EQ(r.kind, Kind::kTcpReset) << r.why;
  ASSERT_EQ(r.frame.size(), 54u);  // untagged, no options: egress adds the tag
  EXPECT_EQ(rd32(r.frame, 42), 8u);
  expect_tcp_checksum(r.frame);
}

TEST(RejectReply, UdpGetsPortUnreachableQuotingHeaderAnd8Bytes) {
  Ip ip;
  ip.proto = 17;
  const Bytes in = frame(ip, udp(100), 108);
  const RejectReply r = reject_reply(in);
  ASSERT_EQ(r.kind, Kind::kIcmpPortUnreachable) << r.why;
  EXPECT_EQ(expect_back_to_client(r.frame, 1), 20u + 8u + 28u);
  EXPECT_EQ(r.frame[15], 0xc0);  // internetwork control
  EXPECT_EQ(r.frame[34], 3);
  EXPECT_EQ(r.frame[35], 3);
  EXPECT_EQ(rd32(r.frame, 38), 0u);
  EXPECT_EQ(Bytes(r.frame.begin() + 42, r.frame.end()), Bytes(in.begin() + 14, in.begin() + 42));
  EXPECT_EQ(internet_checksum(std::span<const uint8_t>(r.frame).subspan(34)), 0);
}

TEST(RejectReply, OtherProtocolsGetAdministrativelyProhibited) {
  Ip gre;
  gre.proto = 47;
  const Bytes payload = {0, 0, 0x08, 0};  // 4 bytes: the quote is shorter than 8
  const RejectReply r = reject_reply(frame(gre, payload, 4));
  ASSERT_EQ(r.kind, Kind::kIcmpProhibited) << r.why;
  EXPECT_EQ(r.frame[35], 13);
  EXPECT_EQ(r.frame.size(), 14u + 20u + 8u + 24u);
  EXPECT_EQ(internet_checksum(std::span<const uint8_t>(r.frame).subspan(34)), 0);

  Ip icmp;
  icmp.proto = 1;
  const Bytes echo = {8, 0, 0xf7, 0xff, 0, 0, 0, 0};
  const RejectReply e = reject_reply(frame(icmp, echo, 8));
  ASSERT_EQ(e.kind, Kind::kIcmpProhibited) << e.why;
  EXPECT_EQ(e.frame[34], 3);
  EXPECT_EQ(e.frame[35], 13);
}

struct Silent {
  const char* name;
  Bytes frame;
};

TEST(RejectReply, NoAnswerToWhatMustNotGetOne) {
  Ip udp_ip;
  udp_ip.proto = 17;
  Ip icmp_ip;
  icmp_ip.proto = 1;
  Ip fragment;
  fragment.frag = 0x0010;  // offset 16*8
  Ip from_zero, from_loopback, to_multicast, to_broadcast, from_multicast;
  from_zero.src = 0;
  from_loopback.src = 0x7f000001;
  from_multicast.src = 0xe0000001;
  to_multicast.dst = 0xe00000fb;
  to_broadcast.dst = 0xffffffff;
  const Bytes syn = tcp(0x02, 1, 0);
  Bytes full = frame(Ip{}, syn, 20);
  Bytes ipv6 = full;
  ipv6[12] = 0x86;
  ipv6[13] = 0xdd;
  Bytes bad_version = full;
  bad_version[14] = 0x65;
  Bytes bad_doff = full;
  bad_doff[14 + 20 + 12] = 4 << 4;
  const std::vector<Silent> cases = {
      {"a RST", frame(Ip{}, tcp(0x04, 1, 0), 20)},
      {"a RST+ACK", frame(Ip{}, tcp(0x14, 1, 2), 20)},
      {"an ICMP unreachable", frame(icmp_ip, Bytes{3, 3, 0, 0, 0, 0, 0, 0}, 8)},
      {"an ICMP time exceeded", frame(icmp_ip, Bytes{11, 0, 0, 0, 0, 0, 0, 0}, 8)},
      {"a non-first fragment", frame(fragment, udp(8), 16)},
      {"to a broadcast MAC", frame(udp_ip, udp(8), 16, false, Bytes(6, 0xff))},
      {"to a multicast MAC", frame(udp_ip, udp(8), 16, false, {0x01, 0, 0x5e, 0, 0, 0xfb})},
      {"from 0.0.0.0", frame(from_zero, syn, 20)},
      {"from loopback", frame(from_loopback, syn, 20)},
      {"from multicast", frame(from_multicast, syn, 20)},
      {"to multicast", frame(to_multicast, udp(8), 16)},
      {"to 255.255.255.255", frame(to_broadcast, udp(8), 16)},
      {"IPv6", ipv6},
      {"IPv4 version 6", bad_version},
      {"TCP data offset 4", bad_doff},
      {"cut in the TCP header", Bytes(full.begin(), full.begin() + 14 + 20 + 12)},
      {"cut in the IPv4 header", Bytes(full.begin(), full.begin() + 14 + 10)},
      {"cut in Ethernet", Bytes(full.begin(), full.begin() + 10)},
      {"UDP cut before 8 bytes", Bytes(full.begin(), full.begin() + 14 + 20 + 4)},
      {"empty", Bytes{}},
  };
  for (const Silent& c : cases) {
    Bytes f = c.frame;
    if (std::string_view(c.name) == "UDP cut before 8 bytes") f[14 + 9] = 17;
    const RejectReply r = reject_reply(f);
    EXPECT_EQ(r.kind, Kind::kNone) << c.name;
    EXPECT_TRUE(r.frame.empty()) << c.name;
    EXPECT_FALSE(r.why.empty()) << c.name;
  }
}

TEST(RejectReply, EveryPrefixOfAFrameIsSafe) {
  // Whatever is cut off, the builder reads nothing past the end (ASan in CI) and answers only
  // with a whole reply.
  Ip udp_ip;
  udp_ip.proto = 17;
  for (const Bytes& f : {frame(Ip{}, tcp(0x02, 1, 0), 20), frame(udp_ip, udp(40), 48)}) {
    for (size_t n = 0; n <= f.size(); ++n) {
      const RejectReply r = reject_reply(std::span<const uint8_t>(f.data(), n));
      if (r.kind != Kind::kNone) {
        EXPECT_GE(r.frame.size(), 54u) << n;
      }
    }
  }
}

TEST(PacketSummary, TcpUdpIcmpAndWhatItCannotRead) {
  const auto t = summarize(frame(Ip{}, tcp(0x02, 1, 0), 20, /*tagged=*/true));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->src, kClientIp);
  EXPECT_EQ(t->dst, kServerIp);
  EXPECT_EQ(t->proto, 6);
  EXPECT_EQ(t->src_port, 40000);
  EXPECT_EQ(t->dst_port, 80);
  EXPECT_EQ(t->tcp_flags, 0x02);
  Ip udp_ip;
  udp_ip.proto = 17;
  const auto u = summarize(frame(udp_ip, udp(8), 16));
  ASSERT_TRUE(u);
  EXPECT_EQ(u->dst_port, 53);
  Ip icmp_ip;
  icmp_ip.proto = 1;
  const auto i = summarize(frame(icmp_ip, Bytes{8, 0, 0, 0, 0, 0, 0, 0}, 8));
  ASSERT_TRUE(i);
  EXPECT_EQ(i->icmp_type, 8);
  Ip later;
  later.proto = 17;
  later.frag = 0x0020;
  const auto f = summarize(frame(later, udp(8), 16));
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->first_fragment);
  EXPECT_EQ(f->dst_port, 0);
  const Bytes syn = frame(Ip{}, tcp(0x02, 1, 0), 20);
  EXPECT_FALSE(summarize(Bytes(syn.begin(), syn.begin() + 14 + 20 + 2)));  // cut in the ports
  Bytes arp = syn;
  arp[12] = 0x08;
  arp[13] = 0x06;
  EXPECT_FALSE(summarize(arp));
}

}  // namespace
}  // namespace sluice::of::firewall
