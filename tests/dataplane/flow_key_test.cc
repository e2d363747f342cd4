// extract_key(): the fields and header offsets read from frames built with PacketBuilder
// (untagged, 802.1Q, QinQ, priority tags, IPv4 with TCP / UDP / ICMP, options, fragments, ARP,
// truncations); masked_key(): OpenFlow matches as (value, mask) keys.
#include "dataplane/flow_key.h"

#include <gtest/gtest.h>

#include <vector>

#include "openflow/oxm.h"
#include "tests/testlib/packet_builder.h"

namespace sluice::dp {
namespace {

using namespace sluice::test;  // NOLINT: packet builder
using of::Field;

const MacAddr kDst = mac("02:00:00:00:00:02");
const MacAddr kSrc = mac("02:00:00:00:00:01");
constexpr uint64_t kDstValue = 0x020000000002ULL;
constexpr uint64_t kSrcValue = 0x020000000001ULL;

struct Extracted {
  FlowKey key;
  PacketLayout layout;
};

Extracted extract(const std::vector<uint8_t>& frame, uint32_t in_port = 3, uint64_t metadata = 0) {
  Extracted e;
  extract_key(frame.data(), static_cast<uint32_t>(frame.size()), in_port, metadata, e.key,
              e.layout);
  return e;
}

PacketBuilder eth() { return PacketBuilder().eth(kDst, kSrc); }

// IPv4 (PacketBuilder gives protocol 253 without an L4 layer) turned into ICMP.
std::vector<uint8_t> icmp_frame(uint8_t type, uint8_t code) {
  std::vector<uint8_t> b =
      eth().ipv4(ip("10.0.0.1"), ip("10.0.0.2")).raw({type, code, 0, 0, 0, 1, 0, 1}).bytes();
  b[14 + 9] = 1;
  return b;
}

// Sets the IPv4 flags / fragment offset word of an untagged frame.
void set_frag(std::vector<uint8_t>& b, uint16_t word) {
  b[14 + 6] = static_cast<uint8_t>(word >> 8);
  b[14 + 7] = static_cast<uint8_t>(word);
}

void expect_no_l3(const Extracted& e) {
  EXPECT_EQ(e.key.ip_proto, 0);
  EXPECT_EQ(e.key.ipv4_src, 0u);
  EXPECT_EQ(e.key.ipv4_dst, 0u);
  EXPECT_EQ(e.key.l4_src, 0);
  EXPECT_EQ(e.key.l4_dst, 0);
  EXPECT_EQ(e.layout.l4, 0);
  EXPECT_EQ(e.layout.ihl_ok, 0);
}

// ---- Ethernet and VLAN tags ----

TEST(FlowKeyTest, UntaggedEthernet) {
  const Extracted e = extract(eth().payload(30).bytes(), 7, 0x1234);
  EXPECT_EQ(e.key.in_port, 7u);
  EXPECT_EQ(e.key.metadata, 0x1234u);
  EXPECT_EQ(e.key.tunnel_id, 0u);
  EXPECT_EQ(e.key.eth_dst, kDstValue);
  EXPECT_EQ(e.key.eth_src, kSrcValue);
  EXPECT_EQ(e.key.eth_type, 0x88b5);
  EXPECT_EQ(e.key.vlan_vid, of::kVidNone);
  EXPECT_EQ(e.layout.tags, 0);
  EXPECT_EQ(e.layout.l3, 14);
  expect_no_l3(e);
}

TEST(FlowKeyTest, TaggedFrameGivesVidWithPresentBit) {
  const Extracted e = extract(eth().vlan(100, 5).ipv4(ip("10.0.0.1"), ip("10.0.0.2")).bytes());
  EXPECT_EQ(e.key.vlan_vid, of::kVidPresent | 100);
  EXPECT_EQ(e.key.eth_type, 0x0800);
  EXPECT_EQ(e.layout.tags, 1);
  EXPECT_EQ(e.layout.l3, 18);
  EXPECT_EQ(e.key.ipv4_src, ip("10.0.0.1"));
}

TEST(FlowKeyTest, QinQUsesTheOuterVid) {
  const Extracted e = extract(eth()
                                  .vlan(10, 0, 0x88a8)
                                  .vlan(20)
                                  .ipv4(ip("10.0.0.1"), ip("10.0.0.2"))
                                  .udp(53, 5353)
                                  .bytes());
  EXPECT_EQ(e.key.vlan_vid, of::kVidPresent | 10);
  EXPECT_EQ(e.layout.tags, 2);
  EXPECT_EQ(e.key.eth_type, 0x0800);
  EXPECT_EQ(e.layout.l3, 22);
  EXPECT_EQ(e.layout.l4, 42);
  EXPECT_EQ(e.key.l4_src, 53);
  EXPECT_EQ(e.key.l4_dst, 5353);
}

TEST(FlowKeyTest, TwoQ802TagsUseTheOuterVid) {
  const Extracted e = extract(eth().vlan(7).vlan(8).payload(4).bytes());
  EXPECT_EQ(e.key.vlan_vid, of::kVidPresent | 7);
  EXPECT_EQ(e.layout.tags, 2);
  EXPECT_EQ(e.key.eth_type, 0x88b5);
  EXPECT_EQ(e.layout.l3, 22);
}

TEST(FlowKeyTest, PriorityTagCountsAsUntagged) {
  const Extracted e =
      extract(eth().vlan(0, 6).ipv4(ip("10.0.0.1"), ip("10.0.0.2")).tcp(1, 2).bytes());
  EXPECT_EQ(e.key.vlan_vid, of::kVidNone);
  EXPECT_EQ(e.layout.tags, 1);  // still skipped to find the EtherType
  EXPECT_EQ(e.key.eth_type, 0x0800);
  EXPECT_EQ(e.layout.l3, 18);
  EXPECT_EQ(e.key.ip_proto, 6);
  EXPECT_EQ(e.key.l4_dst, 2);
}

TEST(FlowKeyTest, PcpIsNotPartOfTheVid) {
  const Extracted e = extract(eth().vlan(4094, 7).payload(4).bytes());
  EXPECT_EQ(e.key.vlan_vid, of::kVidPresent | 4094);
}

// ---- IPv4 and L4 ----

TEST(FlowKeyTest, Ipv4Tcp) {
  const std::vector<uint8_t> b =
      eth().ipv4(ip("192.168.1.10"), ip("172.16.0.1")).tcp(40000, 443, kSyn).payload(10).bytes();
  const Extracted e = extract(b);
  EXPECT_EQ(e.key.eth_type, 0x0800);
  EXPECT_EQ(e.key.ip_proto, 6);
  EXPECT_EQ(e.key.ipv4_src, ip("192.168.1.10"));
  EXPECT_EQ(e.key.ipv4_dst, ip("172.16.0.1"));
  EXPECT_EQ(e.key.l4_src, 40000);
  EXPECT_EQ(e.key.l4_dst, 443);
  EXPECT_EQ(e.layout.l3, 14);
  EXPECT_EQ(e.layout.l4, 34);
  EXPECT_EQ(e.layout.ihl_ok, 1);
  // The offsets point at the headers they name.
  EXPECT_EQ(b[e.layout.l3] >> 4, 4);
  EXPECT_EQ(b[e.layout.l4] << 8 | b[e.layout.l4 + 1], 40000);
}

TEST(FlowKeyTest, Ipv4Udp) {
  const Extracted e = extract(eth().ipv4(ip("10.1.2.3"), ip("10.3.2.1")).udp(68, 67).bytes());
  EXPECT_EQ(e.key.ip_proto, 17);
  EXPECT_EQ(e.key.l4_src, 68);
  EXPECT_EQ(e.key.l4_dst, 67);
  EXPECT_EQ(e.layout.l4, 34);
}

TEST(FlowKeyTest, Ipv4IcmpTypeAndCodeUseTheL4Words) {
  const Extracted e = extract(icmp_frame(3, 4));
  EXPECT_EQ(e.key.ip_proto, 1);
  EXPECT_EQ(e.key.l4_src, 3);  // type
  EXPECT_EQ(e.key.l4_dst, 4);  // code
  EXPECT_EQ(e.layout.l4, 34);
}

TEST(FlowKeyTest, OtherIpProtocolHasNoL4) {
  const Extracted e = extract(eth().ipv4(ip("10.0.0.1"), ip("10.0.0.2")).payload(20).bytes());
  EXPECT_EQ(e.key.ip_proto, 253);
  EXPECT_EQ(e.key.ipv4_src, ip("10.0.0.1"));
  EXPECT_EQ(e.key.l4_src, 0);
  EXPECT_EQ(e.key.l4_dst, 0);
  EXPECT_EQ(e.layout.l4, 0);
  EXPECT_EQ(e.layout.ihl_ok, 1);
}

TEST(FlowKeyTest, Ipv4OptionsMoveTheL4Header) {
  // Rebuild the IPv4 header with IHL 6 (4 option bytes) in front of a UDP header.
  std::vector<uint8_t> b = eth().ipv4(ip("10.0.0.1"), ip("10.0.0.2")).udp(1000, 2000).bytes();
  b[14] = 0x46;
  b.insert(b.begin() + 34, {1, 1, 1, 0});  // NOP NOP NOP EOL
  const Extracted e = extract(b);
  EXPECT_EQ(e.layout.l4, 38);
  EXPECT_EQ(e.key.l4_src, 1000);
  EXPECT_EQ(e.key.l4_dst, 2000);
}

// OFPC_FRAG_NORMAL as OpenFlow (1.0 figure 3) and Open vSwitch's "normal" mode have it: no
// fragment has L4 fields, the first included, and ip_frag tells fragments apart.
TEST(FlowKeyTest, FragmentsHaveNoL4FieldsAndCarryIpFrag) {
  std::vector<uint8_t> whole = eth().ipv4(ip("10.0.0.1"), ip("10.0.0.2")).tcp(5, 6).bytes();
  const Extracted w = extract(whole);
  EXPECT_EQ(w.key.ip_frag, 0);
  EXPECT_EQ(w.key.l4_dst, 6);

  std::vector<uint8_t> first = whole;
  set_frag(first, 0x2000);  // MF, offset 0
  const Extracted f = extract(first);
  EXPECT_EQ(f.key.ip_frag, kFragAny);
  EXPECT_EQ(f.key.ip_proto, 6);
  EXPECT_EQ(f.key.l4_src, 0);
  EXPECT_EQ(f.key.l4_dst, 0);
  EXPECT_EQ(f.layout.l4, 0);
  EXPECT_FALSE(f.layout.malformed);
  EXPECT_TRUE(is_ip_fragment(first.data(), static_cast<uint32_t>(first.size())));
  EXPECT_FALSE(is_ip_fragment(whole.data(), static_cast<uint32_t>(whole.size())));

  std::vector<uint8_t> later = whole;
  set_frag(later, 0x2000 | 185);  // MF, offset 1480
  const Extracted l = extract(later);
  EXPECT_EQ(l.key.ip_frag, kFragAny | kFragLater);
  EXPECT_EQ(l.key.ip_proto, 6);
  EXPECT_EQ(l.key.ipv4_src, ip("10.0.0.1"));
  EXPECT_EQ(l.key.l4_src, 0);
  EXPECT_EQ(l.layout.l4, 0);

  std::vector<uint8_t> last = whole;
  set_frag(last, 1);  // no MF, offset 8: the last fragment
  EXPECT_EQ(extract(last).key.ip_frag, kFragAny | kFragLater);
  EXPECT_EQ(extract(last).key.l4_src, 0);
  std::vector<uint8_t> df = whole;
  set_frag(df, 0x4000);  // DF only: not a fragment
  EXPECT_EQ(extract(df).key.ip_frag, 0);
  EXPECT_EQ(extract(df).key.l4_dst, 6);
  std::vector<uint8_t> icmp_later = icmp_frame(8, 0);
  set_frag(icmp_later, 0x0010);
  EXPECT_EQ(extract(icmp_later).key.l4_src, 0);
}

TEST(FlowKeyTest, NonIpv4HasNoIpFields) {
  // An IPv6 EtherType in front of bytes that would parse as IPv4/TCP.
  const Extracted v6 =
      extract(eth().ether_type(0x86dd).ipv4(ip("10.0.0.1"), ip("10.0.0.2")).tcp(1, 2).bytes());
  EXPECT_EQ(v6.key.eth_type, 0x86dd);
  expect_no_l3(v6);
}

// ---- ARP ----

const MacAddr kSha = mac("02:00:00:00:00:0a");
constexpr uint64_t kShaValue = 0x02000000000aULL;

std::vector<uint8_t> arp_frame() {
  return eth().arp_request(kSha, ip("10.0.0.1"), ip("10.0.0.2")).bytes();
}

void expect_no_arp(const Extracted& e) {
  EXPECT_EQ(e.key.eth_type, 0x0806);
  EXPECT_EQ(e.key.ip_proto, 0);
  EXPECT_EQ(e.key.ipv4_src, 0u);
  EXPECT_EQ(e.key.ipv4_dst, 0u);
  EXPECT_EQ(e.key.arp_sha, 0u);
  EXPECT_EQ(e.layout.malformed, 0);
}

TEST(FlowKeyTest, ArpRequestGivesAddressesOpcodeAndSenderMac) {
  const Extracted e = extract(arp_frame());
  EXPECT_EQ(e.key.eth_type, 0x0806);
  EXPECT_EQ(e.key.ipv4_src, ip("10.0.0.1"));  // SPA
  EXPECT_EQ(e.key.ipv4_dst, ip("10.0.0.2"));  // TPA
  EXPECT_EQ(e.key.ip_proto, 1);               // request
  EXPECT_EQ(e.key.arp_sha, kShaValue);
  EXPECT_EQ(e.key.eth_src, kSrcValue);  // the Ethernet source is not the SHA
  EXPECT_EQ(e.key.l4_src, 0);
  EXPECT_EQ(e.layout.ihl_ok, 0);
  EXPECT_EQ(e.layout.l4, 0);
  EXPECT_EQ(e.layout.malformed, 0);
  // Behind a tag, and as a reply.
  std::vector<uint8_t> reply =
      eth().vlan(5).arp_request(kSha, ip("10.0.0.3"), ip("10.0.0.4")).bytes();
  reply[18 + 7] = 2;
  const Extracted r = extract(reply);
  EXPECT_EQ(r.key.ip_proto, 2);
  EXPECT_EQ(r.key.ipv4_src, ip("10.0.0.3"));
  EXPECT_EQ(r.key.ipv4_dst, ip("10.0.0.4"));
  EXPECT_EQ(r.key.arp_sha, kShaValue);
}

TEST(FlowKeyTest, ArpOpcodeAbove255ReadsAsZero) {
  std::vector<uint8_t> b = arp_frame();
  b[14 + 6] = 1;  // opcode 0x0101
  const Extracted e = extract(b);
  EXPECT_EQ(e.key.ip_proto, 0);
  EXPECT_EQ(e.key.ipv4_src, ip("10.0.0.1"));
}

TEST(FlowKeyTest, TruncatedOrNonIpv4ArpGivesZeros) {
  const std::vector<uint8_t> whole = arp_frame();
  std::vector<uint8_t> cut(whole.begin(), whole.begin() + 14 + 27);
  expect_no_arp(extract(cut));
  const size_t fields[] = {0, 1, 2, 3, 4, 5};  // htype, ptype, hlen, plen
  for (size_t at : fields) {
    std::vector<uint8_t> b = whole;
    b[14 + at] ^= 0x10;
    SCOPED_TRACE(at);
    expect_no_arp(extract(b));
  }
}

TEST(FlowKeyTest, NotIpVersion4OrShortIhlIsNotParsed) {
  std::vector<uint8_t> v6 = eth().ipv4(ip("10.0.0.1"), ip("10.0.0.2")).tcp(1, 2).bytes();
  v6[14] = 0x65;  // version 6 under an IPv4 EtherType
  const Extracted e6 = extract(v6);
  EXPECT_EQ(e6.key.eth_type, 0x0800);
  expect_no_l3(e6);
  std::vector<uint8_t> short_ihl = eth().ipv4(ip("10.0.0.1"), ip("10.0.0.2")).tcp(1, 2).bytes();
  short_ihl[14] = 0x44;  // 16-byte header: invalid
  expect_no_l3(extract(short_ihl));
}

// ---- Truncated headers ----

TEST(FlowKeyTest, ShorterThanEthernetGivesOnlyPortAndMetadata) {
  const std::vector<uint8_t> b = eth().payload(10).truncate(13).bytes();
  const Extracted e = extract(b, 4, 99);
  FlowKey want;
  want.in_port = 4;
  want.metadata = 99;
  EXPECT_EQ(e.key, want);
  EXPECT_EQ(e.layout.l3, 0);
  EXPECT_EQ(e.layout.tags, 0);
}

TEST(FlowKeyTest, TruncatedVlanTagIsNotReadPast) {
  const Extracted e = extract(eth().vlan(100).payload(10).truncate(17).bytes());
  EXPECT_EQ(e.key.eth_dst, kDstValue);
  EXPECT_EQ(e.key.vlan_vid, of::kVidNone);
  EXPECT_EQ(e.layout.tags, 0);
  expect_no_l3(e);
}

TEST(FlowKeyTest, TruncatedIpv4HeaderKeepsL2Only) {
  const PacketBuilder b = eth().vlan(5).ipv4(ip("10.0.0.1"), ip("10.0.0.2")).tcp(1, 2);
  for (size_t len : {18u, 20u, 37u}) {  // IPv4 needs 18 + 20 bytes here
    const Extracted e = extract(PacketBuilder(b).truncate(len).bytes());
    EXPECT_EQ(e.key.eth_type, 0x0800) << len;
    EXPECT_EQ(e.key.vlan_vid, of::kVidPresent | 5) << len;
    EXPECT_EQ(e.layout.l3, 18) << len;
    expect_no_l3(e);
  }
}

// A header cut short still gives the fields it holds (the ports are its first four bytes);
// one too short to hold them is malformed (the openflow stage drops it), never "no L4".
TEST(FlowKeyTest, TruncatedL4HeaderKeepsPortsOrIsMalformed) {
  struct Case {
    std::vector<uint8_t> frame;
    size_t full;    // bytes the L4 header needs past the 34 of Ethernet + IPv4 (rewrites)
    size_t fields;  // bytes that hold the matchable fields
  };
  const Case cases[] = {
      {eth().ipv4(ip("10.0.0.1"), ip("10.0.0.2")).tcp(1, 2).bytes(), 20, 4},
      {eth().ipv4(ip("10.0.0.1"), ip("10.0.0.2")).udp(1, 2).bytes(), 8, 4},
      {icmp_frame(8, 3), 4, 2},
  };
  for (const Case& c : cases) {
    const int proto = c.frame[23];
    std::vector<uint8_t> cut(c.frame.begin(), c.frame.begin() + 34 + c.full - 1);
    const Extracted e = extract(cut);
    EXPECT_EQ(e.key.ip_proto, c.frame[23]);
    EXPECT_EQ(e.key.ipv4_dst, ip("10.0.0.2"));
    EXPECT_EQ(e.key.l4_src, proto == 1 ? 8 : 1) << proto;
    EXPECT_EQ(e.key.l4_dst, proto == 1 ? 3 : 2) << proto;
    EXPECT_EQ(e.layout.l4, 0) << proto;  // not rewritable
    EXPECT_FALSE(e.layout.malformed) << proto;
    std::vector<uint8_t> exact(c.frame.begin(), c.frame.begin() + 34 + c.full);
    EXPECT_EQ(extract(exact).layout.l4, 34) << proto;
    std::vector<uint8_t> tiny(c.frame.begin(), c.frame.begin() + 34 + c.fields - 1);
    const Extracted t = extract(tiny);
    EXPECT_TRUE(t.layout.malformed) << proto;
    EXPECT_EQ(t.key.l4_src, 0) << proto;
  }
}

// IPv6: ip_proto and the ports after the extension headers; fragments; bounds.
std::vector<uint8_t> ipv6_frame(uint8_t next, const std::vector<uint8_t>& after) {
  std::vector<uint8_t> b = eth().ether_type(0x86dd).bytes();
  b.resize(14);
  const uint16_t plen = static_cast<uint16_t>(after.size());
  std::vector<uint8_t> h = {0x60, 0, 0, 0, static_cast<uint8_t>(plen >> 8),
                            static_cast<uint8_t>(plen), next, 64};
  h.resize(40, 0x11);  // addresses
  b.insert(b.end(), h.begin(), h.end());
  b.insert(b.end(), after.begin(), after.end());
  return b;
}
std::vector<uint8_t> tcp_header(uint16_t sport, uint16_t dport) {
  std::vector<uint8_t> t(20, 0);
  t[0] = static_cast<uint8_t>(sport >> 8), t[1] = static_cast<uint8_t>(sport);
  t[2] = static_cast<uint8_t>(dport >> 8), t[3] = static_cast<uint8_t>(dport);
  t[12] = 0x50;
  return t;
}
// An 8-byte extension header (hop-by-hop, routing, destination options) or fragment header.
std::vector<uint8_t> ext(uint8_t next, uint16_t frag_word = 0) {
  return {next, 0, static_cast<uint8_t>(frag_word >> 8), static_cast<uint8_t>(frag_word), 0, 0, 0, 0};
}
std::vector<uint8_t> cat(std::vector<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(FlowKeyTest, Ipv6TcpAndUdpPortsAreRead) {
  const Extracted t = extract(ipv6_frame(6, tcp_header(40000, 22)));
  EXPECT_EQ(t.key.eth_type, 0x86dd);
  EXPECT_EQ(t.key.ip_proto, 6);
  EXPECT_EQ(t.key.l4_src, 40000);
  EXPECT_EQ(t.key.l4_dst, 22);
  EXPECT_EQ(t.layout.l4, 54);
  EXPECT_EQ(t.layout.ipv6, 1);
  EXPECT_EQ(t.key.ipv4_src, 0u);  // IPv4 fields stay 0
  const Extracted u = extract(ipv6_frame(17, {0, 53, 0x13, 0x88, 0, 8, 0, 0}));
  EXPECT_EQ(u.key.ip_proto, 17);
  EXPECT_EQ(u.key.l4_src, 53);
  EXPECT_EQ(u.key.l4_dst, 5000);
  // ICMPv6 (58) has no icmpv4 fields.
  EXPECT_EQ(extract(ipv6_frame(58, {128, 0, 0, 0, 0, 0, 0, 0})).key.l4_src, 0);
}

TEST(FlowKeyTest, Ipv6ExtensionHeadersAreFollowed) {
  // hop-by-hop → routing → destination options → TCP
  const Extracted e = extract(ipv6_frame(0, cat({ext(43), ext(60), ext(6), tcp_header(1, 443)})));
  EXPECT_EQ(e.key.ip_proto, 6);
  EXPECT_EQ(e.key.l4_dst, 443);
  EXPECT_EQ(e.layout.l4, 54 + 24);
  // A longer option header: length 1 = 16 bytes.
  std::vector<uint8_t> long_opts = ext(17);
  long_opts[1] = 1;
  long_opts.resize(16, 0);
  const Extracted l = extract(ipv6_frame(60, cat({long_opts, {0, 7, 0, 9, 0, 8, 0, 0}})));
  EXPECT_EQ(l.key.ip_proto, 17);
  EXPECT_EQ(l.key.l4_dst, 9);
  // AH: length in 4-byte units minus 2 (a 12-byte AH has length 1).
  std::vector<uint8_t> ah = {6, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(extract(ipv6_frame(51, cat({ah, tcp_header(2, 80)}))).key.l4_dst, 80);
}

TEST(FlowKeyTest, Ipv6FragmentHeaderMarksFragments) {
  const Extracted first = extract(ipv6_frame(44, cat({ext(6, 0x0001), tcp_header(1, 22)})));
  EXPECT_EQ(first.key.ip_frag, kFragAny);
  EXPECT_EQ(first.key.ip_proto, 6);
  EXPECT_EQ(first.key.l4_dst, 0);  // no L4 fields for fragments
  const Extracted later = extract(ipv6_frame(44, cat({ext(6, 0x0008 * 10), tcp_header(1, 22)})));
  EXPECT_EQ(later.key.ip_frag, kFragAny | kFragLater);
  // An atomic fragment (offset 0, no M) is still a fragment header: treated as a fragment.
  EXPECT_EQ(extract(ipv6_frame(44, cat({ext(6), tcp_header(1, 22)}))).key.ip_frag, kFragAny);
}

TEST(FlowKeyTest, Ipv6ChainTooLongOrCutShortIsMalformed) {
  // n destination-options headers, the last naming TCP.
  auto chain = [](unsigned n) {
    std::vector<std::vector<uint8_t>> parts;
    for (unsigned i = 0; i < n; ++i) parts.push_back(ext(i + 1 == n ? 6 : 60));
    parts.push_back(tcp_header(1, 22));
    return ipv6_frame(60, cat(parts));
  };
  const Extracted e = extract(chain(kMaxIpv6Extensions + 1));
  EXPECT_TRUE(e.layout.malformed);
  EXPECT_EQ(e.key.l4_dst, 0);
  const Extracted ok = extract(chain(kMaxIpv6Extensions));  // exactly the bound
  EXPECT_FALSE(ok.layout.malformed);
  EXPECT_EQ(ok.key.l4_dst, 22);
  // A chain cut inside an extension header.
  std::vector<uint8_t> cut = ipv6_frame(0, cat({ext(6), tcp_header(1, 22)}));
  cut.resize(14 + 40 + 5);
  EXPECT_TRUE(extract(cut).layout.malformed);
  // A truncated base header is only "not IPv6" (nothing to match but the EtherType).
  std::vector<uint8_t> base = ipv6_frame(6, tcp_header(1, 22));
  base.resize(14 + 39);
  EXPECT_FALSE(extract(base).layout.malformed);
  EXPECT_EQ(extract(base).key.ip_proto, 0);
}

TEST(FlowKeyTest, TooManyTagsIsMalformed) {
  PacketBuilder b = eth();
  for (int i = 0; i < 9; ++i) b.vlan(static_cast<uint16_t>(10 + i));
  const std::vector<uint8_t> f = b.ipv4(ip("10.0.0.1"), ip("10.0.0.2")).udp(1, 2).bytes();
  EXPECT_TRUE(extract(f).layout.malformed);
}

TEST(FlowKeyTest, IhlLongerThanTheFrameIsNotParsed) {
  std::vector<uint8_t> b = eth().ipv4(ip("10.0.0.1"), ip("10.0.0.2")).bytes();  // 34 bytes
  b[14] = 0x4f;                                                                 // 60-byte header
  expect_no_l3(extract(b));
}

// ---- masked_key ----

TEST(FlowKeyTest, MaskedKeyOfEmptyMatchIsAllWildcards) {
  const MaskedKey k = masked_key(of::Match{});
  EXPECT_EQ(k.value, FlowKey{});
  EXPECT_EQ(k.mask, FlowKey{});
}

TEST(FlowKeyTest, MaskedKeyGivesExactFieldsFullMasks) {
  of::Match m;
  m.present = of::field_bit(Field::kInPort) | of::field_bit(Field::kEthDst) |
              of::field_bit(Field::kEthSrc) | of::field_bit(Field::kEthType) |
              of::field_bit(Field::kVlanVid) | of::field_bit(Field::kIpProto);
  m.in_port = 9;
  m.eth_dst = kDst;
  m.eth_src = kSrc;
  m.eth_type = 0x0800;
  m.vlan_vid = of::kVidPresent | 12;
  m.ip_proto = 17;
  const MaskedKey k = masked_key(m);
  EXPECT_EQ(k.value.in_port, 9u);
  EXPECT_EQ(k.mask.in_port, 0xffffffffu);
  EXPECT_EQ(k.value.eth_dst, kDstValue);
  EXPECT_EQ(k.mask.eth_dst, 0xffffffffffffULL);
  EXPECT_EQ(k.value.eth_src, kSrcValue);
  EXPECT_EQ(k.mask.eth_src, 0xffffffffffffULL);
  EXPECT_EQ(k.value.eth_type, 0x0800);
  EXPECT_EQ(k.mask.eth_type, 0xffff);
  EXPECT_EQ(k.value.vlan_vid, of::kVidPresent | 12);
  EXPECT_EQ(k.mask.vlan_vid, 0x1fff);
  EXPECT_EQ(k.value.ip_proto, 17);
  EXPECT_EQ(k.mask.ip_proto, 0xff);
  EXPECT_EQ(k.mask.metadata, 0u);
  EXPECT_EQ(k.mask.ipv4_src, 0u);
  EXPECT_EQ(k.mask.l4_src, 0);
}

TEST(FlowKeyTest, MaskedKeyKeepsOxmMasksAndAndsValues) {
  of::Match m;
  m.present = m.masked = of::field_bit(Field::kMetadata) | of::field_bit(Field::kIpv4Src) |
                         of::field_bit(Field::kEthDst) | of::field_bit(Field::kVlanVid) |
                         of::field_bit(Field::kTunnelId);
  m.metadata = 0x1234;  // deliberately not pre-masked
  m.metadata_mask = 0xff0;
  m.ipv4_src = ip("10.1.2.3");
  m.ipv4_src_mask = 0xffff0000;
  m.eth_dst = kDst;
  m.eth_dst_mask = {0xff, 0xff, 0xff, 0, 0, 0};
  m.vlan_vid = of::kVidPresent;
  m.vlan_vid_mask = of::kVidPresent;
  m.tunnel_id = 0xabcd;
  m.tunnel_id_mask = 0xff00;
  const MaskedKey k = masked_key(m);
  EXPECT_EQ(k.value.metadata, 0x230u);
  EXPECT_EQ(k.mask.metadata, 0xff0u);
  EXPECT_EQ(k.value.ipv4_src, ip("10.1.0.0"));
  EXPECT_EQ(k.mask.ipv4_src, 0xffff0000u);
  EXPECT_EQ(k.value.eth_dst, 0x020000000000ULL);
  EXPECT_EQ(k.mask.eth_dst, 0xffffff000000ULL);
  EXPECT_EQ(k.value.vlan_vid, of::kVidPresent);
  EXPECT_EQ(k.mask.vlan_vid, of::kVidPresent);
  EXPECT_EQ(k.value.tunnel_id, 0xab00u);
  EXPECT_EQ(k.mask.tunnel_id, 0xff00u);
}

TEST(FlowKeyTest, MaskedKeyPutsTcpUdpIcmpInTheL4Words) {
  of::Match tcp;
  tcp.present = of::field_bit(Field::kTcpSrc) | of::field_bit(Field::kTcpDst);
  tcp.tcp_src = 1;
  tcp.tcp_dst = 2;
  of::Match udp;
  udp.present = of::field_bit(Field::kUdpSrc) | of::field_bit(Field::kUdpDst);
  udp.udp_src = 1;
  udp.udp_dst = 2;
  of::Match icmp;
  icmp.present = of::field_bit(Field::kIcmpv4Type) | of::field_bit(Field::kIcmpv4Code);
  icmp.icmpv4_type = 1;
  icmp.icmpv4_code = 2;
  for (const of::Match& m : {tcp, udp, icmp}) {
    const MaskedKey k = masked_key(m);
    EXPECT_EQ(k.value.l4_src, 1);
    EXPECT_EQ(k.value.l4_dst, 2);
    EXPECT_EQ(k.mask.l4_src, 0xffff);
    EXPECT_EQ(k.mask.l4_dst, 0xffff);
  }
}

TEST(FlowKeyTest, MaskedKeyPutsArpFieldsInTheSharedWords) {
  of::Match m;
  of::match_exact(m, Field::kEthType, 0x0806);
  of::match_exact(m, Field::kArpOp, 2);
  of::match_set(m, Field::kArpSpa, ip("10.1.2.3"), 0xffffff00, true);
  of::match_exact(m, Field::kArpTpa, ip("10.0.0.9"));
  of::match_set(m, Field::kArpSha, kShaValue, 0xffffff000000ULL, true);
  const MaskedKey k = masked_key(m);
  EXPECT_EQ(k.value.ip_proto, 2);
  EXPECT_EQ(k.mask.ip_proto, 0xff);
  EXPECT_EQ(k.value.ipv4_src, ip("10.1.2.0"));
  EXPECT_EQ(k.mask.ipv4_src, 0xffffff00u);
  EXPECT_EQ(k.value.ipv4_dst, ip("10.0.0.9"));
  EXPECT_EQ(k.mask.ipv4_dst, 0xffffffffu);
  EXPECT_EQ(k.value.arp_sha, 0x020000000000ULL);
  EXPECT_EQ(k.mask.arp_sha, 0xffffff000000ULL);
  EXPECT_EQ(k.mask.eth_src, 0u);
}

// An ARP match over every ARP field matches the key of the frame it was built for, and not
// another sender's.
TEST(FlowKeyTest, ArpMaskedKeyMatchesTheExtractedKeyOfItsFrame) {
  of::Match m;
  of::match_exact(m, Field::kEthType, 0x0806);
  of::match_exact(m, Field::kArpOp, 1);
  of::match_set(m, Field::kArpSpa, ip("10.0.0.0"), 0xffffff00, true);
  of::match_exact(m, Field::kArpTpa, ip("10.0.0.2"));
  of::match_exact(m, Field::kArpSha, kShaValue);
  const MaskedKey k = masked_key(m);
  auto hits = [&](const std::vector<uint8_t>& b) {
    const Extracted e = extract(b);
    for (unsigned w = 0; w < FlowKey::kWords; ++w) {
      if ((e.key.words()[w] & k.mask.words()[w]) != k.value.words()[w]) return false;
    }
    return true;
  };
  EXPECT_TRUE(hits(arp_frame()));
  EXPECT_FALSE(hits(eth().arp_request(kSrc, ip("10.0.0.1"), ip("10.0.0.2")).bytes()));
  EXPECT_FALSE(hits(eth().arp_request(kSha, ip("10.0.1.1"), ip("10.0.0.2")).bytes()));
}

// A match built for a frame's own fields matches the key extracted from that frame.
TEST(FlowKeyTest, MaskedKeyMatchesTheExtractedKeyOfItsFrame) {
  const std::vector<uint8_t> b =
      eth().vlan(30).ipv4(ip("10.9.8.7"), ip("10.0.0.1")).tcp(1234, 22).bytes();
  const Extracted e = extract(b, 2, 30);
  of::Match m;
  m.present = of::field_bit(Field::kInPort) | of::field_bit(Field::kVlanVid) |
              of::field_bit(Field::kEthType) | of::field_bit(Field::kIpProto) |
              of::field_bit(Field::kIpv4Src) | of::field_bit(Field::kTcpDst) |
              of::field_bit(Field::kMetadata);
  m.masked = of::field_bit(Field::kIpv4Src) | of::field_bit(Field::kMetadata);
  m.in_port = 2;
  m.vlan_vid = of::kVidPresent | 30;
  m.eth_type = 0x0800;
  m.ip_proto = 6;
  m.ipv4_src = ip("10.0.0.0");
  m.ipv4_src_mask = 0xff000000;
  m.tcp_dst = 22;
  m.metadata = 30;
  m.metadata_mask = 0xfff;
  const MaskedKey k = masked_key(m);
  for (unsigned w = 0; w < FlowKey::kWords; ++w) {
    EXPECT_EQ(e.key.words()[w] & k.mask.words()[w], k.value.words()[w]) << "word " << w;
  }
  // The same frame on another port does not match.
  const Extracted other = extract(b, 3, 30);
  EXPECT_NE(other.key.words()[4] & k.mask.words()[4], k.value.words()[4]);
}

}  // namespace
}  // namespace sluice::dp
