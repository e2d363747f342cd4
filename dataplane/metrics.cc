#include "dataplane/metrics.h"

#include <algorithm>

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>

#include <rte_ethdev.h>

#include "dataplane/conntrack.h"
#include "dataplane/mac_table.h"
#include "dataplane/ports.h"
#include "dataplane/stage.h"
#include "dataplane/tables.h"

namespace sluice::dp {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

class Families {
 public:
  MetricFamily& family(const std::string& name, const std::string& help, MetricType type) {
    for (auto& f : out_) {
      if (f.name == name) return f;
    }
    out_.push_back(MetricFamily{name, help, type, {}});
    return out_.back();
  }
  void add(const std::string& name, const std::string& help, MetricType type,
           std::vector<ClientMetric::Label> labels, double value) {
    ClientMetric m;
    m.label = std::move(labels);
    if (type == MetricType::Counter) {
      m.counter.value = value;
    } else {
      m.gauge.value = value;
    }
    family(name, help, type).metric.push_back(std::move(m));
  }
  void counter(const std::string& name, const std::string& help,
               std::vector<ClientMetric::Label> labels, double v) {
    add(name, help, MetricType::Counter, std::move(labels), v);
  }
  void gauge(const std::string& name, const std::string& help,
             std::vector<ClientMetric::Label> labels, double v) {
    add(name, help, MetricType::Gauge, std::move(labels), v);
  }
  std::vector<MetricFamily> take() { return std::move(out_); }

 private:
  std::vector<MetricFamily> out_;
};

template <class F>
double sum_workers(std::span<WorkerCounters* const> workers, F get) {
  double v = 0;
  for (const WorkerCounters* w : workers) v += static_cast<double>(get(*w));
  return v;
}

class Collector final : public prometheus::Collectable {
 public:
  Collector(const Runtime& rt, std::span<const std::unique_ptr<Stage>> stages)
      : rt_(rt), stages_(stages) {}

  std::vector<MetricFamily> Collect() const override {
    Families f;
    std::lock_guard lock(*rt_.state_mutex);
    collect_ports(f);
    collect_stages(f);
    collect_workers(f);
    collect_macs(f);
    collect_control(f);
    collect_conntrack(f);
    return f.take();
  }

 private:
  void collect_conntrack(Families& f) const {
    if (rt_.conntrack == nullptr) return;
    const CtStats s = rt_.conntrack->stats();
    const auto d = [](uint64_t v) { return static_cast<double>(v); };
    f.gauge("sluice_conntrack_entries", "Connections in the connection table.", {}, d(s.entries));
    f.gauge("sluice_conntrack_capacity", "Connections the table holds (--conntrack-max).", {},
            d(s.capacity));
    f.counter("sluice_conntrack_created_total", "Connections committed by ct(commit).", {},
              d(s.created));
    f.counter("sluice_conntrack_reopened_total",
              "Connections replaced by a new SYN on a closed tuple.", {}, d(s.reopened));
    const std::pair<const char*, uint64_t> invalid[] = {{"invalid", s.invalid},
                                                        {"untrackable", s.untrackable}};
    for (const auto& [why, n] : invalid) {
      f.counter("sluice_conntrack_invalid_total",
                "Packets ct() marked +inv: 'invalid' by flags, window or state, 'untrackable' "
                "fragments and cut-short headers.",
                {{"reason", why}}, d(n));
    }
    const std::pair<const char*, uint64_t> refused[] = {
        {"table_full", s.table_full}, {"port_limit", s.port_limit}, {"busy", s.busy}};
    for (const auto& [why, n] : refused) {
      f.counter("sluice_conntrack_refused_total",
                "Packets ct() refused and the pipeline dropped (openflow stage ct_* drops).",
                {{"reason", why}}, d(n));
    }
    const std::pair<const char*, uint64_t> reclaimed[] = {
        {"expired", s.expired}, {"evicted", s.evicted}, {"removed", s.removed}};
    for (const auto& [why, n] : reclaimed) {
      f.counter("sluice_conntrack_reclaimed_total",
                "Entries the sweeper freed: expired, evicted (half-open, under memory "
                "pressure), removed (replaced or flushed).",
                {{"reason", why}}, d(n));
    }
  }

