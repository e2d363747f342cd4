#include "controlplane/policy_loader.h"

#include <yaml-cpp/yaml.h>

#include <bitset>
#include <filesystem>
#include <fstream>
#include <set>
#include <unordered_map>

#include "controlplane/args.h"
#include "controlplane/validate.h"

namespace sluice::cp {

namespace {

std::string too_big(size_t bytes, size_t limit) {
  return "is " + std::to_string(bytes) + " bytes or more; the limit is " +
         (limit % (1u << 20) == 0 ? std::to_string(limit >> 20) + " MiB"
                                  : std::to_string(limit) + " bytes");
}

Mark mark_of(const YAML::Mark& m) {
  if (m.is_null()) return Mark{};
  return Mark{m.line + 1, m.column + 1};
}

Mark mark_of(const YAML::Node& node) { return mark_of(node.Mark()); }

// How a node that has the wrong type is described: "'abc'", "a list", "a map", "nothing".
std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return node.Tag() == "!" ? "the string \"" + node.Scalar() + "\"" : "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "nothing";
  }
}

void wrong_type(Diagnostics& diag, const YAML::Node& node, const std::string& path,
                std::string_view expected) {
  diag.add(mark_of(node), path, "expected " + std::string(expected) + ", got " + describe(node));
}

template <class T>
void mark_field(Marked<T>& out, const YAML::Node& node) {
  out.present = true;
  out.mark = mark_of(node);
}

// The keys of one YAML map. Looking a key up marks it known; finish() reports the rest.
// Keys are indexed, so a map with many keys (or many duplicates) costs linear time.
class MapReader {
 public:
  MapReader(const YAML::Node& map, std::string path, Diagnostics& diag)
      : path_(std::move(path)), diag_(diag) {
    // By value: yaml-cpp's iterator hands out a temporary pair, so a reference to it->first
    // dangles after the statement (AddressSanitizer: stack-use-after-scope; found by
    // policy_load_fuzz on its first seed).
    for (const auto& kv : map) {
      const YAML::Node key = kv.first;
      if (!key.IsScalar()) {
        diag_.add(mark_of(key), path_, "map keys must be plain words");
        continue;
      }
      if (!index_.emplace(key.Scalar(), entries_.size()).second) {
        diag_.add(mark_of(key), child(key.Scalar()), "duplicate key");
        continue;
      }
      entries_.push_back(Entry{key.Scalar(), mark_of(key), kv.second, false});
    }
  }

  // The value of 'key', if written.
  const YAML::Node* get(std::string_view key) {
    expected_.push_back(std::string(key));
    auto it = index_.find(std::string(key));
    if (it == index_.end()) return nullptr;
    Entry& e = entries_[it->second];
    e.used = true;
    return &e.value;
  }

