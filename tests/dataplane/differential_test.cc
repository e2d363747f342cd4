// The differential test: the compiled classifier tables (FlowStore → Compiler → the
// "openflow" stage, on real net_ring ports) against the reference interpreter
// (openflow/reference.h), on random rule sets and random packets.
//
// Each case: 4 ports, up to 4 tables of random flows (matches over every supported field,
// apply/write/clear actions, write-metadata, goto), random groups of all four types. Every
// FLOW_MOD and GROUP_MOD the FlowStore accepts goes to the reference too. The tables are
// compiled at random points on the way and then through a churn of deletes and replacements,
// so the program the packets meet is an incremental one. Then random packets (half of them
// built from a flow's match, so that rules are hit; IPv4, IPv6 with TCP/UDP, and ARP requests
// and replies) are serialised to bytes and injected in
// batches, and what left each port — exact bytes, checksums included — must equal what the
// reference says, serialised the same way.
//
// Seeded and reproducible: SLUICE_DIFF_SEED=<n> reruns one seed; SLUICE_DIFF_CASES=<n> changes
// how many rule sets are tried (default 250 × 100 packets).
#include <gtest/gtest.h>

#include <array>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>

#include "dataplane/flow_key.h"
#include "dataplane/of_program.h"
#include "openflow/format.h"
#include "openflow/oxm.h"
#include "openflow/reference.h"
#include "tests/testlib/eal_environment.h"
#include "tests/testlib/harness.h"
#include "tests/testlib/packet_builder.h"

namespace sluice::dp {
namespace {

using of::Field;
using of::field_bit;
namespace ref = of::ref;

constexpr uint32_t kPorts = 4;          // OpenFlow ports 1..4 on slots 0..3
constexpr uint32_t kDeadPort = 99;      // a port number that is not there
constexpr uint8_t kTables = 4;
constexpr size_t kPayload = 18;

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::strtoull(v, nullptr, 10) : fallback;
}

// ---- Bytes of a reference packet --------------------------------------------------------

void put16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void put32(std::vector<uint8_t>& b, uint32_t v) {
  put16(b, static_cast<uint16_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v));
}
void set16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

