// Sluice experimenter messages: OFPT_EXPERIMENTER with experimenter = kSluiceExperimenter.
//
// Every message is the 16-byte ofp_experimenter_header followed by a fixed-size body; all
// integers are big-endian, all lengths multiples of 8:
//
//   header(8), u32 experimenter (0x00534c55), u32 exp_type (SluiceMsgType)
//   PORT_ADD (1)       u32 port_no, u8 type (PortType), u8 flags (port_flags::), u16 mtu,
//                      char name[16], char device[256], char options[256]   -- body 536, msg 552
//   PORT_DEL (2)       u32 port_no, pad[4]                                  -- body 8,   msg 24
//   PORT_SET (3)       u32 port_no, u16 mtu, u8 admin_up (0|1), pad[1],
//                      u32 mac_limit, pad[4]                                -- body 16,  msg 32
//   SWITCH_CONFIG (4)  u32 mac_aging_seconds, u8 learning_table, pad[3]    -- body 8,   msg 24
//
// Text fields are NUL-padded to their fixed width. A field whose every byte is non-NUL is
// accepted as a string of exactly that width (no terminator is required on the wire);
// anything after the first NUL is ignored.
//
// Decode errors:
//   OFPET_BAD_REQUEST/BAD_EXPERIMENTER  experimenter is not Sluice's
//   OFPET_BAD_REQUEST/BAD_EXP_TYPE      unknown exp_type, or not the one the decoder expects
//   OFPET_BAD_REQUEST/BAD_LEN           body not exactly its size
//   SLUICE/BAD_PORT_TYPE                PORT_ADD type not a PortType
//   SLUICE/BAD_PORT_ARGUMENT            PORT_ADD with port_no 0 or above OFPP_MAX, an empty
//                                       name or unknown flag bits; PORT_SET admin_up not 0/1
#include "openflow/codec_internal.h"

