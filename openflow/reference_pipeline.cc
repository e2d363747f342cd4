// The reference interpreter's pipeline: rule lookup, instructions, actions, the action set and
// groups (see reference.h for every semantic choice).
#include <optional>
#include <span>

#include "openflow/oxm.h"
#include "openflow/reference.h"

namespace sluice::of::ref {
namespace {

// The action set: one action per type, one set-field per field (ordered by field number).
struct ActionSet {
  std::optional<Action> pop, push, group, output, experimenter;
  std::map<Field, Action> set_fields;

  void write(const Action& a) {
    switch (a.type) {
      case ActionType::kOutput:
        output = a;
        break;
      case ActionType::kPushVlan:
        push = a;
        break;
      case ActionType::kPopVlan:
        pop = a;
        break;
      case ActionType::kGroup:
        group = a;
        break;
      case ActionType::kSetField:
        set_fields[a.field] = a;
        break;
      case ActionType::kExperimenter:
      case ActionType::kCt:  // the model does not track connections: a note, like experimenter
      case ActionType::kCtClear:
        experimenter = a;
        break;
    }
  }
};

// Writes 'value' into the packet's field 'f'. Returns false if set-field cannot write 'f'
// (in_port, metadata, eth_type, ip_proto and the match-only arp_* are not settable here).
bool write_field(Packet& p, Field f, uint64_t value) {
  switch (f) {
    case Field::kEthDst:
      p.eth_dst = u64_to_mac(value);
      return true;
    case Field::kEthSrc:
      p.eth_src = u64_to_mac(value);
      return true;
    case Field::kVlanVid:
      p.vlan_vid = static_cast<uint16_t>(value & 0xfff);
      return true;
    case Field::kIpv4Src:
      p.ipv4_src = static_cast<uint32_t>(value);
      return true;
    case Field::kIpv4Dst:
      p.ipv4_dst = static_cast<uint32_t>(value);
      return true;
    case Field::kTcpSrc:
      p.tcp_src = static_cast<uint16_t>(value);
      return true;
    case Field::kTcpDst:
      p.tcp_dst = static_cast<uint16_t>(value);
      return true;
    case Field::kUdpSrc:
      p.udp_src = static_cast<uint16_t>(value);
      return true;
    case Field::kUdpDst:
      p.udp_dst = static_cast<uint16_t>(value);
      return true;
    case Field::kIcmpv4Type:
      p.icmpv4_type = static_cast<uint8_t>(value);
      return true;
    case Field::kIcmpv4Code:
      p.icmpv4_code = static_cast<uint8_t>(value);
      return true;
    case Field::kTunnelId:
      p.tunnel_id = value;
      return true;
    default:
      return false;
  }
}

// Runs actions for one packet, recording outputs and notes into a Result.
class Executor {
 public:
  Executor(const Pipeline& pipeline, Result& result) : pipeline_(pipeline), result_(result) {}

  void run_actions(std::span<const Action> actions, Packet& p, int depth) {
    for (const Action& a : actions) run_action(a, p, depth);
  }

  void run_action_set(const ActionSet& set, Packet& p) {
    if (set.pop) run_action(*set.pop, p, 0);
    if (set.push) run_action(*set.push, p, 0);
    for (const auto& [field, a] : set.set_fields) run_action(a, p, 0);
    if (set.experimenter) note(Note::kExperimenterAction);
    if (set.group) {
      run_action(*set.group, p, 0);
    } else if (set.output) {
      run_action(*set.output, p, 0);
    }
  }

 private:
  void run_action(const Action& a, Packet& p, int depth) {
    switch (a.type) {
      case ActionType::kOutput:
        return output(a.port, p);
      case ActionType::kPushVlan:
        return push_vlan(p);
      case ActionType::kPopVlan:
        return pop_vlan(p);
      case ActionType::kGroup:
        return run_group(a.group_id, p, depth);
      case ActionType::kSetField:
        return set_field(a, p);
      case ActionType::kExperimenter:
      case ActionType::kCt:
      case ActionType::kCtClear:
        return note(Note::kExperimenterAction);
    }
  }

  void output(uint32_t port, const Packet& p) {
    if (port == port_no::kInPort) {
      port = p.in_port;
    } else if (port == p.in_port) {
      return;  // only output:IN_PORT sends a packet back where it came from
    }
    result_.outputs.push_back({port, p});
  }

  void push_vlan(Packet& p) {
    // The new tag copies vid/pcp from the old one, else 0/0 (whatever an untagged packet's
    // vlan fields happen to hold).
    if (p.vlan_present) {
      p.inner_vlans.insert(p.inner_vlans.begin(), {p.vlan_vid, p.vlan_pcp});
    } else {
      p.vlan_vid = 0, p.vlan_pcp = 0;
    }
    p.vlan_present = true;
  }

  void pop_vlan(Packet& p) {
    if (!p.vlan_present) return note(Note::kPopUntagged);
    if (p.inner_vlans.empty()) {
      p.vlan_present = false, p.vlan_vid = 0, p.vlan_pcp = 0;
      return;
    }
    p.vlan_vid = p.inner_vlans.front().vid, p.vlan_pcp = p.inner_vlans.front().pcp;
    p.inner_vlans.erase(p.inner_vlans.begin());
  }

  void set_field(const Action& a, Packet& p) {
    const bool applicable =
        a.field == Field::kVlanVid ? p.vlan_present : prerequisites_hold(a.field, p);
    if (!applicable || !write_field(p, a.field, a.value)) note(Note::kSetFieldNotApplicable);
  }

