// Compiler: turns the installed OpenFlow rules (FlowStore) and the live ports into the
// immutable Tables that workers read, plus the static MAC entries for the MacTable.
// Pure function of its inputs; runs on the control lcore, off the fast path.
#pragma once

#include <array>
#include <functional>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>

#include "dataplane/flow_store.h"
#include "dataplane/special_table.h"
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
  bool full = false;  // compiled from nothing (not only the flows that changed)
};

// Compiles from scratch.
Compiled compile(const FlowStore& store, const std::array<PortRuntime, kMaxPorts>& ports,
                 uint64_t version, const Specialisers& specialisers = {});

// Compiles incrementally: remembers what its last program holds and, given what the store says
// changed since (FlowStore::take_changes), recompiles only the flows named there. Their tables'
// classifiers are updated (Classifier::updated), sharing every untouched shard and every
// unchanged CompiledFlow with the previous version, so one flow added to a table of 100,000
// costs about one shard, not the table. A change of groups, of the learning table or of the
// ports recompiles everything (group indices and port slots are baked into the ops).
class Compiler {
 public:
  // 'specialisers' run their tables with the network functions' structures (special_table.h).
  explicit Compiler(Specialisers specialisers = {}) : specialisers_(std::move(specialisers)) {}
  // 'progress', if set, is called every few thousand flows (a full compile of 100k flows takes
  // a good fraction of a second).
  Compiled compile(const FlowStore& store, const std::array<PortRuntime, kMaxPorts>& ports,
                   uint64_t version, const StoreChanges& changes,
                   const std::function<void()>& progress = {});

 private:
  struct Installed {
    uint8_t table = 0;
    bool ingress_shape = false;  // a table-0 flow of the shapes compiled into direct arrays
    bool l2_shape = false;       // a flow of the named learning table in one of its L2 shapes
    bool in_classifier = false;  // not in the learning table
    MaskedKey match;
  };

  void forget();
  void specialise(const FlowStore& store, const std::array<PortRuntime, kMaxPorts>& ports,
                  Tables& t) const;

  Specialisers specialisers_;
  bool have_previous_ = false;
  std::array<PortRuntime, kMaxPorts> ports_{};
  std::unordered_map<uint32_t, Installed> installed_;  // counter slot → what the program holds
  std::array<Classifier, FlowStore::kNumTables> tables_;
  std::array<uint32_t, FlowStore::kNumTables> table_flows_{};
  uint32_t table0_other_ = 0;                        // table-0 flows that are not ingress shapes
  uint32_t learning_other_ = 0;                      // learning-table flows that are not L2 shapes
  uint8_t learning_ = 0xff;                          // the table that learns (none: 0xff)
  std::set<uint32_t> table0_, learning_flows_;       // counter slots of those tables' flows
};

}  // namespace sluice::dp
