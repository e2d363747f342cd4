// Actions (OpenFlow 1.3.5 section 7.2.5) and the Sluice experimenter action.
//
//   OUTPUT      u16 type=0,  u16 len=16, u32 port, u16 max_len, pad[6]
//   PUSH_VLAN   u16 type=17, u16 len=8,  u16 ethertype (0x8100 | 0x88a8), pad[2]
//   POP_VLAN    u16 type=18, u16 len=8,  pad[4]
//   GROUP       u16 type=22, u16 len=8,  u32 group_id
//   SET_FIELD   u16 type=25, u16 len=round_up_8(4 + 4 + size), one OXM TLV without mask,
//               zero padding
//   Sluice experimenter action (24 bytes):
//     u16 type=0xffff, u16 len=24, u32 experimenter=kSluiceExperimenter,
//     u16 subtype (SluiceAction), pad[6], u64 value (the action's argument)
//
// Decode errors (OFPET_BAD_ACTION):
//   BAD_LEN          len < 8, not a multiple of 8, past the list, or not the action's size
//   BAD_TYPE         an action type this codec does not know
//   BAD_OUT_PORT     output to port 0, OFPP_ANY, or an undefined reserved number
//   BAD_OUT_GROUP    group id above OFPG_MAX
//   BAD_ARGUMENT     push_vlan ethertype other than 0x8100 / 0x88a8
//   BAD_SET_TYPE     set_field of an OXM class or field this codec does not know, or of a
//                    match-only field (arp_op, arp_spa, arp_tpa, arp_sha)
//   BAD_SET_LEN      set_field oxm_length not the field's size, or action len not matching
//   BAD_SET_ARGUMENT set_field with hasmask (not allowed in 1.3), vlan_vid above 0x1fff
//   BAD_EXPERIMENTER experimenter other than Sluice's
//   BAD_EXP_TYPE     unknown SluiceAction subtype
//   TOO_MANY         more than kMaxActions actions in one list
#include "openflow/codec_internal.h"
#include "openflow/oxm.h"

