#include "tests/testlib/tables_builder.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/testlib/of_builders.h"

namespace sluice::test {
namespace {

dp::FlowStore::CounterReader reader_for(const dp::WorkerCounters* counters) {
  return [counters](uint16_t c) {
    if (counters == nullptr || c >= dp::kMaxFlowCounters) return dp::FlowTotals{};
    return dp::FlowTotals{counters->flows[c].packets.get(), counters->flows[c].bytes.get()};
  };
}

void expect_ok(const of::Decoded<void>& r, const char* what) {
  if (!r) {
    ADD_FAILURE() << what << " rejected: type " << static_cast<int>(r.error().type) << " code "
                  << r.error().code;
  }
}

}  // namespace

TablesBuilder::TablesBuilder(uint32_t counter_slots, const dp::WorkerCounters* counters,
                             dp::Specialisers specialisers)
    : store_(counter_slots, reader_for(counters)), compiler_(std::move(specialisers)) {
  (void)store_.set_learning_table(of::l2::kL2Table);
}

TablesBuilder& TablesBuilder::vlan(uint16_t v) {
  if (std::find(vlans_.begin(), vlans_.end(), v) == vlans_.end()) vlans_.push_back(v);
  return *this;
}

TablesBuilder& TablesBuilder::access(uint32_t port, uint16_t v) {
  ports_.push_back(PortDecl{port, false, {}, v});
  return vlan(v);
}

TablesBuilder& TablesBuilder::trunk(uint32_t port, std::vector<uint16_t> vlans, uint16_t native) {
  for (uint16_t v : vlans) vlan(v);
  if (native != 0) vlan(native);
  ports_.push_back(PortDecl{port, true, std::move(vlans), native});
  return *this;
}

TablesBuilder& TablesBuilder::static_mac(uint16_t v, const MacAddr& m, uint32_t port) {
  statics_.push_back(StaticDecl{v, m, port});
  return *this;
}

uint16_t TablesBuilder::push_vid(uint32_t port, uint16_t v) const {
  for (const PortDecl& p : ports_) {
    if (p.port != port) continue;
    if (p.untagged == v) return 0;
    if (std::find(p.tagged.begin(), p.tagged.end(), v) != p.tagged.end()) return v;
  }
  return 0;
}

TablesBuilder& TablesBuilder::commit() {
  if (committed_) return *this;
  committed_ = true;
  for (uint16_t v : vlans_) {
    std::vector<of::Bucket> buckets;
    for (const PortDecl& p : ports_) {
      if (p.untagged == v) {
        buckets.push_back(bucket(p.port));
      } else if (std::find(p.tagged.begin(), p.tagged.end(), v) != p.tagged.end()) {
        buckets.push_back(bucket(p.port, v));
      }
    }
    expect_ok(store_.apply(flood_group(v, buckets)), "GROUP_MOD add");
  }
  for (const PortDecl& p : ports_) {
    if (p.untagged != 0) expect_ok(store_.apply(ingress_untagged(p.port, p.untagged)), "table 0");
    for (uint16_t v : p.tagged) expect_ok(store_.apply(ingress_tagged(p.port, v)), "table 0");
    // Like sluicectl: a trunk also accepts its native VLAN tagged (it leaves untagged).
    if (p.trunk && p.untagged != 0 &&
        std::find(p.tagged.begin(), p.tagged.end(), p.untagged) == p.tagged.end()) {
      expect_ok(store_.apply(ingress_tagged(p.port, p.untagged)), "table 0");
    }
  }
  for (uint16_t v : vlans_) expect_ok(store_.apply(flood_flow(v)), "L2 table flood");
  for (const StaticDecl& s : statics_) {
    expect_ok(store_.apply(static_mac_flow(s.vlan, s.mac, s.port, push_vid(s.port, s.vlan))),
              "L2 table static");
  }
  return *this;
}

dp::Compiled TablesBuilder::compile(const std::array<dp::PortRuntime, dp::kMaxPorts>& ports) {
  commit();
  // Incremental, as the control service compiles: only what changed since the last call.
  return compiler_.compile(store_, ports, ++version_, store_.take_changes());
}

uint32_t TablesBuilder::counter(uint8_t table, uint16_t priority, const of::Match& match) const {
  for (const dp::FlowEntry& f : store_.flows()) {
    if (f.table_id == table && f.priority == priority && f.match == match) return f.counter;
  }
  ADD_FAILURE() << "no such flow in table " << int{table};
  return dp::kNoFlowCounter;
}
uint32_t TablesBuilder::ingress_counter(uint32_t port, uint16_t vlan_vid) const {
  return counter(0, kIngressPriority, match_ingress(port, vlan_vid));
}
uint32_t TablesBuilder::flood_counter(uint16_t v) const {
  return counter(of::l2::kL2Table, kFloodPriority, match_bd(v));
}
uint32_t TablesBuilder::static_counter(uint16_t v, const MacAddr& m) const {
  return counter(of::l2::kL2Table, kStaticMacPriority, match_bd_dst(v, m));
}

}  // namespace sluice::test
