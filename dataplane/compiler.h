// Compiler: turns the installed OpenFlow rules (FlowStore) and the live ports into the
// immutable Tables that workers read, plus the static MAC entries for the MacTable.
// Pure function of its inputs; runs on the control lcore, off the fast path.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>

#include "dataplane/flow_store.h"
#include "dataplane/tables.h"

namespace sluice::dp {

struct StaticMac {
  uint16_t slot = 0;
  uint32_t flow = kNoFlowCounter;
  friend bool operator==(const StaticMac&, const StaticMac&) = default;
};

struct Compiled {
  std::unique_ptr<Tables> tables;
  std::map<uint64_t, StaticMac> statics;  // mac_key → where it lives
};

Compiled compile(const FlowStore& store, const std::array<PortRuntime, kMaxPorts>& ports,
                 uint64_t version);

}  // namespace sluice::dp
