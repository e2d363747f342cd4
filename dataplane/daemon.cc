#include "dataplane/daemon.h"

#include <thread>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/clock.h"
#include "dataplane/conntrack.h"
#include "dataplane/control_service.h"
#include "dataplane/eal.h"
#include "dataplane/huge.h"
#include "dataplane/learn_queue.h"
#include "dataplane/packet_out.h"
#include "dataplane/log.h"
#include "dataplane/mac_table.h"
#include "dataplane/metrics.h"
#include "dataplane/ports.h"
#include "dataplane/stats.h"
#include "dataplane/worker.h"
#include "openflow/channel/channel.h"

namespace sluice::dp {

struct Daemon::Parts {
  DaemonOptions opts;
  rte_mempool* pool = nullptr;
  rte_rcu_qsbr* qsv = nullptr;
  std::mutex state_mutex;
  std::atomic<bool> stop_workers{false};
  std::array<std::atomic<uint8_t>, kMaxPorts> link_state{};
  std::vector<HugeUnique<WorkerCounters>> counters;
  std::vector<WorkerCounters*> counter_ptrs;
  std::unique_ptr<MacTable> macs;
  std::unique_ptr<LearnQueue> learn;
  std::unique_ptr<PacketInQueue> packet_in;
  std::unique_ptr<PacketOutQueue> packet_out;
  std::unique_ptr<TablesHandle> tables;
  std::unique_ptr<Conntracker> conntrack;
  std::unique_ptr<FlowStore> flows;
  std::unique_ptr<PortManager> ports;
  std::optional<of::ChannelServer> channel;
  ControlStats control_stats;
  Runtime runtime;  // what every part takes its state from (runtime.h)
  std::unique_ptr<ControlService> control;
  std::vector<HugeUnique<Worker>> workers;
  std::unique_ptr<MetricsExporter> metrics;
  bool workers_running = false;

