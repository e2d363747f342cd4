// Pipeline over real DPDK net_ring ports: parse → ingress → l2 → output. Frames are injected
// on a port's rx ring; what each port transmitted is read back from its tx ring, so tests see
// exactly which frames left where, with which tag. Also: output-phase drops and the per-port,
// per-stage and per-flow counters.
#include "dataplane/pipeline.h"

#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include <cstring>

#include "dataplane/mac_table.h"
#include "dataplane/stages/parse.h"
#include "openflow/l2_contract.h"
#include "openflow/oxm.h"
#include "tests/testlib/eal_environment.h"
#include "tests/testlib/harness.h"
#include "tests/testlib/of_builders.h"
#include "tests/testlib/packet_builder.h"

namespace sluice::dp {
namespace {

using test::mac_n;
using test::MacAddr;
using test::PacketBuilder;
using test::parse_frame;
using Frames = std::vector<std::vector<uint8_t>>;

const MacAddr kA = mac_n(0xa), kB = mac_n(0xb), kS = mac_n(0x5);

PacketBuilder frame(const MacAddr& dst, const MacAddr& src, size_t payload = 18) {
  return PacketBuilder()
      .eth(dst, src)
      .ipv4(test::ip("10.0.0.1"), test::ip("10.0.0.2"))
      .udp(1000, 2000)
      .payload(payload);  // 60 bytes with the default payload
}

// Slot s holds OpenFlow port s + 1:
//   slot 0 access 100 | slot 1 access 100 | slot 2 trunk 100, 200, native 300
//   slot 3 access 200 | slot 4 access 300 | slot 5 access 400 (its only member)
//   slot 6: a port with no table-0 flows
// A static MAC kS lives on port 2 (slot 1) in VLAN 100.
//
// Every test runs twice: with table 0 as direct arrays (stages ingress and l2), and with table 0
// as a classifier (stage openflow, which then runs the learning table too), forced by one extra
// table-0 flow that no test frame matches. Both must forward, tag, flood, learn, count and drop alike; only the stage that
// names a drop differs (drops() below maps the names).
class PipelineTest : public ::testing::TestWithParam<bool> {
 protected:
  bool general() const { return GetParam(); }

  void SetUp() override {
    in_use_ = test::mbufs_in_use();
    h_ = std::make_unique<test::Harness>();
    for (uint16_t s = 0; s < 7; ++s) h_->add_ring_port(s, s + 1u, mtu_[s], tx_capacity_[s]);
    b_.access(1, 100).access(2, 100).trunk(3, {100, 200}, 300).access(4, 200).access(5, 300);
    b_.access(6, 400).static_mac(100, kS, 2);
    if (general()) {
      b_.commit();
      of::FlowMod lldp;  // table 0, priority 1: eth_type=0x88cc → drop
      lldp.priority = 1;
      lldp.match.present = of::field_bit(of::Field::kEthType);
      lldp.match.eth_type = 0x88cc;
      ASSERT_TRUE(b_.apply(lldp));
    }
    h_->install(b_);
    ASSERT_EQ(!h_->tables().ingress_direct, general());
  }

  // Stage drops by the fast path's names; on the general pipeline table 0 and 1 drops are the
  // openflow stage's (a table-0 miss is table_miss there).
  uint64_t drops(std::string_view stage, std::string_view reason) {
    if (!general() || stage == "parse") return h_->stage_drops(stage, reason);
    if (stage == "ingress" && (reason == "vlan_not_allowed" || reason == "port_not_configured")) {
      reason = "table_miss";
    }
    return h_->stage_drops("openflow", reason);
  }
  void TearDown() override {
    h_.reset();  // frees whatever is left on the rings
    EXPECT_EQ(test::mbufs_in_use(), in_use_) << "mbuf leak";
  }

  void learn(uint16_t slot, uint16_t bd, const MacAddr& m) {
    ASSERT_NE(h_->macs().learn(mac_key(bd, m.data()), slot, h_->now), LearnOutcome::kFull);
  }
  // Frames sent on every port, taken off the tx rings.
  std::array<Frames, 7> all_sent() {
    std::array<Frames, 7> out;
    for (uint16_t s = 0; s < 7; ++s) out[s] = h_->sent(s);
    return out;
  }
  void expect_only(const std::array<Frames, 7>& sent, std::initializer_list<uint16_t> slots) {
    for (uint16_t s = 0; s < 7; ++s) {
      const bool want = std::find(slots.begin(), slots.end(), s) != slots.end();
      EXPECT_EQ(!sent[s].empty(), want) << "slot " << s << " sent " << sent[s].size();
    }
  }

