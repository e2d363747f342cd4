// ofp_port and OFPT_PORT_STATUS (spec 7.2.1 and 7.4.3).
//
//   ofp_port (64 bytes)  u32 port_no, pad[4], u8 hw_addr[6], pad[2], char name[16],
//                        u32 config, u32 state, u32 curr, u32 advertised, u32 supported,
//                        u32 peer, u32 curr_speed, u32 max_speed
//   ofp_port_status      header(8), u8 reason, pad[7], ofp_port     -- 80 bytes
//
// A name filling all 16 bytes (no NUL) is accepted as 16 characters. PORT_STATUS with a reason
// other than ADD/DELETE/MODIFY is rejected with OFPET_BAD_REQUEST/OFPBRC_BAD_TYPE (1.3 has no
// closer code); a body other than 72 bytes with OFPBRC_BAD_LEN.
#include "openflow/codec_internal.h"

namespace sluice::of {

namespace detail {

void encode_port(const Port& p, WireWriter& w) {
  w.u32(p.port_no);
  w.zeros(4);
  w.bytes(p.hw_addr);
  w.zeros(2);
  write_fixed_string(w, p.name);
  for (uint32_t v :
       {p.config, p.state, p.curr, p.advertised, p.supported, p.peer, p.curr_speed, p.max_speed}) {
    w.u32(v);
  }
}

Decoded<Port> decode_port(WireReader& r) noexcept {
  if (r.remaining() < kPortSize) return bad_len();
  Port p;
  r.u32(p.port_no);
  r.skip(4);
  r.bytes(p.hw_addr);
  r.skip(2);
  read_fixed_string(r, p.name);
  for (uint32_t* v : {&p.config, &p.state, &p.curr, &p.advertised, &p.supported, &p.peer,
                      &p.curr_speed, &p.max_speed}) {
    r.u32(*v);
  }
  return p;
}

}  // namespace detail

void encode_port_status(uint32_t xid, const PortStatus& msg, Bytes& out) {
  WireWriter w(out);
  const size_t start = w.begin_message(MsgType::kPortStatus, xid);
  w.u8(static_cast<uint8_t>(msg.reason));
  w.zeros(7);
  detail::encode_port(msg.desc, w);
  w.finish_message(start);
}

Decoded<PortStatus> decode_port_status(std::span<const uint8_t> msg) {
  auto r = detail::open_message(msg, MsgType::kPortStatus);
  if (!r) return std::unexpected(r.error());
  if (r->remaining() != 8 + detail::kPortSize) return detail::bad_len();
  PortStatus ps;
  uint8_t reason = 0;
  r->u8(reason);
  r->skip(7);
  if (reason > static_cast<uint8_t>(PortReason::kModify)) {
    return detail::fail(ErrorType::kBadRequest, bad_request::kBadType);
  }
  ps.reason = static_cast<PortReason>(reason);
  auto port = detail::decode_port(*r);
  if (!port) return std::unexpected(port.error());
  ps.desc = *port;
  return ps;
}

}  // namespace sluice::of
