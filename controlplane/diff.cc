#include "controlplane/diff.h"

#include <algorithm>
#include <tuple>

#include "openflow/l2_contract.h"

namespace sluice::cp {

namespace {

inline constexpr uint32_t kMaxBridgeDomainGroup = 4094;

bool same_flow_key(uint8_t table_a, uint16_t prio_a, const of::Match& match_a, uint8_t table_b,
                   uint16_t prio_b, const of::Match& match_b) {
  return table_a == table_b && prio_a == prio_b && match_a == match_b;
}

const of::Port* installed_port_by_no(const InstalledState& s, uint32_t port_no) {
  for (const of::Port& p : s.ports) {
    if (p.port_no == port_no) return &p;
  }
  return nullptr;
}

const of::Port* installed_port_by_name(const InstalledState& s, std::string_view name) {
  for (const of::Port& p : s.ports) {
    if (p.name.view() == name) return &p;
  }
  return nullptr;
}

template <class T>
const T* find_by_port_no(const std::vector<T>* list, uint32_t port_no) {
  if (list == nullptr) return nullptr;
  for (const T& item : *list) {
    if (item.port_no == port_no) return &item;
  }
  return nullptr;
}

class Differ {
 public:
  Differ(const DesiredState& desired, const InstalledState& installed, const DesiredState* previous)
      : desired_(desired), installed_(installed), previous_(previous) {}

  DiffResult run() {
    add_ports();
    set_ports();
    switch_config();
    add_groups();
    add_flows();
    delete_flows();
    delete_groups();
    delete_ports();
    return std::move(out_);
  }

 private:
  void emit(Message msg) { out_.messages.push_back(std::move(msg)); }

  void add_ports() {
    for (const of::PortAdd& want : desired_.ports) {
      const of::Port* same_no = installed_port_by_no(installed_, want.port_no);
      const of::Port* same_name = installed_port_by_name(installed_, want.name.view());
      const of::PortAdd* before =
          previous_ ? find_by_port_no(&previous_->ports, want.port_no) : nullptr;
      std::vector<uint32_t> to_delete;
      if (same_no != nullptr && same_no->name.view() != want.name.view()) {
        to_delete.push_back(same_no->port_no);  // the number now names another port
      } else if (same_no != nullptr && before != nullptr && !same_port_definition(*before, want)) {
        to_delete.push_back(same_no->port_no);  // same port, new device definition
      }
      if (same_name != nullptr && same_name->port_no != want.port_no) {
        to_delete.push_back(same_name->port_no);  // the port moved to another number
      }
      if (!to_delete.empty()) {
        for (uint32_t port_no : to_delete) emit(of::PortDel{port_no});
        emit(want);
        ++out_.summary.ports_replaced;
        changed_ports_.push_back(want.port_no);
        continue;
      }
      if (same_no == nullptr) {
        emit(want);
        ++out_.summary.ports_added;
        changed_ports_.push_back(want.port_no);
      } else if (before == nullptr) {
        emit(want);  // nothing known about it: idempotent re-add confirms the definition
      }
    }
  }

  void set_ports() {
    for (const of::PortSet& want : desired_.port_settings) {
      const bool changed_port = std::find(changed_ports_.begin(), changed_ports_.end(),
                                          want.port_no) != changed_ports_.end();
      const of::PortSet* before =
          previous_ ? find_by_port_no(&previous_->port_settings, want.port_no) : nullptr;
      const of::Port* installed = installed_port_by_no(installed_, want.port_no);
      const bool admin_differs =
          installed != nullptr &&
          ((installed->config & of::port_config::kPortDown) != 0) == (want.admin_up != 0);
      if (changed_port || before == nullptr || !(*before == want) || admin_differs) {
        emit(want);
        if (!changed_port) ++out_.summary.ports_set;
      }
    }
  }

  void switch_config() {
    if (previous_ == nullptr || !(previous_->switch_config == desired_.switch_config)) {
      emit(desired_.switch_config);
      out_.summary.switch_config = true;
    }
  }

  void add_groups() {
    for (const of::GroupDesc& want : desired_.groups) {
      const of::GroupDesc* have = nullptr;
      for (const of::GroupDesc& g : installed_.groups) {
        if (g.group_id == want.group_id) have = &g;
      }
      if (have == nullptr) {
        emit(make_group_mod(of::GroupModCommand::kAdd, want));
        ++out_.summary.groups_added;
      } else if (!(*have == want)) {
        emit(make_group_mod(of::GroupModCommand::kModify, want));
        ++out_.summary.groups_modified;
      }
    }
  }

