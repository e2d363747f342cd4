// What sluicectl does with the firewall's punts (openflow/firewall.h: table 31 flows with
// output:CONTROLLER, cookie kind kReject or the kLogFlag), the PACKET_INs the dataplane sends
// every client:
//   - a rejecting rule's packet gets its answer (openflow/firewall_reply.h: a TCP RST or an
//     ICMP unreachable) as a PACKET_OUT from the controller, out of the port the packet came
//     in on, tagged as that port carries the packet's network (compiler.h, egress_actions);
//   - a logging rule's packet (a new connection's first packet, or a connection re-checked
//     after a policy change) writes one JSON line to the flow log.
// Both are rate limited (token buckets; what they hold back is counted, and the flow log says
// how many lines it suppressed). PACKET_INs from other flows (OpenFlow clients' own) are left
// alone. A punt from the flows of an earlier policy version, received after a reload, is read
// with the new policy's rule numbers.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "controlplane/policy.h"
#include "openflow/messages.h"

namespace sluice::cp {

// A token bucket: 'per_second' on average, up to 'burst' at once.
class RateLimit {
 public:
  using Clock = std::chrono::steady_clock;
  RateLimit(double per_second, double burst) : rate_(per_second), burst_(burst), tokens_(burst) {}
  // True (a token spent) if within the rate; false, counted in held_back(), if not.
  bool take(Clock::time_point now);
  uint64_t held_back() const { return held_back_; }

 private:
  double rate_, burst_, tokens_;
  std::optional<Clock::time_point> last_;
  uint64_t held_back_ = 0;
};

struct PuntCounters {
  uint64_t punts = 0;               // PACKET_INs from the firewall's flows
  uint64_t not_firewall = 0;        // other PACKET_INs (left alone)
  uint64_t undecodable = 0;         // PACKET_INs that did not decode
  uint64_t rejects_sent = 0;        // RSTs and ICMP unreachables sent
  uint64_t rejects_unanswered = 0;  // a punt that must get no answer (a RST, an ICMP error ...)
  uint64_t rejects_rate_limited = 0;
  uint64_t log_lines = 0;
  uint64_t log_lines_rate_limited = 0;
};

// A PACKET_OUT to send: the message and the frame beside it.
struct PuntReply {
  of::PacketOut packet_out;
  std::vector<uint8_t> frame;
};

struct PuntOptions {
  double rejects_per_second = 100;   // answers sent, all rules together (burst: as many)
  double log_lines_per_second = 100;  // flow log lines (burst: as many)
  std::FILE* flow_log = nullptr;      // nullptr: no flow log
};

class FirewallPunts {
 public:
  using Clock = std::chrono::steady_clock;
  // 'policy' as validate() accepted it.
  FirewallPunts(const Policy& policy, const PuntOptions& options);

  // A new policy (after a reload): rule and port names and egresses; counters and buckets stay.
  void update(const Policy& policy);

  // One PACKET_IN message (the whole OpenFlow message): the answer to send, if any.
  std::optional<PuntReply> handle(std::span<const uint8_t> msg, Clock::time_point now,
                                  std::chrono::system_clock::time_point wall);

  // Writes a flow-log line saying how many lines were held back since the last such line, if
  // any were (call about once a second).
  void flush_suppressed(std::chrono::system_clock::time_point wall);

  const PuntCounters& counters() const { return counters_; }

 private:
  struct RuleInfo {
    std::string id;
    FwAction action;
  };
  struct PortInfo {
    std::string name;
    PortSpec spec;
  };

  void write_log(const std::string& line);

  PuntOptions options_;
  std::vector<RuleInfo> rules_;  // rule number - 1
  std::map<uint32_t, PortInfo> ports_;
  std::map<uint16_t, std::string> networks_;  // by VLAN
  RateLimit reject_limit_, log_limit_;
  uint64_t log_suppressed_reported_ = 0;
  PuntCounters counters_;
};

}  // namespace sluice::cp
