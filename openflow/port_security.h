// Port security as OpenFlow flows in table 10 (docs/architecture.md, "The mission's pipeline"):
// which source MACs and IPv4 addresses a VM port may send from, written once so that
// sluicectl's compiler emits exactly these flows and the dataplane's port-security stage
// (nfv/port_security) recognises exactly these flows. Any OpenFlow controller can write the
// same flows; a table 10 holding anything else runs as a plain classifier with the same result.
//
// For a protected port P with MACs {M} and IPv4 prefixes {A}, going on to table N:
//   300  in_port=P,dl_src=M,ip,nw_src=A                           → goto_table:N
//   300  in_port=P,dl_src=M,arp,arp_spa=A,arp_sha=M               → goto_table:N
//   290  in_port=P,dl_src=M,arp,arp_spa=0.0.0.0,arp_sha=M         → goto_table:N  (ARP probe)
//   290  in_port=P,dl_src=M,udp,nw_src=0.0.0.0,tp_src=68,tp_dst=67 → goto_table:N  (DHCP)
//   200  in_port=P,dl_src=M,ip | arp | ipv6                       → drop (spoofed IP / ARP)
//   100  in_port=P,dl_src=M                                       → goto_table:N  (other protocols)
//    10  in_port=P                                                → drop (spoofed MAC)
// IPv6 from a protected port is dropped: the switch cannot match IPv6 sources yet.
// An unprotected port that the ingress table sends here anyway passes with one flow:
//    10  in_port=P                                                → goto_table:N
//
// Std C++ only.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "openflow/messages.h"

namespace sluice::of::port_security {

inline constexpr uint8_t kTable = 10;

inline constexpr uint16_t kAllowPriority = 300;
inline constexpr uint16_t kUnspecifiedPriority = 290;
inline constexpr uint16_t kDropPriority = 200;
inline constexpr uint16_t kOtherPriority = 100;
inline constexpr uint16_t kPortPriority = 10;

struct Prefix {
  uint32_t addr = 0;  // host order, already masked
  uint8_t len = 32;
  uint32_t mask() const noexcept { return len == 0 ? 0 : ~uint32_t{0} << (32 - len); }
  friend auto operator<=>(const Prefix&, const Prefix&) = default;
};

// One port's entry: its MACs (48-bit numbers, as of::mac_to_u64) and prefixes, sorted and
// unique, or 'pass' (unprotected: no MACs, no prefixes).
struct PortRule {
  uint32_t port = 0;
  bool pass = false;
  std::vector<uint64_t> macs;
  std::vector<Prefix> prefixes;
  uint8_t next_table = 0;
  friend bool operator==(const PortRule&, const PortRule&) = default;
};

// The flows of one port, in the order above (each MAC's flows, then the port flow). All
// kAdd, with 'cookie'.
std::vector<FlowMod> port_flows(const PortRule& rule, uint64_t cookie);

// Is 'prefix' a valid prefix (no address bits past its length)?
bool well_formed(const Prefix& prefix) noexcept;

}  // namespace sluice::of::port_security
