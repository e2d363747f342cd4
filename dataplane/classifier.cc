#include "dataplane/classifier.h"

#include <algorithm>
#include <array>
#include <bit>
#include <map>

namespace sluice::dp {
namespace {

uint64_t mix(uint64_t h, uint64_t w) noexcept {
  h ^= w + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdULL;
}

}  // namespace

uint64_t Classifier::hash(const Tuple& t, const FlowKey& masked) const noexcept {
  uint64_t h = 0;
  const uint64_t* w = masked.words();
  for (uint8_t i = 0; i < t.n_words; ++i) h = mix(h, w[t.words[i]]);
  return h ^ (h >> 29);
}

Classifier::Classifier(std::span<const ClassifierRule> rules) {
  // Group rule indices by mask, keeping the rules' order inside each group.
  std::vector<std::vector<size_t>> groups;
  std::vector<FlowKey> masks;
  std::map<std::array<uint64_t, FlowKey::kWords>, size_t> by_mask;
  for (size_t i = 0; i < rules.size(); ++i) {
    std::array<uint64_t, FlowKey::kWords> words;
    std::copy_n(rules[i].match.mask.words(), FlowKey::kWords, words.begin());
    auto [it, added] = by_mask.try_emplace(words, masks.size());
    if (added) {
      masks.push_back(rules[i].match.mask);
      groups.emplace_back();
    }
    groups[it->second].push_back(i);
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    Tuple t;
    t.mask = masks[g];
    for (uint8_t w = 0; w < FlowKey::kWords; ++w) {
      if (t.mask.words()[w] != 0) t.words[t.n_words++] = w;
    }
    const size_t capacity = std::bit_ceil(std::max<size_t>(8, groups[g].size() * 2));
    t.slots.assign(capacity, 0);
    t.slot_mask = static_cast<uint32_t>(capacity - 1);
    for (size_t i : groups[g]) {
      const ClassifierRule& r = rules[i];
      t.max_priority = std::max(t.max_priority, r.priority);
      uint64_t h = hash(t, r.match.value);
      for (uint32_t s = static_cast<uint32_t>(h) & t.slot_mask;; s = (s + 1) & t.slot_mask) {
        if (t.slots[s] == 0) {
          entries_.push_back(Entry{r.match.value, r.action, r.priority});
          t.slots[s] = static_cast<uint32_t>(entries_.size());
          break;
        }
        Entry& e = entries_[t.slots[s] - 1];
        if (e.value == r.match.value) {
          // Same match: the higher priority shadows the other entirely; on a tie the first stays.
          if (r.priority > e.priority) e = Entry{r.match.value, r.action, r.priority};
          break;
        }
      }
    }
    tuples_.push_back(std::move(t));
  }
  // (std::sort, not stable_sort: the latter's temporary buffer ignores FlowKey's alignment.)
  std::sort(tuples_.begin(), tuples_.end(),
                   [](const Tuple& a, const Tuple& b) { return a.max_priority > b.max_priority; });
}

uint32_t Classifier::lookup(const FlowKey& key) const noexcept {
  const Entry* best = nullptr;
  for (const Tuple& t : tuples_) {
    if (best != nullptr && t.max_priority <= best->priority) break;
    FlowKey masked;
    const uint64_t* k = key.words();
    const uint64_t* m = t.mask.words();
    uint64_t* out = masked.words();
    for (uint8_t i = 0; i < t.n_words; ++i) {
      const uint8_t w = t.words[i];
      out[w] = k[w] & m[w];
    }
    const uint64_t h = hash(t, masked);
    for (uint32_t s = static_cast<uint32_t>(h) & t.slot_mask;; s = (s + 1) & t.slot_mask) {
      const uint32_t slot = t.slots[s];
      if (slot == 0) break;
      const Entry& e = entries_[slot - 1];
      bool equal = true;
      for (uint8_t i = 0; i < t.n_words && equal; ++i) {
        equal = e.value.words()[t.words[i]] == out[t.words[i]];
      }
      if (equal) {
        if (best == nullptr || e.priority > best->priority) best = &e;
        break;
      }
    }
  }
  return best == nullptr ? kMiss : best->action;
}

}  // namespace sluice::dp