  void collect_ports(Families& f) const {
    for (uint16_t s : rt_.ports->slots_in_use()) {
      const PortRecord& rec = rt_.ports->record(s);
      const PortTotals t = sum_port(rt_.workers, s) - rec.baseline;
      const std::vector<ClientMetric::Label> port = {{"port", std::string(rec.def.name.view())}};
      f.counter("sluice_port_rx_packets_total", "Packets received on the port.", port, t.rx_packets);
      f.counter("sluice_port_rx_bytes_total", "Bytes received on the port.", port, t.rx_bytes);
      f.counter("sluice_port_tx_packets_total", "Packets sent on the port.", port, t.tx_packets);
      f.counter("sluice_port_tx_bytes_total", "Bytes sent on the port.", port, t.tx_bytes);
      f.counter("sluice_port_rx_dropped_total",
                "Packets received on the port and then dropped by a stage.", port, t.rx_dropped);
      f.counter("sluice_port_tx_dropped_total",
                "Packets bound for the port and dropped (queue full, port down, ...).", port,
                t.tx_dropped);
      rte_eth_stats dev{};
      if (rt_.ports->device_stats(s, dev)) {
        f.counter("sluice_port_rx_errors_total", "Receive errors reported by the device.", port,
                  static_cast<double>(dev.ierrors));
        f.counter("sluice_port_tx_errors_total", "Transmit errors reported by the device.", port,
                  static_cast<double>(dev.oerrors));
        f.counter("sluice_port_rx_missed_total",
                  "Packets the device dropped because its rx queue was full.", port,
                  static_cast<double>(dev.imissed));
      }
      f.gauge("sluice_port_link_up", "1 if the port's link is up.", port,
              rt_.ports->link_up(s) ? 1 : 0);
    }
    constexpr const char* kRefusedHelp =
        "PORT_ADDs refused before a device was created: by the device/option rules (argument) "
        "or by the host checks on files, sockets and interfaces (host).";
    const auto& refused = rt_.ports->refusals();
    f.counter("sluice_port_add_refused_total", kRefusedHelp, {{"reason", "argument"}},
              static_cast<double>(refused.argument.load(std::memory_order_relaxed)));
    f.counter("sluice_port_add_refused_total", kRefusedHelp, {{"reason", "host"}},
              static_cast<double>(refused.host.load(std::memory_order_relaxed)));
  }

  void collect_stages(Families& f) const {
    // The Pipeline refuses stage lists that do not fit the counter blocks; bound the reads
    // here too, so the exporter can never index past them.
    for (size_t i = 0; i < std::min(stages_.size(), kMaxStages); ++i) {
      const std::string stage(stages_[i]->name());
      const auto all_reasons = stages_[i]->drop_reason_names();
      const auto reasons = all_reasons.first(std::min(all_reasons.size(), kMaxDropReasons));
      f.counter("sluice_stage_packets_total", "Packets that entered the stage.", {{"stage", stage}},
                sum_workers(rt_.workers, [i](const WorkerCounters& w) { return w.stages[i].packets.get(); }));
      f.counter("sluice_stage_calls_total", "Bursts the stage processed (packets / calls = burst size).",
                {{"stage", stage}},
                sum_workers(rt_.workers, [i](const WorkerCounters& w) { return w.stages[i].calls.get(); }));
      f.counter("sluice_stage_cycles_total",
                "TSC cycles spent in the stage, measured on one burst in 8 "
                "(cycles / sluice_stage_timed_packets_total = cycles per packet).",
                {{"stage", stage}},
                sum_workers(rt_.workers, [i](const WorkerCounters& w) { return w.stages[i].cycles.get(); }));
      f.counter("sluice_stage_timed_packets_total",
                "Packets that entered the stage on the bursts its cycles were measured on.",
                {{"stage", stage}},
                sum_workers(rt_.workers, [i](const WorkerCounters& w) { return w.stages[i].timed_packets.get(); }));
      for (size_t r = 1; r < reasons.size(); ++r) {
        f.counter("sluice_drops_total", "Packets dropped, by stage and reason.",
                  {{"stage", stage}, {"reason", reasons[r]}},
                  sum_workers(rt_.workers, [i, r](const WorkerCounters& w) { return w.stages[i].drops[r].get(); }));
      }
    }
    for (size_t r = 1; r < kOutputDropNames.size(); ++r) {
      f.counter("sluice_drops_total", "Packets dropped, by stage and reason.",
                {{"stage", "output"}, {"reason", kOutputDropNames[r]}},
                sum_workers(rt_.workers, [r](const WorkerCounters& w) { return w.output_drops[r].get(); }));
    }
  }

