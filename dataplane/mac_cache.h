// MacCache: one worker's direct-mapped cache of MacTable positions, in front of the shared
// rte_hash (the idea of Open vSwitch's exact-match cache, applied to MAC entries).
//
// A hit costs one multiply, one cache-line read here and one in MacTable's entry array; a miss
// falls back to one bulk rte_hash lookup for all of a burst's misses and fills the cache. A hit
// is trusted only if the entry still holds the key (MacEntry::key), so learned moves (same
// position), deletions (key cleared before the position is released) and reuse of a position
// for another MAC (different key) need no invalidation. Misses are not cached: an unknown
// destination is looked up again next time, so it is found as soon as it is learned.
// The slot index is a multiplicative hash with a random odd multiplier drawn when the cache is
// made, so which addresses share a slot differs from start to start and from worker to worker.
// A position from the shared table (the miss path) is trusted only once its entry holds the key
// too: between rte_hash_add_key() and the entry's publication, the position's entry may still
// describe its previous occupant (see MacTable::learn()).
// Single-threaded: one per worker, owned by that worker's L2Stage.
#pragma once

#include <array>
#include <cstdint>

#include "dataplane/mac_table.h"

namespace sluice::dp {

class MacCache {
 public:
  static constexpr uint32_t kSlots = 16384;

  MacCache() : multiplier_(random_u64() | 1) {}
  uint64_t multiplier() const noexcept { return multiplier_; }

  // positions[i] as MacTable::lookup_bulk would give them. n <= 64.
  void lookup(const MacTable& table, const uint64_t* keys, uint32_t n,
              int32_t* positions) noexcept {
    // Three passes, so the burst's cache misses overlap instead of queueing one behind the
    // other: the slots are fetched, then the entries they name, then both are compared.
    uint32_t at[64];
    for (uint32_t i = 0; i < n; ++i) {
      at[i] = index(keys[i]);
      __builtin_prefetch(&slots_[at[i]]);
    }
    for (uint32_t i = 0; i < n; ++i) __builtin_prefetch(&table.entry(slots_[at[i]].pos));
    uint64_t miss_keys[64];
    uint8_t miss_at[64];
    uint32_t misses = 0;
    for (uint32_t i = 0; i < n; ++i) {
      const Slot& s = slots_[at[i]];
      if (s.key == keys[i] && table.entry(s.pos).key.load(std::memory_order_acquire) == keys[i]) {
        positions[i] = s.pos;
        continue;
      }
      miss_keys[misses] = keys[i];
      miss_at[misses++] = static_cast<uint8_t>(i);
    }
    if (misses == 0) return;
    int32_t found[64];
    table.lookup_bulk(miss_keys, misses, found);
    for (uint32_t j = 0; j < misses; ++j) {
      if (found[j] >= 0 &&
          table.entry(found[j]).key.load(std::memory_order_acquire) != miss_keys[j]) {
        found[j] = -1;  // not published yet (or being deleted): a miss for now
      }
      positions[miss_at[j]] = found[j];
      if (found[j] >= 0) slots_[index(miss_keys[j])] = Slot{miss_keys[j], found[j]};
    }
  }

 private:
  struct Slot {
    uint64_t key = kNoMacKey;
    int32_t pos = 0;
  };
  uint32_t index(uint64_t key) const noexcept {
    return static_cast<uint32_t>((key * multiplier_) >> 50);  // 14 bits
  }
  static_assert(kSlots == 1u << 14);

  uint64_t multiplier_;
  std::array<Slot, kSlots> slots_{};
};

}  // namespace sluice::dp
