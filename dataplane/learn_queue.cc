#include "dataplane/learn_queue.h"

#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

namespace sluice::dp {

Result<std::unique_ptr<LearnQueue>> LearnQueue::create(const std::string& name, uint32_t size) {
  rte_ring* r = rte_ring_create_elem(name.c_str(), sizeof(LearnRequest), size, SOCKET_ID_ANY,
                                     RING_F_SC_DEQ);
  if (r == nullptr) return fail("cannot create learn queue: " + std::string(rte_strerror(rte_errno)));
  return std::unique_ptr<LearnQueue>(new LearnQueue(r));
}

LearnQueue::~LearnQueue() { rte_ring_free(ring_); }

uint32_t LearnQueue::push(const LearnRequest* reqs, uint32_t n) noexcept {
  return rte_ring_mp_enqueue_burst_elem(ring_, reqs, sizeof(LearnRequest), n, nullptr);
}

uint32_t LearnQueue::pop(LearnRequest* out, uint32_t n) noexcept {
  return rte_ring_sc_dequeue_burst_elem(ring_, out, sizeof(LearnRequest), n, nullptr);
}

}  // namespace sluice::dp