uint16_t checksum(const std::vector<uint8_t>& b, size_t from, size_t to, uint32_t sum = 0) {
  for (size_t i = from; i + 1 < to; i += 2) sum += uint32_t{b[i]} << 8 | b[i + 1];
  if ((to - from) % 2 != 0) sum += uint32_t{b[to - 1]} << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// The addresses of every IPv6 packet (the reference packet has no IPv6 address fields).
constexpr std::array<uint8_t, 16> kIpv6Src = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
constexpr std::array<uint8_t, 16> kIpv6Dst = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

// TCP, UDP or ICMPv4 headers at the end of 'b'.
void put_l4(std::vector<uint8_t>& b, const ref::Packet& p) {
  switch (p.ip_proto) {
    case 6:
      put16(b, p.tcp_src);
      put16(b, p.tcp_dst);
      put32(b, 1);
      put32(b, 0);
      b.insert(b.end(), {0x50, 0x10, 0x04, 0x00, 0, 0, 0, 0});
      break;
    case 17:
      put16(b, p.udp_src);
      put16(b, p.udp_dst);
      put16(b, 0);
      put16(b, 0);
      break;
    case 1:
      if (p.eth_type == 0x0800) b.insert(b.end(), {p.icmpv4_type, p.icmpv4_code, 0, 0, 0, 1, 0, 1});
      break;
    default:
      break;
  }
}

// The TCP or UDP checksum of the L4 header at 'l4' to the end, over 'pseudo' (the
// pseudo-header's sum).
void set_l4_checksum(std::vector<uint8_t>& b, size_t l4, uint8_t proto, uint32_t pseudo) {
  const uint32_t len = static_cast<uint32_t>(b.size() - l4);
  if (proto == 17) set16(b, l4 + 4, static_cast<uint16_t>(len));
  uint16_t c = checksum(b, l4, b.size(), pseudo + proto + len);
  if (proto == 17 && c == 0) c = 0xffff;
  set16(b, l4 + (proto == 6 ? 16 : 6), c);
}

// An Ethernet/IPv4 ARP header (the target hardware address is not modelled: zeros).
void put_arp(std::vector<uint8_t>& b, const ref::Packet& p) {
  put16(b, 1);
  put16(b, 0x0800);
  b.insert(b.end(), {6, 4});
  put16(b, p.arp_op);
  b.insert(b.end(), p.arp_sha.begin(), p.arp_sha.end());
  put32(b, p.arp_spa);
  b.insert(b.end(), 6, 0);
  put32(b, p.arp_tpa);
}

// The frame a reference packet stands for: Ethernet, 802.1Q tags (TPID 0x8100), then IPv4 with
// TCP/UDP/ICMP, or IPv6 (fixed addresses) with TCP/UDP (real checksums), or ARP, or an opaque
// payload.
std::vector<uint8_t> serialise(const ref::Packet& p) {
  std::vector<uint8_t> b;
  b.insert(b.end(), p.eth_dst.begin(), p.eth_dst.end());
  b.insert(b.end(), p.eth_src.begin(), p.eth_src.end());
  if (p.vlan_present) {
    put16(b, 0x8100);
    put16(b, static_cast<uint16_t>(p.vlan_pcp << 13 | p.vlan_vid));
    for (const ref::Vlan& v : p.inner_vlans) {
      put16(b, 0x8100);
      put16(b, static_cast<uint16_t>(v.pcp << 13 | v.vid));
    }
  }
  put16(b, p.eth_type);
  if (p.eth_type == 0x86dd) {
    const size_t ip = b.size();
    b.insert(b.end(), {0x60, 0, 0, 0, 0, 0, p.ip_proto, 64});
    b.insert(b.end(), kIpv6Src.begin(), kIpv6Src.end());
    b.insert(b.end(), kIpv6Dst.begin(), kIpv6Dst.end());
    const size_t l4 = b.size();
    put_l4(b, p);
    for (size_t i = 0; i < kPayload; ++i) b.push_back(static_cast<uint8_t>(0xa0 + i));
    set16(b, ip + 4, static_cast<uint16_t>(b.size() - l4));
    if (p.ip_proto == 6 || p.ip_proto == 17) {
      uint32_t pseudo = 0;
      for (size_t i = 0; i < 16; i += 2) {
        pseudo += uint32_t{kIpv6Src[i]} << 8 | kIpv6Src[i + 1];
        pseudo += uint32_t{kIpv6Dst[i]} << 8 | kIpv6Dst[i + 1];
      }
      set_l4_checksum(b, l4, p.ip_proto, pseudo);
    }
    return b;
  }
  if (p.eth_type == 0x0806) {
    put_arp(b, p);
    return b;
  }
  if (p.eth_type != 0x0800) {
    for (size_t i = 0; i < 28; ++i) b.push_back(static_cast<uint8_t>(0x40 + i));
    return b;
  }
  const size_t ip = b.size();
  b.insert(b.end(), {0x45, 0x00, 0, 0, 0x12, 0x34, 0x00, 0x00, 64, p.ip_proto, 0, 0});
  put32(b, p.ipv4_src);
  put32(b, p.ipv4_dst);
  const size_t l4 = b.size();
  put_l4(b, p);
  for (size_t i = 0; i < kPayload; ++i) b.push_back(static_cast<uint8_t>(0xa0 + i));
  set16(b, ip + 2, static_cast<uint16_t>(b.size() - ip));
  set16(b, ip + 10, checksum(b, ip, l4));
  if (p.ip_proto == 6 || p.ip_proto == 17) {
    set_l4_checksum(b, l4, p.ip_proto,
                    (p.ipv4_src >> 16) + (p.ipv4_src & 0xffff) + (p.ipv4_dst >> 16) +
                        (p.ipv4_dst & 0xffff));
  } else if (p.ip_proto == 1) {
    set16(b, l4 + 2, checksum(b, l4, b.size()));
  }
  return b;
}

// The dataplane's key for a reference packet (what select_hash sees).
FlowKey key_of(const ref::Packet& p) {
  std::vector<uint8_t> b = serialise(p);
  FlowKey k;
  PacketLayout l;
  extract_key(b.data(), static_cast<uint32_t>(b.size()), p.in_port, 0, k, l);
  return k;
}

// ---- Random rules and packets ---------------------------------------------------------------

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}

  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  uint64_t pick(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }
  template <class T>
  T from(std::initializer_list<T> v) { return *(v.begin() + pick(v.size())); }

  of::MacAddr mac(bool unicast = true) {
    of::MacAddr m = {0x02, 0, 0, 0, 0, static_cast<uint8_t>(1 + pick(6))};
    if (!unicast && chance(0.2)) m = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    return m;
  }
  uint32_t ipv4() { return from<uint32_t>({0x0a000001, 0x0a000002, 0x0a000102, 0x0b000001, 0xc0a80101}); }
  uint16_t l4port() { return from<uint16_t>({80, 443, 1000, 5353}); }
  uint16_t vid() { return from<uint16_t>({10, 20, 30, 40}); }

  of::Match match() {
    of::Match m;
    auto set = [&](Field f) { m.present |= field_bit(f); };
    auto mask = [&](Field f) { m.masked |= field_bit(f); };
    if (chance(0.3)) set(Field::kInPort), m.in_port = static_cast<uint32_t>(1 + pick(kPorts));
    if (chance(0.2)) {
      set(Field::kMetadata);
      m.metadata = pick(4);
      if (chance(0.5)) mask(Field::kMetadata), m.metadata_mask = from<uint64_t>({0x1, 0x3, 0xff});
      m.metadata &= m.metadata_mask;
    }
    if (chance(0.3)) {
      set(Field::kEthDst);
      m.eth_dst = mac(false);
      if (chance(0.2)) {
        mask(Field::kEthDst);
        m.eth_dst_mask = {0xff, 0xff, 0xff, 0xff, 0xff, 0xf8};
        for (size_t i = 0; i < 6; ++i) m.eth_dst[i] &= m.eth_dst_mask[i];
      }
    }
    if (chance(0.2)) set(Field::kEthSrc), m.eth_src = mac();
    if (chance(0.3)) {
      set(Field::kVlanVid);
      switch (pick(3)) {
        case 0: m.vlan_vid = of::kVidNone; break;
        case 1:
          mask(Field::kVlanVid);
          m.vlan_vid = of::kVidPresent;
          m.vlan_vid_mask = of::kVidPresent;
          break;
        default: m.vlan_vid = of::kVidPresent | vid();
      }
    }
    if (chance(0.6)) {
      set(Field::kEthType);
      m.eth_type = chance(0.7) ? 0x0800 : chance(0.5) ? 0x86dd : 0x0806;
      if (m.eth_type == 0x0800) ip_fields(m);
      if (m.eth_type == 0x86dd) l4_fields(m, {6, 17});
      if (m.eth_type == 0x0806) arp_fields(m);
    }
    return m;
  }

  ref::Packet packet() {
    ref::Packet p;
    p.in_port = static_cast<uint32_t>(1 + pick(kPorts));
    p.eth_dst = mac(false);
    p.eth_src = mac();
    if (chance(0.5)) {
      p.vlan_present = true;
      p.vlan_vid = vid();
      p.vlan_pcp = static_cast<uint8_t>(pick(8));
      if (chance(0.15)) p.inner_vlans.push_back(ref::Vlan{vid(), static_cast<uint8_t>(pick(8))});
    }
    p.eth_type = chance(0.65) ? 0x0800 : chance(0.45) ? 0x86dd : 0x0806;
    if (p.eth_type == 0x86dd) {
      p.ip_proto = from<uint8_t>({6, 17, 58});
      if (p.ip_proto == 6) p.tcp_src = l4port(), p.tcp_dst = l4port();
      if (p.ip_proto == 17) p.udp_src = l4port(), p.udp_dst = l4port();
    }
    if (p.eth_type == 0x0800) {
      p.ip_proto = from<uint8_t>({6, 17, 1, 47});
      p.ipv4_src = ipv4();
      p.ipv4_dst = ipv4();
      if (p.ip_proto == 6) p.tcp_src = l4port(), p.tcp_dst = l4port();
      if (p.ip_proto == 17) p.udp_src = l4port(), p.udp_dst = l4port();
      if (p.ip_proto == 1) p.icmpv4_type = from<uint8_t>({0, 8}), p.icmpv4_code = 0;
    }
    if (p.eth_type == 0x0806) arp(p);
    return p;
  }

  // A packet that satisfies 'm' where it can (then perturbed a little, sometimes).
  ref::Packet packet_for(const of::Match& m) {
    ref::Packet p = packet();
    if (m.has(Field::kInPort)) p.in_port = m.in_port;
    if (m.has(Field::kEthDst)) p.eth_dst = m.eth_dst;
    if (m.has(Field::kEthSrc)) p.eth_src = m.eth_src;
    if (m.has(Field::kVlanVid)) {
      p.vlan_present = (m.vlan_vid & of::kVidPresent) != 0;
      if (p.vlan_present && p.vlan_vid == 0) p.vlan_vid = vid();  // VID 0 is a priority tag
      if (p.vlan_present && m.vlan_vid_mask == 0x1fff) p.vlan_vid = m.vlan_vid & 0xfff;
      if (!p.vlan_present) p.inner_vlans.clear(), p.vlan_vid = 0, p.vlan_pcp = 0;
    }
    if (m.has(Field::kEthType)) p.eth_type = m.eth_type;
    if (p.eth_type != 0x0806) {
      p.arp_op = 0, p.arp_spa = p.arp_tpa = 0, p.arp_sha = {};
    } else if (p.arp_op == 0) {  // from a packet() of another type
      arp(p);
    }
    if (p.eth_type == 0x86dd) {
      p.ipv4_src = p.ipv4_dst = 0;
      p.icmpv4_type = p.icmpv4_code = 0;
      if (p.ip_proto == 0 || p.ip_proto == 1) {  // from an IPv4 or ARP packet()
        p.ip_proto = 17, p.udp_src = l4port(), p.udp_dst = l4port();
      }
    } else if (p.eth_type != 0x0800) {
      p.ip_proto = 0, p.ipv4_src = p.ipv4_dst = 0;
      p.tcp_src = p.tcp_dst = p.udp_src = p.udp_dst = 0;
      p.icmpv4_type = p.icmpv4_code = 0;
      if (m.has(Field::kArpOp)) p.arp_op = m.arp_op != 0 ? m.arp_op : 0x0101;  // reads as 0
      if (m.has(Field::kArpSpa)) p.arp_spa = m.arp_spa | (~m.arp_spa_mask & static_cast<uint32_t>(pick(256)));
      if (m.has(Field::kArpTpa)) p.arp_tpa = m.arp_tpa;
      if (m.has(Field::kArpSha)) {
        for (size_t i = 0; i < 6; ++i) {
          p.arp_sha[i] = static_cast<uint8_t>(m.arp_sha[i] | (~m.arp_sha_mask[i] & p.arp_sha[i]));
        }
      }
      return p;
    }
    if (m.has(Field::kIpProto) && m.ip_proto != p.ip_proto) {
      p.ip_proto = m.ip_proto;
      p.tcp_src = p.tcp_dst = p.udp_src = p.udp_dst = 0;
      p.icmpv4_type = p.icmpv4_code = 0;
      if (p.ip_proto == 6) p.tcp_src = l4port(), p.tcp_dst = l4port();
      if (p.ip_proto == 17) p.udp_src = l4port(), p.udp_dst = l4port();
    }
    if (m.has(Field::kIpv4Src)) p.ipv4_src = m.ipv4_src | (~m.ipv4_src_mask & static_cast<uint32_t>(pick(256)));
    if (m.has(Field::kIpv4Dst)) p.ipv4_dst = m.ipv4_dst | (~m.ipv4_dst_mask & static_cast<uint32_t>(pick(256)));
    if (m.has(Field::kTcpSrc)) p.tcp_src = static_cast<uint16_t>(m.tcp_src | (~m.tcp_src_mask & pick(16)));
    if (m.has(Field::kTcpDst)) p.tcp_dst = static_cast<uint16_t>(m.tcp_dst | (~m.tcp_dst_mask & pick(16)));
    if (m.has(Field::kUdpSrc)) p.udp_src = static_cast<uint16_t>(m.udp_src | (~m.udp_src_mask & pick(16)));
    if (m.has(Field::kUdpDst)) p.udp_dst = static_cast<uint16_t>(m.udp_dst | (~m.udp_dst_mask & pick(16)));
    if (m.has(Field::kIcmpv4Type)) p.icmpv4_type = m.icmpv4_type;
    if (m.has(Field::kIcmpv4Code)) p.icmpv4_code = m.icmpv4_code;
    return p;
  }

  of::Action action(const of::Match* m, const std::vector<uint32_t>& groups, bool in_bucket) {
    of::Action a;
    const uint64_t kind = pick(10);
    if (kind < 4) {
      a.type = of::ActionType::kOutput;
      a.port = from<uint32_t>({1, 2, 3, 4, 1, 2, 3, 4, kDeadPort, of::port_no::kInPort,
                               of::port_no::kAll});
    } else if (kind == 3 && !groups.empty() && !in_bucket) {
      a.type = of::ActionType::kGroup;
      a.group_id = groups[pick(groups.size())];
    } else if (kind == 4) {
      a.type = of::ActionType::kPushVlan;
      a.ethertype = 0x8100;
    } else if (kind == 5) {
      a.type = of::ActionType::kPopVlan;
    } else {
      a.type = of::ActionType::kSetField;
      set_field(a, m);
    }
    return a;
  }

  of::ActionList actions(size_t max, const of::Match* m, const std::vector<uint32_t>& groups,
                         bool in_bucket) {
    of::ActionList l;
    const size_t n = pick(max + 1);
    for (size_t i = 0; i < n; ++i) l.push(action(m, groups, in_bucket));
    return l;
  }

  of::FlowMod flow(uint8_t table, uint16_t priority, const std::vector<uint32_t>& groups) {
    of::FlowMod fm;
    fm.table_id = table;
    fm.priority = priority;
    fm.cookie = pick(1000);
    fm.match = match();
    of::Instructions& ins = fm.instructions;
    if (chance(0.7)) {
      ins.present |= of::instr::kApplyActions;
      ins.apply_actions = actions(3, &fm.match, groups, false);
    }
    if (chance(0.1)) ins.present |= of::instr::kClearActions;
    if (chance(0.4)) {
      ins.present |= of::instr::kWriteActions;
      ins.write_actions = actions(2, &fm.match, groups, false);
    }
    if (chance(0.3)) {
      ins.present |= of::instr::kWriteMetadata;
      ins.metadata = pick(4);
      ins.metadata_mask = from<uint64_t>({0x1, 0x3, ~uint64_t{0}});
    }
    if (table + 1 < kTables && chance(0.5)) {
      ins.present |= of::instr::kGotoTable;
      ins.goto_table = static_cast<uint8_t>(table + 1 + pick(kTables - table - 1));
    }
    return fm;
  }

  void group(uint32_t id, of::GroupMod& gm) {
    gm = of::GroupMod{};
    of::GroupDesc& g = gm.group;
    g.group_id = id;
    g.type = from<of::GroupType>({of::GroupType::kAll, of::GroupType::kSelect,
                                  of::GroupType::kIndirect, of::GroupType::kFastFailover});
    g.n_buckets = g.type == of::GroupType::kIndirect ? 1 : static_cast<uint16_t>(1 + pick(3));
    for (uint16_t b = 0; b < g.n_buckets; ++b) {
      of::Bucket& bucket = g.buckets[b];
      bucket.actions = actions(3, nullptr, {}, true);
      if (g.type == of::GroupType::kSelect) bucket.weight = static_cast<uint16_t>(pick(4));
      if (g.type == of::GroupType::kFastFailover) {
        bucket.watch_port = from<uint32_t>({1, 2, kDeadPort});
      }
    }
  }

 private:
  void ip_fields(of::Match& m) {
    auto set = [&](Field f) { m.present |= field_bit(f); };
    if (chance(0.4)) {
      set(Field::kIpv4Src);
      m.ipv4_src = ipv4();
      if (chance(0.5)) {
        m.masked |= field_bit(Field::kIpv4Src);
        m.ipv4_src_mask = from<uint32_t>({0xff000000, 0xffff0000, 0xffffff00});
        m.ipv4_src &= m.ipv4_src_mask;
      }
    }
    if (chance(0.4)) {
      set(Field::kIpv4Dst);
      m.ipv4_dst = ipv4();
      if (chance(0.5)) {
        m.masked |= field_bit(Field::kIpv4Dst);
        m.ipv4_dst_mask = from<uint32_t>({0xff000000, 0xffff0000, 0xffffff00});
        m.ipv4_dst &= m.ipv4_dst_mask;
      }
    }
    if (!chance(0.6)) return;
    l4_fields(m, {6, 17, 1});
  }

  // Some of arp_op, arp_spa (sometimes a prefix), arp_tpa, arp_sha (sometimes an OUI).
  void arp_fields(of::Match& m) {
    if (chance(0.4)) of::match_exact(m, Field::kArpOp, from<uint16_t>({1, 2, 1, 2, 0}));
    if (chance(0.4)) {
      const uint32_t mask = from<uint32_t>({0xffffffff, 0xff000000, 0xffff0000, 0xffffff00});
      of::match_set(m, Field::kArpSpa, ipv4(), mask, mask != 0xffffffff);
    }
    if (chance(0.3)) of::match_exact(m, Field::kArpTpa, ipv4());
    if (chance(0.3)) {
      const uint64_t mask = chance(0.5) ? 0xffffffffffffULL : 0xffffff000000ULL;
      of::match_set(m, Field::kArpSha, of::mac_to_u64(mac()), mask, mask != 0xffffffffffffULL);
    }
  }

  // An ARP request or reply (now and then another opcode, one above 255 included, which the
  // dataplane's key reads as 0).
  void arp(ref::Packet& p) {
    p.arp_op = chance(0.9) ? from<uint16_t>({1, 2}) : from<uint16_t>({3, 0x0101});
    p.arp_spa = ipv4();
    p.arp_tpa = ipv4();
    p.arp_sha = mac();
  }

  // ip_proto from 'protos' and, sometimes, its L4 fields (ICMPv4's only under IPv4).
  void l4_fields(of::Match& m, std::initializer_list<uint8_t> protos) {
    auto set = [&](Field f) { m.present |= field_bit(f); };
    set(Field::kIpProto);
    m.ip_proto = from<uint8_t>(protos);
    // A port, now and then masked (a range as the firewall writes it: high bits only).
    auto port = [&](Field f) {
      const uint16_t mask = chance(0.3) ? from<uint16_t>({0xfff0, 0xff00, 0xfffc}) : 0xffff;
      of::match_set(m, f, l4port(), mask, mask != 0xffff);
    };
    if (m.ip_proto == 6) {
      if (chance(0.4)) port(Field::kTcpSrc);
      if (chance(0.4)) port(Field::kTcpDst);
    } else if (m.ip_proto == 17) {
      if (chance(0.4)) port(Field::kUdpSrc);
      if (chance(0.4)) port(Field::kUdpDst);
    } else {
      if (chance(0.4)) set(Field::kIcmpv4Type), m.icmpv4_type = from<uint8_t>({0, 8});
      if (chance(0.2)) set(Field::kIcmpv4Code), m.icmpv4_code = 0;
    }
  }

  // A set-field the flow's match allows (in buckets: any; the packet may not have the field).
  void set_field(of::Action& a, const of::Match* m) {
    std::vector<Field> ok = {Field::kEthDst, Field::kEthSrc, Field::kVlanVid, Field::kTunnelId};
    const bool is_ip = m == nullptr || (m->has(Field::kEthType) && m->eth_type == 0x0800);
    const bool is_ip6 = m != nullptr && m->has(Field::kEthType) && m->eth_type == 0x86dd;
    const uint8_t proto = m == nullptr ? 0 : (m->has(Field::kIpProto) ? m->ip_proto : 0);
    if (is_ip) ok.insert(ok.end(), {Field::kIpv4Src, Field::kIpv4Dst});
    if ((is_ip && m == nullptr) || ((is_ip || is_ip6) && proto == 6)) {
      ok.insert(ok.end(), {Field::kTcpSrc, Field::kTcpDst});
    }
    if ((is_ip && m == nullptr) || ((is_ip || is_ip6) && proto == 17)) {
      ok.insert(ok.end(), {Field::kUdpSrc, Field::kUdpDst});
    }
    if (is_ip && (m == nullptr || proto == 1)) ok.insert(ok.end(), {Field::kIcmpv4Type, Field::kIcmpv4Code});
    a.field = ok[pick(ok.size())];
    switch (a.field) {
      case Field::kEthDst:
      case Field::kEthSrc: {
        const of::MacAddr v = mac();
        a.value = 0;
        for (uint8_t byte : v) a.value = a.value << 8 | byte;
        break;
      }
      case Field::kVlanVid: a.value = of::kVidPresent | vid(); break;
      case Field::kIpv4Src:
      case Field::kIpv4Dst: a.value = ipv4(); break;
      case Field::kIcmpv4Type: a.value = from<uint8_t>({0, 8, 3}); break;
      case Field::kIcmpv4Code: a.value = pick(4); break;
      case Field::kTunnelId: a.value = pick(8); break;
      default: a.value = l4port();
    }
  }

  std::mt19937_64 rng_;
};

