// Open vSwitch's ct() through the whole pipeline (composition root's stages and tracker) over
// net_ring ports: the firewall issue's three flows plus the reply direction, a TCP handshake
// and data both ways, what is new, established, reply and invalid, commits refused when the
// table is full, and the flow checks that keep ct() where the pipeline can carry it.
#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include "dataplane/flow_checks.h"
#include "openflow/oxm.h"
#include "tests/testlib/eal_environment.h"
#include "tests/testlib/harness.h"
#include "tests/testlib/packet_builder.h"

namespace sluice::dp {
namespace {

using of::Field;
using test::ip;
using test::kAck;
using test::kFin;
using test::kRst;
using test::kSyn;
using test::mac_n;
using test::PacketBuilder;

const test::MacAddr kClient = mac_n(1), kServer = mac_n(2);
const uint32_t kClientIp = ip("10.0.0.1"), kServerIp = ip("10.0.0.2");

of::Action ct(uint16_t flags, uint8_t table = of::kCtNoTable) {
  of::Action a{.type = of::ActionType::kCt};
  a.ct.flags = flags;
  a.ct.table = table;
  return a;
}
of::Action output(uint32_t port) { return of::Action{.type = of::ActionType::kOutput, .port = port}; }

of::FlowMod flow(uint8_t table, uint16_t priority, uint8_t state, uint8_t state_mask,
                 std::initializer_list<of::Action> acts) {
  of::FlowMod fm;
  fm.table_id = table;
  fm.priority = priority;
  of::match_exact(fm.match, Field::kEthType, 0x0800);
  of::match_set(fm.match, Field::kCtState, state, state_mask, true);
  fm.instructions.present = of::instr::kApplyActions;
  for (const of::Action& a : acts) fm.instructions.apply_actions.push(a);
  return fm;
}

class ConntrackPipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    in_use_ = test::mbufs_in_use();
    h_ = std::make_unique<test::Harness>(test::HarnessOptions{.conntrack_capacity = capacity_});
    h_->add_ring_port(0, 1);
    h_->add_ring_port(1, 2);
    using namespace of::ct_state;
    // table=0,ip,ct_state=-trk,actions=ct(table=1)
    ASSERT_TRUE(b_.apply(flow(0, 100, 0, kTrk, {ct(0, 1)})));
    // table=1,ip,ct_state=+trk+new,tcp,tp_dst=80,actions=ct(commit),output:2
    of::FlowMod http = flow(1, 100, kTrk | kNew, kTrk | kNew, {ct(of::ct_flag::kCommit), output(2)});
    of::match_exact(http.match, Field::kIpProto, 6);
    of::match_exact(http.match, Field::kTcpDst, 80);
    ASSERT_TRUE(b_.apply(http));
    // table=1,ip,ct_state=+trk+est,actions=output:2 — and its mirror for the replies
    of::FlowMod est = flow(1, 90, kTrk | kEst, kTrk | kEst | kRpl, {output(2)});
    ASSERT_TRUE(b_.apply(est));
    of::FlowMod reply = flow(1, 90, kTrk | kEst | kRpl, kTrk | kEst | kRpl, {output(1)});
    ASSERT_TRUE(b_.apply(reply));
    h_->install(b_);
  }
  void TearDown() override {
    h_.reset();
    EXPECT_EQ(test::mbufs_in_use(), in_use_) << "mbufs leaked";
  }

  // Sends one TCP segment and returns (frames out of port 1, frames out of port 2).
  std::pair<size_t, size_t> send(bool from_client, uint8_t flags, uint32_t seq, uint32_t ack,
                                 uint16_t dport = 80, size_t payload = 0) {
    PacketBuilder p;
    if (from_client) {
      p.eth(kServer, kClient).ipv4(kClientIp, kServerIp).tcp(40000, dport, flags);
    } else {
      p.eth(kClient, kServer).ipv4(kServerIp, kClientIp).tcp(dport, 40000, flags);
    }
    p.tcp_seq(seq, ack).payload(payload);
    EXPECT_TRUE(h_->inject(from_client ? 0 : 1, p));
    h_->poll();
    return {h_->sent(0).size(), h_->sent(1).size()};
  }

  uint64_t drops(std::string_view reason) { return h_->stage_drops("openflow", reason); }

  unsigned in_use_ = 0;
  uint32_t capacity_ = 1024;
  std::unique_ptr<test::Harness> h_;
  test::TablesBuilder b_;
};

