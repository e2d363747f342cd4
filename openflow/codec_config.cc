// OFPT_GET_CONFIG_REQUEST, OFPT_GET_CONFIG_REPLY and OFPT_SET_CONFIG (spec 7.3.2).
//
//   GET_CONFIG_REQUEST               header only (decode with decode_empty)
//   GET_CONFIG_REPLY / SET_CONFIG    header(8), u16 flags, u16 miss_send_len   -- 12 bytes
//
// Decode errors:
//   OFPET_BAD_REQUEST/BAD_LEN              body not exactly 4 bytes
//   OFPET_SWITCH_CONFIG_FAILED/BAD_FLAGS   flag bits 1.3 does not define, or the fragment
//                                          mode 3 (OFPC_FRAG_MASK, not a mode)
//   OFPET_SWITCH_CONFIG_FAILED/BAD_LEN     miss_send_len above OFPCML_MAX (0xffe5) other than
//                                          OFPCML_NO_BUFFER (0xffff)
#include "openflow/codec_internal.h"

namespace sluice::of {
namespace {

using detail::fail;

void encode_config(MsgType type, uint32_t xid, const OfSwitchConfig& msg, Bytes& out) {
  WireWriter w(out);
  const size_t start = w.begin_message(type, xid);
  w.u16(msg.flags);
  w.u16(msg.miss_send_len);
  w.finish_message(start);
}

Decoded<OfSwitchConfig> decode_config(std::span<const uint8_t> msg, MsgType type) noexcept {
  auto r = detail::open_message(msg, type);
  if (!r) return std::unexpected(r.error());
  if (r->remaining() != 4) return detail::bad_len();
  OfSwitchConfig c;
  r->u16(c.flags);
  r->u16(c.miss_send_len);
  if ((c.flags & ~config_flags::kFragMask) != 0 ||
      (c.flags & config_flags::kFragMask) == config_flags::kFragMask) {
    return fail(ErrorType::kSwitchConfigFailed, switch_config_failed::kBadFlags);
  }
  if (c.miss_send_len > kControllerMaxLen && c.miss_send_len != kControllerNoBuffer) {
    return fail(ErrorType::kSwitchConfigFailed, switch_config_failed::kBadLen);
  }
  return c;
}

}  // namespace

void encode_get_config_request(uint32_t xid, Bytes& out) {
  WireWriter w(out);
  w.finish_message(w.begin_message(MsgType::kGetConfigRequest, xid));
}

void encode_get_config_reply(uint32_t xid, const OfSwitchConfig& msg, Bytes& out) {
  encode_config(MsgType::kGetConfigReply, xid, msg, out);
}

void encode_set_config(uint32_t xid, const OfSwitchConfig& msg, Bytes& out) {
  encode_config(MsgType::kSetConfig, xid, msg, out);
}

Decoded<OfSwitchConfig> decode_get_config_reply(std::span<const uint8_t> msg) {
  return decode_config(msg, MsgType::kGetConfigReply);
}

Decoded<OfSwitchConfig> decode_set_config(std::span<const uint8_t> msg) {
  return decode_config(msg, MsgType::kSetConfig);
}

}  // namespace sluice::of
