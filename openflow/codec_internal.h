// Pieces shared by the codec's .cc files: error helpers, the per-message header check, and
// the encoders/decoders of the structures that appear inside several messages (match,
// instructions, actions, buckets, ofp_port). Not part of the public API: include codec.h.
#pragma once

#include <cstdint>
#include <expected>
#include <span>

#include "openflow/codec.h"
#include "openflow/wire.h"

namespace sluice::of::detail {

inline std::unexpected<OfError> fail(ErrorType type, uint16_t code,
                                     uint32_t experimenter = 0) noexcept {
  return std::unexpected(OfError{type, code, experimenter});
}
inline std::unexpected<OfError> bad_len() noexcept {
  return fail(ErrorType::kBadRequest, bad_request::kBadLen);
}

inline constexpr size_t round_up_8(size_t n) noexcept { return (n + 7) / 8 * 8; }

// Checks the header (decode_header) and that it is a 'type' message; returns a reader
// positioned after the 8-byte header.
Decoded<WireReader> open_message(std::span<const uint8_t> msg, MsgType type) noexcept;
// Copies a fixed-width NUL-padded text field; bytes after the first NUL are dropped so that
// equal strings compare == however the sender filled the tail.
template <size_t N>
bool read_fixed_string(WireReader& r, FixedString<N>& out) noexcept {
  if (!r.bytes({reinterpret_cast<uint8_t*>(out.bytes.data()), N})) return false;
  bool seen_nul = false;
  for (char& c : out.bytes) {
    seen_nul = seen_nul || c == '\0';
    if (seen_nul) c = '\0';
  }
  return true;
}
template <size_t N>
void write_fixed_string(WireWriter& w, const FixedString<N>& s) {
  const std::string_view text = s.view();
  w.bytes({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  w.zeros(N - text.size());
}

// ofp_match (type OXM), including its padding to 8 bytes.
void encode_match(const Match& m, WireWriter& w);
Decoded<void> decode_match(WireReader& r, Match& out) noexcept;

// A list of actions filling all of 'r' (errors: OFPET_BAD_ACTION).
void encode_actions(const ActionList& actions, WireWriter& w);
Decoded<void> decode_actions(WireReader r, ActionList& out) noexcept;

// A list of instructions filling all of 'r' (errors: OFPET_BAD_INSTRUCTION, or the action's).
void encode_instructions(const Instructions& ins, WireWriter& w);
Decoded<void> decode_instructions(WireReader r, Instructions& out) noexcept;

// A list of ofp_bucket filling all of 'r' (errors: OFPET_GROUP_MOD_FAILED, or the action's).
void encode_buckets(const GroupDesc& g, WireWriter& w);
Decoded<void> decode_buckets(WireReader r, GroupDesc& out) noexcept;
// Stores a group type byte read from the wire (OFPGMFC_BAD_TYPE if unknown).
Decoded<void> read_group_type(uint8_t type, GroupDesc& out) noexcept;

// ofp_port (64 bytes).
inline constexpr size_t kPortSize = 64;
void encode_port(const Port& p, WireWriter& w);
Decoded<Port> decode_port(WireReader& r) noexcept;

}  // namespace sluice::of::detail
