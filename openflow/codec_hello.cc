// HELLO with hello elements, for version negotiation (OpenFlow 1.3.5 §6.3.1, §7.5.1):
//
//   ofp_hello            header (any version), then elements up to the header's length
//   ofp_hello_elem       u16 type, u16 length (without padding), body, zero padding to 8
//   OFPHET_VERSIONBITMAP type 1, body: u32 bitmaps; bit v of bitmap k is version 32*k+v
//
// decode_hello() in codec_messages.cc checks a HELLO of our own version; this reads one of any
// version, since negotiating is precisely about the peer that speaks another.
#include <algorithm>

#include "openflow/codec_internal.h"

namespace sluice::of {
namespace {

constexpr uint16_t kVersionBitmapElement = 1;
constexpr size_t kElementHeader = 4;

}  // namespace

void encode_hello_versions(uint32_t xid, uint32_t bitmap, Bytes& out) {
  WireWriter w(out);
  const size_t start = w.begin_message(MsgType::kHello, xid);
  w.u16(kVersionBitmapElement);
  w.u16(kElementHeader + 4);
  w.u32(bitmap);
  w.finish_message(start);
}

Decoded<HelloVersions> decode_hello_versions(std::span<const uint8_t> msg) {
  WireReader r(msg);
  HelloVersions out;
  uint8_t type = 0;
  uint16_t length = 0;
  if (!r.u8(out.header_version) || !r.u8(type) || !r.u16(length) || !r.skip(4)) {
    return detail::bad_len();
  }
  if (length < kHeaderSize || length != msg.size()) return detail::bad_len();
  if (type != static_cast<uint8_t>(MsgType::kHello)) {
    return detail::fail(ErrorType::kBadRequest, bad_request::kBadType);
  }
  while (!r.empty()) {
    uint16_t elem_type = 0;
    uint16_t elem_len = 0;
    if (!r.u16(elem_type) || !r.u16(elem_len) || elem_len < kElementHeader) {
      return detail::bad_len();
    }
    WireReader body;
    if (!r.sub(elem_len - kElementHeader, body)) return detail::bad_len();
    // The padding after the last element may be missing (some peers leave it out).
    const size_t pad = detail::round_up_8(elem_len) - elem_len;
    if (!r.skip(std::min(pad, r.remaining()))) return detail::bad_len();
    if (elem_type != kVersionBitmapElement) continue;
    uint32_t first = 0;
    if (!body.u32(first) || body.remaining() % 4 != 0) return detail::bad_len();
    out.has_bitmap = true;
    out.bitmap = first;  // versions 32 and up do not exist yet; the rest is not kept
  }
  return out;
}

}  // namespace sluice::of
