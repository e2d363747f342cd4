// Helpers shared by the multipart .cc files (codec_multipart.cc, codec_stats.cc): the 16-byte
// multipart header, replies split over several messages, and length-prefixed entries. Not part
// of the public API: include codec.h.
#pragma once

#include <span>
#include <vector>

#include "openflow/codec_internal.h"

namespace sluice::of::detail {

inline constexpr size_t kMultipartHeaderSize = 16;

// Writes the header of a 'msg' multipart message of kind 'type' with flags 0; returns its
// offset for finish_message.
inline size_t begin_multipart(WireWriter& w, MsgType msg, uint32_t xid, MultipartType type) {
  const size_t start = w.begin_message(msg, xid);
  w.u16(static_cast<uint16_t>(type));
  w.u16(0);  // flags, set by encode_reply when more follow
  w.zeros(4);
  return start;
}

// Checks the headers of a 'msg' multipart message of kind 'type'; returns a reader over its
// body.
inline Decoded<WireReader> open_multipart(std::span<const uint8_t> bytes, MsgType msg,
                                          MultipartType type) noexcept {
  auto mp = decode_multipart_header(bytes);
  if (!mp) return std::unexpected(mp.error());
  auto r = open_message(bytes, msg);
  if (!r) return std::unexpected(r.error());
  if (mp->type != type) return fail(ErrorType::kBadRequest, bad_request::kBadMultipart);
  r->skip(kMultipartHeaderSize - kHeaderSize);
  return r;
}

// Encodes 'items' into as many replies as needed: a new message starts whenever the next
// entry would push the current one past 65535 bytes, and every message but the last is
// flagged OFPMPF_REPLY_MORE.
template <class T, class EncodeEntry>
void encode_reply(uint32_t xid, MultipartType type, std::span<const T> items,
                  EncodeEntry encode_entry, Bytes& out) {
  WireWriter w(out);
  size_t start = begin_multipart(w, MsgType::kMultipartReply, xid, type);
  Bytes entry;
  for (const T& item : items) {
    entry.clear();
    WireWriter ew(entry);
    encode_entry(item, ew);
    const size_t current = w.size() - start;
    if (current > kMultipartHeaderSize && current + entry.size() > kMaxMessageSize) {
      w.patch_u16(start + 10, kMultipartMore);
      w.finish_message(start);
      start = begin_multipart(w, MsgType::kMultipartReply, xid, type);
    }
    w.bytes(entry);
  }
  w.finish_message(start);
}

inline void encode_empty_request(uint32_t xid, MultipartType type, Bytes& out) {
  WireWriter w(out);
  w.finish_message(begin_multipart(w, MsgType::kMultipartRequest, xid, type));
}

// A request of kind 'type' whose body must be empty.
inline Decoded<void> decode_empty_request(std::span<const uint8_t> msg,
                                          MultipartType type) noexcept {
  auto r = open_multipart(msg, MsgType::kMultipartRequest, type);
  if (!r) return std::unexpected(r.error());
  if (!r->empty()) return bad_len();
  return {};
}

// Decodes every entry of a reply into 'out', or appends nothing on error.
template <class T, class DecodeEntry>
Decoded<void> decode_reply(std::span<const uint8_t> msg, MultipartType type, std::vector<T>& out,
                           DecodeEntry decode_entry) {
  auto r = open_multipart(msg, MsgType::kMultipartReply, type);
  if (!r) return std::unexpected(r.error());
  const size_t before = out.size();
  while (!r->empty()) {
    out.emplace_back();
    if (auto ok = decode_entry(*r, out.back()); !ok) {
      out.resize(before);
      return ok;
    }
  }
  return {};
}

// Reads a u16 length-prefixed entry of at least 'fixed' bytes; 'body' gets the bytes after
// the length field.
inline Decoded<void> split_entry(WireReader& r, size_t fixed, WireReader& body) noexcept {
  uint16_t len = 0;
  if (!r.u16(len) || len < fixed || len % 8 != 0 || !r.sub(len - 2u, body)) return bad_len();
  return {};
}

// The body of a FLOW (and AGGREGATE) request: u8 table_id, pad[3], u32 out_port,
// u32 out_group, pad[4], u64 cookie, u64 cookie_mask, ofp_match. The decoder wants it to fill
// the rest of 'r' (OFPBRC_BAD_LEN otherwise).
void encode_flow_stats_request_body(const FlowStatsRequest& req, WireWriter& w);
Decoded<FlowStatsRequest> decode_flow_stats_request_body(WireReader& r) noexcept;

}  // namespace sluice::of::detail