// ---- The test ---------------------------------------------------------------------------------

using Frames = std::vector<std::pair<uint32_t, std::vector<uint8_t>>>;  // (port, bytes), sorted

std::string describe(const Frames& f) {
  std::string s;
  for (const auto& [port, bytes] : f) {
    s += "  port " + std::to_string(port) + ":";
    for (uint8_t b : bytes) {
      char h[4];
      std::snprintf(h, sizeof h, " %02x", b);
      s += h;
    }
    s += "\n";
  }
  return s.empty() ? "  (nothing)\n" : s;
}

struct Totals {
  uint64_t packets = 0, sending = 0, outputs = 0, flows = 0, refused = 0, misses = 0;
  uint64_t deleted = 0, replaced = 0, batches = 0, group_changes = 0;
  uint64_t ipv6 = 0, ipv6_l4_hits = 0;  // IPv6 packets; those a flow matching L4 fields sent
  uint64_t arp = 0, arp_field_hits = 0;  // ARP packets; those a flow matching arp_* sent
};

// Whether a flow that matches arp_* fields matches 'p'.
bool matched_by_arp_fields(const ref::Pipeline& reference, const ref::Packet& p) {
  const uint64_t arp = field_bit(Field::kArpOp) | field_bit(Field::kArpSpa) |
                       field_bit(Field::kArpTpa) | field_bit(Field::kArpSha);
  for (uint8_t table = 0; table < kTables; ++table) {
    for (const ref::Rule& r : reference.table(table)) {
      if ((r.match.present & arp) != 0 && ref::matches(r.match, p)) return true;
    }
  }
  return false;
}

