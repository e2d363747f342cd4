// The micro-segmentation firewall as OpenFlow flows in tables 30 and 31 (docs/architecture.md,
// "The mission's pipeline" and "The firewall"), written once so that sluicectl's compiler emits
// exactly these flows and `sluicectl show rules` reads their counters back by cookie. They are
// the conntrack flows an Open vSwitch user writes (ct(table=), ct_state, ct(commit,exec(...))),
// so they run on the OpenFlow endpoint unchanged and `ovs-ofctl dump-flows` shows them.
//
// For each firewalled bridge domain V (metadata=V/0xfff, conntrack zone V):
//   table 30  100  ip,metadata=V                         → ct(zone=V,table=31)
//   table 30   90  ipv6,metadata=V                       → goto_table:40 (default allow) | drop
//   table 30    0  (anything else: ARP, LLDP ...)        → goto_table:40
//   table 31 65100 ct_state=+inv+trk                     → drop (invalid)
//   table 31 65000 ct_state=+est+trk,ct_mark=M(r)        → goto_table:40, per allowing rule r
//   table 31 64000 ct_state=+rel+trk,ct_mark=M(*)        → goto_table:40 (related, this version)
//   table 31 P(r)  ct_state=-rel-rpl-inv+trk,ip,metadata=V,[in_port=P],nw_src=F,nw_dst=T,
//                  [proto, tp_dst=D | icmp_type/code]    → ct(commit,zone=V,exec(M(r)->ct_mark)),
//                                                          goto_table:40  | drop (deny)
//   table 31 P(r)  ct_state=-rel+rpl-inv+est+trk,ip,metadata=V,nw_src=T,nw_dst=F,[proto,tp_src=D]
//                                                        → the same (a reply re-checked)
//   table 31    1  metadata=V                            → commit with M(0), goto 40 | drop
//
// A rule that rejects sends the original direction's packets to the controller instead
// (output:CONTROLLER, kPuntBytes of them, cookie kind kReject): sluicectl answers with a TCP
// RST or an ICMP unreachable (firewall_reply.h) as a PACKET_OUT, rate limited. A rule with log
// adds output:CONTROLLER to its original-direction flows (cookie flag kLogFlag): sluicectl
// writes a JSON line per new connection.
//
// M(r) = version << 14 | r: the policy version that admitted the connection and the rule that
// did (0: the network's default). Established packets of this version pass at once; after a
// policy change their mark no longer matches, so the connection's next packet, in either
// direction, is judged by the rules again: still allowed, it is committed with the new mark and
// goes on; no longer allowed, it is dropped (cut at its next packet). Replies of an allowed
// connection never need a rule of their own.
//
// Std C++ only.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "openflow/messages.h"
#include "openflow/port_security.h"

namespace sluice::of::firewall {

inline constexpr uint8_t kCtTable = 30;
inline constexpr uint8_t kRuleTable = 31;

inline constexpr uint16_t kTrackPriority = 100;
inline constexpr uint16_t kIpv6Priority = 90;
inline constexpr uint16_t kPassPriority = 0;
inline constexpr uint16_t kInvalidPriority = 65100;
inline constexpr uint16_t kEstablishedPriority = 65000;
inline constexpr uint16_t kRelatedPriority = 64000;
inline constexpr uint16_t kFirstRulePriority = 60000;  // rule r: kFirstRulePriority + 1 - r
inline constexpr uint16_t kDefaultPriority = 1;

// ct_mark = version << kRuleBits | rule.
inline constexpr unsigned kRuleBits = 14;
inline constexpr uint32_t kMaxRules = (1u << kRuleBits) - 1;  // 16383
inline constexpr uint32_t kVersionMask = ~uint32_t{0} << kRuleBits;

// One side of a rule: packets from (or to) this address, and for a VM port also through its
// switch port. in_port 0 and a /0 prefix: anything. 'vlans' are the bridge domains the
// endpoint lives in (empty: every firewalled one).
struct Endpoint {
  uint32_t in_port = 0;
  port_security::Prefix prefix{0, 0};
  std::vector<uint16_t> vlans;
  friend auto operator<=>(const Endpoint&, const Endpoint&) = default;
};

enum class Proto : uint8_t { kAny = 0, kTcp = 6, kUdp = 17, kIcmp = 1 };
enum class Verdict : uint8_t { kAllow, kDeny, kReject };

struct PortRange {
  uint16_t lo = 0, hi = 0;
  friend auto operator<=>(const PortRange&, const PortRange&) = default;
};

struct Rule {
  uint32_t number = 0;  // 1..kMaxRules, in priority order
  std::vector<Endpoint> from, to;
  Proto proto = Proto::kAny;
  std::vector<PortRange> ports;  // TCP/UDP destination ports; empty: every port
  int16_t icmp_type = -1, icmp_code = -1;  // ICMP; -1: any
  Verdict verdict = Verdict::kDeny;
  bool log = false;  // a flow-log line per connection it judges
};

// How much of a packet a rule punts to the controller: enough for the IPv4 and TCP headers
// with options (a RST or an ICMP error quotes no more).
inline constexpr uint16_t kPuntBytes = 192;

struct Network {
  uint16_t vlan = 0;
  bool default_allow = false;
};

struct Spec {
  std::vector<Network> networks;
  std::vector<Rule> rules;
  uint8_t next_table = 40;
};

// What a firewall flow's cookie says (under the policy cookie, bits 47..40 = kCtTable).
enum class Kind : uint8_t {
  kTrack = 1,        // table 30: into conntrack (number = VLAN)
  kIpv6 = 2,         // table 30: IPv6 in a firewalled network (number = VLAN)
  kPass = 3,         // table 30: not IP
  kInvalid = 4,      // table 31: +inv
  kEstablished = 5,  // table 31: a connection this version admitted (number = rule, 0 default)
  kRelated = 6,      // table 31: +rel
  kCheck = 7,        // table 31: a rule judging a new (or re-checked) connection (number = rule)
  kDefault = 8,      // table 31: a network's default (number = VLAN)
  kReject = 9,       // table 31: a rejecting rule's original direction, punted (number = rule)
};
// In the number of kCheck and kReject cookies: the rule logs (the flow also punts).
inline constexpr uint32_t kLogFlag = 1u << 31;

uint64_t cookie(uint64_t policy_cookie, Kind kind, uint32_t number) noexcept;
struct CookieInfo {
  Kind kind;
  uint32_t number;  // kLogFlag cleared
  bool log = false;
};
// The firewall's reading of a cookie, if it is one of its flows' (any policy cookie space).
std::optional<CookieInfo> parse_cookie(uint64_t cookie) noexcept;

// The policy version: a digest of everything that decides a verdict (networks, defaults, rules
// and their endpoints), kRuleBits..31 wide and never 0, so the same policy applied twice keeps
// its flows and connections, and any change re-checks every connection. Two different policies
// share a version with probability 2^-18.
uint32_t version(const Spec& spec) noexcept;

// [lo, hi] as (value, mask) pairs, fewest first-to-last (a port range as masked tp_dst).
std::vector<std::pair<uint16_t, uint16_t>> range_masks(uint16_t lo, uint16_t hi);

// How many flows flows(spec) yields, without building them.
size_t count_flows(const Spec& spec);

// Every flow of the firewall, all kAdd, cookies from 'policy_cookie'.
std::vector<FlowMod> flows(const Spec& spec, uint64_t policy_cookie);

}  // namespace sluice::of::firewall
