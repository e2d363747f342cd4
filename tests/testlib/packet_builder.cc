#include "tests/testlib/packet_builder.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include <cstdio>
#include <cstring>

namespace sluice::test {
namespace {

void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v & 0xff));
}
void put32(std::vector<uint8_t>& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v & 0xffff));
}
void set16(std::vector<uint8_t>& out, size_t at, uint16_t v) {
  out[at] = static_cast<uint8_t>(v >> 8);
  out[at + 1] = static_cast<uint8_t>(v & 0xff);
}
uint16_t get16(std::span<const uint8_t> p, size_t at) {
  return static_cast<uint16_t>(p[at] << 8 | p[at + 1]);
}

// One's-complement sum of 16-bit big-endian words (RFC 1071), not yet inverted.
uint32_t sum16(const uint8_t* p, size_t n, uint32_t acc = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) acc += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  if (n % 2 != 0) acc += static_cast<uint32_t>(p[n - 1] << 8);
  return acc;
}
uint16_t fold(uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<uint16_t>(~acc & 0xffff);
}

}  // namespace

MacAddr mac(std::string_view text) {
  MacAddr m{};
  unsigned b[6];
  const std::string s(text);
  if (std::sscanf(s.c_str(), "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6) {
    ADD_FAILURE() << "bad MAC '" << s << "'";
    return m;
  }
  for (int i = 0; i < 6; ++i) m[i] = static_cast<uint8_t>(b[i]);
  return m;
}

MacAddr mac_n(uint32_t n) {
  return {0x02,
          0x00,
          static_cast<uint8_t>(n >> 24),
          static_cast<uint8_t>(n >> 16),
          static_cast<uint8_t>(n >> 8),
          static_cast<uint8_t>(n)};
}

std::string to_string(const MacAddr& m) {
  char buf[18];
  std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
                m[5]);
  return buf;
}

uint32_t ip(std::string_view text) {
  in_addr a{};
  if (inet_pton(AF_INET, std::string(text).c_str(), &a) != 1) {
    ADD_FAILURE() << "bad IPv4 address '" << text << "'";
    return 0;
  }
  return ntohl(a.s_addr);
}

PacketBuilder& PacketBuilder::eth(const MacAddr& dst, const MacAddr& src) {
  eth_ = {dst, src};
  return *this;
}
PacketBuilder& PacketBuilder::vlan(uint16_t vid, uint8_t pcp, uint16_t tpid) {
  tags_.push_back(Tag{tpid, static_cast<uint16_t>((pcp & 7) << 13 | (vid & 0xfff))});
  return *this;
}
PacketBuilder& PacketBuilder::ether_type(uint16_t type) {
  ether_type_ = type;
  return *this;
}
PacketBuilder& PacketBuilder::ipv4(uint32_t src, uint32_t dst, uint8_t ttl) {
  l3_ = L3::kIpv4;
  src_ip_ = src;
  dst_ip_ = dst;
  ttl_ = ttl;
  return *this;
}
PacketBuilder& PacketBuilder::tcp(uint16_t sport, uint16_t dport, uint8_t flags) {
  l4_ = L4::kTcp;
  sport_ = sport;
  dport_ = dport;
  tcp_flags_ = flags;
  return *this;
}
PacketBuilder& PacketBuilder::tcp_seq(uint32_t seq, uint32_t ack) {
  tcp_seq_ = seq;
  tcp_ack_ = ack;
  return *this;
}
PacketBuilder& PacketBuilder::udp(uint16_t sport, uint16_t dport) {
  l4_ = L4::kUdp;
  sport_ = sport;
  dport_ = dport;
  return *this;
}
PacketBuilder& PacketBuilder::arp_request(const MacAddr& sender_mac, uint32_t sender_ip,
                                          uint32_t target_ip) {
  l3_ = L3::kArp;
  arp_sha_ = sender_mac;
  src_ip_ = sender_ip;
  dst_ip_ = target_ip;
  return *this;
}
PacketBuilder& PacketBuilder::payload(size_t n, uint8_t fill) {
  payload_ = n;
  fill_ = fill;
  return *this;
}
PacketBuilder& PacketBuilder::raw(std::vector<uint8_t> bytes) {
  raw_.insert(raw_.end(), bytes.begin(), bytes.end());
  return *this;
}
PacketBuilder& PacketBuilder::pad_to(size_t len) {
  pad_to_ = len;
  return *this;
}
PacketBuilder& PacketBuilder::truncate(size_t len) {
  truncate_ = len;
  return *this;
}

