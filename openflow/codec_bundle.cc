// Bundles in OpenFlow 1.3: the ONF extension EXT-230, which carries OpenFlow 1.4's
// OFPT_BUNDLE_CONTROL and OFPT_BUNDLE_ADD_MESSAGE as OFPT_EXPERIMENTER messages, byte for byte
// as Open vSwitch sends them (`ovs-ofctl -O OpenFlow13 --bundle ...`).
//
//   experimenter header  header(8), u32 experimenter, u32 exp_type                -- 16 bytes
//   BUNDLE_CONTROL       experimenter 0x4f4e4600 (ONF), exp_type 2300,
//                        u32 bundle_id, u16 type (BundleCtrlType), u16 flags     -- 24 bytes
//                        then properties
//   BUNDLE_ADD_MESSAGE   experimenter 0x4f4e4600 (ONF), exp_type 2301,
//                        u32 bundle_id, pad[2], u16 flags                        -- 24 bytes
//                        then one whole OpenFlow message (its own header and length), then,
//                        if properties follow, zero padding to a multiple of 8 and the
//                        properties
//   property             u16 type, u16 length (excluding padding), body, zero padding to 8;
//                        1.4 defines only OFPBPT_EXPERIMENTER (0xffff): u32 experimenter,
//                        u32 exp_type, data
//
// Open vSwitch sends the inner message with the outer message's xid, and checks that the two
// are equal; so do encode_bundle_add and decode_bundle_add. Only FLOW_MOD and GROUP_MOD may be
// bundled. Sluice knows no bundle property, so a message carrying one is rejected (its first
// property decides the error).
//
// Decode errors (ONF/x = ErrorType::kExperimenter, experimenter kOnfExperimenter, exp_code x;
// the codes Open vSwitch uses for these errors in OpenFlow 1.3):
//   OFPET_BAD_REQUEST/BAD_EXPERIMENTER  experimenter is not ONF's
//   OFPET_BAD_REQUEST/BAD_EXP_TYPE      exp_type not 2300 / 2301, or not the one expected
//   OFPET_BAD_REQUEST/BAD_LEN           experimenter header or the 24-byte fixed part cut short
//   ONF/OFPBFC_BAD_TYPE                 control type > DISCARD_REPLY
//   ONF/OFPBFC_BAD_FLAGS                flag bits other than ATOMIC and ORDERED
//   ONF/OFPBFC_MSG_BAD_LEN              no whole header inside, inner length < 8 or past the
//                                       end, or trailing bytes shorter than the padding
//   ONF/OFPBFC_MSG_UNSUP                inner version not 1.3 (Open vSwitch says
//                                       OFPBFC_BAD_VERSION, which has no 1.3 encoding), or
//                                       inner type other than FLOW_MOD / GROUP_MOD
//   ONF/OFPBFC_MSG_BAD_XID              inner xid differs from the outer one
//   OFPET_TABLE_FEATURES_FAILED/BAD_LEN  (OFPBPC_BAD_LEN in 1.3) a property cut short, its
//                                       length < 4, or its padded length past the end
//   OFPET_TABLE_FEATURES_FAILED/BAD_TYPE (OFPBPC_BAD_TYPE in 1.3) a property other than
//                                       OFPBPT_EXPERIMENTER
//   ONF/OFPBPC_BAD_EXPERIMENTER         an experimenter property (none is supported)
#include <cstdlib>

#include "openflow/codec_internal.h"