namespace sluice::of::detail {
namespace {

inline constexpr uint16_t kSluiceActionLen = 24;

std::unexpected<OfError> bad_action(uint16_t code) noexcept {
  return fail(ErrorType::kBadAction, code);
}

bool valid_out_port(uint32_t port) noexcept {
  if (port == 0) return false;
  if (port <= port_no::kMax) return true;
  return port >= port_no::kInPort && port <= port_no::kLocal;
}

Decoded<void> decode_set_field(WireReader& body, uint16_t len, Action& a) noexcept {
  uint32_t header = 0;
  if (!body.u32(header)) return bad_action(bad_action::kBadSetLen);
  const FieldInfo* info = find_field(static_cast<uint8_t>((header >> 9) & 0x7f));
  if ((header >> 16) != kOxmClassBasic || info == nullptr || !set_field_known(info->field)) {
    return bad_action(bad_action::kBadSetType);
  }
  if (((header >> 8) & 1) != 0) return bad_action(bad_action::kBadSetArgument);
  if ((header & 0xff) != info->size || len != round_up_8(8u + info->size)) {
    return bad_action(bad_action::kBadSetLen);
  }
  uint64_t value = 0;
  if (!body.uint_be(info->size, value)) return bad_action(bad_action::kBadSetLen);
  if (info->field == Field::kVlanVid && value > kVidMask) {
    return bad_action(bad_action::kBadSetArgument);
  }
  a.field = info->field;
  a.value = value;
  return {};
}

Decoded<void> decode_experimenter(WireReader& body, uint16_t len, Action& a) noexcept {
  uint32_t experimenter = 0;
  uint16_t subtype = 0;
  if (!body.u32(experimenter)) return bad_action(bad_action::kBadLen);
  if (experimenter != kSluiceExperimenter) return bad_action(bad_action::kBadExperimenter);
  if (len != kSluiceActionLen) return bad_action(bad_action::kBadLen);
  if (!body.u16(subtype) || !body.skip(6) || !body.u64(a.value)) {
    return bad_action(bad_action::kBadLen);
  }
  if (subtype < static_cast<uint16_t>(SluiceAction::kConntrack) ||
      subtype > static_cast<uint16_t>(SluiceAction::kVxlanDecap)) {
    return bad_action(bad_action::kBadExpType);
  }
  a.sluice = static_cast<SluiceAction>(subtype);
  return {};
}

// Decodes one action whose type and length were read; 'body' holds the bytes after them.
Decoded<void> decode_action(uint16_t type, uint16_t len, WireReader& body, Action& a) noexcept {
  a = Action{};
  a.type = static_cast<ActionType>(type);
  switch (a.type) {
    case ActionType::kOutput:
      if (len != 16) return bad_action(bad_action::kBadLen);
      body.u32(a.port);
      body.u16(a.max_len);
      if (!valid_out_port(a.port)) return bad_action(bad_action::kBadOutPort);
      return {};
    case ActionType::kPushVlan:
      if (len != 8) return bad_action(bad_action::kBadLen);
      body.u16(a.ethertype);
      if (a.ethertype != kEthTypeVlan && a.ethertype != kEthTypeQinQ) {
        return bad_action(bad_action::kBadArgument);
      }
      return {};
    case ActionType::kPopVlan:
      if (len != 8) return bad_action(bad_action::kBadLen);
      return {};
    case ActionType::kGroup:
      if (len != 8) return bad_action(bad_action::kBadLen);
      body.u32(a.group_id);
      if (a.group_id > group_id::kMax) return bad_action(bad_action::kBadOutGroup);
      return {};
    case ActionType::kSetField:
      return decode_set_field(body, len, a);
    case ActionType::kExperimenter:
      return decode_experimenter(body, len, a);
  }
  return bad_action(bad_action::kBadType);
}

void encode_action(const Action& a, WireWriter& w) {
  const size_t start = w.size();
  w.u16(static_cast<uint16_t>(a.type));
  w.u16(0);  // patched below
  switch (a.type) {
    case ActionType::kOutput:
      w.u32(a.port);
      w.u16(a.max_len);
      w.zeros(6);
      break;
    case ActionType::kPushVlan:
      w.u16(a.ethertype);
      w.zeros(2);
      break;
    case ActionType::kPopVlan:
      w.zeros(4);
      break;
    case ActionType::kGroup:
      w.u32(a.group_id);
      break;
    case ActionType::kSetField: {
      const FieldInfo& info = field_info(a.field);
      w.u16(kOxmClassBasic);
      w.u8(static_cast<uint8_t>(static_cast<unsigned>(a.field) << 1));
      w.u8(info.size);
      w.uint_be(info.size, a.value);
      w.pad_to_8(start);
      break;
    }
    case ActionType::kExperimenter:
      w.u32(kSluiceExperimenter);
      w.u16(static_cast<uint16_t>(a.sluice));
      w.zeros(6);
      w.u64(a.value);
      break;
  }
  w.patch_u16(start + 2, static_cast<uint16_t>(w.size() - start));
}

}  // namespace

void encode_actions(const ActionList& actions, WireWriter& w) {
  for (const Action& a : actions.view()) encode_action(a, w);
}

Decoded<void> decode_actions(WireReader r, ActionList& out) noexcept {
  out = ActionList{};
  while (!r.empty()) {
    uint16_t type = 0;
    uint16_t len = 0;
    WireReader body;
    if (!r.u16(type) || !r.u16(len)) return bad_action(bad_action::kBadLen);
    if (len < 8 || len % 8 != 0 || !r.sub(len - 4u, body)) {
      return bad_action(bad_action::kBadLen);
    }
    Action a;
    if (auto ok = decode_action(type, len, body, a); !ok) return ok;
    if (!out.push(a)) return bad_action(bad_action::kTooMany);
  }
  return {};
}

}  // namespace sluice::of::detail
