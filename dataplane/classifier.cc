#include "dataplane/classifier.h"

#include <algorithm>
#include <array>
#include <bit>
#include <map>

#if defined(__SSE4_2__)
#include <nmmintrin.h>
#endif

namespace sluice::dp {
namespace {

// A shard grows to about this many rules before its tuple is split into twice the shards.
constexpr size_t kShardRules = 512;
constexpr uint8_t kMaxShardBits = 12;

#if !defined(__SSE4_2__)
uint64_t mix(uint64_t h, uint64_t w) noexcept {
  h ^= w + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdULL;
}
#endif

using MaskWords = std::array<uint64_t, FlowKey::kWords>;

MaskWords mask_words(const FlowKey& mask) {
  MaskWords w;
  std::copy_n(mask.words(), FlowKey::kWords, w.begin());
  return w;
}

uint32_t slot_tag(uint64_t h) noexcept { return static_cast<uint32_t>(h >> 32); }

}  // namespace

uint64_t Classifier::hash_words(const Tuple& t, const uint64_t* compact) noexcept {
#if defined(__SSE4_2__)
  // CRC32C over the words (3 cycles each), spread over 64 bits by one multiply: the low bits
  // pick the slot, bits 20.. the shard, the top 32 are the slot's tag.
  uint64_t h = 0;
  for (uint8_t i = 0; i < t.n_words; ++i) h = _mm_crc32_u64(h, compact[i]);
  return (h | h << 32) * 0x9e3779b97f4a7c15ULL;
#else
  uint64_t h = 0;
  for (uint8_t i = 0; i < t.n_words; ++i) h = mix(h, compact[i]);
  return h ^ (h >> 29);
#endif
}

size_t Classifier::shard_of(const Tuple& t, uint64_t h) noexcept {
  return (h >> 20) & ((size_t{1} << t.shard_bits) - 1);
}

void Classifier::compact(const Tuple& t, const FlowKey& value, uint64_t* out) noexcept {
  const uint64_t* k = value.words();
  const uint64_t* m = t.mask.words();
  for (uint8_t i = 0; i < t.n_words; ++i) out[i] = k[t.words[i]] & m[t.words[i]];
}

Classifier::Tuple Classifier::make_tuple(const FlowKey& mask) {
  Tuple t;
  t.mask = mask;
  for (uint8_t w = 0; w < FlowKey::kWords; ++w) {
    if (mask.words()[w] != 0) t.words[t.n_words++] = w;
  }
  return t;
}

uint8_t Classifier::bits_for(size_t rules) noexcept {
  uint8_t b = 0;
  while (b < kMaxShardBits && rules > (kShardRules << b)) ++b;
  return b;
}

std::shared_ptr<const Classifier::Shard> Classifier::build_shard(
    const Tuple& t, std::vector<Entry> entries, std::vector<std::shared_ptr<const void>> owners) {
  auto s = std::make_shared<Shard>();
  const size_t capacity = std::bit_ceil(std::max<size_t>(8, entries.size() * 2));
  s->slots.assign(capacity, 0);
  s->slot_mask = static_cast<uint32_t>(capacity - 1);
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    s->max_priority = std::max(s->max_priority, e.priority);
    const uint64_t h = hash_words(t, e.words);
    for (uint32_t at = static_cast<uint32_t>(h) & s->slot_mask;; at = (at + 1) & s->slot_mask) {
      uint64_t& slot = s->slots[at];
      if (slot == 0) {
        slot = uint64_t{slot_tag(h)} << 32 | (i + 1);
        break;
      }
      if (static_cast<uint32_t>(slot >> 32) != slot_tag(h)) continue;
      const Entry& other = entries[static_cast<uint32_t>(slot) - 1];
      if (!std::equal(e.words, e.words + t.n_words, other.words)) continue;
      // Same match: the higher priority hides the other; on a tie the first stays.
      if (e.priority > other.priority) slot = uint64_t{slot_tag(h)} << 32 | (i + 1);
      break;
    }
  }
  s->hot.resize(entries.size());
  if (t.n_words > kHotWords) s->cold.resize(entries.size() * kColdWords);
  for (size_t i = 0; i < entries.size(); ++i) {
    HotEntry& h = s->hot[i];
    h.payload = entries[i].payload;
    h.action = entries[i].action;
    h.priority = entries[i].priority;
    std::copy_n(entries[i].words, kHotWords, h.words);
    if (t.n_words > kHotWords) {
      std::copy_n(entries[i].words + kHotWords, kColdWords, &s->cold[i * kColdWords]);
    }
  }
  s->owners = std::move(owners);
  return s;
}