// One random rule set and 'packets' packets through both. Returns false on the first mismatch.
bool run_case(uint64_t seed, int packets, Totals& totals) {
  Gen gen(seed);
  test::Harness h;
  for (uint16_t s = 0; s < kPorts; ++s) h.add_ring_port(s, s + 1u);
  test::TablesBuilder b;
  EXPECT_TRUE(b.store().set_learning_table(of::kNoLearningTable));
  ref::Pipeline reference;
  reference.set_port_live(kDeadPort, false);

  std::vector<uint32_t> groups;
  auto gm = std::make_unique<of::GroupMod>();
  const uint64_t n_groups = gen.pick(4);
  for (uint32_t id = 1; id <= n_groups; ++id) {
    gen.group(id, *gm);
    if (b.apply(*gm)) {
      reference.set_group(gm->group);
      groups.push_back(id);
    } else {
      ++totals.refused;
    }
  }
  std::vector<of::Match> matches;
  std::vector<of::FlowMod> applied;  // what both hold, for the churn below
  for (uint8_t table = 0; table < kTables; ++table) {
    const uint64_t n = 3 + gen.pick(20);
    std::vector<uint16_t> priorities(200);
    for (uint16_t i = 0; i < priorities.size(); ++i) priorities[i] = static_cast<uint16_t>(i * 7 + 1);
    if (gen.chance(0.5)) {
      // A table-miss flow (priority 0, match anything) in half of the tables.
      of::FlowMod miss = gen.flow(table, 0, groups);
      miss.match = of::Match{};
      if (b.apply(miss)) {
        EXPECT_TRUE(reference.add(miss));
        applied.push_back(miss);
        ++totals.flows;
      } else {
        ++totals.refused;
      }
    }
    for (uint64_t i = 0; i < n; ++i) {
      const uint16_t prio = priorities[gen.pick(priorities.size())];
      std::erase(priorities, prio);  // distinct priorities: no ties to disagree on
      of::FlowMod fm = gen.flow(table, prio, groups);
      if (!b.apply(fm)) {
        ++totals.refused;
        continue;
      }
      EXPECT_TRUE(reference.add(fm)) << "the reference refused a flow the dataplane took";
      matches.push_back(fm.match);
      applied.push_back(fm);
      ++totals.flows;
    }
    // Compile now and then on the way: later installs are incremental (Compiler).
    if (gen.chance(0.5)) h.install(b);
  }
  // Churn, compiled incrementally at random points: delete flows (delete-strict), give others
  // new instructions (an ADD of the same match and priority replaces the flow).
  const uint64_t churn = applied.empty() ? 0 : gen.pick(applied.size() / 2 + 1);
  for (uint64_t k = 0; k < churn && !applied.empty(); ++k) {
    const size_t at = gen.pick(applied.size());
    const of::FlowMod fm = applied[at];
    if (gen.chance(0.5)) {
      of::FlowMod del;
      del.command = of::FlowModCommand::kDeleteStrict;
      del.table_id = fm.table_id;
      del.priority = fm.priority;
      del.match = fm.match;
      EXPECT_TRUE(b.apply(del));
      EXPECT_TRUE(reference.remove(fm.table_id, fm.priority, fm.match));
      applied.erase(applied.begin() + static_cast<ptrdiff_t>(at));
      ++totals.deleted;
    } else {
      of::FlowMod re = gen.flow(fm.table_id, fm.priority, groups);
      re.match = fm.match;
      if (b.apply(re)) {
        EXPECT_TRUE(reference.add(re));
        applied[at] = re;
        ++totals.replaced;
      }
    }
    if (gen.chance(0.05) && !groups.empty()) {
      // A group changes (GROUP_MOD modify): the next compile starts again from nothing.
      gen.group(groups[gen.pick(groups.size())], *gm);
      gm->command = of::GroupModCommand::kModify;
      if (b.apply(*gm)) {
        reference.set_group(gm->group);
        ++totals.group_changes;
      }
    }
    if (gen.chance(0.2)) h.install(b);
  }
  h.install(b);
  const Tables& t = h.tables();
  EXPECT_FALSE(t.ingress_direct);  // table 0 holds random flows: its classifier runs
  reference.set_selector([&t](const of::GroupDesc& g, const ref::Packet& p) -> size_t {
    for (const CompiledGroup& c : t.program->groups) {
      if (c.group_id == g.group_id && c.select_any) return c.select[select_hash(key_of(p)) & 0xff];
    }
    return 0;
  });

  // Packets go in batches of 1 to 24, so that the stage's bulk lookups see bursts with packets
  // of several flows and tables; what left the ports is compared as a whole per batch.
  for (int i = 0; i < packets;) {
    const int batch = std::min<int>(packets - i, 1 + static_cast<int>(gen.pick(24)));
    ++totals.batches;
    Frames expected, frames;
    std::vector<ref::Packet> sent;
    for (int k = 0; k < batch; ++k, ++i) {
      const ref::Packet p = (!matches.empty() && gen.chance(0.5))
                                ? gen.packet_for(matches[gen.pick(matches.size())])
                                : gen.packet();
      const ref::Result want = reference.run(p);
      size_t before = expected.size();
      for (const ref::Output& o : want.outputs) {
        if (o.port == of::port_no::kAll || o.port == of::port_no::kFlood) {
          for (uint32_t q = 1; q <= kPorts; ++q) {
            if (q != p.in_port) expected.emplace_back(q, serialise(o.packet));
          }
        } else if (o.port >= 1 && o.port <= kPorts) {
          expected.emplace_back(o.port, serialise(o.packet));
        }
      }
      ++totals.packets;
      totals.outputs += expected.size() - before;
      if (expected.size() > before) ++totals.sending;
      if (want.table_miss) ++totals.misses;
      if (p.eth_type == 0x86dd) {
        ++totals.ipv6;
        if (expected.size() > before && (p.ip_proto == 6 || p.ip_proto == 17)) ++totals.ipv6_l4_hits;
      }
      if (p.eth_type == 0x0806) {
        ++totals.arp;
        if (matched_by_arp_fields(reference, p)) ++totals.arp_field_hits;
      }
      const std::vector<uint8_t> frame = serialise(p);
      frames.emplace_back(p.in_port, frame);
      if (!h.inject(static_cast<uint16_t>(p.in_port - 1), test::PacketBuilder().raw(frame))) {
        ADD_FAILURE() << "inject failed";
        return false;
      }
    }
    while (h.poll() > 0) {
    }
    std::sort(expected.begin(), expected.end());
    Frames got;
    for (uint16_t s = 0; s < kPorts; ++s) {
      for (auto& bytes : h.sent(s)) got.emplace_back(s + 1u, std::move(bytes));
    }
    std::sort(got.begin(), got.end());
    if (got != expected) {
      std::string flows;
      for (uint8_t table = 0; table < kTables; ++table) {
        for (const ref::Rule& r : reference.table(table)) {
          of::FlowMod fm;
          fm.table_id = table;
          fm.priority = r.priority;
          fm.match = r.match;
          fm.instructions = r.instructions;
          flows += "  " + of::format_flow_mod(fm) + "\n";
        }
      }
      ADD_FAILURE() << "seed " << seed << ", the batch ending at packet " << i
                    << " differs.\nframes in:\n" << describe(frames)
                    << "reference sent:\n" << describe(expected) << "dataplane sent:\n"
                    << describe(got) << "flows:\n" << flows
                    << "rerun: SLUICE_DIFF_SEED=" << seed;
      return false;
    }
  }
  return true;
}

