// OFPT_FLOW_REMOVED, OFPT_PACKET_IN and OFPT_PACKET_OUT (spec 7.4.2, 7.4.1, 7.3.7).
//
//   FLOW_REMOVED  header(8), u64 cookie, u16 priority, u8 reason, u8 table_id,
//                 u32 duration_sec, u32 duration_nsec, u16 idle_timeout, u16 hard_timeout,
//                 u64 packet_count, u64 byte_count                          -- 48 bytes
//                 ofp_match (padded to 8), and nothing after it
//   PACKET_IN     header(8), u32 buffer_id, u16 total_len, u8 reason, u8 table_id,
//                 u64 cookie                                                 -- 24 bytes
//                 ofp_match (padded to 8), pad[2], frame data to the end
//   PACKET_OUT    header(8), u32 buffer_id, u32 in_port, u16 actions_len, pad[6]  -- 24 bytes
//                 actions (actions_len bytes), frame data to the end
//
// The frame is never copied: encoders take it as a span, decoders return a view into the
// message (see messages.h).
//
// Decode errors besides the match's and the actions' own:
//   OFPET_BAD_REQUEST/BAD_LEN         fixed part cut short; bytes after a FLOW_REMOVED's
//                                     match; PACKET_IN's pad missing or more data than
//                                     total_len; PACKET_OUT's actions_len not a multiple of 8
//                                     or past the end
//   OFPET_BAD_REQUEST/BAD_TYPE        FLOW_REMOVED reason > GROUP_DELETE, PACKET_IN reason >
//                                     INVALID_TTL (1.3 has no closer code; as PORT_STATUS)
//   OFPET_BAD_REQUEST/BAD_TABLE_ID    table_id OFPTT_ALL in FLOW_REMOVED or PACKET_IN
//   OFPET_BAD_MATCH/BAD_PREREQ        a PACKET_IN match without in_port, which the spec
//                                     requires there
//   OFPET_BAD_REQUEST/BUFFER_UNKNOWN  PACKET_OUT buffer_id other than OFP_NO_BUFFER (Sluice
//                                     buffers no packets)
//   OFPET_BAD_REQUEST/BAD_PORT        PACKET_OUT in_port not a port number (1..OFPP_MAX-1),
//                                     OFPP_LOCAL, OFPP_CONTROLLER or OFPP_ANY
//   OFPET_BAD_REQUEST/BAD_PACKET      PACKET_OUT data shorter than an Ethernet header (14) or
//                                     longer than kMaxFrameLen
#include "openflow/codec_internal.h"

