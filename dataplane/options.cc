#include "dataplane/options.h"

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

}  // namespace

Result<std::optional<DaemonOptions>> parse_options(int argc, char** argv) {
  DaemonOptions o;
  std::string workers = "1";
  std::string level = "info";
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
      ("eal", po::value(&o.eal_extra)->composing(),
       "extra DPDK EAL argument (repeatable), e.g. --eal=--no-pci");
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
  if (o.memory_mb < 64) return fail("--memory: at least 64 MiB");
  return std::optional<DaemonOptions>(o);
}

}  // namespace sluice::dp