  std::array<uint16_t, 7> mtu_ = {1500, 1500, 1500, 1500, 1500, 1500, 1500};
  std::array<unsigned, 7> tx_capacity_ = {512, 512, 512, 512, 512, 512, 512};
  unsigned in_use_ = 0;
  std::unique_ptr<test::Harness> h_;
  test::TablesBuilder b_;
};

// ---- Forwarding ----

TEST_P(PipelineTest, UnicastToAccessPortLeavesUntagged) {
  learn(1, 100, kB);
  const auto bytes = frame(kB, kA).bytes();
  ASSERT_TRUE(h_->inject(0, frame(kB, kA)));
  EXPECT_EQ(h_->poll(), 1u);
  auto sent = all_sent();
  expect_only(sent, {1});
  ASSERT_EQ(sent[1].size(), 1u);
  EXPECT_EQ(sent[1][0], bytes);
  EXPECT_FALSE(parse_frame(sent[1][0]).tagged);
  EXPECT_EQ(h_->port(0).rx_packets.get(), 1u);
  EXPECT_EQ(h_->port(0).rx_bytes.get(), 60u);
  EXPECT_EQ(h_->port(1).tx_packets.get(), 1u);
  EXPECT_EQ(h_->port(1).tx_bytes.get(), 60u);
  EXPECT_EQ(h_->port(1).tx_dropped.get(), 0u);
}

TEST_P(PipelineTest, UnicastToTrunkPortLeavesTaggedWithTheVlan) {
  learn(2, 100, kB);
  const auto bytes = frame(kB, kA).bytes();
  ASSERT_TRUE(h_->inject(0, frame(kB, kA)));
  h_->poll();
  auto sent = all_sent();
  expect_only(sent, {2});
  ASSERT_EQ(sent[2].size(), 1u);
  const auto f = parse_frame(sent[2][0]);
  EXPECT_TRUE(f.tagged);
  EXPECT_EQ(f.vid, 100);
  EXPECT_EQ(f.dst, kB);
  EXPECT_EQ(f.src, kA);
  EXPECT_EQ(f.ether_type, 0x0800);
  EXPECT_EQ(test::without_tag(sent[2][0]), bytes);
  EXPECT_EQ(h_->port(2).tx_bytes.get(), 64u);
}

TEST_P(PipelineTest, TaggedInUntaggedOut) {
  learn(3, 200, kB);
  const auto bytes = frame(kB, kA).bytes();
  ASSERT_TRUE(h_->inject(2, frame(kB, kA).vlan(200, 5)));
  h_->poll();
  auto sent = all_sent();
  expect_only(sent, {3});
  ASSERT_EQ(sent[3].size(), 1u);
  EXPECT_EQ(sent[3][0], bytes);
}

TEST_P(PipelineTest, NativeVlanLeavesTrunkUntagged) {
  learn(2, 300, kB);
  const auto bytes = frame(kB, kA).bytes();
  ASSERT_TRUE(h_->inject(4, frame(kB, kA)));
  h_->poll();
  auto sent = all_sent();
  expect_only(sent, {2});
  ASSERT_EQ(sent[2].size(), 1u);
  EXPECT_EQ(sent[2][0], bytes);
}

TEST_P(PipelineTest, PriorityTaggedInLeavesUntagged) {
  learn(1, 100, kB);
  ASSERT_TRUE(h_->inject(0, frame(kB, kA).vlan(0, 3)));
  h_->poll();
  auto sent = all_sent();
  ASSERT_EQ(sent[1].size(), 1u);
  EXPECT_EQ(sent[1][0], frame(kB, kA).bytes());
}

TEST_P(PipelineTest, FloodReachesEveryMemberButTheIngressPort) {
  const auto bytes = frame(test::kBroadcast, kA).bytes();
  ASSERT_TRUE(h_->inject(0, frame(test::kBroadcast, kA)));
  h_->poll();
  auto sent = all_sent();
  expect_only(sent, {1, 2});
  ASSERT_EQ(sent[1].size(), 1u);
  EXPECT_EQ(sent[1][0], bytes);  // access member: untagged
  ASSERT_EQ(sent[2].size(), 1u);
  EXPECT_EQ(parse_frame(sent[2][0]).vid, 100);  // trunk member: tagged
  EXPECT_TRUE(parse_frame(sent[2][0]).tagged);
  EXPECT_EQ(test::without_tag(sent[2][0]), bytes);
  EXPECT_EQ(h_->counters().flood_copies.get(), 1u);
  EXPECT_EQ(h_->flow_packets(b_.flood_counter(100)), 1u);
  EXPECT_EQ(h_->flow_bytes(b_.flood_counter(100)), 60u);
}

TEST_P(PipelineTest, FloodFromTrunkGoesToAccessMembersUntagged) {
  const auto bytes = frame(kB, kA).bytes();  // unknown unicast
  ASSERT_TRUE(h_->inject(2, frame(kB, kA).vlan(100)));
  h_->poll();
  auto sent = all_sent();
  expect_only(sent, {0, 1});
  ASSERT_EQ(sent[0].size(), 1u);
  ASSERT_EQ(sent[1].size(), 1u);
  EXPECT_EQ(sent[0][0], bytes);
  EXPECT_EQ(sent[1][0], bytes);
}

TEST_P(PipelineTest, FloodInNativeVlanLeavesTrunkUntagged) {
  ASSERT_TRUE(h_->inject(4, frame(test::kBroadcast, kA)));
  h_->poll();
  auto sent = all_sent();
  expect_only(sent, {2});
  ASSERT_EQ(sent[2].size(), 1u);
  EXPECT_FALSE(parse_frame(sent[2][0]).tagged);
}

TEST_P(PipelineTest, LearnThenUnicast) {
  // B speaks first (flooded), the control lcore learns it, then A's frame to B goes to B only.
  ASSERT_TRUE(h_->inject(1, frame(test::kBroadcast, kB)));
  h_->poll();
  h_->learn_all();
  all_sent();
  ASSERT_TRUE(h_->inject(0, frame(kB, kA)));
  h_->poll();
  auto sent = all_sent();
  expect_only(sent, {1});
}

TEST_P(PipelineTest, StaticMacForwardsAndCountsItsFlow) {
  ASSERT_TRUE(h_->inject(0, frame(kS, kA)));
  h_->poll();
  auto sent = all_sent();
  expect_only(sent, {1});
  EXPECT_EQ(h_->flow_packets(b_.static_counter(100, kS)), 1u);
  EXPECT_EQ(h_->flow_packets(b_.flood_counter(100)), 0u);
  EXPECT_EQ(h_->flow_packets(b_.ingress_counter(1, 0)), 1u);
}

TEST_P(PipelineTest, BurstsLargerThan32KeepOrder) {
  learn(1, 100, kB);
  for (uint8_t i = 0; i < 40; ++i) ASSERT_TRUE(h_->inject(0, frame(kB, kA, 18 + i)));
  EXPECT_EQ(h_->poll(), 32u);
  EXPECT_EQ(h_->poll(), 8u);
  Frames sent = h_->sent(1);
  ASSERT_EQ(sent.size(), 40u);
  for (size_t i = 0; i < 40; ++i) EXPECT_EQ(sent[i].size(), 60 + i);
  EXPECT_EQ(h_->port(1).tx_packets.get(), 40u);
}

// ---- Output drops ----

TEST_P(PipelineTest, OutputPortLinkDown) {
  learn(1, 100, kB);
  h_->set_link(1, false);
  ASSERT_TRUE(h_->inject(0, frame(kB, kA)));
  h_->poll();
  auto sent = all_sent();
  expect_only(sent, {});
  EXPECT_EQ(h_->output_drops(OutputDrop::kPortDown), 1u);
  EXPECT_EQ(h_->port(1).tx_dropped.get(), 1u);
  EXPECT_EQ(h_->port(1).tx_packets.get(), 0u);
  EXPECT_EQ(h_->port(0).rx_dropped.get(), 0u);  // an output drop is not an rx drop
}

TEST_P(PipelineTest, FloodSkipsLinkDownMember) {
  h_->set_link(2, false);
  ASSERT_TRUE(h_->inject(0, frame(test::kBroadcast, kA)));
  h_->poll();
  auto sent = all_sent();
  expect_only(sent, {1});
  EXPECT_EQ(h_->output_drops(OutputDrop::kPortDown), 1u);
  EXPECT_EQ(h_->port(2).tx_dropped.get(), 1u);
}

TEST_P(PipelineTest, OutputPortAdminDown) {
  learn(1, 100, kB);
  h_->ports()[1].admin_up = false;
  h_->install(b_);
  ASSERT_TRUE(h_->inject(0, frame(kB, kA)));
  h_->poll();
  expect_only(all_sent(), {});
  EXPECT_EQ(h_->output_drops(OutputDrop::kPortDown), 1u);
  // Frames received on an admin-down port are dropped by ingress.
  ASSERT_TRUE(h_->inject(1, frame(kA, kB)));
  h_->poll();
  EXPECT_EQ(drops("ingress", "port_down"), 1u);
  EXPECT_EQ(h_->port(1).rx_dropped.get(), 1u);
}

TEST_P(PipelineTest, EgressVlanNotAllowed) {
  // A stale entry: kB learned in VLAN 100 on slot 3, which carries only VLAN 200.
  learn(3, 100, kB);
  ASSERT_TRUE(h_->inject(0, frame(kB, kA)));
  h_->poll();
  expect_only(all_sent(), {});
  EXPECT_EQ(h_->output_drops(OutputDrop::kEgressVlanNotAllowed), 1u);
  EXPECT_EQ(h_->port(3).tx_dropped.get(), 1u);
}

TEST_P(PipelineTest, FloodWithNoOtherMember) {
  ASSERT_TRUE(h_->inject(5, frame(test::kBroadcast, kA)));
  h_->poll();
  expect_only(all_sent(), {});
  EXPECT_EQ(h_->output_drops(OutputDrop::kFloodNoMembers), 1u);
  EXPECT_EQ(h_->port(5).rx_packets.get(), 1u);
  EXPECT_EQ(h_->port(5).tx_dropped.get(), 0u);
}

TEST_P(PipelineTest, NoHeadroomForTheTag) {
  learn(2, 100, kB);
  const auto bytes = frame(kB, kA).bytes();
  rte_mbuf* m = rte_pktmbuf_alloc(test::test_pool());
  ASSERT_NE(m, nullptr);
  m->data_off = 0;  // no headroom at all
  char* p = rte_pktmbuf_append(m, static_cast<uint16_t>(bytes.size()));
  ASSERT_NE(p, nullptr);
  std::memcpy(p, bytes.data(), bytes.size());
  ASSERT_TRUE(h_->inject(0, m));
  h_->poll();
  expect_only(all_sent(), {});
  EXPECT_EQ(h_->output_drops(OutputDrop::kNoTagRoom), 1u);
  EXPECT_EQ(h_->port(2).tx_dropped.get(), 1u);
}

TEST_P(PipelineTest, NoMbufForFloodCopy) {
  // A pipeline whose copy pool is empty: the copy for the first member is dropped (counted
  // against that port), the original still reaches the last member.
  rte_mempool* empty = rte_pktmbuf_pool_create(test::unique_name("tpool").c_str(), 4, 0, 0,
                                               RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  ASSERT_NE(empty, nullptr);
  std::vector<rte_mbuf*> held;
  while (rte_mbuf* m = rte_pktmbuf_alloc(empty)) held.push_back(m);
  {
    test::HarnessOptions opts;
    opts.copy_pool = empty;
    test::Harness h(opts);
    h.add_ring_port(0, 1);
    h.add_ring_port(1, 2);
    h.add_ring_port(2, 3);
    test::TablesBuilder b;
    b.access(1, 100).access(2, 100).trunk(3, {100});
    h.install(b);
    ASSERT_TRUE(h.inject(0, frame(test::kBroadcast, kA)));
    h.poll();
    EXPECT_EQ(h.output_drops(OutputDrop::kNoMbufForFlood), 1u);
    EXPECT_EQ(h.counters().flood_copies.get(), 0u);
    EXPECT_EQ(h.sent(1).size() + h.sent(2).size(), 1u);
    EXPECT_EQ(h.port(1).tx_dropped.get() + h.port(2).tx_dropped.get(), 1u);
  }
  for (rte_mbuf* m : held) rte_pktmbuf_free(m);
  rte_mempool_free(empty);
}

class PipelineMtuTest : public PipelineTest {
 protected:
  PipelineMtuTest() {
    mtu_[1] = 100;
    mtu_[2] = 100;
  }
};

TEST_P(PipelineMtuTest, MtuExceededAtTheBoundary) {
  learn(1, 100, kB);
  // MTU 100 allows frames of 100 + 14 bytes (no FCS).
  ASSERT_TRUE(h_->inject(0, frame(kB, kA).pad_to(114)));
  ASSERT_TRUE(h_->inject(0, frame(kB, kA).pad_to(115)));
  h_->poll();
  Frames sent = h_->sent(1);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].size(), 114u);
  EXPECT_EQ(h_->output_drops(OutputDrop::kMtuExceeded), 1u);
  EXPECT_EQ(h_->port(1).tx_dropped.get(), 1u);
  EXPECT_EQ(h_->port(1).tx_packets.get(), 1u);
}

TEST_P(PipelineMtuTest, TagDoesNotCountTowardsMtu) {
  learn(2, 100, kB);
  ASSERT_TRUE(h_->inject(0, frame(kB, kA).pad_to(114)));
  h_->poll();
  Frames sent = h_->sent(2);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].size(), 118u);
  EXPECT_EQ(h_->output_drops(OutputDrop::kMtuExceeded), 0u);
}

