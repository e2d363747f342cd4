// Conntracker: the connection tracker as the openflow stage sees it, so that Open vSwitch's ct()
// action runs in any table without dataplane/ knowing the tracker. The composition root hands
// the daemon one (nfv/ct/ implements it over nfv/conntrack's ConnTable); without one, a packet
// that reaches a ct() action is dropped as ct_unavailable.
//
// The openflow stage gathers a burst's ct(table=N) packets of one table and calls track() once
// for them (bulk lookups), and a ct() without table= for one packet when its flow runs it. For
// each request the tracker finds (and with commit, creates) the packet's connection in the
// zone, writes ct_state / ct_zone / ct_mark into the packet's FlowKey, and remembers in the
// packet's CtMemo what it found, so that a later ct() in the same zone (ct(table=1) in table 0,
// then ct(commit) in table 1) commits that connection instead of tracking the packet twice.
// A request the tracker refuses (table or port limit full on commit, a contended entry) gets a
// drop reason: the packet is dropped, counted, and never forwarded (fail closed).
// Std C++ only.
#pragma once

#include <cstdint>
#include <span>

#include "dataplane/flow_key.h"

namespace sluice::dp {

// What a packet's last ct() found, kept while it walks the tables.
struct CtMemo {
  int32_t entry = -1;  // its connection, or -1
  uint16_t zone = 0;
  uint8_t state = 0;   // ct_state bits; 0: not tracked in this walk
  uint8_t dir = 0;     // 0 original direction, 1 reply
};

enum class CtRefusal : uint8_t {
  kNone = 0,
  kTableFull,  // commit: no free entry (or index slot) in the connection table
  kPortLimit,  // commit: the ingress port has opened its limit of connections
  kBusy,       // another worker held the connection's entry for too long
};

struct CtRequest {
  const uint8_t* l3 = nullptr;  // the header after Ethernet and VLAN tags
  uint32_t l3_len = 0;          // bytes readable from l3
  uint16_t ether_type = 0;
  uint16_t in_slot = 0;         // ingress port slot (per-port limits)
  uint16_t flags = 0;           // of::ct_flag:: bits (commit, force)
  uint16_t zone = 0;
  uint32_t mark = 0;            // exec(set_field): ct_mark = (ct_mark & ~mark_mask) | mark
  uint32_t mark_mask = 0;
  FlowKey* key = nullptr;       // out: ct_state, ct_zone, ct_mark
  CtMemo* memo = nullptr;       // in: the previous ct() of this walk; out: this one
  CtRefusal refusal = CtRefusal::kNone;  // out
};

// What the tracker counts, for the metrics exporter (all since start; entries and capacity now).
struct CtStats {
  uint64_t entries = 0, capacity = 0;
  uint64_t created = 0;      // connections committed
  uint64_t invalid = 0;      // packets tracked +inv (flags, window, no connection they may open)
  uint64_t untrackable = 0;  // fragments and headers cut short (also +inv)
  uint64_t reopened = 0;     // connections replaced by a new SYN on their tuple
  uint64_t table_full = 0, port_limit = 0, busy = 0;  // refusals (the packet is dropped)
  uint64_t expired = 0, evicted = 0, removed = 0;     // entries reclaimed by the sweeper
};

class Conntracker {
 public:
  virtual ~Conntracker() = default;
  // On worker 'worker', at coarse time 'now' (seconds, clock.h).
  virtual void track(uint16_t worker, uint32_t now, std::span<CtRequest> requests) noexcept = 0;
  // On the control lcore, every few milliseconds: expiry and reclaim (bounded work per call).
  virtual void sweep(uint32_t now) = 0;
  // From any thread (relaxed reads of counters the workers write).
  virtual CtStats stats() const noexcept = 0;
};

}  // namespace sluice::dp
