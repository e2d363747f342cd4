// How long a connection lives without packets, per protocol and state, in seconds. The defaults
// are Linux nf_conntrack's (net/netfilter/nf_conntrack_proto_{tcp,udp,icmp,generic}.c).
#pragma once

#include <array>
#include <cstdint>

#include "nfv/conntrack/tcp.h"

namespace sluice::nfv::ct {

struct Timeouts {
  // Indexed by TcpState.
  std::array<uint32_t, static_cast<size_t>(TcpState::kCount)> tcp = {
      120,     // SYN_SENT
      120,     // SYN_SENT2
      60,      // SYN_RECV
      432000,  // ESTABLISHED (5 days)
      120,     // FIN_WAIT
      60,      // CLOSE_WAIT
      30,      // LAST_ACK
      120,     // TIME_WAIT
      10,      // CLOSE
  };
  uint32_t udp_unreplied = 30;  // nf_conntrack_udp_timeout
  uint32_t udp_replied = 120;   // nf_conntrack_udp_timeout_stream
  uint32_t icmp = 30;           // nf_conntrack_icmp_timeout (ICMPv6 the same)
  uint32_t other = 600;         // nf_conntrack_generic_timeout
};

}  // namespace sluice::nfv::ct
