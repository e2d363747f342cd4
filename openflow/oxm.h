// The OXM fields this codec understands (OpenFlowBasic, and the Nicira ct_* fields Open vSwitch
// sends in class 0x0001), described once: wire size, whether a
// mask is allowed (OpenFlow 1.3.5 table 12), and the names used in text. Also a uniform
// "field as an integer" view of Match, so the match and set-field codecs and the formatter
// handle every field with one code path instead of twenty.
//
// Integer representation of a field value: the wire bytes read as one big-endian number. A
// MAC address is therefore its six bytes in the low 48 bits (first byte highest), an IPv4
// address is in host order, vlan_vid includes kVidPresent. Action::value uses the same form.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "openflow/messages.h"

namespace sluice::of {

inline constexpr uint16_t kOxmClassBasic = 0x8000;
inline constexpr uint16_t kOxmClassNxm1 = 0x0001;  // NXM_NX_* (Open vSwitch's extension fields)
inline constexpr uint16_t kOxmMatchType = 1;  // OFPMT_OXM
inline constexpr uint16_t kEthTypeIpv4 = 0x0800;
inline constexpr uint16_t kEthTypeIpv6 = 0x86dd;
inline constexpr uint16_t kEthTypeArp = 0x0806;
inline constexpr uint16_t kEthTypeVlan = 0x8100;
inline constexpr uint16_t kEthTypeQinQ = 0x88a8;
inline constexpr uint8_t kIpProtoIcmp = 1, kIpProtoTcp = 6, kIpProtoUdp = 17;
inline constexpr uint16_t kVidMask = 0x1fff;  // kVidPresent | 12-bit VID

struct FieldInfo {
  Field field;
  uint8_t size;           // value bytes on the wire
  bool maskable;          // the spec allows oxm_hasmask for this field
  std::string_view name;  // OXM name, as printed by set_field ("eth_dst", "vlan_vid", ...)
  uint16_t oxm_class = kOxmClassBasic;
  uint8_t oxm_field = 0;  // the wire field number (for basic fields, the Field value itself)
};

// All known fields in wire order (the basic ones by ascending OXM field number, which also
// puts every field's prerequisites before them; then the Nicira ones, where Open vSwitch puts
// them).
std::span<const FieldInfo> known_fields() noexcept;
// The field with OXM class 'oxm_class' and number 'oxm_field', or nullptr if this codec does
// not know it.
const FieldInfo* find_field(uint16_t oxm_class, uint8_t oxm_field) noexcept;
// The 32-bit OXM header of 'f' without a mask (class, field, hasmask 0, length).
uint32_t oxm_header(const FieldInfo& f) noexcept;
const FieldInfo& field_info(Field f) noexcept;
// Whether a set_field action may name 'f' (every known field but the match-only ARP ones).
bool set_field_known(Field f) noexcept;

// The mask meaning "exact match" for 'f' (all value bits; 0x1fff for vlan_vid).
uint64_t field_exact_mask(Field f) noexcept;
uint64_t match_value(const Match& m, Field f) noexcept;
uint64_t match_mask(const Match& m, Field f) noexcept;
// Sets 'f' in 'm' to value & mask; 'masked' records whether the mask came from the wire.
void match_set(Match& m, Field f, uint64_t value, uint64_t mask, bool masked) noexcept;
// Convenience for building matches in code and tests: exact, or with a mask.
inline void match_exact(Match& m, Field f, uint64_t value) noexcept {
  match_set(m, f, value, field_exact_mask(f), false);
}

// Calls fn(ofs, n_bits) for each run of contiguous one bits of 'mask', lowest first (how
// ct(exec(...)) writes a masked ct_mark: one NXAST_REG_LOAD per run).
template <class Fn>
void for_each_bit_run(uint32_t mask, Fn fn) {
  for (unsigned ofs = 0; ofs < 32;) {
    if ((mask >> ofs & 1) == 0) {
      ++ofs;
      continue;
    }
    unsigned n = 0;
    while (ofs + n < 32 && (mask >> (ofs + n) & 1) != 0) ++n;
    fn(ofs, n);
    ofs += n;
  }
}

uint64_t mac_to_u64(const MacAddr& mac) noexcept;
MacAddr u64_to_mac(uint64_t v) noexcept;

}  // namespace sluice::of
