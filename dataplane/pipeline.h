// Pipeline: runs the stages over a burst, then hands what survives to the egress.
//
// After each stage it frees and counts the dropped packets (per stage and reason, and per
// ingress port) and compacts the burst. At the end the egress (egress.h) runs the survivors'
// outputs (each to meta.out_slot with meta.bd's egress, or flooded) and the output list the
// stages wrote, and transmits. One Pipeline per worker; its egress holds per-port transmit
// buffers, so it is not shared.
#pragma once

#include <array>
#include <memory>
#include <span>
#include <vector>

#include "dataplane/egress.h"
#include "dataplane/huge.h"
#include "dataplane/runtime.h"
#include "dataplane/stage.h"

struct rte_mempool;

namespace sluice::dp {

struct Tables;

class Pipeline {
 public:
  // Worker 'worker''s pipeline: copies come from rt.pool, PACKET_INs go to rt.packet_in, and it
  // transmits on tx queue 'worker' of every port. Aborts (a build mistake) if there are more than kMaxStages stages or a stage has more than
  // kMaxDropReasons drop reasons: the counter blocks are fixed arrays of those sizes.
  Pipeline(std::vector<std::unique_ptr<Stage>> stages, const Runtime& rt, uint16_t worker);

  // Runs the stages over 'burst' and the egress over the rest; sets ctx.out to this egress.
  // Stage cycles are measured on one burst in this many (as Open vSwitch's PMD performance
  // metrics are off unless asked for: two TSC reads per stage per burst cost ~2 cycles/pkt).
  static constexpr uint32_t kTimedBurstEvery = 8;
  void run(StageContext& ctx, Burst& burst) noexcept;

  std::span<const std::unique_ptr<Stage>> stages() const noexcept { return stages_; }
  // For frames that do not come from a burst (PACKET_OUT): list them, then egress().finish().
  Egress& egress() noexcept { return *egress_; }

 private:
  void drop_and_compact(StageContext& ctx, size_t stage, Burst& burst,
                        const Verdicts& v) noexcept;

  std::vector<std::unique_ptr<Stage>> stages_;
  std::array<uint8_t, kMaxStages> n_reasons_{};  // stages_[s]->drop_reason_names().size()
  uint32_t bursts_ = 0;  // bursts run, for timing one in kTimedBurstEvery
  HugeUnique<Egress> egress_;  // big (transmit buffers): apart, so Pipeline moves (huge.h)
};

}  // namespace sluice::dp
