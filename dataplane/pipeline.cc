#include "dataplane/pipeline.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "dataplane/tables.h"

namespace sluice::dp {

Pipeline::Pipeline(std::vector<std::unique_ptr<Stage>> stages, const Runtime& rt, uint16_t worker)
    : stages_(std::move(stages)), egress_(make_huge<Egress>(rt.pool, rt.packet_in, worker)) {
  // Counters are fixed blocks per stage, each with a fixed number of drop reasons: a stage list
  // that does not fit is a build mistake, caught before any packet is counted.
  if (stages_.size() > kMaxStages) {
    std::fprintf(stderr, "sluiced: %zu pipeline stages, but counters hold %zu (kMaxStages)\n",
                 stages_.size(), kMaxStages);
    std::abort();
  }
  for (size_t s = 0; s < stages_.size(); ++s) {
    const size_t reasons = stages_[s]->drop_reason_names().size();
    if (reasons == 0 || reasons > kMaxDropReasons) {
      std::fprintf(stderr, "sluiced: stage %.*s has %zu drop reasons; 1..%zu fit its counters\n",
                   static_cast<int>(stages_[s]->name().size()), stages_[s]->name().data(), reasons,
                   kMaxDropReasons);
      std::abort();
    }
    n_reasons_[s] = static_cast<uint8_t>(reasons);
  }
}

void Pipeline::run(StageContext& ctx, Burst& burst) noexcept {
  Verdicts v;
  ctx.out = egress_.get();
  egress_->begin(ctx);
  // On a timed burst, one TSC read per stage: each stage's end is the next one's start.
  const bool timed = ++bursts_ % kTimedBurstEvery == 0;
  uint64_t t = timed ? rte_rdtsc() : 0;
  for (size_t s = 0; s < stages_.size() && burst.count > 0; ++s) {
    if (!stages_[s]->active(*ctx.tables)) continue;
    StageCounters& sc = ctx.counters->stages[s];
    sc.calls.add(1);
    sc.packets.add(burst.count);
    if (timed) sc.timed_packets.add(burst.count);
    stages_[s]->process(ctx, burst, v);
    drop_and_compact(ctx, s, burst, v);
    if (timed) {
      const uint64_t end = rte_rdtsc();
      sc.cycles.add(end - t);
      t = end;
    }
  }
  egress_->finish(burst);
}

void Pipeline::drop_and_compact(StageContext& ctx, size_t stage, Burst& burst,
                                const Verdicts& v) noexcept {
  // Most bursts lose nothing at a stage: one pass without branches says so.
  uint8_t any = 0;
  for (uint16_t i = 0; i < burst.count; ++i) any |= v.reason[i];
  if (any == 0) return;
  StageCounters& sc = ctx.counters->stages[stage];
  uint16_t kept = 0;
  for (uint16_t i = 0; i < burst.count; ++i) {
    const uint8_t reason = v.reason[i];
    if (reason == kConsumed) continue;
    if (reason == 0) {
      if (kept != i) {
        burst.pkts[kept] = burst.pkts[i];
        burst.meta[kept] = burst.meta[i];
      }
      ++kept;
      continue;
    }
    // A reason outside the stage's table is a stage bug; it still counts, under "none".
    sc.drops[reason < n_reasons_[stage] ? reason : 0].add(1);
    ctx.counters->ports[burst.meta[i].in_slot].rx_dropped.add(1);
    rte_pktmbuf_free(burst.pkts[i]);
  }
  burst.count = kept;
}

}  // namespace sluice::dp
