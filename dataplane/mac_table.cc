#include "dataplane/mac_table.h"

#include <sys/random.h>

#include <algorithm>
#include <cstring>
#include <random>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_rcu_qsbr.h>

namespace sluice::dp {
namespace {

// The table's hash: a bijective 64-bit mix (MurmurHash3's finaliser) of the key XORed with a
// spread of the seed. Unlike CRC32 — affine, so its collisions do not depend on the seed — a
// different seed scatters the keys differently, and without the seed a guest cannot aim
// addresses at one bucket.
uint32_t keyed_hash(const void* key, uint32_t /*key_len: always 8*/, uint32_t seed) {
  uint64_t k;
  std::memcpy(&k, key, sizeof k);
  k ^= (uint64_t{seed} << 32 | seed) * 0x9e3779b97f4a7c15ULL;
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return static_cast<uint32_t>(k);
}

}  // namespace

uint64_t random_u64() {
  uint64_t v = 0;
  if (::getrandom(&v, sizeof v, 0) != static_cast<ssize_t>(sizeof v)) {
    v = std::random_device{}();
    v = v << 32 ^ std::random_device{}();
  }
  return v;
}

Result<std::unique_ptr<MacTable>> MacTable::create(const std::string& name, uint32_t capacity,
                                                   rte_rcu_qsbr* qsv, MacLimits limits) {
  const uint32_t seed = static_cast<uint32_t>(random_u64());
  rte_hash_parameters params{};
  params.name = name.c_str();
  params.entries = capacity;
  params.key_len = sizeof(uint64_t);
  params.hash_func = keyed_hash;
  params.hash_func_init_val = seed;
  params.socket_id = SOCKET_ID_ANY;
  params.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
  rte_hash* h = rte_hash_create(&params);
  if (h == nullptr) {
    return fail("cannot create MAC table '" + name + "' with " + std::to_string(capacity) +
                " entries: " + rte_strerror(rte_errno));
  }
  // rte_hash may round the size up; positions stay below this bound.
  uint32_t positions = static_cast<uint32_t>(rte_hash_max_key_id(h)) + 1;
  if (limits.per_vlan == 0) limits.per_vlan = std::max<uint32_t>(1, capacity / 4);
  return std::unique_ptr<MacTable>(new MacTable(h, positions, qsv, limits, seed));
}

MacTable::MacTable(rte_hash* h, uint32_t capacity, rte_rcu_qsbr* qsv, MacLimits limits,
                   uint32_t seed)
    : hash_(h),
      capacity_(capacity),
      qsv_(qsv),
      entries_(new MacEntry[capacity]),
      default_port_limit_(limits.per_port),
      vlan_limit_(limits.per_vlan),
      seed_(seed) {
  for (auto& l : limit_) l.store(limits.per_port, std::memory_order_relaxed);
}

int32_t MacTable::add_key_only_for_test(uint64_t key) { return rte_hash_add_key(hash_, &key); }

MacTable::~MacTable() { rte_hash_free(hash_); }

void MacTable::lookup_bulk(const uint64_t* keys, uint32_t n, int32_t* positions) const noexcept {
  const void* ptrs[64];
  for (uint32_t i = 0; i < n; ++i) ptrs[i] = &keys[i];
  rte_hash_lookup_bulk(hash_, ptrs, n, positions);
}

void MacTable::account(uint64_t key, uint16_t slot, bool is_static, int delta) {
  count_ += static_cast<uint32_t>(delta);
  auto& bd = per_bd_[key_bd(key)];
  bd.store(bd.load(std::memory_order_relaxed) + static_cast<uint32_t>(delta),
           std::memory_order_relaxed);
  if (!is_static) {
    auto& v = learned_in_bd_[key_bd(key)];
    v.store(v.load(std::memory_order_relaxed) + static_cast<uint32_t>(delta),
            std::memory_order_relaxed);
  }
  if (!is_static && slot < kMaxPorts) {
    auto& p = learned_on_port_[slot];
    p.store(p.load(std::memory_order_relaxed) + static_cast<uint32_t>(delta),
            std::memory_order_relaxed);
  }
}

LearnOutcome MacTable::learn(uint64_t key, uint16_t slot, uint32_t now) {
  int32_t pos = rte_hash_lookup(hash_, &key);
  if (pos >= 0) {
    MacEntry& e = entries_[static_cast<size_t>(pos)];
    uint16_t old = e.slot.load(std::memory_order_relaxed);
    if (old == slot) {
      e.last_seen.store(now, std::memory_order_relaxed);
      return LearnOutcome::kRefreshed;
    }
    if (e.is_static.load(std::memory_order_relaxed)) {
      stats_.static_conflicts.fetch_add(1, std::memory_order_relaxed);
      return LearnOutcome::kStaticConflict;
    }
    if (at_limit(slot)) {
      stats_.limit_refused.fetch_add(1, std::memory_order_relaxed);
      return LearnOutcome::kLimit;
    }
    account(key, old, false, -1);
    account(key, slot, false, +1);
    e.last_seen.store(now, std::memory_order_relaxed);
    e.slot.store(slot, std::memory_order_release);
    stats_.moved.fetch_add(1, std::memory_order_relaxed);
    return LearnOutcome::kMoved;
  }
  if (at_limit(slot)) {
    stats_.limit_refused.fetch_add(1, std::memory_order_relaxed);
    return LearnOutcome::kLimit;
  }
  if (vlan_at_limit(key_bd(key))) {
    stats_.vlan_limit_refused.fetch_add(1, std::memory_order_relaxed);
    return LearnOutcome::kVlanLimit;
  }
  pos = rte_hash_add_key(hash_, &key);
  if (pos < 0) {
    stats_.table_full.fetch_add(1, std::memory_order_relaxed);
    return LearnOutcome::kFull;
  }
  MacEntry& e = entries_[static_cast<size_t>(pos)];
  e.is_static.store(0, std::memory_order_relaxed);
  e.flow.store(kNoFlowCounter, std::memory_order_relaxed);
  e.last_seen.store(now, std::memory_order_relaxed);
  e.slot.store(slot, std::memory_order_relaxed);
  e.key.store(key, std::memory_order_release);
  account(key, slot, false, +1);
  stats_.learned.fetch_add(1, std::memory_order_relaxed);
  return LearnOutcome::kLearned;
}

Result<void> MacTable::add_static(uint64_t key, uint16_t slot, uint32_t flow) {
  int32_t pos = rte_hash_lookup(hash_, &key);
  if (pos >= 0) {
    MacEntry& e = entries_[static_cast<size_t>(pos)];
    bool was_static = e.is_static.load(std::memory_order_relaxed) != 0;
    account(key, e.slot.load(std::memory_order_relaxed), was_static, -1);
  } else {
    pos = rte_hash_add_key(hash_, &key);
    if (pos < 0) return fail("MAC table is full");
  }
  MacEntry& e = entries_[static_cast<size_t>(pos)];
  e.flow.store(flow, std::memory_order_relaxed);
  e.is_static.store(1, std::memory_order_relaxed);
  e.slot.store(slot, std::memory_order_relaxed);
  e.key.store(key, std::memory_order_release);
  account(key, slot, true, +1);
  return {};
}

void MacTable::remove_static(uint64_t key) {
  int32_t pos = rte_hash_lookup(hash_, &key);
  if (pos < 0 || !entries_[static_cast<size_t>(pos)].is_static.load()) return;
  remove_keys({key});
}

void MacTable::remove_keys(const std::vector<uint64_t>& keys) {
  if (keys.empty()) return;
  std::vector<int32_t> released;
  released.reserve(keys.size());
  for (uint64_t key : keys) {
    int32_t pos = rte_hash_del_key(hash_, &key);
    if (pos < 0) continue;
    MacEntry& e = entries_[static_cast<size_t>(pos)];
    e.key.store(kNoMacKey, std::memory_order_release);  // workers' caches stop using it now
    account(key, e.slot.load(std::memory_order_relaxed), e.is_static.load() != 0, -1);
    released.push_back(pos);
  }
  // With RW_CONCURRENCY_LF the position stays reserved until we free it: wait until no worker
  // can still hold it from a lookup, then hand it back to the hash.
  if (qsv_ != nullptr) rte_rcu_qsbr_synchronize(qsv_, RTE_QSBR_THRID_INVALID);
  for (int32_t pos : released) rte_hash_free_key_with_position(hash_, pos);
}

namespace {
template <class Pred>
std::vector<uint64_t> select_keys(rte_hash* h, const MacEntry* entries, Pred pred) {
  std::vector<uint64_t> keys;
  const void* key = nullptr;
  void* data = nullptr;
  uint32_t next = 0;
  int32_t pos;
  while ((pos = rte_hash_iterate(h, &key, &data, &next)) >= 0) {
    uint64_t k = *static_cast<const uint64_t*>(key);
    if (pred(k, entries[pos])) keys.push_back(k);
  }
  return keys;
}
}  // namespace

size_t MacTable::age(uint32_t now, uint32_t aging_seconds) {
  auto keys = select_keys(hash_, entries_.get(), [&](uint64_t, const MacEntry& e) {
    return !e.is_static.load(std::memory_order_relaxed) &&
           seconds_since(e.last_seen.load(std::memory_order_relaxed), now) >= aging_seconds;
  });
  remove_keys(keys);
  stats_.aged.fetch_add(keys.size(), std::memory_order_relaxed);
  return keys.size();
}

size_t MacTable::flush_port(uint16_t slot) {
  return flush_if([slot](uint16_t, uint16_t s) { return s == slot; });
}

size_t MacTable::flush_if(const std::function<bool(uint16_t bd, uint16_t slot)>& stale) {
  auto keys = select_keys(hash_, entries_.get(), [&](uint64_t k, const MacEntry& e) {
    return !e.is_static.load(std::memory_order_relaxed) &&
           stale(key_bd(k), e.slot.load(std::memory_order_relaxed));
  });
  remove_keys(keys);
  stats_.flushed.fetch_add(keys.size(), std::memory_order_relaxed);
  return keys.size();
}

}  // namespace sluice::dp