namespace sluice::of {
namespace {

using detail::bad_len;
using detail::fail;

inline constexpr size_t kFlowRemovedFixed = 40;  // after the header, before the match
inline constexpr size_t kPacketInFixed = 16;
inline constexpr size_t kPacketOutFixed = 16;

bool valid_packet_out_in_port(uint32_t port) noexcept {
  return (port != 0 && port < port_no::kMax) || port == port_no::kLocal ||
         port == port_no::kController || port == port_no::kAny;
}

}  // namespace

void encode_flow_removed(uint32_t xid, const FlowRemoved& msg, Bytes& out) {
  WireWriter w(out);
  const size_t start = w.begin_message(MsgType::kFlowRemoved, xid);
  w.u64(msg.cookie);
  w.u16(msg.priority);
  w.u8(static_cast<uint8_t>(msg.reason));
  w.u8(msg.table_id);
  w.u32(msg.duration_sec);
  w.u32(msg.duration_nsec);
  w.u16(msg.idle_timeout);
  w.u16(msg.hard_timeout);
  w.u64(msg.packet_count);
  w.u64(msg.byte_count);
  detail::encode_match(msg.match, w);
  w.finish_message(start);
}

Decoded<FlowRemoved> decode_flow_removed(std::span<const uint8_t> msg) {
  auto r = detail::open_message(msg, MsgType::kFlowRemoved);
  if (!r) return std::unexpected(r.error());
  if (r->remaining() < kFlowRemovedFixed) return bad_len();
  FlowRemoved fr;
  uint8_t reason = 0;
  r->u64(fr.cookie);
  r->u16(fr.priority);
  r->u8(reason);
  r->u8(fr.table_id);
  r->u32(fr.duration_sec);
  r->u32(fr.duration_nsec);
  r->u16(fr.idle_timeout);
  r->u16(fr.hard_timeout);
  r->u64(fr.packet_count);
  r->u64(fr.byte_count);
  if (reason > static_cast<uint8_t>(FlowRemovedReason::kGroupDelete)) {
    return fail(ErrorType::kBadRequest, bad_request::kBadType);
  }
  fr.reason = static_cast<FlowRemovedReason>(reason);
  if (fr.table_id == kTableAll) return fail(ErrorType::kBadRequest, bad_request::kBadTableId);
  if (auto ok = detail::decode_match(*r, fr.match); !ok) return std::unexpected(ok.error());
  if (!r->empty()) return bad_len();
  return fr;
}

void encode_packet_in(uint32_t xid, const PacketIn& msg, std::span<const uint8_t> data,
                      Bytes& out) {
  WireWriter w(out);
  const size_t start = w.begin_message(MsgType::kPacketIn, xid);
  w.u32(msg.buffer_id);
  w.u16(msg.total_len);
  w.u8(static_cast<uint8_t>(msg.reason));
  w.u8(msg.table_id);
  w.u64(msg.cookie);
  detail::encode_match(msg.match, w);
  w.zeros(2);
  w.bytes(data);
  w.finish_message(start);
}

Decoded<std::span<const uint8_t>> decode_packet_in(std::span<const uint8_t> msg, PacketIn& out) {
  auto r = detail::open_message(msg, MsgType::kPacketIn);
  if (!r) return std::unexpected(r.error());
  out = PacketIn{};
  if (r->remaining() < kPacketInFixed) return bad_len();
  uint8_t reason = 0;
  r->u32(out.buffer_id);
  r->u16(out.total_len);
  r->u8(reason);
  r->u8(out.table_id);
  r->u64(out.cookie);
  if (reason > static_cast<uint8_t>(PacketInReason::kInvalidTtl)) {
    return fail(ErrorType::kBadRequest, bad_request::kBadType);
  }
  out.reason = static_cast<PacketInReason>(reason);
  if (out.table_id == kTableAll) return fail(ErrorType::kBadRequest, bad_request::kBadTableId);
  if (auto ok = detail::decode_match(*r, out.match); !ok) return std::unexpected(ok.error());
  if (!out.match.has(Field::kInPort)) return fail(ErrorType::kBadMatch, bad_match::kBadPrereq);
  if (!r->skip(2)) return bad_len();
  const std::span<const uint8_t> data = r->rest();
  if (data.size() > out.total_len) return bad_len();
  return data;
}

void encode_packet_out(uint32_t xid, const PacketOut& msg, std::span<const uint8_t> data,
                       Bytes& out) {
  WireWriter w(out);
  const size_t start = w.begin_message(MsgType::kPacketOut, xid);
  w.u32(msg.buffer_id);
  w.u32(msg.in_port);
  const size_t actions_len_at = w.size();
  w.u16(0);  // patched below
  w.zeros(6);
  const size_t actions_start = w.size();
  detail::encode_actions(msg.actions, w);
  w.patch_u16(actions_len_at, static_cast<uint16_t>(w.size() - actions_start));
  w.bytes(data);
  w.finish_message(start);
}

Decoded<std::span<const uint8_t>> decode_packet_out(std::span<const uint8_t> msg, PacketOut& out) {
  auto r = detail::open_message(msg, MsgType::kPacketOut);
  if (!r) return std::unexpected(r.error());
  out = PacketOut{};
  if (r->remaining() < kPacketOutFixed) return bad_len();
  uint32_t buffer_id = 0;
  uint16_t actions_len = 0;
  r->u32(buffer_id);
  r->u32(out.in_port);
  r->u16(actions_len);
  r->skip(6);
  WireReader actions;
  if (actions_len % 8 != 0 || !r->sub(actions_len, actions)) return bad_len();
  if (buffer_id != kNoBuffer) return fail(ErrorType::kBadRequest, bad_request::kBufferUnknown);
  if (!valid_packet_out_in_port(out.in_port)) {
    return fail(ErrorType::kBadRequest, bad_request::kBadPort);
  }
  if (auto ok = detail::decode_actions(actions, out.actions); !ok) {
    return std::unexpected(ok.error());
  }
  const std::span<const uint8_t> data = r->rest();
  if (data.size() < kMinFrameLen || data.size() > kMaxFrameLen) {
    return fail(ErrorType::kBadRequest, bad_request::kBadPacket);
  }
  return data;
}

}  // namespace sluice::of
