// sluice-gen's command line. `sluice-gen --help` documents every option.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bench/gen/flow_mix.h"
#include "openflow/result.h"

namespace sluice::bench {

enum class TxMode : uint8_t {
  kCopy,   // allocate fresh mbufs in bulk and copy the template frame (one cache line)
  kClone,  // transmit the template mbufs themselves, holding a reference (refcnt + 1)
};

enum class HugeMode : uint8_t { kAuto, kOn, kOff };

struct GenOptions {
  std::string socket;             // vhost-user socket served by the switch
  unsigned cpu = 0;               // the one lcore's CPU
  std::string file_prefix;        // default sluice-gen-<pid>
  HugeMode huge = HugeMode::kAuto;
  unsigned memory_mb = 256;
  double duration_s = 10;         // measured phase
  double warmup_s = 2;            // full-rate phase before it
  double stats_interval_s = 1;    // 0 = no periodic lines
  double link_wait_s = 10;
  double learn_settle_s = 0.5;
  TxMode mode = TxMode::kCopy;
  FlowMixSpec mix;
  // Every frame of the warm-up and measured phases from a source never used before (IPv4
  // source in 10.64.0.0/10 and UDP source port from a counter): a new connection each.
  bool new_connections = false;
  bool list_dst_macs = false;     // print the destination MACs and exit (no DPDK)
};

Result<std::optional<GenOptions>> parse_gen_options(int argc, char** argv);

}  // namespace sluice::bench
