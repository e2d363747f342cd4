// PacketOutQueue: PACKET_OUT frames from the control lcore to worker 0, which sends them on its
// own transmit queues (the control lcore has none). A fixed pool of jobs travels through two
// single-producer/single-consumer rings (to the worker, and back to the pool), so neither side
// allocates per packet and a slow worker shows as "queue full" to the controller, never as a
// stall.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "openflow/messages.h"
#include "openflow/result.h"

struct rte_ring;
struct rte_mbuf;

namespace sluice::dp {

struct PacketOutJob {
  rte_mbuf* m = nullptr;     // the frame; the worker takes it
  uint16_t in_slot = 0xffff;  // the port it is "from" (0xffff: the controller)
  of::ActionList actions;
};

class PacketOutQueue {
 public:
  static Result<std::unique_ptr<PacketOutQueue>> create(const std::string& name,
                                                        uint32_t jobs = 255);
  ~PacketOutQueue();  // frees the frames of jobs never run
  PacketOutQueue(const PacketOutQueue&) = delete;
  PacketOutQueue& operator=(const PacketOutQueue&) = delete;

  // Control lcore.
  PacketOutJob* take_free() noexcept;    // nullptr while every job is in flight
  bool submit(PacketOutJob* job) noexcept;
  // Worker 0.
  uint32_t receive(PacketOutJob** out, uint32_t n) noexcept;
  void release(PacketOutJob* job) noexcept;  // after taking (sending or freeing) job->m

 private:
  PacketOutQueue() = default;
  std::vector<PacketOutJob> jobs_;
  rte_ring* free_ = nullptr;
  rte_ring* todo_ = nullptr;
};

}  // namespace sluice::dp