  void add_flows() {
    // The compiler lists table-40 flows first; keep that, but make it explicit and stable.
    std::vector<const of::FlowMod*> adds;
    for (const of::FlowMod& want : desired_.flows) {
      const bool installed = std::any_of(
          installed_.flows.begin(), installed_.flows.end(), [&](const of::FlowStats& fs) {
            return same_flow_key(fs.table_id, fs.priority, fs.match, want.table_id, want.priority,
                                 want.match) &&
                   fs.cookie == want.cookie && fs.instructions == want.instructions;
          });
      if (!installed) adds.push_back(&want);
    }
    std::stable_sort(adds.begin(), adds.end(), [](const of::FlowMod* a, const of::FlowMod* b) {
      return a->table_id > b->table_id;
    });
    for (const of::FlowMod* fm : adds) emit(*fm);
    out_.summary.flows_added = adds.size();
  }

  void delete_flows() {
    std::vector<const of::FlowStats*> dels;
    for (const of::FlowStats& fs : installed_.flows) {
      if (!is_policy_cookie(fs.cookie)) continue;
      const bool wanted =
          std::any_of(desired_.flows.begin(), desired_.flows.end(), [&](const of::FlowMod& fm) {
            return same_flow_key(fs.table_id, fs.priority, fs.match, fm.table_id, fm.priority,
                                 fm.match);
          });
      if (!wanted) dels.push_back(&fs);  // same key but other actions: the ADD replaced it
    }
    std::stable_sort(dels.begin(), dels.end(), [](const of::FlowStats* a, const of::FlowStats* b) {
      return a->table_id < b->table_id;
    });
    for (const of::FlowStats* fs : dels) {
      of::FlowMod fm;
      fm.command = of::FlowModCommand::kDeleteStrict;
      fm.table_id = fs->table_id;
      fm.priority = fs->priority;
      fm.match = fs->match;
      fm.cookie = fs->cookie;
      fm.cookie_mask = ~uint64_t{0};
      emit(fm);
    }
    out_.summary.flows_removed = dels.size();
  }

  void delete_groups() {
    for (const of::GroupDesc& g : installed_.groups) {
      if (g.group_id == 0 || g.group_id > kMaxBridgeDomainGroup) continue;
      const bool wanted =
          std::any_of(desired_.groups.begin(), desired_.groups.end(),
                      [&](const of::GroupDesc& d) { return d.group_id == g.group_id; });
      if (wanted) continue;
      of::GroupDesc victim;
      victim.type = g.type;
      victim.group_id = g.group_id;
      emit(make_group_mod(of::GroupModCommand::kDelete, victim));
      ++out_.summary.groups_removed;
    }
  }

  void delete_ports() {
    for (const of::Port& p : installed_.ports) {
      if (p.port_no > of::port_no::kMax) continue;  // reserved ports (LOCAL ...)
      const bool wanted =
          std::any_of(desired_.ports.begin(), desired_.ports.end(), [&](const of::PortAdd& d) {
            return d.port_no == p.port_no || d.name.view() == p.name.view();
          });
      if (wanted) continue;  // kept, or already replaced in step 1
      emit(of::PortDel{p.port_no});
      ++out_.summary.ports_removed;
    }
  }

  const DesiredState& desired_;
  const InstalledState& installed_;
  const DesiredState* previous_;
  std::vector<uint32_t> changed_ports_;
  DiffResult out_;
};

}  // namespace

DiffResult diff(const DesiredState& desired, const InstalledState& installed,
                const DesiredState* previous) {
  return Differ(desired, installed, previous).run();
}

bool same_port_definition(const of::PortAdd& a, const of::PortAdd& b) {
  return std::tie(a.port_no, a.type, a.flags, a.name, a.device, a.options) ==
         std::tie(b.port_no, b.type, b.flags, b.name, b.device, b.options);
}

bool is_policy_cookie(uint64_t cookie) {
  using of::l2::kPolicyCookie, of::l2::kPolicyCookieMask;
  return (cookie & kPolicyCookieMask) == (kPolicyCookie & kPolicyCookieMask);
}

std::string DiffSummary::to_string() const {
  auto n = [](size_t v) { return std::to_string(v); };
  std::string s = "+" + n(ports_added) + " ports, ~" + n(ports_replaced + ports_set) + " ports, -" +
                  n(ports_removed) + " ports, +" + n(flows_added) + " flows, -" + n(flows_removed) +
                  " flows, +" + n(groups_added) + " groups, ~" + n(groups_modified) + " groups, -" +
                  n(groups_removed) + " groups";
  if (switch_config) s += ", switch config";
  return s;
}

bool DiffSummary::empty() const noexcept {
  return ports_added + ports_replaced + ports_removed + ports_set + groups_added + groups_modified +
                 groups_removed + flows_added + flows_removed ==
             0 &&
         !switch_config;
}

}  // namespace sluice::cp
