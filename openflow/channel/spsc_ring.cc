#include "openflow/channel/spsc_ring.h"

#include <algorithm>
#include <cstring>
#include <new>

namespace sluice::of {

bool ByteRing::valid_capacity(uint64_t capacity) noexcept {
  return capacity >= kMinCapacity && capacity <= kMaxCapacity && (capacity & (capacity - 1)) == 0;
}

void ByteRing::format(void* block) noexcept {
  auto* bytes = static_cast<uint8_t*>(block);
  new (bytes) std::atomic<uint64_t>(0);
  new (bytes + kLineBytes) std::atomic<uint64_t>(0);
}

ByteRing::ByteRing(void* block, uint64_t capacity) noexcept
    : block_(static_cast<uint8_t*>(block)),
      data_(block_ + kControlBytes),
      capacity_(capacity),
      mask_(capacity - 1) {
  // A view starts from the counters as they are (zero in a fresh or reset block); from then on
  // each side trusts only its own.
  my_head_ = cached_head_ = head().load(std::memory_order_acquire);
  my_tail_ = cached_tail_ = tail().load(std::memory_order_acquire);
}

std::atomic<uint64_t>& ByteRing::head() const noexcept {
  return *std::launder(reinterpret_cast<std::atomic<uint64_t>*>(block_));
}

std::atomic<uint64_t>& ByteRing::tail() const noexcept {
  return *std::launder(reinterpret_cast<std::atomic<uint64_t>*>(block_ + kLineBytes));
}

void ByteRing::copy_in(uint64_t at, const uint8_t* src, size_t n) noexcept {
  const size_t index = at & mask_;
  const size_t first = std::min<size_t>(n, capacity_ - index);
  std::memcpy(data_ + index, src, first);
  std::memcpy(data_, src + first, n - first);
}

void ByteRing::copy_out(uint64_t at, uint8_t* dst, size_t n) const noexcept {
  const size_t index = at & mask_;
  const size_t first = std::min<size_t>(n, capacity_ - index);
  std::memcpy(dst, data_ + index, first);
  std::memcpy(dst + first, data_, n - first);
}

ByteRing::WriteStatus ByteRing::try_write(std::span<const uint8_t> msg) noexcept {
  if (!is_whole_frame(msg)) return WriteStatus::kMalformed;
  if (msg.size() > capacity_) return WriteStatus::kTooBig;
  return write_bytes(msg);
}

bool ByteRing::write_unchecked_for_test(std::span<const uint8_t> bytes) noexcept {
  return bytes.size() <= capacity_ && write_bytes(bytes) == WriteStatus::kOk;
}

ByteRing::WriteStatus ByteRing::write_bytes(std::span<const uint8_t> bytes) noexcept {
  const uint64_t h = my_head_;
  if (bytes.size() > capacity_ - (h - cached_tail_)) {
    const uint64_t t = tail().load(std::memory_order_acquire);
    // The consumer can only have freed what we published: t in [h - capacity, h].
    if (t > h || h - t > capacity_) return WriteStatus::kCorrupt;
    cached_tail_ = t;
    if (bytes.size() > capacity_ - (h - cached_tail_)) return WriteStatus::kFull;
  }
  copy_in(h, bytes.data(), bytes.size());
  my_head_ = h + bytes.size();
  head().store(my_head_, std::memory_order_release);
  return WriteStatus::kOk;
}

ByteRing::ReadStatus ByteRing::try_read(std::vector<uint8_t>& out) {
  const uint64_t t = my_tail_;
  if (cached_head_ == t) {
    cached_head_ = head().load(std::memory_order_acquire);
    if (cached_head_ == t) return ReadStatus::kEmpty;
  }
  // The producer may live in another process: check everything before trusting it (a head
  // behind our tail wraps to a huge 'available').
  const uint64_t available = cached_head_ - t;
  if (available > capacity_ || available < kOfHeaderBytes) return ReadStatus::kCorrupt;
  uint8_t header[kOfHeaderBytes];
  copy_out(t, header, sizeof(header));
  const size_t length = of_frame_length(header);
  if (length < kOfHeaderBytes || length > capacity_ || length > available) {
    return ReadStatus::kCorrupt;
  }
  out.resize(length);
  copy_out(t, out.data(), length);
  my_tail_ = t + length;
  tail().store(my_tail_, std::memory_order_release);
  return ReadStatus::kOk;
}

uint64_t ByteRing::readable_bytes() const noexcept {
  return head().load(std::memory_order_acquire) - tail().load(std::memory_order_acquire);
}

uint64_t ByteRing::free_bytes() const noexcept { return capacity_ - readable_bytes(); }

void ByteRing::reset() noexcept {
  head().store(0, std::memory_order_release);
  tail().store(0, std::memory_order_release);
  my_head_ = 0;
  my_tail_ = 0;
  cached_head_ = 0;
  cached_tail_ = 0;
}

}  // namespace sluice::of