namespace sluice::of {
namespace {

using detail::bad_len;
using detail::fail;

inline constexpr size_t kExperimenterHeaderSize = 16;
inline constexpr size_t kBundleFixed = 8;  // after the experimenter header
inline constexpr uint16_t kPropExperimenter = 0xffff;
inline constexpr size_t kPropExperimenterMin = 12;
inline constexpr uint16_t kMaxCtrlType = static_cast<uint16_t>(BundleCtrlType::kDiscardReply);
inline constexpr uint16_t kKnownFlags = bundle_flags::kAtomic | bundle_flags::kOrdered;

std::unexpected<OfError> onf_fail(uint16_t code) noexcept {
  return fail(ErrorType::kExperimenter, code, kOnfExperimenter);
}

size_t begin_onf(WireWriter& w, uint32_t xid, OnfMsgType type) {
  const size_t start = w.begin_message(MsgType::kExperimenter, xid);
  w.u32(kOnfExperimenter);
  w.u32(static_cast<uint32_t>(type));
  return start;
}

// Checks the headers and that this is ONF message 'type' with at least the 8 bytes every
// bundle message has; returns a reader over the body after the experimenter header.
Decoded<WireReader> open_bundle(std::span<const uint8_t> msg, OnfMsgType type) noexcept {
  auto t = decode_onf_type(msg);
  if (!t) return std::unexpected(t.error());
  if (*t != type) return fail(ErrorType::kBadRequest, bad_request::kBadExpType);
  WireReader r(msg);
  r.skip(kExperimenterHeaderSize);
  if (r.remaining() < kBundleFixed) return bad_len();
  return r;
}

Decoded<void> check_flags(uint16_t flags) noexcept {
  if ((flags & ~kKnownFlags) != 0) return onf_fail(bundle_failed::kBadFlags);
  return {};
}

// Properties filling all of 'r'. None is supported, so the first one is an error; only its
// framing decides which.
Decoded<void> reject_properties(WireReader r) noexcept {
  if (r.empty()) return {};
  uint16_t type = 0;
  uint16_t length = 0;
  if (!r.u16(type) || !r.u16(length) || length < 4 ||
      detail::round_up_8(length) - 4 > r.remaining()) {
    return fail(ErrorType::kTableFeaturesFailed, bad_property::kBadLen);
  }
  if (type != kPropExperimenter) {
    return fail(ErrorType::kTableFeaturesFailed, bad_property::kBadType);
  }
  if (length < kPropExperimenterMin) {
    return fail(ErrorType::kTableFeaturesFailed, bad_property::kBadLen);
  }
  return onf_fail(bad_property::kBadExperimenter);
}

bool bundlable(uint8_t type) noexcept {
  return type == static_cast<uint8_t>(MsgType::kFlowMod) ||
         type == static_cast<uint8_t>(MsgType::kGroupMod);
}

}  // namespace

Decoded<ExperimenterHeader> decode_experimenter_header(std::span<const uint8_t> msg) {
  auto r = detail::open_message(msg, MsgType::kExperimenter);
  if (!r) return std::unexpected(r.error());
  ExperimenterHeader h;
  if (!r->u32(h.experimenter) || !r->u32(h.exp_type)) return bad_len();
  return h;
}

Decoded<OnfMsgType> decode_onf_type(std::span<const uint8_t> msg) {
  auto h = decode_experimenter_header(msg);
  if (!h) return std::unexpected(h.error());
  if (h->experimenter != kOnfExperimenter) {
    return fail(ErrorType::kBadRequest, bad_request::kBadExperimenter);
  }
  if (h->exp_type != static_cast<uint32_t>(OnfMsgType::kBundleControl) &&
      h->exp_type != static_cast<uint32_t>(OnfMsgType::kBundleAddMessage)) {
    return fail(ErrorType::kBadRequest, bad_request::kBadExpType);
  }
  return static_cast<OnfMsgType>(h->exp_type);
}

void encode_bundle_ctrl(uint32_t xid, const BundleCtrl& msg, Bytes& out) {
  WireWriter w(out);
  const size_t start = begin_onf(w, xid, OnfMsgType::kBundleControl);
  w.u32(msg.bundle_id);
  w.u16(static_cast<uint16_t>(msg.type));
  w.u16(msg.flags);
  w.finish_message(start);
}

Decoded<BundleCtrl> decode_bundle_ctrl(std::span<const uint8_t> msg) {
  auto r = open_bundle(msg, OnfMsgType::kBundleControl);
  if (!r) return std::unexpected(r.error());
  BundleCtrl b;
  uint16_t type = 0;
  r->u32(b.bundle_id);
  r->u16(type);
  r->u16(b.flags);
  if (type > kMaxCtrlType) return onf_fail(bundle_failed::kBadType);
  b.type = static_cast<BundleCtrlType>(type);
  if (auto ok = check_flags(b.flags); !ok) return std::unexpected(ok.error());
  if (auto ok = reject_properties(*r); !ok) return std::unexpected(ok.error());
  return b;
}

void encode_bundle_add(uint32_t xid, const BundleAdd& msg, std::span<const uint8_t> message,
                       Bytes& out) {
  if (message.size() < kHeaderSize) std::abort();  // not a message: a caller bug
  WireWriter w(out);
  const size_t start = begin_onf(w, xid, OnfMsgType::kBundleAddMessage);
  w.u32(msg.bundle_id);
  w.zeros(2);
  w.u16(msg.flags);
  const size_t inner = w.size();
  w.bytes(message);
  w.patch_u16(inner + 4, static_cast<uint16_t>(xid >> 16));
  w.patch_u16(inner + 6, static_cast<uint16_t>(xid));
  w.finish_message(start);
}

Decoded<std::span<const uint8_t>> decode_bundle_add(std::span<const uint8_t> msg, BundleAdd& out) {
  auto r = open_bundle(msg, OnfMsgType::kBundleAddMessage);
  if (!r) return std::unexpected(r.error());
  out = BundleAdd{};
  r->u32(out.bundle_id);
  r->skip(2);
  r->u16(out.flags);
  if (auto ok = check_flags(out.flags); !ok) return std::unexpected(ok.error());
  // The inner header, read from a copy so that 'r' still points at the inner message.
  WireReader peek = *r;
  uint8_t version = 0;
  uint8_t type = 0;
  uint16_t length = 0;
  uint32_t xid = 0;
  if (!peek.u8(version) || !peek.u8(type) || !peek.u16(length) || !peek.u32(xid)) {
    return onf_fail(bundle_failed::kMsgBadLen);
  }
  if (version != kVersion) return onf_fail(bundle_failed::kMsgUnsup);
  if (length < kHeaderSize || length > r->remaining()) return onf_fail(bundle_failed::kMsgBadLen);
  const uint32_t outer_xid =
      (uint32_t{msg[4]} << 24) | (uint32_t{msg[5]} << 16) | (uint32_t{msg[6]} << 8) | msg[7];
  if (xid != outer_xid) return onf_fail(bundle_failed::kMsgBadXid);
  if (!bundlable(type)) return onf_fail(bundle_failed::kMsgUnsup);
  const std::span<const uint8_t> inner = r->rest().first(length);
  r->skip(length);
  if (!r->empty()) {
    if (!r->skip(detail::round_up_8(length) - length)) return onf_fail(bundle_failed::kMsgBadLen);
    if (auto ok = reject_properties(*r); !ok) return std::unexpected(ok.error());
  }
  return inner;
}

}  // namespace sluice::of
