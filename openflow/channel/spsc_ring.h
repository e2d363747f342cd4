// ByteRing: a single-producer/single-consumer ring of whole OpenFlow frames over a caller-owned
// memory block (shared memory in the channel, a plain buffer in tests).
//
// Block layout: head counter (own 64-byte line), tail counter (own 64-byte line), then
// 'capacity' payload bytes. Counters run freely (never wrap in practice); a byte's index is
// counter % capacity, capacity a power of two. A frame may straddle the end of the payload and
// is then copied in two parts. The producer publishes a whole frame with one release store of
// head; the consumer frees it with one release store of tail. Each view caches the other
// side's counter and refreshes it (acquire) only when the cached value is not enough.
//
// Framing: the frame's first 8 bytes are the OpenFlow header (version, type, big-endian total
// length >= 8, xid); the length covers the whole frame. The ring never writes partial frames.
//
// Threading: one producer thread (or process) and one consumer; each uses its own ByteRing
// view or the same view from one thread. reset() requires both sides to be quiescent.
//
// Trust: the other side may be another process that writes garbage into the shared counters.
// Each view therefore keeps its own counter privately (the producer its head, the consumer its
// tail) and only publishes it; it never reads it back from shared memory. The other side's
// counter is checked before use: a consumer tail ahead of our head, or more than 'capacity'
// behind it, is kCorrupt for the producer (never free space); a producer head behind our tail
// or more than 'capacity' ahead is kCorrupt for the consumer. Every index is masked, so no
// value in shared memory can make a view touch bytes outside its block.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace sluice::of {

static_assert(std::atomic<uint64_t>::is_always_lock_free,
              "ring counters live in shared memory and must be address-free");

inline constexpr size_t kOfHeaderBytes = 8;
inline constexpr size_t kOfMaxFrameBytes = 65535;

// The frame length announced by an OpenFlow header (bytes 2-3, big-endian).
inline uint16_t of_frame_length(const uint8_t* header) noexcept {
  return static_cast<uint16_t>((uint16_t{header[2]} << 8) | header[3]);
}

// True if 'msg' is one whole frame: at least a header, and the header's length equals its size.
inline bool is_whole_frame(std::span<const uint8_t> msg) noexcept {
  return msg.size() >= kOfHeaderBytes && of_frame_length(msg.data()) == msg.size();
}

class ByteRing {
 public:
  static constexpr size_t kLineBytes = 64;
  static constexpr size_t kControlBytes = 2 * kLineBytes;  // head line + tail line
  static constexpr uint64_t kMinCapacity = 64;
  static constexpr uint64_t kMaxCapacity = uint64_t{1} << 30;

  enum class WriteStatus { kOk, kFull, kTooBig, kMalformed, kCorrupt };
  enum class ReadStatus { kOk, kEmpty, kCorrupt };

  static bool valid_capacity(uint64_t capacity) noexcept;
  // Bytes a block for 'capacity' needs (control lines + payload). Blocks are 64-byte aligned.
  static size_t footprint(uint64_t capacity) noexcept { return kControlBytes + capacity; }
  // Constructs the counters (zero) in a fresh block. Call once, before any view uses it.
  static void format(void* block) noexcept;

  ByteRing() = default;  // an empty view; only assignment and destruction are valid
  ByteRing(void* block, uint64_t capacity) noexcept;

  uint64_t capacity() const noexcept { return capacity_; }

  // Producer. kFull: not enough free space now (try again later). kTooBig: larger than the ring
  // could ever hold. kMalformed: not a whole frame (see is_whole_frame). kCorrupt: the
  // consumer's tail is impossible (see "Trust"); nothing is written.
  WriteStatus try_write(std::span<const uint8_t> msg) noexcept;
  // Consumer. Moves the oldest frame into 'out' (replacing its contents). kCorrupt: the bytes
  // in the ring are not a valid frame (length < 8, > capacity, or beyond what was published);
  // nothing is consumed and the ring should not be read again until reset().
  ReadStatus try_read(std::vector<uint8_t>& out);

  uint64_t readable_bytes() const noexcept;  // bytes published and not yet consumed
  uint64_t free_bytes() const noexcept;

  // Both counters back to zero. Only when neither side is using the ring.
  void reset() noexcept;

  // Test hook: copies raw bytes in and publishes them without any framing check, so tests can
  // plant corrupt frames. Returns false if they do not fit (or the tail is corrupt).
  bool write_unchecked_for_test(std::span<const uint8_t> bytes) noexcept;

 private:
  std::atomic<uint64_t>& head() const noexcept;
  std::atomic<uint64_t>& tail() const noexcept;
  void copy_in(uint64_t at, const uint8_t* src, size_t n) noexcept;
  void copy_out(uint64_t at, uint8_t* dst, size_t n) const noexcept;
  WriteStatus write_bytes(std::span<const uint8_t> bytes) noexcept;

  uint8_t* block_ = nullptr;
  uint8_t* data_ = nullptr;
  uint64_t capacity_ = 0;
  uint64_t mask_ = 0;
  uint64_t my_head_ = 0;      // producer: our head, as last published (never read back)
  uint64_t my_tail_ = 0;      // consumer: our tail, as last published (never read back)
  uint64_t cached_head_ = 0;  // consumer's last view of head (a lower bound)
  uint64_t cached_tail_ = 0;  // producer's last view of tail (a lower bound)
};

}  // namespace sluice::of
