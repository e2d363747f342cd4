// The byte layout of the control channel's shared-memory region /dev/shm/sluice.<name>.
// Both processes map the same bytes, so every struct here is standard-layout with fixed sizes,
// and every word the two sides share is a lock-free std::atomic (address-free).
//
//   offset 0                RegionHeader                                    128 B
//   offset 128 + k*stride   slot k: SlotHeader                              128 B
//                                   request ring block (client → server)   128 B + ring_bytes
//                                   reply ring block   (server → client)   128 B + ring_bytes
//   stride = 128 + 2 * (128 + ring_bytes)
//
// Slot ownership (the owner word):
//   0                  free; rings are empty. A client claims it by CAS 0 → pid, then bumps
//                      the session counter and its heartbeat.
//   pid                claimed by a live client.
//   pid | kReleasedBit the client left; the server resets the rings (after receiving what the
//                      client sent before leaving) and stores 0.
// Only the server resets rings and frees slots, so a free slot always has clean rings. A slot
// the server found broken (corrupt frame) stays claimed, with 'broken' set, until its client
// leaves or dies.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "openflow/channel/spsc_ring.h"

namespace sluice::of::layout {

inline constexpr uint64_t kMagic = 0x31484343'45435553ull;  // "SUCECCH1" little-endian
inline constexpr uint32_t kLayoutVersion = 1;
inline constexpr uint64_t kReleasedBit = uint64_t{1} << 62;

enum class ServerState : uint32_t { kRunning = 1, kClosed = 2 };

struct alignas(64) RegionHeader {
  std::atomic<uint64_t> magic;  // kMagic, stored (release) after everything else is set up
  uint32_t layout_version;
  uint32_t slot_count;
  uint32_t ring_bytes;
  int32_t server_pid;
  uint64_t generation;                                 // differs for every server instance
  std::atomic<uint32_t> server_state;                  // ServerState
  alignas(64) std::atomic<uint64_t> server_heartbeat;  // bumped by ChannelServer::tick()
};
static_assert(sizeof(RegionHeader) == 128);

struct alignas(64) SlotHeader {
  std::atomic<uint64_t> owner;    // see "Slot ownership" above
  std::atomic<uint64_t> session;  // bumped by each client that claims the slot
  std::atomic<uint32_t> broken;   // why the server dropped this client: kBroken*, 0 if not
  alignas(64) std::atomic<uint64_t> client_heartbeat;  // bumped by the client
};
static_assert(sizeof(SlotHeader) == 128);

// SlotHeader::broken values.
inline constexpr uint32_t kBrokenFrame = 1;          // a corrupt frame or ring counter
inline constexpr uint32_t kBrokenOutboxOverflow = 2;  // replies piled up past the hard limit

inline size_t slot_stride(uint32_t ring_bytes) noexcept {
  return sizeof(SlotHeader) + 2 * ByteRing::footprint(ring_bytes);
}
inline size_t region_bytes(uint32_t slot_count, uint32_t ring_bytes) noexcept {
  return sizeof(RegionHeader) + size_t{slot_count} * slot_stride(ring_bytes);
}
inline size_t slot_offset(uint32_t slot, uint32_t ring_bytes) noexcept {
  return sizeof(RegionHeader) + size_t{slot} * slot_stride(ring_bytes);
}
inline size_t request_ring_offset(uint32_t slot, uint32_t ring_bytes) noexcept {
  return slot_offset(slot, ring_bytes) + sizeof(SlotHeader);
}
inline size_t reply_ring_offset(uint32_t slot, uint32_t ring_bytes) noexcept {
  return request_ring_offset(slot, ring_bytes) + ByteRing::footprint(ring_bytes);
}

// "/sluice.<name>" for shm_open, "/dev/shm/sluice.<name>" on Linux.
inline constexpr const char* kShmPrefix = "/sluice.";

}  // namespace sluice::of::layout
