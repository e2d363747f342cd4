// Runtime: the daemon's shared state, made once at start-up (daemon.cc, or the tests' harness)
// and alive until shutdown. It is the one place that says what exists; each part takes what it
// uses from it when it is built — a worker its queues and counters, a stage its MAC table or
// connection table, the metrics exporter what it reads — so adding shared state (a network
// function's table) is one field here and one constructor argument where it is used, not an
// edit to every context struct on the way.
//
// What a stage sees per burst (the published tables, the coarse clock, its worker's counters
// and output list) is StageContext (stage.h): it changes every burst, the Runtime never does.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>

#include "dataplane/learn_queue.h"
#include "dataplane/special_table.h"

struct rte_mempool;
struct rte_rcu_qsbr;

namespace sluice::of {
class ChannelServer;
}

namespace sluice::dp {

class Conntracker;
class FlowStore;
class MacTable;
class PacketOutQueue;
class PortManager;
class TablesHandle;
struct ControlStats;
struct WorkerCounters;

struct Runtime {
  // Shared by the workers and the control lcore.
  TablesHandle* tables = nullptr;
  MacTable* macs = nullptr;
  LearnQueue* learn = nullptr;            // workers ask, the control lcore learns
  PacketInQueue* packet_in = nullptr;     // frames for the controllers (nullptr: none)
  PacketOutQueue* packet_out = nullptr;   // PACKET_OUT frames for worker 0 (nullptr: none)
  rte_mempool* pool = nullptr;            // packet buffers (copies, PACKET_OUT frames)
  Conntracker* conntrack = nullptr;       // ct() (nullptr: none; conntrack.h)
  uint32_t conntrack_capacity = 262144;   // connections it tracks (options: --conntrack-max)
  const std::atomic<uint8_t>* link_state = nullptr;  // per port slot, written by the control lcore
  std::span<WorkerCounters* const> workers;          // each worker's counters, by index
  rte_rcu_qsbr* qsv = nullptr;
  const std::atomic<bool>* stop = nullptr;            // the workers stop when it becomes true
  uint32_t idle_sleep_max_us = 250;                   // worker back-off (0: never sleep)

  // The control lcore's.
  of::ChannelServer* channel = nullptr;
  PortManager* ports = nullptr;
  FlowStore* flows = nullptr;
  ControlStats* stats = nullptr;
  // Held while ports or tables change, so the metrics exporter reads a consistent view.
  std::mutex* state_mutex = nullptr;
  uint64_t datapath_id = 0;
  Specialisers specialisers;  // the network functions' tables (special_table.h)
};

}  // namespace sluice::dp