TEST_P(PipelineMtuTest, FloodDropsOnlyOnTheSmallPort) {
  ASSERT_TRUE(h_->inject(0, frame(test::kBroadcast, kA).pad_to(200)));
  h_->poll();
  EXPECT_TRUE(h_->sent(1).empty());
  EXPECT_TRUE(h_->sent(2).empty());
  EXPECT_EQ(h_->output_drops(OutputDrop::kMtuExceeded), 2u);
  ASSERT_TRUE(h_->inject(3, frame(test::kBroadcast, kA).pad_to(200)));  // VLAN 200
  h_->poll();
  EXPECT_TRUE(h_->sent(2).empty());
  EXPECT_EQ(h_->output_drops(OutputDrop::kMtuExceeded), 3u);
}

class PipelineTinyTxTest : public PipelineTest {
 protected:
  PipelineTinyTxTest() { tx_capacity_[1] = 2; }
};

TEST_P(PipelineTinyTxTest, TxQueueFull) {
  learn(1, 100, kB);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(h_->inject(0, frame(kB, kA)));
  EXPECT_EQ(h_->poll(), 5u);
  Frames sent = h_->sent(1);
  EXPECT_EQ(sent.size(), 2u);
  EXPECT_EQ(h_->output_drops(OutputDrop::kTxQueueFull), 3u);
  EXPECT_EQ(h_->port(1).tx_dropped.get(), 3u);
  EXPECT_EQ(h_->port(1).tx_packets.get(), 2u);
  EXPECT_EQ(h_->port(1).tx_bytes.get(), 120u);
  // The ring drained: the next burst goes through.
  ASSERT_TRUE(h_->inject(0, frame(kB, kA)));
  h_->poll();
  EXPECT_EQ(h_->sent(1).size(), 1u);
  EXPECT_EQ(h_->port(1).tx_packets.get(), 3u);
}