  std::string child(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  void finish() {
    std::string choices;
    for (const std::string& k : expected_) choices += (choices.empty() ? "" : ", ") + k;
    for (const Entry& e : entries_) {
      if (e.used) continue;
      diag_.add(e.mark, child(e.key), "unknown key (expected one of: " + choices + ")");
    }
  }

 private:
  struct Entry {
    std::string key;
    Mark mark;
    YAML::Node value;
    bool used;
  };
  std::string path_;
  Diagnostics& diag_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t> index_;  // key -> entries_ index
  std::vector<std::string> expected_;
};

void read_int(const YAML::Node& node, const std::string& path, Diagnostics& diag,
              Marked<int64_t>& out) {
  mark_field(out, node);
  std::optional<int64_t> value;
  if (node.IsScalar() && node.Tag() != "!") value = parse_int(node.Scalar());
  if (!value) {
    out.bad = true;
    return wrong_type(diag, node, path, "an integer");
  }
  out.value = *value;
}

void read_string(const YAML::Node& node, const std::string& path, Diagnostics& diag,
                 Marked<std::string>& out) {
  mark_field(out, node);
  if (!node.IsScalar()) {
    out.bad = true;
    return wrong_type(diag, node, path, "a string");
  }
  out.value = node.Scalar();
}

template <class T>
void read_enum(const YAML::Node& node, const std::string& path, Diagnostics& diag,
               std::span<const EnumName<T>> names, Marked<T>& out) {
  mark_field(out, node);
  std::optional<T> value;
  if (node.IsScalar()) value = parse_enum(names, node.Scalar());
  if (!value) {
    out.bad = true;
    const bool null_is_a_choice = parse_enum(names, "null").has_value();
    return wrong_type(diag, node, path,
                      "one of " + enum_choices(names) +
                          (node.IsNull() && null_is_a_choice ? " (quote it: \"null\")" : ""));
  }
  out.value = *value;
}

void read_mac(const YAML::Node& node, const std::string& path, Diagnostics& diag,
              Marked<of::MacAddr>& out) {
  mark_field(out, node);
  std::optional<of::MacAddr> value;
  if (node.IsScalar()) value = parse_mac(node.Scalar());
  if (!value) {
    out.bad = true;
    return wrong_type(diag, node, path, "a MAC address like 02:00:00:00:00:01");
  }
  out.value = *value;
}

// Calls read(item, "path[i]") for each item of a list.
template <class T, class ReadItem>
void read_list(const YAML::Node& node, const std::string& path, Diagnostics& diag,
               Marked<std::vector<T>>& out, ReadItem read_item) {
  mark_field(out, node);
  if (!node.IsSequence()) {
    out.bad = true;
    return wrong_type(diag, node, path, "a list");
  }
  for (size_t i = 0; i < node.size(); ++i) {
    out.value.emplace_back();
    read_item(node[i], path + "[" + std::to_string(i) + "]", out.value.back());
  }
}

// Reads a map's fields with 'read_fields(MapReader&)', then rejects unknown keys.
template <class T, class ReadFields>
bool read_map(const YAML::Node& node, const std::string& path, Diagnostics& diag, Marked<T>& out,
              ReadFields read_fields) {
  mark_field(out, node);
  if (!node.IsMap()) {
    out.bad = true;
    wrong_type(diag, node, path, "a map");
    return false;
  }
  MapReader reader(node, path, diag);
  read_fields(reader);
  reader.finish();
  return true;
}

// Applies 'read' to the value of 'key' if the map has it.
template <class Read>
void field(MapReader& map, std::string_view key, Read read) {
  if (const YAML::Node* node = map.get(key)) read(*node, map.child(key));
}

// A trunk's allowed VLANs as they are read: each VLAN goes into the list once, whatever the
// ranges say ("1-4094" written 10,000 times is 4,094 items, not 40 million). A few repeats are
// kept so that validate() names them.
struct AllowedSet {
  static constexpr size_t kRepeatsKept = 16;
  std::bitset<4096> seen;
  size_t repeats = 0;
  std::vector<Marked<int64_t>>& out;