  void collect_workers(Families& f) const {
    for (size_t i = 0; i < rt_.workers.size(); ++i) {
      const WorkerCounters& w = *rt_.workers[i];
      const std::vector<ClientMetric::Label> worker = {{"worker", std::to_string(i)}};
      const double packets = static_cast<double>(w.rx_packets.get());
      const double busy = static_cast<double>(w.busy_cycles.get());
      f.counter("sluice_worker_packets_total", "Packets received by the worker.", worker, packets);
      f.counter("sluice_worker_busy_cycles_total",
                "TSC cycles of loop iterations that received packets.", worker, busy);
      f.counter("sluice_worker_idle_cycles_total",
                "TSC cycles of loop iterations that received nothing.", worker,
                static_cast<double>(w.idle_cycles.get()));
      f.counter("sluice_worker_iterations_total", "Worker loop iterations.", worker,
                static_cast<double>(w.iterations.get()));
      f.counter("sluice_worker_sleeps_total", "Idle back-off sleeps.", worker,
                static_cast<double>(w.sleeps.get()));
      f.gauge("sluice_worker_processing_cycles_per_packet",
              "Busy cycles divided by packets received (as OVS pmd-stats-show).", worker,
              packets > 0 ? busy / packets : 0);
    }
    f.counter("sluice_learn_queue_full_total",
              "MAC learning requests dropped because the control lcore's queue was full.", {},
              sum_workers(rt_.workers, [](const WorkerCounters& w) { return w.learn_queue_full.get(); }));
    f.counter("sluice_flood_copies_total", "Packet copies made for flooding.", {},
              sum_workers(rt_.workers, [](const WorkerCounters& w) { return w.flood_copies.get(); }));
    f.counter("sluice_mac_cache_lookups_total",
              "MAC addresses looked up in the workers' MAC caches (source and destination).", {},
              sum_workers(rt_.workers, [](const WorkerCounters& w) { return w.mac_cache_lookups.get(); }));
    f.counter("sluice_mac_cache_misses_total",
              "MAC cache lookups that went on to the shared MAC table (a miss, or an unknown MAC).",
              {}, sum_workers(rt_.workers, [](const WorkerCounters& w) { return w.mac_cache_misses.get(); }));
  }

  void collect_macs(Families& f) const {
    for (const BridgeDomain& bd : rt_.tables->live().bds) {
      f.gauge("sluice_mac_table_entries", "MAC table entries (learned and static) per VLAN.",
              {{"vlan", std::to_string(bd.vid)}}, rt_.macs->entries_in_bd(bd.vid));
    }
    const MacTable::Stats& s = rt_.macs->stats();
    auto c = [&f](const char* name, const char* help, const std::atomic<uint64_t>& v) {
      f.counter(name, help, {}, static_cast<double>(v.load(std::memory_order_relaxed)));
    };
    c("sluice_mac_learned_total", "MAC addresses learned.", s.learned);
    c("sluice_mac_moved_total", "Learned MAC addresses that moved to another port.", s.moved);
    c("sluice_mac_aged_total", "Learned MAC addresses removed by aging.", s.aged);
    c("sluice_mac_flushed_total", "Learned MAC addresses removed by a port or VLAN change.", s.flushed);
    c("sluice_mac_limit_refused_total", "MAC addresses not learned: port at its MAC limit.", s.limit_refused);
    c("sluice_mac_table_full_total", "MAC addresses not learned: table full.", s.table_full);
    c("sluice_mac_vlan_limit_refused_total",
      "MAC addresses not learned: their VLAN holds its cap of learned MACs.", s.vlan_limit_refused);
    c("sluice_mac_static_conflicts_total", "Frames whose source is another port's static MAC.",
      s.static_conflicts);
  }

