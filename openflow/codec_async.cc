// OFPT_GET_ASYNC_REQUEST, OFPT_GET_ASYNC_REPLY and OFPT_SET_ASYNC (OpenFlow 1.3.5 §7.3.10):
//
//   ofp_async_config (32 bytes)  header, u32 packet_in_mask[2], u32 port_status_mask[2],
//                                u32 flow_removed_mask[2]
//   GET_ASYNC_REQUEST            header only
//
// Index 0 of each pair applies while the connection is MASTER or EQUAL, index 1 while SLAVE.
// Every bit pattern is accepted (bits for reasons that do not exist select nothing).
#include "openflow/codec_internal.h"

namespace sluice::of {
namespace {

constexpr size_t kAsyncBody = 24;

void encode_async(MsgType type, uint32_t xid, const AsyncConfig& msg, Bytes& out) {
  WireWriter w(out);
  const size_t start = w.begin_message(type, xid);
  for (uint32_t v : msg.packet_in_mask) w.u32(v);
  for (uint32_t v : msg.port_status_mask) w.u32(v);
  for (uint32_t v : msg.flow_removed_mask) w.u32(v);
  w.finish_message(start);
}

Decoded<AsyncConfig> decode_async(std::span<const uint8_t> msg, MsgType type) {
  auto r = detail::open_message(msg, type);
  if (!r) return std::unexpected(r.error());
  if (r->remaining() != kAsyncBody) return detail::bad_len();
  AsyncConfig out;
  for (uint32_t& v : out.packet_in_mask) r->u32(v);
  for (uint32_t& v : out.port_status_mask) r->u32(v);
  for (uint32_t& v : out.flow_removed_mask) r->u32(v);
  return out;
}

}  // namespace

void encode_get_async_request(uint32_t xid, Bytes& out) {
  WireWriter w(out);
  w.finish_message(w.begin_message(MsgType::kGetAsyncRequest, xid));
}

void encode_get_async_reply(uint32_t xid, const AsyncConfig& msg, Bytes& out) {
  encode_async(MsgType::kGetAsyncReply, xid, msg, out);
}

void encode_set_async(uint32_t xid, const AsyncConfig& msg, Bytes& out) {
  encode_async(MsgType::kSetAsync, xid, msg, out);
}

Decoded<AsyncConfig> decode_get_async_reply(std::span<const uint8_t> msg) {
  return decode_async(msg, MsgType::kGetAsyncReply);
}

Decoded<AsyncConfig> decode_set_async(std::span<const uint8_t> msg) {
  return decode_async(msg, MsgType::kSetAsync);
}

}  // namespace sluice::of
