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
//   Open vSwitch's Nicira actions (experimenter 0x00002320), as docs/ovs-conntrack-encoding.md
//   describes them:
//     NXAST_CT (35): u16 type=0xffff, u16 len=24+nested, u32 0x2320, u16 35, u16 flags
//       (commit 1, force 2), u32 zone_src (0: immediate), u16 zone, u8 recirc_table (0xff:
//       none), pad[3], u16 alg, then the nested actions of exec(...)
//     NXAST_CT_CLEAR (43): u16 type=0xffff, u16 len=16, u32 0x2320, u16 43, pad[6]
//   Inside ct only, exec(...) may write ct_mark: OFPAT_SET_FIELD of NXM_NX_CT_MARK (0x0001d604,
//   what ovs-ofctl sends for an exact value) or NXAST_REG_LOAD (7: u16 ofs_nbits, u32 dst,
//   u64 value; what it sends for each run of a mask's bits).
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
//   BAD_EXPERIMENTER experimenter other than Sluice's and Nicira's
//   BAD_EXP_TYPE     unknown SluiceAction subtype; a Nicira subtype other than ct and ct_clear
//                    (nat among them: not yet), or reg_load outside ct
//   BAD_ARGUMENT     ct: flag bits other than commit and force, force without commit, a zone
//                    taken from a field (Sluice has no registers), exec(...) without commit, a
//                    nested action other than a ct_mark write, a reg_load value wider than its
//                    bits
//   BAD_SET_TYPE     exec(...) writing ct_label (not supported)
//   BAD_SET_ARGUMENT set_field of a ct_* field outside ct (as Open vSwitch answers)
//   BAD_SET_LEN      a reg_load past ct_mark's 32 bits
//   TOO_MANY         more than kMaxActions actions in one list
#include "openflow/codec_internal.h"
#include "openflow/oxm.h"

