// ParseStage: reads each frame's headers, L2 to L4, once into PacketMeta (the key and layout
// every later stage uses; see mbuf_key.h).
//
// A tag is 802.1Q (TPID 0x8100) or 802.1ad (0x88a8), as the OpenFlow pipeline's parser reads
// them, so both pipelines classify a frame alike. A VID-0 tag is a priority tag: the frame
// counts as untagged.
//
// Edges: pass → ingress. Drops: runt (shorter than an Ethernet header, or the header is not in
// the first segment), truncated_vlan (TPID without a whole tag), reserved_vlan (VID 4095),
// double_tagged (a priority tag followed by another tag: such a frame would enter a port's
// untagged VLAN — an access VLAN, or a trunk's native one — and leave carrying the inner VID,
// the "VLAN hopping" attack), ip_fragment (an IPv4 or IPv6 fragment while the switch's
// OpenFlow configuration is OFPC_FRAG_DROP).
// Counters: per-stage packets, cycles, drops. Configured by: nothing. Threading: any worker.
#pragma once

#include <array>

#include "dataplane/stage.h"

namespace sluice::dp {

enum class ParseDrop : uint8_t {
  kNone = 0,
  kRunt,
  kTruncatedVlan,
  kReservedVlan,
  kDoubleTagged,
  kIpFragment,
  kCount
};
inline constexpr std::array<const char*, 6> kParseDropNames = {
    "none", "runt", "truncated_vlan", "reserved_vlan", "double_tagged", "ip_fragment"};
static_assert(kParseDropNames.size() == static_cast<size_t>(ParseDrop::kCount));

// One frame's verdict, starting its metadata afresh (table 0, no bridge domain, no output) and
// filling meta.len, vid, tagged, priority_tagged, ether_type, and (when the Ethernet header and
// any tag are whole) key and layout; 'in_port' is the OpenFlow port number the key carries.
// With 'l2_only' (Tables::reaches_classifiers false: an L2 pipeline, where nothing reads the key)
// only layout.tags (the outer tag) and layout.l3 are written, unless 'frag_drop' needs the IP
// header.
ParseDrop parse_frame(const rte_mbuf* m, uint32_t in_port, PacketMeta& meta, bool frag_drop,
                      bool l2_only = false) noexcept;

class ParseStage final : public Stage {
 public:
  std::string_view name() const noexcept override { return "parse"; }
  std::span<const char* const> drop_reason_names() const noexcept override {
    return kParseDropNames;
  }
  void process(StageContext& ctx, Burst& burst, Verdicts& out) noexcept override;
};

}  // namespace sluice::dp
