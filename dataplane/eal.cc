#include "dataplane/eal.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <rte_eal.h>
#include <rte_errno.h>

#include "dataplane/log.h"

namespace sluice::dp {
namespace {

// Free hugepage memory in MiB (default page size), from /proc/meminfo.
unsigned free_hugepage_mb() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  unsigned long value = 0, free_pages = 0, page_kb = 0;
  std::string unit;
  while (in >> key >> value) {
    if (key == "HugePages_Free:") free_pages = value;
    if (key == "Hugepagesize:") page_kb = value;
    std::getline(in, unit);
  }
  return static_cast<unsigned>(free_pages * page_kb / 1024);
}

}  // namespace

Result<EalInfo> start_eal(const DaemonOptions& opts, const char* argv0) {
  EalInfo info;
  std::vector<std::string> args = {argv0};
  // lcore 0 is the main lcore; lcores 1..n are the workers, each pinned to its CPU.
  std::string lcores = "0@" + std::to_string(opts.main_core);
  for (size_t i = 0; i < opts.worker_cores.size(); ++i) {
    lcores += "," + std::to_string(i + 1) + "@" + std::to_string(opts.worker_cores[i]);
  }
  args.insert(args.end(), {"--lcores", lcores, "--main-lcore", "0", "--file-prefix",
                           opts.file_prefix, "-m", std::to_string(opts.memory_mb)});
  info.hugepages = !opts.no_huge && free_hugepage_mb() >= opts.memory_mb;
  // sluiced is always a primary process with no secondaries: keep nothing on the file system
  // (no hugepage files, no shared config), so nothing is left behind even after a crash.
  if (info.hugepages) {
    args.push_back("--in-memory");
  } else {
    if (!opts.no_huge) {
      log_warning("only %u MiB of hugepages free (need %u): running with --no-huge",
                  free_hugepage_mb(), opts.memory_mb);
    }
    args.insert(args.end(), {"--no-huge", "--no-shconf"});
  }
  // PCI devices are only touched when the operator asks: on a VM host the NICs usually belong
  // to the kernel.
  if (!opts.allow_pci) args.push_back("--no-pci");
  if (opts.log_level != LogLevel::kDebug) args.push_back("--log-level=*:warning");
  args.insert(args.end(), opts.eal_extra.begin(), opts.eal_extra.end());

  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::string joined;
  for (auto& a : args) joined += " " + a;
  log_debug("EAL arguments:%s", joined.c_str());
  if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
    return fail("cannot initialise DPDK (EAL arguments:" + joined +
                "): " + rte_strerror(rte_errno));
  }
  return info;
}

void stop_eal() {
  // EAL leaves its runtime directory (/var/run/dpdk/<prefix>) behind; it is ours alone.
  std::string dir = rte_eal_get_runtime_dir();
  rte_eal_cleanup();
  std::error_code ec;
  if (!dir.empty()) std::filesystem::remove_all(dir, ec);
}

}  // namespace sluice::dp
