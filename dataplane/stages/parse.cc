#include "dataplane/stages/parse.h"

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/mbuf_key.h"
#include "dataplane/tables.h"

namespace sluice::dp {
namespace {

uint16_t read_be16(const uint8_t* p) noexcept { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

bool is_tpid(uint16_t type) noexcept {
  return type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ;
}

}  // namespace

ParseDrop parse_frame(const rte_mbuf* m, PacketMeta& meta, bool frag_drop) noexcept {
  meta.len = rte_pktmbuf_pkt_len(m);
  const uint32_t len = rte_pktmbuf_data_len(m);
  if (len < RTE_ETHER_HDR_LEN) return ParseDrop::kRunt;
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  uint16_t type = read_be16(p + 12);
  meta.tagged = 0;
  meta.priority_tagged = 0;
  meta.vid = 0;
  if (is_tpid(type)) {
    if (len < RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN) return ParseDrop::kTruncatedVlan;
    uint16_t vid = read_be16(p + 14) & 0xfff;
    if (vid == 0xfff) return ParseDrop::kReservedVlan;
    meta.vid = vid;
    meta.tagged = vid != 0;
    meta.priority_tagged = vid == 0;
    type = read_be16(p + 16);
    // Once the priority tag is gone the frame is tagged with the inner VID: it must not pass
    // for an untagged one.
    if (vid == 0 && is_tpid(type)) return ParseDrop::kDoubleTagged;
  }
  meta.ether_type = type;
  if (frag_drop) {
    // Read as the openflow stage reads it (past the first segment too), so that no fragment
    // whose extension headers straddle a segment boundary slips through.
    FlowKey key;
    PacketLayout layout;
    mbuf_key(m, 0, key, layout);
    if (key.ip_frag != 0) return ParseDrop::kIpFragment;
  }
  return ParseDrop::kNone;
}

void ParseStage::process(StageContext& ctx, Burst& burst, Verdicts& out) noexcept {
  const bool frag_drop = ctx.tables != nullptr && ctx.tables->frag_drop;
  for (uint16_t i = 0; i < burst.count; ++i) {
    out.reason[i] = static_cast<uint8_t>(parse_frame(burst.pkts[i], burst.meta[i], frag_drop));
  }
}

}  // namespace sluice::dp
