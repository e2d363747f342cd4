// ControlBundles: atomic bundles of FLOW_MODs and GROUP_MODs — the OpenFlow 1.4 semantics
// carried in 1.3 as the ONF extension (BUNDLE_CONTROL, BUNDLE_ADD_MESSAGE), as Open vSwitch
// does. A bundle's messages are checked when added and held per channel slot; a commit
// applies them all or none, and the workers see the result in one publish. Counters:
// bundles_committed, bundles_failed, bundle_opens_refused, bundle_adds_refused
// (control_stats.h). Control lcore only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "dataplane/control_link.h"
#include "dataplane/control_stats.h"
#include "dataplane/flow_store.h"
#include "openflow/channel/channel.h"

namespace sluice::dp {

class ControlBundles {
 public:
  ControlBundles(ControlLink& link, of::ChannelServer& channel, FlowStore& flows,
                 ControlStats& stats)
      : link_(link), channel_(channel), flows_(flows), stats_(stats) {}

  // An ONF experimenter message; an ERROR to 'slot' if refused (counted as applied either way).
  void handle(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);

 private:
  struct Bundle {
    uint16_t flags = 0;
    bool closed = false;
    std::vector<std::vector<uint8_t>> messages;  // FLOW_MODs and GROUP_MODs, checked, in order
  };
  struct SlotBundles {
    uint64_t session = 0;  // the client they belong to
    std::map<uint32_t, Bundle> open;
    size_t bytes = 0;  // of the messages held in 'open'
  };
  using Refusal = std::optional<uint16_t>;  // a bundle_failed code

  SlotBundles& bundles_of(uint32_t slot);
  void add(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg, SlotBundles& sb);
  std::expected<Bundle*, uint16_t> admit(SlotBundles& sb, const of::BundleAdd& add, size_t bytes);
  void control(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg, SlotBundles& sb);
  Refusal apply_control(uint32_t slot, const of::BundleCtrl& ctrl, SlotBundles& sb,
                        of::BundleCtrlType& reply);
  Refusal room_for_one_more(const SlotBundles& sb);
  Refusal open(SlotBundles& sb, const of::BundleCtrl& ctrl);
  Refusal close(SlotBundles& sb, const of::BundleCtrl& ctrl);
  Refusal discard(SlotBundles& sb, const of::BundleCtrl& ctrl);
  Refusal commit_request(uint32_t slot, SlotBundles& sb, const of::BundleCtrl& ctrl);
  bool commit(uint32_t slot, const Bundle& bundle);

  ControlLink& link_;
  of::ChannelServer& channel_;
  FlowStore& flows_;
  ControlStats& stats_;
  std::map<uint32_t, SlotBundles> bundles_;  // per channel slot
  of::Bytes out_;
};

}  // namespace sluice::dp