  ~Parts() {
    stop_workers.store(true);
    if (workers_running) rte_eal_mp_wait_lcore();
    channel.reset();  // first: controllers see the channel close at once, not a silent one
    metrics.reset();  // the HTTP server takes up to 2 s to notice it should stop
    ports.reset();    // removes every device
    workers.clear();
    conntrack.reset();
    tables.reset();
    macs.reset();
    learn.reset();
    packet_out.reset();  // frees the frames of jobs never run
    if (packet_in) {
      // Frames still waiting for the control lcore go back to the pool before it is freed.
      PacketInRecord r;
      while (packet_in->pop(&r, 1) == 1) rte_pktmbuf_free(r.m);
      packet_in.reset();
    }
    control.reset();
    counter_ptrs.clear();
    counters.clear();  // hugepage memory (huge.h): gone before EAL is
    if (pool != nullptr) rte_mempool_free(pool);
    rte_free(qsv);
    stop_eal();
  }
};

namespace {

int worker_main(void* arg) { return static_cast<Worker*>(arg)->run(); }

uint64_t datapath_id_for(const std::string& channel) {
  return 0x5c00000000000000ULL | (std::hash<std::string>{}(channel) & 0xffffffffffffULL);
}

}  // namespace

Daemon::Daemon(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
Daemon::~Daemon() = default;

Result<std::unique_ptr<Daemon>> Daemon::start(const DaemonOptions& opts, const Composition& parts) {
  set_log_level(opts.log_level);
  auto eal = start_eal(opts, "sluiced");
  if (!eal) return std::unexpected(eal.error());
  auto p = std::make_unique<Parts>();
  p->opts = opts;
  const uint16_t n_workers = static_cast<uint16_t>(opts.worker_cores.size());

  p->pool = rte_pktmbuf_pool_create("sluice_mbufs", opts.mbufs, 256, 0,
                                    RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
  if (p->pool == nullptr) {
    return fail("cannot create a pool of " + std::to_string(opts.mbufs) +
                " packet buffers: " + rte_strerror(rte_errno) + " (try more --memory)");
  }
  const size_t qs_size = rte_rcu_qsbr_get_memsize(n_workers);
  p->qsv = static_cast<rte_rcu_qsbr*>(rte_zmalloc("sluice_rcu", qs_size, RTE_CACHE_LINE_SIZE));
  if (p->qsv == nullptr || rte_rcu_qsbr_init(p->qsv, n_workers) != 0) {
    return fail("cannot set up RCU for the workers");
  }
  for (uint16_t i = 0; i < n_workers; ++i) {
    p->counters.push_back(make_huge<WorkerCounters>());
    p->counter_ptrs.push_back(p->counters.back().get());
  }
  auto macs = MacTable::create("sluice_macs", opts.mac_table_size, p->qsv);
  if (!macs) return std::unexpected(macs.error());
  p->macs = std::move(*macs);
  auto learn = LearnQueue::create("sluice_learn", 8192);
  if (!learn) return std::unexpected(learn.error());
  p->learn = std::move(*learn);
  auto packet_in = PacketInQueue::create("sluice_pktin", 4096);
  if (!packet_in) return std::unexpected(packet_in.error());
  p->packet_in = std::move(*packet_in);
  auto packet_out = PacketOutQueue::create("sluice_pktout");
  if (!packet_out) return std::unexpected(packet_out.error());
  p->packet_out = std::move(*packet_out);
  p->tables = std::make_unique<TablesHandle>(p->qsv);
  std::span<WorkerCounters* const> workers(p->counter_ptrs);
  p->flows = std::make_unique<FlowStore>(kMaxFlowCounters, [workers](uint32_t c) {
    return FlowTotals{sum_flow_packets(workers, c), sum_flow_bytes(workers, c)};
  });
  PortManager::HostSettings host;
  host.env.pcap_dir = opts.pcap_dir;
  host.env.vhost_socket_dir = opts.vhost_socket_dir;
  host.env.allow_uplink_ports = opts.allow_uplink_ports;
  host.vhost_socket_mode = static_cast<mode_t>(opts.vhost_socket_mode);
  host.vhost_socket_gid = static_cast<gid_t>(opts.vhost_socket_gid);
  p->ports = std::make_unique<PortManager>(p->pool, n_workers, p->link_state.data(), host);
  auto channel = of::ChannelServer::create(opts.channel, {});
  if (!channel) return std::unexpected(channel.error());
  if (!channel->notice().empty()) log_warning("control channel: %s", channel->notice().c_str());
  p->channel.emplace(std::move(*channel));

  Runtime& rt = p->runtime;
  rt.tables = p->tables.get();
  rt.macs = p->macs.get();
  rt.learn = p->learn.get();
  rt.packet_in = p->packet_in.get();
  rt.packet_out = p->packet_out.get();
  rt.pool = p->pool;
  rt.link_state = p->link_state.data();
  rt.workers = workers;
  rt.qsv = p->qsv;
  rt.stop = &p->stop_workers;
  rt.idle_sleep_max_us = opts.idle_sleep_max_us;
  rt.channel = &*p->channel;
  rt.ports = p->ports.get();
  rt.flows = p->flows.get();
  rt.stats = &p->control_stats;
  rt.state_mutex = &p->state_mutex;
  rt.datapath_id = datapath_id_for(opts.channel);
  rt.specialisers = parts.specialisers;
  rt.conntrack_capacity = opts.conntrack_max;
  if (parts.make_conntrack) {
    p->conntrack = parts.make_conntrack(rt, n_workers);
    rt.conntrack = p->conntrack.get();
  }
  p->control = std::make_unique<ControlService>(rt);

  for (uint16_t i = 0; i < n_workers; ++i) {
    p->workers.push_back(
        make_huge<Worker>(rt, i, Pipeline(parts.make_stages(rt, i), rt, i)));
  }

  if (opts.metrics != "off") {
    auto m = MetricsExporter::start(opts.metrics, rt, p->workers[0]->stages());
    if (!m) return std::unexpected(m.error());
    p->metrics = std::move(*m);
  }

  for (uint16_t i = 0; i < n_workers; ++i) {
    if (rte_eal_remote_launch(worker_main, p->workers[i].get(), i + 1u) != 0) {
      return fail("cannot start worker " + std::to_string(i));
    }
  }
  p->workers_running = true;
  std::string cores;
  for (unsigned c : opts.worker_cores) cores += (cores.empty() ? "" : ",") + std::to_string(c);
  log_info("sluiced ready: channel %s (/dev/shm/sluice.%s), metrics %s, %u worker(s) on CPU %s, %s",
           opts.channel.c_str(), opts.channel.c_str(),
           opts.metrics == "off" ? "off" : ("http://" + opts.metrics + "/metrics").c_str(),
           n_workers, cores.c_str(), eal->hugepages ? "hugepages" : "no hugepages");
  return std::unique_ptr<Daemon>(new Daemon(std::move(p)));
}

int Daemon::run(const std::atomic<bool>& stop) {
  // The control lcore sleeps between empty polls: 200 us when quiet, 10 us while a barrier
  // waits for the workers or within 20 ms of the last message (a controller's request-reply
  // exchanges, like ovs-ofctl's FLOW_MOD + BARRIER per flow, come in such runs).
  using Clock = std::chrono::steady_clock;
  auto last_busy = Clock::now() - std::chrono::seconds(1);
  auto next_sweep = Clock::now();
  while (!stop.load(std::memory_order_relaxed)) {
    // Connection expiry: a bounded slice of the table every 10 ms.
    if (Conntracker* ct = parts_->runtime.conntrack; ct != nullptr && Clock::now() >= next_sweep) {
      ct->sweep(now_seconds());
      next_sweep = Clock::now() + std::chrono::milliseconds(10);
    }
    if (parts_->control->poll()) {
      last_busy = Clock::now();
      continue;
    }
    const bool active = parts_->control->waiting() ||
                        Clock::now() - last_busy < std::chrono::milliseconds(20);
    std::this_thread::sleep_for(std::chrono::microseconds(active ? 10 : 200));
  }
  log_info("sluiced stopping");
  return 0;
}

}  // namespace sluice::dp
