// The reference interpreter: an obviously-correct, slow OpenFlow 1.3 pipeline over a parsed
// packet, used by differential tests against the dataplane's compiled tables. It is on no fast
// path: plain structs, plain priority scans, clarity first. Std C++ only.
//
// Semantics chosen where the spec leaves room, or where this model simplifies:
//
// * Packet is a parsed view (the fields of messages.h's Field set), not bytes. A field is
//   meaningful only when its OpenFlow 1.3 prerequisite holds on the packet (table 11):
//   ip_proto needs eth_type 0x0800 or 0x86dd; ipv4_* and icmpv4_* need eth_type 0x0800 (and
//   ip_proto 1 for icmpv4_*); tcp_* / udp_* need an IP eth_type and ip_proto 6 / 17; arp_*
//   need eth_type 0x0806. The arp_* members stand for an Ethernet/IPv4 ARP header; arp_op
//   reads as 0 when it is above 255, as the dataplane's key holds only 8 bits of it (matches
//   cannot name more).
// * matches(): every present field must satisfy (packet_value & mask) == (value & mask), and
//   its prerequisite must hold (a tcp_src match never matches a UDP packet). vlan_vid uses the
//   wire form: the packet's value is 0 when untagged and 0x1000|vid when tagged, so
//   OFPVID_NONE matches untagged only, 0x1000/0x1000 any tag, 0x1000|V exactly tag V.
//   A priority-tagged frame (tag with VID 0) is a tagged frame here; the dataplane's parser
//   treats it as untagged, so a differential test should give such frames vlan_present=false.
// * eth_type is the ethertype after any VLAN tags (as OpenFlow matches it); push/pop never
//   change it. The tag's TPID (0x8100 or 0x88a8) is not modelled. A push on a tagged packet
//   keeps the old tag in 'inner_vlans' so that a later pop restores it.
// * Pipeline::add() takes ADD only. An ADD with the same table, priority and Match as an
//   existing rule replaces its instructions and cookie in place (the rule keeps its position).
//   In a table, the highest priority matching rule wins; among equal priorities the rule added
//   first wins.
// * A table miss drops the packet: there are no table-miss flows by default (OpenFlow 1.3).
//   Outputs already made by apply-actions stay; the action set is discarded.
// * Instructions run in spec order: apply-actions, clear-actions, write-actions,
//   write-metadata (metadata = (metadata & ~mask) | (value & mask)), goto-table. add() refuses
//   a goto-table that is not greater than the rule's table.
// * The action set holds one action per type and one set-field per field; writing again
//   replaces. At the end of the pipeline it runs as: pop_vlan, push_vlan, set-fields (in
//   ascending OXM field number), then group if there is one, else output.
// * output:P records {P, copy of the packet}. Reserved ports (ALL, FLOOD, CONTROLLER, LOCAL,
//   NORMAL, TABLE) are recorded symbolically with their number; output:IN_PORT records the
//   packet's in_port. output:P with P equal to the packet's in_port is skipped: OpenFlow sends
//   a packet back out of its ingress port only via IN_PORT (this is also why flooding never
//   hairpins).
// * pop_vlan on an untagged packet and set_field on a field whose prerequisite does not hold
//   (vlan_vid on an untagged packet included) do nothing and add a Note. set_field writes
//   eth_dst/src, vlan_vid (the 12 VID bits; the tag stays), ipv4_*, tcp_*, udp_*, icmpv4_*
//   and tunnel_id; in_port, metadata, eth_type, ip_proto and arp_* are not settable (Note).
// * push_vlan: the new tag copies vid and pcp from the existing tag, or 0 and 0 if untagged.
// * Groups: ALL runs every bucket on its own copy; INDIRECT runs its first bucket; SELECT runs
//   the bucket chosen by the selector (set_selector(); by default packet_hash() picks among
//   the buckets with weight > 0 in proportion to weight, or among all when every weight is 0);
//   FAST_FAILOVER runs the first bucket whose watch_port is live (watch_port ANY counts as
//   live; watch_group is ignored). A bucket's actions run as a list, in order (as Open
//   vSwitch does), not as an action set; a group with no buckets drops. A group action in
//   apply-actions runs on a copy: bucket actions never change the packet the pipeline carries on
//   with. Ports are live unless set_port_live(p, false). Group chains deeper than kMaxGroupDepth
//   stop with a Note.
// * Unknown groups and experimenter actions do nothing and add a Note.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "openflow/messages.h"

