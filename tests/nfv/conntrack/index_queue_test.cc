#include "nfv/conntrack/index_queue.h"

#include <algorithm>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace sluice::nfv::ct {
namespace {

TEST(IndexQueueTest, FifoAndBounded) {
  IndexQueue q(3);  // rounds up to 4
  for (uint32_t i = 0; i < 4; ++i) EXPECT_TRUE(q.push(i));
  EXPECT_FALSE(q.push(99));  // full
  EXPECT_EQ(q.size(), 4u);
  uint32_t v = 0;
  for (uint32_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(q.pop(v));
    EXPECT_EQ(v, i);
  }
  EXPECT_FALSE(q.pop(v));  // empty
  EXPECT_EQ(q.size(), 0u);
}

// Two threads take and give back indices from one pool: every index is held by at most one of
// them at a time, and none is lost or duplicated at the end.
TEST(IndexQueueTest, ConcurrentTakersNeverShareAnIndex) {
  constexpr uint32_t kN = 1024;
  IndexQueue q(kN);
  for (uint32_t i = 0; i < kN; ++i) ASSERT_TRUE(q.push(i));
  std::vector<std::atomic<uint8_t>> held(kN);
  std::atomic<bool> shared{false};
  auto worker = [&] {
    std::vector<uint32_t> mine;
    for (int round = 0; round < 20000; ++round) {
      uint32_t v = 0;
      if (q.pop(v)) {
        if (held[v].exchange(1) != 0) shared = true;
        mine.push_back(v);
      }
      if (mine.size() > 16 || (!mine.empty() && round % 3 == 0)) {
        held[mine.back()].store(0);
        while (!q.push(mine.back())) {
        }
        mine.pop_back();
      }
    }
    for (uint32_t v : mine) {
      held[v].store(0);
      while (!q.push(v)) {
      }
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  EXPECT_FALSE(shared);
  std::vector<uint32_t> all;
  uint32_t v = 0;
  while (q.pop(v)) all.push_back(v);
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), kN);
  for (uint32_t i = 0; i < kN; ++i) EXPECT_EQ(all[i], i);
}

}  // namespace
}  // namespace sluice::nfv::ct