  void add(const Marked<int64_t>& vlan) {
    const bool in_range = vlan.value >= 0 && vlan.value < 4096;
    if (in_range && seen.test(static_cast<size_t>(vlan.value))) {
      if (repeats >= kRepeatsKept) return;
      ++repeats;
    } else if (in_range) {
      seen.set(static_cast<size_t>(vlan.value));
    }
    out.push_back(vlan);
  }
};

// One item of a trunk's "allowed" list: a VLAN number or a "lo-hi" range string.
// Returns false if the item is not a VLAN or a range (the error is recorded).
bool read_allowed_item(const YAML::Node& node, const std::string& path, Diagnostics& diag,
                       AllowedSet& out) {
  Marked<int64_t> one;
  if (node.IsScalar() && node.Tag() != "!" && parse_int(node.Scalar())) {
    read_int(node, path, diag, one);
    out.add(one);
    return true;
  }
  mark_field(one, node);
  const std::string text = node.IsScalar() ? node.Scalar() : "";
  const size_t dash = text.find('-', 1);
  std::optional<int64_t> lo, hi;
  if (dash != std::string::npos) {
    lo = parse_int(text.substr(0, dash));
    hi = parse_int(text.substr(dash + 1));
  }
  if (!lo || !hi) {
    wrong_type(diag, node, path, "a VLAN number or a range like \"300-310\"");
    return false;
  }
  const BoundedInt vlan_range{1, 4094};
  for (int64_t end : {*lo, *hi}) {
    if (auto message = vlan_range.check(end)) {
      diag.add(one.mark, path, *message);
      return false;
    }
  }
  if (*lo > *hi) {
    diag.add(one.mark, path, "range " + text + " is empty");
    return false;
  }
  for (int64_t v = *lo; v <= *hi; ++v) {
    one.value = v;
    out.add(one);
  }
  return true;
}

// A list of names; with 'scalar_ok', one name alone stands for a list of one ("from: any").
void read_names(const YAML::Node& node, const std::string& path, Diagnostics& diag,
                Marked<std::vector<Marked<std::string>>>& out, bool scalar_ok) {
  if (scalar_ok && node.IsScalar()) {
    mark_field(out, node);
    out.value.emplace_back();
    read_string(node, path, diag, out.value.back());
    return;
  }
  read_list(node, path, diag, out,
            [&](const YAML::Node& n, const std::string& p, Marked<std::string>& item) {
              read_string(n, p, diag, item);
            });
}

// A map of labels, "key: value" each (ports[].labels, security_groups[].selector).
void read_labels(const YAML::Node& node, const std::string& path, Diagnostics& diag,
                 Marked<std::vector<Label>>& out) {
  mark_field(out, node);
  if (!node.IsMap()) {
    out.bad = true;
    return wrong_type(diag, node, path, "a map of labels like {tier: web}");
  }
  std::set<std::string> seen;
  for (const auto& kv : node) {
    const YAML::Node key = kv.first;
    const YAML::Node value = kv.second;
    Label label;
    const std::string item = path + "." + (key.IsScalar() ? key.Scalar() : "?");
    read_string(key, path, diag, label.key);
    read_string(value, item, diag, label.value);
    if (label.key.usable() && !seen.insert(label.key.value).second) {
      diag.add(label.key.mark, item, "duplicate key");
      continue;
    }
    out.value.push_back(std::move(label));
  }
}

// A destination port (443) or range ("8000-8080") of a firewall rule.
void read_port_span(const YAML::Node& node, const std::string& path, Diagnostics& diag,
                    Marked<PortSpan>& out) {
  mark_field(out, node);
  const std::string text = node.IsScalar() ? node.Scalar() : "";
  std::optional<int64_t> lo, hi;
  if (node.IsScalar() && node.Tag() != "!" && (lo = parse_int(text))) {
    hi = lo;
  } else if (const size_t dash = text.find('-', 1); dash != std::string::npos) {
    lo = parse_int(text.substr(0, dash));
    hi = parse_int(text.substr(dash + 1));
  }
  if (!lo || !hi) {
    out.bad = true;
    return wrong_type(diag, node, path, "a port number or a range like \"8000-8080\"");
  }
  out.value = PortSpan{*lo, *hi};
}

void read_rule(const YAML::Node& node, const std::string& path, Diagnostics& diag,
               FirewallRule& rule) {
  rule.mark = mark_of(node);
  Marked<FirewallRule> item;
  read_map(node, path, diag, item, [&](MapReader& map) {
    field(map, "id", [&](auto& n, auto p) { read_string(n, p, diag, rule.id); });
    field(map, "from", [&](auto& n, auto p) { read_names(n, p, diag, rule.from, true); });
    field(map, "to", [&](auto& n, auto p) { read_names(n, p, diag, rule.to, true); });
    field(map, "protocol", [&](auto& n, auto p) {
      read_enum<FwProtocol>(n, p, diag, kFwProtocolNames, rule.protocol);
    });
    field(map, "ports", [&](auto& n, auto p) {
      read_list(n, p, diag, rule.ports,
                [&](const YAML::Node& pn, const std::string& pp, Marked<PortSpan>& span) {
                  read_port_span(pn, pp, diag, span);
                });
    });
    field(map, "icmp", [&](auto& n, auto p) {
      Marked<bool> icmp;
      read_map(n, p, diag, icmp, [&](MapReader& imap) {
        field(imap, "type", [&](auto& n2, auto p2) { read_int(n2, p2, diag, rule.icmp_type); });
        field(imap, "code", [&](auto& n2, auto p2) { read_int(n2, p2, diag, rule.icmp_code); });
      });
    });
    field(map, "action", [&](auto& n, auto p) {
      read_enum<FwAction>(n, p, diag, kFwActionNames, rule.action);
    });
    field(map, "log", [&](auto& n, auto p) { read_enum<bool>(n, p, diag, kBoolNames, rule.log); });
  });
}

void read_group(const YAML::Node& node, const std::string& path, Diagnostics& diag,
                SecurityGroup& group) {
  group.mark = mark_of(node);
  Marked<SecurityGroup> item;
  read_map(node, path, diag, item, [&](MapReader& map) {
    field(map, "name", [&](auto& n, auto p) { read_string(n, p, diag, group.name); });
    field(map, "ports", [&](auto& n, auto p) { read_names(n, p, diag, group.ports, false); });
    field(map, "selector", [&](auto& n, auto p) { read_labels(n, p, diag, group.selector); });
    field(map, "cidrs", [&](auto& n, auto p) { read_names(n, p, diag, group.cidrs, false); });
  });
}

void read_port_vlan(MapReader& map, Diagnostics& diag, PortVlan& vlan) {
  field(map, "mode",
        [&](auto& n, auto p) { read_enum<VlanMode>(n, p, diag, kVlanModeNames, vlan.mode); });
  field(map, "id", [&](auto& n, auto p) { read_int(n, p, diag, vlan.id); });
  field(map, "allowed", [&](auto& n, const std::string& p) {
    mark_field(vlan.allowed, n);
    if (!n.IsSequence()) {
      vlan.allowed.bad = true;
      return wrong_type(diag, n, p, "a list");
    }
    AllowedSet allowed{{}, 0, vlan.allowed.value};
    for (size_t i = 0; i < n.size(); ++i) {
      if (!read_allowed_item(n[i], p + "[" + std::to_string(i) + "]", diag, allowed)) {
        vlan.allowed.bad = true;  // keeps "needs at least one allowed vlan" from piling on
      }
    }
  });
  field(map, "native", [&](auto& n, auto p) { read_int(n, p, diag, vlan.native); });
}

void read_port(const YAML::Node& node, const std::string& path, Diagnostics& diag, PortSpec& port) {
  port.mark = mark_of(node);
  Marked<PortSpec> item;
  read_map(node, path, diag, item, [&](MapReader& map) {
    auto str = [&](std::string_view key, Marked<std::string>& out) {
      field(map, key, [&](auto& n, auto p) { read_string(n, p, diag, out); });
    };
    str("name", port.name);
    field(map, "id", [&](auto& n, auto p) { read_int(n, p, diag, port.id); });
    field(map, "type",
          [&](auto& n, auto p) { read_enum<of::PortType>(n, p, diag, kPortTypeNames, port.type); });
    str("iface", port.iface);
    str("path", port.path);
    field(map, "mode",
          [&](auto& n, auto p) { read_enum<VhostMode>(n, p, diag, kVhostModeNames, port.mode); });
    str("rx_pcap", port.rx_pcap);
    str("tx_pcap", port.tx_pcap);
    str("ring", port.ring);
    str("devargs", port.devargs);
    str("options", port.options);
    field(map, "mtu", [&](auto& n, auto p) { read_int(n, p, diag, port.mtu); });
    field(map, "admin",
          [&](auto& n, auto p) { read_enum<AdminState>(n, p, diag, kAdminNames, port.admin); });
    field(map, "mac_limit", [&](auto& n, auto p) { read_int(n, p, diag, port.mac_limit); });
    field(map, "vlan", [&](auto& n, auto p) {
      read_map(n, p, diag, port.vlan,
               [&](MapReader& vlan_map) { read_port_vlan(vlan_map, diag, port.vlan.value); });
    });
    field(map, "labels", [&](auto& n, auto p) { read_labels(n, p, diag, port.labels); });
    field(map, "security", [&](auto& n, auto p) {
      PortSecurity& sec = port.security.value;
      read_map(n, p, diag, port.security, [&](MapReader& smap) {
        field(smap, "macs", [&](auto& n2, auto p2) {
          read_list(n2, p2, diag, sec.macs,
                    [&](const YAML::Node& mn, const std::string& mp, Marked<of::MacAddr>& m) {
                      read_mac(mn, mp, diag, m);
                    });
        });
        field(smap, "ips", [&](auto& n2, auto p2) {
          read_list(n2, p2, diag, sec.ips,
                    [&](const YAML::Node& in, const std::string& ip, Marked<std::string>& a) {
                      read_string(in, ip, diag, a);
                    });
        });
      });
    });
  });
}

void read_network(const YAML::Node& node, const std::string& path, Diagnostics& diag,
                  Network& net) {
  net.mark = mark_of(node);
  Marked<Network> item;
  read_map(node, path, diag, item, [&](MapReader& map) {
    field(map, "name", [&](auto& n, auto p) { read_string(n, p, diag, net.name); });
    field(map, "vlan", [&](auto& n, auto p) { read_int(n, p, diag, net.vlan); });
    field(map, "static_macs", [&](auto& n, auto p) {
      read_list(n, p, diag, net.static_macs,
                [&](const YAML::Node& mn, const std::string& mp, StaticMac& sm) {
                  sm.mark = mark_of(mn);
                  Marked<StaticMac> mitem;
                  read_map(mn, mp, diag, mitem, [&](MapReader& mmap) {
                    field(mmap, "mac", [&](auto& n2, auto p2) { read_mac(n2, p2, diag, sm.mac); });
                    field(mmap, "port",
                          [&](auto& n2, auto p2) { read_string(n2, p2, diag, sm.port); });
                  });
                });
    });
    field(map, "firewall_default", [&](auto& n, auto p) {
      read_enum<FwAction>(n, p, diag, kFwDefaultNames, net.firewall_default);
    });
  });
}

void read_policy(const YAML::Node& root, Diagnostics& diag, Policy& policy) {
  Marked<Policy> top;
  read_map(root, "", diag, top, [&](MapReader& map) {
    field(map, "version", [&](auto& n, auto p) { read_int(n, p, diag, policy.version); });
    field(map, "switch", [&](auto& n, auto p) {
      SwitchSettings& sw = policy.switch_settings.value;
      read_map(n, p, diag, policy.switch_settings, [&](MapReader& smap) {
        field(smap, "name", [&](auto& n2, auto p2) { read_string(n2, p2, diag, sw.name); });
        field(smap, "mac_aging_seconds",
              [&](auto& n2, auto p2) { read_int(n2, p2, diag, sw.mac_aging_seconds); });
        field(smap, "mac_limit_per_port",
              [&](auto& n2, auto p2) { read_int(n2, p2, diag, sw.mac_limit_per_port); });
      });
    });
    field(map, "networks", [&](auto& n, auto p) {
      read_list(n, p, diag, policy.networks,
                [&](auto& in, auto ip, Network& net) { read_network(in, ip, diag, net); });
    });
    field(map, "ports", [&](auto& n, auto p) {
      read_list(n, p, diag, policy.ports,
                [&](auto& in, auto ip, PortSpec& port) { read_port(in, ip, diag, port); });
    });
    field(map, "security_groups", [&](auto& n, auto p) {
      read_list(n, p, diag, policy.security_groups,
                [&](auto& in, auto ip, SecurityGroup& g) { read_group(in, ip, diag, g); });
    });
    field(map, "firewall", [&](auto& n, auto p) {
      Firewall& fw = policy.firewall.value;
      read_map(n, p, diag, policy.firewall, [&](MapReader& fmap) {
        field(fmap, "rules", [&](auto& n2, auto p2) {
          read_list(n2, p2, diag, fw.rules,
                    [&](auto& in, auto ip, FirewallRule& r) { read_rule(in, ip, diag, r); });
        });
      });
    });
  });
}

}  // namespace