TEST_F(ConntrackPipeline, HandshakeDataAndRepliesPassOnlyThroughTheirConnection) {
  // SYN: +trk+new in table 1, committed, out of port 2.
  EXPECT_EQ(send(true, kSyn, 1000, 0), std::make_pair(size_t{0}, size_t{1}));
  // SYN-ACK: +trk+est+rpl, out of port 1 (no rule names the server's side).
  EXPECT_EQ(send(false, kSyn | kAck, 5000, 1001), std::make_pair(size_t{1}, size_t{0}));
  // ACK and data: +trk+est, out of port 2; the server's data back to port 1.
  EXPECT_EQ(send(true, kAck, 1001, 5001), std::make_pair(size_t{0}, size_t{1}));
  EXPECT_EQ(send(true, kAck, 1001, 5001, 80, 100), std::make_pair(size_t{0}, size_t{1}));
  EXPECT_EQ(send(false, kAck, 5001, 1101, 80, 200), std::make_pair(size_t{1}, size_t{0}));
  EXPECT_EQ(drops("table_miss"), 0u);
  // A forged RST far outside the window: +trk+inv, which no flow allows (a miss).
  EXPECT_EQ(send(false, kRst, 900000, 0), std::make_pair(size_t{0}, size_t{0}));
  EXPECT_EQ(drops("table_miss"), 1u);
  // ... and the connection goes on.
  EXPECT_EQ(send(true, kAck, 1101, 5201, 80, 10), std::make_pair(size_t{0}, size_t{1}));
  // FIN both ways and the last ACK still pass.
  EXPECT_EQ(send(true, kFin | kAck, 1111, 5201), std::make_pair(size_t{0}, size_t{1}));
  EXPECT_EQ(send(false, kFin | kAck, 5201, 1112), std::make_pair(size_t{1}, size_t{0}));
  EXPECT_EQ(send(true, kAck, 1112, 5202), std::make_pair(size_t{0}, size_t{1}));
  EXPECT_EQ(drops("table_miss"), 1u);
}

TEST_F(ConntrackPipeline, WhatNoRuleOpensIsDropped) {
  // A SYN to port 22: +trk+new, but only port 80 may open a connection.
  EXPECT_EQ(send(true, kSyn, 1000, 0, 22), std::make_pair(size_t{0}, size_t{0}));
  // Its "reply" finds no connection: a SYN-ACK as a first packet is invalid.
  EXPECT_EQ(send(false, kSyn | kAck, 5000, 1001, 22), std::make_pair(size_t{0}, size_t{0}));
  // Mid-stream data of a connection never seen: invalid (no pick-up).
  EXPECT_EQ(send(true, kAck, 1001, 5001, 80, 100), std::make_pair(size_t{0}, size_t{0}));
  // The server cannot open one towards the client either.
  EXPECT_EQ(send(false, kSyn, 7000, 0, 80), std::make_pair(size_t{0}, size_t{0}));
  EXPECT_EQ(drops("table_miss"), 4u);
}

TEST_F(ConntrackPipeline, TheFlowChecksKeepCtWhereThePipelineCarriesIt) {
  std::map<uint32_t, GroupEntry> groups;
  using of::bad_action::kMatchInconsistent;
  using of::bad_action::kUnsupportedOrder;
  auto check = [&](const of::FlowMod& fm) { return check_flow(fm, 64, groups); };
  auto code = [&](const of::FlowMod& fm) { return check(fm) ? uint16_t{0xffff} : check(fm).error().code; };
  of::FlowMod no_ip = flow(0, 1, 0, 0, {ct(0, 1)});
  no_ip.match = of::Match{};
  EXPECT_EQ(code(no_ip), kMatchInconsistent);
  EXPECT_EQ(code(flow(0, 1, 0, 0, {ct(0, 1), output(2)})), kUnsupportedOrder);
  of::FlowMod with_goto = flow(0, 1, 0, 0, {ct(0, 1)});
  with_goto.instructions.present |= of::instr::kGotoTable;
  with_goto.instructions.goto_table = 2;
  EXPECT_EQ(code(with_goto), kUnsupportedOrder);
  EXPECT_EQ(code(flow(1, 1, 0, 0, {ct(0, 1)})), of::bad_instruction::kBadTableId);  // not later
  EXPECT_EQ(code(flow(1, 1, 0, 0, {ct(0, 64)})), of::bad_instruction::kBadTableId);
  EXPECT_EQ(code(flow(1, 1, of::ct_state::kInv, of::ct_state::kInv, {ct(of::ct_flag::kCommit)})),
            kMatchInconsistent);
  of::Action ftp = ct(0);
  ftp.ct.alg = 21;
  EXPECT_EQ(code(flow(1, 1, 0, 0, {ftp})), of::bad_action::kBadArgument);
  of::ActionList bucket;
  bucket.push(ct(0));
  EXPECT_FALSE(check_actions(bucket, nullptr, groups));  // not in a group bucket
  EXPECT_TRUE(check(flow(0, 1, 0, 0, {output(3), ct(of::ct_flag::kCommit), ct(0, 5)})));
}

// A one-connection table: the second connection's commit is refused, counted, and its SYN
// never leaves; the first connection is unaffected (fail closed).
class ConntrackPipelineFull : public ConntrackPipeline {
 protected:
  void SetUp() override {
    capacity_ = 1;
    ConntrackPipeline::SetUp();
  }
};

TEST_F(ConntrackPipelineFull, ACommitTheTableRefusesIsDroppedAndCounted) {
  EXPECT_EQ(send(true, kSyn, 1000, 0), std::make_pair(size_t{0}, size_t{1}));
  PacketBuilder other;
  other.eth(kServer, kClient).ipv4(kClientIp, kServerIp).tcp(40001, 80, kSyn).tcp_seq(77, 0);
  ASSERT_TRUE(h_->inject(0, other));
  h_->poll();
  EXPECT_TRUE(h_->sent(1).empty());
  EXPECT_EQ(drops("ct_table_full"), 1u);
  EXPECT_EQ(send(false, kSyn | kAck, 5000, 1001), std::make_pair(size_t{1}, size_t{0}));
  EXPECT_EQ(send(true, kAck, 1001, 5001), std::make_pair(size_t{0}, size_t{1}));
}

}  // namespace
}  // namespace sluice::dp
