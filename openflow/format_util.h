// Small text helpers shared by the formatter's .cc files (not part of the public API).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "openflow/messages.h"

namespace sluice::of::text {

// printf into a std::string (the formatter runs on control paths only).
[[gnu::format(printf, 1, 2)]] std::string fmt(const char* format, ...);
std::string hex(uint64_t v);            // "0x1f"
std::string mac(const MacAddr& m);      // "aa:bb:cc:dd:ee:ff"
std::string ipv4(uint32_t host_order);  // "10.0.0.1"
// A port number, or the reserved port's name ("LOCAL", "CONTROLLER", "ANY", ...).
std::string port(uint32_t port_no);
// Prefix length of a contiguous IPv4 mask, or -1 if the mask is not a prefix.
int prefix_len(uint32_t mask);
// Printable characters as is, anything else as '.'.
std::string printable(std::string_view s);
// A duration as seconds with milliseconds, as ovs-ofctl prints it: "1.500s".
std::string duration(uint32_t sec, uint32_t nsec);
// A group id, or the reserved group's name ("all", "any").
std::string group(uint32_t id);

// Concatenates strings and string views by appending (GCC 12 reports false -Wrestrict
// warnings for "literal" + std::string, so the formatter builds text with this instead).
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

// Appends 'part' to 'out', separated by 'sep' when 'out' is not empty.
inline void join(std::string& out, std::string_view part, std::string_view sep = ",") {
  if (part.empty()) return;
  if (!out.empty()) out += sep;
  out += part;
}

}  // namespace sluice::of::text
