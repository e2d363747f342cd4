// TablesBuilder: describes a switch the way a controller would (access and trunk ports,
// VLANs, static MACs), turns it into the FLOW_MODs and GROUP_MODs of docs/architecture.md
// ("Tables"), applies them to a real FlowStore and compiles them with dp::compile(). Tests
// never poke Tables fields directly, so they exercise the real control path.
//
//   TablesBuilder b;
//   b.access(1, 100).trunk(2, {100, 200}, /*native=*/300).static_mac(100, m, 1);
//   dp::Compiled c = b.compile(ports);  // ports: slot → OpenFlow port number
//
// Every message the builder sends must be accepted; a rejection is a test failure.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <vector>

#include "dataplane/compiler.h"
#include "dataplane/counters.h"
#include "dataplane/flow_store.h"
#include "tests/testlib/packet_builder.h"

namespace sluice::test {

class TablesBuilder {
 public:
  // 'counters' (optional) backs the FlowStore's counter reader, for flow statistics.
  // 'specialisers': the network functions' tables (root::specialisers() for sluiced's).
  explicit TablesBuilder(uint32_t counter_slots = 1024,
                         const dp::WorkerCounters* counters = nullptr,
                         dp::Specialisers specialisers = {});

  TablesBuilder& access(uint32_t port, uint16_t vlan);
  // Tagged VLANs 'vlans', plus a native VLAN when native != 0: accepted untagged and tagged,
  // sent untagged (what sluicectl's compiler emits).
  TablesBuilder& trunk(uint32_t port, std::vector<uint16_t> vlans, uint16_t native = 0);
  // A bridge domain with no member ports (yet).
  TablesBuilder& vlan(uint16_t vlan);
  TablesBuilder& static_mac(uint16_t vlan, const MacAddr& mac, uint32_t port);

  // Sends what was declared (GROUP_MODs, then table 0, then the L2 table). Once; compile() calls
  // it if needed. Later changes go through apply().
  TablesBuilder& commit();
  of::Decoded<void> apply(const of::FlowMod& fm) { return store_.apply(fm); }
  of::Decoded<void> apply(const of::GroupMod& gm) { return store_.apply(gm); }

  dp::Compiled compile(const std::array<dp::PortRuntime, dp::kMaxPorts>& ports);
  dp::FlowStore& store() noexcept { return store_; }

  // Counter slots of installed flows (kNoFlowCounter and a test failure when absent).
  uint32_t counter(uint8_t table, uint16_t priority, const of::Match& match) const;
  uint32_t ingress_counter(uint32_t port, uint16_t vlan_vid) const;  // vlan_vid as on the wire
  uint32_t flood_counter(uint16_t vlan) const;
  uint32_t static_counter(uint16_t vlan, const MacAddr& mac) const;

 private:
  struct PortDecl {
    uint32_t port;
    bool trunk;
    std::vector<uint16_t> tagged;
    uint16_t untagged;  // access VLAN or trunk native; 0 = none
  };
  struct StaticDecl {
    uint16_t vlan;
    MacAddr mac;
    uint32_t port;
  };
  uint16_t push_vid(uint32_t port, uint16_t vlan) const;

  dp::FlowStore store_;
  std::vector<PortDecl> ports_;
  std::vector<uint16_t> vlans_;  // declaration order
  std::vector<StaticDecl> statics_;
  bool committed_ = false;
  uint64_t version_ = 0;
  dp::Compiler compiler_;
};

}  // namespace sluice::test
