#include "dataplane/learning.h"

#include <algorithm>

#include "dataplane/mac_table.h"
#include "dataplane/tables.h"

namespace sluice::dp {

uint32_t apply_learn_requests(LearnQueue& queue, MacTable& macs, const Tables& live, uint32_t now,
                              uint32_t limit) noexcept {
  constexpr uint32_t kBatch = 256;
  LearnRequest reqs[kBatch];
  uint32_t taken = 0;
  while (taken < limit) {
    const uint32_t n = queue.pop(reqs, std::min(kBatch, limit - taken));
    if (n == 0) break;
    taken += n;
    for (uint32_t i = 0; i < n; ++i) {
      if (reqs[i].slot >= kMaxPorts || live.egress_of(reqs[i].slot, key_bd(reqs[i].key)) == kEgressNone) {
        continue;
      }
      macs.learn(reqs[i].key, reqs[i].slot, now);
    }
  }
  return taken;
}

}  // namespace sluice::dp
