// MacCache: one worker's cache of MacTable positions, in front of the shared rte_hash (the idea
// of Open vSwitch's exact-match cache, applied to MAC entries).
//
// 4096 sets of 4 ways, one cache line per set. A hit costs the hash, one cache-line read here
// and one in MacTable's entry array; a miss falls back to one bulk rte_hash lookup for all of a
// burst's misses and fills the cache. A hit is trusted only if the entry still holds the key
// (MacEntry::key), so learned moves (same position), deletions (key cleared before the position
// is released) and reuse of a position for another MAC (different key) need no invalidation.
// Misses are not cached: an unknown destination is looked up again next time, so it is found as
// soon as it is learned. A fill goes to the front of its set and pushes the oldest way out, so
// a set thrashes only when more than four of the addresses in use share it.
//
// The set is a mixing hash of the key (multiply by a random odd number drawn when the cache is
// made, fold, multiply again): which addresses share a set differs from start to start and from
// worker to worker, and runs of consecutive addresses spread as well as random ones do. (A
// single multiply, the earlier design, maps consecutive keys either almost perfectly or, for
// some multipliers, into a few slots: one start in four of `bench/run l2` missed 60% of its
// lookups and spent twice the cycles in the l2 stage.)
// A position from the shared table (the miss path) is trusted only once its entry holds the key
// too: between rte_hash_add_key() and the entry's publication, the position's entry may still
// describe its previous occupant (see MacTable::learn()).
// Single-threaded: one per worker, owned by that worker's L2Stage (and its openflow stage).
#pragma once

#include <array>
#include <cstdint>

#include "dataplane/huge.h"
#include "dataplane/mac_table.h"

namespace sluice::dp {

class MacCache {
 public:
  static constexpr uint32_t kWays = 4;
  static constexpr uint32_t kSets = 4096;
  static constexpr uint32_t kSlots = kWays * kSets;

  MacCache() : multiplier_(random_u64() | 1), sets_(make_huge<std::array<Set, kSets>>()) {}
  uint64_t multiplier() const noexcept { return multiplier_; }
  // The set 'key' lives in (for tests).
  uint32_t set_of(uint64_t key) const noexcept {
    uint64_t h = key * multiplier_;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;  // an odd constant with well-mixed bits (splitmix64's)
    return static_cast<uint32_t>(h >> 52);  // 12 bits
  }
  static_assert(kSets == 1u << 12);

  // positions[i] as MacTable::lookup_bulk would give them. n <= 64. Returns how many keys
  // missed the cache.
  uint32_t lookup(const MacTable& table, const uint64_t* keys, uint32_t n,
                  int32_t* positions) noexcept {
    // Three passes, so the burst's cache misses overlap instead of queueing one behind the
    // other: the sets are fetched, then the entries they name, then both are compared.
    uint32_t at[64];
    for (uint32_t i = 0; i < n; ++i) {
      at[i] = set_of(keys[i]);
      __builtin_prefetch(&(*sets_)[at[i]]);
    }
    int32_t cached[64];
    for (uint32_t i = 0; i < n; ++i) {
      cached[i] = (*sets_)[at[i]].find(keys[i]);
      if (cached[i] >= 0) __builtin_prefetch(&table.entry(cached[i]));
    }
    uint64_t miss_keys[64];
    uint8_t miss_at[64];
    uint32_t misses = 0;
    for (uint32_t i = 0; i < n; ++i) {
      if (cached[i] >= 0 &&
          table.entry(cached[i]).key.load(std::memory_order_acquire) == keys[i]) {
        positions[i] = cached[i];
        continue;
      }
      miss_keys[misses] = keys[i];
      miss_at[misses++] = static_cast<uint8_t>(i);
    }
    if (misses == 0) return 0;
    int32_t found[64];
    table.lookup_bulk(miss_keys, misses, found);
    for (uint32_t j = 0; j < misses; ++j) {
      if (found[j] >= 0 &&
          table.entry(found[j]).key.load(std::memory_order_acquire) != miss_keys[j]) {
        found[j] = -1;  // not published yet (or being deleted): a miss for now
      }
      positions[miss_at[j]] = found[j];
      if (found[j] >= 0) (*sets_)[set_of(miss_keys[j])].fill(miss_keys[j], found[j]);
    }
    return misses;
  }

 private:
  struct alignas(64) Set {
    std::array<uint64_t, kWays> keys{kNoMacKey, kNoMacKey, kNoMacKey, kNoMacKey};
    std::array<int32_t, kWays> pos{};

    int32_t find(uint64_t key) const noexcept {
      for (uint32_t w = 0; w < kWays; ++w) {
        if (keys[w] == key) return pos[w];
      }
      return -1;
    }
    // The key to the front; the way it held (or the oldest) is dropped.
    void fill(uint64_t key, int32_t p) noexcept {
      uint32_t w = 0;
      while (w + 1 < kWays && keys[w] != key) ++w;
      for (; w > 0; --w) {
        keys[w] = keys[w - 1];
        pos[w] = pos[w - 1];
      }
      keys[0] = key;
      pos[0] = p;
    }
  };
  static_assert(sizeof(Set) == 64);

  uint64_t multiplier_;
  HugeUnique<std::array<Set, kSets>> sets_;  // 256 KB, in hugepage memory (huge.h)
};

}  // namespace sluice::dp
