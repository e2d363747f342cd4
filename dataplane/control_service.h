// ControlService: the dataplane's only reader of the control channel, run on the main lcore
// between worker bursts (workers never touch it and never wait for it).
//
// Each poll: drains MAC learning requests, reads every client slot's messages and applies
// them — FLOW_MOD and GROUP_MOD go to the FlowStore, ports to the PortManager, multipart
// requests are answered from live state — then, if anything changed, compiles new Tables
// and publishes them (one pointer swap; the old version is freed after an RCU grace period).
// A BARRIER_REPLY is sent only after everything before it is published, so it means "live in
// every worker". Every rejected message gets the OpenFlow ERROR the spec names and is counted;
// nothing a client sends can stop the service. Periodic jobs: link state (PORT_STATUS to every
// client), MAC aging, channel heartbeats.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <vector>

#include "dataplane/compiler.h"
#include "dataplane/control_stats.h"
#include "dataplane/flow_store.h"
#include "dataplane/learn_queue.h"
#include "dataplane/mac_table.h"
#include "dataplane/packet_out.h"
#include "dataplane/ports.h"
#include "dataplane/tables.h"
#include "openflow/channel/channel.h"

struct rte_mempool;

namespace sluice::dp {

struct ControlEnv {
  of::ChannelServer* channel = nullptr;
  PortManager* ports = nullptr;
  MacTable* macs = nullptr;
  LearnQueue* learn = nullptr;
  PacketInQueue* packet_in = nullptr;
  PacketOutQueue* packet_out = nullptr;
  rte_mempool* pool = nullptr;  // for PACKET_OUT frames
  TablesHandle* tables = nullptr;
  FlowStore* flows = nullptr;
  ControlStats* stats = nullptr;
  // Held while ports or tables change, so the metrics exporter reads a consistent view.
  std::mutex* state_mutex = nullptr;
  std::span<WorkerCounters* const> workers;
  uint64_t datapath_id = 0;
  Specialisers specialisers;  // the network functions' tables (special_table.h)
};

class ControlService {
 public:
  explicit ControlService(ControlEnv env);
  // One round of control work. Returns true if it did anything (the caller sleeps less).
  bool poll();
  // A BARRIER_REPLY waits for the workers' grace period (poll soon).
  bool waiting() const noexcept { return !held_.empty(); }

 private:
  void handle(uint32_t slot, std::span<const uint8_t> msg);
  bool dispatch(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  void handle_multipart(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  void handle_experimenter(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  void reply_error(uint32_t slot, uint32_t xid, const of::ErrorMsg& err);
  void reply_error(uint32_t slot, uint32_t xid, const of::OfError& err,
                   std::span<const uint8_t> request);
  void send(uint32_t slot, const of::Bytes& bytes);
  void broadcast(const of::Bytes& bytes);
  void republish_if_dirty();
  void note_change();  // something the tables depend on changed (publish soon)
  void republish(const StoreChanges& changes);
  bool release_held();  // sends the held replies once the last publish is live; true if it did
  void sync_statics(const std::map<uint64_t, StaticMac>& wanted);
  void set_switch_config(Tables& t) const;  // what SET_CONFIG put in the tables
  bool drain_learning();  // true if it took any request
  void send_flow_removed();
  void send_packet_ins();
  // control_openflow.cc
  struct Bundle {
    uint16_t flags = 0;
    bool closed = false;
    std::vector<std::vector<uint8_t>> messages;  // FLOW_MODs and GROUP_MODs, checked, in order
  };
  struct SlotBundles {
    uint64_t session = 0;  // the client they belong to
    std::map<uint32_t, Bundle> open;
    size_t bytes = 0;  // of the messages held in 'open'
  };
  void reply_desc(uint32_t xid);
  bool packet_out(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  void reply_table_stats(uint32_t xid);
  void reply_group_stats(uint32_t xid, uint32_t group);
  void handle_onf(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  SlotBundles& bundles_of(uint32_t slot);
  bool commit(uint32_t slot, const Bundle& bundle);
  void periodic();
  of::PortStats port_stats(uint16_t slot) const;

  ControlEnv env_;
  of::Bytes out_;
  std::vector<uint8_t> in_;
  bool dirty_ = false;
  uint64_t version_ = 0;
  Compiler compiler_;  // remembers the last program, to recompile only what changed
  uint64_t live_token_ = 0;  // the last publish's grace-period token (TablesHandle::is_live)
  std::map<uint32_t, of::Bytes> held_;  // per slot: a BARRIER_REPLY waiting for live_token_
  uint32_t mac_aging_ = 300;
  std::map<uint64_t, StaticMac> statics_;
  uint64_t next_link_poll_ = 0;
  uint64_t next_aging_ = 0;
  uint64_t next_expiry_ = 0;
  uint64_t first_unpublished_ = 0;
  std::map<uint32_t, SlotBundles> bundles_;  // per channel slot
  of::OfSwitchConfig of_config_;              // GET_CONFIG / SET_CONFIG  // TSC of the oldest change not yet published
  uint64_t next_tick_ = 0;
};

}  // namespace sluice::dp
