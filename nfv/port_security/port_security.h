// Port security (table 10): each VM port may send only from its own MACs and IPv4 addresses,
// and may claim only those addresses in ARP. The worked example of a network function: its
// policy is OpenFlow flows of the shapes in openflow/port_security.h (sluicectl compiles
// ports[].security into them; any controller may write them), its structure is compiled from
// those flows by PortSecuritySpecialiser (dataplane/special_table.h), and its stage serves the
// packets whose next table is 10. A table 10 holding anything else runs as a classifier in the
// openflow stage with the same forwarding result.
//
// Drops (stage "port_security"): spoofed_mac (a source MAC not the port's), spoofed_ip (an
// IPv4 source not the port's, other than DHCP from 0.0.0.0, or any IPv6 frame), spoofed_arp
// (an ARP sender MAC other than the frame's source, or a sender IP not the port's, other than
// 0.0.0.0 for probes), malformed_ip (the headers cannot be read safely, as the classifier
// would drop it), table_miss (a port with no flow in table 10).
// Counters: per stage and reason; each flow of table 10 counts the packets it stands for
// (ovs-ofctl dump-flows table=10 shows them), and table 10's lookups and matches.
// Threading: the structure is immutable and published with the Tables; one stage per worker.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "dataplane/special_table.h"
#include "dataplane/stage.h"
#include "openflow/port_security.h"

namespace sluice::nfv {

enum class PortSecurityDrop : uint8_t {
  kNone = 0,
  kSpoofedMac,
  kSpoofedIp,
  kSpoofedArp,
  kMalformedIp,
  kTableMiss,
  kCount
};
inline constexpr std::array<const char*, 6> kPortSecurityDropNames = {
    "none", "spoofed_mac", "spoofed_ip", "spoofed_arp", "malformed_ip", "table_miss"};
static_assert(kPortSecurityDropNames.size() == static_cast<size_t>(PortSecurityDrop::kCount));

// Table 10 as one entry per ingress slot; every field that ends in _flow is the counter slot
// of the flow the packet stands for.
struct PortSecurityTable final : dp::SpecialTable {
  struct Mac {
    uint64_t mac = 0;
    std::vector<uint32_t> ip_flow, arp_flow;  // per prefix
    uint32_t probe_flow = 0, dhcp_flow = 0;
    uint32_t drop_ip_flow = 0, drop_arp_flow = 0, drop_ipv6_flow = 0;
    uint32_t other_flow = 0;
  };
  struct Port {
    bool present = false;  // the slot's port has flows here
    bool pass = false;     // unprotected
    uint8_t next_table = 0;
    uint32_t port_flow = 0;
    std::vector<Mac> macs;
    std::vector<of::port_security::Prefix> prefixes;
  };
  std::array<Port, dp::kMaxPorts> ports;
};

class PortSecuritySpecialiser final : public dp::TableSpecialiser {
 public:
  uint8_t table() const noexcept override { return of::port_security::kTable; }
  // nullptr unless every flow is one of port_flows()'s, each port's set complete.
  std::shared_ptr<const dp::SpecialTable> compile(
      std::span<const dp::FlowEntry* const> flows,
      const std::array<dp::PortRuntime, dp::kMaxPorts>& ports) const override;
};

class PortSecurityStage final : public dp::Stage {
 public:
  std::string_view name() const noexcept override { return "port_security"; }
  std::span<const char* const> drop_reason_names() const noexcept override {
    return kPortSecurityDropNames;
  }
  bool active(const dp::Tables& t) const noexcept override;
  void process(dp::StageContext& ctx, dp::Burst& burst, dp::Verdicts& out) noexcept override;
};

}  // namespace sluice::nfv
