// ControlPorts: the control messages about ports — Sluice's experimenter messages PortAdd,
// PortDel and PortSet (a port is a DPDK device created and removed at run time), the
// PORT_DESC and PORT_STATS multiparts, and PORT_STATUS to every client when a port comes,
// goes or changes link state. The PortManager owns the devices; this handler changes them
// under the state mutex (the metrics exporter reads them) and asks the ControlService to
// republish the tables, which bake in the ports. Control lcore only.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <span>

#include "dataplane/control_link.h"
#include "dataplane/counters.h"
#include "dataplane/mac_table.h"
#include "dataplane/ports.h"

namespace sluice::dp {

class ControlPorts {
 public:
  ControlPorts(ControlLink& link, PortManager& ports, MacTable& macs, std::mutex& state_mutex,
               std::span<WorkerCounters* const> workers)
      : link_(link), ports_(ports), macs_(macs), state_mutex_(state_mutex), workers_(workers) {}

  // The experimenter messages and multipart requests; an ERROR to 'slot' if refused (they
  // are counted as applied either way).
  void port_add(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  void port_del(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  void port_set(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  void port_desc(uint32_t slot, const of::Header& h);
  void port_stats(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  // Periodic: a PORT_STATUS to every client for each port whose link went up or down.
  void poll_links();

 private:
  // The port 'port_no' names, or an ERROR (port unknown) to 'slot' and nothing.
  std::optional<uint16_t> find(uint32_t slot, uint32_t xid, uint32_t port_no);
  of::PortStats stats_of(uint16_t port_slot) const;
  void broadcast_status(of::PortReason reason, const of::Port& desc);

  ControlLink& link_;
  PortManager& ports_;
  MacTable& macs_;
  std::mutex& state_mutex_;
  std::span<WorkerCounters* const> workers_;
  of::Bytes out_;
};

}  // namespace sluice::dp
