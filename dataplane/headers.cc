#include "dataplane/headers.h"

#include <cstring>

#include <rte_mbuf.h>

namespace sluice::dp {
namespace {

constexpr uint32_t kMacsLen = 12;

void shift_layout(PacketLayout& l, int delta) noexcept {
  l.l3 = static_cast<uint16_t>(l.l3 + delta);
  if (l.l4 != 0) l.l4 = static_cast<uint16_t>(l.l4 + delta);
}

}  // namespace

bool push_tag(rte_mbuf* m, uint16_t tpid, uint16_t tci) noexcept {
  auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, kVlanTagLen));
  if (p == nullptr) return false;
  std::memmove(p, p + kVlanTagLen, kMacsLen);
  wr16(p + 12, tpid);
  wr16(p + 14, tci);
  return true;
}

void pop_tag(rte_mbuf* m) noexcept {
  uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
  std::memmove(p + kVlanTagLen, p, kMacsLen);
  rte_pktmbuf_adj(m, kVlanTagLen);
}

bool push_vlan(rte_mbuf* m, FlowKey& key, PacketLayout& layout, uint16_t tpid) noexcept {
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint16_t tci = layout.tags > 0 ? rd16(p + 14) : 0;
  if (!push_tag(m, tpid, tci)) return false;
  key.vlan_vid = static_cast<uint16_t>(of::kVidPresent | (tci & 0xfff));
  ++layout.tags;
  shift_layout(layout, static_cast<int>(kVlanTagLen));
  return true;
}

void pop_vlan(rte_mbuf* m, FlowKey& key, PacketLayout& layout) noexcept {
  if (layout.tags == 0) return;
  pop_tag(m);
  --layout.tags;
  shift_layout(layout, -static_cast<int>(kVlanTagLen));
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  key.vlan_vid = layout.tags > 0 ? static_cast<uint16_t>(of::kVidPresent | (rd16(p + 14) & 0xfff)) : 0;
}

bool strip_priority_tag(rte_mbuf* m, PacketLayout& layout) noexcept {
  if (layout.tags == 0 || rte_pktmbuf_data_len(m) < 14 + kVlanTagLen) return false;
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  if (!is_tpid(rd16(p + 12)) || (rd16(p + 14) & 0xfff) != 0) return false;
  pop_tag(m);
  --layout.tags;
  shift_layout(layout, -static_cast<int>(kVlanTagLen));
  return true;
}

}  // namespace sluice::dp
