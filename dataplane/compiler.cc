#include "dataplane/compiler.h"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "dataplane/flow_checks.h"
#include "dataplane/burst.h"
#include "dataplane/mac_table.h"
#include "openflow/l2_contract.h"

namespace sluice::dp {
namespace {

using of::Field;

class SlotMap {
 public:
  explicit SlotMap(const std::array<PortRuntime, kMaxPorts>& ports) {
    for (uint16_t s = 0; s < kMaxPorts; ++s) {
      if (ports[s].active) slots_[ports[s].of_port] = s;
    }
  }
  std::optional<uint16_t> find(uint32_t of_port) const {
    auto it = slots_.find(of_port);
    if (it == slots_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::unordered_map<uint32_t, uint16_t> slots_;
};

// Flows in ascending priority, so that a higher-priority flow for the same key wins.
std::vector<const FlowEntry*> by_priority(const FlowStore& store, const std::set<uint32_t>& counters) {
  std::vector<const FlowEntry*> out;
  for (uint32_t c : counters) {
    if (const FlowEntry* f = store.flow_by_counter(c)) out.push_back(f);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const FlowEntry* a, const FlowEntry* b) { return a->priority < b->priority; });
  return out;
}

// Compiles groups (always whole: they are few) and single flows against them.
class ProgramBuilder {
 public:
  ProgramBuilder(const FlowStore& store, const SlotMap& slots, OfProgram& p)
      : store_(store), slots_(slots), p_(p) {
    for (const auto& [id, g] : store_.groups()) {
      group_index_[id] = static_cast<uint32_t>(p_.groups.size());
      p_.groups.emplace_back();
    }
    for (const auto& [id, g] : store_.groups()) group(g, p_.groups[group_index_[id]]);
  }

  std::shared_ptr<const CompiledFlow> flow(const FlowEntry& f) const {
    const of::Instructions& ins = f.instructions;
    auto c = std::make_shared<CompiledFlow>();
    c->counter = f.counter;
    c->cookie = f.cookie;
    c->table_miss = f.priority == 0 && f.match.present == 0;
    if ((ins.present & of::instr::kGotoTable) != 0) c->goto_table = ins.goto_table;
    c->clear_actions = (ins.present & of::instr::kClearActions) != 0;
    c->write_metadata = (ins.present & of::instr::kWriteMetadata) != 0;
    c->metadata = ins.metadata;
    c->metadata_mask = ins.metadata_mask;
    std::vector<Op> list;
    c->apply = ops(ins.apply_actions, list, &c->last_output);
    c->write = ops(ins.write_actions, list);
    c->set_ops(std::move(list));
    // ct(table=N) (the apply list's last action, flow_checks.h) goes on in table N.
    const auto apply = ins.apply_actions.view();
    const bool recirculates = !apply.empty() && apply.back().type == of::ActionType::kCt &&
                              apply.back().ct.table != of::kCtNoTable;
    c->ends_pipeline = c->goto_table == kNoGoto && c->write.count == 0 && !recirculates;
    return c;
  }

 private:
  Op op(const of::Action& a) const {
    return make_op(
        a, [this](uint32_t port) { return slots_.find(port); },
        [this](uint32_t id) -> std::optional<uint32_t> {
          auto it = group_index_.find(id);
          if (it == group_index_.end()) return std::nullopt;
          return it->second;
        });
  }

  // Appends 'list' to 'out'; 'last_output' gets the index (within the range) of its last
  // sending op, or 0xffff.
  OpRange ops(const of::ActionList& list, std::vector<Op>& out,
              uint16_t* last_output = nullptr) const {
    OpRange r{static_cast<uint32_t>(out.size()), list.count};
    uint16_t last = 0xffff;
    for (uint16_t i = 0; i < list.count; ++i) {
      out.push_back(op(list.items[i]));
      if (is_send_op(out.back().code)) last = i;
    }
    if (last_output != nullptr) *last_output = last;
    return r;
  }

  void group(const GroupEntry& g, CompiledGroup& c) {
    c.type = g.type;
    c.group_id = g.group_id;
    c.counter = g.counters.empty() ? kNoFlowCounter : g.counters[0];
    std::vector<uint16_t> weights;
    for (const of::Bucket& b : g.buckets) {
      uint16_t last = 0xffff;
      c.buckets.push_back(ops(b.actions, p_.ops, &last));
      c.last_output.push_back(last);
      auto watch = b.watch_port == of::port_no::kAny ? std::nullopt : slots_.find(b.watch_port);
      c.watch_slot.push_back(watch ? *watch : kNoSlot);
      weights.push_back(b.weight);
      const size_t k = c.bucket_counters.size() + 1;
      c.bucket_counters.push_back(k < g.counters.size() ? g.counters[k] : kNoFlowCounter);
    }
    if (g.type == of::GroupType::kSelect) build_select_table(c, weights);
  }

