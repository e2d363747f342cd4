// ControlPackets: frames between the controller and the data path — PACKET_OUT (a frame the
// controller has the switch send, through worker 0's packet-out queue) and PACKET_IN (frames
// the workers queued for the controller, sent to every client). Its own family because it
// reads the flows (groups) and the ports alike and owns neither. Control lcore only.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dataplane/control_link.h"
#include "dataplane/control_stats.h"
#include "dataplane/flow_store.h"
#include "dataplane/learn_queue.h"
#include "dataplane/packet_out.h"
#include "dataplane/ports.h"

struct rte_mbuf;
struct rte_mempool;

namespace sluice::dp {

class ControlPackets {
 public:
  // 'packet_in', 'packet_out' and 'pool' may be null (no PACKET_IN; PACKET_OUT refused).
  ControlPackets(ControlLink& link, const FlowStore& flows, const PortManager& ports,
                 PacketInQueue* packet_in, PacketOutQueue* packet_out, rte_mempool* pool,
                 ControlStats& stats)
      : link_(link),
        flows_(flows),
        ports_(ports),
        packet_in_(packet_in),
        packet_out_(packet_out),
        pool_(pool),
        stats_(stats) {}

  // False if refused (with an ERROR to 'slot').
  bool packet_out(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  // Sends every queued PACKET_IN to every client.
  void send_packet_ins();

 private:
  of::Decoded<uint16_t> in_slot_of(const of::PacketOut& po) const;
  of::Decoded<rte_mbuf*> copy_frame(std::span<const uint8_t> frame) const;
  void send_packet_in(const PacketInRecord& r, std::vector<uint8_t>& frame);

  ControlLink& link_;
  const FlowStore& flows_;
  const PortManager& ports_;
  PacketInQueue* packet_in_;
  PacketOutQueue* packet_out_;
  rte_mempool* pool_;
  ControlStats& stats_;
  of::Bytes out_;
};

}  // namespace sluice::dp
