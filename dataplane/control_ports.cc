#include "dataplane/control_ports.h"

#include <rte_ethdev.h>

#include <chrono>
#include <string>
#include <vector>

#include "dataplane/log.h"
#include "dataplane/stats.h"

namespace sluice::dp {

void ControlPorts::broadcast_status(of::PortReason reason, const of::Port& desc) {
  out_.clear();
  of::encode_port_status(0, of::PortStatus{reason, {}, desc}, out_);
  link_.broadcast(out_);
}

std::optional<uint16_t> ControlPorts::find(uint32_t slot, uint32_t xid, uint32_t port_no) {
  auto s = ports_.find(port_no);
  if (!s) {
    link_.reply_error(slot, xid,
                      of::make_sluice_error(of::sluice_error::kPortUnknown,
                                            "no port " + std::to_string(port_no)));
  }
  return s;
}

void ControlPorts::port_add(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg) {
  auto def = of::decode_port_add(msg);
  if (!def) return link_.reply_error(slot, h.xid, def.error(), msg);
  std::expected<PortManager::Added, of::ErrorMsg> added;
  {
    std::lock_guard lock(state_mutex_);
    added = ports_.add(*def, workers_);
  }
  if (!added) return link_.reply_error(slot, h.xid, added.error());
  if (added->existed) return;
  macs_.set_limit(added->slot, macs_.default_port_limit());
  link_.mark_dirty();
  broadcast_status(of::PortReason::kAdd, ports_.describe(added->slot));
}

void ControlPorts::port_del(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg) {
  auto del = of::decode_port_del(msg);
  if (!del) return link_.reply_error(slot, h.xid, del.error(), msg);
  auto s = find(slot, h.xid, del->port_no);
  if (!s) return;
  const of::Port desc = ports_.describe(*s);
  // Unpublish first: no worker may poll or send to the port once it is gone.
  auto runtime = ports_.runtime();
  runtime[*s] = PortRuntime{};
  link_.publish_now(runtime, [&] { ports_.remove(*s); });
  macs_.flush_port(*s);
  link_.mark_dirty();
  broadcast_status(of::PortReason::kDelete, desc);
}

void ControlPorts::port_set(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg) {
  auto set = of::decode_port_set(msg);
  if (!set) return link_.reply_error(slot, h.xid, set.error(), msg);
  auto s = find(slot, h.xid, set->port_no);
  if (!s) return;
  std::expected<void, of::ErrorMsg> ok;
  {
    std::lock_guard lock(state_mutex_);
    ok = ports_.set(*s, *set);
  }
  if (!ok) return link_.reply_error(slot, h.xid, ok.error());
  macs_.set_limit(*s, set->mac_limit);
  link_.mark_dirty();
}

void ControlPorts::port_desc(uint32_t slot, const of::Header& h) {
  std::vector<of::Port> ports;
  for (uint16_t s : ports_.slots_in_use()) ports.push_back(ports_.describe(s));
  out_.clear();
  of::encode_port_desc_reply(h.xid, ports, out_);
  link_.send(slot, out_);
}

void ControlPorts::port_stats(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg) {
  auto port = of::decode_port_stats_request(msg);
  if (!port) return link_.reply_error(slot, h.xid, port.error(), msg);
  std::vector<of::PortStats> stats;
  for (uint16_t s : ports_.slots_in_use()) {
    if (*port == of::port_no::kAny || ports_.record(s).def.port_no == *port) {
      stats.push_back(stats_of(s));
    }
  }
  if (stats.empty() && *port != of::port_no::kAny) {
    const of::OfError bad_port{of::ErrorType::kBadRequest, of::bad_request::kBadPort, 0};
    return link_.reply_error(slot, h.xid, bad_port, msg);
  }
  out_.clear();
  of::encode_port_stats_reply(h.xid, stats, out_);
  link_.send(slot, out_);
}

of::PortStats ControlPorts::stats_of(uint16_t port_slot) const {
  const PortRecord& rec = ports_.record(port_slot);
  const PortTotals t = sum_port(workers_, port_slot) - rec.baseline;
  of::PortStats s;
  s.port_no = rec.def.port_no;
  s.rx_packets = t.rx_packets;
  s.rx_bytes = t.rx_bytes;
  s.tx_packets = t.tx_packets;
  s.tx_bytes = t.tx_bytes;
  s.rx_dropped = t.rx_dropped;
  s.tx_dropped = t.tx_dropped;
  rte_eth_stats dev{};
  if (ports_.device_stats(port_slot, dev)) {
    s.rx_errors = dev.ierrors;
    s.tx_errors = dev.oerrors;
    s.rx_over_err = dev.imissed;
  }
  auto age = std::chrono::steady_clock::now() - rec.created;
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(age).count();
  s.duration_sec = static_cast<uint32_t>(ns / 1000000000);
  s.duration_nsec = static_cast<uint32_t>(ns % 1000000000);
  return s;
}

void ControlPorts::poll_links() {
  for (uint16_t s : ports_.poll_links()) {
    log_info("port %u link %s", ports_.record(s).def.port_no, ports_.link_up(s) ? "up" : "down");
    broadcast_status(of::PortReason::kModify, ports_.describe(s));
  }
}

}  // namespace sluice::dp
