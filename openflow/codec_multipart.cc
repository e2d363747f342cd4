// OFPT_MULTIPART_REQUEST / OFPT_MULTIPART_REPLY (spec 7.3.5): the multipart header and the
// kinds PORT_DESC, PORT_STATS, FLOW and GROUP_DESC (DESC, AGGREGATE, TABLE, GROUP and
// TABLE_FEATURES are in codec_stats.cc).
//
//   multipart header   header(8), u16 type, u16 flags, pad[4]          -- 16 bytes
//   PORT_DESC          request: empty; reply: ofp_port (64 bytes) each
//   PORT_STATS         request: u32 port_no, pad[4]; reply: ofp_port_stats (112 bytes) each:
//                      u32 port_no, pad[4], 12 x u64 counters (rx_packets, tx_packets,
//                      rx_bytes, tx_bytes, rx_dropped, tx_dropped, rx_errors, tx_errors,
//                      rx_frame_err, rx_over_err, rx_crc_err, collisions),
//                      u32 duration_sec, u32 duration_nsec
//   FLOW               request: u8 table_id, pad[3], u32 out_port, u32 out_group, pad[4],
//                      u64 cookie, u64 cookie_mask, ofp_match
//                      reply entry: u16 length, u8 table_id, pad[1], u32 duration_sec,
//                      u32 duration_nsec, u16 priority, u16 idle_timeout, u16 hard_timeout,
//                      u16 flags, pad[4], u64 cookie, u64 packet_count, u64 byte_count,
//                      ofp_match, instructions
//   GROUP_DESC         request: empty; reply entry: u16 length, u8 type, pad[1],
//                      u32 group_id, buckets
//
// Reply encoders start a new message whenever the next entry would push the current one past
// 65535 bytes, and flag every message but the last with OFPMPF_REPLY_MORE. A single entry that
// cannot fit in one message is a caller bug (see WireWriter::finish_message).
// Other multipart types (QUEUE, GROUP_FEATURES, the meter kinds, EXPERIMENTER) are rejected
// with OFPET_BAD_REQUEST/OFPBRC_BAD_MULTIPART. Reply decoders append nothing if the message is
// bad.
#include "openflow/codec_multipart_internal.h"

