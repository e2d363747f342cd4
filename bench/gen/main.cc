// sluice-gen: the benchmark traffic generator (see generator.h and flow_mix.h).
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "bench/gen/gen_options.h"
#include "bench/gen/generator.h"

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

unsigned free_hugepage_mb() {
  std::ifstream in("/proc/meminfo");
  std::string key, rest;
  unsigned long value = 0, free_pages = 0, page_kb = 0;
  while (in >> key >> value) {
    if (key == "HugePages_Free:") free_pages = value;
    if (key == "Hugepagesize:") page_kb = value;
    std::getline(in, rest);
  }
  return static_cast<unsigned>(free_pages * page_kb / 1024);
}

// The guest side of vhost-user: one virtio_user port, no PCI, nothing left on the file system
// (--in-memory with hugepages, --no-shconf without), one lcore.
bool start_eal(const sluice::bench::GenOptions& o, const char* argv0) {
  using sluice::bench::HugeMode;
  const bool huge = o.huge == HugeMode::kOn ||
                    (o.huge == HugeMode::kAuto && free_hugepage_mb() >= o.memory_mb + 64);
  std::vector<std::string> args = {argv0,
                                   "--lcores", "0@" + std::to_string(o.cpu),
                                   "--file-prefix", o.file_prefix,
                                   "--no-pci", "--single-file-segments",
                                   "-m", std::to_string(o.memory_mb),
                                   "--vdev", "virtio_user0,path=" + o.socket + ",queues=1",
                                   "--log-level=*:warning"};
  if (huge) {
    args.push_back("--in-memory");
  } else {
    args.insert(args.end(), {"--no-huge", "--no-shconf"});
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::printf("gen: EAL on CPU %u, %s\n", o.cpu, huge ? "hugepages" : "no hugepages");
  if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
    std::fprintf(stderr, "sluice-gen: cannot initialise DPDK: %s\n", rte_strerror(rte_errno));
    return false;
  }
  return true;
}

void stop_eal() {
  std::string dir = rte_eal_get_runtime_dir();
  rte_eal_cleanup();
  std::error_code ec;
  if (!dir.empty()) std::filesystem::remove_all(dir, ec);
}

int generate(const sluice::bench::GenOptions& o) {
  using sluice::bench::Generator;
  auto gen = Generator::create(o);
  if (!gen) {
    std::fprintf(stderr, "sluice-gen: %s\n", gen.error().message.c_str());
    return 1;
  }
  Generator& g = **gen;
  if (!g.wait_link(o.link_wait_s, g_stop)) {
    std::fprintf(stderr, "sluice-gen: the vhost-user link did not come up in %.1f s\n",
                 o.link_wait_s);
    return 1;
  }
  std::printf("gen: link up; %u flows over %u source and %u destination MACs, %u-byte frames%s\n",
              o.mix.flows == 0 ? o.mix.macs : o.mix.flows, o.mix.macs, o.mix.macs,
              o.mix.frame_len, o.mix.vlan != 0 ? ", tagged" : "");
  if (o.mix.dst_ips != 0) {
    std::printf("gen: IPv4 destinations inside wildcard flows 0..%u of the flow set\n",
                o.mix.dst_ips - 1);
  }
  if (o.mix.replies) std::printf("gen: every flow both ways (a connection each)\n");
  if (o.new_connections) std::printf("gen: a new source (a new connection) per frame\n");
  g.send_learn_frames(g_stop);
  rte_delay_us_sleep(static_cast<unsigned>(o.learn_settle_s * 1e6));
  g.send_learn_frames(g_stop);  // again, in case a learning queue was full the first time
  rte_delay_us_sleep(static_cast<unsigned>(o.learn_settle_s * 1e6));
  std::printf("gen: learning frames sent\n");
  std::fflush(stdout);
  if (o.warmup_s > 0) g.run(o.warmup_s, 0, "warm-up", g_stop);
  std::printf("gen: measuring\n");
  std::fflush(stdout);
  auto t = g.run(o.duration_s, o.stats_interval_s, "measure", g_stop);
  const double secs = static_cast<double>(t.cycles) / static_cast<double>(rte_get_tsc_hz());
  const double mpps = static_cast<double>(t.sent) / secs / 1e6;
  std::printf("gen: offered %lu packets in %.3f s: %.3f Mpps (%lu partial bursts)\n", t.sent,
              secs, mpps, t.retries);
  std::printf("gen-result offered=%lu seconds=%.6f mpps=%.4f\n", t.sent, secs, mpps);
  std::fflush(stdout);
  return g_stop.load() ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto opts = sluice::bench::parse_gen_options(argc, argv);
  if (!opts) {
    std::fprintf(stderr, "sluice-gen: %s\n", opts.error().message.c_str());
    return 2;
  }
  if (!*opts) return 0;
  const auto& o = **opts;
  if (o.list_dst_macs) {
    for (uint32_t i = 0; i < o.mix.macs; ++i) {
      std::printf("%s\n", sluice::bench::mac_text(1, i).c_str());
    }
    return 0;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  if (!start_eal(o, argv[0])) return 1;
  const int rc = generate(o);
  stop_eal();
  return rc;
}
