#include "dataplane/tables.h"

#include <rte_cycles.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>

namespace sluice::dp {

TablesHandle::TablesHandle(rte_rcu_qsbr* qsv) : qsv_(qsv), current_(new Tables()) {}

TablesHandle::~TablesHandle() {
  for (const Retired& r : retired_) delete r.tables;
  delete current_.load(std::memory_order_relaxed);
}

void TablesHandle::publish(std::unique_ptr<Tables> next) {
  publish_async(std::move(next));
  // Every worker that might still read an old version reports a quiescent state at the end of
  // its loop iteration; workers that are asleep are offline and do not hold anything.
  if (qsv_ != nullptr) rte_rcu_qsbr_synchronize(qsv_, RTE_QSBR_THRID_INVALID);
  for (const Retired& r : retired_) delete r.tables;
  retired_.clear();
}

uint64_t TablesHandle::publish_async(std::unique_ptr<Tables> next) {
  const Tables* old = current_.exchange(next.release(), std::memory_order_acq_rel);
  const uint64_t token = qsv_ != nullptr ? rte_rcu_qsbr_start(qsv_) : 0;
  retired_.push_back(Retired{old, token});
  reclaim();
  return token;
}

bool TablesHandle::is_live(uint64_t token) const noexcept {
  return qsv_ == nullptr || rte_rcu_qsbr_check(qsv_, token, false) == 1;
}

bool TablesHandle::wait_live(uint64_t token, uint64_t max_us) const noexcept {
  const uint64_t until = rte_get_tsc_cycles() + rte_get_tsc_hz() / 1000000 * max_us;
  while (!is_live(token)) {
    if (rte_get_tsc_cycles() >= until) return false;
    rte_pause();
  }
  return true;
}

size_t TablesHandle::reclaim() {
  // Tokens grow with each publish: once one has not passed, the later ones have not either.
  size_t done = 0;
  while (done < retired_.size() && is_live(retired_[done].token)) delete retired_[done++].tables;
  retired_.erase(retired_.begin(), retired_.begin() + static_cast<ptrdiff_t>(done));
  return retired_.size();
}

}  // namespace sluice::dp
