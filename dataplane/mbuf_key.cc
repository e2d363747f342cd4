#include "dataplane/mbuf_key.h"

#include <algorithm>

#include <rte_mbuf.h>

namespace sluice::dp {

void mbuf_key(const rte_mbuf* m, uint32_t in_port, FlowKey& key, PacketLayout& layout) noexcept {
  const uint32_t first = rte_pktmbuf_data_len(m);
  const uint32_t total = rte_pktmbuf_pkt_len(m);
  if (m->nb_segs <= 1 || first >= kMaxHeaderBytes || first >= total) {
    extract_key(rte_pktmbuf_mtod(m, const uint8_t*), first, in_port, 0, key, layout);
    return;
  }
  uint8_t copy[kMaxHeaderBytes];
  const uint32_t n = std::min(total, kMaxHeaderBytes);
  const auto* p = static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, n, copy));
  if (p == nullptr) {  // a chain shorter than it claims
    key = FlowKey{};
    layout = PacketLayout{};
    layout.malformed = 1;
    return;
  }
  extract_key(p, n, in_port, 0, key, layout);
  // Rewrites work on the first segment only.
  if (layout.l4 != 0 && uint32_t{layout.l4} + 20 > first) layout.l4 = 0;
  if (uint32_t{layout.l3} + 60 > first) layout.ihl_ok = 0;
  if (uint32_t{layout.l3} + 40 > first) layout.ipv6 = 0;
}

}  // namespace sluice::dp
