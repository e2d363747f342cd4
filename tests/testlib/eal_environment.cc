#include "tests/testlib/eal_environment.h"

#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace sluice::test {
namespace {

constexpr unsigned kPoolSize = 8191;  // 2^n - 1 is the most memory-efficient for rte_mempool
rte_mempool* g_pool = nullptr;
std::string g_runtime_dir;

}  // namespace

void EalEnvironment::SetUp() {
  if (g_pool != nullptr) return;  // a later --gtest_repeat iteration
  const std::string prefix = "sluice-test-" + std::to_string(getpid());
  std::vector<std::string> args = {"dataplane_tests",
                                   "--no-huge",
                                   "--no-pci",
                                   "--no-shconf",
                                   "-m",
                                   "256",
                                   "--file-prefix",
                                   prefix,
                                   "--lcores",
                                   "0@0",
                                   "--log-level=*:warning"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
    std::fprintf(stderr, "rte_eal_init failed: %s\n", rte_strerror(rte_errno));
    std::abort();  // nothing in the dataplane tests can run without EAL
  }
  g_runtime_dir = rte_eal_get_runtime_dir();
  // A death test's child (gtest re-runs this binary for it) dies before shutdown_eal(): its
  // runtime directory goes now, or every run would leave one behind. Nothing here needs it
  // after start-up (no secondary processes; the telemetry socket keeps its open descriptor).
  if (!GTEST_FLAG_GET(internal_run_death_test).empty()) {
    std::error_code ec;
    std::filesystem::remove_all(g_runtime_dir, ec);
    g_runtime_dir.clear();
  }
  // No per-lcore cache: every free goes straight back, so in-use counts are exact.
  g_pool = rte_pktmbuf_pool_create("sluice_test_pool", kPoolSize, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                   SOCKET_ID_ANY);
  if (g_pool == nullptr) {
    std::fprintf(stderr, "cannot create the test mbuf pool: %s\n", rte_strerror(rte_errno));
    std::abort();
  }
}

void shutdown_eal() {
  if (g_pool == nullptr) return;
  rte_mempool_free(g_pool);
  g_pool = nullptr;
  rte_eal_cleanup();
  std::error_code ec;
  if (!g_runtime_dir.empty()) std::filesystem::remove_all(g_runtime_dir, ec);
}

rte_mempool* test_pool() { return g_pool; }

unsigned mbufs_in_use() { return rte_mempool_in_use_count(g_pool); }

std::string unique_name(const std::string& prefix) {
  static std::atomic<unsigned> next{0};
  return prefix + std::to_string(next.fetch_add(1));
}

}  // namespace sluice::test
