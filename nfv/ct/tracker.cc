#include "nfv/ct/tracker.h"

#include <rte_rcu_qsbr.h>

#include "nfv/conntrack/extract.h"
#include "openflow/messages.h"

namespace sluice::nfv {
namespace {

// The grace period of the workers' RCU: every worker has passed a quiescent point (between
// bursts) since start().
class RcuGrace final : public ct::GracePeriod {
 public:
  explicit RcuGrace(rte_rcu_qsbr* qsv) noexcept : qsv_(qsv) {}
  uint64_t start() noexcept override { return qsv_ != nullptr ? rte_rcu_qsbr_start(qsv_) : 0; }
  bool done(uint64_t token) noexcept override {
    return qsv_ == nullptr || rte_rcu_qsbr_check(qsv_, token, false) == 1;
  }

 private:
  rte_rcu_qsbr* qsv_;
};

// Adds 'n' to a counter only this thread writes.
void bump(std::atomic<uint64_t>& counter, uint64_t n) noexcept {
  if (n != 0) counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

}  // namespace

Tracker::Tracker(const ct::ConnConfig& cfg, rte_rcu_qsbr* qsv, uint16_t workers)
    : table_(cfg, std::make_unique<RcuGrace>(qsv)),
      counts_(workers == 0 ? 1 : workers),
      scratch_(workers == 0 ? 1 : workers) {}

void Tracker::track(uint16_t worker, uint32_t now, std::span<dp::CtRequest> requests) noexcept {
  ct::TrackCounts c;
  uint64_t untrackable = 0;
  // Keys first, and their buckets on the way into the cache while the others are read; then
  // the entries the buckets point to; then the look-ups, in the cache by then.
  Scratch& scratch = scratch_[worker < scratch_.size() ? worker : 0];
  ct::ConnPacket* pkts = scratch.pkts;  // extract_conn fills each one afresh
  ct::ConnTable::Place* places = scratch.places;
  bool* ok = scratch.ok;
  for (size_t base = 0; base < requests.size(); base += 32) {
    const size_t n = std::min<size_t>(32, requests.size() - base);
    for (size_t j = 0; j < n; ++j) {
      const dp::CtRequest& q = requests[base + j];
      ok[j] = ct::extract_conn(q.l3, q.l3_len, q.ether_type, q.zone, pkts[j]) ==
              ct::ExtractStatus::kOk;
      if (ok[j]) places[j] = table_.prefetch(pkts[j].key);
    }
    for (size_t j = 0; j < n; ++j) {
      if (ok[j] && !pkts[j].icmp_error) table_.prefetch_entries(pkts[j].key, places[j]);
    }
    for (size_t j = 0; j < n; ++j) {
      dp::CtRequest& q = requests[base + j];
      dp::CtMemo& memo = *q.memo;
      if (!ok[j]) {
        ++untrackable;
        memo = dp::CtMemo{.entry = -1, .zone = q.zone,
                          .state = static_cast<uint8_t>(ct::kStateTracked | ct::kStateInvalid),
                          .dir = 0};
        q.key->ct_state = memo.state;
        q.key->ct_zone = q.zone;
        q.key->ct_mark = 0;
        continue;
      }
      const ct::ConnPacket& p = pkts[j];
      ct::TrackResult r;
      if (memo.state != 0 && memo.zone == q.zone) {
        // Tracked earlier in this walk, in this zone: the same look-up, not a second update.
        r.state = memo.state;
        r.entry = memo.entry;
        r.dir = memo.dir;
      } else {
        table_.track(p, places[j], now, r, c);
      }
      if (r.busy) {
        q.refusal = dp::CtRefusal::kBusy;
        continue;
      }
      if ((q.flags & of::ct_flag::kCommit) != 0 &&
          (r.entry >= 0 || (r.state & ct::kStateNew) != 0)) {
        uint32_t mark = r.entry >= 0 ? table_.entry(r.entry).mark.load(std::memory_order_relaxed)
                                     : 0;
        mark = (mark & ~q.mark_mask) | (q.mark & q.mark_mask);
        const uint64_t port_refusals = c.port_limit;
        if (!table_.commit(p, now, q.in_slot, mark, r, c)) {
          q.refusal = c.port_limit != port_refusals ? dp::CtRefusal::kPortLimit
                                                    : dp::CtRefusal::kTableFull;
          continue;
        }
      }
      memo = dp::CtMemo{.entry = r.entry, .zone = q.zone,
                        .state = static_cast<uint8_t>(r.state), .dir = r.dir};
      q.key->ct_state = memo.state;
      q.key->ct_zone = q.zone;
      q.key->ct_mark =
          r.entry >= 0 ? table_.entry(r.entry).mark.load(std::memory_order_relaxed) : 0;
    }
  }
  WorkerCounts& w = counts_[worker < counts_.size() ? worker : 0];
  bump(w.created, c.created);
  bump(w.invalid, c.invalid);
  bump(w.reopened, c.reopened);
  bump(w.table_full, c.table_full);
  bump(w.port_limit, c.port_limit);
  bump(w.busy, c.busy);
  bump(w.untrackable, untrackable);
}

void Tracker::sweep(uint32_t now) { table_.sweep(now, kSweepBudget); }

dp::CtStats Tracker::stats() const noexcept {
  dp::CtStats s;
  constexpr auto r = std::memory_order_relaxed;
  for (const WorkerCounts& w : counts_) {
    s.created += w.created.load(r);
    s.invalid += w.invalid.load(r);
    s.reopened += w.reopened.load(r);
    s.table_full += w.table_full.load(r);
    s.port_limit += w.port_limit.load(r);
    s.busy += w.busy.load(r);
    s.untrackable += w.untrackable.load(r);
  }
  s.entries = table_.size();
  s.capacity = table_.capacity();
  const ct::SweepStats& sw = table_.sweep_stats();
  s.expired = sw.expired.load(r);
  s.evicted = sw.evicted.load(r);
  s.removed = sw.removed.load(r);
  return s;
}

}  // namespace sluice::nfv
