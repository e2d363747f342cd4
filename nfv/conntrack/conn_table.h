// ConnTable: the connection table every worker shares (nfv/conntrack). One entry per connection
// holds both directions' keys, so a packet in either direction finds it with one lookup.
//
// Layout. Entries are a fixed array of 128-byte ConnEntry (two cache lines). The index is an
// array of 64-byte buckets of eight 64-bit slots; each key lives in one of two buckets chosen
// by its hash, and a slot holds (32 bits of the hash, entry number, direction). A lookup reads
// at most two buckets and then the entry whose slot matches; an insert claims an empty slot
// with one compare-and-swap. Nothing is ever moved, so a reader never sees a key in transit.
//
// Threads. Workers look up, update and create entries; none of it takes a lock that another
// worker's packet waits on:
//   * lookups are plain loads (slots with acquire; an entry's keys are written before the
//     slot that names it is published);
//   * a new entry comes from a lock-free free list (IndexQueue) and is published with a CAS
//     per direction; two workers committing the same connection at once both publish, find
//     each other, and the lower entry number wins;
//   * a TCP connection's window state is updated under the entry's own try-lock, held for one
//     tcp_update(); a packet that finds it held spins a bounded number of times and is then
//     reported busy (counted: the stage drops it and TCP retransmits) rather than waiting;
//   * entries leave only through the sweeper (sweep(), one thread: the control lcore), which
//     unlinks expired and dead entries and frees them after a grace period (GracePeriod: RCU
//     on the workers' quiescent states), so no worker ever reads a reused entry.
// Workers check expiry on lookup (an expired entry is not found), so timing out needs no scan
// on the fast path; the sweeper's scan only reclaims the memory.
//
// Bounds (fail closed, every refusal counted): 'capacity' entries in all; per ingress port an
// optional limit of connections it opened; when the free list runs low the sweeper evicts
// half-open connections (TCP before ESTABLISHED, UDP and others never answered) first, oldest
// scan position first. Established connections are never evicted.
//
// Memory: 128 bytes per entry, plus 16 bytes of index per entry (two slots of 8) at a load of at
// most 50%: 2 * 8 / 0.5 = 32 bytes, so 160 bytes per connection of capacity; 1M connections
// take 160 MiB. The free list adds 16 bytes per entry.
// Both arrays are mapped on transparent huge pages where the kernel has them (huge_array.h).
// Std C++ and POSIX mmap only; time is whole seconds on any monotonic scale, passed in.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "nfv/conntrack/conn_key.h"
#include "nfv/conntrack/huge_array.h"
#include "nfv/conntrack/index_queue.h"
#include "nfv/conntrack/tcp.h"
#include "nfv/conntrack/timeouts.h"

