// IndexQueue: a bounded multi-producer multi-consumer queue of 32-bit indices (the free list of
// the connection table's entries), after Dmitry Vyukov's bounded MPMC queue: one compare-and-
// swap per operation, and a caller never waits for another. A push or pop that finds the
// queue full or empty, or finds the next cell still being written by a thread that was
// preempted mid-operation, returns false at once.
// Std C++ only.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace sluice::nfv::ct {

class IndexQueue {
 public:
  // Holds up to 'capacity' indices (rounded up to a power of two).
  explicit IndexQueue(uint32_t capacity) : mask_(round_up(capacity) - 1) {
    cells_ = std::make_unique<Cell[]>(size_t{mask_} + 1);
    for (uint64_t i = 0; i <= mask_; ++i) cells_[i].seq.store(i, std::memory_order_relaxed);
  }

  bool push(uint32_t value) noexcept {
    uint64_t pos = tail_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& c = cells_[pos & mask_];
      const uint64_t seq = c.seq.load(std::memory_order_acquire);
      const int64_t diff = static_cast<int64_t>(seq - pos);
      if (diff == 0) {
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          c.value = value;
          c.seq.store(pos + 1, std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        return false;  // full
      } else {
        pos = tail_.load(std::memory_order_relaxed);
      }
    }
  }

  bool pop(uint32_t& value) noexcept {
    uint64_t pos = head_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& c = cells_[pos & mask_];
      const uint64_t seq = c.seq.load(std::memory_order_acquire);
      const int64_t diff = static_cast<int64_t>(seq - (pos + 1));
      if (diff == 0) {
        if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          value = c.value;
          c.seq.store(pos + mask_ + 1, std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        return false;  // empty (or the next cell not written yet)
      } else {
        pos = head_.load(std::memory_order_relaxed);
      }
    }
  }

  // Approximate while others push and pop.
  uint64_t size() const noexcept {
    const uint64_t t = tail_.load(std::memory_order_relaxed);
    const uint64_t h = head_.load(std::memory_order_relaxed);
    return t > h ? t - h : 0;
  }

 private:
  struct Cell {
    std::atomic<uint64_t> seq{0};
    uint32_t value = 0;
  };
  static uint64_t round_up(uint32_t n) noexcept {
    uint64_t p = 1;
    while (p < n) p <<= 1;
    return p;
  }

  uint64_t mask_;
  std::unique_ptr<Cell[]> cells_;
  alignas(64) std::atomic<uint64_t> head_{0};
  alignas(64) std::atomic<uint64_t> tail_{0};
};

}  // namespace sluice::nfv::ct