// ---- Stage drops and counters ----

TEST_P(PipelineTest, StageDropsAreCountedPerStageReasonAndPort) {
  learn(1, 100, kB);
  learn(0, 100, mac_n(0xc));
  ASSERT_TRUE(h_->inject(0, PacketBuilder().raw(std::vector<uint8_t>(10, 2))));  // parse/runt
  ASSERT_TRUE(h_->inject(0, frame(kB, kA).vlan(4095)));                          // reserved
  ASSERT_TRUE(h_->inject(0, frame(kB, kA).vlan(100)));      // ingress/vlan_not_allowed
  ASSERT_TRUE(h_->inject(0, frame(kB, test::kBroadcast)));  // l2/invalid_src_mac
  ASSERT_TRUE(h_->inject(0, frame(mac_n(0xc), kA)));        // l2/hairpin
  ASSERT_TRUE(h_->inject(0, frame(kB, kA)));                // forwarded
  ASSERT_TRUE(h_->inject(6, frame(kB, kA)));                // port_not_configured
  EXPECT_EQ(h_->poll(), 7u);

  EXPECT_EQ(drops("parse", "runt"), 1u);
  EXPECT_EQ(drops("parse", "reserved_vlan"), 1u);
  EXPECT_EQ(drops("parse", "truncated_vlan"), 0u);
  if (general()) {
    // Both table-0 misses are the openflow stage's table_miss.
    EXPECT_EQ(drops("ingress", "vlan_not_allowed"), 2u);
  } else {
    EXPECT_EQ(drops("ingress", "vlan_not_allowed"), 1u);
    EXPECT_EQ(drops("ingress", "port_not_configured"), 1u);
  }
  EXPECT_EQ(drops("l2", "invalid_src_mac"), 1u);
  EXPECT_EQ(drops("l2", "hairpin"), 1u);

  const WorkerCounters& c = h_->counters();
  EXPECT_EQ(c.stages[0].calls.get(), 2u);  // one burst per port
  EXPECT_EQ(c.stages[0].packets.get(), 7u);
  if (general()) {
    EXPECT_EQ(c.stages[4].packets.get(), 5u);  // openflow: everything parse passed
    EXPECT_EQ(c.stages[4].calls.get(), 2u);
  } else {
    EXPECT_EQ(c.stages[1].packets.get(), 5u);
    EXPECT_EQ(c.stages[3].packets.get(), 3u);  // l2
    EXPECT_EQ(c.stages[3].calls.get(), 1u);  // port 7's burst died in ingress
  }

  EXPECT_EQ(h_->port(0).rx_packets.get(), 6u);
  EXPECT_EQ(h_->port(0).rx_dropped.get(), 5u);
  EXPECT_EQ(h_->port(6).rx_packets.get(), 1u);
  EXPECT_EQ(h_->port(6).rx_dropped.get(), 1u);
  EXPECT_EQ(h_->port(1).tx_packets.get(), 1u);
  auto sent = all_sent();
  expect_only(sent, {1});
  EXPECT_EQ(sent[1][0], frame(kB, kA).bytes());
}

TEST_P(PipelineTest, EmptyTablesDropEverything) {
  test::Harness fresh;
  fresh.add_ring_port(0, 1);
  fresh.add_ring_port(1, 2);
  ASSERT_TRUE(fresh.inject(0, frame(test::kBroadcast, kA)));
  fresh.poll();
  EXPECT_EQ(fresh.stage_drops("ingress", "port_not_configured"), 1u);
  EXPECT_TRUE(fresh.sent(1).empty());
}

TEST_P(PipelineTest, RxAndTxByteCounters) {
  learn(2, 100, kB);
  ASSERT_TRUE(h_->inject(0, frame(kB, kA, 100)));
  ASSERT_TRUE(h_->inject(0, frame(kB, kA, 200)));
  h_->poll();
  EXPECT_EQ(h_->port(0).rx_packets.get(), 2u);
  EXPECT_EQ(h_->port(0).rx_bytes.get(), 142u + 242u);
  EXPECT_EQ(h_->port(2).tx_packets.get(), 2u);
  EXPECT_EQ(h_->port(2).tx_bytes.get(), 146u + 246u);  // with the tags pushed
  EXPECT_EQ(h_->flow_packets(b_.ingress_counter(1, 0)), 2u);
  EXPECT_EQ(h_->flow_bytes(b_.ingress_counter(1, 0)), 142u + 242u);
}

