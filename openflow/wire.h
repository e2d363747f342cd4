// Bounds-checked big-endian reading and writing of OpenFlow wire bytes.
//
// WireReader walks a span: every read checks the remaining length first and returns false (and
// leaves the output untouched) when the bytes are not there, so decoders can never read past
// the message. WireWriter appends to a byte vector; 'reserve_header' / 'finish' let an encoder
// write the OpenFlow header first and fill in the length once the body is known.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "openflow/ofp.h"

namespace sluice::of {

class WireReader {
 public:
  WireReader() noexcept = default;
  explicit WireReader(std::span<const uint8_t> bytes) noexcept : bytes_(bytes) {}

  size_t remaining() const noexcept { return bytes_.size() - pos_; }
  size_t position() const noexcept { return pos_; }
  bool empty() const noexcept { return remaining() == 0; }

  bool u8(uint8_t& v) noexcept {
    if (remaining() < 1) return false;
    v = bytes_[pos_++];
    return true;
  }
  bool u16(uint16_t& v) noexcept {
    uint64_t x;
    if (!uint_be(2, x)) return false;
    v = static_cast<uint16_t>(x);
    return true;
  }
  bool u32(uint32_t& v) noexcept {
    uint64_t x;
    if (!uint_be(4, x)) return false;
    v = static_cast<uint32_t>(x);
    return true;
  }
  bool u64(uint64_t& v) noexcept { return uint_be(8, v); }
  // An unsigned big-endian integer of 'n' (1..8) bytes.
  bool uint_be(size_t n, uint64_t& v) noexcept {
    if (remaining() < n) return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; ++i) x = (x << 8) | bytes_[pos_ + i];
    pos_ += n;
    v = x;
    return true;
  }
  // Copies the next out.size() bytes.
  bool bytes(std::span<uint8_t> out) noexcept {
    if (remaining() < out.size()) return false;
    for (size_t i = 0; i < out.size(); ++i) out[i] = bytes_[pos_ + i];
    pos_ += out.size();
    return true;
  }
  bool skip(size_t n) noexcept {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
  }
  // Splits off the next 'n' bytes as a sub-reader (for a TLV's body).
  bool sub(size_t n, WireReader& out) noexcept {
    if (remaining() < n) return false;
    out = WireReader(bytes_.subspan(pos_, n));
    pos_ += n;
    return true;
  }
  std::span<const uint8_t> rest() const noexcept { return bytes_.subspan(pos_); }

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
};

class WireWriter {
 public:
  explicit WireWriter(std::vector<uint8_t>& out) noexcept : out_(out) {}

  size_t size() const noexcept { return out_.size(); }

  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) { uint_be(2, v); }
  void u32(uint32_t v) { uint_be(4, v); }
  void u64(uint64_t v) { uint_be(8, v); }
  void uint_be(size_t n, uint64_t v) {
    for (size_t i = n; i-- > 0;) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void bytes(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void zeros(size_t n) { out_.insert(out_.end(), n, 0); }
  // Zero bytes up to the next multiple of 8 counted from 'start'.
  void pad_to_8(size_t start) { zeros((8 - (out_.size() - start) % 8) % 8); }
  // Overwrites a big-endian u16 at 'offset' (a length field written before its body).
  void patch_u16(size_t offset, uint16_t v) {
    out_[offset] = static_cast<uint8_t>(v >> 8);
    out_[offset + 1] = static_cast<uint8_t>(v);
  }

  // Writes an OpenFlow header with a zero length and returns its offset for finish().
  size_t begin_message(MsgType type, uint32_t xid) {
    const size_t start = out_.size();
    u8(kVersion);
    u8(static_cast<uint8_t>(type));
    u16(0);
    u32(xid);
    return start;
  }
  // Fills in the length of the message begun at 'start'. A message longer than 65535 bytes
  // cannot be expressed on the wire: that is a caller bug (the multipart encoders split
  // their lists), so it is fatal rather than silently truncated.
  void finish_message(size_t start) {
    const size_t len = out_.size() - start;
    if (len > kMaxMessageSize) std::abort();
    patch_u16(start + 2, static_cast<uint16_t>(len));
  }

 private:
  std::vector<uint8_t>& out_;
};

}  // namespace sluice::of