  const FlowStore& store_;
  const SlotMap& slots_;
  OfProgram& p_;
  std::map<uint32_t, uint32_t> group_index_;
};

void compile_ingress(const FlowStore& store, const std::set<uint32_t>& table0,
                     const SlotMap& slots, Tables& t) {
  for (const FlowEntry* f : by_priority(store, table0)) {
    auto slot = slots.find(f->match.in_port);
    if (!slot) continue;  // the port is not (yet) there
    IngressPort& port = t.ingress[*slot];
    port.configured = true;
    const IngressAction action{static_cast<uint16_t>(f->instructions.metadata & 0xfff),
                               f->instructions.goto_table, f->counter};
    if ((f->match.vlan_vid & of::kVidPresent) == 0) {
      port.untagged = action;
    } else {
      if (port.tagged.empty()) port.tagged.assign(kVlanCount, IngressAction{});
      port.tagged[f->match.vlan_vid & 0xfff] = action;
    }
  }
}

void compile_bridge_domains(const FlowStore& store, const std::set<uint32_t>& learning,
                            const SlotMap& slots, Tables& t) {
  // One flood flow per VLAN: the highest priority wins. Only the winner's group defines the
  // domain's members and their egress.
  std::map<uint16_t, const FlowEntry*> winners;
  for (const FlowEntry* f : by_priority(store, learning)) {
    if (!f->match.has(Field::kEthDst)) winners[f->match.metadata & 0xfff] = f;
  }
  for (const auto& [vid, f] : winners) {
    const uint32_t group_id = f->instructions.apply_actions.view()[0].group_id;
    auto g = store.groups().find(group_id);
    if (g == store.groups().end()) continue;
    BridgeDomain bd;
    bd.vid = vid;
    bd.flood_flow = f->counter;
    for (const of::Bucket& b : g->second.buckets) {
      auto egress = of::l2::parse_egress(b.actions);
      auto slot = egress ? slots.find(egress->port) : std::nullopt;
      if (!slot) continue;
      bd.members.push_back(FloodMember{*slot, egress->push_vid});
      auto& e = t.egress[*slot];
      if (e.empty()) e.assign(kVlanCount, kEgressNone);
      e[vid] = egress->push_vid;
    }
    t.bd_index[vid] = static_cast<int16_t>(t.bds.size());
    t.bds.push_back(std::move(bd));
  }
}

std::map<uint64_t, StaticMac> compile_statics(const FlowStore& store,
                                              const std::set<uint32_t>& learning,
                                              const SlotMap& slots) {
  std::map<uint64_t, StaticMac> out;
  for (const FlowEntry* f : by_priority(store, learning)) {
    if (!f->match.has(Field::kEthDst)) continue;
    auto egress = of::l2::parse_egress(f->instructions.apply_actions);
    auto slot = egress ? slots.find(egress->port) : std::nullopt;
    if (!slot) continue;
    const uint16_t vid = static_cast<uint16_t>(f->match.metadata & 0xfff);
    out[mac_key(vid, f->match.eth_dst.data())] = StaticMac{*slot, f->counter};
  }
  return out;
}

}  // namespace

Compiled compile(const FlowStore& store, const std::array<PortRuntime, kMaxPorts>& ports,
                 uint64_t version, const Specialisers& specialisers) {
  Compiler c(specialisers);
  return c.compile(store, ports, version, StoreChanges{.structure = true, .flows = {}});
}

void Compiler::forget() {
  installed_.clear();
  tables_.fill(Classifier{});
  table_flows_.fill(0);
  table0_other_ = 0;
  learning_other_ = 0;
  table0_.clear();
  learning_flows_.clear();
}

Compiled Compiler::compile(const FlowStore& store, const std::array<PortRuntime, kMaxPorts>& ports,
                           uint64_t version, const StoreChanges& changes,
                           const std::function<void()>& progress) {
  Compiled out;
  out.tables = std::make_unique<Tables>();
  Tables& t = *out.tables;
  t.version = version;
  t.ports = ports;
  for (uint16_t s = 0; s < kMaxPorts; ++s) {
    if (ports[s].active) t.active_slots.push_back(s);
  }
  const SlotMap slots(ports);
  auto program = std::make_unique<OfProgram>();
  const ProgramBuilder builder(store, slots, *program);

  // Which flows to (re)compile: the changed ones, or all of them.
  const bool full = !have_previous_ || changes.structure ||
                    ports_ != ports;
  std::vector<uint32_t> todo;
  // The learning table learns while every flow in it is an L2 shape; else it is a plain table.
  const uint8_t named = store.learning_table();
  if (full) {
    forget();
    for (const FlowEntry& f : store.flows()) todo.push_back(f.counter);
    out.full = true;
    uint32_t other = 0;
    for (const FlowEntry& f : store.flows()) {
      if (f.table_id == named && !is_l2_shape(f, store.groups())) ++other;
    }
    learning_ = other == 0 ? named : of::kNoLearningTable;
  } else {
    todo = changes.flows;
    std::sort(todo.begin(), todo.end());
    todo.erase(std::unique(todo.begin(), todo.end()), todo.end());
  }
  std::array<std::vector<ClassifierRemoval>, FlowStore::kNumTables> removals;
  std::array<std::vector<ClassifierRule>, FlowStore::kNumTables> additions;
  const uint8_t learning = learning_;
  size_t done = 0;
  for (uint32_t c : todo) {
    if (progress && ++done % 4096 == 0) progress();
    if (auto it = installed_.find(c); it != installed_.end()) {
      const Installed& old = it->second;
      if (old.in_classifier) removals[old.table].push_back(ClassifierRemoval{old.match, c});
      if (old.table == 0 && !old.ingress_shape) --table0_other_;
      if (old.table == named && !old.l2_shape) --learning_other_;
      --table_flows_[old.table];
      table0_.erase(c);
      learning_flows_.erase(c);
      installed_.erase(it);
    }
    const FlowEntry* f = store.flow_by_counter(c);
    if (f == nullptr) continue;
    Installed now;
    now.table = f->table_id;
    now.ingress_shape = now.table == 0 && is_ingress_shape(*f);
    now.l2_shape = now.table == named && is_l2_shape(*f, store.groups());
    now.in_classifier = f->table_id != learning;
    now.match = masked_key(f->match);
    if (now.table == 0 && !now.ingress_shape) ++table0_other_;
    if (now.table == named && !now.l2_shape) ++learning_other_;
    ++table_flows_[now.table];
    if (now.table == 0) table0_.insert(c);
    if (now.table == learning) learning_flows_.insert(c);
    if (now.in_classifier) {
      additions[now.table].push_back(ClassifierRule{now.match, f->priority, c, builder.flow(*f)});
    }
    installed_.emplace(c, std::move(now));
  }
  // A flow that makes the learning table plain, or the last such flow leaving it, changes how
  // every flow there compiles: start again from scratch.
  const uint8_t want = named != of::kNoLearningTable && learning_other_ == 0 ? named : of::kNoLearningTable;
  if (!full && want != learning_) {
    return compile(store, ports, version, StoreChanges{.structure = true, .flows = {}}, progress);
  }
  for (size_t i = 0; i < tables_.size(); ++i) {
    if (!removals[i].empty() || !additions[i].empty()) {
      tables_[i] = tables_[i].updated(removals[i], additions[i]);
    }
  }
  size_t used = 0;
  for (size_t i = 0; i < table_flows_.size(); ++i) {
    if (table_flows_[i] > 0) used = i + 1;
  }
  program->tables.resize(used);
  for (size_t i = 0; i < used; ++i) {
    program->tables[i].classifier = tables_[i];
    program->tables[i].learning = i == learning && table_flows_[i] > 0;
  }
  have_previous_ = true;
  ports_ = ports;

  // Per table: table 0 as direct arrays while it holds only ingress shapes; the learning table
  // for the l2 stage; the program (built either way: PACKET_OUT runs its actions with it, and
  // it serves every table a packet reaches through a classifier) for the rest.
  t.ingress_direct = table0_other_ == 0;
  t.learning_table = learning;
  t.program = std::move(program);
  if (t.ingress_direct) compile_ingress(store, table0_, slots, t);
  specialise(store, ports, t);
  // A table a stage serves: the learning table, or a special table whose flows go on only to
  // the learning table.
  const auto served = [&](uint8_t table) {
    if (table == learning) return true;
    const SpecialTable* sp = table < kMaxTables ? t.special[table].get() : nullptr;
    return sp != nullptr && std::all_of(sp->next_tables.begin(), sp->next_tables.end(),
                                        [&](uint8_t n) { return n == learning; });
  };
  t.reaches_classifiers = !t.ingress_direct;
  for (uint16_t s = 0; s < kMaxPorts && !t.reaches_classifiers; ++s) {
    const IngressPort& p = t.ingress[s];
    const auto elsewhere = [&](const IngressAction& a) { return a.bd != 0 && !served(a.goto_table); };
    t.reaches_classifiers = elsewhere(p.untagged) || std::any_of(p.tagged.begin(), p.tagged.end(), elsewhere);
  }
  t.reads_key = t.reaches_classifiers ||
                std::any_of(t.special.begin(), t.special.end(), [](const auto& sp) { return sp != nullptr; });
  if (learning != of::kNoLearningTable) {
    compile_bridge_domains(store, learning_flows_, slots, t);
    out.statics = compile_statics(store, learning_flows_, slots);
  }
  return out;
}

void Compiler::specialise(const FlowStore& store, const std::array<PortRuntime, kMaxPorts>& ports,
                          Tables& t) const {
  // The special tables are small (a few flows per VM port): built from scratch every time.
  for (const auto& sp : specialisers_) {
    const uint8_t table = sp->table();
    if (table >= kMaxTables || table == 0 || table == t.learning_table) continue;
    std::vector<const FlowEntry*> flows;
    for (const FlowEntry& f : store.flows()) {
      if (f.table_id == table) flows.push_back(&f);
    }
    if (!flows.empty()) t.special[table] = sp->compile(flows, ports);
  }
}

}  // namespace sluice::dp