TEST(DifferentialTest, CompiledPipelineAgreesWithTheReference) {
  const unsigned in_use = test::mbufs_in_use();
  const uint64_t only = env_or("SLUICE_DIFF_SEED", 0);
  const uint64_t cases = env_or("SLUICE_DIFF_CASES", 250);
  const uint64_t first = only != 0 ? only : 20261122;
  Totals totals;
  for (uint64_t c = 0; c < (only != 0 ? 1 : cases); ++c) {
    if (!run_case(first + c, 100, totals)) break;
  }
  std::printf("differential: seeds %llu.., %llu packets in %llu batches (%llu sent somewhere), "
              "%llu expected outputs, %llu flows (%llu refused; then %llu deleted, %llu replaced, "
              "%llu group changes, compiled incrementally), %llu table misses; %llu IPv6 packets "
              "(%llu TCP/UDP ones sent somewhere); %llu ARP packets (%llu matched by arp_* "
              "fields)\n",
              static_cast<unsigned long long>(first), static_cast<unsigned long long>(totals.packets),
              static_cast<unsigned long long>(totals.batches),
              static_cast<unsigned long long>(totals.sending),
              static_cast<unsigned long long>(totals.outputs),
              static_cast<unsigned long long>(totals.flows),
              static_cast<unsigned long long>(totals.refused),
              static_cast<unsigned long long>(totals.deleted),
              static_cast<unsigned long long>(totals.replaced),
              static_cast<unsigned long long>(totals.group_changes),
              static_cast<unsigned long long>(totals.misses),
              static_cast<unsigned long long>(totals.ipv6),
              static_cast<unsigned long long>(totals.ipv6_l4_hits),
              static_cast<unsigned long long>(totals.arp),
              static_cast<unsigned long long>(totals.arp_field_hits));
  // The generator must actually exercise the pipeline: most packets hit flows and send.
  EXPECT_GT(totals.sending, totals.packets / 3);
  EXPECT_GT(totals.ipv6, totals.packets / 10);  // IPv6 keys are compared too
  EXPECT_GT(totals.ipv6_l4_hits, 0u);
  EXPECT_GT(totals.arp, totals.packets / 20);  // so are ARP keys
  EXPECT_GT(totals.arp_field_hits, totals.arp / 10);
  EXPECT_LT(totals.refused, totals.flows / 4);
  EXPECT_GT(totals.deleted, 0u);
  EXPECT_GT(totals.replaced, 0u);
  EXPECT_GT(totals.group_changes, 0u);
  EXPECT_LT(totals.batches, totals.packets / 4);  // most batches carry several packets
  EXPECT_EQ(test::mbufs_in_use(), in_use) << "mbuf leak";
}

}  // namespace
}  // namespace sluice::dp
