// The firewall's flows (openflow/firewall.h, what sluicectl compiles a YAML firewall to) run in
// the real pipeline over net_ring ports with the real connection tracker: a rule opens a
// connection and its replies pass without one; what no rule allows meets the network's
// default; a policy change cuts the connections it no longer allows at their next packet, in
// either direction, and keeps the others going (re-committed with the new version).
#include <gtest/gtest.h>

#include "openflow/firewall.h"
#include "openflow/l2_contract.h"
#include "openflow/oxm.h"
#include "tests/testlib/eal_environment.h"
#include "tests/testlib/harness.h"
#include "tests/testlib/packet_builder.h"
#include "tests/testlib/tables_builder.h"

namespace sluice::dp {
namespace {

namespace fw = of::firewall;
using test::PacketBuilder;
using test::kAck, test::kSyn, test::kFin, test::kRst;

constexpr uint16_t kVlan = 100;
const test::MacAddr kWeb = test::mac_n(1), kDb = test::mac_n(2);
const uint32_t kWebIp = test::ip("10.0.0.1"), kDbIp = test::ip("10.0.0.2");

// web (port 1) may open TCP to db (port 2) on the given ports; nothing else is allowed.
fw::Spec spec(std::vector<fw::PortRange> ports) {
  fw::Spec s;
  s.networks.push_back(fw::Network{kVlan, false});
  fw::Rule r;
  r.number = 1;
  r.from.push_back(fw::Endpoint{1, {kWebIp, 32}, {kVlan}});
  r.to.push_back(fw::Endpoint{0, {kDbIp, 32}, {kVlan}});
  r.proto = fw::Proto::kTcp;
  r.ports = std::move(ports);
  r.verdict = fw::Verdict::kAllow;
  s.rules.push_back(r);
  return s;
}

class FirewallPipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    in_use_ = test::mbufs_in_use();
    h_ = std::make_unique<test::Harness>();
    h_->add_ring_port(0, 1);
    h_->add_ring_port(1, 2);
    b_.access(1, kVlan).access(2, kVlan).static_mac(kVlan, kWeb, 1).static_mac(kVlan, kDb, 2);
    b_.commit();
    for (uint32_t port : {1u, 2u}) {  // ingress on to the firewall, as sluicectl compiles it
      of::FlowMod in = of::l2::ingress_untagged(port, kVlan);
      in.instructions.goto_table = fw::kCtTable;
      ASSERT_TRUE(b_.apply(in));
    }
    load(spec({{80, 80}}));
  }
  void TearDown() override {
    h_.reset();
    EXPECT_EQ(test::mbufs_in_use(), in_use_) << "mbufs leaked";
  }

  // Replaces tables 30 and 31 with the flows of 's' in one publish (as sluicectl's bundle does).
  void load(const fw::Spec& s) {
    for (uint8_t table : {fw::kCtTable, fw::kRuleTable}) {
      of::FlowMod del;
      del.command = of::FlowModCommand::kDelete;
      del.table_id = table;
      del.out_port = of::port_no::kAny;
      del.out_group = of::group_id::kAny;
      ASSERT_TRUE(b_.apply(del));
    }
    for (const of::FlowMod& fm : fw::flows(s, of::l2::kPolicyCookie)) {
      auto ok = b_.apply(fm);
      ASSERT_TRUE(ok) << "flow refused";
    }
    h_->install(b_);
  }

  // One TCP segment web:40000 <-> db:dport; returns (frames out of port 1, out of port 2).
  std::pair<size_t, size_t> send(bool from_web, uint8_t flags, uint32_t seq, uint32_t ack,
                                 uint16_t dport = 80, uint16_t sport = 40000) {
    PacketBuilder p;
    if (from_web) {
      p.eth(kDb, kWeb).ipv4(kWebIp, kDbIp).tcp(sport, dport, flags);
    } else {
      p.eth(kWeb, kDb).ipv4(kDbIp, kWebIp).tcp(dport, sport, flags);
    }
    p.tcp_seq(seq, ack);
    EXPECT_TRUE(h_->inject(from_web ? 0 : 1, p));
    h_->poll();
    return {h_->sent(0).size(), h_->sent(1).size()};
  }

  // A handshake web -> db:dport from 'sport'; true if all three segments went through.
  bool open(uint16_t dport, uint16_t sport) {
    return send(true, kSyn, 1000, 0, dport, sport) == std::make_pair(size_t{0}, size_t{1}) &&
           send(false, kSyn | kAck, 5000, 1001, dport, sport) ==
               std::make_pair(size_t{1}, size_t{0}) &&
           send(true, kAck, 1001, 5001, dport, sport) == std::make_pair(size_t{0}, size_t{1});
  }

