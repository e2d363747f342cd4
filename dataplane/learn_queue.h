// Queues from the workers to the control lcore (multi-producer, single-consumer rte_rings of
// fixed-size records). A full queue never blocks a worker: the record is dropped and counted by
// the caller. Two kinds:
//   LearnQueue:    "learn or move this MAC" (learn_queue_full; the next packet asks again)
//   PacketInQueue: a frame for the controllers (PACKET_IN), with what the message needs
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "openflow/result.h"

struct rte_ring;
struct rte_mbuf;

namespace sluice::dp {

struct LearnRequest {
  uint64_t key;   // mac_key(bd, mac)
  uint16_t slot;  // the port the MAC was seen on
  uint16_t pad[3];
};
static_assert(sizeof(LearnRequest) == 16);

struct PacketInRecord {
  rte_mbuf* m;         // the frame (a copy, or the packet itself); the control lcore frees it
  uint64_t cookie;     // of the flow that sent it
  uint64_t metadata;   // pipeline metadata at that point
  uint32_t in_port;    // OpenFlow port number
  uint16_t max_len;    // bytes of the frame to send (0xffff: all)
  uint8_t reason;      // ofp_packet_in_reason
  uint8_t table_id;
};
static_assert(sizeof(PacketInRecord) == 32);

template <class T>
class WorkerQueue {
 public:
  static Result<std::unique_ptr<WorkerQueue>> create(const std::string& name, uint32_t size);
  ~WorkerQueue();
  WorkerQueue(const WorkerQueue&) = delete;
  WorkerQueue& operator=(const WorkerQueue&) = delete;
  // Workers: returns how many were queued.
  uint32_t push(const T* records, uint32_t n) noexcept;
  // Control lcore: takes up to n.
  uint32_t pop(T* out, uint32_t n) noexcept;

 private:
  explicit WorkerQueue(rte_ring* r) : ring_(r) {}
  rte_ring* ring_;
};

using LearnQueue = WorkerQueue<LearnRequest>;
using PacketInQueue = WorkerQueue<PacketInRecord>;

}  // namespace sluice::dp
