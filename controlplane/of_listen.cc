#include "controlplane/of_listen.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace sluice::cp {

namespace {

constexpr int kBacklog = 64;

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

std::string ListenAddress::to_string() const {
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

bool ListenAddress::loopback() const {
  if (ipv6) {
    in6_addr a{};
    return inet_pton(AF_INET6, host.c_str(), &a) == 1 && IN6_IS_ADDR_LOOPBACK(&a);
  }
  in_addr a{};
  return inet_pton(AF_INET, host.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  ListenAddress out;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return fail(quoted + " is not of the form [IPV6]:PORT");
    }
    out.host = std::string(text.substr(1, close - 1));
    out.ipv6 = true;
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      return fail(quoted + " is not of the form ADDR:PORT (IPv6: [ADDR]:PORT)");
    }
    out.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return fail(quoted + ": the port must be a number in 0..65535");
  }
  out.port = static_cast<uint16_t>(value);
  unsigned char buf[sizeof(in6_addr)];
  if (inet_pton(out.ipv6 ? AF_INET6 : AF_INET, out.host.c_str(), buf) != 1) {
    return fail(quoted + ": '" + out.host + "' is not a numeric " + (out.ipv6 ? "IPv6" : "IPv4") +
                " address");
  }
  return out;
}

Result<int> open_listener(const ListenAddress& addr) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (addr.ipv6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(addr.port);
    inet_pton(AF_INET6, addr.host.c_str(), &sin6->sin6_addr);
    len = sizeof *sin6;
  } else {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(addr.port);
    inet_pton(AF_INET, addr.host.c_str(), &sin->sin_addr);
    len = sizeof *sin;
  }
  const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("socket: " + errno_text(errno));
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, kBacklog) != 0) {
    const int err = errno;
    ::close(fd);
    return fail("cannot listen on " + addr.to_string() + ": " + errno_text(err));
  }
  return fd;
}

uint16_t local_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

namespace {

// The parent directory of 'path': created 0755 when missing.
Result<void> ensure_parent_dir(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return {};
  const std::string dir = path.substr(0, slash);
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return fail("'" + dir + "' exists and is not a directory");
    return {};
  }
  if (errno != ENOENT) return fail("cannot look at '" + dir + "': " + errno_text(errno));
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return fail("cannot create directory '" + dir + "': " + errno_text(errno));
  }
  ::chmod(dir.c_str(), 0755);  // whatever the umask said
  return {};
}

// Is a process listening on the Unix socket at 'path'?
bool unix_socket_live(const sockaddr_un& addr) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;  // cannot tell: do not touch it
  const bool live = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 ||
                    (errno != ECONNREFUSED && errno != ENOENT);
  ::close(fd);
  return live;
}

// Removes a stale socket of ours at 'path'; refuses anything else.
Result<void> clear_stale_socket(const std::string& path, const sockaddr_un& addr) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return fail("cannot look at '" + path + "': " + errno_text(errno));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return fail("'" + path + "' exists and is not a socket; not touching it");
  }
  if (st.st_uid != ::geteuid()) {
    return fail("'" + path + "' is a socket of uid " + std::to_string(st.st_uid) +
                ", not ours; not touching it");
  }
  if (unix_socket_live(addr)) return fail("'" + path + "' is in use by another process");
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return fail("cannot remove the stale socket '" + path + "': " + errno_text(errno));
  }
  return {};
}

}  // namespace

Result<UnixListener> open_unix_listener(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    return fail("Unix socket path '" + path + "' must be 1.." +
                std::to_string(sizeof addr.sun_path - 1) + " bytes long");
  }
  std::copy(path.begin(), path.end(), addr.sun_path);
  if (auto r = ensure_parent_dir(path); !r) return std::unexpected(r.error());
  if (auto r = clear_stale_socket(path, addr); !r) return std::unexpected(r.error());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("socket: " + errno_text(errno));
  // Not listening yet, so nobody can connect before the mode is 0600.
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    ::close(fd);
    return fail("cannot listen on " + path + ": " + errno_text(err));
  }
  struct stat st {};
  if (::chmod(path.c_str(), 0600) != 0 || ::lstat(path.c_str(), &st) != 0 ||
      ::listen(fd, kBacklog) != 0) {
    const int err = errno;
    ::unlink(path.c_str());
    ::close(fd);
    return fail("cannot listen on " + path + ": " + errno_text(err));
  }
  return UnixListener{fd, static_cast<uint64_t>(st.st_ino)};
}

void remove_unix_listener(const std::string& path, const UnixListener& l) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;
  // Another process may have replaced the file since: leave that one alone.
  if (S_ISSOCK(st.st_mode) && static_cast<uint64_t>(st.st_ino) == l.inode) ::unlink(path.c_str());
}

Result<PeerCredentials> peer_credentials(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return fail("SO_PEERCRED: " + errno_text(errno));
  }
  return PeerCredentials{cred.pid, cred.uid, cred.gid};
}

bool unix_peer_allowed(const PeerCredentials& peer, unsigned own_euid) {
  return peer.uid == 0 || peer.uid == own_euid;
}

}  // namespace sluice::cp
