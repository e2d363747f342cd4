// OFPT_ROLE_REQUEST and OFPT_ROLE_REPLY (OpenFlow 1.3.5 §7.3.9), which share one body:
//
//   ofp_role_request (24 bytes)  header, u32 role, pad[4], u64 generation_id
//
// role is OFPCR_ROLE_NOCHANGE (0), EQUAL (1), MASTER (2) or SLAVE (3); anything else is
// OFPET_ROLE_REQUEST_FAILED/OFPRRFC_BAD_ROLE. What the roles mean is the receiver's business
// (controlplane/of_roles.h); this file only moves bytes.
#include "openflow/codec_internal.h"

namespace sluice::of {
namespace {

constexpr size_t kRoleBody = 16;

void encode_role(MsgType type, uint32_t xid, const RoleRequest& msg, Bytes& out) {
  WireWriter w(out);
  const size_t start = w.begin_message(type, xid);
  w.u32(static_cast<uint32_t>(msg.role));
  w.zeros(4);
  w.u64(msg.generation_id);
  w.finish_message(start);
}

Decoded<RoleRequest> decode_role(std::span<const uint8_t> msg, MsgType type) {
  auto r = detail::open_message(msg, type);
  if (!r) return std::unexpected(r.error());
  if (r->remaining() != kRoleBody) return detail::bad_len();
  uint32_t role = 0;
  RoleRequest out;
  r->u32(role);
  r->skip(4);
  r->u64(out.generation_id);
  if (role > static_cast<uint32_t>(ControllerRole::kSlave)) {
    return detail::fail(ErrorType::kRoleRequestFailed, role_request_failed::kBadRole);
  }
  out.role = static_cast<ControllerRole>(role);
  return out;
}

}  // namespace

void encode_role_request(uint32_t xid, const RoleRequest& msg, Bytes& out) {
  encode_role(MsgType::kRoleRequest, xid, msg, out);
}

void encode_role_reply(uint32_t xid, const RoleRequest& msg, Bytes& out) {
  encode_role(MsgType::kRoleReply, xid, msg, out);
}

Decoded<RoleRequest> decode_role_request(std::span<const uint8_t> msg) {
  return decode_role(msg, MsgType::kRoleRequest);
}

Decoded<RoleRequest> decode_role_reply(std::span<const uint8_t> msg) {
  return decode_role(msg, MsgType::kRoleReply);
}

}  // namespace sluice::of
