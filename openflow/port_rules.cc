#include "openflow/port_rules.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace sluice::of::port_rules {
namespace {

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Option values: short tokens without '/', ',' or '=' (so no value can name a file or smuggle
// another key).
bool is_token(std::string_view v) {
  if (v.empty() || v.size() > 64) return false;
  return std::all_of(v.begin(), v.end(), [](char c) {
    return is_alnum(c) || c == '_' || c == '.' || c == ':' || c == '-';
  });
}

bool is_key(std::string_view k) {
  if (k.empty() || k.size() > 32) return false;
  return std::all_of(k.begin(), k.end(), [](char c) { return is_alnum(c) || c == '_' || c == '-'; });
}

std::optional<uint64_t> parse_decimal(std::string_view v) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return n;
}

bool is_mac(std::string_view v) {
  if (v.size() != 17) return false;
  for (size_t i = 0; i < v.size(); ++i) {
    const bool ok = i % 3 == 2 ? v[i] == ':' : std::isxdigit(static_cast<unsigned char>(v[i])) != 0;
    if (!ok) return false;
  }
  return true;
}

std::optional<std::string> check_value(const OptionRule& rule, std::string_view value) {
  const std::string what = "option " + std::string(rule.key) + "=" + std::string(value);
  switch (rule.kind) {
    case ValueKind::kFlag:
      if (value != "0" && value != "1") return what + ": the value must be 0 or 1";
      return std::nullopt;
    case ValueKind::kNumber: {
      const auto n = parse_decimal(value);
      if (!n || *n < rule.min || *n > rule.max) {
        return what + ": the value must be a number in " + std::to_string(rule.min) + ".." +
               std::to_string(rule.max);
      }
      return std::nullopt;
    }
    case ValueKind::kMac:
      if (value != "fixed" && !is_mac(value)) {
        return what + ": the value must be 'fixed' or a MAC address";
      }
      return std::nullopt;
    case ValueKind::kToken:
      if (!is_token(value)) return what + ": the value must be 1..64 of A-Z a-z 0-9 _ . : -";
      return std::nullopt;
  }
  return what + ": unknown value kind";
}

// The keys Sluice writes itself, per type: named in the refusal so the operator sees why.
std::string_view sluice_keys(PortType type) {
  switch (type) {
    case PortType::kVhostUser: return "iface, queues, client";
    case PortType::kAfPacket: return "iface, qpairs";
    case PortType::kTap: return "iface";
    case PortType::kPcap: return "the device's rx_pcap/tx_pcap/iface";
    case PortType::kNull: return "none";
    case PortType::kRing: return "nodeaction";
    case PortType::kDpdk: return "none";
  }
  return "none";
}

std::string allowed_list(const std::vector<OptionRule>& rules) {
  std::string out;
  for (const OptionRule& r : rules) out += (out.empty() ? "" : ", ") + std::string(r.key);
  return out.empty() ? "none" : out;
}

// "0000:00:04.0" or "00:04.0" (hex digits, as DPDK's PCI bus parses them).
bool is_pci_address(std::string_view a) {
  auto hex = [](std::string_view s, size_t n) {
    return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) {
             return std::isxdigit(static_cast<unsigned char>(c)) != 0;
           });
  };
  if (a.size() == 12) {
    return hex(a.substr(0, 4), 4) && a[4] == ':' && hex(a.substr(5, 2), 2) && a[7] == ':' &&
           hex(a.substr(8, 2), 2) && a[10] == '.' && a[11] >= '0' && a[11] <= '7';
  }
  if (a.size() == 7) {
    return hex(a.substr(0, 2), 2) && a[2] == ':' && hex(a.substr(3, 2), 2) && a[5] == '.' &&
           a[6] >= '0' && a[6] <= '7';
  }
  return false;
}

