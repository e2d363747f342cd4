// Classifier: one OpenFlow table compiled for lookup. Rules are grouped by mask into tuples
// (tuple space search, as Open vSwitch's dpcls does); each tuple is an open-addressing hash
// of masked keys that hashes and compares only the words its mask touches. Tuples are tried in
// descending order of their best priority, and the search stops as soon as no remaining tuple
// can beat the best match so far. A table whose rules share one mask is a single exact-match
// hash; an empty table is a miss without a probe.
//
// Bulk lookup: lookup_batch() takes a burst's keys and walks the tuples once for all of them,
// hashing every key first and prefetching its slots, then probing; a key that already holds a
// match no later tuple can beat drops out.
//
// Immutable once built, and persistent: updated() makes a new classifier from an old one and a
// change (rules out, rules in) that shares every part the change does not touch. A tuple is
// split into shards by hash, each a separately owned hash; a change copies only the shards it
// lands in, so adding one rule to a table of 100,000 costs a few hundred entries, not the
// table. Workers read any version concurrently without synchronisation (it is published inside
// Tables); shards and payloads are freed when the last version holding them goes.
// Std C++ only.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dataplane/flow_key.h"

namespace sluice::dp {

struct ClassifierRule {
  MaskedKey match;
  uint16_t priority = 0;
  // What lookup() answers. Also the rule's identity: unique within one classifier.
  uint32_t action = 0;
  // What lookup_batch() answers besides the action (the compiled flow); kept alive while a
  // version holds the rule. May be empty.
  std::shared_ptr<const void> payload;
};

// A rule to take out of a classifier: its match and its action.
struct ClassifierRemoval {
  MaskedKey match;
  uint32_t action = 0;
};

class Classifier {
 public:
  static constexpr uint32_t kMiss = 0xffffffff;

  struct Hit {
    uint32_t action = kMiss;
    const void* payload = nullptr;
  };

  Classifier() = default;
  // Among rules with equal priority and equal match, the first one wins.
  explicit Classifier(std::span<const ClassifierRule> rules);

  // This classifier without 'removals' (a removal that names no rule is ignored) and with
  // 'additions' (which win equal-priority ties with the rules already here only when they come
  // first in shard order, as OpenFlow leaves such overlaps undefined). Shares every shard the
  // change does not touch.
  Classifier updated(std::span<const ClassifierRemoval> removals,
                     std::span<const ClassifierRule> additions) const;

  // The 'action' of the highest-priority rule matching 'key', or kMiss.
  uint32_t lookup(const FlowKey& key) const noexcept;
  // out[i] = the best rule for *keys[i] (action kMiss, payload nullptr when none); n ≤ 64.
  void lookup_batch(const FlowKey* const* keys, uint32_t n, Hit* out) const noexcept;

  bool empty() const noexcept { return tuples_.empty(); }
  size_t tuple_count() const noexcept { return tuples_.size(); }
  // Rules held, including ones a higher-priority rule with the same match hides (they show
  // again if that rule is removed).
  size_t rule_count() const noexcept { return rules_; }
  // Shards the tuples are split into (for tests of what an update shares).
  size_t shard_count() const noexcept;
  // How many of this classifier's shards 'other' holds too (the same object, not a copy).
  size_t shared_shards(const Classifier& other) const noexcept;

  static constexpr uint32_t kMaxBatch = 64;

 private:
  // A rule while a change is worked out: every word of its masked value (a shard keeps it as a
  // HotEntry plus, for masks of more than kHotWords words, the cold words).
  struct Entry {
    uint64_t words[FlowKey::kWords];  // the masked value's words, in the tuple's word order
    uint32_t action;
    uint16_t priority;
    const void* payload;
  };
  // The same rule as lookups read it: one cache line. Words past the sixth (a mask touching
  // seven or eight words of the key) live beside, in Shard::cold.
  static constexpr unsigned kHotWords = 6;
  static constexpr unsigned kColdWords = FlowKey::kWords - kHotWords;
  struct alignas(64) HotEntry {
    const void* payload;
    uint32_t action;
    uint16_t priority;
    uint64_t words[kHotWords];
  };
  static_assert(sizeof(HotEntry) == 64);
  // One slot of a shard's hash: the top 32 bits of the key's hash and 1 + the index of the
  // best entry with that value (0 = empty).
  struct Shard {
    std::vector<uint64_t> slots;
    std::vector<HotEntry> hot;    // every rule in the shard, hidden ones included
    std::vector<uint64_t> cold;   // kColdWords per entry of hot, for tuples past kHotWords
    std::vector<std::shared_ptr<const void>> owners;  // payloads, parallel to hot
    uint32_t slot_mask = 0;
    uint16_t max_priority = 0;
  };
  // What a lookup needs of a shard, without going through the Shard.
  struct ShardView {
    const uint64_t* slots;
    const HotEntry* hot;
    const uint64_t* cold;
    uint32_t slot_mask;
  };
  struct Tuple {
    FlowKey mask;
    uint16_t max_priority = 0;
    uint8_t n_words = 0;
    uint8_t words[FlowKey::kWords] = {};  // indices of the words the mask touches
    uint8_t shard_bits = 0;               // shards.size() == 1 << shard_bits
    size_t rules = 0;
    std::vector<std::shared_ptr<const Shard>> shards;
    std::vector<ShardView> shard_view;  // the same, for the fast path
  };

  static Tuple make_tuple(const FlowKey& mask);
  static uint64_t hash_words(const Tuple& t, const uint64_t* compact) noexcept;
  static size_t shard_of(const Tuple& t, uint64_t hash) noexcept;
  static void compact(const Tuple& t, const FlowKey& value, uint64_t* out) noexcept;
  // Builds a shard's hash from its entries.
  static std::shared_ptr<const Shard> build_shard(const Tuple& t, std::vector<Entry> entries,
                                                  std::vector<std::shared_ptr<const void>> owners);
  // Spreads 'entries' over 1 << bits shards of 't'.
  static void fill_tuple(Tuple& t, uint8_t bits, std::vector<Entry> entries,
                         std::vector<std::shared_ptr<const void>> owners);
  static uint8_t bits_for(size_t rules) noexcept;
  // A shard's rules as Entries again.
  static std::vector<Entry> entries_of(const Tuple& t, const Shard& s);
  template <unsigned N>
  static bool search_tuple(const Tuple& t, const FlowKey* const* keys, uint32_t n, int32_t* best,
                           Hit* out) noexcept;
  void finish();  // sorts tuples, counts rules

  std::vector<Tuple> tuples_;
  size_t rules_ = 0;
};

}  // namespace sluice::dp