std::vector<Classifier::Entry> Classifier::entries_of(const Tuple& t, const Shard& s) {
  std::vector<Entry> out(s.hot.size());
  for (size_t i = 0; i < out.size(); ++i) {
    const HotEntry& h = s.hot[i];
    out[i] = Entry{};
    std::copy_n(h.words, kHotWords, out[i].words);
    if (t.n_words > kHotWords) {
      std::copy_n(&s.cold[i * kColdWords], kColdWords, out[i].words + kHotWords);
    }
    out[i].action = h.action;
    out[i].priority = h.priority;
    out[i].payload = h.payload;
  }
  return out;
}

void Classifier::fill_tuple(Tuple& t, uint8_t bits, std::vector<Entry> entries,
                            std::vector<std::shared_ptr<const void>> owners) {
  const size_t n_shards = size_t{1} << bits;
  std::vector<std::vector<Entry>> e(n_shards);
  std::vector<std::vector<std::shared_ptr<const void>>> o(n_shards);
  for (size_t i = 0; i < entries.size(); ++i) {
    const size_t s = (hash_words(t, entries[i].words) >> 20) & ((size_t{1} << bits) - 1);
    e[s].push_back(entries[i]);
    o[s].push_back(std::move(owners[i]));
  }
  t.shard_bits = bits;
  t.rules = entries.size();
  t.shards.clear();
  t.max_priority = 0;
  for (size_t s = 0; s < n_shards; ++s) {
    t.shards.push_back(build_shard(t, std::move(e[s]), std::move(o[s])));
    t.max_priority = std::max(t.max_priority, t.shards.back()->max_priority);
  }
}

void Classifier::finish() {
  std::erase_if(tuples_, [](const Tuple& t) { return t.rules == 0; });
  rules_ = 0;
  for (Tuple& t : tuples_) {
    rules_ += t.rules;
    t.shard_view.clear();
    for (const auto& s : t.shards) {
      t.shard_view.push_back(ShardView{s->slots.data(), s->hot.data(), s->cold.data(), s->slot_mask});
    }
  }
  // (std::sort, not stable_sort: the latter's temporary buffer ignores FlowKey's alignment.)
  std::sort(tuples_.begin(), tuples_.end(),
            [](const Tuple& a, const Tuple& b) { return a.max_priority > b.max_priority; });
}

Classifier::Classifier(std::span<const ClassifierRule> rules) : Classifier(Classifier{}.updated({}, rules)) {}

