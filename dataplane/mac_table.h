// MacTable: learned and static MAC addresses per bridge domain.
//
// Key: (bridge domain << 48) | MAC (as a 48-bit big-endian number). Backed by an rte_hash with
// lock-free readers (RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF): workers look up in bulk and
// refresh 'last_seen' on their own; only the control lcore writes (learn, move, static add and
// remove, aging, flushes). Per-key state lives in 'entries', indexed by the key's position in
// the hash, so a lookup needs no data pointer. Deleted positions are released only after every
// worker has passed a quiescent point (rte_rcu_qsbr), so a worker never reads a reused entry.
//
// Fairness between tenants: every port has a learned-MAC limit (a non-zero default until the
// controller sets another; 0 = none), and every bridge domain a cap on learned entries, so one
// guest flooding source MACs can neither fill the table nor push out another VLAN's entries.
// The hash is keyed with a random seed drawn at each start (MacCache too), so a guest cannot
// craft addresses that collide in one bucket.
//
// Time is passed in by the caller (seconds on any monotonic scale), so tests inject a clock.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/burst.h"
#include "dataplane/counters.h"
#include "dataplane/tables.h"
#include "openflow/result.h"

struct rte_hash;
struct rte_rcu_qsbr;

namespace sluice::dp {

inline uint64_t mac_key(uint16_t bd, const uint8_t* mac) noexcept {
  uint64_t k = static_cast<uint64_t>(bd & 0xfff) << 48;
  for (int i = 0; i < 6; ++i) k |= static_cast<uint64_t>(mac[i]) << (8 * (5 - i));
  return k;
}
inline uint16_t key_bd(uint64_t key) noexcept { return static_cast<uint16_t>(key >> 48); }
// Seconds from 'seen' to 'now'; 0 when a worker stamped 'seen' after the caller read 'now'.
inline uint32_t seconds_since(uint32_t seen, uint32_t now) noexcept {
  return static_cast<int32_t>(now - seen) > 0 ? now - seen : 0;
}

// 64 random bits from the kernel, for hash seeds drawn at start-up (never per packet).
uint64_t random_u64();

inline constexpr uint64_t kNoMacKey = ~uint64_t{0};  // never a real key (bd < 4096)

struct MacEntry {
  // The key this entry holds, or kNoMacKey while it is free or being deleted. Workers' caches
  // check it to tell a live entry from a reused or deleted position.
  std::atomic<uint64_t> key{kNoMacKey};
  std::atomic<uint16_t> slot{kNoSlot};
  std::atomic<uint32_t> flow{kNoFlowCounter};  // a static entry's flow counter
  std::atomic<uint8_t> is_static{0};
  std::atomic<uint32_t> last_seen{0};
};

// Learning limits, fixed at creation (per-port limits change with PORT_SET).
struct MacLimits {
  uint32_t per_port = 4096;  // learned MACs a new port may hold; 0 = no limit
  uint32_t per_vlan = 0;     // learned MACs per bridge domain; 0 = a quarter of the capacity
};

enum class LearnOutcome : uint8_t {
  kLearned,         // new entry
  kRefreshed,       // already known on this port
  kMoved,           // known on another port; now on this one
  kStaticConflict,  // a static entry holds this MAC on another port; not changed
  kLimit,           // the port has reached its MAC limit
  kVlanLimit,       // the bridge domain has reached its cap of learned MACs
  kFull,            // the table is full
};

class MacTable {
 public:
  // Written by the control lcore, read by the exporter.
  struct Stats {
    std::atomic<uint64_t> learned{0}, moved{0}, aged{0}, flushed{0};
    std::atomic<uint64_t> static_conflicts{0}, limit_refused{0}, table_full{0};
    std::atomic<uint64_t> vlan_limit_refused{0};
  };

  // 'qsv' may be null when no worker runs concurrently (tests).
  static Result<std::unique_ptr<MacTable>> create(const std::string& name, uint32_t capacity,
                                                  rte_rcu_qsbr* qsv, MacLimits limits = {});
  ~MacTable();
  MacTable(const MacTable&) = delete;
  MacTable& operator=(const MacTable&) = delete;

