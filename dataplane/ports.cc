#include "dataplane/ports.h"

#include <sys/stat.h>

#include <cstring>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "dataplane/log.h"
#include "openflow/codec.h"
#include "openflow/port_rules.h"

namespace sluice::dp {
namespace {

constexpr uint16_t kRxDescriptors = 1024;
constexpr uint16_t kTxDescriptors = 1024;

std::unexpected<of::ErrorMsg> port_error(uint16_t code, const std::string& text) {
  return std::unexpected<of::ErrorMsg>(of::make_sluice_error(code, text));
}

// The ethdev a probed device created. Its name need not be the device's (net_ring names it
// after the ring), so match on the device behind each port.
bool find_port_of_device(const std::string& device, uint16_t& port) {
  uint16_t id;
  RTE_ETH_FOREACH_DEV(id) {
    rte_eth_dev_info info{};
    if (rte_eth_dev_info_get(id, &info) == 0 && info.device != nullptr &&
        device == rte_dev_name(info.device)) {
      port = id;
      return true;
    }
  }
  return false;
}

bool same_definition(const of::PortAdd& a, const of::PortAdd& b) {
  return a.port_no == b.port_no && a.type == b.type && a.flags == b.flags &&
         a.name == b.name && a.device == b.device && a.options == b.options;
}

// Restores the process umask when a port has been created (the PMDs create socket files).
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

bool is_vhost_server(const of::PortAdd& def) {
  return def.type == of::PortType::kVhostUser && (def.flags & of::port_flags::kVhostClient) == 0;
}

}  // namespace

PortManager::PortManager(rte_mempool* pool, uint16_t workers, std::atomic<uint8_t>* link_state,
                         HostSettings host)
    : pool_(pool), workers_(workers), link_state_(link_state), host_(std::move(host)) {}

PortManager::~PortManager() {
  for (uint16_t s : slots_in_use()) remove(s);
}

std::expected<std::string, of::ErrorMsg> PortManager::devargs_for(const of::PortAdd& def,
                                                                  std::string& name) const {
  const std::string device(def.device.view());
  const std::string tag = "_sl" + std::to_string(def.port_no);
  const std::string q = std::to_string(workers_);
  std::string args;
  switch (def.type) {
    case of::PortType::kVhostUser:
      if (device.empty() || device[0] != '/') {
        return port_error(of::sluice_error::kBadPortArgument,
                          "vhost-user port needs an absolute socket path");
      }
      name = "net_vhost" + tag;
      args = "iface=" + device + ",queues=" + q +
             ",client=" + ((def.flags & of::port_flags::kVhostClient) ? "1" : "0");
      break;
    case of::PortType::kAfPacket:
      if (device.empty()) {
        return port_error(of::sluice_error::kBadPortArgument, "af_packet port needs an iface");
      }
      name = "net_af_packet" + tag;
      args = "iface=" + device + ",qpairs=" + q + ",qdisc_bypass=0";
      break;
    case of::PortType::kTap:
      name = "net_tap" + tag;
      args = "iface=" + (device.empty() ? std::string(def.name.view()) : device);
      break;
    case of::PortType::kPcap:
      name = "net_pcap" + tag;
      args = device;
      break;
    case of::PortType::kNull:
      // A sink: the null PMD would otherwise generate packets on rx. Options may override.
      name = "net_null" + tag;
      args = "no-rx=1";
      break;
    case of::PortType::kRing:
      name = "net_ring" + tag;
      args = "nodeaction=" + (device.empty() ? name : device) + ":" +
             std::to_string(rte_socket_id()) + ":CREATE";
      break;
    case of::PortType::kDpdk:
      if (device.empty()) {
        return port_error(of::sluice_error::kBadPortArgument, "dpdk port needs a device");
      }
      name = device.substr(0, device.find(','));
      return device + (def.options.view().empty() ? "" : "," + std::string(def.options.view()));
    default:
      return port_error(of::sluice_error::kBadPortType, "unknown port type");
  }
  std::string full = name;
  if (!args.empty()) full += "," + args;
  if (!def.options.view().empty()) full += "," + std::string(def.options.view());
  return full;
}

std::expected<PortManager::Added, of::ErrorMsg> PortManager::add(
    const of::PortAdd& def, std::span<WorkerCounters* const> workers) {
  std::optional<uint16_t> free_slot;
  for (uint16_t s = 0; s < kMaxPorts; ++s) {
    const PortRecord& r = ports_[s];
    if (!r.in_use) {
      if (!free_slot) free_slot = s;
      continue;
    }
    if (r.def.port_no == def.port_no || r.def.name == def.name) {
      if (same_definition(r.def, def)) return Added{s, true};
      return port_error(of::sluice_error::kPortExists,
                        "port " + std::to_string(def.port_no) + " (" +
                            std::string(def.name.view()) + ") conflicts with port " +
                            std::to_string(r.def.port_no) + " (" +
                            std::string(r.def.name.view()) + ")");
    }
  }
  if (def.port_no == 0 || def.port_no > of::port_no::kMax || def.name.view().empty()) {
    return port_error(of::sluice_error::kBadPortArgument, "port number or name out of range");
  }
  if (!free_slot) return port_error(of::sluice_error::kPortTableFull, "no free port slot");

  if (auto ok = check(def); !ok) return std::unexpected(ok.error());
  PortRecord rec;
  rec.def = def;
  auto devargs = devargs_for(def, rec.device_name);
  if (!devargs) return std::unexpected(devargs.error());
  rec.is_vdev = def.type != of::PortType::kDpdk;
  // Files the PMD creates (a vhost-user socket, a tx_pcap) start out private to root.
  ScopedUmask private_files(077);
  int rc = rte_dev_probe(devargs->c_str());
  if (rc < 0) {
    return port_error(of::sluice_error::kPortCreateFailed,
                      "cannot create device '" + *devargs + "': " + rte_strerror(-rc));
  }
  if (!find_port_of_device(rec.device_name, rec.dpdk_port)) {
    if (rec.is_vdev) rte_eal_hotplug_remove("vdev", rec.device_name.c_str());
    return port_error(of::sluice_error::kPortCreateFailed,
                      "device '" + rec.device_name + "' has no ethernet port");
  }
  rec.mtu = def.mtu;
  if (auto ok = start(rec); !ok) {
    rte_eth_dev_close(rec.dpdk_port);
    if (rec.is_vdev) rte_eal_hotplug_remove("vdev", rec.device_name.c_str());
    return std::unexpected(ok.error());
  }
  if (is_vhost_server(def)) {
    const std::string path(def.device.view());
    if (auto e = set_socket_access(path, host_.vhost_socket_mode, host_.vhost_socket_gid)) {
      // The socket exists but not with the access the operator asked for: say so, keep it
      // private (mode 0700 from the umask above) rather than failing a working port.
      log_warning("port %u: %s", def.port_no, e->c_str());
    }
  }
  rec.in_use = true;
  rec.baseline = sum_port(workers, *free_slot);
  rec.created = std::chrono::steady_clock::now();
  ports_[*free_slot] = rec;
  link_state_[*free_slot].store(0);
  log_info("port %u (%s) added as %s on DPDK port %u", def.port_no,
           std::string(def.name.view()).c_str(), devargs->c_str(), rec.dpdk_port);
  return Added{*free_slot, false};
}

std::expected<void, of::ErrorMsg> PortManager::check(const of::PortAdd& def) {
  if (def.type < of::PortType::kVhostUser || def.type > of::PortType::kDpdk) {
    return port_error(of::sluice_error::kBadPortType, "unknown port type");
  }
  if (auto e = of::port_rules::check_port_add(def)) {
    refusals_.argument.fetch_add(1, std::memory_order_relaxed);
    log_warning("port %u (%s) refused: %s", def.port_no, std::string(def.name.view()).c_str(),
                e->c_str());
    return port_error(of::sluice_error::kBadPortArgument, *e);
  }
  if (def.type == of::PortType::kVhostUser) {
    for (const PortRecord& r : ports_) {
      if (r.in_use && r.def.type == of::PortType::kVhostUser && r.def.device == def.device) {
        refusals_.argument.fetch_add(1, std::memory_order_relaxed);
        return port_error(of::sluice_error::kBadPortArgument,
                          "vhost-user socket '" + std::string(def.device.view()) +
                              "' is already used by port " + std::to_string(r.def.port_no));
      }
    }
  }
  if (auto e = check_port_environment(def, host_.env)) {
    refusals_.host.fetch_add(1, std::memory_order_relaxed);
    log_warning("port %u (%s) refused: %s", def.port_no, std::string(def.name.view()).c_str(),
                e->c_str());
    return port_error(of::sluice_error::kBadPortArgument, *e);
  }
  return {};
}

std::expected<void, of::ErrorMsg> PortManager::start(PortRecord& rec) {
  const uint16_t id = rec.dpdk_port;
  rte_eth_dev_info info{};
  if (int rc = rte_eth_dev_info_get(id, &info); rc != 0) {
    return port_error(of::sluice_error::kPortCreateFailed,
                      std::string("cannot read device info: ") + rte_strerror(-rc));
  }
  if (info.max_rx_queues < workers_ || info.max_tx_queues < workers_) {
    return port_error(of::sluice_error::kPortCreateFailed,
                      "device supports " + std::to_string(info.max_rx_queues) +
                          " queue(s); this daemon runs " + std::to_string(workers_) +
                          " workers and needs one queue per worker");
  }
  rec.queues = workers_;
  rte_eth_conf conf{};
  int rc = rte_eth_dev_configure(id, rec.queues, rec.queues, &conf);
  for (uint16_t q = 0; rc == 0 && q < rec.queues; ++q) {
    rc = rte_eth_rx_queue_setup(id, q, kRxDescriptors, rte_eth_dev_socket_id(id), nullptr, pool_);
    if (rc == 0) {
      rc = rte_eth_tx_queue_setup(id, q, kTxDescriptors, rte_eth_dev_socket_id(id), nullptr);
    }
  }
  if (rc == 0 && rec.mtu != 1500) rc = rte_eth_dev_set_mtu(id, rec.mtu);
  if (rc == 0) rc = rte_eth_dev_start(id);
  if (rc != 0) {
    return port_error(of::sluice_error::kPortCreateFailed,
                      std::string("cannot start device: ") + rte_strerror(-rc));
  }
  rte_eth_promiscuous_enable(id);  // not every PMD has it (vhost); that is fine
  rte_ether_addr mac{};
  rte_eth_macaddr_get(id, &mac);
  std::memcpy(rec.mac.data(), mac.addr_bytes, 6);
  return {};
}

void PortManager::remove(uint16_t slot) {
  PortRecord& rec = ports_[slot];
  if (!rec.in_use) return;
  rte_eth_dev_stop(rec.dpdk_port);
  rte_eth_dev_close(rec.dpdk_port);
  if (rec.is_vdev) {
    rte_eal_hotplug_remove("vdev", rec.device_name.c_str());
  } else {
    rte_eal_hotplug_remove("pci", rec.device_name.c_str());
  }
  log_info("port %u (%s) removed", rec.def.port_no, std::string(rec.def.name.view()).c_str());
  link_state_[slot].store(0);
  rec = PortRecord{};
}

std::expected<void, of::ErrorMsg> PortManager::set(uint16_t slot, const of::PortSet& s) {
  PortRecord& rec = ports_[slot];
  if (s.mtu != rec.mtu) {
    if (int rc = rte_eth_dev_set_mtu(rec.dpdk_port, s.mtu); rc != 0 && rc != -ENOTSUP) {
      return port_error(of::sluice_error::kBadPortArgument,
                        "cannot set MTU " + std::to_string(s.mtu) + ": " + rte_strerror(-rc));
    }
    rec.mtu = s.mtu;
  }
  rec.admin_up = s.admin_up != 0;
  rec.mac_limit = s.mac_limit;
  return {};
}

std::optional<uint16_t> PortManager::find(uint32_t of_port) const {
  for (uint16_t s = 0; s < kMaxPorts; ++s) {
    if (ports_[s].in_use && ports_[s].def.port_no == of_port) return s;
  }
  return std::nullopt;
}

std::vector<uint16_t> PortManager::slots_in_use() const {
  std::vector<uint16_t> out;
  for (uint16_t s = 0; s < kMaxPorts; ++s) {
    if (ports_[s].in_use) out.push_back(s);
  }
  return out;
}

std::array<PortRuntime, kMaxPorts> PortManager::runtime() const {
  std::array<PortRuntime, kMaxPorts> out{};
  for (uint16_t s = 0; s < kMaxPorts; ++s) {
    const PortRecord& r = ports_[s];
    if (!r.in_use) continue;
    out[s] = PortRuntime{true, r.admin_up, r.dpdk_port, r.mtu, r.def.port_no};
  }
  return out;
}

std::vector<uint16_t> PortManager::poll_links() {
  std::vector<uint16_t> changed;
  for (uint16_t s : slots_in_use()) {
    rte_eth_link link{};
    uint8_t up = 0;
    if (rte_eth_link_get_nowait(ports_[s].dpdk_port, &link) == 0) up = link.link_status ? 1 : 0;
    if (link_state_[s].exchange(up) != up) changed.push_back(s);
  }
  return changed;
}

of::Port PortManager::describe(uint16_t slot) const {
  const PortRecord& r = ports_[slot];
  of::Port p;
  p.port_no = r.def.port_no;
  p.hw_addr = r.mac;
  p.name = r.def.name;
  p.config = r.admin_up ? 0 : of::port_config::kPortDown;
  const bool up = link_up(slot);
  p.state = up ? of::port_state::kLive : of::port_state::kLinkDown;
  rte_eth_link link{};
  if (rte_eth_link_get_nowait(r.dpdk_port, &link) == 0 && link.link_speed != 0 &&
      link.link_speed != RTE_ETH_SPEED_NUM_UNKNOWN) {
    p.curr_speed = link.link_speed * 1000;  // Mbps → kbps
    p.max_speed = p.curr_speed;
  }
  return p;
}

bool PortManager::device_stats(uint16_t slot, rte_eth_stats& out) const {
  return rte_eth_stats_get(ports_[slot].dpdk_port, &out) == 0;
}

}  // namespace sluice::dp
