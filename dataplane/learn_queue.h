// LearnQueue: workers ask the control lcore to learn or move a MAC (multi-producer,
// single-consumer rte_ring of fixed-size requests). A full queue never blocks a worker: the
// request is dropped and counted (learn_queue_full); the next packet from that MAC asks again.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "openflow/result.h"

struct rte_ring;

namespace sluice::dp {

struct LearnRequest {
  uint64_t key;   // mac_key(bd, mac)
  uint16_t slot;  // the port the MAC was seen on
  uint16_t pad[3];
};
static_assert(sizeof(LearnRequest) == 16);

class LearnQueue {
 public:
  static Result<std::unique_ptr<LearnQueue>> create(const std::string& name, uint32_t size);
  ~LearnQueue();
  // Workers: returns how many were queued.
  uint32_t push(const LearnRequest* reqs, uint32_t n) noexcept;
  // Control lcore: takes up to n.
  uint32_t pop(LearnRequest* out, uint32_t n) noexcept;

 private:
  explicit LearnQueue(rte_ring* r) : ring_(r) {}
  rte_ring* ring_;
};

}  // namespace sluice::dp