  // Each chosen bucket runs on its own copy of 'p'; 'p' itself is never changed.
  void run_group(uint32_t id, const Packet& p, int depth) {
    const GroupDesc* g = pipeline_.group(id);
    if (g == nullptr) return note(Note::kUnknownGroup);
    if (depth >= kMaxGroupDepth) return note(Note::kGroupTooDeep);
    for (size_t i : chosen_buckets(*g, p)) {
      Packet copy = p;
      run_actions(g->buckets[i].actions.view(), copy, depth + 1);
    }
  }

  std::vector<size_t> chosen_buckets(const GroupDesc& g, const Packet& p) const {
    std::vector<size_t> chosen;
    if (g.n_buckets == 0) return chosen;
    switch (g.type) {
      case GroupType::kAll:
        for (size_t i = 0; i < g.n_buckets; ++i) chosen.push_back(i);
        break;
      case GroupType::kIndirect:
        chosen.push_back(0);
        break;
      case GroupType::kSelect:
        if (size_t i = pipeline_.select_bucket(g, p); i < g.n_buckets) chosen.push_back(i);
        break;
      case GroupType::kFastFailover:
        for (size_t i = 0; i < g.n_buckets; ++i) {
          const uint32_t watch = g.buckets[i].watch_port;
          if (watch == port_no::kAny || pipeline_.port_live(watch)) {
            chosen.push_back(i);
            break;
          }
        }
        break;
    }
    return chosen;
  }

  void note(Note n) { result_.notes.push_back(n); }

  const Pipeline& pipeline_;
  Result& result_;
};

void write_metadata(const Instructions& ins, Packet& p) {
  p.metadata = (p.metadata & ~ins.metadata_mask) | (ins.metadata & ins.metadata_mask);
}

// Runs one rule's instructions in spec order; returns the next table, or nullopt at the end.
std::optional<uint8_t> run_instructions(const Instructions& ins, Packet& p, ActionSet& set,
                                        Executor& ex) {
  if (ins.present & instr::kApplyActions) ex.run_actions(ins.apply_actions.view(), p, 0);
  if (ins.present & instr::kClearActions) set = ActionSet{};
  if (ins.present & instr::kWriteActions) {
    for (const Action& a : ins.write_actions.view()) set.write(a);
  }
  if (ins.present & instr::kWriteMetadata) write_metadata(ins, p);
  if (ins.present & instr::kGotoTable) return ins.goto_table;
  return std::nullopt;
}

}  // namespace

bool Pipeline::add(const FlowMod& fm) {
  if (fm.command != FlowModCommand::kAdd) return false;
  const Instructions& ins = fm.instructions;
  if ((ins.present & instr::kGotoTable) && ins.goto_table <= fm.table_id) return false;
  const Rule rule{fm.priority, fm.cookie, fm.match, ins};
  std::vector<Rule>& rules = tables_[fm.table_id];
  for (Rule& r : rules) {
    if (r.priority == rule.priority && r.match == rule.match) {
      r = rule;
      return true;
    }
  }
  rules.push_back(rule);
  return true;
}

bool Pipeline::remove(uint8_t table, uint16_t priority, const Match& match) {
  return std::erase_if(tables_[table], [&](const Rule& r) {
           return r.priority == priority && r.match == match;
         }) > 0;
}

void Pipeline::set_group(const GroupDesc& g) { groups_[g.group_id] = g; }

void Pipeline::set_port_live(uint32_t port, bool live) { live_[port] = live; }

bool Pipeline::port_live(uint32_t port) const {
  auto it = live_.find(port);
  return it == live_.end() || it->second;
}

const GroupDesc* Pipeline::group(uint32_t id) const {
  auto it = groups_.find(id);
  return it == groups_.end() ? nullptr : &it->second;
}

size_t Pipeline::select_bucket(const GroupDesc& g, const Packet& p) const {
  if (selector_) return selector_(g, p);
  if (g.n_buckets == 0) return 0;
  uint64_t total = 0;
  for (const Bucket& b : g.view()) total += b.weight;
  const uint64_t h = packet_hash(p);
  if (total == 0) return h % g.n_buckets;
  uint64_t point = h % total;
  for (size_t i = 0; i < g.n_buckets; ++i) {
    if (point < g.buckets[i].weight) return i;
    point -= g.buckets[i].weight;
  }
  return 0;  // unreachable: point < total
}

const Rule* Pipeline::lookup(uint8_t table, const Packet& p) const {
  const Rule* best = nullptr;
  for (const Rule& r : tables_[table]) {
    // Strictly greater: among equal priorities the rule added first stays the winner.
    if (matches(r.match, p) && (best == nullptr || r.priority > best->priority)) best = &r;
  }
  return best;
}

Result Pipeline::run(const Packet& in) const {
  Result result;
  Executor ex(*this, result);
  Packet p = in;
  ActionSet set;
  std::optional<uint8_t> table = 0;
  while (table) {
    const Rule* rule = lookup(*table, p);
    if (rule == nullptr) {
      result.table_miss = true;
      return result;  // drop: the action set is discarded
    }
    result.hits.push_back({*table, rule->priority, rule->cookie});
    table = run_instructions(rule->instructions, p, set, ex);
  }
  ex.run_action_set(set, p);
  return result;
}

}  // namespace sluice::of::ref
