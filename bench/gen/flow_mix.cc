#include "bench/gen/flow_mix.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "bench/flowmod/flow_set.h"

namespace sluice::bench {
namespace {

void put_mac(uint8_t* p, uint32_t role, uint32_t index) {
  const uint8_t mac[6] = {0x02, 0x5c, static_cast<uint8_t>(role), static_cast<uint8_t>(index >> 16),
                          static_cast<uint8_t>(index >> 8), static_cast<uint8_t>(index)};
  std::memcpy(p, mac, 6);
}

}  // namespace

std::string mac_text(uint32_t role, uint32_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "02:5c:%02x:%02x:%02x:%02x", role & 0xff, (index >> 16) & 0xff,
                (index >> 8) & 0xff, index & 0xff);
  return buf;
}

FlowMix::FlowMix(const FlowMixSpec& spec)
    : len_(spec.frame_len),
      vlan_(spec.vlan),
      dst_ips_(spec.dst_ips),
      dst_ports_(std::max<uint32_t>(spec.dst_ports, 1)) {
  const uint32_t n = spec.macs;
  const uint32_t flows = spec.flows == 0 ? n : spec.flows;
  if (!spec.replies) {
    frames_.resize(flows);
    for (uint32_t k = 0; k < flows; ++k) build(frames_[k], k, k % n, (k + k / n) % n);
    learn_.resize(n);
    for (uint32_t i = 0; i < n; ++i) build(learn_[i], i, i, i);
    return;
  }
  frames_.resize(2 * size_t{flows});
  learn_.resize(2 * size_t{flows});
  for (uint32_t k = 0; k < flows; ++k) {
    // N MAC pairs whatever the number of connections (VMs hold many connections each): a
    // switch with a per-MAC-pair flow cache needs no more entries than in the l2 scenario.
    const uint32_t src = k % n, dst = k % n;
    build(frames_[2 * size_t{k}], k, src, dst);
    build(frames_[2 * size_t{k} + 1], k, src, dst, true);
    learn_[k] = frames_[2 * size_t{k}];
    learn_[flows + size_t{k}] = frames_[2 * size_t{k} + 1];
  }
}

void FlowMix::build(Frame& f, uint32_t flow, uint32_t src, uint32_t dst, bool reply) const {
  std::memset(f.bytes, 0, sizeof f.bytes);
  uint8_t* p = f.bytes;
  put_mac(p, 1, dst);
  put_mac(p + 6, 0, src);
  p += 12;
  if (vlan_ != 0) {
    const uint16_t tpid = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
    const uint16_t tci = rte_cpu_to_be_16(vlan_ & 0xfff);
    std::memcpy(p, &tpid, 2);
    std::memcpy(p + 2, &tci, 2);
    p += 4;
  }
  const uint16_t type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
  std::memcpy(p, &type, 2);
  p += 2;
  const uint32_t l3_len = len_ - static_cast<uint32_t>(p - f.bytes);

  rte_ipv4_hdr ip{};
  ip.version_ihl = RTE_IPV4_VHL_DEF;
  ip.total_length = rte_cpu_to_be_16(static_cast<uint16_t>(l3_len));
  ip.time_to_live = 64;
  ip.next_proto_id = IPPROTO_UDP;
  const uint32_t src_ip = 0x0a000000u | (flow & 0x7fffff);
  const uint32_t dst_ip = dst_ips_ == 0 ? 0x0a800000u | (flow & 0x7fffff)
                                        : wildcard_address(flow % dst_ips_, flow / dst_ips_);
  ip.src_addr = rte_cpu_to_be_32(reply ? dst_ip : src_ip);
  ip.dst_addr = rte_cpu_to_be_32(reply ? src_ip : dst_ip);
  ip.hdr_checksum = rte_ipv4_cksum(&ip);
  std::memcpy(p, &ip, sizeof ip);
  p += sizeof ip;

  rte_udp_hdr udp{};
  const auto sport = static_cast<uint16_t>(1024 + flow % 60000);
  const auto dport = static_cast<uint16_t>(5001 + flow % dst_ports_);
  udp.src_port = rte_cpu_to_be_16(reply ? dport : sport);
  udp.dst_port = rte_cpu_to_be_16(reply ? sport : dport);
  udp.dgram_len = rte_cpu_to_be_16(static_cast<uint16_t>(l3_len - sizeof ip));
  udp.dgram_cksum = 0;  // optional in IPv4
  std::memcpy(p, &udp, sizeof udp);
}

}  // namespace sluice::bench
