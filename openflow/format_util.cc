// Small text helpers shared by the formatter (see format_util.h).
#include "openflow/format_util.h"

#include <cstdarg>
#include <cstdio>

namespace sluice::of::text {

std::string fmt(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list copy;
  va_copy(copy, args);
  const int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string out;
  if (n > 0) {
    out.resize(static_cast<size_t>(n) + 1);
    std::vsnprintf(out.data(), out.size(), format, args);
    out.resize(static_cast<size_t>(n));
  }
  va_end(args);
  return out;
}

std::string hex(uint64_t v) { return fmt("0x%llx", static_cast<unsigned long long>(v)); }

std::string mac(const MacAddr& m) {
  return fmt("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

std::string ipv4(uint32_t a) {
  return fmt("%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

std::string port(uint32_t p) {
  switch (p) {
    case port_no::kInPort:
      return "IN_PORT";
    case port_no::kTable:
      return "TABLE";
    case port_no::kNormal:
      return "NORMAL";
    case port_no::kFlood:
      return "FLOOD";
    case port_no::kAll:
      return "ALL";
    case port_no::kController:
      return "CONTROLLER";
    case port_no::kLocal:
      return "LOCAL";
    case port_no::kAny:
      return "ANY";
    default:
      return std::to_string(p);
  }
}

int prefix_len(uint32_t mask) {
  const uint32_t inverted = ~mask;
  if ((inverted & (inverted + 1)) != 0) return -1;  // ones not all at the top
  int n = 0;
  while (n < 32 && (mask & (uint32_t{1} << (31 - n))) != 0) ++n;
  return n;
}

std::string printable(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) c = '.';
  }
  return out;
}

std::string duration(uint32_t sec, uint32_t nsec) { return fmt("%u.%03us", sec, nsec / 1000000); }

std::string group(uint32_t id) {
  switch (id) {
    case group_id::kAll:
      return "all";
    case group_id::kAny:
      return "any";
    default:
      return std::to_string(id);
  }
}

}  // namespace sluice::of::text
