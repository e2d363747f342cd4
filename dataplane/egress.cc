#include "dataplane/egress.h"

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/headers.h"
#include "dataplane/stage.h"
#include "dataplane/tables.h"

namespace sluice::dp {

void Egress::controller(const PacketInRecord& r) noexcept {
  if (n_packet_ins_ == kMaxPacketIns) run_list();
  packet_ins_[n_packet_ins_] = r;
  add({r.m, kNoSlot, n_packet_ins_++, Kind::kController});
}

void Egress::drop(rte_mbuf* m, OutputDrop why, uint16_t slot) noexcept {
  if (m == nullptr) return count_drop(nullptr, slot, why);  // nothing to free: count it now
  add({m, slot, static_cast<uint16_t>(why), Kind::kDrop});
}

rte_mbuf* Egress::copy(rte_mbuf* m) noexcept {
  rte_mbuf* c = rte_pktmbuf_copy(m, pool_, 0, UINT32_MAX);
  if (c == nullptr) {
    ctx_->counters->output_drops[static_cast<size_t>(OutputDrop::kNoMbufForCopy)].add(1);
  }
  return c;
}

void Egress::finish(Burst& burst) noexcept {
  // Consecutive survivors usually share their output and bridge domain (a burst from one VM
  // to one port): the port's state and egress are looked up once per run of them, and an
  // untagged run is appended to the port's buffer in one pass. A run ends at a flood or
  // another (slot, bd); a drop is still counted per packet.
  uint16_t i = 0;
  while (i < burst.count) {
    const PacketMeta& meta = burst.meta[i];
    if (meta.out_slot == kFloodSlot) {
      send_flood(burst.pkts[i], meta.bd, meta.in_slot);
      ++i;
      continue;
    }
    uint16_t end = i + 1;
    while (end < burst.count && burst.meta[end].out_slot == meta.out_slot &&
           burst.meta[end].bd == meta.bd) {
      ++end;
    }
    send_run(&burst.pkts[i], static_cast<uint16_t>(end - i), bridge_out(meta.out_slot, meta.bd));
    i = end;
  }
  finish();
}

void Egress::send_run(rte_mbuf* const* pkts, uint16_t n, const BridgeOut& o) noexcept {
  if (o.max_len == 0 || o.egress != kEgressUntagged) {
    for (uint16_t k = 0; k < n; ++k) send_bridge(pkts[k], o);
    return;
  }
  const uint16_t slot = o.slot;
  if (!listed_[slot]) {
    listed_[slot] = true;
    touched_[n_touched_++] = slot;
  }
  uint16_t count = tx_count_[slot];
  uint64_t bytes = tx_bytes_[slot];
  for (uint16_t k = 0; k < n; ++k) {
    rte_mbuf* m = pkts[k];
    const uint32_t len = rte_pktmbuf_pkt_len(m);
    if (len > o.max_len) {
      count_drop(m, slot, OutputDrop::kMtuExceeded);
      continue;
    }
    if (count == kBurstSize) {  // more than a burst for this port: send what is queued
      tx_count_[slot] = count;
      tx_bytes_[slot] = bytes;
      transmit_slot(slot);
      count = 0;
      bytes = 0;
    }
    tx_[slot][count++] = m;
    bytes += len;
  }
  tx_count_[slot] = count;
  tx_bytes_[slot] = bytes;
}

void Egress::finish() noexcept {
  run_list();
  transmit();
}

void Egress::run_list() noexcept {
  // Executing an entry never adds one, so the list is only read here.
  for (uint16_t i = 0; i < n_; ++i) execute(list_[i]);
  n_ = 0;
  n_packet_ins_ = 0;
}

void Egress::execute(const Output& o) noexcept {
  switch (o.kind) {
    case Kind::kPort: return send_port(o.m, o.slot);
    case Kind::kBridge: return send_bridge(o.m, o.slot, o.arg);
    case Kind::kFlood: return send_flood(o.m, o.arg, o.slot);
    case Kind::kController:
      if (packet_in_ == nullptr || packet_in_->push(&packet_ins_[o.arg], 1) == 0) {
        count_drop(o.m, kNoSlot, OutputDrop::kPacketInQueueFull);
      }
      return;
    case Kind::kDrop: return count_drop(o.m, o.slot, static_cast<OutputDrop>(o.arg));
    case Kind::kRetire: rte_pktmbuf_free(o.m); return;
  }
}

void Egress::count_drop(rte_mbuf* m, uint16_t slot, OutputDrop why) noexcept {
  ctx_->counters->output_drops[static_cast<size_t>(why)].add(1);
  if (slot < kMaxPorts) ctx_->counters->ports[slot].tx_dropped.add(1);
  if (m != nullptr) rte_pktmbuf_free(m);
}

bool Egress::port_up(uint16_t slot) const noexcept {
  const Tables& t = *ctx_->tables;
  return slot < kMaxPorts && t.ports[slot].active && t.ports[slot].admin_up && ctx_->link_up(slot);
}

bool Egress::port_ready(rte_mbuf* m, uint16_t slot) noexcept {
  if (port_up(slot)) return true;
  count_drop(m, slot, OutputDrop::kPortDown);
  return false;
}

Egress::BridgeOut Egress::bridge_out(uint16_t slot, uint16_t bd) const noexcept {
  BridgeOut o{slot, bd, kEgressNone, 0};
  if (!port_up(slot)) return o;  // max_len 0: port down
  o.egress = ctx_->tables->egress_of(slot, bd);
  o.max_len = uint32_t{ctx_->tables->ports[slot].mtu} + RTE_ETHER_HDR_LEN;
  return o;
}

void Egress::send_flood(rte_mbuf* m, uint16_t bd_id, uint16_t in_slot) noexcept {
  const BridgeDomain* bd = ctx_->tables->bridge_domain(bd_id);
  uint16_t targets[kMaxPorts];
  uint16_t n = 0;
  if (bd != nullptr) {
    for (const FloodMember& member : bd->members) {
      if (member.slot != in_slot) targets[n++] = member.slot;
    }
  }
  if (n == 0) {
    // Only the ingress port is in the domain: nobody to send to. Counted, not silent.
    return count_drop(m, kNoSlot, OutputDrop::kFloodNoMembers);
  }
  // Copies for all targets but the last, which takes the original; each copy gets the egress
  // of its own port.
  for (uint16_t k = 0; k + 1 < n; ++k) {
    rte_mbuf* copy = rte_pktmbuf_copy(m, pool_, 0, UINT32_MAX);
    if (copy == nullptr) {
      count_drop(nullptr, targets[k], OutputDrop::kNoMbufForFlood);
      continue;
    }
    ctx_->counters->flood_copies.add(1);
    send_bridge(copy, targets[k], bd_id);
  }
  send_bridge(m, targets[n - 1], bd_id);
}

void Egress::send_bridge(rte_mbuf* m, uint16_t slot, uint16_t bd) noexcept {
  send_bridge(m, bridge_out(slot, bd));
}

void Egress::send_bridge(rte_mbuf* m, const BridgeOut& o) noexcept {
  if (o.max_len == 0) return count_drop(m, o.slot, OutputDrop::kPortDown);
  if (o.egress == kEgressNone) return count_drop(m, o.slot, OutputDrop::kEgressVlanNotAllowed);
  uint32_t len = rte_pktmbuf_pkt_len(m);
  if (len > o.max_len) return count_drop(m, o.slot, OutputDrop::kMtuExceeded);
  if (o.egress != kEgressUntagged) {
    if (!push_tag(m, kTpidVlan, static_cast<uint16_t>(o.egress & 0xfff))) {
      return count_drop(m, o.slot, OutputDrop::kNoTagRoom);
    }
    len += kVlanTagLen;
  }
  queue(m, o.slot, len);
}

void Egress::send_port(rte_mbuf* m, uint16_t slot) noexcept {
  if (!port_ready(m, slot)) return;
  const uint32_t len = rte_pktmbuf_pkt_len(m);
  // The MTU counts what follows the Ethernet header and its VLAN tags.
  uint32_t header = RTE_ETHER_HDR_LEN;
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  for (uint32_t off = 12; off + 4 <= rte_pktmbuf_data_len(m); off += 4) {
    if (!is_tpid(rd16(p + off))) break;
    header += kVlanTagLen;
  }
  if (len > uint32_t{ctx_->tables->ports[slot].mtu} + header) {
    return count_drop(m, slot, OutputDrop::kMtuExceeded);
  }
  queue(m, slot, len);
}

void Egress::queue(rte_mbuf* m, uint16_t slot, uint32_t len) noexcept {
  // A slot can receive more than a burst's worth (copies of every packet to one port, or an
  // output followed by a flood): send what is queued first. The slot stays listed once.
  if (tx_count_[slot] == kBurstSize) transmit_slot(slot);
  if (!listed_[slot]) {
    listed_[slot] = true;
    touched_[n_touched_++] = slot;
  }
  tx_[slot][tx_count_[slot]++] = m;
  tx_bytes_[slot] += len;
}

void Egress::transmit_slot(uint16_t slot) noexcept {
  const Tables& t = *ctx_->tables;
  const uint16_t n = tx_count_[slot];
  rte_mbuf** pkts = tx_[slot].data();
  uint64_t bytes = tx_bytes_[slot];
  const uint16_t sent = rte_eth_tx_burst(t.ports[slot].dpdk_port, tx_queue_, pkts, n);
  for (uint16_t i = sent; i < n; ++i) {
    bytes -= rte_pktmbuf_pkt_len(pkts[i]);
    count_drop(pkts[i], slot, OutputDrop::kTxQueueFull);
  }
  PortCounters& pc = ctx_->counters->ports[slot];
  pc.tx_packets.add(sent);
  pc.tx_bytes.add(bytes);
  tx_count_[slot] = 0;
  tx_bytes_[slot] = 0;
}

void Egress::transmit() noexcept {
  for (uint16_t k = 0; k < n_touched_; ++k) {
    const uint16_t slot = touched_[k];
    if (tx_count_[slot] > 0) transmit_slot(slot);
    listed_[slot] = false;
  }
  n_touched_ = 0;
}

}  // namespace sluice::dp
