#include "controlplane/args.h"

#include <cctype>
#include <charconv>

namespace sluice::cp {

namespace {

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
}

}  // namespace

std::optional<std::string> BoundedInt::check(int64_t value) const {
  if (value >= lo && value <= hi) return std::nullopt;
  return std::to_string(value) + " is out of range " + std::to_string(lo) + ".." +
         std::to_string(hi);
}

std::optional<std::string> NameArg::check(const std::string& value) const {
  std::string rule =
      std::to_string(min_len) + ".." + std::to_string(max_len) + " characters of A-Z a-z 0-9";
  for (char c : extra) rule += std::string(" ") + c;
  if (value.size() < min_len || value.size() > max_len) {
    return "'" + value + "' has " + std::to_string(value.size()) + " characters; use " + rule;
  }
  for (char c : value) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 &&
        extra.find(c) == std::string_view::npos) {
      return "'" + value + "' contains '" + std::string(1, c) + "'; use " + rule;
    }
  }
  return std::nullopt;
}

std::optional<std::string> AbsolutePathArg::check(const std::string& value) const {
  if (value.empty() || value[0] != '/') return "'" + value + "' is not an absolute path";
  if (value.size() > max_len) {
    return "path is " + std::to_string(value.size()) + " bytes long; the limit is " +
           std::to_string(max_len);
  }
  if (value.find(',') != std::string::npos) return "'" + value + "' must not contain ','";
  return std::nullopt;
}

std::optional<std::string> DevargsArg::check(const std::string& value) const {
  if (value.empty()) return "must not be empty";
  if (value.size() > max_len) {
    return "is " + std::to_string(value.size()) + " bytes long; the limit is " +
           std::to_string(max_len);
  }
  for (char c : value) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      return "'" + value + "' must not contain whitespace";
    }
    if (c == ',' && !allow_comma) return "'" + value + "' must not contain ','";
  }
  return std::nullopt;
}

std::optional<std::string> KeyValueListArg::check(const std::string& value) const {
  if (value.size() > max_len) {
    return "is " + std::to_string(value.size()) + " bytes long; the limit is " +
           std::to_string(max_len);
  }
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(',', start);
    if (end == std::string::npos) end = value.size();
    std::string_view item(value.data() + start, end - start);
    size_t eq = item.find('=');
    if (eq == 0 || eq == std::string_view::npos || item.find(' ') != std::string_view::npos) {
      return "'" + std::string(item) + "' is not of the form key=value";
    }
    start = end + 1;
  }
  return std::nullopt;
}

std::optional<std::string> UnicastMacArg::check(const of::MacAddr& mac) const {
  if ((mac[0] & 0x01) != 0) {
    return format_mac(mac) + " is a multicast address; static MACs must be unicast";
  }
  if (mac == of::MacAddr{}) return "00:00:00:00:00:00 is not a usable MAC address";
  return std::nullopt;
}

std::optional<std::string> Ipv4PrefixArg::check(const std::string& value) const {
  if (value.find(':') != std::string::npos) return "'" + value + "' is IPv6, " + std::string(ipv6_note);
  const auto prefix = parse_ipv4_prefix(value);
  if (!prefix) {
    return "'" + value + "' is not an IPv4 address or prefix like 10.0.0.5 or 10.0.0.0/24";
  }
  if (!of::port_security::well_formed(*prefix)) {
    const of::port_security::Prefix fixed{prefix->addr & prefix->mask(), prefix->len};
    return "'" + value + "' has address bits past its length (did you mean " +
           format_prefix(fixed) + "?)";
  }
  return std::nullopt;
}

std::optional<int64_t> parse_int(std::string_view text) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<of::port_security::Prefix> parse_ipv4_prefix(std::string_view text) {
  of::port_security::Prefix out;
  const size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    const std::string_view len = text.substr(slash + 1);
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), v);
    if (len.empty() || ec != std::errc{} || end != len.data() + len.size() || v > 32) return std::nullopt;
    out.len = static_cast<uint8_t>(v);
    text = text.substr(0, slash);
  }
  uint32_t addr = 0;
  for (int i = 0; i < 4; ++i) {
    const size_t dot = text.find('.');
    if ((dot == std::string_view::npos) != (i == 3)) return std::nullopt;
    const std::string_view part = text.substr(0, dot);
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || part.size() > 3 || ec != std::errc{} || end != part.data() + part.size() ||
        v > 255) {
      return std::nullopt;
    }
    addr = addr << 8 | v;
    text = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  }
  out.addr = addr;
  return out;
}

std::string format_prefix(const of::port_security::Prefix& p) {
  std::string s = std::to_string(p.addr >> 24) + "." + std::to_string(p.addr >> 16 & 0xff) + "." +
                  std::to_string(p.addr >> 8 & 0xff) + "." + std::to_string(p.addr & 0xff);
  return p.len == 32 ? s : s + "/" + std::to_string(p.len);
}

std::optional<of::MacAddr> parse_mac(std::string_view text) {
  // Six pairs of hex digits separated by ':' (or '-', used consistently).
  if (text.size() != 17) return std::nullopt;
  const char sep = text[2];
  if (sep != ':' && sep != '-') return std::nullopt;
  of::MacAddr mac{};
  for (size_t i = 0; i < 6; ++i) {
    const size_t at = i * 3;
    if (!is_hex(text[at]) || !is_hex(text[at + 1])) return std::nullopt;
    if (i < 5 && text[at + 2] != sep) return std::nullopt;
    mac[i] = static_cast<uint8_t>(hex_value(text[at]) * 16 + hex_value(text[at + 1]));
  }
  return mac;
}

std::string format_mac(const of::MacAddr& mac) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < mac.size(); ++i) {
    if (i > 0) out += ':';
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 0xf];
  }
  return out;
}

const char* port_type_name(of::PortType type) noexcept {
  for (const auto& n : kPortTypeNames) {
    if (n.value == type) return n.name.data();
  }
  return "unknown";
}

}  // namespace sluice::cp