  const std::pair<size_t, size_t> kToDb{0, 1}, kToWeb{1, 0}, kNowhere{0, 0};
  unsigned in_use_ = 0;
  std::unique_ptr<test::Harness> h_;
  test::TablesBuilder b_;
};

TEST_F(FirewallPipeline, ARuleOpensTheConnectionAndRepliesNeedNoRule) {
  ASSERT_TRUE(open(80, 40000));
  EXPECT_EQ(send(false, kAck, 5001, 1001), kToWeb);  // the server's data
  EXPECT_EQ(send(true, kFin | kAck, 1001, 5001), kToDb);
  EXPECT_EQ(send(false, kFin | kAck, 5001, 1002), kToWeb);
  EXPECT_EQ(h_->stage_drops("openflow", "table_miss"), 0u);
}

TEST_F(FirewallPipeline, WhatNoRuleAllowsMeetsTheDefaultDeny) {
  EXPECT_EQ(send(true, kSyn, 1000, 0, 22), kNowhere);   // another port
  EXPECT_EQ(send(false, kSyn, 7000, 0, 80), kNowhere);  // db opening towards web
  // Mid-stream data of no connection is +inv and dropped by the invalid flow.
  EXPECT_EQ(send(true, kAck, 1001, 5001, 80), kNowhere);
  // UDP and ICMP are not allowed either.
  PacketBuilder udp;
  udp.eth(kDb, kWeb).ipv4(kWebIp, kDbIp).udp(5000, 53);
  ASSERT_TRUE(h_->inject(0, udp));
  h_->poll();
  EXPECT_TRUE(h_->sent(1).empty());
  // ARP is not IP: it passes the firewall untouched (table 30's pass flow).
  PacketBuilder arp;
  arp.eth(test::kBroadcast, kWeb).arp_request(kWeb, kWebIp, kDbIp);
  ASSERT_TRUE(h_->inject(0, arp));
  h_->poll();
  EXPECT_EQ(h_->sent(1).size(), 1u);
}

TEST_F(FirewallPipeline, APolicyChangeCutsRevokedConnectionsAndKeepsTheOthers) {
  ASSERT_TRUE(open(80, 40000));
  ASSERT_TRUE(open(443, 40001) == false);  // not yet allowed
  load(spec({{80, 80}, {443, 443}}));      // a new version: 443 as well
  ASSERT_TRUE(open(443, 40002));
  // The port-80 connection keeps going under the new version; its first packet after the change
  // is a reply, re-checked by the rule's reply flow and re-committed with the new mark.
  EXPECT_EQ(send(false, kAck, 5001, 1001, 80, 40000), kToWeb);
  EXPECT_EQ(send(true, kAck, 1001, 5001, 80, 40000), kToDb);
  // Now 80 is revoked: its connection is cut at its next packet, in either direction, while
  // the 443 connection goes on.
  load(spec({{443, 443}}));
  EXPECT_EQ(send(true, kAck, 1001, 5001, 80, 40000), kNowhere);
  EXPECT_EQ(send(false, kAck, 5001, 1001, 80, 40000), kNowhere);
  EXPECT_EQ(send(false, kAck, 5001, 1001, 443, 40002), kToWeb);
  EXPECT_EQ(send(true, kAck, 1001, 5001, 443, 40002), kToDb);
  // A new SYN to 80 is refused as well.
  EXPECT_EQ(send(true, kSyn, 9000, 0, 80, 40003), kNowhere);
}

TEST_F(FirewallPipeline, PortRangesAreMaskedMatches) {
  load(spec({{8000, 8080}}));
  for (uint16_t port : {8000, 8063, 8064, 8079, 8080}) {
    EXPECT_TRUE(open(port, static_cast<uint16_t>(30000 + port))) << port;
  }
  for (uint16_t port : {7999, 8081, 80}) {
    EXPECT_EQ(send(true, kSyn, 1, 0, port, 20000), kNowhere) << port;
  }
}

TEST_F(FirewallPipeline, ADefaultAllowNetworkCommitsAndPassesEverything) {
  fw::Spec s = spec({{80, 80}});
  s.networks[0].default_allow = true;
  s.rules[0].verdict = fw::Verdict::kDeny;  // 80 denied, everything else allowed
  load(s);
  EXPECT_EQ(send(true, kSyn, 1000, 0, 80), kNowhere);
  ASSERT_TRUE(open(22, 40000));
  EXPECT_EQ(send(false, kAck, 5001, 1001, 22), kToWeb);
  ASSERT_TRUE(send(false, kSyn, 7000, 0, 5432, 41000) == kToWeb);  // db may open too
}

}  // namespace
}  // namespace sluice::dp
