// Instructions (OpenFlow 1.3.5 section 7.2.4).
//
//   GOTO_TABLE      u16 type=1, u16 len=8,  u8 table_id, pad[3]
//   WRITE_METADATA  u16 type=2, u16 len=24, pad[4], u64 metadata, u64 metadata_mask
//   WRITE_ACTIONS   u16 type=3, u16 len=8+actions, pad[4], actions
//   APPLY_ACTIONS   u16 type=4, u16 len=8+actions, pad[4], actions
//   CLEAR_ACTIONS   u16 type=5, u16 len=8,  pad[4]
//
// The encoder writes them in execution order (apply, clear, write, write_metadata, goto).
// Decode errors (OFPET_BAD_INSTRUCTION):
//   BAD_LEN       len < 8, not a multiple of 8, past the list, or not the instruction's size
//   UNKNOWN_INST  a type OpenFlow 1.3 does not define
//   UNSUP_INST    METER and EXPERIMENTER instructions (defined, not supported), and a second
//                 instruction of a type already seen: the spec allows at most one of each
//                 but names no error code for it in 1.3, so we say "unsupported".
// Errors inside an action list are the action list's own (OFPET_BAD_ACTION).
#include "openflow/codec_internal.h"

namespace sluice::of::detail {
namespace {

enum InstructionType : uint16_t {
  kGotoTable = 1,
  kWriteMetadata = 2,
  kWriteActions = 3,
  kApplyActions = 4,
  kClearActions = 5,
  kMeter = 6,
  kExperimenterInst = 0xffff,
};

std::unexpected<OfError> bad_inst(uint16_t code) noexcept {
  return fail(ErrorType::kBadInstruction, code);
}

// The presence bit of a supported type, or 0.
uint8_t presence_bit(uint16_t type) noexcept {
  switch (type) {
    case kGotoTable:
      return instr::kGotoTable;
    case kWriteMetadata:
      return instr::kWriteMetadata;
    case kWriteActions:
      return instr::kWriteActions;
    case kApplyActions:
      return instr::kApplyActions;
    case kClearActions:
      return instr::kClearActions;
    default:
      return 0;
  }
}

Decoded<void> decode_instruction(uint16_t type, uint16_t len, WireReader& body,
                                 Instructions& out) noexcept {
  switch (type) {
    case kGotoTable:
      if (len != 8) return bad_inst(bad_instruction::kBadLen);
      body.u8(out.goto_table);
      return {};
    case kWriteMetadata:
      if (len != 24) return bad_inst(bad_instruction::kBadLen);
      body.skip(4);
      body.u64(out.metadata);
      body.u64(out.metadata_mask);
      return {};
    case kWriteActions:
      body.skip(4);
      return decode_actions(body, out.write_actions);
    case kApplyActions:
      body.skip(4);
      return decode_actions(body, out.apply_actions);
    case kClearActions:
      if (len != 8) return bad_inst(bad_instruction::kBadLen);
      return {};
    default:
      return bad_inst(bad_instruction::kUnknownInst);
  }
}

void encode_action_instruction(uint16_t type, const ActionList& actions, WireWriter& w) {
  const size_t start = w.size();
  w.u16(type);
  w.u16(0);
  w.zeros(4);
  encode_actions(actions, w);
  w.patch_u16(start + 2, static_cast<uint16_t>(w.size() - start));
}

}  // namespace

void encode_instructions(const Instructions& ins, WireWriter& w) {
  if ((ins.present & instr::kApplyActions) != 0) {
    encode_action_instruction(kApplyActions, ins.apply_actions, w);
  }
  if ((ins.present & instr::kClearActions) != 0) {
    w.u16(kClearActions);
    w.u16(8);
    w.zeros(4);
  }
  if ((ins.present & instr::kWriteActions) != 0) {
    encode_action_instruction(kWriteActions, ins.write_actions, w);
  }
  if ((ins.present & instr::kWriteMetadata) != 0) {
    w.u16(kWriteMetadata);
    w.u16(24);
    w.zeros(4);
    w.u64(ins.metadata);
    w.u64(ins.metadata_mask);
  }
  if ((ins.present & instr::kGotoTable) != 0) {
    w.u16(kGotoTable);
    w.u16(8);
    w.u8(ins.goto_table);
    w.zeros(3);
  }
}

Decoded<void> decode_instructions(WireReader r, Instructions& out) noexcept {
  out = Instructions{};
  while (!r.empty()) {
    uint16_t type = 0;
    uint16_t len = 0;
    WireReader body;
    if (!r.u16(type) || !r.u16(len)) return bad_inst(bad_instruction::kBadLen);
    if (len < 8 || len % 8 != 0 || !r.sub(len - 4u, body)) {
      return bad_inst(bad_instruction::kBadLen);
    }
    if (type == kMeter || type == kExperimenterInst) {
      return bad_inst(bad_instruction::kUnsupInst);
    }
    const uint8_t bit = presence_bit(type);
    if (bit == 0) return bad_inst(bad_instruction::kUnknownInst);
    if ((out.present & bit) != 0) return bad_inst(bad_instruction::kUnsupInst);
    if (auto ok = decode_instruction(type, len, body, out); !ok) return ok;
    out.present |= bit;
  }
  return {};
}

}  // namespace sluice::of::detail