namespace sluice::of {
namespace {

using detail::bad_len;
using detail::fail;

inline constexpr size_t kPortAddBody = 536;
inline constexpr size_t kPortDelBody = 8;
inline constexpr size_t kPortSetBody = 16;
inline constexpr size_t kSwitchConfigBody = 8;

std::unexpected<OfError> sluice_fail(uint16_t code) noexcept {
  return fail(ErrorType::kExperimenter, code, kSluiceExperimenter);
}

size_t begin_sluice(WireWriter& w, uint32_t xid, SluiceMsgType type) {
  const size_t start = w.begin_message(MsgType::kExperimenter, xid);
  w.u32(kSluiceExperimenter);
  w.u32(static_cast<uint32_t>(type));
  return start;
}

// Checks the headers and the body size; returns a reader over the body.
Decoded<WireReader> open_sluice(std::span<const uint8_t> msg, SluiceMsgType type,
                                size_t body_size) noexcept {
  auto t = decode_sluice_type(msg);
  if (!t) return std::unexpected(t.error());
  if (*t != type) return fail(ErrorType::kBadRequest, bad_request::kBadExpType);
  WireReader r(msg);
  r.skip(kHeaderSize + 8);
  if (r.remaining() != body_size) return bad_len();
  return r;
}

}  // namespace

Decoded<SluiceMsgType> decode_sluice_type(std::span<const uint8_t> msg) {
  auto r = detail::open_message(msg, MsgType::kExperimenter);
  if (!r) return std::unexpected(r.error());
  uint32_t experimenter = 0;
  uint32_t type = 0;
  if (!r->u32(experimenter) || !r->u32(type)) return bad_len();
  if (experimenter != kSluiceExperimenter) {
    return fail(ErrorType::kBadRequest, bad_request::kBadExperimenter);
  }
  if (type < static_cast<uint32_t>(SluiceMsgType::kPortAdd) ||
      type > static_cast<uint32_t>(SluiceMsgType::kSwitchConfig)) {
    return fail(ErrorType::kBadRequest, bad_request::kBadExpType);
  }
  return static_cast<SluiceMsgType>(type);
}

void encode_port_add(uint32_t xid, const PortAdd& msg, Bytes& out) {
  WireWriter w(out);
  const size_t start = begin_sluice(w, xid, SluiceMsgType::kPortAdd);
  w.u32(msg.port_no);
  w.u8(static_cast<uint8_t>(msg.type));
  w.u8(msg.flags);
  w.u16(msg.mtu);
  detail::write_fixed_string(w, msg.name);
  detail::write_fixed_string(w, msg.device);
  detail::write_fixed_string(w, msg.options);
  w.finish_message(start);
}

Decoded<PortAdd> decode_port_add(std::span<const uint8_t> msg) {
  auto r = open_sluice(msg, SluiceMsgType::kPortAdd, kPortAddBody);
  if (!r) return std::unexpected(r.error());
  PortAdd p;
  uint8_t type = 0;
  r->u32(p.port_no);
  r->u8(type);
  r->u8(p.flags);
  r->u16(p.mtu);
  detail::read_fixed_string(*r, p.name);
  detail::read_fixed_string(*r, p.device);
  detail::read_fixed_string(*r, p.options);
  if (type < static_cast<uint8_t>(PortType::kVhostUser) ||
      type > static_cast<uint8_t>(PortType::kDpdk)) {
    return sluice_fail(sluice_error::kBadPortType);
  }
  p.type = static_cast<PortType>(type);
  if (p.port_no == 0 || p.port_no > port_no::kMax || p.name.view().empty() ||
      (p.flags & ~port_flags::kVhostClient) != 0) {
    return sluice_fail(sluice_error::kBadPortArgument);
  }
  return p;
}

void encode_port_del(uint32_t xid, const PortDel& msg, Bytes& out) {
  WireWriter w(out);
  const size_t start = begin_sluice(w, xid, SluiceMsgType::kPortDel);
  w.u32(msg.port_no);
  w.zeros(4);
  w.finish_message(start);
}

Decoded<PortDel> decode_port_del(std::span<const uint8_t> msg) {
  auto r = open_sluice(msg, SluiceMsgType::kPortDel, kPortDelBody);
  if (!r) return std::unexpected(r.error());
  PortDel p;
  r->u32(p.port_no);
  return p;
}

void encode_port_set(uint32_t xid, const PortSet& msg, Bytes& out) {
  WireWriter w(out);
  const size_t start = begin_sluice(w, xid, SluiceMsgType::kPortSet);
  w.u32(msg.port_no);
  w.u16(msg.mtu);
  w.u8(msg.admin_up);
  w.zeros(1);
  w.u32(msg.mac_limit);
  w.zeros(4);
  w.finish_message(start);
}

Decoded<PortSet> decode_port_set(std::span<const uint8_t> msg) {
  auto r = open_sluice(msg, SluiceMsgType::kPortSet, kPortSetBody);
  if (!r) return std::unexpected(r.error());
  PortSet p;
  r->u32(p.port_no);
  r->u16(p.mtu);
  r->u8(p.admin_up);
  r->skip(1);
  r->u32(p.mac_limit);
  if (p.admin_up > 1) return sluice_fail(sluice_error::kBadPortArgument);
  return p;
}

void encode_switch_config(uint32_t xid, const SwitchConfig& msg, Bytes& out) {
  WireWriter w(out);
  const size_t start = begin_sluice(w, xid, SluiceMsgType::kSwitchConfig);
  w.u32(msg.mac_aging_seconds);
  w.u8(msg.learning_table);
  w.zeros(3);
  w.finish_message(start);
}

Decoded<SwitchConfig> decode_switch_config(std::span<const uint8_t> msg) {
  auto r = open_sluice(msg, SluiceMsgType::kSwitchConfig, kSwitchConfigBody);
  if (!r) return std::unexpected(r.error());
  SwitchConfig c;
  r->u32(c.mac_aging_seconds);
  r->u8(c.learning_table);
  return c;
}

}  // namespace sluice::of