namespace sluice::of::detail {
namespace {

inline constexpr uint16_t kSluiceActionLen = 24;
inline constexpr uint32_t kNiciraExperimenter = 0x00002320;
inline constexpr uint16_t kNxRegLoad = 7, kNxCt = 35, kNxNat = 36, kNxCtClear = 43;
inline constexpr uint16_t kNxCtLen = 24, kNxCtClearLen = 16, kNxRegLoadLen = 24;
inline constexpr uint32_t kNxmCtMark = 0x0001d604;
inline constexpr uint32_t kNxmCtLabel = 0x0001d810;

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
  const FieldInfo* info =
      find_field(static_cast<uint16_t>(header >> 16), static_cast<uint8_t>((header >> 9) & 0x7f));
  if (info != nullptr && info->oxm_class == kOxmClassNxm1) {
    return bad_action(bad_action::kBadSetArgument);  // ct_* are written only inside ct
  }
  if (info == nullptr || !set_field_known(info->field)) {
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

// One action of ct's exec(...): a write of ct_mark, merged into 'ct'.
Decoded<void> decode_ct_nested(uint16_t type, uint16_t len, WireReader& body,
                               CtArgs& ct) noexcept {
  if (type == static_cast<uint16_t>(ActionType::kSetField)) {
    uint32_t header = 0;
    uint32_t value = 0;
    if (!body.u32(header)) return bad_action(bad_action::kBadSetLen);
    if ((header & ~uint32_t{0xff}) == (kNxmCtLabel & ~uint32_t{0xff})) {
      return bad_action(bad_action::kBadSetType);
    }
    if (header != kNxmCtMark) return bad_action(bad_action::kBadArgument);
    if (len != 16 || !body.u32(value)) return bad_action(bad_action::kBadSetLen);
    ct.mark = value;
    ct.mark_mask = ~uint32_t{0};
    if (ct.mark_form == CtMarkForm::kNone) ct.mark_form = CtMarkForm::kSetField;
    return {};
  }
  uint32_t experimenter = 0;
  uint16_t subtype = 0;
  if (type != static_cast<uint16_t>(ActionType::kExperimenter) || !body.u32(experimenter) ||
      !body.u16(subtype) || experimenter != kNiciraExperimenter) {
    return bad_action(bad_action::kBadArgument);
  }
  if (subtype == kNxNat) return bad_action(bad_action::kBadExpType);
  if (subtype != kNxRegLoad) return bad_action(bad_action::kBadArgument);
  uint16_t ofs_nbits = 0;
  uint32_t dst = 0;
  uint64_t value = 0;
  if (len != kNxRegLoadLen || !body.u16(ofs_nbits) || !body.u32(dst) || !body.u64(value)) {
    return bad_action(bad_action::kBadLen);
  }
  if (dst == kNxmCtLabel) return bad_action(bad_action::kBadSetType);
  if (dst != kNxmCtMark) return bad_action(bad_action::kBadArgument);
  const unsigned ofs = ofs_nbits >> 6;
  const unsigned n_bits = (ofs_nbits & 0x3f) + 1u;
  if (ofs + n_bits > 32) return bad_action(bad_action::kBadSetLen);
  if (n_bits < 64 && (value >> n_bits) != 0) return bad_action(bad_action::kBadArgument);
  const uint32_t bits = static_cast<uint32_t>(((uint64_t{1} << n_bits) - 1) << ofs);
  ct.mark = (ct.mark & ~bits) | static_cast<uint32_t>(value << ofs);
  ct.mark_mask |= bits;
  ct.mark_form = CtMarkForm::kRegLoad;
  return {};
}

Decoded<void> decode_ct(WireReader& body, uint16_t len, Action& a) noexcept {
  CtArgs& ct = a.ct;
  uint32_t zone_src = 0;
  if (len < kNxCtLen || !body.u16(ct.flags) || !body.u32(zone_src) || !body.u16(ct.zone) ||
      !body.u8(ct.table) || !body.skip(3) || !body.u16(ct.alg)) {
    return bad_action(bad_action::kBadLen);
  }
  if ((ct.flags & ~(ct_flag::kCommit | ct_flag::kForce)) != 0) {
    return bad_action(bad_action::kBadArgument);
  }
  if ((ct.flags & ct_flag::kForce) != 0 && (ct.flags & ct_flag::kCommit) == 0) {
    return bad_action(bad_action::kBadArgument);
  }
  if (zone_src != 0) return bad_action(bad_action::kBadArgument);
  bool nested = false;
  while (!body.empty()) {
    uint16_t type = 0;
    uint16_t nested_len = 0;
    WireReader inner;
    if (!body.u16(type) || !body.u16(nested_len)) return bad_action(bad_action::kBadLen);
    if (nested_len < 8 || nested_len % 8 != 0 || !body.sub(nested_len - 4u, inner)) {
      return bad_action(bad_action::kBadLen);
    }
    if (auto ok = decode_ct_nested(type, nested_len, inner, ct); !ok) return ok;
    nested = true;
  }
  if (nested && (ct.flags & ct_flag::kCommit) == 0) return bad_action(bad_action::kBadArgument);
  a.type = ActionType::kCt;
  return {};
}

Decoded<void> decode_nicira(WireReader& body, uint16_t len, Action& a) noexcept {
  uint16_t subtype = 0;
  if (!body.u16(subtype)) return bad_action(bad_action::kBadLen);
  switch (subtype) {
    case kNxCt:
      return decode_ct(body, len, a);
    case kNxCtClear:
      if (len != kNxCtClearLen) return bad_action(bad_action::kBadLen);
      a.type = ActionType::kCtClear;
      return {};
    default:
      return bad_action(bad_action::kBadExpType);
  }
}

// The ct_mark write of exec(...) in the form it came in.
void encode_ct_mark(const CtArgs& ct, WireWriter& w) {
  if (ct.mark_form == CtMarkForm::kSetField && ct.mark_mask == ~uint32_t{0}) {
    w.u16(static_cast<uint16_t>(ActionType::kSetField));
    w.u16(16);
    w.u32(kNxmCtMark);
    w.u32(ct.mark);
    w.zeros(4);
    return;
  }
  // One NXAST_REG_LOAD per contiguous run of mask bits, lowest first.
  for_each_bit_run(ct.mark_mask, [&](unsigned ofs, unsigned n) {
    w.u16(static_cast<uint16_t>(ActionType::kExperimenter));
    w.u16(kNxRegLoadLen);
    w.u32(kNiciraExperimenter);
    w.u16(kNxRegLoad);
    w.u16(static_cast<uint16_t>((ofs << 6) | (n - 1)));
    w.u32(kNxmCtMark);
    w.u64((uint64_t{ct.mark} >> ofs) & ((uint64_t{1} << n) - 1));
  });
}

Decoded<void> decode_experimenter(WireReader& body, uint16_t len, Action& a) noexcept {
  uint32_t experimenter = 0;
  uint16_t subtype = 0;
  if (!body.u32(experimenter)) return bad_action(bad_action::kBadLen);
  if (experimenter == kNiciraExperimenter) return decode_nicira(body, len, a);
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
    case ActionType::kCt:
    case ActionType::kCtClear:
      break;  // internal numbers, never valid on the wire
  }
  return bad_action(bad_action::kBadType);
}

void encode_action(const Action& a, WireWriter& w) {
  const size_t start = w.size();
  const bool nicira = a.type == ActionType::kCt || a.type == ActionType::kCtClear;
  w.u16(static_cast<uint16_t>(nicira ? ActionType::kExperimenter : a.type));
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
      const uint32_t header = oxm_header(info);
      w.u16(static_cast<uint16_t>(header >> 16));
      w.u8(static_cast<uint8_t>(header >> 8));
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
    case ActionType::kCt:
      w.u32(kNiciraExperimenter);
      w.u16(kNxCt);
      w.u16(a.ct.flags);
      w.u32(0);  // zone_src: immediate
      w.u16(a.ct.zone);
      w.u8(a.ct.table);
      w.zeros(3);
      w.u16(a.ct.alg);
      if (a.ct.mark_mask != 0) encode_ct_mark(a.ct, w);
      break;
    case ActionType::kCtClear:
      w.u32(kNiciraExperimenter);
      w.u16(kNxCtClear);
      w.zeros(6);
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
