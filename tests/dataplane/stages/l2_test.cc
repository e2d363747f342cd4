// L2Stage (table 1): learning requests, forwarding decisions, flood, drops, and counters.
#include "dataplane/stages/l2.h"

#include <gtest/gtest.h>

#include "dataplane/mac_table.h"
#include "tests/testlib/eal_environment.h"
#include "tests/testlib/harness.h"
#include "tests/testlib/of_builders.h"
#include "tests/testlib/packet_builder.h"

namespace sluice::dp {
namespace {

using test::Input;
using test::mac_n;
using test::MacAddr;
using test::Outcome;
using test::PacketBuilder;
using test::test_pool;

const MacAddr kA = mac_n(0xa), kB = mac_n(0xb), kC = mac_n(0xc), kS = mac_n(0x5);

uint64_t key(uint16_t bd, const MacAddr& m) { return mac_key(bd, m.data()); }

// Slots 0..3 hold OpenFlow ports 1..4: 1 and 2 access VLAN 100, 3 trunk 100+200, 4 access
// 200. A static MAC kS lives on port 1 in VLAN 100.
class L2Test : public ::testing::Test {
 protected:
  explicit L2Test(test::HarnessOptions opts = {}) : h_(opts) {}
  void SetUp() override {
    in_use_ = test::mbufs_in_use();
    for (uint16_t s = 0; s < 4; ++s) h_.add_port(s, s + 1u);
    b_.access(1, 100).access(2, 100).trunk(3, {100, 200}).access(4, 200);
    b_.static_mac(100, kS, 1);
    h_.install(b_);
  }
  void TearDown() override { EXPECT_EQ(test::mbufs_in_use(), in_use_) << "mbuf leak"; }

  static rte_mbuf* frame(const MacAddr& dst, const MacAddr& src, size_t payload = 46) {
    return PacketBuilder().eth(dst, src).ether_type(0x88b5).payload(payload).build(test_pool());
  }
  Outcome run(uint16_t slot, uint16_t bd, const MacAddr& dst, const MacAddr& src) {
    auto out = h_.run_stage(stage_, {Input{frame(dst, src), slot, bd}});
    return out.empty() ? Outcome{} : out[0];
  }

