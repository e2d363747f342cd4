// The dataplane's unit of work: a stage over a burst. One virtual call per burst, never per
// packet. A stage decides (a verdict per packet: pass, or drop with a reason, or kConsumed when
// it wrote the packet's outputs to the egress list itself); the pipeline moves, counts and frees
// dropped packets, and the egress (egress.h) sends. A stage never sends or frees a packet and
// never calls another.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/burst.h"
#include "dataplane/counters.h"

namespace sluice::dp {

struct Tables;
class Egress;

// What changes per burst, built by the worker for each one. What a stage keeps or shares (the
// MAC table, its queues, a network function's tables) it gets at construction, from the
// Runtime (runtime.h).
struct StageContext {
  uint16_t worker = 0;
  uint32_t now = 0;                // coarse seconds (for MAC aging timestamps)
  const Tables* tables = nullptr;  // the published version, stable for this burst
  WorkerCounters* counters = nullptr;
  const std::atomic<uint8_t>* link_state = nullptr;  // per port slot, written by the control lcore
  Egress* out = nullptr;  // the output list, for stages that decide outputs themselves (openflow)

  bool link_up(uint16_t slot) const noexcept {
    return link_state[slot].load(std::memory_order_relaxed) != 0;
  }
};

// A verdict meaning "the stage listed the packet's fate on ctx.out" (outputs, a drop, or its
// retirement after its copies left): the pipeline removes it from the burst without freeing or
// counting it; the egress does both.
inline constexpr uint8_t kConsumed = 0xff;

class Stage {
 public:
  virtual ~Stage() = default;
  // Whether the stage has work with this version of the tables (asked once per burst); the
  // pipeline skips it, counters and all, when not.
  virtual bool active(const Tables&) const noexcept { return true; }
  virtual std::string_view name() const noexcept = 0;
  // Index 0 is "none" (pass); a verdict of i drops the packet with reason names[i].
  virtual std::span<const char* const> drop_reason_names() const noexcept = 0;
  // Sets a verdict for every packet in 'burst'.
  virtual void process(StageContext& ctx, Burst& burst, Verdicts& out) noexcept = 0;
};

}  // namespace sluice::dp
