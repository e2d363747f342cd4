// ParseStage: reads each frame's Ethernet and 802.1Q headers once into PacketMeta.
//
// Edges: pass → ingress. Drops: runt (shorter than an Ethernet header, or the header is not in
// the first segment), truncated_vlan (802.1Q TPID without a whole tag), reserved_vlan (VID
// 4095). A VID-0 tag is a priority tag: the frame counts as untagged.
// Counters: per-stage packets, cycles, drops. Configured by: nothing. Threading: any worker.
#pragma once

#include <array>

#include "dataplane/stage.h"

namespace sluice::dp {

enum class ParseDrop : uint8_t { kNone = 0, kRunt, kTruncatedVlan, kReservedVlan, kCount };
inline constexpr std::array<const char*, 4> kParseDropNames = {"none", "runt", "truncated_vlan",
                                                               "reserved_vlan"};
static_assert(kParseDropNames.size() == static_cast<size_t>(ParseDrop::kCount));

class ParseStage final : public Stage {
 public:
  std::string_view name() const noexcept override { return "parse"; }
  std::span<const char* const> drop_reason_names() const noexcept override {
    return kParseDropNames;
  }
  void process(StageContext& ctx, Burst& burst, Verdicts& out) noexcept override;
};

}  // namespace sluice::dp
