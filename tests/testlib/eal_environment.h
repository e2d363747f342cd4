// EalEnvironment: starts DPDK's EAL once per test binary, without hugepages, PCI or shared
// config, and creates the mbuf pool every test uses. Registered by the testlib's main().
//
// EAL arguments: --no-huge --no-pci --no-shconf -m 256 --file-prefix sluice-test-<pid>
// --lcores 0@0 --log-level=*:warning (no vdevs: tests create their own ports).
//
// EAL cannot be started twice in a process, and GoogleTest calls an environment's SetUp and
// TearDown once per --gtest_repeat iteration; so SetUp starts EAL only the first time, and
// shutdown_eal() (called by the testlib's main() after RUN_ALL_TESTS) frees the pool, calls
// rte_eal_cleanup() and removes the runtime directory (/var/run/dpdk/sluice-test-<pid>).
#pragma once

#include <gtest/gtest.h>

#include <string>

struct rte_mempool;

namespace sluice::test {

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override;
};

// Releases everything SetUp created. Safe to call when EAL never started.
void shutdown_eal();

// The shared mbuf pool (valid between the environment's SetUp and TearDown).
rte_mempool* test_pool();
// Mbufs of test_pool() currently allocated; tests compare it before and after to find leaks.
unsigned mbufs_in_use();
// A name unique within this process, for rte_ring / rte_hash / ethdev names.
std::string unique_name(const std::string& prefix);

}  // namespace sluice::test