  unsigned in_use_ = 0;
  test::Harness h_;
  test::TablesBuilder b_;
  L2Stage stage_{h_.macs(), h_.learn_queue()};
};

TEST_F(L2Test, NoBridgeDomain) {
  EXPECT_EQ(run(0, 300, kB, kA).reason, "no_bridge_domain");
  EXPECT_EQ(run(0, 0, kB, kA).reason, "no_bridge_domain");
  EXPECT_TRUE(h_.take_learn_requests().empty());
}

TEST_F(L2Test, MulticastSourceIsInvalid) {
  EXPECT_EQ(run(0, 100, kB, test::mac("01:00:5e:00:00:01")).reason, "invalid_src_mac");
  EXPECT_EQ(run(0, 100, kB, test::kBroadcast).reason, "invalid_src_mac");
  EXPECT_TRUE(h_.take_learn_requests().empty());
}

TEST_F(L2Test, UnknownUnicastFloodsAndCountsTheFloodFlow) {
  Outcome o = run(0, 100, kB, kA);
  EXPECT_EQ(o.reason, "none");
  EXPECT_EQ(o.meta.out_slot, kFloodSlot);
  const uint32_t flood = b_.flood_counter(100);
  EXPECT_EQ(h_.flow_packets(flood), 1u);
  EXPECT_EQ(h_.flow_bytes(flood), 60u);
  EXPECT_EQ(h_.flow_packets(b_.flood_counter(200)), 0u);
}

TEST_F(L2Test, BroadcastAndMulticastFlood) {
  EXPECT_EQ(run(0, 100, test::kBroadcast, kA).meta.out_slot, kFloodSlot);
  EXPECT_EQ(run(0, 100, test::mac("33:33:00:00:00:01"), kA).meta.out_slot, kFloodSlot);
  EXPECT_EQ(h_.flow_packets(b_.flood_counter(100)), 2u);
}

TEST_F(L2Test, KnownUnicastGoesToItsPort) {
  h_.macs().learn(key(100, kB), 1, h_.now);
  Outcome o = run(0, 100, kB, kA);
  EXPECT_EQ(o.reason, "none");
  EXPECT_EQ(o.meta.out_slot, 1);
  EXPECT_EQ(o.meta.dst_key, key(100, kB));
  EXPECT_EQ(o.meta.src_key, key(100, kA));
  EXPECT_EQ(h_.flow_packets(b_.flood_counter(100)), 0u);
  EXPECT_EQ(o.bytes, PacketBuilder().eth(kB, kA).ether_type(0x88b5).payload(46).bytes());
}

TEST_F(L2Test, MacsAreLearnedPerBridgeDomain) {
  h_.macs().learn(key(200, kB), 3, h_.now);  // kB known in VLAN 200 only
  EXPECT_EQ(run(0, 100, kB, kA).meta.out_slot, kFloodSlot);
  EXPECT_EQ(run(2, 200, kB, kA).meta.out_slot, 3);
}

TEST_F(L2Test, StaticUnicastCountsItsFlow) {
  Outcome o = run(1, 100, kS, kA);
  EXPECT_EQ(o.reason, "none");
  EXPECT_EQ(o.meta.out_slot, 0);
  const uint32_t flow = b_.static_counter(100, kS);
  EXPECT_EQ(h_.flow_packets(flow), 1u);
  EXPECT_EQ(h_.flow_bytes(flow), 60u);
  EXPECT_EQ(h_.flow_packets(b_.flood_counter(100)), 0u);
}

TEST_F(L2Test, HairpinIsDropped) {
  h_.macs().learn(key(100, kB), 0, h_.now);
  EXPECT_EQ(run(0, 100, kB, kA).reason, "hairpin");
  EXPECT_EQ(run(0, 100, kS, kA).reason, "hairpin");  // static on the ingress port too
}

TEST_F(L2Test, StaticMacConflict) {
  // kS is static on slot 0; a frame from kS on slot 1 is refused and nothing is learned.
  EXPECT_EQ(run(1, 100, kB, kS).reason, "static_mac_conflict");
  EXPECT_TRUE(h_.take_learn_requests().empty());
  // From its own port it is fine.
  EXPECT_EQ(run(0, 100, kB, kS).reason, "none");
  EXPECT_TRUE(h_.take_learn_requests().empty());
}

TEST_F(L2Test, MacLimitRefusesNewSources) {
  h_.macs().set_limit(0, 1);
  h_.macs().learn(key(100, kA), 0, h_.now);
  EXPECT_EQ(run(0, 100, kB, kC).reason, "mac_limit");
  EXPECT_EQ(run(0, 100, kB, kA).reason, "none");  // the known source still passes
  // A move onto a port at its limit is refused too.
  h_.macs().learn(key(100, kC), 1, h_.now);
  EXPECT_EQ(run(0, 100, kB, kC).reason, "mac_limit");
  // Other ports are not limited.
  EXPECT_EQ(run(1, 100, kB, mac_n(0xd)).reason, "none");
  EXPECT_EQ(h_.take_learn_requests().size(), 1u);
}

TEST_F(L2Test, NewSourceIsALearnRequest) {
  EXPECT_EQ(run(0, 100, kB, kA).reason, "none");
  auto reqs = h_.take_learn_requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].key, key(100, kA));
  EXPECT_EQ(reqs[0].slot, 0);
  // Workers never write keys: nothing is in the table until the control lcore learns.
  int32_t pos = 0;
  uint64_t k = key(100, kA);
  h_.macs().lookup_bulk(&k, 1, &pos);
  EXPECT_LT(pos, 0);
}

TEST_F(L2Test, KnownSourceRefreshesWithoutRequest) {
  h_.macs().learn(key(100, kA), 0, 500);
  h_.now = 900;
  EXPECT_EQ(run(0, 100, kB, kA).reason, "none");
  EXPECT_TRUE(h_.take_learn_requests().empty());
  uint64_t k = key(100, kA);
  int32_t pos = -1;
  h_.macs().lookup_bulk(&k, 1, &pos);
  ASSERT_GE(pos, 0);
  EXPECT_EQ(h_.macs().entry(pos).last_seen.load(), 900u);
}

TEST_F(L2Test, MovedSourceIsALearnRequest) {
  h_.macs().learn(key(100, kA), 1, h_.now);
  EXPECT_EQ(run(0, 100, kB, kA).reason, "none");
  auto reqs = h_.take_learn_requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].slot, 0);
  EXPECT_EQ(h_.macs().learn(reqs[0].key, reqs[0].slot, h_.now), LearnOutcome::kMoved);
  EXPECT_EQ(run(1, 100, kA, kB).meta.out_slot, 0);  // the move took effect
}