  void collect_control(Families& f) const {
    for (uint8_t t = 0; t < ControlStats::kTypes; ++t) {
      const uint64_t ok = rt_.stats->applied[t].load(std::memory_order_relaxed);
      const uint64_t bad = rt_.stats->rejected[t].load(std::memory_order_relaxed);
      if (ok == 0 && bad == 0) continue;
      const char* type = message_type_name(t);
      f.counter("sluice_control_messages_total", "Control messages by type and result.",
                {{"type", type}, {"result", "applied"}}, static_cast<double>(ok));
      f.counter("sluice_control_messages_total", "Control messages by type and result.",
                {{"type", type}, {"result", "rejected"}}, static_cast<double>(bad));
    }
    f.counter("sluice_control_undecodable_total", "Control frames whose header was invalid.", {},
              static_cast<double>(rt_.stats->undecodable.load()));
    f.counter("sluice_tables_published_total", "Table versions published to the workers.", {},
              static_cast<double>(rt_.stats->publishes.load()));
    constexpr const char* kCompilesHelp =
        "Published table versions by how they were compiled: only the flows that changed, or "
        "everything (after a group, port or learning-table change).";
    f.counter("sluice_table_compiles_total", kCompilesHelp, {{"kind", "incremental"}},
              static_cast<double>(rt_.stats->incremental_compiles.load()));
    f.counter("sluice_table_compiles_total", kCompilesHelp, {{"kind", "full"}},
              static_cast<double>(rt_.stats->full_compiles.load()));
    f.counter("sluice_packet_in_sent_total", "PACKET_IN messages sent to the controllers.", {},
              static_cast<double>(rt_.stats->packet_in_sent.load()));
    f.counter("sluice_flow_removed_sent_total", "FLOW_REMOVED messages sent (flows with SEND_FLOW_REM).",
              {}, static_cast<double>(rt_.stats->flow_removed_sent.load()));
    f.counter("sluice_bundles_total", "OpenFlow bundles committed or refused (nothing applied).",
              {{"result", "committed"}}, static_cast<double>(rt_.stats->bundles_committed.load()));
    f.counter("sluice_bundles_total", "OpenFlow bundles committed or refused (nothing applied).",
              {{"result", "failed"}}, static_cast<double>(rt_.stats->bundles_failed.load()));
    f.counter("sluice_bundle_refusals_total",
              "Bundle requests refused at a bound: opens past the open-bundle limit of a channel slot, "
              "adds past the message or byte cap.",
              {{"what", "open"}}, static_cast<double>(rt_.stats->bundle_opens_refused.load()));
    f.counter("sluice_bundle_refusals_total",
              "Bundle requests refused at a bound: opens past the open-bundle limit of a channel slot, "
              "adds past the message or byte cap.",
              {{"what", "add"}}, static_cast<double>(rt_.stats->bundle_adds_refused.load()));
    constexpr const char* kDisconnectHelp =
        "Control channel clients the dataplane disconnected: after a corrupt frame, or because "
        "their unread replies reached the outbox limit.";
    f.counter("sluice_channel_disconnects_total", kDisconnectHelp, {{"reason", "corrupt_frame"}},
              static_cast<double>(rt_.stats->channel_broken_frames.load()));
    f.counter("sluice_channel_disconnects_total", kDisconnectHelp, {{"reason", "outbox_full"}},
              static_cast<double>(rt_.stats->channel_outbox_overflows.load()));
    f.counter("sluice_channel_reclaimed_slots_total",
              "Control channel slots freed because their client died or went silent.", {},
              static_cast<double>(rt_.stats->channel_reclaimed_slots.load()));
    f.counter("sluice_channel_tx_dropped_total",
              "Replies dropped: for a client that had gone, or was disconnected.", {},
              static_cast<double>(rt_.stats->channel_tx_dropped.load()));
  }

  const Runtime& rt_;
  std::span<const std::unique_ptr<Stage>> stages_;  // worker 0's (names are shared)
};

}  // namespace

const char* message_type_name(uint8_t type) noexcept {
  static constexpr const char* kNames[ControlStats::kTypes] = {
      "hello", "error", "echo_request", "echo_reply", "experimenter", "features_request",
      "features_reply", "get_config_request", "get_config_reply", "set_config", "packet_in",
      "flow_removed", "port_status", "packet_out", "flow_mod", "group_mod", "port_mod",
      "table_mod", "multipart_request", "multipart_reply", "barrier_request", "barrier_reply",
      "type_22", "type_23", "role_request", "role_reply", "type_26", "type_27", "type_28",
      "type_29", "type_30", "type_31"};
  return type < ControlStats::kTypes ? kNames[type] : "unknown";
}

Result<std::unique_ptr<MetricsExporter>> MetricsExporter::start(
    const std::string& address, const Runtime& rt, std::span<const std::unique_ptr<Stage>> stages) {
  std::unique_ptr<MetricsExporter> m(new MetricsExporter());
  auto collector = std::make_shared<Collector>(rt, stages);
  try {
    m->exposer_ = std::make_unique<prometheus::Exposer>(address, 1);
  } catch (const std::exception& e) {
    return fail("cannot serve metrics on " + address + ": " + e.what());
  }
  m->exposer_->RegisterCollectable(collector);
  m->collector_ = collector;
  return m;
}

MetricsExporter::~MetricsExporter() = default;

}  // namespace sluice::dp
