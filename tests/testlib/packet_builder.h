// PacketBuilder: fluent construction of test frames.
//
//   rte_mbuf* m = PacketBuilder().eth(dst, src).vlan(100).ipv4(ip("10.0.0.1"), ip("10.0.0.2"))
//                     .tcp(1000, 80, kSyn).payload(64).build(test_pool());
//
// Layers are serialized in the usual order when the frame is built (Ethernet, 802.1Q tags,
// IPv4 or ARP, TCP or UDP, payload, raw tail); lengths and IPv4/TCP/UDP checksums are filled
// in. raw() appends bytes as given, truncate() cuts the finished frame. Frames are not padded
// to 60 bytes unless pad_to() asks.
//
// Readers: frame_bytes() copies an mbuf's data (all segments); parse_frame() reads the
// Ethernet/802.1Q header of a frame back (MACs, tag present, VID, EtherType).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "openflow/messages.h"

struct rte_mbuf;
struct rte_mempool;

namespace sluice::test {

using MacAddr = of::MacAddr;

// "02:00:00:00:00:01" → bytes. Aborts the test on a malformed string.
MacAddr mac(std::string_view text);
// A locally administered unicast MAC 02:00:00:00:hi:lo, handy for generating many.
MacAddr mac_n(uint32_t n);
inline constexpr MacAddr kBroadcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
std::string to_string(const MacAddr& m);
// "10.0.0.1" → host-order IPv4 address.
uint32_t ip(std::string_view text);

inline constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;

class PacketBuilder {
 public:
  PacketBuilder& eth(const MacAddr& dst, const MacAddr& src);
  // An 802.1Q tag (TPID 0x8100); call twice for two tags. vlan(0) is a priority tag.
  PacketBuilder& vlan(uint16_t vid, uint8_t pcp = 0, uint16_t tpid = 0x8100);
  // Overrides the EtherType after the tags (default: from the L3 layer, else 0x88b5).
  PacketBuilder& ether_type(uint16_t type);
  PacketBuilder& ipv4(uint32_t src, uint32_t dst, uint8_t ttl = 64);
  PacketBuilder& tcp(uint16_t sport, uint16_t dport, uint8_t flags = kAck);
  // The TCP sequence and acknowledgement numbers (default 1 and 0).
  PacketBuilder& tcp_seq(uint32_t seq, uint32_t ack);
  PacketBuilder& udp(uint16_t sport, uint16_t dport);
  // ARP who-has 'target' from (sender_mac, sender_ip); sets EtherType 0x0806.
  PacketBuilder& arp_request(const MacAddr& sender_mac, uint32_t sender_ip, uint32_t target_ip);
  PacketBuilder& payload(size_t n, uint8_t fill = 0xab);
  PacketBuilder& raw(std::vector<uint8_t> bytes);
  PacketBuilder& pad_to(size_t len);
  PacketBuilder& truncate(size_t len);

  std::vector<uint8_t> bytes() const;
  // One contiguous mbuf from 'pool'; aborts the test (returns nullptr + ADD_FAILURE) if the
  // pool is empty.
  rte_mbuf* build(rte_mempool* pool) const;
  // A two-segment chain: the first segment holds 'first_len' bytes, the second the rest.
  rte_mbuf* build_chain(rte_mempool* pool, size_t first_len) const;

 private:
  struct Tag {
    uint16_t tpid, tci;
  };
  enum class L3 { kNone, kIpv4, kArp };
  enum class L4 { kNone, kTcp, kUdp };

  std::optional<std::pair<MacAddr, MacAddr>> eth_;
  std::vector<Tag> tags_;
  std::optional<uint16_t> ether_type_;
  L3 l3_ = L3::kNone;
  uint32_t src_ip_ = 0, dst_ip_ = 0;
  uint8_t ttl_ = 64;
  MacAddr arp_sha_{};
  L4 l4_ = L4::kNone;
  uint16_t sport_ = 0, dport_ = 0;
  uint8_t tcp_flags_ = 0;
  uint32_t tcp_seq_ = 1, tcp_ack_ = 0;
  size_t payload_ = 0;
  uint8_t fill_ = 0xab;
  std::vector<uint8_t> raw_;
  size_t pad_to_ = 0;
  std::optional<size_t> truncate_;
};

// A frame's Ethernet and (outer) 802.1Q header, read back.
struct FrameInfo {
  MacAddr dst{}, src{};
  bool tagged = false;  // an 802.1Q tag (TPID 0x8100) follows the source MAC
  uint16_t vid = 0;     // its VID
  uint8_t pcp = 0;
  uint16_t ether_type = 0;  // after the tag, if any
  size_t len = 0;
};
FrameInfo parse_frame(std::span<const uint8_t> frame);
std::vector<uint8_t> frame_bytes(const rte_mbuf* m);
// The same frame with its outer 802.1Q tag removed (for comparing tagged and untagged copies).
std::vector<uint8_t> without_tag(std::span<const uint8_t> frame);

}  // namespace sluice::test
