#include "dataplane/port_checks.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "dataplane/log.h"
#include "openflow/port_rules.h"

namespace sluice::dp {
namespace {

std::string quote(const std::string& s) { return "'" + s + "'"; }
std::string errno_text(int err) { return std::strerror(err); }

// "/a/b/" -> "/a/b"; "/" stays.
std::string without_trailing_slash(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

std::string parent_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

bool owned_by_us(const struct stat& st) { return st.st_uid == ::geteuid() || st.st_uid == 0; }

// A directory nobody but root (or our euid) can add, rename or remove entries in.
std::optional<std::string> check_private_dir(const std::string& dir, const struct stat& st) {
  if (!S_ISDIR(st.st_mode)) return quote(dir) + " is not a directory";
  if (!owned_by_us(st)) {
    return quote(dir) + " is owned by uid " + std::to_string(st.st_uid) + ", not root";
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0) {
    return quote(dir) + " is writable by group or others";
  }
  return std::nullopt;
}

// 'dir' resolved and every directory above it pass check_private_dir.
std::optional<std::string> check_private_tree(const std::string& dir) {
  char resolved[PATH_MAX];
  if (::realpath(dir.c_str(), resolved) == nullptr) {
    return "cannot resolve directory " + quote(dir) + ": " + errno_text(errno);
  }
  std::string at = resolved;
  for (;;) {
    struct stat st {};
    if (::lstat(at.c_str(), &st) != 0) return "cannot stat " + quote(at) + ": " + errno_text(errno);
    if (auto e = check_private_dir(at, st)) return e;
    if (at == "/") return std::nullopt;
    at = parent_of(at);
  }
}

std::optional<std::string> check_pcap_file(const std::string& path, bool writes,
                                           const PortEnvironment& env) {
  const std::string dir = without_trailing_slash(env.pcap_dir);
  const std::string what = std::string(writes ? "tx_pcap " : "rx_pcap ") + quote(path);
  const std::string file = path.substr(path.rfind('/') + 1);
  if (parent_of(path) != dir || file.empty() || file[0] == '.' ||
      of::port_rules::check_name(file, 1, 200, "_.-")) {
    return what + ": capture files must be directly in the pcap directory " + quote(dir) +
           " (sluiced --pcap-dir), with a name of A-Z a-z 0-9 _ . - not starting with '.'";
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    return what + ": the pcap directory " + quote(dir) + " is not usable (" + errno_text(errno) +
           "); create it, owned by root and not group/other-writable, or pass --pcap-dir";
  }
  if (auto e = check_private_dir(dir, st)) return what + ": pcap directory " + *e;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT && writes) return std::nullopt;  // the PMD creates it
    return what + ": " + errno_text(errno);
  }
  if (!S_ISREG(st.st_mode)) return what + " exists and is not a regular file";
  if (!owned_by_us(st)) return what + " is owned by uid " + std::to_string(st.st_uid) + ", not root";
  if (writes && st.st_nlink != 1) return what + " has other hard links; refusing to overwrite it";
  return std::nullopt;
}

std::optional<std::string> check_vhost_server_path(const std::string& path,
                                                   const PortEnvironment& env) {
  const std::string dir = parent_of(path);
  if (dir == without_trailing_slash(env.vhost_socket_dir) && ::access(dir.c_str(), F_OK) != 0) {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return "cannot create the vhost socket directory " + quote(dir) + ": " + errno_text(errno);
    }
    log_info("created the vhost-user socket directory %s (mode 0755)", dir.c_str());
  }
  if (auto e = check_private_tree(dir)) return "vhost-user socket " + quote(path) + ": " + *e;
  return prepare_vhost_socket(path);
}

// The interfaces with a default route in one table: for /proc/net/route the first column is
// the interface and columns 2 and 8 the destination and mask; for /proc/net/ipv6_route
// columns 1 and 2 are the destination and prefix length and column 10 the interface.
bool has_default_route(const std::string& table, const std::string& iface, bool v6) {
  std::ifstream in(table);
  std::string line;
  if (!v6) std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string c[10];
    size_t n = 0;
    while (n < 10 && f >> c[n]) ++n;
    if (v6) {
      if (n == 10 && c[9] == iface && c[0] == std::string(32, '0') && c[1] == "00") return true;
    } else if (n >= 8 && c[0] == iface && c[1] == "00000000" && c[7] == "00000000") {
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<std::string> check_not_uplink(const std::string& iface, const PortEnvironment& env) {
  if (env.allow_uplink_ports || iface == "lo") return std::nullopt;
  if (has_default_route(env.route_table, iface, false) ||
      has_default_route(env.route6_table, iface, true)) {
    return "interface " + quote(iface) +
           " carries the host's default route; attaching it would put the host's own traffic "
           "into the switch (sluiced --allow-uplink-ports permits it)";
  }
  return std::nullopt;
}

std::optional<std::string> prepare_vhost_socket(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::nullopt;
    return "vhost-user socket " + quote(path) + ": " + errno_text(errno);
  }
  const std::string what = "vhost-user socket " + quote(path);
  if (!S_ISSOCK(st.st_mode)) return what + " exists and is not a socket; refusing to replace it";
  if (!owned_by_us(st)) {
    return what + " exists and belongs to uid " + std::to_string(st.st_uid) + "; refusing to replace it";
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) return what + ": path too long for a Unix socket";
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return what + ": socket(): " + errno_text(errno);
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  const int err = errno;
  ::close(fd);
  if (rc == 0) return what + " is in use: a process listens on it";
  if (err != ECONNREFUSED) return what + ": cannot tell whether it is stale (" + errno_text(err) + ")";
  if (::unlink(path.c_str()) != 0) return what + ": cannot remove the stale socket: " + errno_text(errno);
  log_warning("removed the stale vhost-user socket %s (nobody listened on it)", path.c_str());
  return std::nullopt;
}

std::optional<std::string> set_socket_access(const std::string& path, mode_t mode, gid_t gid) {
  if (::chmod(path.c_str(), mode) != 0) {
    return "cannot set the mode of " + quote(path) + ": " + errno_text(errno);
  }
  if (gid != static_cast<gid_t>(-1) && ::chown(path.c_str(), static_cast<uid_t>(-1), gid) != 0) {
    return "cannot set the group of " + quote(path) + ": " + errno_text(errno);
  }
  return std::nullopt;
}

std::optional<std::string> check_port_environment(const of::PortAdd& def,
                                                  const PortEnvironment& env) {
  const auto refs = of::port_rules::references_of(def);
  for (const auto& f : refs.read_files) {
    if (auto e = check_pcap_file(f, false, env)) return e;
  }
  for (const auto& f : refs.write_files) {
    if (auto e = check_pcap_file(f, true, env)) return e;
  }
  for (const auto& iface : refs.host_ifaces) {
    if (auto e = check_not_uplink(iface, env)) return e;
  }
  if (def.type == of::PortType::kVhostUser && (def.flags & of::port_flags::kVhostClient) == 0) {
    return check_vhost_server_path(refs.vhost_socket, env);
  }
  return std::nullopt;
}

}  // namespace sluice::dp
