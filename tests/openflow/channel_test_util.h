// Helpers for the channel tests: OpenFlow-framed test messages and unique channel names.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::of::testing {

// A whole OpenFlow 1.3 frame of 'size' bytes (>= 8): header with 'xid', then a payload derived
// from xid so a reader can check every byte.
// Payload byte i of frame 'xid' is (xid * 31 + i * 7) mod 256. Since 7 is invertible mod 256
// (7 * 183 = 1 mod 256), that is 7 * (i + c) with c = xid * 31 * 183, so every payload is a
// slice of one table and can be written and checked with memcpy/memcmp (cheap under TSAN).
inline const uint8_t* payload_table() {
  static const auto table = [] {
    std::array<uint8_t, 256 + 65536> t{};
    for (size_t k = 0; k < t.size(); ++k) t[k] = static_cast<uint8_t>(k * 7u);
    return t;
  }();
  return table.data();
}
inline const uint8_t* payload_of(uint32_t xid) {
  return payload_table() + static_cast<uint8_t>(xid * 31u * 183u);  // index i + c at byte i
}

// Writes the header of frame(xid, size, type) into 'm' (which has at least 8 bytes).
inline void put_header(uint8_t* m, uint32_t xid, size_t size, uint8_t type) {
  m[0] = 0x04;
  m[1] = type;
  m[2] = static_cast<uint8_t>(size >> 8);
  m[3] = static_cast<uint8_t>(size);
  m[4] = static_cast<uint8_t>(xid >> 24);
  m[5] = static_cast<uint8_t>(xid >> 16);
  m[6] = static_cast<uint8_t>(xid >> 8);
  m[7] = static_cast<uint8_t>(xid);
}

// Writes frame(xid, size, type) into 'm', reusing its storage.
inline void fill_frame(std::vector<uint8_t>& m, uint32_t xid, size_t size, uint8_t type = 2) {
  m.resize(size);
  put_header(m.data(), xid, size, type);
  std::memcpy(m.data() + 8, payload_of(xid) + 8, size - 8);
}

// True if 'm' is exactly frame(xid, size, type).
inline bool is_frame(const std::vector<uint8_t>& m, uint32_t xid, size_t size, uint8_t type = 2) {
  if (m.size() != size || size < 8) return false;
  uint8_t header[8];
  put_header(header, xid, size, type);
  return std::memcmp(m.data(), header, 8) == 0 &&
         std::memcmp(m.data() + 8, payload_of(xid) + 8, size - 8) == 0;
}

inline std::vector<uint8_t> frame(uint32_t xid, size_t size, uint8_t type = 2) {
  std::vector<uint8_t> m;
  fill_frame(m, xid, size, type);
  return m;
}

inline uint32_t xid_of(const std::vector<uint8_t>& m) {
  return (uint32_t{m[4]} << 24) | (uint32_t{m[5]} << 16) | (uint32_t{m[6]} << 8) | m[7];
}

// A channel name no other test (or concurrent test binary) uses.
inline std::string unique_name(std::string_view tag) {
  static std::atomic<int> counter{0};
  return "test-" + std::to_string(::getpid()) + "-" + std::string(tag) + "-" +
         std::to_string(counter++);
}

// Removes /dev/shm/sluice.<name> at scope exit, even when a test fails half-way.
struct ShmCleanup {
  std::string name;
  ~ShmCleanup() { ::shm_unlink(("/sluice." + name).c_str()); }
};

}  // namespace sluice::of::testing