TEST_F(L2Test, LearnOncePerSourcePerBurstConsecutive) {
  std::vector<Input> in;
  for (int i = 0; i < 5; ++i) in.push_back(Input{frame(kB, kA), 0, 100});
  auto out = h_.run_stage(stage_, in);
  EXPECT_EQ(out.size(), 5u);
  EXPECT_EQ(h_.take_learn_requests().size(), 1u);
}

TEST_F(L2Test, SameSourceOnTwoPortsInOneBurstIsTwoRequests) {
  auto out = h_.run_stage(stage_, {Input{frame(kB, kA), 0, 100}, Input{frame(kB, kA), 1, 100}});
  auto reqs = h_.take_learn_requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].slot, 0);
  EXPECT_EQ(reqs[1].slot, 1);
}

// Regression: one learn request per source per burst, also when sources interleave
// (A, B, A, B, ...), not only when they repeat back to back.
TEST_F(L2Test, LearnOncePerSourcePerBurstInterleaved) {
  std::vector<Input> in;
  for (int i = 0; i < 6; ++i) in.push_back(Input{frame(kC, i % 2 == 0 ? kA : kB), 0, 100});
  h_.run_stage(stage_, in);
  EXPECT_EQ(h_.take_learn_requests().size(), 2u);
}

TEST_F(L2Test, NoLearnRequestForDroppedSources) {
  h_.run_stage(stage_, {Input{frame(kB, kA), 0, 999},                // no domain
                        Input{frame(kB, test::kBroadcast), 0, 100},  // invalid source
                        Input{frame(kB, kS), 1, 100}});              // static conflict
  EXPECT_TRUE(h_.take_learn_requests().empty());
}

class L2SmallQueueTest : public L2Test {
 protected:
  L2SmallQueueTest() : L2Test(test::HarnessOptions{1024, 4}) {}  // holds 3 requests
};

TEST_F(L2SmallQueueTest, FullLearnQueueIsCounted) {
  std::vector<Input> in;
  for (uint32_t i = 0; i < 5; ++i) in.push_back(Input{frame(kB, mac_n(0x100 + i)), 0, 100});
  auto out = h_.run_stage(stage_, in);
  // Forwarding does not depend on learning: every frame still floods.
  for (const Outcome& o : out) EXPECT_EQ(o.meta.out_slot, kFloodSlot);
  EXPECT_EQ(h_.counters().learn_queue_full.get(), 2u);
  auto reqs = h_.take_learn_requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].key, key(100, mac_n(0x100)));
  // The next burst asks again for the sources that were not taken.
  std::vector<Input> again;
  for (uint32_t i = 3; i < 5; ++i) again.push_back(Input{frame(kB, mac_n(0x100 + i)), 0, 100});
  h_.run_stage(stage_, again);
  EXPECT_EQ(h_.counters().learn_queue_full.get(), 2u);
  EXPECT_EQ(h_.take_learn_requests().size(), 2u);
}

TEST_F(L2Test, MixedBurstVerdicts) {
  h_.macs().learn(key(100, kB), 1, h_.now);
  h_.macs().learn(key(100, kC), 0, h_.now);
  auto out = h_.run_stage(stage_, {
                                      Input{frame(kB, kA), 0, 100},                // unicast
                                      Input{frame(kC, kA), 0, 100},                // hairpin
                                      Input{frame(test::kBroadcast, kA), 0, 100},  // flood
                                      Input{frame(kB, kA), 0, 4000},               // no domain
                                  });
  EXPECT_EQ(test::reasons(out),
            (std::vector<std::string>{"none", "hairpin", "none", "no_bridge_domain"}));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].meta.out_slot, 1);
  EXPECT_EQ(out[2].meta.out_slot, kFloodSlot);
}

TEST_F(L2Test, FullBurstOf32) {
  // 32 sources and 32 destinations: the stage looks up 64 keys at once.
  for (uint32_t i = 0; i < 32; ++i) h_.macs().learn(key(100, mac_n(0x200 + i)), 1, h_.now);
  std::vector<Input> in;
  for (uint32_t i = 0; i < 32; ++i) {
    in.push_back(Input{frame(mac_n(0x200 + i), mac_n(0x300 + i)), 0, 100});
  }
  auto out = h_.run_stage(stage_, in);
  ASSERT_EQ(out.size(), 32u);
  for (const Outcome& o : out) EXPECT_EQ(o.meta.out_slot, 1);
  EXPECT_EQ(h_.take_learn_requests().size(), 32u);
}

}  // namespace
}  // namespace sluice::dp
