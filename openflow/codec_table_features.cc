// OFPMP_TABLE_FEATURES reply: what each table can match, set and do (OpenFlow 1.3.5 §7.3.5.5).
// Clients such as ovs-ofctl read it before they accept table names; Open vSwitch requires the
// eight non-miss properties in every entry (a missing _MISS property means "same as the
// regular one"). Sluice's tables are all alike, so the reply is built from its capabilities.
//
//   ofp_table_features  u16 length, u8 table_id, pad[5], name[32], u64 metadata_match,
//                       u64 metadata_write, u32 config, u32 max_entries, properties
//   property            u16 type, u16 length (without padding), body, padded to 8 bytes
#include <cstdio>

#include "openflow/codec.h"
#include "openflow/codec_multipart_internal.h"
#include "openflow/oxm.h"

namespace sluice::of {
namespace {



enum PropType : uint16_t {
  kInstructions = 0,
  kNextTables = 2,
  kWriteActions = 4,
  kApplyActions = 6,
  kMatch = 8,
  kWildcards = 10,
  kWriteSetfield = 12,
  kApplySetfield = 14,
};

constexpr uint16_t kInstructionTypes[] = {1 /*GOTO_TABLE*/, 2 /*WRITE_METADATA*/,
                                          3 /*WRITE_ACTIONS*/, 4 /*APPLY_ACTIONS*/,
                                          5 /*CLEAR_ACTIONS*/};
constexpr ActionType kActionTypes[] = {ActionType::kOutput, ActionType::kPushVlan,
                                       ActionType::kPopVlan, ActionType::kGroup,
                                       ActionType::kSetField};

bool settable(Field f) {
  return f != Field::kInPort && f != Field::kMetadata && f != Field::kEthType &&
         f != Field::kIpProto && set_field_known(f);
}

uint32_t oxm_header(const FieldInfo& info, bool hasmask) {
  const uint32_t len = info.size * (hasmask ? 2u : 1u);
  return uint32_t{kOxmClassBasic} << 16 | uint32_t{static_cast<uint8_t>(info.field)} << 9 |
         uint32_t{hasmask} << 8 | len;
}

// Writes one property: 'body' writes its contents.
template <class Body>
void property(WireWriter& w, uint16_t type, Body body) {
  const size_t start = w.size();
  w.u16(type);
  w.u16(0);  // length, patched
  body();
  const size_t len = w.size() - start;
  w.patch_u16(start + 2, static_cast<uint16_t>(len));
  w.zeros((8 - len % 8) % 8);
}

void fields(WireWriter& w, bool with_masks, bool only_settable) {
  for (const FieldInfo& info : known_fields()) {
    if (only_settable && !settable(info.field)) continue;
    w.u32(oxm_header(info, with_masks && info.maskable));
  }
}

void table_entry(WireWriter& w, uint8_t table, uint8_t n_tables, uint32_t max_entries) {
  const size_t start = w.size();
  w.u16(0);  // length, patched
  w.u8(table);
  w.zeros(5);
  char name[32] = {};
  std::snprintf(name, sizeof name, "table%u", unsigned{table});
  w.bytes(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(name), sizeof name));
  w.u64(~uint64_t{0});  // metadata_match: every bit
  w.u64(~uint64_t{0});  // metadata_write: every bit
  w.u32(0);             // config
  w.u32(max_entries);
  property(w, kInstructions, [&] {
    for (uint16_t t : kInstructionTypes) {
      if (t == 1 && table + 1 >= n_tables) continue;  // the last table has nowhere to go
      w.u16(t);
      w.u16(4);
    }
  });
  property(w, kNextTables, [&] {
    for (unsigned t = table + 1u; t < n_tables; ++t) w.u8(static_cast<uint8_t>(t));
  });
  for (uint16_t type : {kWriteActions, kApplyActions}) {
    property(w, type, [&] {
      for (ActionType a : kActionTypes) {
        w.u16(static_cast<uint16_t>(a));
        w.u16(4);
      }
    });
  }
  property(w, kMatch, [&] { fields(w, true, false); });
  property(w, kWildcards, [&] { fields(w, false, false); });
  property(w, kWriteSetfield, [&] { fields(w, false, true); });
  property(w, kApplySetfield, [&] { fields(w, false, true); });
  w.patch_u16(start, static_cast<uint16_t>(w.size() - start));
}

}  // namespace

void encode_table_features_reply(uint32_t xid, uint8_t n_tables, uint32_t max_entries,
                                 Bytes& out) {
  std::vector<uint8_t> tables(n_tables);
  for (uint8_t t = 0; t < n_tables; ++t) tables[t] = t;
  detail::encode_reply<uint8_t>(
      xid, MultipartType::kTableFeatures, tables,
      [&](uint8_t t, WireWriter& w) { table_entry(w, t, n_tables, max_entries); }, out);
}

}  // namespace sluice::of
