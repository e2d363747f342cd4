// The dataplane's checks of a PORT_ADD against this host, after the text rules of
// openflow/port_rules.h: which files a port may read or write, where vhost-user sockets may be
// created, and which host interfaces a port may capture. sluiced is root; the controller that
// sends PORT_ADD is not trusted with root's file system.
//
//   pcap rx_pcap / tx_pcap   only files directly in the pcap directory (--pcap-dir, default
//                            /var/lib/sluice/pcap), which must be a directory owned by root
//                            (our euid) and not group/other-writable. An existing file must be
//                            a regular file (not a symlink) owned by root with one link, so a
//                            tx_pcap never clobbers anything but a capture root made there.
//                            An rx_pcap must exist.
//   vhost-user (server)      the socket's directory, resolved, and every directory above it
//                            must be owned by root and not group/other-writable (or sticky,
//                            like /tmp): nobody else can swap the socket or the directory.
//                            The socket directory (--vhost-socket-dir, default /run/sluice) is
//                            created 0755 if missing. An existing file at the path is removed
//                            only if it is a stale socket of ours (owned by root, connect()
//                            refused: a sluiced killed before it could unlink it); a regular
//                            file, a socket something listens on, or someone else's -> refused.
//   af_packet / pcap iface   not the interface that carries the host's default route (IPv4 or
//                            IPv6), unless --allow-uplink-ports: attaching it would put the
//                            host's own uplink traffic into the switch.
//
// Control lcore only; plain POSIX calls, no DPDK.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "openflow/messages.h"

namespace sluice::dp {

struct PortEnvironment {
  std::string pcap_dir = "/var/lib/sluice/pcap";
  std::string vhost_socket_dir = "/run/sluice";
  bool allow_uplink_ports = false;
  // Where the routing tables are read from (tests point them at files of their own).
  std::string route_table = "/proc/net/route";
  std::string route6_table = "/proc/net/ipv6_route";
};

// Why the host refuses this (already text-checked) PORT_ADD, if it does. May remove a stale
// vhost-user socket of ours and may create the vhost socket directory.
std::optional<std::string> check_port_environment(const of::PortAdd& def,
                                                  const PortEnvironment& env);

// Refuses 'iface' if it carries a default route according to env.route_table (/proc/net/route
// format) or env.route6_table (/proc/net/ipv6_route format); a missing table has none.
std::optional<std::string> check_not_uplink(const std::string& iface, const PortEnvironment& env);

// Removes a stale server-mode vhost-user socket at 'path' (see above), or says why the path
// cannot be used. Nothing at the path is fine.
std::optional<std::string> prepare_vhost_socket(const std::string& path);

// Sets a vhost-user socket's mode and group once the PMD has created it (gid -1: keep).
std::optional<std::string> set_socket_access(const std::string& path, mode_t mode, gid_t gid);

}  // namespace sluice::dp
