#include "dataplane/stages/l2.h"

#include <cstring>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "dataplane/learn_queue.h"
#include "dataplane/mac_table.h"
#include "dataplane/tables.h"

namespace sluice::dp {
namespace {

// The MAC at 'p' as a 48-bit big-endian number, read with one 8-byte load: 'p' must have 8
// readable bytes (both MACs of an Ethernet header do: the parse stage checked 14).
uint64_t load_mac(const uint8_t* p) noexcept {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return rte_be_to_cpu_64(v) >> 16;
}

// The I/G bit of the key's MAC (the first byte's lowest bit).
bool key_is_multicast(uint64_t key) noexcept { return (key >> 40) & 1; }

uint64_t frame_key(uint16_t bd, const uint8_t* mac) noexcept {
  return static_cast<uint64_t>(bd & 0xfff) << 48 | load_mac(mac);
}

// The bodies of l2_check_source() and l2_choose_output(), inlined into the stage's per-packet
// loop (the openflow stage calls the out-of-line functions).
[[gnu::always_inline]] inline L2Drop check_source(MacTable& macs, uint32_t now,
                                                  const PacketMeta& meta, int32_t pos,
                                                  LearnRequest* learn, uint32_t& n_learn) noexcept {
  if (pos >= 0) {
    MacEntry& e = macs.entry(pos);
    if (e.slot.load(std::memory_order_relaxed) == meta.in_slot) {
      // Refresh the age stamp; write only when it changes, to keep the line shared.
      if (e.last_seen.load(std::memory_order_relaxed) != now) {
        e.last_seen.store(now, std::memory_order_relaxed);
      }
      return L2Drop::kNone;
    }
    if (e.is_static.load(std::memory_order_relaxed)) return L2Drop::kStaticMacConflict;
  }
  if (macs.at_limit(meta.in_slot)) return L2Drop::kMacLimit;
  if (macs.vlan_at_limit(key_bd(meta.src_key))) return L2Drop::kVlanMacLimit;
  // Ask once per burst per source (at most 32 requests to look through).
  for (uint32_t k = 0; k < n_learn; ++k) {
    if (learn[k].key == meta.src_key && learn[k].slot == meta.in_slot) return L2Drop::kNone;
  }
  learn[n_learn++] = LearnRequest{meta.src_key, meta.in_slot, {}};
  return L2Drop::kNone;
}

[[gnu::always_inline]] inline L2Drop choose_output(const MacTable& macs, const BridgeDomain& bd,
                                                   PacketMeta& meta, int32_t pos,
                                                   FlowCountBatch& flows) noexcept {
  if (!key_is_multicast(meta.dst_key) && pos >= 0) {
    const MacEntry& e = macs.entry(pos);
    uint16_t slot = e.slot.load(std::memory_order_acquire);
    if (slot == meta.in_slot) return L2Drop::kHairpin;
    meta.out_slot = slot;
    if (e.is_static.load(std::memory_order_relaxed)) {
      flows.add(e.flow.load(std::memory_order_relaxed), meta.len);
    }
    return L2Drop::kNone;
  }
  meta.out_slot = kFloodSlot;
  flows.add(bd.flood_flow, meta.len);
  return L2Drop::kNone;
}

}  // namespace

L2Drop l2_check_source(MacTable& macs, uint32_t now, const PacketMeta& meta, int32_t pos,
                       LearnRequest* learn, uint32_t& n_learn) noexcept {
  return check_source(macs, now, meta, pos, learn, n_learn);
}

L2Drop l2_choose_output(const MacTable& macs, const BridgeDomain& bd, PacketMeta& meta,
                        int32_t pos, FlowCountBatch& flows) noexcept {
  return choose_output(macs, bd, meta, pos, flows);
}

bool L2Stage::active(const Tables& t) const noexcept {
  return t.ingress_direct && t.learning_table < kMaxTables;
}

void L2Stage::process(StageContext& ctx, Burst& burst, Verdicts& out) noexcept {
  const Tables& t = *ctx.tables;
  // The frames at the learning table; the others pass on untouched. In an L2 pipeline (no
  // classifier table reachable) that is every frame the ingress stage passed.
  uint16_t here[kBurstSize];
  uint16_t n = 0;
  const bool learning = t.learning_table < kMaxTables;  // else no table learns
  if (learning && !t.reaches_classifiers) {
    for (uint16_t i = 0; i < burst.count; ++i) here[i] = i;
    n = burst.count;
  } else {
    for (uint16_t i = 0; i < burst.count; ++i) {
      out.reason[i] = 0;
      if (learning && burst.meta[i].table == t.learning_table) here[n++] = i;
    }
  }
  if (n == 0) return;
  uint64_t keys[2 * kBurstSize] = {};  // zeroed: GCC cannot see that only [0, 2n) is read
  int32_t pos[2 * kBurstSize];
  const BridgeDomain* bds[kBurstSize];

  for (uint16_t j = 0; j < n; ++j) {
    const uint16_t i = here[j];
    PacketMeta& meta = burst.meta[i];
    const uint8_t* eth = rte_pktmbuf_mtod(burst.pkts[i], const uint8_t*);
    meta.dst_key = frame_key(meta.bd, eth);
    meta.src_key = frame_key(meta.bd, eth + 6);
    keys[j] = meta.src_key;
    keys[n + j] = meta.dst_key;
    bds[j] = t.bridge_domain(meta.bd);
  }
  ctx.counters->mac_cache_lookups.add(2u * n);
  ctx.counters->mac_cache_misses.add(cache_.lookup(macs_, keys, 2u * n, pos));

  LearnRequest learn[kBurstSize];
  uint32_t n_learn = 0;
  FlowCountBatch flows(ctx.counters->flows);
  uint32_t matched = 0;  // table 40's statistics (OFPMP_TABLE): frames with a bridge domain
  for (uint16_t j = 0; j < n; ++j) {
    const uint16_t i = here[j];
    PacketMeta& meta = burst.meta[i];
    meta.table = kTableDone;
    L2Drop drop = L2Drop::kNone;
    matched += bds[j] != nullptr;
    if (bds[j] == nullptr) {
      drop = L2Drop::kNoBridgeDomain;
    } else if (key_is_multicast(meta.src_key)) {
      drop = L2Drop::kInvalidSrcMac;
    } else {
      drop = check_source(macs_, ctx.now, meta, pos[j], learn, n_learn);
      if (drop == L2Drop::kNone) {
        drop = choose_output(macs_, *bds[j], meta, pos[n + j], flows);
      }
    }
    out.reason[i] = static_cast<uint8_t>(drop);
  }
  ctx.counters->table_lookups[t.learning_table].add(n);
  ctx.counters->table_matches[t.learning_table].add(matched);
  if (n_learn > 0) {
    uint32_t queued = learn_.push(learn, n_learn);
    ctx.counters->learn_queue_full.add(n_learn - queued);
  }
}

}  // namespace sluice::dp
