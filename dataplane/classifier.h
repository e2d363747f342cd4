// Classifier: one OpenFlow table compiled for lookup. Rules are grouped by mask into tuples
// (tuple space search, as Open vSwitch's dpcls does); each tuple is an open-addressing hash
// of masked keys that hashes and compares only the words its mask touches. Tuples are tried in
// descending order of their best priority, and the search stops as soon as no remaining tuple
// can beat the best match so far. A table whose rules share one mask is a single exact-match
// hash; an empty table is a miss without a probe.
//
// Immutable once built: workers read it concurrently without synchronisation (it is published
// inside Tables). Std C++ only.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dataplane/flow_key.h"

namespace sluice::dp {

struct ClassifierRule {
  MaskedKey match;
  uint16_t priority = 0;
  uint32_t action = 0;  // what the caller wants back (an index into its compiled flows)
};

class Classifier {
 public:
  static constexpr uint32_t kMiss = 0xffffffff;

  Classifier() = default;
  // Among rules with equal priority and equal match, the first one wins.
  explicit Classifier(std::span<const ClassifierRule> rules);

  // The 'action' of the highest-priority rule matching 'key', or kMiss.
  uint32_t lookup(const FlowKey& key) const noexcept;

  bool empty() const noexcept { return tuples_.empty(); }
  size_t tuple_count() const noexcept { return tuples_.size(); }
  size_t rule_count() const noexcept { return entries_.size(); }

 private:
  struct Entry {
    FlowKey value;
    uint32_t action;
    uint16_t priority;
  };
  struct Tuple {
    FlowKey mask;
    uint16_t max_priority = 0;
    uint8_t n_words = 0;
    uint8_t words[FlowKey::kWords] = {};  // indices of the words the mask touches
    uint32_t slot_mask = 0;              // slots.size() - 1
    std::vector<uint32_t> slots;         // index into entries_ + 1, 0 = empty
  };

  uint64_t hash(const Tuple& t, const FlowKey& masked) const noexcept;

  std::vector<Tuple> tuples_;
  std::vector<Entry> entries_;
};

}  // namespace sluice::dp
