// The OpenFlow header and the small symmetric messages: HELLO, ERROR, ECHO, FEATURES,
// BARRIER, plus make_error / make_sluice_error.
//
//   ofp_header        u8 version (4), u8 type, u16 length (whole message), u32 xid
//   ofp_error_msg     header, u16 type, u16 code, data...
//     experimenter    header, u16 type=0xffff, u16 exp_code, u32 experimenter, data...
//   ofp_switch_features (32 bytes) header, u64 datapath_id, u32 n_buffers, u8 n_tables,
//                     u8 auxiliary_id, pad[2], u32 capabilities, u32 reserved
//   HELLO             header, then hello elements, which are accepted and ignored
//   ECHO_*            header, then any payload
#include <algorithm>

#include "openflow/codec_internal.h"

namespace sluice::of {
namespace {

using detail::bad_len;
using detail::fail;

bool known_type(uint8_t type) noexcept {
  return type <= static_cast<uint8_t>(MsgType::kBarrierReply) ||
         (type >= static_cast<uint8_t>(MsgType::kRoleRequest) &&
          type <= static_cast<uint8_t>(MsgType::kSetAsync));
}

void encode_empty(MsgType type, uint32_t xid, Bytes& out) {
  WireWriter w(out);
  w.finish_message(w.begin_message(type, xid));
}

void encode_echo(MsgType type, uint32_t xid, std::span<const uint8_t> data, Bytes& out) {
  WireWriter w(out);
  const size_t start = w.begin_message(type, xid);
  w.bytes(data);
  w.finish_message(start);
}

}  // namespace

namespace detail {

Decoded<WireReader> open_message(std::span<const uint8_t> msg, MsgType type) noexcept {
  auto header = decode_header(msg);
  if (!header) return std::unexpected(header.error());
  if (header->type != type) return fail(ErrorType::kBadRequest, bad_request::kBadType);
  WireReader r(msg);
  r.skip(kHeaderSize);
  return r;
}

}  // namespace detail

Decoded<Header> decode_header(std::span<const uint8_t> msg) {
  WireReader r(msg);
  Header h;
  uint8_t type = 0;
  if (!r.u8(h.version) || !r.u8(type) || !r.u16(h.length) || !r.u32(h.xid)) return bad_len();
  if (h.version != kVersion) {
    if (type == static_cast<uint8_t>(MsgType::kHello)) {
      return fail(ErrorType::kHelloFailed, hello_failed::kIncompatible);
    }
    return fail(ErrorType::kBadRequest, bad_request::kBadVersion);
  }
  if (h.length < kHeaderSize || h.length != msg.size()) return bad_len();
  if (!known_type(type)) return fail(ErrorType::kBadRequest, bad_request::kBadType);
  h.type = static_cast<MsgType>(type);
  return h;
}

Decoded<void> decode_hello(std::span<const uint8_t> msg) {
  auto r = detail::open_message(msg, MsgType::kHello);
  if (!r) return std::unexpected(r.error());
  return {};
}

Decoded<void> decode_empty(std::span<const uint8_t> msg, MsgType type) {
  auto r = detail::open_message(msg, type);
  if (!r) return std::unexpected(r.error());
  if (!r->empty()) return bad_len();
  return {};
}

void encode_hello(uint32_t xid, Bytes& out) { encode_empty(MsgType::kHello, xid, out); }
void encode_features_request(uint32_t xid, Bytes& out) {
  encode_empty(MsgType::kFeaturesRequest, xid, out);
}
void encode_barrier_request(uint32_t xid, Bytes& out) {
  encode_empty(MsgType::kBarrierRequest, xid, out);
}
void encode_barrier_reply(uint32_t xid, Bytes& out) {
  encode_empty(MsgType::kBarrierReply, xid, out);
}
void encode_echo_request(uint32_t xid, std::span<const uint8_t> data, Bytes& out) {
  encode_echo(MsgType::kEchoRequest, xid, data, out);
}
void encode_echo_reply(uint32_t xid, std::span<const uint8_t> data, Bytes& out) {
  encode_echo(MsgType::kEchoReply, xid, data, out);
}

Decoded<std::span<const uint8_t>> decode_echo(std::span<const uint8_t> msg) {
  auto header = decode_header(msg);
  if (!header) return std::unexpected(header.error());
  if (header->type != MsgType::kEchoRequest && header->type != MsgType::kEchoReply) {
    return fail(ErrorType::kBadRequest, bad_request::kBadType);
  }
  return msg.subspan(kHeaderSize);
}

void encode_error(uint32_t xid, const ErrorMsg& msg, Bytes& out) {
  WireWriter w(out);
  const size_t start = w.begin_message(MsgType::kError, xid);
  w.u16(static_cast<uint16_t>(msg.type));
  w.u16(msg.code);
  if (msg.type == ErrorType::kExperimenter) w.u32(msg.experimenter);
  w.bytes(msg.view().first(std::min<size_t>(msg.data_len, kMaxErrorData)));
  w.finish_message(start);
}

Decoded<ErrorMsg> decode_error(std::span<const uint8_t> msg) {
  auto r = detail::open_message(msg, MsgType::kError);
  if (!r) return std::unexpected(r.error());
  ErrorMsg e;
  uint16_t type = 0;
  if (!r->u16(type) || !r->u16(e.code)) return bad_len();
  e.type = static_cast<ErrorType>(type);
  if (e.type == ErrorType::kExperimenter && !r->u32(e.experimenter)) return bad_len();
  // Data longer than kMaxErrorData (a whole echoed request) is kept only in part.
  const std::span<const uint8_t> data = r->rest();
  e.data_len = static_cast<uint16_t>(std::min(data.size(), kMaxErrorData));
  std::copy_n(data.data(), e.data_len, e.data.data());
  return e;
}

void encode_features_reply(uint32_t xid, const FeaturesReply& msg, Bytes& out) {
  WireWriter w(out);
  const size_t start = w.begin_message(MsgType::kFeaturesReply, xid);
  w.u64(msg.datapath_id);
  w.u32(msg.n_buffers);
  w.u8(msg.n_tables);
  w.u8(msg.auxiliary_id);
  w.zeros(2);
  w.u32(msg.capabilities);
  w.u32(0);  // reserved
  w.finish_message(start);
}

Decoded<FeaturesReply> decode_features_reply(std::span<const uint8_t> msg) {
  auto r = detail::open_message(msg, MsgType::kFeaturesReply);
  if (!r) return std::unexpected(r.error());
  if (r->remaining() != 24) return bad_len();
  FeaturesReply f;
  r->u64(f.datapath_id);
  r->u32(f.n_buffers);
  r->u8(f.n_tables);
  r->u8(f.auxiliary_id);
  r->skip(2);
  r->u32(f.capabilities);
  return f;
}

ErrorMsg make_error(const OfError& err, std::span<const uint8_t> request) {
  ErrorMsg e;
  e.type = err.type;
  e.code = err.code;
  e.experimenter = err.experimenter;
  e.data_len = static_cast<uint16_t>(std::min(request.size(), kMaxErrorData));
  std::copy_n(request.data(), e.data_len, e.data.data());
  return e;
}

ErrorMsg make_sluice_error(uint16_t code, std::string_view text) {
  ErrorMsg e;
  e.type = ErrorType::kExperimenter;
  e.code = code;
  e.experimenter = kSluiceExperimenter;
  e.data_len = static_cast<uint16_t>(std::min(text.size(), kMaxErrorData));
  std::copy_n(text.data(), e.data_len, e.data.data());
  return e;
}

}  // namespace sluice::of
