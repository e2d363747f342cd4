// ControlService: the dataplane's only reader of the control channel, run on the main lcore
// between worker bursts (workers never touch it and never wait for it).
//
// Each poll: drains MAC learning requests, reads every client slot's messages and routes each
// to the handler of its family — the switch (control_switch.h), ports (control_ports.h), flows
// and their statistics (control_flows.h), bundles (control_bundles.h), packet-out and -in
// (control_packets.h) — then, if anything changed, compiles new Tables
// and publishes them (one pointer swap; the old version is freed after an RCU grace period).
// A BARRIER_REPLY is sent only after everything before it is published, so it means "live in
// every worker". Every rejected message gets the OpenFlow ERROR the spec names and is counted;
// nothing a client sends can stop the service. Periodic jobs: link state (PORT_STATUS to every
// client), MAC aging, channel heartbeats.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <vector>

#include "dataplane/compiler.h"
#include "dataplane/control_bundles.h"
#include "dataplane/control_flows.h"
#include "dataplane/control_link.h"
#include "dataplane/control_packets.h"
#include "dataplane/control_ports.h"
#include "dataplane/control_stats.h"
#include "dataplane/control_switch.h"
#include "dataplane/flow_store.h"
#include "dataplane/learn_queue.h"
#include "dataplane/mac_table.h"
#include "dataplane/packet_out.h"
#include "dataplane/ports.h"
#include "dataplane/runtime.h"
#include "dataplane/tables.h"
#include "openflow/channel/channel.h"

struct rte_mempool;

namespace sluice::dp {

class ControlService : private ControlLink {
 public:
  // Takes what it uses from the daemon's runtime (a copy of its pointers; all outlive it).
  explicit ControlService(const Runtime& rt);
  // One round of control work. Returns true if it did anything (the caller sleeps less).
  bool poll();
  // A BARRIER_REPLY waits for the workers' grace period (poll soon).
  bool waiting() const noexcept { return !held_.empty(); }

 private:
  // The channel loop.
  bool read_requests(bool& busy);  // true if a slot still has messages after its share
  void handle(uint32_t slot, std::span<const uint8_t> msg);
  // Routes a message to the handler of its family; false if it was refused.
  bool dispatch(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  void handle_multipart(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  void handle_experimenter(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  bool barrier(uint32_t slot, const of::Header& h);
  bool release_held();    // sends the held replies once the last publish is live; true if it did
  bool drain_learning();  // true if it took any request
  void periodic();
  void copy_channel_stats();

  // ControlLink: what the handlers ask of the service.
  using ControlLink::reply_error;
  void send(uint32_t slot, const of::Bytes& bytes) override;
  void broadcast(const of::Bytes& bytes) override;
  void send_part(uint32_t slot, of::Bytes& out) override;
  void reply_error(uint32_t slot, uint32_t xid, const of::ErrorMsg& err) override;
  void note_change() override;
  void mark_dirty() override { dirty_ = true; }
  void republish_if_dirty() override;
  void publish_now(const std::array<PortRuntime, kMaxPorts>& ports,
                   const std::function<void()>& then) override;

  // Publishing.
  void republish(const StoreChanges& changes);
  void sync_statics(const std::map<uint64_t, StaticMac>& wanted);

  const Runtime rt_;
  // The handlers, one per family of messages, each with the state of its family.
  ControlSwitch switch_;
  ControlPorts ports_;
  ControlFlows flows_;
  ControlBundles bundles_;
  ControlPackets packets_;

  of::Bytes out_;
  std::vector<uint8_t> in_;
  bool dirty_ = false;
  uint64_t errors_sent_ = 0;  // OFPT_ERRORs sent: a message that caused one was rejected
  uint64_t first_unpublished_ = 0;  // TSC of the oldest change not yet published
  uint64_t version_ = 0;
  Compiler compiler_;        // remembers the last program, to recompile only what changed
  uint64_t live_token_ = 0;  // the last publish's grace-period token (TablesHandle::is_live)
  std::map<uint32_t, of::Bytes> held_;  // per slot: a BARRIER_REPLY waiting for live_token_
  std::map<uint64_t, StaticMac> statics_;
  uint64_t next_tick_ = 0;
  uint64_t next_link_poll_ = 0;
  uint64_t next_aging_ = 0;
  uint64_t next_expiry_ = 0;
};

}  // namespace sluice::dp
