#include "dataplane/learn_queue.h"

#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

namespace sluice::dp {

template <class T>
Result<std::unique_ptr<WorkerQueue<T>>> WorkerQueue<T>::create(const std::string& name,
                                                               uint32_t size) {
  rte_ring* r = rte_ring_create_elem(name.c_str(), sizeof(T), size, SOCKET_ID_ANY, RING_F_SC_DEQ);
  if (r == nullptr) {
    return fail("cannot create queue " + name + ": " + std::string(rte_strerror(rte_errno)));
  }
  return std::unique_ptr<WorkerQueue>(new WorkerQueue(r));
}

template <class T>
WorkerQueue<T>::~WorkerQueue() {
  rte_ring_free(ring_);
}

template <class T>
uint32_t WorkerQueue<T>::push(const T* records, uint32_t n) noexcept {
  return rte_ring_mp_enqueue_burst_elem(ring_, records, sizeof(T), n, nullptr);
}

template <class T>
uint32_t WorkerQueue<T>::pop(T* out, uint32_t n) noexcept {
  return rte_ring_sc_dequeue_burst_elem(ring_, out, sizeof(T), n, nullptr);
}

template class WorkerQueue<LearnRequest>;
template class WorkerQueue<PacketInRecord>;

}  // namespace sluice::dp
