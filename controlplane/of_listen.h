// Where sluicectl's OpenFlow endpoint listens: "ADDR:PORT" parsed into a ListenAddress, and a
// non-blocking listening TCP socket on it. Numeric addresses only (no name lookups at start).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "openflow/result.h"

namespace sluice::cp {

struct ListenAddress {
  std::string host = "127.0.0.1";  // numeric IPv4, or IPv6 without brackets
  uint16_t port = 6653;            // 0: the kernel picks one (tests)
  bool ipv6 = false;

  // "127.0.0.1:6653", "[::1]:6653"
  std::string to_string() const;
  // 127.0.0.0/8 or ::1: only local processes can connect.
  bool loopback() const;
};

// "127.0.0.1:6653", "[::1]:6653", "0.0.0.0:6653". Errors name what is wrong.
Result<ListenAddress> parse_listen_address(std::string_view text);

// A listening, non-blocking, close-on-exec TCP socket (SO_REUSEADDR) bound to 'addr'.
Result<int> open_listener(const ListenAddress& addr);

// The port a bound socket got (for port 0).
uint16_t local_port(int fd);

}  // namespace sluice::cp