namespace sluice::nfv::ct {

// ConnEntry::status bits.
inline constexpr uint8_t kEntryLive = 0x01;     // allocated and published
inline constexpr uint8_t kEntryReplied = 0x02;  // a packet in the reply direction was seen
inline constexpr uint8_t kEntryDead = 0x04;     // replaced, flushed or a twin: to be reclaimed
inline constexpr uint8_t kEntryReclaimed = 0x08;  // unlinked, waiting for its grace period

struct alignas(64) ConnEntry {
  std::array<ConnKey, 2> key;      // [0] original direction, [1] reply
  TcpTrack tcp;                    // TCP only; under 'lock'
  std::atomic<uint32_t> expires{0};
  std::atomic<uint32_t> mark{0};   // ct_mark
  uint16_t in_slot = 0;            // the port that opened it (for its per-port count)
  std::atomic<uint8_t> lock{0};
  std::atomic<uint8_t> status{0};
};
static_assert(sizeof(ConnEntry) == 128, "two cache lines per connection");

// When the workers have all passed a quiescent point since start() (RCU). The default (no
// concurrent readers: tests, or a table no worker uses) is always done.
class GracePeriod {
 public:
  virtual ~GracePeriod() = default;
  virtual uint64_t start() noexcept { return 0; }
  virtual bool done(uint64_t /*token*/) noexcept { return true; }
};

struct ConnConfig {
  uint32_t capacity = 262144;   // connections in all
  uint32_t port_slots = 256;    // ingress port slots that may open connections
  uint32_t per_port_limit = 0;  // default per-port limit; 0 = none
  Timeouts timeouts;
  uint64_t seed = 0;            // hash key; 0 = draw one
};

// One worker's counts of what it did (single writer; the caller adds them to its counters).
struct TrackCounts {
  uint64_t created = 0;     // entries committed
  uint64_t invalid = 0;     // packets tracked as invalid (flags, window, no connection)
  uint64_t reopened = 0;    // connections replaced by a new SYN on their tuple
  uint64_t table_full = 0;  // commits refused: no free entry, or no free index slot
  uint64_t port_limit = 0;  // commits refused: the port's limit
  uint64_t busy = 0;        // packets given up on a contended entry
};

// What a packet found.
struct TrackResult {
  uint32_t state = 0;   // ct_state bits; kStateTracked always set
  int32_t entry = -1;   // its connection (found or committed), else -1
  uint8_t dir = 0;      // 0 original, 1 reply
  bool busy = false;    // given up on a contended entry (state is then invalid)
};

struct SweepStats {
  std::atomic<uint64_t> expired{0};  // entries reclaimed after their timeout
  std::atomic<uint64_t> evicted{0};  // half-open entries reclaimed under memory pressure
  std::atomic<uint64_t> removed{0};  // dead entries (replaced, flushed) reclaimed
};

class ConnTable {
 public:
  explicit ConnTable(const ConnConfig& cfg, std::unique_ptr<GracePeriod> grace = nullptr);
  ConnTable(const ConnTable&) = delete;
  ConnTable& operator=(const ConnTable&) = delete;

  // ---- Workers ----
  // Finds p's connection and runs its protocol's tracker: new (no entry, and the packet may
  // open one; or an entry not yet answered, in the original direction), established (and
  // reply), related (an ICMP error about a tracked connection), invalid (no entry and it may
  // not open one; out of window; nonsense flags).
  void track(const ConnPacket& p, uint32_t now, TrackResult& r, TrackCounts& c) noexcept;
  // Where a key's index slots are: its two buckets and its signature, hashed once.
  struct Place {
    uint32_t b1, b2;
    uint32_t sig;
  };
  // A burst's lookups in three passes, each over the whole burst, so that every packet's
  // memory is on its way while the others' is fetched: prefetch() hashes a key and hints its
  // first bucket into the cache; prefetch_entries() reads it (in by now) and hints the entry
  // whose signature matches, or, finding none (a new connection, most likely), the second
  // bucket and the reply key's first; track() with the place then finds them in the cache.
  Place prefetch(const ConnKey& k) const noexcept;
  void prefetch_entries(const ConnKey& k, const Place& p) const noexcept;
  void track(const ConnPacket& p, const Place& place, uint32_t now, TrackResult& r,
             TrackCounts& c) noexcept;
  // Commits the connection r found new: creates its entry (r.entry = the entry, r.dir = 0), or
  // on a found entry only sets the mark. Returns false, counted, when the table or the port's
  // limit refuses it (r unchanged).
  bool commit(const ConnPacket& p, uint32_t now, uint16_t in_slot, uint32_t mark,
              TrackResult& r, TrackCounts& c) noexcept;

  // ---- Sweeper (one thread) ----
  // Scans up to 'budget' entries from where the last call stopped; reclaims the expired and
  // dead ones, and frees earlier reclaims whose grace period has passed. Under memory pressure
  // (free entries below capacity / 64) half-open entries are evicted too. Returns entries freed.
  uint32_t sweep(uint32_t now, uint32_t budget);
  // Marks every entry dead (the next sweeps reclaim them).
  void flush() noexcept;