  // ---- Readers (any thread) ----
  // positions[i] >= 0 for a hit (index into entry()), negative for a miss. n <= 64.
  // (Workers use MacCache, which calls this for what it does not hold.)
  void lookup_bulk(const uint64_t* keys, uint32_t n, int32_t* positions) const noexcept;
  const MacEntry& entry(int32_t pos) const noexcept { return entries_[static_cast<size_t>(pos)]; }
  MacEntry& entry(int32_t pos) noexcept { return entries_[static_cast<size_t>(pos)]; }
  // True if 'slot' may not learn another MAC.
  bool at_limit(uint16_t slot) const noexcept {
    uint32_t limit = limit_[slot].load(std::memory_order_relaxed);
    return limit != 0 && learned_on_port_[slot].load(std::memory_order_relaxed) >= limit;
  }
  // True if bridge domain 'bd' may not learn another MAC.
  bool vlan_at_limit(uint16_t bd) const noexcept {
    return learned_in_bd_[bd & 0xfff].load(std::memory_order_relaxed) >= vlan_limit_;
  }

  // ---- Writer (control lcore only) ----
  LearnOutcome learn(uint64_t key, uint16_t slot, uint32_t now);
  // Installs or replaces a static entry; a learned entry for the key becomes static.
  Result<void> add_static(uint64_t key, uint16_t slot, uint32_t flow);
  void remove_static(uint64_t key);
  // Removes learned entries not seen for 'aging_seconds'. Returns how many.
  size_t age(uint32_t now, uint32_t aging_seconds);
  // Removes learned entries on a port (port removed or reconfigured).
  size_t flush_port(uint16_t slot);
  // Removes learned entries for which stale(bd, slot) is true (after a table change).
  size_t flush_if(const std::function<bool(uint16_t bd, uint16_t slot)>& stale);
  void set_limit(uint16_t slot, uint32_t limit) noexcept {
    limit_[slot].store(limit, std::memory_order_relaxed);
  }
  uint32_t limit(uint16_t slot) const noexcept { return limit_[slot].load(std::memory_order_relaxed); }
  uint32_t default_port_limit() const noexcept { return default_port_limit_; }
  uint32_t vlan_limit() const noexcept { return vlan_limit_; }
  // The hash key drawn at creation (differs from start to start).
  uint32_t hash_seed() const noexcept { return seed_; }

  // Test hook: puts 'key' into the hash without writing its entry, the state a worker can see
  // between rte_hash_add_key() and the entry's publication in learn(). Returns the position.
  int32_t add_key_only_for_test(uint64_t key);

  uint32_t size() const noexcept { return count_; }
  uint32_t capacity() const noexcept { return capacity_; }
  uint32_t learned_in_bd(uint16_t bd) const noexcept {
    return learned_in_bd_[bd & 0xfff].load(std::memory_order_relaxed);
  }
  uint32_t learned_on_port(uint16_t slot) const noexcept {
    return learned_on_port_[slot].load(std::memory_order_relaxed);
  }
  // Entries (learned + static) per bridge domain, for metrics.
  uint32_t entries_in_bd(uint16_t bd) const noexcept {
    return per_bd_[bd & 0xfff].load(std::memory_order_relaxed);
  }
  const Stats& stats() const noexcept { return stats_; }

 private:
  MacTable(rte_hash* h, uint32_t capacity, rte_rcu_qsbr* qsv, MacLimits limits, uint32_t seed);
  // Deletes the keys and releases their positions after a grace period.
  void remove_keys(const std::vector<uint64_t>& keys);
  void account(uint64_t key, uint16_t slot, bool is_static, int delta);

  rte_hash* hash_;
  uint32_t capacity_;
  rte_rcu_qsbr* qsv_;
  uint32_t count_ = 0;
  std::unique_ptr<MacEntry[]> entries_;
  std::array<std::atomic<uint32_t>, kMaxPorts> learned_on_port_{};
  std::array<std::atomic<uint32_t>, kMaxPorts> limit_{};
  std::array<std::atomic<uint32_t>, kVlanCount> per_bd_{};
  std::array<std::atomic<uint32_t>, kVlanCount> learned_in_bd_{};
  uint32_t default_port_limit_;
  uint32_t vlan_limit_;
  uint32_t seed_;
  Stats stats_;
};

}  // namespace sluice::dp