Classifier Classifier::updated(std::span<const ClassifierRemoval> removals,
                               std::span<const ClassifierRule> additions) const {
  // What changes, per tuple (by mask) and shard. Shard numbers are those of the tuple's
  // current split; a tuple that must split again is rebuilt whole.
  struct TupleChange {
    std::map<size_t, std::vector<uint32_t>> removed;  // shard → actions
    std::vector<std::pair<Entry, std::shared_ptr<const void>>> added;
  };
  Classifier next = *this;
  std::map<MaskWords, size_t> index;  // mask → position in next.tuples_
  for (size_t i = 0; i < next.tuples_.size(); ++i) index[mask_words(next.tuples_[i].mask)] = i;
  std::map<size_t, TupleChange> changes;
  auto tuple_of = [&](const FlowKey& mask, bool create) -> Tuple* {
    auto it = index.find(mask_words(mask));
    if (it == index.end()) {
      if (!create) return nullptr;
      it = index.emplace(mask_words(mask), next.tuples_.size()).first;
      next.tuples_.push_back(make_tuple(mask));
      next.tuples_.back().shards.push_back(build_shard(next.tuples_.back(), {}, {}));
    }
    return &next.tuples_[it->second];
  };
  for (const ClassifierRemoval& r : removals) {
    Tuple* t = tuple_of(r.match.mask, false);
    if (t == nullptr) continue;
    uint64_t c[FlowKey::kWords];
    compact(*t, r.match.value, c);
    const size_t s = shard_of(*t, hash_words(*t, c));
    changes[static_cast<size_t>(t - next.tuples_.data())].removed[s].push_back(r.action);
  }
  for (const ClassifierRule& r : additions) {
    Tuple* t = tuple_of(r.match.mask, true);
    Entry e{};
    compact(*t, r.match.value, e.words);
    e.action = r.action;
    e.priority = r.priority;
    e.payload = r.payload.get();
    changes[static_cast<size_t>(t - next.tuples_.data())].added.emplace_back(e, r.payload);
  }

  for (auto& [ti, change] : changes) {
    Tuple& t = next.tuples_[ti];
    // The touched shards' entries after the change.
    std::map<size_t, std::pair<std::vector<Entry>, std::vector<std::shared_ptr<const void>>>> work;
    auto shard_work = [&](size_t s) -> auto& {
      auto [it, fresh] = work.try_emplace(s);
      if (fresh) {
        it->second.first = entries_of(t, *t.shards[s]);
        it->second.second = t.shards[s]->owners;
      }
      return it->second;
    };
    for (auto& [s, actions] : change.removed) {
      auto& [entries, owners] = shard_work(s);
      std::sort(actions.begin(), actions.end());
      size_t kept = 0;
      for (size_t i = 0; i < entries.size(); ++i) {
        if (std::binary_search(actions.begin(), actions.end(), entries[i].action)) continue;
        entries[kept] = entries[i];
        owners[kept] = std::move(owners[i]);
        ++kept;
      }
      entries.resize(kept);
      owners.resize(kept);
    }
    for (auto& [e, owner] : change.added) {
      const size_t s = shard_of(t, hash_words(t, e.words));
      auto& [entries, owners] = shard_work(s);
      entries.push_back(e);
      owners.push_back(std::move(owner));
    }
    size_t rules = t.rules;
    for (auto& [s, w] : work) rules = rules - t.shards[s]->hot.size() + w.first.size();
    const uint8_t bits = bits_for(rules);
    if (bits > t.shard_bits || (bits < t.shard_bits && rules < (kShardRules << t.shard_bits) / 4)) {
      // Split (or merge) again: every entry moves.
      std::vector<Entry> all;
      std::vector<std::shared_ptr<const void>> owners;
      for (size_t s = 0; s < t.shards.size(); ++s) {
        auto it = work.find(s);
        const std::vector<Entry> e = it != work.end() ? it->second.first : entries_of(t, *t.shards[s]);
        const auto& o = it != work.end() ? it->second.second : t.shards[s]->owners;
        all.insert(all.end(), e.begin(), e.end());
        owners.insert(owners.end(), o.begin(), o.end());
      }
      fill_tuple(t, bits, std::move(all), std::move(owners));
      continue;
    }
    for (auto& [s, w] : work) t.shards[s] = build_shard(t, std::move(w.first), std::move(w.second));
    t.rules = rules;
    t.max_priority = 0;
    for (const auto& s : t.shards) t.max_priority = std::max(t.max_priority, s->max_priority);
  }
  next.finish();
  return next;
}

uint32_t Classifier::lookup(const FlowKey& key) const noexcept {
  const FlowKey* keys[1] = {&key};
  Hit hit;
  lookup_batch(keys, 1, &hit);
  return hit.action;
}

