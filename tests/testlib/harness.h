// Harness: one worker's world for a test — Tables, MacTable, LearnQueue, WorkerCounters and
// link states — with an injected clock ('now').
//
// Stage tests: run_stage() runs one Stage over one burst built from {mbuf, in_slot, bd} and
// returns, per packet, the drop reason's name ("none" when it passes), the frame bytes as the
// stage left them, and the packet's metadata. Stages after parse get the metadata parse would
// have written (parse runs first, and must pass). The harness frees every mbuf.
//
// Pipeline tests: add_ring_port() creates a real DPDK net_ring port (rte_eth_from_rings) with
// its own rx and tx rings; inject() puts frames on a port's rx ring, poll() runs one iteration
// of the real worker loop (dp::Worker::poll_once over the composition root's stages: rx burst
// per active port → counters → Pipeline::run, the burst reused from poll to poll), and sent()
// takes what the pipeline transmitted on a port, in order.
//
// Tables come from a TablesBuilder (FlowStore + compile(), the real control path); install()
// also installs the compiled static MACs into the MacTable, like the control service.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/burst.h"
#include "dataplane/compiler.h"
#include "dataplane/conntrack.h"
#include "dataplane/counters.h"
#include "dataplane/learn_queue.h"
#include "dataplane/mac_table.h"
#include "dataplane/pipeline.h"
#include "dataplane/stage.h"
#include "dataplane/tables.h"
#include "dataplane/worker.h"
#include "tests/testlib/packet_builder.h"
#include "tests/testlib/tables_builder.h"

struct rte_ring;

namespace sluice::test {

struct HarnessOptions {
  uint32_t mac_capacity = 1024;
  uint32_t learn_queue_size = 1024;  // a power of two; holds size - 1 requests
  rte_mempool* copy_pool = nullptr;  // the pipeline's pool for flood copies (test_pool())
  uint32_t conntrack_capacity = 4096;  // connections ct() may track
};

struct Input {
  rte_mbuf* m = nullptr;
  uint16_t in_slot = 0;
  std::optional<uint16_t> bd;  // meta.bd before the stage, as ingress sets it for the learning table
};

struct Outcome {
  std::string reason;          // "none" when the stage passed the packet
  std::vector<uint8_t> bytes;  // the frame as the stage left it
  dp::PacketMeta meta;
};

// A net_ring ethdev over two rte_rings: frames enqueued on 'rx' are received by the port,
// frames the port transmits land on 'tx'.
class RingPort {
 public:
  // tx_capacity: how many frames the tx ring holds (exactly).
  static std::unique_ptr<RingPort> create(unsigned tx_capacity);
  ~RingPort();
  uint16_t port_id() const noexcept { return port_id_; }
  bool inject(rte_mbuf* m);
  std::vector<std::vector<uint8_t>> take_sent();

 private:
  RingPort() = default;
  rte_ring* rx_ = nullptr;
  rte_ring* tx_ = nullptr;
  uint16_t port_id_ = 0;
  bool started_ = false;
};

class Harness {
 public:
  explicit Harness(HarnessOptions opts = {});
  ~Harness();
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  // A port slot without a device (stage tests): active, admin up, link up.
  void add_port(uint16_t slot, uint32_t of_port, uint16_t mtu = 1500);
  // A port slot backed by a net_ring device (pipeline tests).
  void add_ring_port(uint16_t slot, uint32_t of_port, uint16_t mtu = 1500,
                     unsigned tx_capacity = 512);
  std::array<dp::PortRuntime, dp::kMaxPorts>& ports() noexcept { return ports_; }

  // Compiles 'b' against ports() and publishes the result (statics go into the MacTable).
  void install(TablesBuilder& b);
  void install(dp::Compiled compiled);
  const dp::Tables& tables();

  dp::MacTable& macs() noexcept { return *macs_; }
  dp::LearnQueue& learn_queue() noexcept { return *learn_; }
  dp::WorkerCounters& counters() noexcept { return *counters_; }
  // The runtime its worker and stages are built from: the MAC table, learning queue, counters
  // and link state above; no PACKET_IN or PACKET_OUT queues.
  const dp::Runtime& runtime() const noexcept { return runtime_; }
  void set_link(uint16_t slot, bool up) { link_[slot].store(up ? 1 : 0); }
  uint32_t now = 1000;  // the injected clock (seconds)

  dp::StageContext context();

  // ---- Stage tests ----
  std::vector<Outcome> run_stage(dp::Stage& stage, const std::vector<Input>& inputs);
  std::vector<dp::LearnRequest> take_learn_requests();
  // Applies the queued learn requests to the MacTable, as the control lcore does.
  void learn_all();

  // ---- Pipeline tests ----
  bool inject(uint16_t slot, rte_mbuf* m);
  bool inject(uint16_t slot, const PacketBuilder& p);
  // One worker iteration over every active port; returns how many frames were received.
  uint32_t poll();
  std::vector<std::vector<uint8_t>> sent(uint16_t slot);
  dp::Pipeline& pipeline();

  // Counters, by name, as the exporter would label them.
  uint64_t stage_drops(std::string_view stage, std::string_view reason);
  uint64_t output_drops(dp::OutputDrop why) const;
  uint64_t flow_packets(uint32_t counter) const;
  uint64_t flow_bytes(uint32_t counter) const;
  const dp::PortCounters& port(uint16_t slot) const { return counters_->ports[slot]; }

 private:
  std::array<dp::PortRuntime, dp::kMaxPorts> ports_{};
  std::array<std::unique_ptr<RingPort>, dp::kMaxPorts> rings_{};
  std::unique_ptr<dp::Tables> tables_;
  std::unique_ptr<dp::MacTable> macs_;
  std::unique_ptr<dp::LearnQueue> learn_;
  std::unique_ptr<dp::WorkerCounters> counters_;
  std::array<std::atomic<uint8_t>, dp::kMaxPorts> link_{};
  std::array<dp::WorkerCounters*, 1> counter_ptrs_{};
  dp::Runtime runtime_;
  std::unique_ptr<dp::Conntracker> conntrack_;  // ct(): the composition root's tracker
  std::unique_ptr<dp::Worker> worker_;  // its pipeline runs the composition root's stages
  std::unique_ptr<dp::Burst> burst_;
  rte_mempool* copy_pool_ = nullptr;
};

// The names of the reasons a stage's verdicts carry, for readable expectations.
std::vector<std::string> reasons(const std::vector<Outcome>& outcomes);

}  // namespace sluice::test
