// IngressStage (OpenFlow table 0, while it holds only the ingress shapes: Tables::ingress_direct):
// puts each frame into a bridge domain according to its port's VLAN mode (direct arrays per
// port and VID), strips the 802.1Q tag (frames travel untagged inside the switch), and sends it
// to the table its flow names (the learning table: the l2 stage; any other: the openflow
// stage). When table 0 holds other flows it passes every frame on, untouched, to the openflow
// stage's classifier.
//
// Edges: pass → the next table's stage. Drops: port_down (admin down), port_not_configured (no table-0 flow for
// the port), vlan_not_allowed (tagged VLAN not allowed on the port, or untagged frame on a port
// without an untagged VLAN).
// Counters: per-stage; per flow (table-0 flow packets/bytes).
// Configured by: FLOW_MOD table 0 (see docs/architecture.md), compiled into Tables::ingress.
// Threading: any worker; reads the published Tables only.
#pragma once

#include <array>

#include "dataplane/stage.h"

namespace sluice::dp {

enum class IngressDrop : uint8_t {
  kNone = 0,
  kPortDown,
  kPortNotConfigured,
  kVlanNotAllowed,
  kCount
};
inline constexpr std::array<const char*, 4> kIngressDropNames = {
    "none", "port_down", "port_not_configured", "vlan_not_allowed"};
static_assert(kIngressDropNames.size() == static_cast<size_t>(IngressDrop::kCount));

class IngressStage final : public Stage {
 public:
  std::string_view name() const noexcept override { return "ingress"; }
  std::span<const char* const> drop_reason_names() const noexcept override {
    return kIngressDropNames;
  }
  // Table 0 is a classifier this version (the openflow stage runs it).
  bool active(const Tables& t) const noexcept override;
  void process(StageContext& ctx, Burst& burst, Verdicts& out) noexcept override;
};

}  // namespace sluice::dp
