#include "dataplane/packet_out.h"

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

namespace sluice::dp {

Result<std::unique_ptr<PacketOutQueue>> PacketOutQueue::create(const std::string& name,
                                                              uint32_t jobs) {
  std::unique_ptr<PacketOutQueue> q(new PacketOutQueue());
  const unsigned flags = RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ;
  q->free_ = rte_ring_create((name + "_f").c_str(), jobs, SOCKET_ID_ANY, flags);
  q->todo_ = rte_ring_create((name + "_t").c_str(), jobs, SOCKET_ID_ANY, flags);
  if (q->free_ == nullptr || q->todo_ == nullptr) {
    return fail("cannot create the packet-out queue: " + std::string(rte_strerror(rte_errno)));
  }
  q->jobs_.resize(jobs);
  for (PacketOutJob& j : q->jobs_) rte_ring_sp_enqueue(q->free_, &j);
  return q;
}

PacketOutQueue::~PacketOutQueue() {
  void* job = nullptr;
  while (todo_ != nullptr && rte_ring_sc_dequeue(todo_, &job) == 0) {
    rte_pktmbuf_free(static_cast<PacketOutJob*>(job)->m);
  }
  rte_ring_free(todo_);
  rte_ring_free(free_);
}

PacketOutJob* PacketOutQueue::take_free() noexcept {
  void* job = nullptr;
  return rte_ring_sc_dequeue(free_, &job) == 0 ? static_cast<PacketOutJob*>(job) : nullptr;
}

bool PacketOutQueue::submit(PacketOutJob* job) noexcept {
  return rte_ring_sp_enqueue(todo_, job) == 0;
}

uint32_t PacketOutQueue::receive(PacketOutJob** out, uint32_t n) noexcept {
  return rte_ring_sc_dequeue_burst(todo_, reinterpret_cast<void**>(out), n, nullptr);
}

void PacketOutQueue::release(PacketOutJob* job) noexcept {
  job->m = nullptr;
  rte_ring_sp_enqueue(free_, job);
}

}  // namespace sluice::dp