// ---- Hardening ----

// A port can be sent more than a burst's worth in one burst: here every frame goes to port 2
// by an apply-output, then again by the learning table's flood. The transmit buffer is a burst
// (32) per port; it must be flushed when full, not written past.
TEST_P(PipelineTest, MoreThanABurstToOnePortInOneBurst) {
  of::FlowMod fm;  // table 0: in_port=1 → output:2, metadata=100, goto the learning table
  fm.priority = 1000;
  fm.match.present = of::field_bit(of::Field::kInPort);
  fm.match.in_port = 1;
  fm.instructions.present = of::instr::kApplyActions | of::instr::kWriteMetadata | of::instr::kGotoTable;
  fm.instructions.apply_actions = test::actions({test::output(2)});
  fm.instructions.metadata = 100;
  fm.instructions.metadata_mask = 0xfff;
  fm.instructions.goto_table = of::l2::kL2Table;
  ASSERT_TRUE(b_.apply(fm));
  h_->install(b_);
  ASSERT_TRUE(!h_->tables().ingress_direct);
  std::vector<std::vector<uint8_t>> injected;
  for (uint32_t i = 0; i < kBurstSize; ++i) {
    const auto p = frame(test::kBroadcast, kA, 18 + i);
    injected.push_back(p.bytes());
    ASSERT_TRUE(h_->inject(0, p));
  }
  EXPECT_EQ(h_->poll(), kBurstSize);
  auto sent = all_sent();
  ASSERT_EQ(sent[1].size(), 2u * kBurstSize);  // 32 outputs + 32 flood copies
  ASSERT_EQ(sent[2].size(), kBurstSize);       // the flood, tagged 100 on the trunk
  // Every frame arrives intact: the output copies first (a flush when the buffer filled),
  // then the flood.
  for (uint32_t i = 0; i < kBurstSize; ++i) {
    EXPECT_EQ(sent[1][i], injected[i]) << i;
    EXPECT_EQ(sent[1][kBurstSize + i], injected[i]) << i;
  }
  EXPECT_EQ(h_->port(1).tx_packets.get(), 2u * kBurstSize);
  EXPECT_EQ(h_->port(1).tx_dropped.get(), 0u);
}

// ---- NORMAL ----

// Port 7 (slot 6) has no VLAN of its own; an OpenFlow pipeline puts its untagged frames in
// VLAN 100 (table 0: write_metadata, goto 5) and table 5 says NORMAL, as an Open vSwitch
// pipeline would: learning-switch forwarding in that bridge domain.
class PipelineNormalTest : public PipelineTest {
 protected:
  void SetUp() override {
    PipelineTest::SetUp();
    of::FlowMod in;  // table 0: in_port=7, untagged → metadata 100, goto 5
    in.priority = 100;
    in.match.present = of::field_bit(of::Field::kInPort) | of::field_bit(of::Field::kVlanVid);
    in.match.in_port = 7;
    in.match.vlan_vid = 0;
    in.instructions.present = of::instr::kWriteMetadata | of::instr::kGotoTable;
    in.instructions.metadata = 100;
    in.instructions.metadata_mask = 0xfff;
    in.instructions.goto_table = 5;
    ASSERT_TRUE(b_.apply(in));
    of::FlowMod normal;  // table 5: actions=NORMAL
    normal.table_id = 5;
    normal.priority = 1;
    normal.instructions.present = of::instr::kApplyActions;
    normal.instructions.apply_actions = test::actions({test::output(of::port_no::kNormal)});
    ASSERT_TRUE(b_.apply(normal));
    h_->install(b_);
  }
};

TEST_P(PipelineNormalTest, UnknownDestinationFloodsTheDomainWithEachPortsEgress) {
  const auto bytes = frame(kB, kA).bytes();
  ASSERT_TRUE(h_->inject(6, frame(kB, kA)));
  EXPECT_EQ(h_->poll(), 1u);
  auto sent = all_sent();
  expect_only(sent, {0, 1, 2});  // VLAN 100's members; not the ingress port
  for (uint16_t s : {0, 1, 2}) ASSERT_EQ(sent[s].size(), 1u) << "slot " << s;
  EXPECT_EQ(sent[0][0], bytes);
  EXPECT_EQ(sent[1][0], bytes);
  const auto trunk = parse_frame(sent[2][0]);  // the trunk carries 100 tagged
  EXPECT_TRUE(trunk.tagged);
  EXPECT_EQ(trunk.vid, 100);
}

TEST_P(PipelineNormalTest, LearnsTheSourceAndSendsKnownDestinationsToTheirPort) {
  learn(1, 100, kB);
  ASSERT_TRUE(h_->inject(6, frame(kB, kA)));
  h_->poll();
  auto sent = all_sent();
  expect_only(sent, {1});
  // NORMAL asked to learn kA on slot 6, in VLAN 100.
  const auto requests = h_->take_learn_requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].key, mac_key(100, kA.data()));
  EXPECT_EQ(requests[0].slot, 6u);
}

TEST_P(PipelineNormalTest, DropsAreTheLearningTablesReasons) {
  learn(6, 100, kB);  // kB is behind the ingress port itself: a hairpin
  ASSERT_TRUE(h_->inject(6, frame(kB, kA)));
  ASSERT_TRUE(h_->inject(6, frame(kB, test::kBroadcast)));  // a multicast source
  h_->poll();
  expect_only(all_sent(), {});
  EXPECT_EQ(h_->stage_drops("openflow", "hairpin"), 1u);
  EXPECT_EQ(h_->stage_drops("openflow", "invalid_src_mac"), 1u);
}