// One tuple's part of lookup_batch(). N is the tuple's word count when the caller knows it
// (1 and 2 are by far the most common masks), or 0 for any: the loops unroll for N.
template <unsigned N>
bool Classifier::search_tuple(const Tuple& t, const FlowKey* const* keys, uint32_t n,
                              int32_t* best, Hit* out) noexcept {
  const unsigned words = N != 0 ? N : t.n_words;
  uint64_t hashes[kMaxBatch];
  const ShardView* shards[kMaxBatch];
  uint64_t compacted[kMaxBatch][FlowKey::kWords];
  uint8_t todo[kMaxBatch];
  const uint64_t* mask = t.mask.words();
  const size_t shard_mask = t.shard_view.size() - 1;
  // Pass 1: the keys this tuple could still improve; hash them and prefetch their slots.
  uint32_t m = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (best[i] >= static_cast<int32_t>(t.max_priority)) continue;
    const uint64_t* k = keys[i]->words();
    uint64_t* c = compacted[i];
    uint64_t h = 0;
    for (unsigned w = 0; w < words; ++w) {
      c[w] = k[t.words[w]] & mask[t.words[w]];
#if defined(__SSE4_2__)
      h = _mm_crc32_u64(h, c[w]);
#endif
    }
#if defined(__SSE4_2__)
    h = (h | h << 32) * 0x9e3779b97f4a7c15ULL;
#else
    h = hash_words(t, c);
#endif
    const ShardView* s = &t.shard_view[(h >> 20) & shard_mask];
    hashes[i] = h;
    shards[i] = s;
    __builtin_prefetch(&s->slots[static_cast<uint32_t>(h) & s->slot_mask]);
    todo[m++] = static_cast<uint8_t>(i);
  }
  // No key can improve here; a later tuple, with a lower best priority, cannot either.
  if (m == 0) return false;
  // Pass 2: probe.
  const unsigned hot = std::min<unsigned>(words, kHotWords);
  for (uint32_t j = 0; j < m; ++j) {
    const uint32_t i = todo[j];
    const ShardView& s = *shards[i];
    const uint64_t h = hashes[i];
    const uint64_t* c = compacted[i];
    const uint32_t tag = slot_tag(h);
    for (uint32_t at = static_cast<uint32_t>(h) & s.slot_mask;; at = (at + 1) & s.slot_mask) {
      const uint64_t slot = s.slots[at];
      if (slot == 0) break;
      if (static_cast<uint32_t>(slot >> 32) != tag) continue;
      const uint32_t index = static_cast<uint32_t>(slot) - 1;
      const HotEntry& e = s.hot[index];
      bool equal = true;
      for (unsigned w = 0; w < hot; ++w) equal &= e.words[w] == c[w];
      for (unsigned w = kHotWords; w < words; ++w) {
        equal &= s.cold[index * kColdWords + (w - kHotWords)] == c[w];
      }
      if (!equal) continue;
      if (static_cast<int32_t>(e.priority) > best[i]) {
        best[i] = e.priority;
        out[i] = Hit{e.action, e.payload};
      }
      break;
    }
  }
  return true;
}

void Classifier::lookup_batch(const FlowKey* const* keys, uint32_t n, Hit* out) const noexcept {
  int32_t best[kMaxBatch];
  for (uint32_t i = 0; i < n; ++i) {
    best[i] = -1;
    out[i] = Hit{};
  }
  for (const Tuple& t : tuples_) {
    bool more;
    switch (t.n_words) {
      case 1: more = search_tuple<1>(t, keys, n, best, out); break;
      case 2: more = search_tuple<2>(t, keys, n, best, out); break;
      default: more = search_tuple<0>(t, keys, n, best, out); break;
    }
    if (!more) break;
  }
}

size_t Classifier::shard_count() const noexcept {
  size_t n = 0;
  for (const Tuple& t : tuples_) n += t.shards.size();
  return n;
}

size_t Classifier::shared_shards(const Classifier& other) const noexcept {
  size_t n = 0;
  for (const Tuple& t : tuples_) {
    for (const Tuple& o : other.tuples_) {
      for (const auto& s : t.shards) n += std::count(o.shards.begin(), o.shards.end(), s);
    }
  }
  return n;
}

}  // namespace sluice::dp
