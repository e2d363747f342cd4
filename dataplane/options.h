// sluiced's command line (Boost.Program_options). `sluiced --help` documents every option.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/counters.h"
#include "dataplane/log.h"
#include "openflow/result.h"

namespace sluice::dp {

struct DaemonOptions {
  std::string channel = "sluice";
  unsigned main_core = 0;
  std::vector<unsigned> worker_cores = {1};
  std::string metrics = "127.0.0.1:9417";  // "off" disables the exporter
  unsigned memory_mb = 512;
  bool no_huge = false;
  bool allow_pci = false;
  std::string file_prefix;  // default: sluice-<channel>
  LogLevel log_level = LogLevel::kInfo;
  uint32_t idle_sleep_max_us = 250;
  uint32_t mbufs = 16384;
  uint32_t mac_table_size = 65536;
  uint32_t conntrack_max = 262144;  // connections ct() tracks (160 bytes each, allocated at start)
  std::vector<std::string> eal_extra;
  // Where ports may touch the host (dataplane/port_checks.h).
  std::string pcap_dir = "/var/lib/sluice/pcap";
  std::string vhost_socket_dir = "/run/sluice";
  unsigned vhost_socket_mode = 0600;
  int vhost_socket_gid = -1;  // -1: leave root's group
  bool allow_uplink_ports = false;
};

// Returns the options, or nullopt when --help was printed, or an error for bad input.
Result<std::optional<DaemonOptions>> parse_options(int argc, char** argv);

}  // namespace sluice::dp