// NORMAL on a copy (an output follows it): a drop there is an output drop, named.
TEST_P(PipelineNormalTest, NormalOnACopyThatDropsIsCounted) {
  of::FlowMod both;  // table 5, above NORMAL alone: NORMAL, then output:4
  both.table_id = 5;
  both.priority = 2;
  both.instructions.present = of::instr::kApplyActions;
  both.instructions.apply_actions =
      test::actions({test::output(of::port_no::kNormal), test::output(4)});
  ASSERT_TRUE(b_.apply(both));
  h_->install(b_);
  learn(6, 100, kB);
  ASSERT_TRUE(h_->inject(6, frame(kB, kA)));
  h_->poll();
  expect_only(all_sent(), {3});
  EXPECT_EQ(h_->output_drops(OutputDrop::kNormalNoOutput), 1u);
}

// ---- Tables specialised one by one ----

// A table that traffic never reaches costs it nothing: a flow in table 5 leaves table 0 as it
// was (direct arrays unless the test's variant made it a classifier), nothing looks table 5 up,
// and frames are forwarded as before.
TEST_P(PipelineTest, AFlowInATableTrafficNeverReachesChangesNothing) {
  of::FlowMod acl;  // table 5: udp → drop
  acl.table_id = 5;
  acl.priority = 10;
  of::match_exact(acl.match, of::Field::kEthType, 0x0800);
  of::match_exact(acl.match, of::Field::kIpProto, 17);
  ASSERT_TRUE(b_.apply(acl));
  h_->install(b_);
  EXPECT_EQ(h_->tables().ingress_direct, !general());
  // Nothing the traffic can reach reads L3 or L4 unless table 0 is a classifier.
  EXPECT_EQ(h_->tables().reaches_classifiers, general());
  learn(1, 100, kB);
  ASSERT_TRUE(h_->inject(0, frame(kB, kA)));
  EXPECT_EQ(h_->poll(), 1u);
  auto sent = all_sent();
  expect_only(sent, {1});
  EXPECT_EQ(h_->counters().table_lookups[5].get(), 0u);
  EXPECT_EQ(h_->counters().table_lookups[of::l2::kL2Table].get(), 1u);
  // With table 0 as direct arrays into the learning table the openflow stage does not even run
  // (Stage::active); with table 0 a classifier, the ingress and l2 stages do not.
  const auto stages = h_->pipeline().stages();
  ASSERT_EQ(stages[4]->name(), "openflow");
  EXPECT_EQ(h_->counters().stages[1].calls.get(), general() ? 0u : 1u);  // ingress
  EXPECT_EQ(h_->counters().stages[2].calls.get(), 0u);                   // port_security: no table 10
  EXPECT_EQ(h_->counters().stages[3].calls.get(), general() ? 0u : 1u);  // l2
  EXPECT_EQ(h_->counters().stages[4].calls.get(), general() ? 1u : 0u);  // openflow
}

// The worker reuses its burst's metadata: a frame decided by the l2 stage must not leave its
// "decided" mark for the next frame in that place, which a table-0 flow added in between sends
// elsewhere (before the parse stage reset it, the second frame left by the first one's port).
TEST_P(PipelineTest, EachBurstStartsAtTableZero) {
  learn(1, 100, kB);
  ASSERT_TRUE(h_->inject(0, frame(kB, kA)));
  EXPECT_EQ(h_->poll(), 1u);
  expect_only(all_sent(), {1});
  of::FlowMod cross;  // table 0, above the contract's flows: in_port=1 → output:4
  cross.priority = 400;
  of::match_exact(cross.match, of::Field::kInPort, 1);
  cross.instructions.present = of::instr::kApplyActions;
  cross.instructions.apply_actions = test::actions({test::output(4)});
  b_.commit();
  ASSERT_TRUE(b_.apply(cross));
  h_->install(b_);
  ASSERT_FALSE(h_->tables().ingress_direct);
  ASSERT_TRUE(h_->inject(0, frame(kB, kA)));
  EXPECT_EQ(h_->poll(), 1u);
  expect_only(all_sent(), {3});
}

// The learning table takes any valid flow, as every table does: this one (ovs-ofctl's
// "table=40,priority=10,actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:3") was
// answered with BAD_FIELD before. While it is there table 40 runs as a plain table (no
// learning: the flood flows and static MACs are plain flows); when it goes, learning is back.
TEST_P(PipelineTest, TheLearningTableTakesAPlainFlowAndRunsAsAPlainTable) {
  of::FlowMod plain;
  plain.table_id = of::l2::kL2Table;
  plain.priority = 10;
  plain.instructions.present = of::instr::kApplyActions;
  plain.instructions.apply_actions =
      test::actions({of::l2::push_vlan(), of::l2::set_vlan_vid(100), test::output(3)});
  b_.commit();
  ASSERT_TRUE(b_.apply(plain));
  h_->install(b_);
  EXPECT_EQ(h_->tables().learning_table, of::kNoLearningTable);
  ASSERT_TRUE(h_->inject(0, frame(test::kBroadcast, kA)));
  EXPECT_EQ(h_->poll(), 1u);
  auto sent = all_sent();
  expect_only(sent, {2});
  ASSERT_EQ(sent[2].size(), 1u);
  EXPECT_TRUE(parse_frame(sent[2][0]).tagged);
  EXPECT_EQ(parse_frame(sent[2][0]).vid, 100);
  EXPECT_EQ(h_->counters().table_matches[of::l2::kL2Table].get(), 1u);
  h_->learn_all();
  EXPECT_EQ(h_->macs().learned_on_port(0), 0u);  // a plain table learns nothing

  of::FlowMod gone = plain;
  gone.command = of::FlowModCommand::kDeleteStrict;
  ASSERT_TRUE(b_.apply(gone));
  h_->install(b_);
  EXPECT_EQ(h_->tables().learning_table, of::l2::kL2Table);
  ASSERT_TRUE(h_->inject(0, frame(test::kBroadcast, kA)));
  EXPECT_EQ(h_->poll(), 1u);
  expect_only(all_sent(), {1, 2});  // flooded in VLAN 100 again
  h_->learn_all();
  EXPECT_EQ(h_->macs().learned_on_port(0), 1u);
}