namespace sluice::of {
namespace {

using detail::bad_len;
using detail::begin_multipart;
using detail::decode_reply;
using detail::encode_empty_request;
using detail::encode_reply;
using detail::open_multipart;
using detail::split_entry;

inline constexpr size_t kPortStatsSize = 112;
inline constexpr size_t kFlowStatsFixed = 48;
inline constexpr size_t kGroupDescFixed = 8;

bool supported(MultipartType t) noexcept {
  switch (t) {
    case MultipartType::kDesc:
    case MultipartType::kFlow:
    case MultipartType::kAggregate:
    case MultipartType::kTable:
    case MultipartType::kPortStats:
    case MultipartType::kGroup:
    case MultipartType::kGroupDesc:
    case MultipartType::kTableFeatures:
    case MultipartType::kPortDesc:
      return true;
    default:
      return false;
  }
}

void encode_port_stats(const PortStats& s, WireWriter& w) {
  w.u32(s.port_no);
  w.zeros(4);
  for (uint64_t v :
       {s.rx_packets, s.tx_packets, s.rx_bytes, s.tx_bytes, s.rx_dropped, s.tx_dropped, s.rx_errors,
        s.tx_errors, s.rx_frame_err, s.rx_over_err, s.rx_crc_err, s.collisions}) {
    w.u64(v);
  }
  w.u32(s.duration_sec);
  w.u32(s.duration_nsec);
}

Decoded<void> decode_port_stats(WireReader& r, PortStats& s) noexcept {
  if (r.remaining() < kPortStatsSize) return bad_len();
  s = PortStats{};
  r.u32(s.port_no);
  r.skip(4);
  for (uint64_t* v : {&s.rx_packets, &s.tx_packets, &s.rx_bytes, &s.tx_bytes, &s.rx_dropped,
                      &s.tx_dropped, &s.rx_errors, &s.tx_errors, &s.rx_frame_err, &s.rx_over_err,
                      &s.rx_crc_err, &s.collisions}) {
    r.u64(*v);
  }
  r.u32(s.duration_sec);
  r.u32(s.duration_nsec);
  return {};
}

void encode_flow_stats(const FlowStats& s, WireWriter& w) {
  const size_t start = w.size();
  w.u16(0);  // patched below
  w.u8(s.table_id);
  w.zeros(1);
  w.u32(s.duration_sec);
  w.u32(s.duration_nsec);
  w.u16(s.priority);
  w.u16(s.idle_timeout);
  w.u16(s.hard_timeout);
  w.u16(s.flags);
  w.zeros(4);
  w.u64(s.cookie);
  w.u64(s.packet_count);
  w.u64(s.byte_count);
  detail::encode_match(s.match, w);
  detail::encode_instructions(s.instructions, w);
  w.patch_u16(start, static_cast<uint16_t>(w.size() - start));
}

Decoded<void> decode_flow_stats(WireReader& r, FlowStats& s) noexcept {
  WireReader body;
  if (auto ok = split_entry(r, kFlowStatsFixed + 8, body); !ok) return ok;
  s = FlowStats{};
  body.u8(s.table_id);
  body.skip(1);
  body.u32(s.duration_sec);
  body.u32(s.duration_nsec);
  body.u16(s.priority);
  body.u16(s.idle_timeout);
  body.u16(s.hard_timeout);
  body.u16(s.flags);
  body.skip(4);
  body.u64(s.cookie);
  body.u64(s.packet_count);
  body.u64(s.byte_count);
  if (auto ok = detail::decode_match(body, s.match); !ok) return ok;
  return detail::decode_instructions(body, s.instructions);
}

void encode_group_desc(const GroupDesc& g, WireWriter& w) {
  const size_t start = w.size();
  w.u16(0);  // patched below
  w.u8(static_cast<uint8_t>(g.type));
  w.zeros(1);
  w.u32(g.group_id);
  detail::encode_buckets(g, w);
  w.patch_u16(start, static_cast<uint16_t>(w.size() - start));
}

Decoded<void> decode_group_desc(WireReader& r, GroupDesc& g) noexcept {
  WireReader body;
  if (auto ok = split_entry(r, kGroupDescFixed, body); !ok) return ok;
  uint8_t type = 0;
  body.u8(type);
  body.skip(1);
  body.u32(g.group_id);
  if (auto ok = detail::read_group_type(type, g); !ok) return ok;
  return detail::decode_buckets(body, g);
}

}  // namespace

namespace detail {

void encode_flow_stats_request_body(const FlowStatsRequest& req, WireWriter& w) {
  w.u8(req.table_id);
  w.zeros(3);
  w.u32(req.out_port);
  w.u32(req.out_group);
  w.zeros(4);
  w.u64(req.cookie);
  w.u64(req.cookie_mask);
  encode_match(req.match, w);
}

Decoded<FlowStatsRequest> decode_flow_stats_request_body(WireReader& r) noexcept {
  FlowStatsRequest req;
  if (r.remaining() < 32) return bad_len();
  r.u8(req.table_id);
  r.skip(3);
  r.u32(req.out_port);
  r.u32(req.out_group);
  r.skip(4);
  r.u64(req.cookie);
  r.u64(req.cookie_mask);
  if (auto ok = decode_match(r, req.match); !ok) return std::unexpected(ok.error());
  if (!r.empty()) return bad_len();
  return req;
}

}  // namespace detail

Decoded<MultipartHeader> decode_multipart_header(std::span<const uint8_t> msg) {
  auto header = decode_header(msg);
  if (!header) return std::unexpected(header.error());
  if (header->type != MsgType::kMultipartRequest && header->type != MsgType::kMultipartReply) {
    return detail::fail(ErrorType::kBadRequest, bad_request::kBadType);
  }
  WireReader r(msg);
  r.skip(kHeaderSize);
  uint16_t type = 0;
  MultipartHeader mp;
  if (!r.u16(type) || !r.u16(mp.flags) || !r.skip(4)) return bad_len();
  mp.type = static_cast<MultipartType>(type);
  if (!supported(mp.type)) return detail::fail(ErrorType::kBadRequest, bad_request::kBadMultipart);
  return mp;
}

void encode_port_desc_request(uint32_t xid, Bytes& out) {
  encode_empty_request(xid, MultipartType::kPortDesc, out);
}
void encode_group_desc_request(uint32_t xid, Bytes& out) {
  encode_empty_request(xid, MultipartType::kGroupDesc, out);
}

void encode_port_stats_request(uint32_t xid, uint32_t port_no, Bytes& out) {
  WireWriter w(out);
  const size_t start =
      begin_multipart(w, MsgType::kMultipartRequest, xid, MultipartType::kPortStats);
  w.u32(port_no);
  w.zeros(4);
  w.finish_message(start);
}

void encode_flow_stats_request(uint32_t xid, const FlowStatsRequest& req, Bytes& out) {
  WireWriter w(out);
  const size_t start = begin_multipart(w, MsgType::kMultipartRequest, xid, MultipartType::kFlow);
  detail::encode_flow_stats_request_body(req, w);
  w.finish_message(start);
}

Decoded<void> decode_port_desc_request(std::span<const uint8_t> msg) {
  return detail::decode_empty_request(msg, MultipartType::kPortDesc);
}

Decoded<void> decode_group_desc_request(std::span<const uint8_t> msg) {
  return detail::decode_empty_request(msg, MultipartType::kGroupDesc);
}

Decoded<uint32_t> decode_port_stats_request(std::span<const uint8_t> msg) {
  auto r = open_multipart(msg, MsgType::kMultipartRequest, MultipartType::kPortStats);
  if (!r) return std::unexpected(r.error());
  uint32_t port = 0;
  if (r->remaining() != 8) return bad_len();
  r->u32(port);
  return port;
}

Decoded<FlowStatsRequest> decode_flow_stats_request(std::span<const uint8_t> msg) {
  auto r = open_multipart(msg, MsgType::kMultipartRequest, MultipartType::kFlow);
  if (!r) return std::unexpected(r.error());
  return detail::decode_flow_stats_request_body(*r);
}

void encode_port_desc_reply(uint32_t xid, std::span<const Port> ports, Bytes& out) {
  encode_reply(xid, MultipartType::kPortDesc, ports, detail::encode_port, out);
}
void encode_port_stats_reply(uint32_t xid, std::span<const PortStats> stats, Bytes& out) {
  encode_reply(xid, MultipartType::kPortStats, stats, encode_port_stats, out);
}
void encode_flow_stats_reply(uint32_t xid, std::span<const FlowStats> stats, Bytes& out) {
  encode_reply(xid, MultipartType::kFlow, stats, encode_flow_stats, out);
}
void encode_group_desc_reply(uint32_t xid, std::span<const GroupDesc> groups, Bytes& out) {
  encode_reply(xid, MultipartType::kGroupDesc, groups, encode_group_desc, out);
}

Decoded<void> decode_port_desc_reply(std::span<const uint8_t> msg, std::vector<Port>& out) {
  return decode_reply(msg, MultipartType::kPortDesc, out, [](WireReader& r, Port& p) {
    auto port = detail::decode_port(r);
    if (!port) return Decoded<void>(std::unexpected(port.error()));
    p = *port;
    return Decoded<void>();
  });
}
Decoded<void> decode_port_stats_reply(std::span<const uint8_t> msg, std::vector<PortStats>& out) {
  return decode_reply(msg, MultipartType::kPortStats, out, decode_port_stats);
}
Decoded<void> decode_flow_stats_reply(std::span<const uint8_t> msg, std::vector<FlowStats>& out) {
  return decode_reply(msg, MultipartType::kFlow, out, decode_flow_stats);
}
Decoded<void> decode_group_desc_reply(std::span<const uint8_t> msg, std::vector<GroupDesc>& out) {
  return decode_reply(msg, MultipartType::kGroupDesc, out, decode_group_desc);
}

}  // namespace sluice::of
