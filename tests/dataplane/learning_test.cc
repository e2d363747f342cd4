// apply_learn_requests(): the control lcore's drain of the learn queue is bounded per poll, so a
// MAC flood cannot starve heartbeats, aging and timeouts, and it learns only where the live
// tables put the port in the request's bridge domain.
#include "dataplane/learning.h"

#include <gtest/gtest.h>

#include <vector>

#include "dataplane/mac_table.h"
#include "tests/testlib/harness.h"

namespace sluice::dp {
namespace {

uint64_t flood_key(uint16_t bd, uint32_t i) {
  const uint8_t mac[6] = {0x02, 0x00, static_cast<uint8_t>(i >> 24), static_cast<uint8_t>(i >> 16),
                          static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
  return mac_key(bd, mac);
}

class LearningTest : public ::testing::Test {
 protected:
  LearningTest() : h_({.mac_capacity = 1u << 16, .learn_queue_size = 1u << 14}) {}
  void SetUp() override {
    h_.add_port(0, 1);
    h_.add_port(1, 2);
    b_.access(1, 100).access(2, 200);
    h_.install(b_);
  }
  // Queues 'n' requests from slot 0 for distinct MACs in 'bd'.
  void flood(uint32_t n, uint16_t bd = 100, uint32_t first = 0) {
    std::vector<LearnRequest> reqs(n);
    for (uint32_t i = 0; i < n; ++i) reqs[i] = LearnRequest{flood_key(bd, first + i), 0, {}};
    ASSERT_EQ(h_.learn_queue().push(reqs.data(), n), n);
  }
  uint32_t drain() { return apply_learn_requests(h_.learn_queue(), h_.macs(), h_.tables(), h_.now); }

  test::Harness h_;
  test::TablesBuilder b_;
};

TEST_F(LearningTest, AFloodIsDrainedAtMostKMaxLearnPerPollAtATime) {
  const uint32_t n = 2 * kMaxLearnPerPoll + 100;
  flood(n);
  // Before the bound, one call took all of them.
  EXPECT_EQ(drain(), kMaxLearnPerPoll);
  EXPECT_EQ(h_.macs().learned_in_bd(100), kMaxLearnPerPoll);  // what was taken was applied
  EXPECT_EQ(drain(), kMaxLearnPerPoll);
  EXPECT_EQ(drain(), 100u);
  EXPECT_EQ(drain(), 0u);
}

TEST_F(LearningTest, AnExplicitLimitIsHonouredExactly) {
  flood(1000);
  EXPECT_EQ(apply_learn_requests(h_.learn_queue(), h_.macs(), h_.tables(), h_.now, 300), 300u);
  EXPECT_EQ(apply_learn_requests(h_.learn_queue(), h_.macs(), h_.tables(), h_.now, 1), 1u);
  EXPECT_EQ(drain(), 699u);
}

TEST_F(LearningTest, RequestsForABridgeDomainThePortIsNotInAreIgnored) {
  flood(10, 200);  // slot 0 is an access port of VLAN 100 only
  EXPECT_EQ(drain(), 10u);
  EXPECT_EQ(h_.macs().learned_in_bd(200), 0u);
  EXPECT_EQ(h_.macs().size(), 0u);
  flood(1, 100);
  EXPECT_EQ(drain(), 1u);
  EXPECT_EQ(h_.macs().learned_in_bd(100), 1u);
  EXPECT_EQ(h_.macs().learned_on_port(0), 1u);
}

}  // namespace
}  // namespace sluice::dp
