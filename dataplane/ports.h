// PortManager: creates and removes DPDK ports at run time (vdev hot-plug) on the controller's
// request, configures them for this daemon's workers (one rx and one tx queue per worker),
// watches link state and describes ports in OpenFlow terms. Port slots (0..kMaxPorts-1) are
// the dataplane's own small indices; OpenFlow port numbers map onto them.
//
// Port types and the DPDK device each becomes:
//   vhost-user  net_vhost   iface=<socket path>, client=<0|1>, queues=<workers>
//   af_packet   net_af_packet iface=<host interface>, qpairs=<workers>, qdisc_bypass=0
//   tap         net_tap     iface=<tap name>
//   pcap        net_pcap    <device as given: rx_pcap=..,tx_pcap=.. or iface=..>
//   null        net_null
//   ring        net_ring    nodeaction=<ring>:<socket>:CREATE
//   dpdk        <device as given: a PCI address, optionally with ",k=v" devargs>
// Before anything reaches rte_dev_probe, device and options pass the text rules of
// openflow/port_rules.h (per-type option whitelist, no key Sluice sets itself) and the host
// checks of dataplane/port_checks.h (pcap files only in the pcap directory, vhost-user sockets
// only in root-owned directories, not the uplink interface). A refused PORT_ADD is answered
// with kBadPortArgument and counted (refusals(), sluice_port_add_refused_total).
// Server-mode vhost-user sockets are created with umask 077, then get the configured mode and
// group (--vhost-socket-mode, --vhost-socket-group).
// Control lcore only.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/counters.h"
#include "dataplane/port_checks.h"
#include "dataplane/stats.h"
#include "dataplane/tables.h"
#include "openflow/messages.h"

struct rte_mempool;
struct rte_eth_stats;

namespace sluice::dp {

struct PortRecord {
  bool in_use = false;
  of::PortAdd def;
  std::string device_name;  // the DPDK device name (vdev name or PCI address)
  bool is_vdev = true;
  uint16_t dpdk_port = 0;
  uint16_t queues = 1;
  of::MacAddr mac{};
  bool admin_up = true;
  uint16_t mtu = 1500;
  uint32_t mac_limit = 0;
  std::chrono::steady_clock::time_point created;
  PortTotals baseline;  // worker counters of this slot when the port was created
};

// How ports may touch the host: the checks' settings and the access of vhost-user sockets.
struct PortHostSettings {
  PortEnvironment env;
  mode_t vhost_socket_mode = 0600;
  gid_t vhost_socket_gid = static_cast<gid_t>(-1);  // -1: root's group (unchanged)
};

class PortManager {
 public:
  using HostSettings = PortHostSettings;
  PortManager(rte_mempool* pool, uint16_t workers, std::atomic<uint8_t>* link_state,
              HostSettings host = {});
  ~PortManager();

  struct Added {
    uint16_t slot;
    bool existed;  // an identical port was already there; nothing changed
  };
  // Creates and starts the port. Errors are the OpenFlow ERROR to answer with.
  // 'baseline' is the slot's counter sum now, so a reused slot starts from zero.
  std::expected<Added, of::ErrorMsg> add(const of::PortAdd& def,
                                         std::span<WorkerCounters* const> workers);
  // Stops and removes the port's device. The caller must first publish tables without it.
  void remove(uint16_t slot);
  // Applies MTU, admin state and MAC limit (the caller republishes tables).
  std::expected<void, of::ErrorMsg> set(uint16_t slot, const of::PortSet& settings);

  std::optional<uint16_t> find(uint32_t of_port) const;
  const PortRecord& record(uint16_t slot) const { return ports_[slot]; }
  std::vector<uint16_t> slots_in_use() const;
  std::array<PortRuntime, kMaxPorts> runtime() const;

  // Refreshes link state; returns the slots whose link changed.
  std::vector<uint16_t> poll_links();
  bool link_up(uint16_t slot) const { return link_state_[slot].load() != 0; }
  of::Port describe(uint16_t slot) const;
  // Device counters (rx missed, errors); false if unavailable.
  bool device_stats(uint16_t slot, rte_eth_stats& out) const;

  // PORT_ADDs refused before any device was created: by the text rules (bad argument) or by
  // the host checks (files, sockets, interfaces). Read by the metrics exporter.
  struct Refusals {
    std::atomic<uint64_t> argument{0};
    std::atomic<uint64_t> host{0};
  };
  const Refusals& refusals() const { return refusals_; }

 private:
  std::expected<std::string, of::ErrorMsg> devargs_for(const of::PortAdd& def,
                                                       std::string& name) const;
  std::expected<void, of::ErrorMsg> check(const of::PortAdd& def);
  std::expected<void, of::ErrorMsg> start(PortRecord& rec);

  rte_mempool* pool_;
  uint16_t workers_;
  std::atomic<uint8_t>* link_state_;
  HostSettings host_;
  Refusals refusals_;
  std::array<PortRecord, kMaxPorts> ports_{};
};

}  // namespace sluice::dp
