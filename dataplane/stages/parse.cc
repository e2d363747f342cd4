#include "dataplane/stages/parse.h"

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

namespace sluice::dp {
namespace {

uint16_t read_be16(const uint8_t* p) noexcept { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

ParseDrop parse_one(const rte_mbuf* m, PacketMeta& meta) noexcept {
  meta.len = rte_pktmbuf_pkt_len(m);
  if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN) return ParseDrop::kRunt;
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  uint16_t type = read_be16(p + 12);
  meta.tagged = 0;
  meta.priority_tagged = 0;
  meta.vid = 0;
  if (type == RTE_ETHER_TYPE_VLAN) {
    if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN) {
      return ParseDrop::kTruncatedVlan;
    }
    uint16_t vid = read_be16(p + 14) & 0xfff;
    if (vid == 0xfff) return ParseDrop::kReservedVlan;
    meta.vid = vid;
    meta.tagged = vid != 0;
    meta.priority_tagged = vid == 0;
    type = read_be16(p + 16);
  }
  meta.ether_type = type;
  return ParseDrop::kNone;
}

}  // namespace

void ParseStage::process(StageContext&, Burst& burst, Verdicts& out) noexcept {
  for (uint16_t i = 0; i < burst.count; ++i) {
    out.reason[i] = static_cast<uint8_t>(parse_one(burst.pkts[i], burst.meta[i]));
  }
}

}  // namespace sluice::dp