std::vector<uint8_t> PacketBuilder::bytes() const {
  std::vector<uint8_t> out;
  if (eth_) {
    out.insert(out.end(), eth_->first.begin(), eth_->first.end());
    out.insert(out.end(), eth_->second.begin(), eth_->second.end());
    for (const Tag& t : tags_) {
      put16(out, t.tpid);
      put16(out, t.tci);
    }
    uint16_t type = 0x88b5;  // IEEE local experimental
    if (l3_ == L3::kIpv4) type = 0x0800;
    if (l3_ == L3::kArp) type = 0x0806;
    put16(out, ether_type_.value_or(type));
  }
  if (l3_ == L3::kArp) {
    put16(out, 1);       // Ethernet
    put16(out, 0x0800);  // IPv4
    out.push_back(6);
    out.push_back(4);
    put16(out, 1);  // request
    out.insert(out.end(), arp_sha_.begin(), arp_sha_.end());
    put32(out, src_ip_);
    out.insert(out.end(), 6, 0);
    put32(out, dst_ip_);
  }
  const size_t l3_at = out.size();
  const size_t l4_len = l4_ == L4::kTcp ? 20 : l4_ == L4::kUdp ? 8 : 0;
  if (l3_ == L3::kIpv4) {
    const uint8_t proto = l4_ == L4::kTcp ? 6 : l4_ == L4::kUdp ? 17 : 253;
    out.push_back(0x45);
    out.push_back(0);
    put16(out, static_cast<uint16_t>(20 + l4_len + payload_));
    put16(out, 0);       // id
    put16(out, 0x4000);  // DF
    out.push_back(ttl_);
    out.push_back(proto);
    put16(out, 0);
    put32(out, src_ip_);
    put32(out, dst_ip_);
    set16(out, l3_at + 10, fold(sum16(out.data() + l3_at, 20)));
  }
  const size_t l4_at = out.size();
  if (l4_ == L4::kTcp) {
    put16(out, sport_);
    put16(out, dport_);
    put32(out, tcp_seq_);
    put32(out, tcp_ack_);
    out.push_back(5 << 4);
    out.push_back(tcp_flags_);
    put16(out, 65535);
    put16(out, 0);  // checksum
    put16(out, 0);  // urgent
  } else if (l4_ == L4::kUdp) {
    put16(out, sport_);
    put16(out, dport_);
    put16(out, static_cast<uint16_t>(8 + payload_));
    put16(out, 0);
  }
  out.insert(out.end(), payload_, fill_);
  if (l3_ == L3::kIpv4 && l4_ != L4::kNone) {
    std::vector<uint8_t> pseudo;
    put32(pseudo, src_ip_);
    put32(pseudo, dst_ip_);
    put16(pseudo, l4_ == L4::kTcp ? 6 : 17);
    put16(pseudo, static_cast<uint16_t>(l4_len + payload_));
    const uint32_t acc =
        sum16(out.data() + l4_at, out.size() - l4_at, sum16(pseudo.data(), pseudo.size()));
    set16(out, l4_at + (l4_ == L4::kTcp ? 16 : 6), fold(acc));
  }
  out.insert(out.end(), raw_.begin(), raw_.end());
  if (out.size() < pad_to_) out.resize(pad_to_, 0);
  if (truncate_ && *truncate_ < out.size()) out.resize(*truncate_);
  return out;
}

rte_mbuf* PacketBuilder::build(rte_mempool* pool) const {
  const std::vector<uint8_t> b = bytes();
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (m == nullptr) {
    ADD_FAILURE() << "mbuf pool exhausted";
    return nullptr;
  }
  char* p = rte_pktmbuf_append(m, static_cast<uint16_t>(b.size()));
  if (p == nullptr) {
    ADD_FAILURE() << "frame of " << b.size() << " bytes does not fit one mbuf";
    rte_pktmbuf_free(m);
    return nullptr;
  }
  if (!b.empty()) std::memcpy(p, b.data(), b.size());
  return m;
}

rte_mbuf* PacketBuilder::build_chain(rte_mempool* pool, size_t first_len) const {
  const std::vector<uint8_t> b = bytes();
  if (first_len > b.size()) first_len = b.size();
  rte_mbuf* head = rte_pktmbuf_alloc(pool);
  rte_mbuf* tail = rte_pktmbuf_alloc(pool);
  if (head == nullptr || tail == nullptr) {
    ADD_FAILURE() << "mbuf pool exhausted";
    rte_pktmbuf_free(head);
    rte_pktmbuf_free(tail);
    return nullptr;
  }
  char* p = rte_pktmbuf_append(head, static_cast<uint16_t>(first_len));
  if (first_len > 0) std::memcpy(p, b.data(), first_len);
  p = rte_pktmbuf_append(tail, static_cast<uint16_t>(b.size() - first_len));
  if (b.size() > first_len) std::memcpy(p, b.data() + first_len, b.size() - first_len);
  if (rte_pktmbuf_chain(head, tail) != 0) {
    ADD_FAILURE() << "cannot chain mbufs";
    rte_pktmbuf_free(head);
    rte_pktmbuf_free(tail);
    return nullptr;
  }
  return head;
}

FrameInfo parse_frame(std::span<const uint8_t> f) {
  FrameInfo info;
  info.len = f.size();
  if (f.size() < 14) return info;
  std::memcpy(info.dst.data(), f.data(), 6);
  std::memcpy(info.src.data(), f.data() + 6, 6);
  info.ether_type = get16(f, 12);
  if (info.ether_type == 0x8100 && f.size() >= 18) {
    const uint16_t tci = get16(f, 14);
    info.tagged = true;
    info.vid = tci & 0xfff;
    info.pcp = static_cast<uint8_t>(tci >> 13);
    info.ether_type = get16(f, 16);
  }
  return info;
}

std::vector<uint8_t> frame_bytes(const rte_mbuf* m) {
  std::vector<uint8_t> out(rte_pktmbuf_pkt_len(m));
  if (out.empty()) return out;
  const void* p = rte_pktmbuf_read(m, 0, static_cast<uint32_t>(out.size()), out.data());
  if (p != out.data()) std::memcpy(out.data(), p, out.size());
  return out;
}

std::vector<uint8_t> without_tag(std::span<const uint8_t> frame) {
  std::vector<uint8_t> out(frame.begin(), frame.end());
  if (out.size() >= 18 && get16(frame, 12) == 0x8100) out.erase(out.begin() + 12, out.begin() + 16);
  return out;
}

}  // namespace sluice::test
