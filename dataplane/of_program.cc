#include "dataplane/of_program.h"

#include <numeric>

namespace sluice::dp {

uint8_t set_field_slot(of::Field f) noexcept {
  using of::Field;
  switch (f) {
    case Field::kEthDst: return kSetFieldFirst + 0;
    case Field::kEthSrc: return kSetFieldFirst + 1;
    case Field::kVlanVid: return kSetFieldFirst + 2;
    case Field::kIpv4Src: return kSetFieldFirst + 3;
    case Field::kIpv4Dst: return kSetFieldFirst + 4;
    case Field::kTcpSrc: return kSetFieldFirst + 5;
    case Field::kTcpDst: return kSetFieldFirst + 6;
    case Field::kUdpSrc: return kSetFieldFirst + 7;
    case Field::kUdpDst: return kSetFieldFirst + 8;
    case Field::kIcmpv4Type: return kSetFieldFirst + 9;
    case Field::kIcmpv4Code: return kSetFieldFirst + 10;
    case Field::kTunnelId: return kSetFieldFirst + 11;
    default: return kSetSlots;  // not settable (refused when the flow was added)
  }
}

bool is_send_op(OpCode c) noexcept {
  return c == OpCode::kOutput || c == OpCode::kOutputInPort || c == OpCode::kOutputAll ||
         c == OpCode::kController || c == OpCode::kGroup || c == OpCode::kUnknownPort ||
         c == OpCode::kOutputTable || c == OpCode::kNormal;
}

uint32_t select_hash(const FlowKey& k) noexcept {
  uint64_t h = 0x2545f4914f6cdd1dULL;
  for (uint64_t w : {k.eth_dst, k.eth_src, uint64_t{k.eth_type} << 16 | k.vlan_vid,
                     uint64_t{k.ipv4_src} << 32 | k.ipv4_dst,
                     uint64_t{k.ip_proto} << 32 | uint64_t{k.l4_src} << 16 | k.l4_dst}) {
    h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 31;
  }
  return static_cast<uint32_t>(h ^ (h >> 32));
}

void build_select_table(CompiledGroup& g, const std::vector<uint16_t>& weights) {
  const size_t n = weights.size();
  uint64_t total = std::accumulate(weights.begin(), weights.end(), uint64_t{0});
  g.select_any = n > 0;
  if (n == 0) return;
  // Each bucket gets a share of the 256 entries in proportion to its weight (at least one if
  // its weight is not 0), laid out round-robin so neighbouring hashes spread across buckets.
  std::vector<uint32_t> share(n, 0);
  if (total == 0) {
    for (size_t b = 0; b < n; ++b) share[b] = 1;
    total = n;
  } else {
    for (size_t b = 0; b < n; ++b) share[b] = weights[b];
  }
  // Smooth weighted round robin: every entry, each bucket earns its weight in credit and the
  // richest bucket (never one of weight 0) takes the entry and pays the total.
  std::vector<int64_t> credit(n, 0);
  for (size_t i = 0; i < g.select.size(); ++i) {
    size_t pick = n;
    for (size_t b = 0; b < n; ++b) {
      if (share[b] == 0) continue;
      credit[b] += share[b];
      if (pick == n || credit[b] > credit[pick]) pick = b;
    }
    credit[pick] -= static_cast<int64_t>(total);
    g.select[i] = static_cast<uint16_t>(pick);
  }
}

}  // namespace sluice::dp
