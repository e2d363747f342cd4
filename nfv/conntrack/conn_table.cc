#include "nfv/conntrack/conn_table.h"

#include <algorithm>
#include <random>

namespace sluice::nfv::ct {
namespace {

constexpr uint32_t kLockSpins = 256;  // pauses before a contended entry is given up
constexpr uint64_t kOpenBatch = ~0ULL;  // Pending::token of the batch the current scan fills

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

uint64_t fold(uint64_t a, uint64_t b) noexcept {
  const __uint128_t m = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(m) ^ static_cast<uint64_t>(m >> 64);
}

uint64_t round_up_pow2(uint64_t n) noexcept {
  uint64_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

bool is_icmp(uint8_t proto) noexcept { return proto == kProtoIcmp || proto == kProtoIcmp6; }

// Whether a packet with no connection may open one: TCP only with a SYN; ICMP only with a
// request that has an answer (echo); any UDP or other protocol.
bool may_open(const ConnPacket& p) noexcept {
  if (p.key.proto == kProtoTcp) return tcp_can_open(p);
  if (p.key.proto == kProtoIcmp) return p.icmp_type == 8;     // echo request
  if (p.key.proto == kProtoIcmp6) return p.icmp_type == 128;  // echo request
  return true;
}

}  // namespace

uint64_t hash_key(const ConnKey& k, uint64_t seed) noexcept {
  uint64_t w[5];
  static_assert(sizeof w == sizeof k);
  std::memcpy(w, &k, sizeof w);
  const uint64_t a = fold(w[0] ^ seed, w[1] ^ 0x9e3779b97f4a7c15ULL);
  const uint64_t b = fold(w[2] ^ 0xbf58476d1ce4e5b9ULL, w[3] ^ seed);
  const uint64_t c = fold(w[4] ^ 0x94d049bb133111ebULL, seed ^ 0x2545f4914f6cdd1dULL);
  return fold(a ^ c, b ^ 0xd6e8feb86659fd93ULL);
}

ConnTable::ConnTable(const ConnConfig& cfg, std::unique_ptr<GracePeriod> grace)
    : capacity_(std::max<uint32_t>(cfg.capacity, 1)),
      timeouts_(cfg.timeouts),
      seed_(cfg.seed),
      // Two keys per connection in slots of eight, at most half full.
      entries_(capacity_),
      buckets_(round_up_pow2(std::max<uint64_t>(2, uint64_t{capacity_} * 2 * 2 / 8))),
      free_(capacity_),
      port_slots_(std::max<uint32_t>(cfg.port_slots, 1)),
      grace_(grace ? std::move(grace) : std::make_unique<GracePeriod>()) {
  if (seed_ == 0) {
    std::random_device rd;
    seed_ = (uint64_t{rd()} << 32 | rd()) | 1;
  }
  bucket_mask_ = static_cast<uint32_t>(buckets_.size() - 1);
  for (uint32_t i = 0; i < capacity_; ++i) free_.push(i);
  port_count_ = std::make_unique<std::atomic<uint32_t>[]>(port_slots_);
  port_limit_ = std::make_unique<std::atomic<uint32_t>[]>(port_slots_);
  for (uint32_t s = 0; s < port_slots_; ++s) port_limit_[s].store(cfg.per_port_limit);
}

ConnTable::Place ConnTable::place_of(const ConnKey& k) const noexcept {
  const uint64_t h = hash_key(k, seed_);
  Place p;
  p.sig = static_cast<uint32_t>(h >> 32) | 1;  // never 0: a slot of 0 is empty
  p.b1 = static_cast<uint32_t>(h) & bucket_mask_;
  p.b2 = (p.b1 ^ static_cast<uint32_t>(fold(h, 0xff51afd7ed558ccdULL))) & bucket_mask_;
  if (p.b2 == p.b1) p.b2 = p.b1 ^ 1;  // bucket_mask_ >= 1
  return p;
}

ConnTable::Place ConnTable::prefetch(const ConnKey& k) const noexcept {
  const Place p = place_of(k);
  // The first bucket only: inserts fill it first, and at most half full it nearly always has
  // room, so b2 is rarely read; a burst's 32 extra prefetches would only queue behind these.
  __builtin_prefetch(&buckets_[p.b1]);
  return p;
}

void ConnTable::prefetch_entries(const ConnKey& k, const Place& p) const noexcept {
  for (const std::atomic<uint64_t>& s : buckets_[p.b1].slot) {
    const uint64_t v = s.load(std::memory_order_relaxed);
    if (static_cast<uint32_t>(v >> 32) != p.sig) continue;
    const ConnEntry* e = &entries_[static_cast<uint32_t>(v) >> 1];
    __builtin_prefetch(e);
    __builtin_prefetch(reinterpret_cast<const uint8_t*>(e) + 64);
    return;  // the first is almost always the one (a 32-bit signature)
  }
  // Not in its first bucket: most likely a new connection. The look-up reads the second
  // bucket, and a commit links the reply key in its first.
  __builtin_prefetch(&buckets_[p.b2]);
  __builtin_prefetch(&buckets_[place_of(k.reversed()).b1]);
}

int32_t ConnTable::find(const ConnKey& k, const Place& p, uint32_t now,
                        uint8_t& dir) const noexcept {
  for (uint32_t b : {p.b1, p.b2}) {
    for (const std::atomic<uint64_t>& s : buckets_[b].slot) {
      const uint64_t v = s.load(std::memory_order_acquire);
      if (static_cast<uint32_t>(v >> 32) != p.sig) continue;
      const uint32_t i = static_cast<uint32_t>(v) >> 1;
      const uint8_t d = v & 1;
      const ConnEntry& e = entries_[i];
      if (!(e.key[d] == k)) continue;
      const uint8_t st = e.status.load(std::memory_order_acquire);
      if ((st & kEntryLive) == 0 || (st & kEntryDead) != 0 || expired(e, now)) continue;
      dir = d;
      return static_cast<int32_t>(i);
    }
  }
  return -1;
}

bool ConnTable::link(const ConnKey& k, uint32_t entry, uint8_t dir) noexcept {
  const Place p = place_of(k);
  const uint64_t v = slot_value(p.sig, entry, dir);
  for (uint32_t b : {p.b1, p.b2}) {
    for (std::atomic<uint64_t>& s : buckets_[b].slot) {
      uint64_t empty = 0;
      if (s.load(std::memory_order_relaxed) == 0 &&
          s.compare_exchange_strong(empty, v, std::memory_order_release)) {
        return true;
      }
    }
  }
  return false;
}

void ConnTable::unlink(const ConnKey& k, uint32_t entry, uint8_t dir) noexcept {
  const Place p = place_of(k);
  const uint64_t v = slot_value(p.sig, entry, dir);
  for (uint32_t b : {p.b1, p.b2}) {
    for (std::atomic<uint64_t>& s : buckets_[b].slot) {
      uint64_t expect = v;
      s.compare_exchange_strong(expect, 0, std::memory_order_relaxed);
    }
  }
}

void ConnTable::unlink_entry(uint32_t i) noexcept {
  unlink(entries_[i].key[0], i, 0);
  unlink(entries_[i].key[1], i, 1);
}

uint32_t ConnTable::timeout_of(const ConnEntry& e) const noexcept {
  const uint8_t proto = e.key[0].proto;
  if (proto == kProtoTcp) return timeouts_.tcp[static_cast<size_t>(e.tcp.state)];
  if (proto == kProtoUdp) {
    return (e.status.load(std::memory_order_relaxed) & kEntryReplied) ? timeouts_.udp_replied
                                                                      : timeouts_.udp_unreplied;
  }
  if (is_icmp(proto)) return timeouts_.icmp;
  return timeouts_.other;
}

bool ConnTable::half_open(ConnEntry& e) noexcept {
  if (e.key[0].proto == kProtoTcp) {
    // The sweeper does not wait for a worker's lock: a connection busy right now is not evicted.
    if (e.lock.exchange(1, std::memory_order_acquire) != 0) return false;
    const TcpState s = e.tcp.state;
    e.lock.store(0, std::memory_order_release);
    return s == TcpState::kSynSent || s == TcpState::kSynSent2 || s == TcpState::kSynRecv;
  }
  return (e.status.load(std::memory_order_relaxed) & kEntryReplied) == 0;
}

void ConnTable::touch(ConnEntry& e, uint32_t now) noexcept {
  const uint32_t expires = now + timeout_of(e);
  if (e.expires.load(std::memory_order_relaxed) != expires) {
    e.expires.store(expires, std::memory_order_relaxed);
  }
}

bool ConnTable::lock(ConnEntry& e) noexcept {
  for (uint32_t n = 0; n < kLockSpins; ++n) {
    if (e.lock.load(std::memory_order_relaxed) == 0 &&
        e.lock.exchange(1, std::memory_order_acquire) == 0) {
      return true;
    }
    cpu_relax();
  }
  return false;
}

void ConnTable::mark_dead(ConnEntry& e) noexcept {
  e.status.fetch_or(kEntryDead, std::memory_order_release);
}

void ConnTable::track_related(const ConnPacket& p, uint32_t now, TrackResult& r,
                              TrackCounts& c) noexcept {
  uint8_t dir = 0;
  const int32_t i = find(p.inner, now, dir);
  if (i < 0) {
    r.state = kStateTracked | kStateInvalid;
    ++c.invalid;
    return;
  }
  // The error is about a packet that travelled in direction 'dir'; it travels the other way.
  r.entry = i;
  r.dir = dir ^ 1;
  r.state = kStateTracked | kStateRelated | (r.dir == 1 ? kStateReply : 0);
}

void ConnTable::track(const ConnPacket& p, uint32_t now, TrackResult& r, TrackCounts& c) noexcept {
  track(p, place_of(p.key), now, r, c);
}

void ConnTable::track(const ConnPacket& p, const Place& place, uint32_t now, TrackResult& r,
                      TrackCounts& c) noexcept {
  r = TrackResult{};
  if (p.icmp_error) {
    track_related(p, now, r, c);
    return;
  }
  uint8_t dir = 0;
  const int32_t i = find(p.key, place, now, dir);
  if (i < 0) {
    if (may_open(p)) {
      r.state = kStateTracked | kStateNew;
    } else {
      r.state = kStateTracked | kStateInvalid;
      ++c.invalid;
    }
    return;
  }
  ConnEntry& e = entries_[static_cast<size_t>(i)];
  if (p.key.proto == kProtoTcp) {
    if (!lock(e)) {
      r.busy = true;
      r.state = kStateTracked | kStateInvalid;
      ++c.busy;
      return;
    }
    const TcpVerdict v = tcp_update(e.tcp, dir, p);
    if (v == TcpVerdict::kValid) touch(e, now);
    e.lock.store(0, std::memory_order_release);
    if (v == TcpVerdict::kInvalid) {
      r.state = kStateTracked | kStateInvalid;
      ++c.invalid;
      return;
    }
    if (v == TcpVerdict::kReopen) {
      // The old connection is over; this SYN is a new one (judged by policy as any other).
      mark_dead(e);
      ++c.reopened;
      r.state = kStateTracked | kStateNew;
      return;
    }
  } else {
    if (is_icmp(p.key.proto)) {
      // Only echo: the request goes one way, the reply the other.
      const uint8_t want = dir == 0 ? (p.key.proto == kProtoIcmp ? 8 : 128)
                                    : (p.key.proto == kProtoIcmp ? 0 : 129);
      if (p.icmp_type != want) {
        r.state = kStateTracked | kStateInvalid;
        ++c.invalid;
        return;
      }
    }
    if (dir == 1 && !(e.status.load(std::memory_order_relaxed) & kEntryReplied)) {
      e.status.fetch_or(kEntryReplied, std::memory_order_relaxed);  // before touch: UDP's timeout
    }
    touch(e, now);
  }
  if (dir == 1 && !(e.status.load(std::memory_order_relaxed) & kEntryReplied)) {
    e.status.fetch_or(kEntryReplied, std::memory_order_relaxed);
  }
  r.entry = i;
  r.dir = dir;
  const bool replied = e.status.load(std::memory_order_relaxed) & kEntryReplied;
  r.state = kStateTracked | (dir == 1 ? kStateReply | kStateEstablished
                                      : (replied ? kStateEstablished : kStateNew));
}

bool ConnTable::commit(const ConnPacket& p, uint32_t now, uint16_t in_slot, uint32_t mark,
                       TrackResult& r, TrackCounts& c) noexcept {
  if (r.entry >= 0) {  // already tracked: commit only sets the mark
    entries_[static_cast<size_t>(r.entry)].mark.store(mark, std::memory_order_relaxed);
    return true;
  }
  if (!(r.state & kStateNew)) return false;  // invalid packets open nothing
  const uint16_t slot = in_slot < port_slots_ ? in_slot : 0;
  const uint32_t limit = port_limit_[slot].load(std::memory_order_relaxed);
  if (port_count_[slot].fetch_add(1, std::memory_order_relaxed) >= limit && limit != 0) {
    port_count_[slot].fetch_sub(1, std::memory_order_relaxed);
    ++c.port_limit;
    return false;
  }
  uint32_t i = 0;
  if (!free_.pop(i)) {
    port_count_[slot].fetch_sub(1, std::memory_order_relaxed);
    ++c.table_full;
    return false;
  }
  ConnEntry& e = entries_[i];
  e.key[0] = p.key;
  e.key[1] = p.key.reversed();
  e.in_slot = slot;
  e.mark.store(mark, std::memory_order_relaxed);
  e.lock.store(0, std::memory_order_relaxed);
  if (p.key.proto == kProtoTcp) e.tcp = tcp_open(p);
  e.status.store(kEntryLive, std::memory_order_release);  // its fields before it (sweeper)
  e.expires.store(now + timeout_of(e), std::memory_order_relaxed);
  in_use_.fetch_add(1, std::memory_order_relaxed);
  // Publish both keys (the entry's fields are released by the slots' CAS).
  if (!(link(e.key[0], i, 0) && link(e.key[1], i, 1))) {
    unlink_entry(i);  // no index slot: take it back (the sweeper frees it)
    mark_dead(e);
    ++c.table_full;
    return false;
  }
  // Another worker may have committed the same connection at the same time (from either end:
  // its keys are ours, maybe swapped). Lookups take the first live match in slot order (slots
  // never move), so the entry found first for the connection's canonical key (the smaller of
  // its two, the same for both twins) is the connection: if it is not ours, ours goes and the
  // packet belongs to it. A full fence orders our slots before reading theirs, so of two
  // twins at least one sees the other; should both keep theirs for a moment (an earlier slot
  // freed meanwhile), lookups still agree on one and the sweeper removes the other.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const uint8_t canon = canonical_dir(e);
  uint8_t dir = 0;
  const int32_t first = find(e.key[canon], now, dir);
  if (first != static_cast<int32_t>(i)) {
    unlink_entry(i);
    mark_dead(e);
    if (first < 0) return false;  // the twin went meanwhile: counts as not committed
    r.entry = first;
    r.dir = dir ^ canon;  // its key[dir] is our key[canon]; the packet travels as our key[0]
    return true;
  }
  ++c.created;
  r.entry = static_cast<int32_t>(i);
  r.dir = 0;
  return true;
}

void ConnTable::release(uint32_t i) noexcept {
  ConnEntry& e = entries_[i];
  port_count_[e.in_slot].fetch_sub(1, std::memory_order_relaxed);
  in_use_.fetch_sub(1, std::memory_order_relaxed);
  e.status.store(0, std::memory_order_relaxed);
  free_.push(i);
}

void ConnTable::reclaim(uint32_t i) {
  unlink_entry(i);
  // Not live any more: no new lookup finds it; wait for the lookups already under way.
  entries_[i].status.store(kEntryReclaimed, std::memory_order_release);
  if (pending_.empty() || pending_.back().token != kOpenBatch) {
    pending_.push_back(Pending{kOpenBatch, {}});
  }
  pending_.back().entries.push_back(i);
}

uint32_t ConnTable::sweep(uint32_t now, uint32_t budget) {
  const bool pressure = free_.size() < std::max<uint32_t>(capacity_ / 64, 1);
  for (uint32_t n = 0; n < budget && n < capacity_; ++n) {
    const uint32_t i = cursor_;
    cursor_ = cursor_ + 1 == capacity_ ? 0 : cursor_ + 1;
    ConnEntry& e = entries_[i];
    const uint8_t st = e.status.load(std::memory_order_acquire);
    if (!(st & (kEntryLive | kEntryDead))) continue;  // free, being committed, or reclaimed
    uint8_t dir = 0;
    if (expired(e, now)) {
      reclaim(i);
      sweep_stats_.expired.fetch_add(1, std::memory_order_relaxed);
    } else if ((st & kEntryDead) || is_twin(i, find(e.key[canonical_dir(e)], now, dir))) {
      // Replaced, flushed, or a twin of a connection that lookups find elsewhere.
      reclaim(i);
      sweep_stats_.removed.fetch_add(1, std::memory_order_relaxed);
    } else if (pressure && half_open(e)) {
      reclaim(i);
      sweep_stats_.evicted.fetch_add(1, std::memory_order_relaxed);
    }
  }
  // This scan's reclaims wait for a grace period that starts now; earlier ones may be over.
  if (!pending_.empty() && pending_.back().token == kOpenBatch) pending_.back().token = grace_->start();
  uint32_t freed = 0;
  while (!pending_.empty() && grace_->done(pending_.front().token)) {
    for (uint32_t i : pending_.front().entries) release(i);
    freed += static_cast<uint32_t>(pending_.front().entries.size());
    pending_.pop_front();
  }
  return freed;
}

void ConnTable::flush() noexcept {
  for (uint32_t i = 0; i < capacity_; ++i) {
    if (entries_[i].status.load(std::memory_order_relaxed) & kEntryLive) mark_dead(entries_[i]);
  }
}

void ConnTable::set_port_limit(uint16_t slot, uint32_t limit) noexcept {
  if (slot < port_slots_) port_limit_[slot].store(limit, std::memory_order_relaxed);
}

uint32_t ConnTable::port_count(uint16_t slot) const noexcept {
  return slot < port_slots_ ? port_count_[slot].load(std::memory_order_relaxed) : 0;
}

void ConnTable::for_each(uint32_t now, const std::function<void(const ConnEntry&)>& fn) const {
  for (uint32_t i = 0; i < capacity_; ++i) {
    const ConnEntry& e = entries_[i];
    const uint8_t st = e.status.load(std::memory_order_acquire);
    if ((st & kEntryLive) && !(st & kEntryDead) && !expired(e, now)) fn(e);
  }
}

}  // namespace sluice::nfv::ct