size_t count_yaml_nodes(const YAML::Node& root, size_t limit) {
  // A walk of the tree as a reader sees it: an alias counts as a copy of what it names, so
  // "aliases of aliases" (a billion laughs) count their whole expansion, and the walk stops
  // just past 'limit' however large that is.
  size_t count = 0;
  std::vector<YAML::Node> stack{root};
  while (!stack.empty() && count <= limit) {
    const YAML::Node node = std::move(stack.back());
    stack.pop_back();
    ++count;
    if (node.IsSequence()) {
      for (const YAML::Node& child : node) stack.push_back(child);
    } else if (node.IsMap()) {
      for (const auto& kv : node) {
        stack.push_back(kv.first);
        stack.push_back(kv.second);
      }
    }
  }
  return count;
}

LoadResult load_policy_text(std::string_view text, const std::string& file,
                            const LoadLimits& limits) {
  LoadResult result;
  result.policy.file = file;
  Diagnostics diag;
  if (text.size() > limits.max_bytes) {
    diag.add(Mark{}, "", too_big(text.size(), limits.max_bytes));
    result.errors = diag.take();
    return result;
  }
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (count_yaml_nodes(root, limits.max_nodes) > limits.max_nodes) {
      diag.add(Mark{1, 1}, "",
               "the policy has more than " + std::to_string(limits.max_nodes) +
                   " YAML nodes once its aliases are expanded (aliases of aliases?); "
                   "not reading it");
    } else if (root.IsNull()) {
      diag.add(Mark{1, 1}, "", "the policy is empty; expected a map with version, networks, ports");
    } else {
      read_policy(root, diag, result.policy);
      result.parsed = root.IsMap();
    }
  } catch (const YAML::Exception& e) {
    diag.add(mark_of(e.mark), "", "YAML syntax error: " + e.msg);
  }
  result.errors = diag.take();
  return result;
}

LoadResult load_policy_file(const std::string& path) {
  LoadResult failed;
  failed.policy.file = path;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    failed.errors.push_back(ConfigError{Mark{}, "", "cannot open the policy file"});
    return failed;
  }
  // Read at most one byte past the limit (the file may be a pipe, or growing): enough to tell.
  std::string text(kMaxPolicyBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxPolicyBytes) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    failed.errors.push_back(ConfigError{
        Mark{}, "",
        "policy file " + path + ": " + too_big(ec ? text.size() : size, kMaxPolicyBytes)});
    return failed;
  }
  return load_policy_text(text, path);
}

std::vector<ConfigError> load_and_validate(const std::string& path, Policy& out) {
  LoadResult loaded = load_policy_file(path);
  std::vector<ConfigError> errors = std::move(loaded.errors);
  if (loaded.parsed) {
    for (ConfigError& e : validate(loaded.policy)) errors.push_back(std::move(e));
  }
  cap_errors(errors);
  out = std::move(loaded.policy);
  return errors;
}

}  // namespace sluice::cp
