// OFPT_GROUP_MOD and the bucket list shared with GROUP_DESC replies (spec 7.3.4.2).
//
//   ofp_group_mod  header(8), u16 command, u8 type, pad[1], u32 group_id   -- 16 bytes
//                  then buckets to the end of the message
//   ofp_bucket     u16 len (16 + actions), u16 weight, u32 watch_port, u32 watch_group,
//                  pad[4], actions
//
// Decode errors besides the actions' own (OFPET_GROUP_MOD_FAILED):
//   BAD_COMMAND     command > DELETE
//   BAD_TYPE        type > FF (fast failover)
//   INVALID_GROUP   group_id above OFPG_MAX (OFPG_ALL is allowed for DELETE)
//   BAD_BUCKET      bucket header cut short, len < 16, not a multiple of 8, or past the end
//   OUT_OF_BUCKETS  more than kMaxBuckets buckets, or more than 65511 bytes of buckets (a
//                   group that large could not be reported in a GROUP_DESC reply)
// and OFPET_BAD_REQUEST/BAD_LEN if the fixed part is cut short.
#include "openflow/codec_internal.h"

namespace sluice::of {
namespace {

using detail::fail;

inline constexpr size_t kBucketFixed = 16;
// The most bucket bytes a group may have so that it still fits, as one entry, in a
// GROUP_DESC reply (16-byte multipart header + 8-byte entry header): a GROUP_MOD can carry
// 8 bytes more, and the switch could not report such a group.
inline constexpr size_t kMaxBucketBytes = kMaxMessageSize - 16 - 8;

std::unexpected<OfError> bad_group(uint16_t code) noexcept {
  return fail(ErrorType::kGroupModFailed, code);
}

}  // namespace

namespace detail {

void encode_buckets(const GroupDesc& g, WireWriter& w) {
  for (const Bucket& b : g.view()) {
    const size_t start = w.size();
    w.u16(0);  // patched below
    w.u16(b.weight);
    w.u32(b.watch_port);
    w.u32(b.watch_group);
    w.zeros(4);
    encode_actions(b.actions, w);
    w.patch_u16(start, static_cast<uint16_t>(w.size() - start));
  }
}

Decoded<void> decode_buckets(WireReader r, GroupDesc& out) noexcept {
  out.n_buckets = 0;
  while (!r.empty()) {
    uint16_t len = 0;
    WireReader bucket;
    if (!r.u16(len) || len < kBucketFixed || len % 8 != 0 || !r.sub(len - 2u, bucket)) {
      return bad_group(group_mod_failed::kBadBucket);
    }
    if (out.n_buckets == kMaxBuckets) return bad_group(group_mod_failed::kOutOfBuckets);
    Bucket& b = out.buckets[out.n_buckets];
    b = Bucket{};
    bucket.u16(b.weight);
    bucket.u32(b.watch_port);
    bucket.u32(b.watch_group);
    bucket.skip(4);
    if (auto ok = decode_actions(bucket, b.actions); !ok) return ok;
    ++out.n_buckets;
  }
  return {};
}

// Checks a group type byte read from the wire and stores it.
Decoded<void> read_group_type(uint8_t type, GroupDesc& out) noexcept {
  if (type > static_cast<uint8_t>(GroupType::kFastFailover)) {
    return bad_group(group_mod_failed::kBadType);
  }
  out.type = static_cast<GroupType>(type);
  return {};
}

}  // namespace detail

void encode_group_mod(uint32_t xid, const GroupMod& msg, Bytes& out) {
  WireWriter w(out);
  const size_t start = w.begin_message(MsgType::kGroupMod, xid);
  w.u16(static_cast<uint16_t>(msg.command));
  w.u8(static_cast<uint8_t>(msg.group.type));
  w.zeros(1);
  w.u32(msg.group.group_id);
  detail::encode_buckets(msg.group, w);
  w.finish_message(start);
}

Decoded<void> decode_group_mod(std::span<const uint8_t> msg, GroupMod& out) {
  auto r = detail::open_message(msg, MsgType::kGroupMod);
  if (!r) return std::unexpected(r.error());
  out.command = GroupModCommand::kAdd;
  out.group.type = GroupType::kAll;
  out.group.group_id = 0;
  out.group.n_buckets = 0;
  uint16_t command = 0;
  uint8_t type = 0;
  if (!r->u16(command) || !r->u8(type) || !r->skip(1) || !r->u32(out.group.group_id)) {
    return detail::bad_len();
  }
  if (command > static_cast<uint16_t>(GroupModCommand::kDelete)) {
    return bad_group(group_mod_failed::kBadCommand);
  }
  out.command = static_cast<GroupModCommand>(command);
  if (auto ok = detail::read_group_type(type, out.group); !ok) return ok;
  const bool delete_all =
      out.command == GroupModCommand::kDelete && out.group.group_id == group_id::kAll;
  if (out.group.group_id > group_id::kMax && !delete_all) {
    return bad_group(group_mod_failed::kInvalidGroup);
  }
  if (r->remaining() > kMaxBucketBytes) return bad_group(group_mod_failed::kOutOfBuckets);
  return detail::decode_buckets(*r, out.group);
}

}  // namespace sluice::of
