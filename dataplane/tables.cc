#include "dataplane/tables.h"

#include <rte_rcu_qsbr.h>

namespace sluice::dp {

TablesHandle::TablesHandle(rte_rcu_qsbr* qsv) : qsv_(qsv), current_(new Tables()) {}

TablesHandle::~TablesHandle() { delete current_.load(std::memory_order_relaxed); }

void TablesHandle::publish(std::unique_ptr<Tables> next) {
  const Tables* old = current_.exchange(next.release(), std::memory_order_acq_rel);
  // Every worker that might still read 'old' reports a quiescent state at the end of its
  // loop iteration; workers that are asleep are offline and do not hold anything.
  if (qsv_ != nullptr) rte_rcu_qsbr_synchronize(qsv_, RTE_QSBR_THRID_INVALID);
  delete old;
}

}  // namespace sluice::dp
