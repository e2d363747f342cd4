// Helpers for the codec tests: hex byte literals, assembling messages around hand-written
// TLVs, and checking decode errors.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "openflow/codec.h"
#include "openflow/format.h"

namespace sluice::of::testing {

// "04 0e 00 08" -> {0x04, 0x0e, 0x00, 0x08}; spaces, '|' and newlines are ignored.
inline Bytes hex(std::string_view s) {
  Bytes out;
  int nibble = -1;
  for (char c : s) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) continue;
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(static_cast<uint8_t>(nibble << 4 | v));
      nibble = -1;
    }
  }
  EXPECT_LT(nibble, 0) << "odd number of hex digits in: " << s;
  return out;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// 'text' NUL-padded to 'width' bytes.
inline Bytes padded(std::string_view text, size_t width) {
  Bytes out(text.begin(), text.end());
  out.resize(width, 0);
  return out;
}

inline void put_u16(Bytes& b, size_t offset, uint16_t v) {
  b[offset] = static_cast<uint8_t>(v >> 8);
  b[offset + 1] = static_cast<uint8_t>(v);
}
// Sets the header's length field to the actual size (after a test changed the size).
inline Bytes fix_length(Bytes b) {
  put_u16(b, 2, static_cast<uint16_t>(b.size()));
  return b;
}

// An ofp_match around raw OXM TLV bytes: type 1, length 4 + tlvs, zero padding to 8.
inline Bytes match_of(const Bytes& tlvs) {
  Bytes m = hex("00 01 00 00");
  put_u16(m, 2, static_cast<uint16_t>(4 + tlvs.size()));
  m.insert(m.end(), tlvs.begin(), tlvs.end());
  m.resize((m.size() + 7) / 8 * 8, 0);
  return m;
}

// A FLOW_MOD ADD to table 0, priority 100, xid 1, around a raw match and instruction bytes.
inline Bytes flow_mod_of(const Bytes& match, const Bytes& instructions) {
  Bytes b = cat({hex("04 0e 00 00 00 00 00 01"
                     "00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00"
                     "00 00 0000 0000 0064 ffffffff ffffffff ffffffff 0000 0000"),
                 match, instructions});
  return fix_length(b);
}

// An APPLY_ACTIONS instruction around raw action bytes.
inline Bytes apply_of(const Bytes& actions) {
  Bytes i = hex("00 04 00 00 00 00 00 00");
  put_u16(i, 2, static_cast<uint16_t>(8 + actions.size()));
  i.insert(i.end(), actions.begin(), actions.end());
  return i;
}

inline std::string error_text(const OfError& e) {
  return error_type_name(e.type, e.code) + " exp=" + std::to_string(e.experimenter);
}

// Asserts that 'd' failed with exactly (type, code[, experimenter]).
template <class T>
::testing::AssertionResult fails_with(const Decoded<T>& d, ErrorType type, uint16_t code,
                                      uint32_t experimenter = 0) {
  if (d) return ::testing::AssertionFailure() << "decoded successfully";
  const OfError want{type, code, experimenter};
  if (d.error() == want) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "got " << error_text(d.error()) << ", want " << error_text(want);
}

// ofp_port 1 "vm1", 02:00:00:00:00:01, LIVE, 10 Gb/s.
inline const char* const kPortBytes =
    "00 00 00 01 | 00 00 00 00 | 02 00 00 00 00 01 | 00 00 |"
    "76 6d 31 00 00 00 00 00 00 00 00 00 00 00 00 00 |"  // "vm1"
    "00 00 00 00 | 00 00 00 04 | 00 00 00 00 | 00 00 00 00 | 00 00 00 00 | 00 00 00 00 |"
    "00 98 96 80 | 00 98 96 80";

inline Port golden_port() {
  Port p;
  p.port_no = 1;
  p.hw_addr = {0x02, 0, 0, 0, 0, 0x01};
  p.name.assign("vm1");
  p.state = port_state::kLive;
  p.curr_speed = 10'000'000;
  p.max_speed = 10'000'000;
  return p;
}

inline Decoded<void> decode_flow_mod_bytes(const Bytes& b) {
  FlowMod fm;
  return decode_flow_mod(b, fm);
}

}  // namespace sluice::of::testing

namespace sluice::of::testing {

// Every proper prefix of 'msg' (header length field untouched, so it no longer matches the
// size) must be rejected with OFPBRC_BAD_LEN, and format_message must name it malformed.
template <class Decode>
void expect_prefixes_rejected(const Bytes& msg, Decode decode) {
  for (size_t n = 0; n < msg.size(); ++n) {
    const Bytes prefix(msg.begin(), msg.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_TRUE(fails_with(decode(std::span<const uint8_t>(prefix)), ErrorType::kBadRequest,
                           bad_request::kBadLen))
        << "prefix of " << n << " bytes";
    EXPECT_NE(format_message(prefix).find("(malformed: OFPET_BAD_REQUEST/OFPBRC_BAD_LEN)"),
              std::string::npos)
        << "prefix of " << n << " bytes: " << format_message(prefix);
  }
}

// Every proper prefix of at least a header, with the length field rewritten to match, must be
// rejected with exactly 'type'/'code' (for fixed-size messages: the body is short).
template <class Decode>
void expect_short_bodies_rejected(const Bytes& msg, Decode decode,
                                  ErrorType type = ErrorType::kBadRequest,
                                  uint16_t code = bad_request::kBadLen) {
  for (size_t n = kHeaderSize; n < msg.size(); ++n) {
    const Bytes prefix =
        fix_length(Bytes(msg.begin(), msg.begin() + static_cast<std::ptrdiff_t>(n)));
    EXPECT_TRUE(fails_with(decode(std::span<const uint8_t>(prefix)), type, code))
        << "body cut to " << n << " bytes";
    EXPECT_NE(format_message(prefix).find("malformed"), std::string::npos) << n;
  }
}

// One trailing byte (length field updated) must be rejected with 'type'/'code'; a length
// field that disagrees with the size must be rejected with OFPBRC_BAD_LEN.
template <class Decode>
void expect_overlong_rejected(const Bytes& msg, Decode decode,
                              ErrorType type = ErrorType::kBadRequest,
                              uint16_t code = bad_request::kBadLen) {
  Bytes longer = msg;
  longer.push_back(0);
  EXPECT_TRUE(fails_with(decode(std::span<const uint8_t>(longer)), ErrorType::kBadRequest,
                         bad_request::kBadLen))
      << "trailing byte not counted in the header";
  EXPECT_TRUE(fails_with(decode(std::span<const uint8_t>(fix_length(longer))), type, code))
      << "trailing byte counted in the header";
  Bytes claims_more = msg;
  put_u16(claims_more, 2, static_cast<uint16_t>(msg.size() + 8));
  EXPECT_TRUE(fails_with(decode(std::span<const uint8_t>(claims_more)), ErrorType::kBadRequest,
                         bad_request::kBadLen));
}

}  // namespace sluice::of::testing
