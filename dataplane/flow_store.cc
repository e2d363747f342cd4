#include "dataplane/flow_store.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "dataplane/flow_checks.h"
#include "openflow/oxm.h"

namespace sluice::dp {
namespace {

using of::Field;
using of::OfError;

std::unexpected<OfError> error(of::ErrorType type, uint16_t code) {
  return std::unexpected<OfError>(OfError{type, code, 0});
}

// One field's value and mask as integers (absent: mask 0), for the match relations below.
struct FieldView {
  uint64_t value = 0, mask = 0;
};

FieldView view(const of::Match& m, Field f) {
  if (!m.has(f)) return {};
  return {of::match_value(m, f), of::match_mask(m, f)};
}

bool list_outputs_to(const of::ActionList& list, uint32_t port) {
  for (const of::Action& a : list.view()) {
    if (a.type == of::ActionType::kOutput && a.port == port) return true;
  }
  return false;
}

bool list_uses_group(const of::ActionList& list, uint32_t group) {
  for (const of::Action& a : list.view()) {
    if (a.type == of::ActionType::kGroup && a.group_id == group) return true;
  }
  return false;
}

}  // namespace

bool match_covers(const of::Match& wide, const of::Match& narrow) noexcept {
  if ((wide.present & ~narrow.present) != 0) return false;
  for (const of::FieldInfo& info : of::known_fields()) {
    const Field f = info.field;
    if (!wide.has(f)) continue;
    const FieldView w = view(wide, f), n = view(narrow, f);
    if ((n.mask & w.mask) != w.mask || (n.value & w.mask) != (w.value & w.mask)) return false;
  }
  return true;
}

bool matches_overlap(const of::Match& a, const of::Match& b) noexcept {
  for (const of::FieldInfo& info : of::known_fields()) {
    const Field f = info.field;
    const FieldView x = view(a, f), y = view(b, f);
    const uint64_t both = x.mask & y.mask;
    if ((x.value & both) != (y.value & both)) return false;
  }
  return true;
}

bool outputs_to(const of::Instructions& ins, uint32_t port) noexcept {
  return port == of::port_no::kAny || list_outputs_to(ins.apply_actions, port) ||
         list_outputs_to(ins.write_actions, port);
}

bool uses_group(const of::Instructions& ins, uint32_t group) noexcept {
  return group == of::group_id::kAny || list_uses_group(ins.apply_actions, group) ||
         list_uses_group(ins.write_actions, group);
}

size_t FlowStore::StrictHash::operator()(const StrictKey& k) const noexcept {
  const std::string_view bytes(reinterpret_cast<const char*>(&k.match), sizeof k.match);
  return std::hash<std::string_view>{}(bytes) ^ (size_t{k.table_id} << 16 | k.priority) * 0x9e3779b97f4a7c15ULL;
}

FlowStore::FlowStore(uint32_t counter_slots, CounterReader reader) : reader_(std::move(reader)) {
  position_.assign(counter_slots, kNoPosition);
  free_counters_.reserve(counter_slots);
  for (uint32_t i = counter_slots; i > 0; --i) free_counters_.push_back(i - 1);
}

FlowTotals FlowStore::totals(const FlowEntry& f) const {
  const FlowTotals now = reader_(f.counter);
  FlowTotals t{now.packets - f.baseline.packets, now.bytes - f.baseline.bytes};
  if ((f.flags & of::flow_flags::kNoPktCounts) != 0) t.packets = ~uint64_t{0};
  if ((f.flags & of::flow_flags::kNoBytCounts) != 0) t.bytes = ~uint64_t{0};
  return t;
}

of::Decoded<void> FlowStore::check_flow(const of::FlowMod& fm) const {
  if (fm.table_id >= kNumTables) {
    return error(of::ErrorType::kFlowModFailed, of::flow_mod_failed::kBadTableId);
  }
  if (fm.buffer_id != of::kNoBuffer) {
    return error(of::ErrorType::kBadRequest, of::bad_request::kBufferUnknown);
  }
  // Every table takes any valid flow, the learning table included (it learns while it holds
  // only the L2 shapes: the compiler decides, flow_checks.h is_l2_shape()).
  return dp::check_flow(fm, kNumTables, groups_);
}

of::Decoded<void> FlowStore::apply(const of::FlowMod& fm) {
  if (fm.table_id != of::kTableAll && fm.table_id >= kNumTables) {
    return error(of::ErrorType::kFlowModFailed, of::flow_mod_failed::kBadTableId);
  }
  switch (fm.command) {
    case of::FlowModCommand::kAdd:
      return add(fm);
    case of::FlowModCommand::kModify:
      return modify(fm, false);
    case of::FlowModCommand::kModifyStrict:
      return modify(fm, true);
    case of::FlowModCommand::kDelete:
      remove(fm, false);
      return {};
    case of::FlowModCommand::kDeleteStrict:
      remove(fm, true);
      return {};
  }
  return error(of::ErrorType::kFlowModFailed, of::flow_mod_failed::kBadCommand);
}

bool FlowStore::overlaps_existing(const of::FlowMod& fm) const {
  for (const FlowEntry& f : flows_) {
    if (f.table_id == fm.table_id && f.priority == fm.priority && matches_overlap(f.match, fm.match)) {
      return true;
    }
  }
  return false;
}

of::Decoded<void> FlowStore::add(const of::FlowMod& fm) {
  if (auto ok = check_flow(fm); !ok) return ok;
  if ((fm.flags & of::flow_flags::kCheckOverlap) != 0 && overlaps_existing(fm)) {
    return error(of::ErrorType::kFlowModFailed, of::flow_mod_failed::kOverlap);
  }
  const auto now = std::chrono::steady_clock::now();
  auto same = index_.find(StrictKey{fm.table_id, fm.priority, fm.match});
  FlowEntry* f = nullptr;
  if (same != index_.end()) {
    // An identical flow is replaced; its counters carry over unless asked to reset them.
    f = &flows_[same->second];
    if (f->idle_timeout != 0 || f->hard_timeout != 0) --timed_flows_;
    if ((fm.flags & of::flow_flags::kResetCounts) != 0) f->baseline = reader_(f->counter);
  } else {
    if (free_counters_.empty()) {
      return error(of::ErrorType::kFlowModFailed, of::flow_mod_failed::kTableFull);
    }
    index_.emplace(StrictKey{fm.table_id, fm.priority, fm.match}, static_cast<uint32_t>(flows_.size()));
    f = &flows_.emplace_back();
    f->table_id = fm.table_id;
    f->priority = fm.priority;
    f->match = fm.match;
    f->counter = free_counters_.back();
    free_counters_.pop_back();
    position_[f->counter] = static_cast<uint32_t>(flows_.size() - 1);
    f->baseline = reader_(f->counter);
  }
  f->flags = fm.flags;
  f->cookie = fm.cookie;
  f->idle_timeout = fm.idle_timeout;
  f->hard_timeout = fm.hard_timeout;
  f->instructions = fm.instructions;
  f->installed = now;
  f->last_active = now;
  f->seen_packets = reader_(f->counter).packets;
  if (f->idle_timeout != 0 || f->hard_timeout != 0) ++timed_flows_;
  changed_flow(f->counter);
  return {};
}

bool FlowStore::selected(const FlowEntry& f, const of::FlowMod& fm, bool strict) const {
  if (fm.table_id != of::kTableAll && f.table_id != fm.table_id) return false;
  if ((f.cookie & fm.cookie_mask) != (fm.cookie & fm.cookie_mask)) return false;
  if (strict) return f.priority == fm.priority && f.match == fm.match;
  return match_covers(fm.match, f.match);
}

of::Decoded<void> FlowStore::modify(const of::FlowMod& fm, bool strict) {
  if (fm.table_id == of::kTableAll) {
    return error(of::ErrorType::kFlowModFailed, of::flow_mod_failed::kBadTableId);
  }
  if (fm.buffer_id != of::kNoBuffer) {
    return error(of::ErrorType::kBadRequest, of::bad_request::kBufferUnknown);
  }
  // Check against every selected flow first: a refused modify changes nothing.
  std::vector<uint32_t> chosen;
  for (uint32_t i = 0; i < flows_.size(); ++i) {
    const FlowEntry& f = flows_[i];
    if (!selected(f, fm, strict)) continue;
    of::FlowMod probe = fm;
    probe.match = f.match;
    probe.priority = f.priority;
    probe.idle_timeout = 0;
    probe.hard_timeout = 0;
    if (auto ok = check_flow(probe); !ok) return ok;
    chosen.push_back(i);
  }
  for (uint32_t i : chosen) {
    FlowEntry& f = flows_[i];
    f.instructions = fm.instructions;
    if ((fm.flags & of::flow_flags::kResetCounts) != 0) f.baseline = reader_(f.counter);
    changed_flow(f.counter);
  }
  return {};
}

template <class Pick>
void FlowStore::remove_if(Pick pick, SteadyTime now) {
  size_t kept = 0;
  bool any = false;
  for (size_t i = 0; i < flows_.size(); ++i) {
    FlowEntry& f = flows_[i];
    const std::optional<RemovedReason> reason = pick(f);
    if (!reason) {
      if (kept != i) flows_[kept] = std::move(f);
      ++kept;
      continue;
    }
    any = true;
    if ((f.flags & of::flow_flags::kSendFlowRem) != 0) {
      removed_.push_back(RemovedFlow{f, *reason, totals(f), now});
    }
    if (f.idle_timeout != 0 || f.hard_timeout != 0) --timed_flows_;
    free_counters_.push_back(f.counter);
    position_[f.counter] = kNoPosition;
    changed_flow(f.counter);
  }
  if (!any) return;
  flows_.resize(kept);
  reindex();
}

void FlowStore::reindex() {
  index_.clear();
  for (uint32_t i = 0; i < flows_.size(); ++i) {
    index_.emplace(key_of(flows_[i]), i);
    position_[flows_[i].counter] = i;
  }
}

const FlowEntry* FlowStore::flow_by_counter(uint32_t counter) const noexcept {
  if (counter >= position_.size() || position_[counter] == kNoPosition) return nullptr;
  return &flows_[position_[counter]];
}

void FlowStore::remove(const of::FlowMod& fm, bool strict) {
  if (strict && fm.table_id != of::kTableAll) {
    // The common case (a controller deleting its own flows one by one) needs no scan.
    auto it = index_.find(StrictKey{fm.table_id, fm.priority, fm.match});
    if (it == index_.end()) return;
    const FlowEntry& f = flows_[it->second];
    if (!selected(f, fm, true) || !outputs_to(f.instructions, fm.out_port) ||
        !uses_group(f.instructions, fm.out_group)) {
      return;
    }
    const uint32_t pos = it->second;
    if ((f.flags & of::flow_flags::kSendFlowRem) != 0) {
      removed_.push_back(RemovedFlow{f, RemovedReason::kDelete, totals(f), std::chrono::steady_clock::now()});
    }
    if (f.idle_timeout != 0 || f.hard_timeout != 0) --timed_flows_;
    free_counters_.push_back(f.counter);
    position_[f.counter] = kNoPosition;
    changed_flow(f.counter);
    index_.erase(it);
    if (pos + 1 != flows_.size()) {
      flows_[pos] = std::move(flows_.back());
      index_[key_of(flows_[pos])] = pos;
      position_[flows_[pos].counter] = pos;
    }
    flows_.pop_back();
    return;
  }
  remove_if(
      [&](const FlowEntry& f) -> std::optional<RemovedReason> {
        if (selected(f, fm, strict) && outputs_to(f.instructions, fm.out_port) &&
            uses_group(f.instructions, fm.out_group)) {
          return RemovedReason::kDelete;
        }
        return std::nullopt;
      },
      std::chrono::steady_clock::now());
}

void FlowStore::remove_flows_using_group(uint32_t group_id, SteadyTime now) {
  remove_if(
      [&](const FlowEntry& f) -> std::optional<RemovedReason> {
        if (uses_group(f.instructions, group_id)) return RemovedReason::kGroupDelete;
        return std::nullopt;
      },
      now);
}

void FlowStore::expire(SteadyTime now) {
  if (timed_flows_ == 0) return;
  using std::chrono::seconds;
  remove_if(
      [&](FlowEntry& f) -> std::optional<RemovedReason> {
        if (f.hard_timeout != 0 && now - f.installed >= seconds(f.hard_timeout)) {
          return RemovedReason::kHardTimeout;
        }
        if (f.idle_timeout == 0) return std::nullopt;
        const uint64_t packets = reader_(f.counter).packets;
        if (packets != f.seen_packets) {
          f.seen_packets = packets;
          f.last_active = now;
          return std::nullopt;
        }
        if (now - f.last_active >= seconds(f.idle_timeout)) return RemovedReason::kIdleTimeout;
        return std::nullopt;
      },
      now);
}

of::Decoded<void> FlowStore::set_learning_table(uint8_t table) {
  if (table != of::kNoLearningTable) {
    if (table >= kNumTables) {
      return error(of::ErrorType::kFlowModFailed, of::flow_mod_failed::kBadTableId);
    }
  }
  if (learning_table_ != table) changed_structure();
  learning_table_ = table;
  return {};
}

of::Decoded<void> FlowStore::apply(const of::GroupMod& gm) {
  const of::GroupDesc& g = gm.group;
  const auto now = std::chrono::steady_clock::now();
  if (gm.command == of::GroupModCommand::kDelete) {
    if (g.group_id == of::group_id::kAll) {
      for (auto& [id, e] : groups_) {
        remove_flows_using_group(id, now);
        release_group_counters(e);
      }
      groups_.clear();
      changed_structure();
    } else if (auto it = groups_.find(g.group_id); it != groups_.end()) {
      remove_flows_using_group(g.group_id, now);
      release_group_counters(it->second);
      groups_.erase(it);
      changed_structure();
    }
    return {};
  }
  if (gm.command != of::GroupModCommand::kAdd && gm.command != of::GroupModCommand::kModify) {
    return error(of::ErrorType::kGroupModFailed, of::group_mod_failed::kBadCommand);
  }
  if (auto ok = check_group(g, groups_); !ok) return ok;
  const bool exists = groups_.contains(g.group_id);
  if (gm.command == of::GroupModCommand::kAdd && exists) {
    return error(of::ErrorType::kGroupModFailed, of::group_mod_failed::kGroupExists);
  }
  if (gm.command == of::GroupModCommand::kModify && !exists) {
    return error(of::ErrorType::kGroupModFailed, of::group_mod_failed::kUnknownGroup);
  }
  // Counters first: running out refuses the change and keeps the old group as it was.
  GroupEntry next;
  if (!take_group_counters(next, g.n_buckets)) {
    return error(of::ErrorType::kGroupModFailed, of::group_mod_failed::kOutOfGroups);
  }
  GroupEntry& e = groups_[g.group_id];
  if (exists) {
    // A modified group keeps its own counter and age; its buckets start from zero.
    std::swap(next.counters[0], e.counters[0]);
    std::swap(next.baselines[0], e.baselines[0]);
    release_group_counters(e);
  } else {
    e.installed = now;
  }
  e.counters = std::move(next.counters);
  e.baselines = std::move(next.baselines);
  e.type = g.type;
  e.group_id = g.group_id;
  e.buckets.assign(g.buckets.begin(), g.buckets.begin() + g.n_buckets);
  changed_structure();
  return {};
}

bool FlowStore::take_group_counters(GroupEntry& g, size_t n_buckets) {
  if (free_counters_.size() < n_buckets + 1) return false;
  for (size_t i = 0; i <= n_buckets; ++i) {
    g.counters.push_back(free_counters_.back());
    free_counters_.pop_back();
    g.baselines.push_back(reader_(g.counters.back()));
  }
  return true;
}

void FlowStore::release_group_counters(GroupEntry& g) {
  free_counters_.insert(free_counters_.end(), g.counters.begin(), g.counters.end());
  g.counters.clear();
  g.baselines.clear();
}

std::vector<FlowTotals> FlowStore::group_totals(const GroupEntry& g) const {
  std::vector<FlowTotals> out;
  for (size_t i = 0; i < g.counters.size(); ++i) {
    const FlowTotals now = reader_(g.counters[i]);
    out.push_back({now.packets - g.baselines[i].packets, now.bytes - g.baselines[i].bytes});
  }
  return out;
}

std::vector<const FlowEntry*> FlowStore::select(const of::FlowStatsRequest& req) const {
  of::FlowMod filter;
  filter.table_id = req.table_id;
  filter.cookie = req.cookie;
  filter.cookie_mask = req.cookie_mask;
  filter.match = req.match;
  std::vector<const FlowEntry*> out;
  for (const FlowEntry& f : flows_) {
    if (!selected(f, filter, false)) continue;
    if (!outputs_to(f.instructions, req.out_port) || !uses_group(f.instructions, req.out_group)) {
      continue;
    }
    out.push_back(&f);
  }
  std::sort(out.begin(), out.end(), [](const FlowEntry* a, const FlowEntry* b) {
    return a->table_id != b->table_id ? a->table_id < b->table_id : a->priority > b->priority;
  });
  return out;
}

of::FlowStats FlowStore::flow_stats(const FlowEntry& f, SteadyTime now) const {
  of::FlowStats s;
  s.table_id = f.table_id;
  s.priority = f.priority;
  s.flags = f.flags;
  s.idle_timeout = f.idle_timeout;
  s.hard_timeout = f.hard_timeout;
  s.cookie = f.cookie;
  auto age = std::chrono::duration_cast<std::chrono::nanoseconds>(now - f.installed).count();
  s.duration_sec = static_cast<uint32_t>(age / 1000000000);
  s.duration_nsec = static_cast<uint32_t>(age % 1000000000);
  const FlowTotals t = totals(f);
  s.packet_count = t.packets;
  s.byte_count = t.bytes;
  s.match = f.match;
  s.instructions = f.instructions;
  return s;
}

std::vector<of::FlowStats> FlowStore::stats(const of::FlowStatsRequest& req) const {
  const auto now = std::chrono::steady_clock::now();
  std::vector<of::FlowStats> out;
  for (const FlowEntry* f : select(req)) out.push_back(flow_stats(*f, now));
  return out;
}

AggregateStats FlowStore::aggregate(const of::FlowStatsRequest& req) const {
  AggregateStats a;
  for (const FlowEntry* f : select(req)) {
    const FlowTotals t = totals(*f);
    if (t.packets != ~uint64_t{0}) a.packets += t.packets;
    if (t.bytes != ~uint64_t{0}) a.bytes += t.bytes;
    ++a.flows;
  }
  return a;
}

std::array<uint32_t, FlowStore::kNumTables> FlowStore::active_counts() const {
  std::array<uint32_t, kNumTables> n{};
  for (const FlowEntry& f : flows_) ++n[f.table_id];
  return n;
}

uint32_t FlowStore::group_ref_count(uint32_t group_id) const {
  return static_cast<uint32_t>(std::count_if(flows_.begin(), flows_.end(), [&](const FlowEntry& f) {
    return uses_group(f.instructions, group_id);
  }));
}

}  // namespace sluice::dp
