// OFPT_FLOW_MOD (OpenFlow 1.3.5 section 7.3.4.1).
//
//   header(8), u64 cookie, u64 cookie_mask, u8 table_id, u8 command, u16 idle_timeout,
//   u16 hard_timeout, u16 priority, u32 buffer_id, u32 out_port, u32 out_group, u16 flags,
//   pad[2]                                   -- 48 bytes
//   ofp_match (padded to 8)                  -- at least 8 bytes (56 with an empty match)
//   instructions                             -- to the end of the message
//
// Decode errors besides the match's, instructions' and actions' own:
//   OFPET_BAD_REQUEST/BAD_LEN           fixed part cut short
//   OFPET_FLOW_MOD_FAILED/BAD_COMMAND   command > DELETE_STRICT
//   OFPET_FLOW_MOD_FAILED/BAD_FLAGS     flag bits OpenFlow 1.3 does not define
//   OFPET_FLOW_MOD_FAILED/BAD_TABLE_ID  table_id OFPTT_ALL on ADD / MODIFY / MODIFY_STRICT
//   OFPET_BAD_INSTRUCTION/BAD_TABLE_ID  goto_table not after table_id (ADD / MODIFY*)
#include "openflow/codec_internal.h"

namespace sluice::of {
namespace {

using detail::fail;

inline constexpr size_t kFlowModFixed = 40;  // after the header, before the match
inline constexpr uint16_t kKnownFlags = flow_flags::kSendFlowRem | flow_flags::kCheckOverlap |
                                        flow_flags::kResetCounts | flow_flags::kNoPktCounts |
                                        flow_flags::kNoBytCounts;

bool is_delete(FlowModCommand c) noexcept {
  return c == FlowModCommand::kDelete || c == FlowModCommand::kDeleteStrict;
}

}  // namespace

void encode_flow_mod(uint32_t xid, const FlowMod& msg, Bytes& out) {
  WireWriter w(out);
  const size_t start = w.begin_message(MsgType::kFlowMod, xid);
  w.u64(msg.cookie);
  w.u64(msg.cookie_mask);
  w.u8(msg.table_id);
  w.u8(static_cast<uint8_t>(msg.command));
  w.u16(msg.idle_timeout);
  w.u16(msg.hard_timeout);
  w.u16(msg.priority);
  w.u32(msg.buffer_id);
  w.u32(msg.out_port);
  w.u32(msg.out_group);
  w.u16(msg.flags);
  w.zeros(2);
  detail::encode_match(msg.match, w);
  detail::encode_instructions(msg.instructions, w);
  w.finish_message(start);
}

Decoded<void> decode_flow_mod(std::span<const uint8_t> msg, FlowMod& out) {
  auto r = detail::open_message(msg, MsgType::kFlowMod);
  if (!r) return std::unexpected(r.error());
  out = FlowMod{};
  if (r->remaining() < kFlowModFixed) return detail::bad_len();
  uint8_t command = 0;
  r->u64(out.cookie);
  r->u64(out.cookie_mask);
  r->u8(out.table_id);
  r->u8(command);
  r->u16(out.idle_timeout);
  r->u16(out.hard_timeout);
  r->u16(out.priority);
  r->u32(out.buffer_id);
  r->u32(out.out_port);
  r->u32(out.out_group);
  r->u16(out.flags);
  r->skip(2);
  if (command > static_cast<uint8_t>(FlowModCommand::kDeleteStrict)) {
    return fail(ErrorType::kFlowModFailed, flow_mod_failed::kBadCommand);
  }
  out.command = static_cast<FlowModCommand>(command);
  if ((out.flags & ~kKnownFlags) != 0) {
    return fail(ErrorType::kFlowModFailed, flow_mod_failed::kBadFlags);
  }
  if (out.table_id == kTableAll && !is_delete(out.command)) {
    return fail(ErrorType::kFlowModFailed, flow_mod_failed::kBadTableId);
  }
  if (auto ok = detail::decode_match(*r, out.match); !ok) return ok;
  if (auto ok = detail::decode_instructions(*r, out.instructions); !ok) return ok;
  if (!is_delete(out.command) && (out.instructions.present & instr::kGotoTable) != 0 &&
      out.instructions.goto_table <= out.table_id) {
    return fail(ErrorType::kBadInstruction, bad_instruction::kBadTableId);
  }
  return {};
}

}  // namespace sluice::of