// Table 0's direct arrays may send frames to any table, not only the learning one: here to a
// filter in table 10 (a classifier: the openflow stage), which drops UDP to port 2000 and sends
// the rest out of port 2. Both variants behave alike.
TEST_P(PipelineTest, IngressFlowsMayGotoAClassifierTable) {
  b_.commit();
  for (uint32_t port : {1u, 2u}) {
    of::FlowMod in = of::l2::ingress_untagged(port, 100);  // replaces the contract's flow
    in.instructions.goto_table = 10;
    ASSERT_TRUE(b_.apply(in));
  }
  of::FlowMod deny;  // table 10: udp,tp_dst=2000 → drop
  deny.table_id = 10;
  deny.priority = 20;
  of::match_exact(deny.match, of::Field::kEthType, 0x0800);
  of::match_exact(deny.match, of::Field::kIpProto, 17);
  of::match_exact(deny.match, of::Field::kUdpDst, 2000);
  ASSERT_TRUE(b_.apply(deny));
  of::FlowMod pass;  // table 10, the rest: out of port 2
  pass.table_id = 10;
  pass.priority = 0;
  pass.instructions.present = of::instr::kApplyActions;
  pass.instructions.apply_actions = test::actions({test::output(2)});
  ASSERT_TRUE(b_.apply(pass));
  h_->install(b_);
  EXPECT_EQ(h_->tables().ingress_direct, !general());
  EXPECT_TRUE(h_->tables().reaches_classifiers);  // table 10 reads the UDP port

  ASSERT_TRUE(h_->inject(0, frame(kB, kA)));  // udp 1000 → 2000: dropped in table 10
  auto other = PacketBuilder().eth(kB, kA).ipv4(test::ip("10.0.0.1"), test::ip("10.0.0.2"))
                   .udp(1000, 53).payload(18);
  ASSERT_TRUE(h_->inject(0, other));          // udp → 53: out of port 2
  EXPECT_EQ(h_->poll(), 2u);
  auto sent = all_sent();
  expect_only(sent, {1});
  ASSERT_EQ(sent[1].size(), 1u);
  EXPECT_EQ(sent[1][0], other.bytes());
  EXPECT_EQ(h_->stage_drops("openflow", "no_output"), 1u);
  EXPECT_EQ(h_->counters().table_lookups[10].get(), 2u);
  EXPECT_EQ(h_->counters().table_matches[10].get(), 2u);
  EXPECT_EQ(h_->counters().table_lookups[of::l2::kL2Table].get(), 0u);  // the learning table was not visited
}

// VLAN hopping: priority tag + inner tag 200 on an access port of VLAN 100, and on a trunk
// whose native VLAN is 300. Both pipelines drop it, with the same reason.
TEST_P(PipelineTest, DoubleTaggedFrameDoesNotHopVlans) {
  ASSERT_TRUE(h_->inject(0, frame(test::kBroadcast, kA).vlan(0).vlan(200)));
  ASSERT_TRUE(h_->inject(2, frame(test::kBroadcast, kB).vlan(0, 0, 0x88a8).vlan(200)));
  EXPECT_EQ(h_->poll(), 2u);
  expect_only(all_sent(), {});
  EXPECT_EQ(drops("parse", "double_tagged"), 2u);
  EXPECT_EQ(h_->port(0).rx_dropped.get(), 1u);
}

// OFPC_FRAG_DROP: fragments go before any table, on either path; whole packets pass.
TEST_P(PipelineTest, FragDropDropsFragmentsOnBothPaths) {
  auto c = b_.compile(h_->ports());
  c.tables->frag_drop = true;
  h_->install(std::move(c));
  ASSERT_EQ(!h_->tables().ingress_direct, general());
  auto first = frame(test::kBroadcast, kA).bytes();
  first[14 + 6] = 0x20;  // MF
  auto later = frame(test::kBroadcast, kA).bytes();
  later[14 + 7] = 0x10;  // offset 128
  ASSERT_TRUE(h_->inject(0, PacketBuilder().raw(first)));
  ASSERT_TRUE(h_->inject(0, PacketBuilder().raw(later)));
  ASSERT_TRUE(h_->inject(0, frame(test::kBroadcast, kA)));
  EXPECT_EQ(h_->poll(), 3u);
  auto sent = all_sent();
  EXPECT_EQ(sent[1].size(), 1u);  // only the whole packet was flooded
  EXPECT_EQ(drops("parse", "ip_fragment"), 2u);
}

// IPv6 L4 matches fire (ip_proto and ports read after the extension headers), and a packet
// whose L4 header is too short to classify is dropped rather than passing the rule.
TEST_P(PipelineTest, Ipv6PortRuleFiresAndMalformedL4IsDropped) {
  of::FlowMod deny;  // table 0: ipv6,tcp,tp_dst=22 → drop (no instructions)
  deny.priority = 2000;
  of::match_exact(deny.match, of::Field::kEthType, 0x86dd);
  of::match_exact(deny.match, of::Field::kIpProto, 6);
  of::match_exact(deny.match, of::Field::kTcpDst, 22);
  ASSERT_TRUE(b_.apply(deny));
  h_->install(b_);
  ASSERT_TRUE(!h_->tables().ingress_direct);
  auto v6 = [](uint8_t first_next, std::vector<uint8_t> l4) {
    std::vector<uint8_t> ip = {0x60, 0, 0, 0, 0, static_cast<uint8_t>(l4.size()), first_next, 64};
    ip.resize(40, 0x20);
    ip.insert(ip.end(), l4.begin(), l4.end());
    return PacketBuilder().eth(test::kBroadcast, kA).ether_type(0x86dd).raw(ip);
  };
  std::vector<uint8_t> tcp22(20, 0), tcp80(20, 0);
  tcp22[3] = 22, tcp80[3] = 80, tcp22[12] = tcp80[12] = 0x50;
  std::vector<uint8_t> hop_by_hop = {6, 0, 0, 0, 0, 0, 0, 0};
  std::vector<uint8_t> behind = hop_by_hop;
  behind.insert(behind.end(), tcp22.begin(), tcp22.end());
  ASSERT_TRUE(h_->inject(0, v6(6, tcp22)));
  ASSERT_TRUE(h_->inject(0, v6(0, behind)));  // the port behind a hop-by-hop header
  ASSERT_TRUE(h_->inject(0, v6(6, tcp80)));
  ASSERT_TRUE(h_->inject(0, v6(6, {0, 1})));  // 2 bytes of TCP: no ports to check
  EXPECT_EQ(h_->poll(), 4u);
  auto sent = all_sent();
  EXPECT_EQ(sent[1].size(), 1u);  // only tcp_dst=80 was flooded
  EXPECT_EQ(h_->stage_drops("openflow", "no_output"), 2u);
  EXPECT_EQ(h_->stage_drops("openflow", "malformed_ip"), 1u);
}

