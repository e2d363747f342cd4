#include "dataplane/options.h"

#include <grp.h>

#include <iostream>
#include <sstream>

#include <boost/program_options.hpp>

namespace sluice::dp {
namespace po = boost::program_options;

namespace {

Result<std::vector<unsigned>> parse_cores(const std::string& text) {
  std::vector<unsigned> cores;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      size_t used = 0;
      unsigned long v = std::stoul(item, &used);
      if (used != item.size() || v > 1023) throw std::invalid_argument(item);
      cores.push_back(static_cast<unsigned>(v));
    } catch (const std::exception&) {
      return fail("--worker-cores: '" + item + "' is not a CPU number");
    }
  }
  if (cores.empty() || cores.size() > kMaxWorkers) {
    return fail("--worker-cores: give 1.." + std::to_string(kMaxWorkers) + " CPUs");
  }
  return cores;
}

Result<LogLevel> parse_level(const std::string& s) {
  if (s == "error") return LogLevel::kError;
  if (s == "warning") return LogLevel::kWarning;
  if (s == "info") return LogLevel::kInfo;
  if (s == "debug") return LogLevel::kDebug;
  return fail("--log-level: '" + s + "' is not one of error, warning, info, debug");
}

Result<unsigned> parse_mode(const std::string& s) {
  size_t used = 0;
  unsigned long v = 0;
  try {
    v = std::stoul(s, &used, 8);
  } catch (const std::exception&) {
    used = 0;
  }
  if (s.empty() || used != s.size() || v > 0777 || (v & 0007) != 0) {
    return fail("--vhost-socket-mode: '" + s +
                "' must be an octal mode without permissions for others, e.g. 0600 or 0660");
  }
  return static_cast<unsigned>(v);
}

Result<int> parse_group(const std::string& s) {
  if (s.empty()) return -1;
  if (s.find_first_not_of("0123456789") == std::string::npos && s.size() < 10) {
    return std::stoi(s);
  }
  const group* g = ::getgrnam(s.c_str());
  if (g == nullptr) return fail("--vhost-socket-group: no group named '" + s + "'");
  return static_cast<int>(g->gr_gid);
}

Result<std::string> parse_abs_dir(const char* option, const std::string& s) {
  if (s.empty() || s[0] != '/' || s.find(',') != std::string::npos) {
    return fail(std::string(option) + ": '" + s + "' must be an absolute path without ','");
  }
  std::string out = s;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace

Result<std::optional<DaemonOptions>> parse_options(int argc, char** argv) {
  DaemonOptions o;
  std::string workers = "1";
  std::string level = "info";
  std::string socket_mode = "0600";
  std::string socket_group;
  po::options_description desc(
      "sluiced: the Sluice dataplane. Starts with an empty pipeline that drops everything until\n"
      "a controller (sluicectl run) programs it over the control channel.\n\nOptions");
  desc.add_options()
      ("help,h", "print this help and exit")
      ("channel", po::value(&o.channel)->default_value(o.channel),
       "control channel name; the region is /dev/shm/sluice.<name>")
      ("main-core", po::value(&o.main_core)->default_value(o.main_core),
       "CPU for the main lcore (control service, metrics, port events)")
      ("worker-cores", po::value(&workers)->default_value(workers),
       "comma-separated CPUs, one poll-mode worker each")
      ("metrics", po::value(&o.metrics)->default_value(o.metrics),
       "HOST:PORT to serve Prometheus metrics on (/metrics), or 'off'")
      ("memory", po::value(&o.memory_mb)->default_value(o.memory_mb),
       "DPDK memory in MiB")
      ("no-huge", po::bool_switch(&o.no_huge),
       "do not use hugepages (the default is to use them when enough are free, else to fall back)")
      ("pci", po::bool_switch(&o.allow_pci),
       "let DPDK scan and use PCI devices (needed for 'dpdk' ports on PCI NICs)")
      ("file-prefix", po::value(&o.file_prefix),
       "DPDK file prefix (default sluice-<channel>); every DPDK process needs its own")
      ("log-level", po::value(&level)->default_value(level), "error, warning, info or debug")
      ("idle-sleep-max-us", po::value(&o.idle_sleep_max_us)->default_value(o.idle_sleep_max_us),
       "longest sleep of an idle worker in microseconds; 0 = always busy-poll (benchmarks)")
      ("mbufs", po::value(&o.mbufs)->default_value(o.mbufs), "packet buffers in the pool")
      ("mac-table-size", po::value(&o.mac_table_size)->default_value(o.mac_table_size),
       "MAC table capacity (all VLANs)")
      ("conntrack-max", po::value(&o.conntrack_max)->default_value(o.conntrack_max),
       "connections the connection tracker (ct) holds; new ones beyond it are dropped")
      ("eal", po::value(&o.eal_extra)->composing(),
       "extra DPDK EAL argument (repeatable), e.g. --eal=--no-pci")
      ("pcap-dir", po::value(&o.pcap_dir)->default_value(o.pcap_dir),
       "the only directory pcap ports may read (rx_pcap) and write (tx_pcap) files in; it must "
       "be owned by root and not group/other-writable")
      ("vhost-socket-dir", po::value(&o.vhost_socket_dir)->default_value(o.vhost_socket_dir),
       "directory for server-mode vhost-user sockets, created 0755 if missing (sockets elsewhere "
       "must be in root-owned directories that are not group/other-writable)")
      ("vhost-socket-mode", po::value(&socket_mode)->default_value(socket_mode),
       "octal mode of the vhost-user sockets sluiced creates (e.g. 0660 with "
       "--vhost-socket-group so QEMU's user can connect); never other-accessible")
      ("vhost-socket-group", po::value(&socket_group),
       "group (name or number) of the vhost-user sockets sluiced creates (default: root's)")
      ("allow-uplink-ports", po::bool_switch(&o.allow_uplink_ports),
       "allow af_packet/pcap ports on the interface that carries the host's default route");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return fail(std::string(e.what()) + " (see --help)");
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return std::optional<DaemonOptions>{};
  }
  auto cores = parse_cores(workers);
  if (!cores) return std::unexpected(cores.error());
  o.worker_cores = *cores;
  auto lv = parse_level(level);
  if (!lv) return std::unexpected(lv.error());
  o.log_level = *lv;
  if (o.file_prefix.empty()) o.file_prefix = "sluice-" + o.channel;
  if (o.channel.empty() || o.channel.find('/') != std::string::npos) {
    return fail("--channel: must be a non-empty name without '/'");
  }
  auto mode = parse_mode(socket_mode);
  if (!mode) return std::unexpected(mode.error());
  o.vhost_socket_mode = *mode;
  auto gid = parse_group(socket_group);
  if (!gid) return std::unexpected(gid.error());
  o.vhost_socket_gid = *gid;
  auto pcap_dir = parse_abs_dir("--pcap-dir", o.pcap_dir);
  if (!pcap_dir) return std::unexpected(pcap_dir.error());
  o.pcap_dir = *pcap_dir;
  auto socket_dir = parse_abs_dir("--vhost-socket-dir", o.vhost_socket_dir);
  if (!socket_dir) return std::unexpected(socket_dir.error());
  o.vhost_socket_dir = *socket_dir;
  if (o.memory_mb < 64) return fail("--memory: at least 64 MiB");
  if (o.conntrack_max == 0 || o.conntrack_max > (1u << 24)) {
    return fail("--conntrack-max: 1 to 16777216 connections");
  }
  return std::optional<DaemonOptions>(o);
}

}  // namespace sluice::dp
