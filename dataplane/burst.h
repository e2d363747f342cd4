// A burst: up to 32 packets and their per-packet metadata, parsed once at the top of the
// pipeline and read by every stage after it.
#pragma once

#include <array>
#include <cstdint>

#include "dataplane/flow_key.h"

struct rte_mbuf;

namespace sluice::dp {

inline constexpr uint16_t kBurstSize = 32;
inline constexpr uint16_t kNoSlot = 0xffff;
inline constexpr uint16_t kFloodSlot = 0xfffe;
inline constexpr uint32_t kNoFlow = 0xffffffff;
// PacketMeta::table once a stage has decided the packet's output (no table left to visit).
inline constexpr uint8_t kTableDone = 0xff;

// Written by the parse stage; 'key' and 'layout' are the packet's headers, L2 to L4, read once
// (mbuf_key.h) for every stage after it. A stage that rewrites the frame keeps them in step
// (headers.h).
struct PacketMeta {
  FlowKey key;                  // in_port is the OpenFlow port number; metadata 0
  PacketLayout layout;
  uint16_t in_slot = kNoSlot;   // ingress port slot
  uint16_t out_slot = kNoSlot;  // unicast output slot, kFloodSlot, or kNoSlot
  uint16_t bd = 0;              // bridge domain (VLAN id) after ingress; 0 = none yet
  uint16_t vid = 0;             // VLAN id of the frame's 802.1Q tag, if tagged
  uint16_t ether_type = 0;      // EtherType after any VLAN tag
  // The OpenFlow table the packet visits next (parse: 0); each table's stage serves the
  // packets at its table and sets the next one (goto), or kTableDone with an output decided.
  uint8_t table = 0;
  uint8_t tagged = 0;           // the frame arrived with an 802.1Q tag (VID != 0)
  uint8_t priority_tagged = 0;  // the frame arrived with a VID-0 tag
  uint32_t len = 0;             // frame length at ingress
  uint64_t src_key = 0;         // (bd << 48) | source MAC, set by the L2 stage
  uint64_t dst_key = 0;         // (bd << 48) | destination MAC
};

struct Burst {
  uint16_t count = 0;
  std::array<rte_mbuf*, kBurstSize> pkts{};
  std::array<PacketMeta, kBurstSize> meta{};
};

// A stage's decision for each packet: 0 passes it on, anything else drops it with that
// reason (an index into the stage's drop reason table).
struct Verdicts {
  std::array<uint8_t, kBurstSize> reason{};
};

}  // namespace sluice::dp
