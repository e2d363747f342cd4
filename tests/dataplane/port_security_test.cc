// Port security (nfv/port_security) through the real pipeline over net_ring ports: table 10's
// flows from openflow/port_security.h compile into the stage's structure, each spoofing case
// drops with its reason, the allowed traffic floods on, and the same flows run by the
// classifier (no specialiser) forward exactly the same frames.
#include <gtest/gtest.h>

#include "nfv/port_security/port_security.h"
#include "nfv/sluiced/composition.h"
#include "openflow/l2_contract.h"
#include "openflow/oxm.h"
#include "openflow/port_security.h"
#include "tests/testlib/harness.h"
#include "tests/testlib/of_builders.h"
#include "tests/testlib/packet_builder.h"

namespace sluice::dp {
namespace {

using test::ip;
using test::mac_n;
using test::MacAddr;
using test::PacketBuilder;
namespace ps = of::port_security;

const MacAddr kA = mac_n(0xa), kB = mac_n(0xb);

// Slot 0 (port 1) is protected: MAC kA, address 10.0.0.1. Slot 1 (port 2) is not. Both are
// access ports of VLAN 100, so whatever passes port security floods to the other one.
struct Switch {
  explicit Switch(bool specialise)
      : b(1024, nullptr, specialise ? root::specialisers() : Specialisers{}) {
    h.add_ring_port(0, 1);
    h.add_ring_port(1, 2);
    b.access(1, 100).access(2, 100).commit();
    of::FlowMod in = of::l2::ingress_untagged(1, 100);
    in.instructions.goto_table = ps::kTable;
    EXPECT_TRUE(b.apply(in));
    ps::PortRule rule;
    rule.port = 1;
    rule.macs = {of::mac_to_u64(kA)};
    rule.prefixes = {ps::Prefix{ip("10.0.0.1"), 32}};
    rule.next_table = of::l2::kL2Table;
    for (const of::FlowMod& fm : ps::port_flows(rule, of::l2::kPolicyCookie)) EXPECT_TRUE(b.apply(fm));
    h.install(b);
  }
  test::Harness h;
  test::TablesBuilder b;
};

PacketBuilder ipv4_from(const MacAddr& src, const char* addr) {
  return PacketBuilder().eth(test::kBroadcast, src).ipv4(ip(addr), ip("10.0.0.2")).udp(1000, 2000).payload(18);
}

struct Case {
  const char* what;
  PacketBuilder frame;
  const char* drop;  // nullptr: passes
};

std::vector<Case> cases() {
  PacketBuilder arp_spoofed_sha = PacketBuilder().eth(test::kBroadcast, kA).arp_request(kB, ip("10.0.0.1"), ip("10.0.0.2"));
  return {
      {"own address", ipv4_from(kA, "10.0.0.1"), nullptr},
      {"other source address", ipv4_from(kA, "10.0.0.9"), "spoofed_ip"},
      {"other source MAC", ipv4_from(kB, "10.0.0.1"), "spoofed_mac"},
      {"ARP for its own address",
       PacketBuilder().eth(test::kBroadcast, kA).arp_request(kA, ip("10.0.0.1"), ip("10.0.0.2")), nullptr},
      {"ARP claiming another address",
       PacketBuilder().eth(test::kBroadcast, kA).arp_request(kA, ip("10.0.0.7"), ip("10.0.0.2")), "spoofed_arp"},
      {"ARP probe", PacketBuilder().eth(test::kBroadcast, kA).arp_request(kA, 0, ip("10.0.0.1")), nullptr},
      {"ARP with another sender MAC", arp_spoofed_sha, "spoofed_arp"},
      {"ARP probe with another sender MAC",
       PacketBuilder().eth(test::kBroadcast, kA).arp_request(kB, 0, ip("10.0.0.1")), "spoofed_arp"},
      {"DHCP discover",
       PacketBuilder().eth(test::kBroadcast, kA).ipv4(0, ip("255.255.255.255")).udp(68, 67).payload(18), nullptr},
      {"DHCP-looking from 0.0.0.0 to another port",
       PacketBuilder().eth(test::kBroadcast, kA).ipv4(0, ip("255.255.255.255")).udp(68, 99).payload(18), "spoofed_ip"},
      {"IPv6", PacketBuilder().eth(test::kBroadcast, kA).ether_type(0x86dd).payload(46), "spoofed_ip"},
      {"another protocol", PacketBuilder().eth(test::kBroadcast, kA).ether_type(0x88b5).payload(46), nullptr},
  };
}

TEST(PortSecurityTest, TheContractsFlowsCompileIntoTheStagesTable) {
  Switch s(true);
  const Tables& t = s.h.tables();
  ASSERT_NE(t.special[ps::kTable], nullptr);
  EXPECT_EQ(t.special[ps::kTable]->next_tables, std::vector<uint8_t>{of::l2::kL2Table});
  EXPECT_FALSE(t.reaches_classifiers);  // table 10 and the L2 table are both served by stages
  EXPECT_TRUE(t.reads_key);
}

TEST(PortSecurityTest, EachSpoofIsDroppedWithItsReasonAndTheRestFloods) {
  Switch s(true);
  std::map<std::string, uint64_t> want;
  for (const Case& c : cases()) {
    ASSERT_TRUE(s.h.inject(0, c.frame)) << c.what;
    EXPECT_EQ(s.h.poll(), 1u) << c.what;
    const auto sent = s.h.sent(1);
    if (c.drop == nullptr) {
      ASSERT_EQ(sent.size(), 1u) << c.what << " should pass";
      EXPECT_EQ(sent[0], c.frame.bytes()) << c.what;
    } else {
      EXPECT_TRUE(sent.empty()) << c.what << " should be dropped";
      ++want[c.drop];
    }
    for (const auto& [reason, n] : want) {
      EXPECT_EQ(s.h.stage_drops("port_security", reason), n) << c.what << ": " << reason;
    }
  }
  // The unprotected port is not checked: kB's frame from port 2 floods to port 1.
  ASSERT_TRUE(s.h.inject(1, ipv4_from(kB, "10.9.9.9")));
  EXPECT_EQ(s.h.poll(), 1u);
  EXPECT_EQ(s.h.sent(0).size(), 1u);
  // Table 10's flows count what they stand for: the spoofed-MAC flow saw one frame.
  of::Match port1;
  of::match_exact(port1, of::Field::kInPort, 1);
  EXPECT_EQ(s.h.flow_packets(s.b.counter(ps::kTable, ps::kPortPriority, port1)), 1u);
  EXPECT_EQ(s.h.counters().table_lookups[ps::kTable].get(), cases().size());
}

// The stage is only a faster way to run the same flows: without it (table 10 a classifier in
// the openflow stage) every frame goes the same way.
TEST(PortSecurityTest, TheClassifierRunningTheSameFlowsForwardsTheSameFrames) {
  Switch fast(true), slow(false);
  ASSERT_EQ(slow.h.tables().special[ps::kTable], nullptr);
  for (const Case& c : cases()) {
    ASSERT_TRUE(fast.h.inject(0, c.frame));
    ASSERT_TRUE(slow.h.inject(0, c.frame));
    fast.h.poll();
    slow.h.poll();
    EXPECT_EQ(fast.h.sent(1), slow.h.sent(1)) << c.what;
  }
}

// A table 10 that is not exactly the contract's flows is not the stage's: one flow missing (the
// drop of spoofed IPv4, which would let spoofed IPv4 through at priority 100) and it runs as a
// classifier.
TEST(PortSecurityTest, AnIncompleteFlowSetRunsAsAClassifier) {
  Switch s(true);
  of::FlowMod del;
  del.command = of::FlowModCommand::kDeleteStrict;
  del.table_id = ps::kTable;
  del.priority = ps::kDropPriority;
  of::match_exact(del.match, of::Field::kInPort, 1);
  of::match_exact(del.match, of::Field::kEthSrc, of::mac_to_u64(kA));
  of::match_exact(del.match, of::Field::kEthType, 0x0800);
  ASSERT_TRUE(s.b.apply(del));
  s.h.install(s.b);
  EXPECT_EQ(s.h.tables().special[ps::kTable], nullptr);
  EXPECT_TRUE(s.h.tables().reaches_classifiers);
  ASSERT_TRUE(s.h.inject(0, ipv4_from(kA, "10.0.0.9")));  // now allowed by the priority-100 flow
  EXPECT_EQ(s.h.poll(), 1u);
  EXPECT_EQ(s.h.sent(1).size(), 1u);
}

}  // namespace
}  // namespace sluice::dp