// Options of a PCI device: drivers differ, so any key is allowed, but only with a token value
// (no '/', hence no file), and none twice.
std::optional<std::string> check_generic_options(const std::vector<KeyValue>& items) {
  for (const KeyValue& kv : items) {
    if (!is_key(kv.key)) return "option key " + quote(kv.key) + " must be 1..32 of A-Z a-z 0-9 _ -";
    if (!is_token(kv.value)) {
      return "option " + std::string(kv.key) + "=" + std::string(kv.value) +
             ": the value must be 1..64 of A-Z a-z 0-9 _ . : -";
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_no_duplicates(const std::vector<KeyValue>& items) {
  for (size_t i = 0; i < items.size(); ++i) {
    for (size_t k = 0; k < i; ++k) {
      if (items[k].key == items[i].key) return "key " + quote(items[i].key) + " is given twice";
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_iface(std::string_view what, std::string_view name) {
  if (auto e = check_name(name, kIfaceMin, kIfaceMax, kIfaceExtra)) {
    return std::string(what) + ": " + *e;
  }
  if (name == "." || name == "..") return std::string(what) + ": " + quote(name) + " is not an interface name";
  return std::nullopt;
}

// pcap's device: "rx_pcap=/abs,tx_pcap=/abs" or "iface=x" / "rx_iface=x,tx_iface=y".
std::optional<std::string> check_pcap_device(std::string_view device) {
  if (device.empty()) return "pcap port needs rx_pcap, tx_pcap or iface in its device";
  if (auto e = check_key_value_list(device, kDevargsMax)) return "pcap device: " + *e;
  const auto items = split_key_values(device);
  if (auto e = check_no_duplicates(items)) return "pcap device: " + *e;
  bool files = false;
  bool ifaces = false;
  for (const KeyValue& kv : items) {
    if (kv.key == "rx_pcap" || kv.key == "tx_pcap") {
      files = true;
      if (auto e = check_devargs(kv.value, kPcapFileMax, false)) {
        return "pcap device " + std::string(kv.key) + ": " + *e;
      }
      if (auto e = check_absolute_path(kv.value, kPcapFileMax)) {
        return "pcap device " + std::string(kv.key) + ": " + *e;
      }
    } else if (kv.key == "iface" || kv.key == "rx_iface" || kv.key == "rx_iface_in" ||
               kv.key == "tx_iface") {
      ifaces = true;
      if (auto e = check_iface("pcap device " + std::string(kv.key), kv.value)) return e;
    } else {
      return "pcap device: key " + quote(kv.key) +
             " is not allowed (allowed: rx_pcap, tx_pcap, iface, rx_iface, rx_iface_in, "
             "tx_iface)";
    }
  }
  if (files && ifaces) return "pcap device: interfaces cannot be combined with rx_pcap/tx_pcap";
  return std::nullopt;
}

std::optional<std::string> check_device(const PortAdd& def) {
  const std::string_view device = def.device.view();
  switch (def.type) {
    case PortType::kVhostUser:
      if (auto e = check_absolute_path(device, kSocketPathMax)) return "vhost-user path: " + *e;
      if (device.find("/../") != std::string_view::npos || device.ends_with("/..") ||
          device.find("/./") != std::string_view::npos || device.ends_with("/.") ||
          device.ends_with("/")) {
        return "vhost-user path: " + quote(device) + " must name a file without '.' or '..' parts";
      }
      return std::nullopt;
    case PortType::kAfPacket:
      if (device.empty()) return "af_packet port needs an iface";
      return check_iface("af_packet iface", device);
    case PortType::kTap:
      return check_iface("tap iface", device.empty() ? def.name.view() : device);
    case PortType::kPcap:
      return check_pcap_device(device);
    case PortType::kNull:
      if (!device.empty()) return "null port takes no device (got " + quote(device) + ")";
      return std::nullopt;
    case PortType::kRing:
      if (device.empty()) return std::nullopt;  // the ring is named after the device
      if (auto e = check_name(device, kRingMin, kRingMax, kRingExtra)) return "ring name: " + *e;
      return std::nullopt;
    case PortType::kDpdk: {
      if (device.empty()) return "dpdk port needs a device";
      if (auto e = check_devargs(device, kDevargsMax, true)) return "dpdk devargs: " + *e;
      const std::string_view address = device.substr(0, device.find(','));
      if (!is_pci_address(address)) {
        return "dpdk device " + quote(address) +
               " is not a PCI address (dddd:bb:dd.f); other drivers have their own port types";
      }
      if (address.size() == device.size()) return std::nullopt;
      const std::string_view rest = device.substr(address.size() + 1);
      if (auto e = check_key_value_list(rest, kDevargsMax)) return "dpdk devargs: " + *e;
      if (auto e = check_generic_options(split_key_values(rest))) return "dpdk devargs: " + *e;
      return std::nullopt;
    }
  }
  return "unknown port type";
}

}  // namespace

std::optional<std::string> check_name(std::string_view value, size_t min_len, size_t max_len,
                                      std::string_view extra) {
  std::string rule =
      std::to_string(min_len) + ".." + std::to_string(max_len) + " characters of A-Z a-z 0-9";
  for (char c : extra) rule += std::string(" ") + c;
  if (value.size() < min_len || value.size() > max_len) {
    return quote(value) + " has " + std::to_string(value.size()) + " characters; use " + rule;
  }
  for (char c : value) {
    if (!is_alnum(c) && extra.find(c) == std::string_view::npos) {
      return quote(value) + " contains '" + std::string(1, c) + "'; use " + rule;
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_absolute_path(std::string_view value, size_t max_len) {
  if (value.empty() || value[0] != '/') return quote(value) + " is not an absolute path";
  if (value.size() > max_len) {
    return "path is " + std::to_string(value.size()) + " bytes long; the limit is " +
           std::to_string(max_len);
  }
  if (value.find(',') != std::string_view::npos) return quote(value) + " must not contain ','";
  return std::nullopt;
}

std::optional<std::string> check_devargs(std::string_view value, size_t max_len,
                                         bool allow_comma) {
  if (value.empty()) return "must not be empty";
  if (value.size() > max_len) {
    return "is " + std::to_string(value.size()) + " bytes long; the limit is " +
           std::to_string(max_len);
  }
  for (char c : value) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      return quote(value) + " must not contain whitespace";
    }
    if (c == ',' && !allow_comma) return quote(value) + " must not contain ','";
  }
  return std::nullopt;
}

std::optional<std::string> check_key_value_list(std::string_view value, size_t max_len) {
  if (value.size() > max_len) {
    return "is " + std::to_string(value.size()) + " bytes long; the limit is " +
           std::to_string(max_len);
  }
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(',', start);
    if (end == std::string_view::npos) end = value.size();
    const std::string_view item = value.substr(start, end - start);
    const size_t eq = item.find('=');
    if (eq == 0 || eq == std::string_view::npos || item.find(' ') != std::string_view::npos) {
      return quote(item) + " is not of the form key=value";
    }
    start = end + 1;
  }
  return std::nullopt;
}

std::vector<KeyValue> split_key_values(std::string_view text) {
  std::vector<KeyValue> out;
  if (text.empty()) return out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view item = text.substr(start, end - start);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      out.push_back({item, {}});
    } else {
      out.push_back({item.substr(0, eq), item.substr(eq + 1)});
    }
    start = end + 1;
  }
  return out;
}

std::vector<OptionRule> option_rules(PortType type) {
  switch (type) {
    case PortType::kVhostUser:
      // Feature switches of DPDK's vhost PMD. Not iface/queues/client: Sluice sets them.
      return {{"iommu-support", ValueKind::kFlag},   {"postcopy-support", ValueKind::kFlag},
              {"tso", ValueKind::kFlag},             {"linear-buffer", ValueKind::kFlag},
              {"ext-buffer", ValueKind::kFlag},      {"legacy-ol-flags", ValueKind::kFlag}};
    case PortType::kAfPacket:
      // Ring geometry and fan-out; qdisc_bypass may be turned back on (docs/policy.md). Not
      // iface/qpairs: Sluice sets them.
      return {{"qdisc_bypass", ValueKind::kFlag},
              {"blocksz", ValueKind::kNumber, 4096, 1u << 22},
              {"framesz", ValueKind::kNumber, 64, 1u << 22},
              {"framecnt", ValueKind::kNumber, 1, 1u << 16},
              {"fanout_mode", ValueKind::kToken}};
    case PortType::kTap:
      // Only the MAC: 'remote' would attach the tap's flow rules to another netdevice and
      // 'persist' would leave the device behind when sluiced exits.
      return {{"mac", ValueKind::kMac}};
    case PortType::kPcap:
      // Files and interfaces belong in the device, where they are checked.
      return {{"infinite_rx", ValueKind::kFlag}, {"phy_mac", ValueKind::kFlag}};
    case PortType::kNull:
      return {{"no-rx", ValueKind::kFlag},
              {"copy", ValueKind::kFlag},
              {"size", ValueKind::kNumber, 14, 9600}};
    case PortType::kRing:
    case PortType::kDpdk:
      return {};
  }
  return {};
}

std::optional<std::string> check_port_add(const PortAdd& def) {
  switch (def.type) {
    case PortType::kVhostUser:
    case PortType::kAfPacket:
    case PortType::kTap:
    case PortType::kPcap:
    case PortType::kNull:
    case PortType::kRing:
    case PortType::kDpdk:
      break;
    default:
      return "unknown port type " + std::to_string(static_cast<unsigned>(def.type));
  }
  if (auto e = check_device(def)) return e;
  const std::string_view options = def.options.view();
  if (options.empty()) return std::nullopt;
  if (auto e = check_key_value_list(options, kOptionsMax)) return "options: " + *e;
  const auto items = split_key_values(options);
  if (auto e = check_no_duplicates(items)) return "options: " + *e;
  if (def.type == PortType::kDpdk) {
    if (auto e = check_generic_options(items)) return "options: " + *e;
    return std::nullopt;
  }
  const auto rules = option_rules(def.type);
  for (const KeyValue& kv : items) {
    const auto rule = std::find_if(rules.begin(), rules.end(),
                                   [&](const OptionRule& r) { return r.key == kv.key; });
    if (rule == rules.end()) {
      return "options: key " + quote(kv.key) + " is not allowed for this port type (allowed: " +
             allowed_list(rules) + "; set by Sluice: " + std::string(sluice_keys(def.type)) + ")";
    }
    if (auto e = check_value(*rule, kv.value)) return "options: " + *e;
  }
  return std::nullopt;
}

PortReferences references_of(const PortAdd& def) {
  PortReferences refs;
  const std::string_view device = def.device.view();
  switch (def.type) {
    case PortType::kVhostUser:
      refs.vhost_socket = std::string(device);
      break;
    case PortType::kAfPacket:
      refs.host_ifaces.emplace_back(device);
      break;
    case PortType::kPcap:
      for (const KeyValue& kv : split_key_values(device)) {
        if (kv.key == "rx_pcap") {
          refs.read_files.emplace_back(kv.value);
        } else if (kv.key == "tx_pcap") {
          refs.write_files.emplace_back(kv.value);
        } else {
          refs.host_ifaces.emplace_back(kv.value);
        }
      }
      break;
    default:
      break;
  }
  return refs;
}

}  // namespace sluice::of::port_rules
