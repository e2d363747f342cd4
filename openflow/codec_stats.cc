// Multipart statistics (spec 7.3.5): DESC, AGGREGATE, TABLE, GROUP, and the empty
// TABLE_FEATURES request. The multipart header and the other kinds are in codec_multipart.cc.
//
//   DESC            request: empty; reply: char mfr_desc[256], hw_desc[256], sw_desc[256],
//                   serial_num[32], dp_desc[256]                          -- body 1056
//   AGGREGATE       request: the FLOW request's body (see codec_multipart.cc);
//                   reply: u64 packet_count, u64 byte_count, u32 flow_count, pad[4]  -- 24
//   TABLE           request: empty; reply entry (24 bytes): u8 table_id, pad[3],
//                   u32 active_count, u64 lookup_count, u64 matched_count
//   GROUP           request: u32 group_id (a group or OFPG_ALL), pad[4];
//                   reply entry: u16 length (40 + 16 per bucket), pad[2], u32 group_id,
//                   u32 ref_count, pad[4], u64 packet_count, u64 byte_count,
//                   u32 duration_sec, u32 duration_nsec, then per bucket
//                   u64 packet_count, u64 byte_count
//   TABLE_FEATURES  request: empty (a body would ask the switch to reconfigure its tables)
//
// Text fields are NUL-padded; bytes after the first NUL are dropped, and a field with no NUL
// is taken whole. DESC and AGGREGATE replies are single bodies, never split. TABLE and GROUP
// replies are split like the other list replies (kMultipartMore).
//
// Decode errors:
//   OFPET_BAD_REQUEST/BAD_LEN             a body not exactly its size; a GROUP entry whose
//                                         length is < 40, not 40 + 16 * n, or past the end
//   OFPET_BAD_REQUEST/BAD_TABLE_ID        a TABLE entry for table OFPTT_ALL
//   OFPET_GROUP_MOD_FAILED/INVALID_GROUP  a GROUP request or entry for a group above
//                                         OFPG_MAX (the request may also name OFPG_ALL)
//   OFPET_GROUP_MOD_FAILED/OUT_OF_BUCKETS a GROUP entry with more than kMaxBuckets counters
//   OFPET_TABLE_FEATURES_FAILED/EPERM     a TABLE_FEATURES request with a body
#include "openflow/codec_multipart_internal.h"

