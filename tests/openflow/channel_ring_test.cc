// ByteRing over a plain memory block: framing, wrap-around, full/empty, and two threads.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <random>
#include <thread>

#include "openflow/channel/spsc_ring.h"
#include "tests/openflow/channel_test_util.h"

namespace sluice::of {
namespace {

using testing::frame;
using testing::xid_of;
using WS = ByteRing::WriteStatus;
using RS = ByteRing::ReadStatus;

// A 64-byte aligned block holding one formatted ring.
class RingBlock {
 public:
  explicit RingBlock(uint64_t capacity)
      : mem_(static_cast<uint8_t*>(std::aligned_alloc(64, ByteRing::footprint(capacity)))),
        capacity_(capacity) {
    ByteRing::format(mem_.get());
  }
  ByteRing view() { return ByteRing(mem_.get(), capacity_); }
  // The shared counters, for tests that play a misbehaving peer.
  std::atomic<uint64_t>& head() { return *reinterpret_cast<std::atomic<uint64_t>*>(mem_.get()); }
  std::atomic<uint64_t>& tail() {
    return *reinterpret_cast<std::atomic<uint64_t>*>(mem_.get() + ByteRing::kLineBytes);
  }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t, Free> mem_;
  uint64_t capacity_;
};

TEST(ByteRing, CapacityMustBeAPowerOfTwo) {
  EXPECT_TRUE(ByteRing::valid_capacity(64));
  EXPECT_TRUE(ByteRing::valid_capacity(1u << 20));
  EXPECT_FALSE(ByteRing::valid_capacity(0));
  EXPECT_FALSE(ByteRing::valid_capacity(32));
  EXPECT_FALSE(ByteRing::valid_capacity(100));
}

TEST(ByteRing, EmptyRingHasNothingToRead) {
  RingBlock block(64);
  ByteRing ring = block.view();
  std::vector<uint8_t> out{1, 2, 3};
  EXPECT_EQ(ring.try_read(out), RS::kEmpty);
  EXPECT_EQ(out.size(), 3u);  // untouched
  EXPECT_EQ(ring.readable_bytes(), 0u);
  EXPECT_EQ(ring.free_bytes(), 64u);
}

TEST(ByteRing, FillsUpThenDrainsInOrder) {
  RingBlock block(256);
  ByteRing ring = block.view();
  uint32_t written = 0;
  while (ring.try_write(frame(written, 40)) == WS::kOk) ++written;
  EXPECT_EQ(written, 6u);  // 6 * 40 = 240; a 7th needs 280
  EXPECT_EQ(ring.free_bytes(), 16u);
  EXPECT_EQ(ring.try_write(frame(99, 17)), WS::kFull);
  EXPECT_EQ(ring.try_write(frame(99, 16)), WS::kOk);  // what is left still fits exactly
  EXPECT_EQ(ring.free_bytes(), 0u);
  std::vector<uint8_t> out;
  for (uint32_t i = 0; i < written; ++i) {
    ASSERT_EQ(ring.try_read(out), RS::kOk);
    EXPECT_EQ(out, frame(i, 40));
  }
  ASSERT_EQ(ring.try_read(out), RS::kOk);
  EXPECT_EQ(out, frame(99, 16));
  EXPECT_EQ(ring.try_read(out), RS::kEmpty);
}

TEST(ByteRing, ExactFitUsesTheWholeCapacity) {
  RingBlock block(64);
  ByteRing ring = block.view();
  std::vector<uint8_t> out;
  for (uint32_t round = 0; round < 3; ++round) {
    ASSERT_EQ(ring.try_write(frame(round, 64)), WS::kOk);
    EXPECT_EQ(ring.try_write(frame(100, 8)), WS::kFull);
    ASSERT_EQ(ring.try_read(out), RS::kOk);
    EXPECT_EQ(out, frame(round, 64));
  }
  // Exact fit that starts mid-ring and wraps.
  ASSERT_EQ(ring.try_write(frame(7, 24)), WS::kOk);
  ASSERT_EQ(ring.try_read(out), RS::kOk);
  ASSERT_EQ(ring.try_write(frame(8, 64)), WS::kOk);
  ASSERT_EQ(ring.try_read(out), RS::kOk);
  EXPECT_EQ(out, frame(8, 64));
}

TEST(ByteRing, MessagesStraddlingTheEndArriveIntact) {
  // Sizes co-prime with the capacity walk the start offset over every position, so frames
  // (and headers) split at every possible point across the end.
  RingBlock block(64);
  ByteRing ring = block.view();
  std::vector<uint8_t> out;
  uint32_t xid = 0;
  for (int i = 0; i < 2000; ++i) {
    const size_t size = 8 + static_cast<size_t>(i * 13) % 57;  // 8..64
    ASSERT_EQ(ring.try_write(frame(xid, size)), WS::kOk) << "message " << i;
    ASSERT_EQ(ring.try_read(out), RS::kOk);
    ASSERT_EQ(out, frame(xid, size)) << "message " << i << " size " << size;
    ++xid;
  }
}

TEST(ByteRing, HeaderSplitAcrossTheEnd) {
  RingBlock block(64);
  ByteRing ring = block.view();
  std::vector<uint8_t> out;
  ASSERT_EQ(ring.try_write(frame(1, 60)), WS::kOk);
  ASSERT_EQ(ring.try_read(out), RS::kOk);
  ASSERT_EQ(ring.try_write(frame(2, 20)), WS::kOk);  // header at 60..63 and 0..3
  ASSERT_EQ(ring.try_read(out), RS::kOk);
  EXPECT_EQ(out, frame(2, 20));
}

TEST(ByteRing, RejectsTooBigAndMalformed) {
  RingBlock block(64);
  ByteRing ring = block.view();
  EXPECT_EQ(ring.try_write(frame(1, 65)), WS::kTooBig);
  EXPECT_EQ(ring.try_write(frame(1, 1000)), WS::kTooBig);
  std::vector<uint8_t> short_msg{4, 0, 0, 7, 0, 0, 0};
  EXPECT_EQ(ring.try_write(short_msg), WS::kMalformed);
  auto lying = frame(1, 16);
  lying[3] = 12;  // header says 12, message has 16 bytes
  EXPECT_EQ(ring.try_write(lying), WS::kMalformed);
  EXPECT_EQ(ring.readable_bytes(), 0u);
}

TEST(ByteRing, CorruptFramesAreReportedNotRead) {
  std::vector<uint8_t> out;
  {
    RingBlock block(64);
    ByteRing ring = block.view();
    std::vector<uint8_t> bad{4, 0, 0, 4, 0, 0, 0, 1};  // length 4 < 8
    ASSERT_TRUE(ring.write_unchecked_for_test(bad));
    EXPECT_EQ(ring.try_read(out), RS::kCorrupt);
    EXPECT_EQ(ring.readable_bytes(), 8u);  // nothing consumed
  }
  {
    RingBlock block(64);
    ByteRing ring = block.view();
    std::vector<uint8_t> bad{4, 0, 0, 200, 0, 0, 0, 1};  // length 200 > capacity
    ASSERT_TRUE(ring.write_unchecked_for_test(bad));
    EXPECT_EQ(ring.try_read(out), RS::kCorrupt);
  }
  {
    RingBlock block(64);
    ByteRing ring = block.view();
    std::vector<uint8_t> bad{4, 0, 0, 32, 0, 0, 0, 1};  // length 32, only 8 published
    ASSERT_TRUE(ring.write_unchecked_for_test(bad));
    EXPECT_EQ(ring.try_read(out), RS::kCorrupt);
  }
  {
    RingBlock block(64);
    ByteRing ring = block.view();
    std::vector<uint8_t> bad{4, 0, 0};  // fewer bytes than a header
    ASSERT_TRUE(ring.write_unchecked_for_test(bad));
    EXPECT_EQ(ring.try_read(out), RS::kCorrupt);
    ring.reset();
    EXPECT_EQ(ring.try_read(out), RS::kEmpty);
    ASSERT_EQ(ring.try_write(frame(5, 8)), WS::kOk);
    ASSERT_EQ(ring.try_read(out), RS::kOk);
    EXPECT_EQ(out, frame(5, 8));
  }
}

TEST(ByteRing, SeparateViewsShareTheRing) {
  RingBlock block(128);
  ByteRing producer = block.view();
  ByteRing consumer = block.view();
  std::vector<uint8_t> out;
  for (uint32_t i = 0; i < 100; ++i) {
    ASSERT_EQ(producer.try_write(frame(i, 50)), WS::kOk);
    ASSERT_EQ(producer.try_write(frame(i + 1000, 50)), WS::kOk);
    EXPECT_EQ(producer.try_write(frame(0, 50)), WS::kFull);
    ASSERT_EQ(consumer.try_read(out), RS::kOk);
    EXPECT_EQ(out, frame(i, 50));
    ASSERT_EQ(consumer.try_read(out), RS::kOk);
    EXPECT_EQ(out, frame(i + 1000, 50));
  }
}

// A consumer in another process may write anything into the tail. A tail ahead of the head, or
// more than a ring behind it, is corruption, never free space: nothing unread is overwritten.
TEST(ByteRing, ProducerTreatsAnImpossibleTailAsCorrupt) {
  for (const uint64_t bad_tail : {uint64_t{1} << 40, uint64_t{0}, uint64_t{257}}) {
    SCOPED_TRACE(bad_tail);
    RingBlock block(128);
    ByteRing producer = block.view();
    ByteRing consumer = block.view();
    std::vector<uint8_t> out;
    // Head at 256, tail at 128: the ring is full of unread bytes.
    for (uint32_t i = 0; i < 2; ++i) ASSERT_EQ(producer.try_write(frame(i, 64)), WS::kOk);
    for (uint32_t i = 0; i < 2; ++i) ASSERT_EQ(consumer.try_read(out), RS::kOk);
    ASSERT_EQ(producer.try_write(frame(10, 64)), WS::kOk);
    ASSERT_EQ(producer.try_write(frame(11, 64)), WS::kOk);
    block.tail().store(bad_tail);
    EXPECT_EQ(producer.try_write(frame(12, 64)), WS::kCorrupt);
    EXPECT_EQ(block.head().load(), 256u);  // nothing published
    block.tail().store(128);                // the consumer's real tail: the data is intact
    ASSERT_EQ(consumer.try_read(out), RS::kOk);
    EXPECT_EQ(out, frame(10, 64));
  }
}

// Each side keeps its own counter: a peer that overwrites it cannot make us re-read old bytes
// or skip new ones.
TEST(ByteRing, EachSideKeepsItsOwnCounter) {
  RingBlock block(256);
  ByteRing producer = block.view();
  ByteRing consumer = block.view();
  std::vector<uint8_t> out;
  ASSERT_EQ(producer.try_write(frame(1, 64)), WS::kOk);
  ASSERT_EQ(consumer.try_read(out), RS::kOk);
  block.tail().store(0);  // the producer "rewinds" the consumer's tail: replay of frame 1?
  ASSERT_EQ(producer.try_write(frame(2, 64)), WS::kOk);
  ASSERT_EQ(consumer.try_read(out), RS::kOk);
  EXPECT_EQ(out, frame(2, 64));
  block.head().store(64);  // the consumer "rewinds" the producer's head: overwrite frame 3?
  block.tail().store(128);
  ASSERT_EQ(producer.try_write(frame(3, 64)), WS::kOk);
  EXPECT_EQ(block.head().load(), 192u);
  ASSERT_EQ(consumer.try_read(out), RS::kOk);
  EXPECT_EQ(out, frame(3, 64));
}

// One producer thread, one consumer thread, 1M messages of random sizes: order and content.
TEST(ByteRing, TwoThreadsMillionMessages) {
  constexpr uint32_t kMessages = 1'000'000;
  constexpr uint64_t kCapacity = 16384;
  RingBlock block(kCapacity);
  const auto size_for = [](std::mt19937& rng) {
    return std::uniform_int_distribution<size_t>(8, 300)(rng);
  };

  std::atomic<bool> stop{false};  // lets the producer give up if the consumer bails out
  std::thread producer([&] {
    ByteRing ring = block.view();
    std::mt19937 rng(12345);
    std::vector<uint8_t> msg;
    for (uint32_t i = 0; i < kMessages; ++i) {
      testing::fill_frame(msg, i, size_for(rng));
      while (ring.try_write(msg) == WS::kFull) {
        if (stop.load(std::memory_order_relaxed)) return;
        std::this_thread::yield();
      }
    }
  });

  ByteRing ring = block.view();
  std::mt19937 rng(12345);
  std::vector<uint8_t> out;
  uint32_t bad = 0;
  for (uint32_t i = 0; i < kMessages; ++i) {
    RS status;
    while ((status = ring.try_read(out)) == RS::kEmpty) std::this_thread::yield();
    if (status != RS::kOk) {
      ADD_FAILURE() << "message " << i << ": corrupt frame in the ring";
      ++bad;
      break;
    }
    const size_t size = size_for(rng);
    if (!testing::is_frame(out, i, size)) {
      ++bad;
      ADD_FAILURE() << "message " << i << ": got " << out.size() << " bytes xid " << xid_of(out);
      if (bad > 5) break;
    }
  }
  stop.store(true);
  producer.join();
  EXPECT_EQ(bad, 0u);
  if (bad == 0) {
    EXPECT_EQ(ring.readable_bytes(), 0u);
  }
}

}  // namespace
}  // namespace sluice::of
