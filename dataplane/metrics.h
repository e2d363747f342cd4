// Prometheus exporter: an HTTP endpoint (prometheus-cpp's Exposer) whose collector sums the
// per-worker counters at scrape time. Labels are bounded: port names, stage and reason names,
// worker indices, VLAN ids, message types — never per-flow or per-address.
//
//   sluice_port_{rx,tx}_{packets,bytes}_total{port}      sluice_port_{rx,tx}_dropped_total{port}
//   sluice_port_{rx,tx}_errors_total{port}               sluice_port_rx_missed_total{port}
//   sluice_port_link_up{port}                            sluice_drops_total{stage,reason}
//   sluice_stage_{calls,packets,cycles}_total{stage}
//   sluice_worker_{packets,busy_cycles,idle_cycles,iterations,sleeps}_total{worker}
//   sluice_worker_processing_cycles_per_packet{worker}   sluice_learn_queue_full_total
//   sluice_flood_copies_total                            sluice_mac_table_entries{vlan}
//   sluice_mac_{learned,moved,aged,flushed}_total        sluice_mac_{limit_refused,table_full,static_conflicts}_total
//   sluice_control_messages_total{type,result}           sluice_tables_published_total
#pragma once

#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "dataplane/control_stats.h"
#include "dataplane/counters.h"
#include "dataplane/runtime.h"
#include "openflow/result.h"

namespace prometheus {
class Exposer;
}

namespace sluice::dp {

class Stage;

class MetricsExporter {
 public:
  // Starts serving http://<address>/metrics from what 'rt' holds (worker counters, ports, MAC
  // table, tables, control statistics) and the stage names of 'stages' (one worker's: the names
  // are shared). Fails if the address cannot be bound.
  static Result<std::unique_ptr<MetricsExporter>> start(
      const std::string& address, const Runtime& rt,
      std::span<const std::unique_ptr<Stage>> stages);
  ~MetricsExporter();

 private:
  MetricsExporter() = default;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<void> collector_;
};

}  // namespace sluice::dp