namespace sluice::of {
namespace {

using detail::bad_len;
using detail::fail;

inline constexpr size_t kDescSize = 1056;
inline constexpr size_t kAggregateSize = 24;
inline constexpr size_t kTableStatsSize = 24;
inline constexpr size_t kGroupStatsFixed = 40;
inline constexpr size_t kBucketCounterSize = 16;

void encode_table_stats(const TableStats& s, WireWriter& w) {
  w.u8(s.table_id);
  w.zeros(3);
  w.u32(s.active_count);
  w.u64(s.lookup_count);
  w.u64(s.matched_count);
}

Decoded<void> decode_table_stats(WireReader& r, TableStats& s) noexcept {
  if (r.remaining() < kTableStatsSize) return bad_len();
  r.u8(s.table_id);
  r.skip(3);
  r.u32(s.active_count);
  r.u64(s.lookup_count);
  r.u64(s.matched_count);
  if (s.table_id == kTableAll) return fail(ErrorType::kBadRequest, bad_request::kBadTableId);
  return {};
}

void encode_group_stats(const GroupStats& s, WireWriter& w) {
  w.u16(static_cast<uint16_t>(kGroupStatsFixed + kBucketCounterSize * s.n_buckets));
  w.zeros(2);
  w.u32(s.group_id);
  w.u32(s.ref_count);
  w.zeros(4);
  w.u64(s.packet_count);
  w.u64(s.byte_count);
  w.u32(s.duration_sec);
  w.u32(s.duration_nsec);
  for (const BucketCounter& b : s.view()) {
    w.u64(b.packet_count);
    w.u64(b.byte_count);
  }
}

Decoded<void> decode_group_stats(WireReader& r, GroupStats& s) noexcept {
  WireReader body;
  if (auto ok = detail::split_entry(r, kGroupStatsFixed, body); !ok) return ok;
  if ((body.remaining() + 2 - kGroupStatsFixed) % kBucketCounterSize != 0) return bad_len();
  const size_t n = (body.remaining() + 2 - kGroupStatsFixed) / kBucketCounterSize;
  if (n > kMaxBuckets) return fail(ErrorType::kGroupModFailed, group_mod_failed::kOutOfBuckets);
  body.skip(2);
  body.u32(s.group_id);
  body.u32(s.ref_count);
  body.skip(4);
  body.u64(s.packet_count);
  body.u64(s.byte_count);
  body.u32(s.duration_sec);
  body.u32(s.duration_nsec);
  if (s.group_id > group_id::kMax) {
    return fail(ErrorType::kGroupModFailed, group_mod_failed::kInvalidGroup);
  }
  s.n_buckets = static_cast<uint16_t>(n);
  for (size_t i = 0; i < n; ++i) {
    body.u64(s.buckets[i].packet_count);
    body.u64(s.buckets[i].byte_count);
  }
  return {};
}

// Opens a reply of kind 'type' whose body is exactly 'size' bytes.
Decoded<WireReader> open_fixed_reply(std::span<const uint8_t> msg, MultipartType type,
                                     size_t size) noexcept {
  auto r = detail::open_multipart(msg, MsgType::kMultipartReply, type);
  if (!r) return r;
  if (r->remaining() != size) return bad_len();
  return r;
}

}  // namespace

void encode_desc_request(uint32_t xid, Bytes& out) {
  detail::encode_empty_request(xid, MultipartType::kDesc, out);
}
void encode_table_stats_request(uint32_t xid, Bytes& out) {
  detail::encode_empty_request(xid, MultipartType::kTable, out);
}
void encode_table_features_request(uint32_t xid, Bytes& out) {
  detail::encode_empty_request(xid, MultipartType::kTableFeatures, out);
}

void encode_aggregate_request(uint32_t xid, const FlowStatsRequest& req, Bytes& out) {
  WireWriter w(out);
  const size_t start =
      detail::begin_multipart(w, MsgType::kMultipartRequest, xid, MultipartType::kAggregate);
  detail::encode_flow_stats_request_body(req, w);
  w.finish_message(start);
}

void encode_group_stats_request(uint32_t xid, uint32_t group, Bytes& out) {
  WireWriter w(out);
  const size_t start =
      detail::begin_multipart(w, MsgType::kMultipartRequest, xid, MultipartType::kGroup);
  w.u32(group);
  w.zeros(4);
  w.finish_message(start);
}

void encode_desc_reply(uint32_t xid, const Desc& desc, Bytes& out) {
  WireWriter w(out);
  const size_t start =
      detail::begin_multipart(w, MsgType::kMultipartReply, xid, MultipartType::kDesc);
  detail::write_fixed_string(w, desc.mfr_desc);
  detail::write_fixed_string(w, desc.hw_desc);
  detail::write_fixed_string(w, desc.sw_desc);
  detail::write_fixed_string(w, desc.serial_num);
  detail::write_fixed_string(w, desc.dp_desc);
  w.finish_message(start);
}

void encode_aggregate_reply(uint32_t xid, const AggregateStats& stats, Bytes& out) {
  WireWriter w(out);
  const size_t start =
      detail::begin_multipart(w, MsgType::kMultipartReply, xid, MultipartType::kAggregate);
  w.u64(stats.packet_count);
  w.u64(stats.byte_count);
  w.u32(stats.flow_count);
  w.zeros(4);
  w.finish_message(start);
}

void encode_table_stats_reply(uint32_t xid, std::span<const TableStats> stats, Bytes& out) {
  detail::encode_reply(xid, MultipartType::kTable, stats, encode_table_stats, out);
}

void encode_group_stats_reply(uint32_t xid, std::span<const GroupStats> stats, Bytes& out) {
  detail::encode_reply(xid, MultipartType::kGroup, stats, encode_group_stats, out);
}

Decoded<void> decode_desc_request(std::span<const uint8_t> msg) {
  return detail::decode_empty_request(msg, MultipartType::kDesc);
}

Decoded<void> decode_table_stats_request(std::span<const uint8_t> msg) {
  return detail::decode_empty_request(msg, MultipartType::kTable);
}

Decoded<void> decode_table_features_request(std::span<const uint8_t> msg) {
  auto r = detail::open_multipart(msg, MsgType::kMultipartRequest, MultipartType::kTableFeatures);
  if (!r) return std::unexpected(r.error());
  if (!r->empty()) return fail(ErrorType::kTableFeaturesFailed, table_features_failed::kEperm);
  return {};
}

Decoded<FlowStatsRequest> decode_aggregate_request(std::span<const uint8_t> msg) {
  auto r = detail::open_multipart(msg, MsgType::kMultipartRequest, MultipartType::kAggregate);
  if (!r) return std::unexpected(r.error());
  return detail::decode_flow_stats_request_body(*r);
}

Decoded<uint32_t> decode_group_stats_request(std::span<const uint8_t> msg) {
  auto r = detail::open_multipart(msg, MsgType::kMultipartRequest, MultipartType::kGroup);
  if (!r) return std::unexpected(r.error());
  if (r->remaining() != 8) return bad_len();
  uint32_t group = 0;
  r->u32(group);
  if (group > group_id::kMax && group != group_id::kAll) {
    return fail(ErrorType::kGroupModFailed, group_mod_failed::kInvalidGroup);
  }
  return group;
}

Decoded<Desc> decode_desc_reply(std::span<const uint8_t> msg) {
  auto r = open_fixed_reply(msg, MultipartType::kDesc, kDescSize);
  if (!r) return std::unexpected(r.error());
  Desc d;
  detail::read_fixed_string(*r, d.mfr_desc);
  detail::read_fixed_string(*r, d.hw_desc);
  detail::read_fixed_string(*r, d.sw_desc);
  detail::read_fixed_string(*r, d.serial_num);
  detail::read_fixed_string(*r, d.dp_desc);
  return d;
}

Decoded<AggregateStats> decode_aggregate_reply(std::span<const uint8_t> msg) {
  auto r = open_fixed_reply(msg, MultipartType::kAggregate, kAggregateSize);
  if (!r) return std::unexpected(r.error());
  AggregateStats a;
  r->u64(a.packet_count);
  r->u64(a.byte_count);
  r->u32(a.flow_count);
  return a;
}

Decoded<void> decode_table_stats_reply(std::span<const uint8_t> msg, std::vector<TableStats>& out) {
  return detail::decode_reply(msg, MultipartType::kTable, out, decode_table_stats);
}

Decoded<void> decode_group_stats_reply(std::span<const uint8_t> msg, std::vector<GroupStats>& out) {
  return detail::decode_reply(msg, MultipartType::kGroup, out, decode_group_stats);
}

}  // namespace sluice::of