// The egress list holds Egress::kMaxOutputs entries: a burst that lists more (an ALL group of
// 12 buckets on 32 frames: 384 outputs) makes the egress run what is listed first. Every copy
// still leaves, in order, and no mbuf is lost (TearDown).
TEST_P(PipelineTest, OutputListLongerThanTheEgressHoldsStillSendsEveryCopy) {
  constexpr unsigned kBuckets = 12;
  std::vector<of::Bucket> buckets;
  for (unsigned k = 0; k < kBuckets; ++k) buckets.push_back(test::bucket(k % 2 == 0 ? 2 : 4));
  ASSERT_TRUE(b_.apply(test::flood_group(77, buckets)));
  of::FlowMod fm;  // table 0: in_port=1, eth_type=0x0800 → group:77
  fm.priority = 500;
  fm.match.present = of::field_bit(of::Field::kInPort) | of::field_bit(of::Field::kEthType);
  fm.match.in_port = 1;
  fm.match.eth_type = 0x0800;
  fm.instructions.present = of::instr::kApplyActions;
  fm.instructions.apply_actions = test::actions({test::group(77)});
  ASSERT_TRUE(b_.apply(fm));
  h_->install(b_);
  for (unsigned i = 0; i < kBurstSize; ++i) {
    ASSERT_TRUE(h_->inject(0, frame(kB, kA, 18 + i)));  // lengths tell the frames apart
  }
  static_assert(kBuckets * kBurstSize > Egress::kMaxOutputs);
  EXPECT_EQ(h_->poll(), kBurstSize);
  auto sent = all_sent();
  expect_only(sent, {1, 3});
  ASSERT_EQ(sent[1].size(), kBuckets / 2 * kBurstSize);
  ASSERT_EQ(sent[3].size(), kBuckets / 2 * kBurstSize);
  for (unsigned j = 0; j < sent[1].size(); ++j) {
    EXPECT_EQ(sent[1][j].size(), 60u + j / (kBuckets / 2)) << "copy " << j << " out of order";
  }
  for (size_t w = 0; w < static_cast<size_t>(OutputDrop::kCount); ++w) {
    EXPECT_EQ(h_->output_drops(static_cast<OutputDrop>(w)), 0u) << kOutputDropNames[w];
  }
}

TEST_P(PipelineTest, StagesAreParseThenL2FastPathOrOpenFlow) {
  auto stages = h_->pipeline().stages();
  ASSERT_EQ(stages.size(), 5u);
  EXPECT_EQ(stages[0]->name(), "parse");
  EXPECT_EQ(stages[1]->name(), "ingress");
  EXPECT_EQ(stages[2]->name(), "port_security");  // nfv/, table 10
  EXPECT_EQ(stages[3]->name(), "l2");
  EXPECT_EQ(stages[4]->name(), "openflow");
  // The contract's flows alone compile table 0 to direct arrays; one other table-0 flow makes
  // it a classifier (the openflow stage's).
  EXPECT_EQ(!h_->tables().ingress_direct, general());
  for (const auto& s : stages) {
    EXPECT_LE(s->drop_reason_names().size(), kMaxDropReasons);
    EXPECT_STREQ(s->drop_reason_names()[0], "none");
  }
}

// Counter blocks are fixed arrays (kMaxStages stages, kMaxDropReasons reasons each): a stage
// list that does not fit is refused when the pipeline is built, not indexed past per packet.
class TooManyReasonsStage final : public Stage {
 public:
  std::string_view name() const noexcept override { return "too_many"; }
  std::span<const char* const> drop_reason_names() const noexcept override { return names_; }
  void process(StageContext&, Burst&, Verdicts&) noexcept override {}

 private:
  std::array<const char*, kMaxDropReasons + 1> names_{};
};

TEST(PipelineLimits, MoreStagesThanCountersIsRefusedAtConstruction) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  auto build = [](size_t n) {
    std::vector<std::unique_ptr<Stage>> stages;
    for (size_t i = 0; i < n; ++i) stages.push_back(std::make_unique<ParseStage>());
    Pipeline p(std::move(stages), Runtime{}, 0);
  };
  build(kMaxStages);  // fits
  EXPECT_DEATH(build(kMaxStages + 1), "kMaxStages");
}

TEST(PipelineLimits, MoreDropReasonsThanCountersIsRefusedAtConstruction) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(
      {
        std::vector<std::unique_ptr<Stage>> stages;
        stages.push_back(std::make_unique<TooManyReasonsStage>());
        Pipeline p(std::move(stages), Runtime{}, 0);
      },
      "drop reasons");
}

const auto kPaths = ::testing::Values(false, true);
auto path_name = [](const ::testing::TestParamInfo<bool>& i) {
  return std::string(i.param ? "General" : "L2FastPath");
};
INSTANTIATE_TEST_SUITE_P(Paths, PipelineTest, kPaths, path_name);
INSTANTIATE_TEST_SUITE_P(Paths, PipelineMtuTest, kPaths, path_name);
INSTANTIATE_TEST_SUITE_P(Paths, PipelineTinyTxTest, kPaths, path_name);
INSTANTIATE_TEST_SUITE_P(Paths, PipelineNormalTest, kPaths, path_name);

}  // namespace
}  // namespace sluice::dp