  // ---- Control ----
  void set_port_limit(uint16_t slot, uint32_t limit) noexcept;
  // Calls fn for each live, unexpired entry (a snapshot of moving state, for show commands).
  void for_each(uint32_t now, const std::function<void(const ConnEntry&)>& fn) const;

  uint32_t capacity() const noexcept { return capacity_; }
  uint32_t size() const noexcept { return in_use_.load(std::memory_order_relaxed); }
  uint32_t port_count(uint16_t slot) const noexcept;
  const SweepStats& sweep_stats() const noexcept { return sweep_stats_; }
  const Timeouts& timeouts() const noexcept { return timeouts_; }
  const ConnEntry& entry(int32_t i) const noexcept { return entries_[static_cast<size_t>(i)]; }
  // The timeout (seconds) a connection in e's state gets from its next packet.
  uint32_t timeout_of(const ConnEntry& e) const noexcept;

 private:
  struct alignas(64) Bucket {
    std::array<std::atomic<uint64_t>, 8> slot{};
  };
  static_assert(sizeof(Bucket) == 64);
  Place place_of(const ConnKey& k) const noexcept;
  static uint64_t slot_value(uint32_t sig, uint32_t entry, uint8_t dir) noexcept {
    return uint64_t{sig} << 32 | uint64_t{entry} << 1 | dir;
  }
  // The first live, unexpired entry holding 'k' in slot order (and its direction), or -1.
  int32_t find(const ConnKey& k, uint32_t now, uint8_t& dir) const noexcept {
    return find(k, place_of(k), now, dir);
  }
  int32_t find(const ConnKey& k, const Place& p, uint32_t now, uint8_t& dir) const noexcept;
  // Whether entry i is a twin: lookups of its key find 'first', another entry. (-1 is not: i
  // may be a commit still publishing its slots.)
  static uint8_t canonical_dir(const ConnEntry& e) noexcept {
    return std::memcmp(&e.key[0], &e.key[1], sizeof(ConnKey)) <= 0 ? 0 : 1;
  }
  static bool is_twin(uint32_t i, int32_t first) noexcept {
    return first >= 0 && first != static_cast<int32_t>(i);
  }
  bool link(const ConnKey& k, uint32_t entry, uint8_t dir) noexcept;
  void unlink(const ConnKey& k, uint32_t entry, uint8_t dir) noexcept;
  void unlink_entry(uint32_t i) noexcept;
  bool expired(const ConnEntry& e, uint32_t now) const noexcept {
    return static_cast<int32_t>(e.expires.load(std::memory_order_relaxed) - now) < 0;
  }
  bool half_open(ConnEntry& e) noexcept;  // sweeper
  void touch(ConnEntry& e, uint32_t now) noexcept;
  void reclaim(uint32_t i);
  void release(uint32_t i) noexcept;
  bool lock(ConnEntry& e) noexcept;
  void track_related(const ConnPacket& p, uint32_t now, TrackResult& r, TrackCounts& c) noexcept;
  void mark_dead(ConnEntry& e) noexcept;

  uint32_t capacity_;
  Timeouts timeouts_;
  uint64_t seed_;
  uint32_t bucket_mask_;
  HugeArray<ConnEntry> entries_;
  HugeArray<Bucket> buckets_;
  IndexQueue free_;
  std::unique_ptr<std::atomic<uint32_t>[]> port_count_;
  std::unique_ptr<std::atomic<uint32_t>[]> port_limit_;
  uint32_t port_slots_;
  alignas(64) std::atomic<uint32_t> in_use_{0};

  // Sweeper state.
  std::unique_ptr<GracePeriod> grace_;
  uint32_t cursor_ = 0;
  struct Pending {
    uint64_t token;
    std::vector<uint32_t> entries;
  };
  std::deque<Pending> pending_;
  SweepStats sweep_stats_;
};

}  // namespace sluice::nfv::ct