namespace sluice::of::ref {

struct Vlan {
  uint16_t vid = 0;  // 12 bits
  uint8_t pcp = 0;   // 3 bits
  friend bool operator==(const Vlan&, const Vlan&) = default;
};

struct Packet {
  uint32_t in_port = 0;
  uint64_t metadata = 0;
  MacAddr eth_dst{};
  MacAddr eth_src{};
  uint16_t eth_type = 0;  // after VLAN tags
  bool vlan_present = false;
  uint16_t vlan_vid = 0;  // 12 bits, meaningful when vlan_present
  uint8_t vlan_pcp = 0;
  std::vector<Vlan> inner_vlans;  // tags under the outer one, outermost first
  uint8_t ip_proto = 0;
  uint32_t ipv4_src = 0;  // host order
  uint32_t ipv4_dst = 0;
  uint16_t tcp_src = 0, tcp_dst = 0;
  uint16_t udp_src = 0, udp_dst = 0;
  uint8_t icmpv4_type = 0, icmpv4_code = 0;
  uint16_t arp_op = 0;
  uint32_t arp_spa = 0, arp_tpa = 0;  // host order
  MacAddr arp_sha{};
  uint64_t tunnel_id = 0;
  friend bool operator==(const Packet&, const Packet&) = default;
};

// Whether the OpenFlow 1.3 prerequisites of 'f' hold on 'p' (vlan_vid has none for matching).
bool prerequisites_hold(Field f, const Packet& p) noexcept;
// The packet's value of 'f' in oxm.h's integer form (vlan_vid: 0 or 0x1000|vid).
uint64_t packet_value(const Packet& p, Field f) noexcept;
bool matches(const Match& m, const Packet& p) noexcept;
// A deterministic hash of every header field (not in_port's liveness, not metadata).
uint64_t packet_hash(const Packet& p) noexcept;

struct Rule {
  uint16_t priority = 0;
  uint64_t cookie = 0;
  Match match;
  Instructions instructions;
};

struct Output {
  uint32_t port = 0;
  Packet packet;  // as it left
  friend bool operator==(const Output&, const Output&) = default;
};

struct Hit {
  uint8_t table = 0;
  uint16_t priority = 0;
  uint64_t cookie = 0;
  friend bool operator==(const Hit&, const Hit&) = default;
};

// Things the interpreter met and ignored; a differential test can skip such packets.
enum class Note : uint8_t {
  kUnknownGroup,
  kGroupTooDeep,
  kExperimenterAction,
  kPopUntagged,
  kSetFieldNotApplicable,  // prerequisite missing, or a field set-field cannot write
};

struct Result {
  std::vector<Output> outputs;  // in the order they were made
  std::vector<Hit> hits;        // one per table visited that had a matching rule
  bool table_miss = false;
  std::vector<Note> notes;
};

// Chooses a SELECT group's bucket: an index below group.n_buckets.
using Selector = std::function<size_t(const GroupDesc& group, const Packet& p)>;

inline constexpr int kMaxGroupDepth = 8;

class Pipeline {
 public:
  // Returns false (and changes nothing) unless 'fm' is an ADD whose goto-table, if any, is
  // greater than its table.
  bool add(const FlowMod& fm);
  // Removes the rule of 'table' with exactly this priority and match (delete-strict); false
  // if there is none.
  bool remove(uint8_t table, uint16_t priority, const Match& match);
  // Adds or replaces the group with g.group_id.
  void set_group(const GroupDesc& g);
  void set_port_live(uint32_t port, bool live);
  bool port_live(uint32_t port) const;
  void set_selector(Selector s) { selector_ = std::move(s); }

  Result run(const Packet& p) const;

  const std::vector<Rule>& table(uint8_t id) const { return tables_[id]; }
  const GroupDesc* group(uint32_t id) const;
  size_t select_bucket(const GroupDesc& g, const Packet& p) const;

 private:
  // The winning rule of 'table' for 'p', or nullptr on a miss.
  const Rule* lookup(uint8_t table, const Packet& p) const;

  std::array<std::vector<Rule>, 256> tables_;
  std::map<uint32_t, GroupDesc> groups_;
  std::map<uint32_t, bool> live_;
  Selector selector_;
};

}  // namespace sluice::of::ref
