// Where sluicectl's OpenFlow endpoint listens: "ADDR:PORT" parsed into a ListenAddress and a
// non-blocking listening TCP socket on it (numeric addresses only, no name lookups at start);
// and the Unix socket endpoint, whose clients are told apart by their peer credentials.
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

// A listening, non-blocking, close-on-exec Unix stream socket at 'path', mode 0600. The parent
// directory is created (mode 0755) if it is missing (its own parent must exist). A socket file
// already there is removed only if it is ours (same owner as this process) and nobody listens
// on it (a stale one from a process that died); anything else there (a file of another kind, a
// socket of another user, a live socket) is an error that says so and is left alone.
struct UnixListener {
  int fd = -1;
  uint64_t inode = 0;  // of the socket file, to remove it only while it is still ours
};
Result<UnixListener> open_unix_listener(const std::string& path);
// Removes the socket file at 'path' if it is still the one 'l' created (same inode).
void remove_unix_listener(const std::string& path, const UnixListener& l);

// Who is on the other end of a Unix socket (SO_PEERCRED).
struct PeerCredentials {
  int pid = 0;
  unsigned uid = 0;
  unsigned gid = 0;
};
Result<PeerCredentials> peer_credentials(int fd);
// The Unix endpoint takes root and the user sluicectl runs as (effective uid 'own_euid').
bool unix_peer_allowed(const PeerCredentials& peer, unsigned own_euid);

}  // namespace sluice::cp
