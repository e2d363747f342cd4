// ControlFlows: the control messages about the FlowStore — FLOW_MOD and GROUP_MOD, the
// multiparts that read it (FLOW, AGGREGATE, TABLE, GROUP, GROUP_DESC), FLOW_REMOVED to every
// client, and flow expiry. Statistics live here rather than in a handler of their own because
// each reads the state of one family: the flows' here, the ports' in ControlPorts. Bundles
// (control_bundles.h) apply their messages with apply_mod(). Control lcore only.
#pragma once

#include <cstdint>
#include <span>

#include "dataplane/control_link.h"
#include "dataplane/control_stats.h"
#include "dataplane/counters.h"
#include "dataplane/flow_store.h"

namespace sluice::dp {

// Decodes 'msg', a FLOW_MOD or (any other 'type') a GROUP_MOD, and applies it to 'store';
// the decoder's or the store's error if either refuses it.
of::Decoded<void> apply_mod(FlowStore& store, of::MsgType type, std::span<const uint8_t> msg);
// Only the decoding: a bundle checks its messages when they are added.
of::Decoded<void> check_mod(of::MsgType type, std::span<const uint8_t> msg);

class ControlFlows {
 public:
  ControlFlows(ControlLink& link, FlowStore& flows, ControlStats& stats,
               std::span<WorkerCounters* const> workers)
      : link_(link), flows_(flows), stats_(stats), workers_(workers) {}

  // FLOW_MOD and GROUP_MOD: false if refused (with an ERROR to 'slot').
  bool modify(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  // Multipart requests (counted as applied even when refused).
  void flow_stats(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  void aggregate(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  void table_stats(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  void group_stats(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  void group_desc(uint32_t slot, const of::Header& h);

  // Removes the flows whose timeouts passed and tells every client (FLOW_REMOVED).
  void expire(SteadyTime now);
  void send_flow_removed();

 private:
  ControlLink& link_;
  FlowStore& flows_;
  ControlStats& stats_;
  std::span<WorkerCounters* const> workers_;
  of::Bytes out_;
};

}  // namespace sluice::dp
