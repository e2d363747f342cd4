#include "dataplane/stages/parse.h"

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/headers.h"
#include "dataplane/mbuf_key.h"
#include "dataplane/tables.h"

namespace sluice::dp {

ParseDrop parse_frame(const rte_mbuf* m, uint32_t in_port, PacketMeta& meta, bool frag_drop,
                      bool l2_only) noexcept {
  // A burst's metadata is reused from packet to packet: every packet starts at table 0 with
  // nothing decided.
  meta.table = 0;
  meta.bd = 0;
  meta.out_slot = kNoSlot;
  meta.len = rte_pktmbuf_pkt_len(m);
  const uint32_t len = rte_pktmbuf_data_len(m);
  if (len < RTE_ETHER_HDR_LEN) return ParseDrop::kRunt;
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  uint16_t type = rd16(p + 12);
  const bool has_tag = is_tpid(type);
  meta.tagged = 0;
  meta.priority_tagged = 0;
  meta.vid = 0;
  if (has_tag) {
    if (len < RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN) return ParseDrop::kTruncatedVlan;
    uint16_t vid = rd16(p + 14) & 0xfff;
    if (vid == 0xfff) return ParseDrop::kReservedVlan;
    meta.vid = vid;
    meta.tagged = vid != 0;
    meta.priority_tagged = vid == 0;
    type = rd16(p + 16);
    // Once the priority tag is gone the frame is tagged with the inner VID: it must not pass
    // for an untagged one.
    if (vid == 0 && is_tpid(type)) return ParseDrop::kDoubleTagged;
  }
  meta.ether_type = type;
  // L2 to L4, past the first segment too: every later stage reads these, and no fragment
  // whose headers straddle a segment boundary slips past OFPC_FRAG_DROP.
  if (l2_only && !frag_drop) {
    // Only the ingress stage's tag pop reads the layout; nothing reads the key.
    meta.layout = PacketLayout{};
    meta.layout.tags = has_tag ? 1 : 0;
    meta.layout.l3 = static_cast<uint16_t>(RTE_ETHER_HDR_LEN + meta.layout.tags * RTE_VLAN_HLEN);
    return ParseDrop::kNone;
  }
  mbuf_key(m, in_port, meta.key, meta.layout);
  if (frag_drop && meta.key.ip_frag != 0) return ParseDrop::kIpFragment;
  return ParseDrop::kNone;
}

void ParseStage::process(StageContext& ctx, Burst& burst, Verdicts& out) noexcept {
  const Tables* t = ctx.tables;
  const bool frag_drop = t != nullptr && t->frag_drop;
  const bool l2_only = t != nullptr && !t->reads_key;
  for (uint16_t i = 0; i < burst.count; ++i) {
    PacketMeta& meta = burst.meta[i];
    const uint32_t in_port = t != nullptr && meta.in_slot < kMaxPorts ? t->ports[meta.in_slot].of_port : 0;
    out.reason[i] = static_cast<uint8_t>(parse_frame(burst.pkts[i], in_port, meta, frag_drop, l2_only));
  }
}

}  // namespace sluice::dp
