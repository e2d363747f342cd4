// The reference interpreter (openflow/reference.h): matching per field with masks, vlan_vid
// and prerequisites; priorities; instructions and the action set; each group type; table
// misses; and the Sluice L2 table contract built with openflow/l2_contract.h.
#include "openflow/reference.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <vector>

#include "openflow/l2_contract.h"
#include "openflow/oxm.h"

namespace sluice::of::ref {
namespace {

constexpr MacAddr kMacA = {0x02, 0, 0, 0, 0, 0x0a};
constexpr MacAddr kMacB = {0x02, 0, 0, 0, 0, 0x0b};
constexpr MacAddr kBroadcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

Packet tcp_packet() {
  Packet p;
  p.in_port = 1;
  p.eth_src = kMacA;
  p.eth_dst = kMacB;
  p.eth_type = kEthTypeIpv4;
  p.ip_proto = kIpProtoTcp;
  p.ipv4_src = 0x0a000001;
  p.ipv4_dst = 0x0a000002;
  p.tcp_src = 1000;
  p.tcp_dst = 80;
  p.tunnel_id = 7;
  return p;
}

Packet udp_packet() {
  Packet p = tcp_packet();
  p.ip_proto = kIpProtoUdp;
  p.tcp_src = p.tcp_dst = 0;
  p.udp_src = 5000;
  p.udp_dst = 53;
  return p;
}

Packet icmp_packet() {
  Packet p = tcp_packet();
  p.ip_proto = kIpProtoIcmp;
  p.tcp_src = p.tcp_dst = 0;
  p.icmpv4_type = 8;
  p.icmpv4_code = 0;
  return p;
}

Packet arp_packet(uint16_t op = 1) {
  Packet p = tcp_packet();
  p.eth_type = kEthTypeArp;
  p.ip_proto = 0, p.ipv4_src = p.ipv4_dst = 0, p.tcp_src = p.tcp_dst = 0;
  p.arp_op = op;
  p.arp_spa = 0x0a000001;
  p.arp_tpa = 0x0a000002;
  p.arp_sha = kMacA;
  return p;
}

Packet tagged(Packet p, uint16_t vid, uint8_t pcp = 0) {
  p.vlan_present = true;
  p.vlan_vid = vid;
  p.vlan_pcp = pcp;
  return p;
}

Match exact(Field f, uint64_t v) {
  Match m;
  match_exact(m, f, v);
  return m;
}

Match masked(Field f, uint64_t v, uint64_t mask) {
  Match m;
  match_set(m, f, v, mask, true);
  return m;
}

Action set_field(Field f, uint64_t v) {
  Action a;
  a.type = ActionType::kSetField;
  a.field = f;
  a.value = v;
  return a;
}

ActionList list(std::initializer_list<Action> actions) {
  ActionList l;
  for (const Action& a : actions) l.push(a);
  return l;
}

FlowMod flow(uint8_t table, uint16_t priority, const Match& m = {}, uint64_t cookie = 0) {
  FlowMod fm;
  fm.table_id = table;
  fm.priority = priority;
  fm.match = m;
  fm.cookie = cookie;
  return fm;
}

FlowMod& apply(FlowMod& fm, std::initializer_list<Action> actions) {
  fm.instructions.present |= instr::kApplyActions;
  fm.instructions.apply_actions = list(actions);
  return fm;
}

FlowMod& write(FlowMod& fm, std::initializer_list<Action> actions) {
  fm.instructions.present |= instr::kWriteActions;
  fm.instructions.write_actions = list(actions);
  return fm;
}

FlowMod& go(FlowMod& fm, uint8_t table) {
  fm.instructions.present |= instr::kGotoTable;
  fm.instructions.goto_table = table;
  return fm;
}

FlowMod& write_metadata(FlowMod& fm, uint64_t value, uint64_t mask) {
  fm.instructions.present |= instr::kWriteMetadata;
  fm.instructions.metadata = value;
  fm.instructions.metadata_mask = mask;
  return fm;
}

std::unique_ptr<GroupDesc> make_group(uint32_t id, GroupType type,
                                      std::initializer_list<ActionList> buckets) {
  auto g = std::make_unique<GroupDesc>();
  g->group_id = id;
  g->type = type;
  for (const ActionList& b : buckets) g->buckets[g->n_buckets++].actions = b;
  return g;
}

std::vector<uint32_t> ports(const Result& r) {
  std::vector<uint32_t> out;
  for (const Output& o : r.outputs) out.push_back(o.port);
  return out;
}

bool has_note(const Result& r, Note n) {
  for (Note x : r.notes) {
    if (x == n) return true;
  }
  return false;
}

// ---- Matching -------------------------------------------------------------------------------

// A packet on which 'f''s prerequisites hold.
Packet packet_for(Field f) {
  switch (f) {
    case Field::kUdpSrc:
    case Field::kUdpDst:
      return udp_packet();
    case Field::kIcmpv4Type:
    case Field::kIcmpv4Code:
      return icmp_packet();
    case Field::kArpOp:
    case Field::kArpSpa:
    case Field::kArpTpa:
    case Field::kArpSha:
      return arp_packet();
    default:
      return tagged(tcp_packet(), 100);
  }
}

TEST(ReferenceMatch, EmptyMatchMatchesEverything) {
  EXPECT_TRUE(matches(Match{}, Packet{}));
  EXPECT_TRUE(matches(Match{}, udp_packet()));
}

TEST(ReferenceMatch, PacketValuePerField) {
  Packet p = tagged(tcp_packet(), 100);
  p.metadata = 0x1234;
  EXPECT_EQ(packet_value(p, Field::kInPort), 1u);
  EXPECT_EQ(packet_value(p, Field::kMetadata), 0x1234u);
  EXPECT_EQ(packet_value(p, Field::kEthDst), 0x02000000000bu);
  EXPECT_EQ(packet_value(p, Field::kEthSrc), 0x02000000000au);
  EXPECT_EQ(packet_value(p, Field::kEthType), 0x0800u);
  EXPECT_EQ(packet_value(p, Field::kVlanVid), 0x1064u);
  EXPECT_EQ(packet_value(p, Field::kIpProto), 6u);
  EXPECT_EQ(packet_value(p, Field::kIpv4Src), 0x0a000001u);
  EXPECT_EQ(packet_value(p, Field::kIpv4Dst), 0x0a000002u);
  EXPECT_EQ(packet_value(p, Field::kTcpSrc), 1000u);
  EXPECT_EQ(packet_value(p, Field::kTcpDst), 80u);
  EXPECT_EQ(packet_value(udp_packet(), Field::kUdpSrc), 5000u);
  EXPECT_EQ(packet_value(udp_packet(), Field::kUdpDst), 53u);
  EXPECT_EQ(packet_value(icmp_packet(), Field::kIcmpv4Type), 8u);
  EXPECT_EQ(packet_value(icmp_packet(), Field::kIcmpv4Code), 0u);
  EXPECT_EQ(packet_value(p, Field::kTunnelId), 7u);
  EXPECT_EQ(packet_value(tcp_packet(), Field::kVlanVid), 0u);
  EXPECT_EQ(packet_value(arp_packet(2), Field::kArpOp), 2u);
  EXPECT_EQ(packet_value(arp_packet(), Field::kArpSpa), 0x0a000001u);
  EXPECT_EQ(packet_value(arp_packet(), Field::kArpTpa), 0x0a000002u);
  EXPECT_EQ(packet_value(arp_packet(), Field::kArpSha), 0x02000000000au);
  // As the dataplane's key: an opcode above 255 reads as 0.
  EXPECT_EQ(packet_value(arp_packet(0x0101), Field::kArpOp), 0u);
}

// Every field: an exact match on the packet's own value matches, one bit off does not.
TEST(ReferenceMatch, EveryFieldExact) {
  for (const FieldInfo& info : known_fields()) {
    SCOPED_TRACE(info.name);
    const Packet p = packet_for(info.field);
    const uint64_t v = packet_value(p, info.field);
    EXPECT_TRUE(matches(exact(info.field, v), p));
    EXPECT_FALSE(matches(exact(info.field, v ^ 1), p));
  }
}

TEST(ReferenceMatch, MaskedMac) {
  // Multicast bit only: matches broadcast, not a unicast destination.
  const Match m = masked(Field::kEthDst, 0x010000000000, 0x010000000000);
  Packet p = tcp_packet();
  EXPECT_FALSE(matches(m, p));
  p.eth_dst = kBroadcast;
  EXPECT_TRUE(matches(m, p));
  const Match src = masked(Field::kEthSrc, 0x020000000000, 0xffffff000000);
  EXPECT_TRUE(matches(src, p));  // 02:00:00:xx:xx:xx
  p.eth_src[2] = 1;
  EXPECT_FALSE(matches(src, p));
}

TEST(ReferenceMatch, MaskedIpv4) {
  const Match m = masked(Field::kIpv4Dst, 0x0a000000, 0xffffff00);  // 10.0.0.0/24
  Packet p = tcp_packet();
  EXPECT_TRUE(matches(m, p));
  p.ipv4_dst = 0x0a000102;
  EXPECT_FALSE(matches(m, p));
}

TEST(ReferenceMatch, MaskedMetadataAndTunnel) {
  const Match m = masked(Field::kMetadata, 0x64, 0xfff);
  Packet p;
  p.metadata = 0xabc000064;
  EXPECT_TRUE(matches(m, p));
  p.metadata = 0x65;
  EXPECT_FALSE(matches(m, p));
  const Match t = masked(Field::kTunnelId, 0x100, 0xf00);
  p.tunnel_id = 0x1ff;
  EXPECT_TRUE(matches(t, p));
  p.tunnel_id = 0x2ff;
  EXPECT_FALSE(matches(t, p));
}

TEST(ReferenceMatch, VlanVidNoneMatchesUntaggedOnly) {
  const Match m = exact(Field::kVlanVid, kVidNone);
  EXPECT_TRUE(matches(m, tcp_packet()));
  EXPECT_FALSE(matches(m, tagged(tcp_packet(), 100)));
  EXPECT_FALSE(matches(m, tagged(tcp_packet(), 0)));  // a priority tag is a tag here
}

TEST(ReferenceMatch, VlanVidPresentMaskMatchesAnyTag) {
  const Match m = masked(Field::kVlanVid, kVidPresent, kVidPresent);
  EXPECT_FALSE(matches(m, tcp_packet()));
  EXPECT_TRUE(matches(m, tagged(tcp_packet(), 1)));
  EXPECT_TRUE(matches(m, tagged(tcp_packet(), 4094)));
}

TEST(ReferenceMatch, VlanVidExactMatchesThatTag) {
  const Match m = exact(Field::kVlanVid, kVidPresent | 100);
  EXPECT_TRUE(matches(m, tagged(tcp_packet(), 100)));
  EXPECT_FALSE(matches(m, tagged(tcp_packet(), 101)));
  EXPECT_FALSE(matches(m, tcp_packet()));
  // VID 100 without the present bit never matches a packet: untagged is 0, tagged has 0x1000.
  EXPECT_FALSE(matches(exact(Field::kVlanVid, 100), tagged(tcp_packet(), 100)));
}

TEST(ReferenceMatch, PrerequisitesMustHold) {
  // Same numeric value in the wrong protocol's field must not match.
  Packet udp = udp_packet();
  udp.tcp_src = 1000;
  EXPECT_FALSE(matches(exact(Field::kTcpSrc, 1000), udp));
  Packet tcp = tcp_packet();
  tcp.udp_dst = 80;
  EXPECT_FALSE(matches(exact(Field::kUdpDst, 80), tcp));
  Packet arp = tcp_packet();
  arp.eth_type = 0x0806;
  EXPECT_FALSE(matches(exact(Field::kIpv4Src, 0x0a000001), arp));
  EXPECT_FALSE(matches(exact(Field::kIpProto, 6), arp));
  // ARP fields need an ARP packet, whatever the IPv4 addresses are.
  Packet ip_arp_values = tcp_packet();
  ip_arp_values.arp_spa = 0x0a000001;
  EXPECT_FALSE(matches(exact(Field::kArpSpa, 0x0a000001), ip_arp_values));
  EXPECT_TRUE(matches(masked(Field::kArpSpa, 0x0a000000, 0xff000000), arp_packet()));
  EXPECT_FALSE(matches(exact(Field::kIpv4Src, 0x0a000001), arp_packet()));
  EXPECT_FALSE(matches(exact(Field::kIcmpv4Type, 0), tcp));
  // ip_proto and tcp ports also apply to IPv6; ipv4 and icmpv4 fields do not.
  Packet v6 = tcp_packet();
  v6.eth_type = kEthTypeIpv6;
  EXPECT_TRUE(matches(exact(Field::kIpProto, 6), v6));
  EXPECT_TRUE(matches(exact(Field::kTcpDst, 80), v6));
  EXPECT_FALSE(matches(exact(Field::kIpv4Dst, 0x0a000002), v6));
}

TEST(ReferenceMatch, AllFieldsMustMatch) {
  Match m = exact(Field::kInPort, 1);
  match_exact(m, Field::kTcpDst, 80);
  EXPECT_TRUE(matches(m, tcp_packet()));
  Packet p = tcp_packet();
  p.in_port = 2;
  EXPECT_FALSE(matches(m, p));
}

// ---- Rules and tables -----------------------------------------------------------------------

TEST(ReferencePipeline, HighestPriorityWins) {
  for (bool low_first : {true, false}) {
    Pipeline pl;
    FlowMod low = flow(0, 10, {}, 0x10);
    FlowMod high = flow(0, 20, exact(Field::kTcpDst, 80), 0x20);
    apply(low, {l2::output(2)});
    apply(high, {l2::output(3)});
    if (low_first) {
      ASSERT_TRUE(pl.add(low));
      ASSERT_TRUE(pl.add(high));
    } else {
      ASSERT_TRUE(pl.add(high));
      ASSERT_TRUE(pl.add(low));
    }
    const Result r = pl.run(tcp_packet());
    EXPECT_EQ(ports(r), std::vector<uint32_t>{3});
    ASSERT_EQ(r.hits.size(), 1u);
    EXPECT_EQ(r.hits[0], (Hit{0, 20, 0x20}));
    EXPECT_EQ(ports(pl.run(udp_packet())), std::vector<uint32_t>{2});  // high does not match
  }
}

TEST(ReferencePipeline, EqualPrioritiesFirstAddedWins) {
  Pipeline pl;
  FlowMod a = flow(0, 5, exact(Field::kInPort, 1), 0xa);
  FlowMod b = flow(0, 5, exact(Field::kEthType, kEthTypeIpv4), 0xb);
  apply(a, {l2::output(2)});
  apply(b, {l2::output(3)});
  ASSERT_TRUE(pl.add(a));
  ASSERT_TRUE(pl.add(b));
  const Result r = pl.run(tcp_packet());
  EXPECT_EQ(ports(r), std::vector<uint32_t>{2});
  EXPECT_EQ(r.hits[0].cookie, 0xau);
}

TEST(ReferencePipeline, AddReplacesSamePriorityAndMatch) {
  Pipeline pl;
  FlowMod first = flow(0, 5, exact(Field::kInPort, 1), 0x1);
  FlowMod other = flow(0, 5, exact(Field::kEthType, kEthTypeIpv4), 0x2);
  FlowMod again = flow(0, 5, exact(Field::kInPort, 1), 0x3);
  apply(first, {l2::output(2)});
  apply(other, {l2::output(3)});
  apply(again, {l2::output(4)});
  ASSERT_TRUE(pl.add(first));
  ASSERT_TRUE(pl.add(other));
  ASSERT_TRUE(pl.add(again));
  EXPECT_EQ(pl.table(0).size(), 2u);
  const Result r = pl.run(tcp_packet());
  EXPECT_EQ(ports(r), std::vector<uint32_t>{4});  // replaced in place: still first
  EXPECT_EQ(r.hits[0].cookie, 0x3u);
}

TEST(ReferencePipeline, AddRefusesOtherCommandsAndBackwardGoto) {
  Pipeline pl;
  FlowMod del = flow(0, 5);
  del.command = FlowModCommand::kDelete;
  EXPECT_FALSE(pl.add(del));
  FlowMod back = flow(2, 5);
  EXPECT_FALSE(pl.add(go(back, 2)));
  FlowMod back2 = flow(2, 5);
  EXPECT_FALSE(pl.add(go(back2, 1)));
  EXPECT_TRUE(pl.table(0).empty());
  EXPECT_TRUE(pl.table(2).empty());
}

TEST(ReferencePipeline, EmptyTableMisses) {
  Pipeline pl;
  const Result r = pl.run(tcp_packet());
  EXPECT_TRUE(r.table_miss);
  EXPECT_TRUE(r.outputs.empty());
  EXPECT_TRUE(r.hits.empty());
}

TEST(ReferencePipeline, MissInLaterTableDiscardsActionSetKeepsApplied) {
  Pipeline pl;
  FlowMod t0 = flow(0, 1);
  apply(t0, {l2::output(2)});
  write(t0, {l2::output(3)});
  ASSERT_TRUE(pl.add(go(t0, 1)));
  FlowMod t1 = flow(1, 1, exact(Field::kInPort, 9));
  ASSERT_TRUE(pl.add(t1));
  const Result r = pl.run(tcp_packet());
  EXPECT_TRUE(r.table_miss);
  EXPECT_EQ(ports(r), std::vector<uint32_t>{2});
  EXPECT_EQ(r.hits.size(), 1u);
}

TEST(ReferencePipeline, NoGotoEndsPipelineWithoutMiss) {
  Pipeline pl;
  FlowMod t0 = flow(0, 1);
  write(t0, {l2::output(3)});
  ASSERT_TRUE(pl.add(t0));
  const Result r = pl.run(tcp_packet());
  EXPECT_FALSE(r.table_miss);
  EXPECT_EQ(ports(r), std::vector<uint32_t>{3});
}

TEST(ReferencePipeline, GotoChainCarriesMetadata) {
  Pipeline pl;
  FlowMod t0 = flow(0, 1, {}, 0xa0);
  write_metadata(t0, 0x05, 0xff);
  ASSERT_TRUE(pl.add(go(t0, 1)));
  FlowMod t1 = flow(1, 1, masked(Field::kMetadata, 0x05, 0xff), 0xa1);
  write_metadata(t1, 0x100, 0xf00);
  ASSERT_TRUE(pl.add(go(t1, 3)));
  FlowMod t1_other = flow(1, 9, masked(Field::kMetadata, 0x06, 0xff));  // higher, no match
  apply(t1_other, {l2::output(9)});
  ASSERT_TRUE(pl.add(t1_other));
  FlowMod t3 = flow(3, 7, exact(Field::kMetadata, 0xabc00000105), 0xa3);
  write(t3, {l2::output(2)});
  ASSERT_TRUE(pl.add(t3));
  Packet p = tcp_packet();
  p.metadata = 0xabc00000000;  // bits outside the masks survive
  const Result r = pl.run(p);
  EXPECT_FALSE(r.table_miss);
  EXPECT_EQ(r.hits, (std::vector<Hit>{{0, 1, 0xa0}, {1, 1, 0xa1}, {3, 7, 0xa3}}));
  ASSERT_EQ(ports(r), std::vector<uint32_t>{2});
  EXPECT_EQ(r.outputs[0].packet.metadata, 0xabc00000105u);
}

// ---- Instructions and actions ---------------------------------------------------------------

TEST(ReferenceActions, ApplyPushThenWriteSetFieldTagsOutput) {
  Pipeline pl;
  FlowMod t0 = flow(0, 1);
  apply(t0, {l2::push_vlan(), l2::output(3)});
  write(t0, {l2::set_vlan_vid(42), l2::output(2)});
  ASSERT_TRUE(pl.add(t0));
  const Result r = pl.run(tcp_packet());
  ASSERT_EQ(ports(r), (std::vector<uint32_t>{3, 2}));
  EXPECT_TRUE(r.outputs[0].packet.vlan_present);
  EXPECT_EQ(r.outputs[0].packet.vlan_vid, 0);  // pushed on untagged: vid 0
  EXPECT_TRUE(r.outputs[1].packet.vlan_present);
  EXPECT_EQ(r.outputs[1].packet.vlan_vid, 42);
}

TEST(ReferenceActions, ApplyActionsRunInListOrder) {
  Pipeline pl;
  FlowMod t0 = flow(0, 1);
  apply(t0, {l2::output(2), set_field(Field::kEthDst, 0x020000000099), l2::output(3)});
  ASSERT_TRUE(pl.add(t0));
  const Result r = pl.run(tcp_packet());
  ASSERT_EQ(r.outputs.size(), 2u);
  EXPECT_EQ(r.outputs[0].packet.eth_dst, kMacB);
  EXPECT_EQ(r.outputs[1].packet.eth_dst, (MacAddr{0x02, 0, 0, 0, 0, 0x99}));
}

TEST(ReferenceActions, WriteActionsMergeOnePerTypeAndField) {
  Pipeline pl;
  FlowMod t0 = flow(0, 1);
  write(t0, {l2::output(2), set_field(Field::kTcpDst, 1), set_field(Field::kIpv4Dst, 5)});
  ASSERT_TRUE(pl.add(go(t0, 1)));
  FlowMod t1 = flow(1, 1);
  write(t1, {l2::output(3), set_field(Field::kTcpDst, 2)});
  ASSERT_TRUE(pl.add(t1));
  const Result r = pl.run(tcp_packet());
  ASSERT_EQ(ports(r), std::vector<uint32_t>{3});
  EXPECT_EQ(r.outputs[0].packet.tcp_dst, 2);    // replaced
  EXPECT_EQ(r.outputs[0].packet.ipv4_dst, 5u);  // kept
}

TEST(ReferenceActions, ClearActionsEmptiesActionSet) {
  Pipeline pl;
  FlowMod t0 = flow(0, 1);
  write(t0, {l2::output(2), set_field(Field::kTcpDst, 1)});
  ASSERT_TRUE(pl.add(go(t0, 1)));
  FlowMod t1 = flow(1, 1);
  t1.instructions.present |= instr::kClearActions;
  ASSERT_TRUE(pl.add(t1));
  const Result r = pl.run(tcp_packet());
  EXPECT_TRUE(r.outputs.empty());
  EXPECT_FALSE(r.table_miss);
}

TEST(ReferenceActions, ClearRunsBeforeWriteInTheSameRule) {
  Pipeline pl;
  FlowMod t0 = flow(0, 1);
  write(t0, {set_field(Field::kTcpDst, 1)});
  ASSERT_TRUE(pl.add(go(t0, 1)));
  FlowMod t1 = flow(1, 1);
  t1.instructions.present |= instr::kClearActions;
  write(t1, {l2::output(2)});
  ASSERT_TRUE(pl.add(t1));
  const Result r = pl.run(tcp_packet());
  ASSERT_EQ(ports(r), std::vector<uint32_t>{2});
  EXPECT_EQ(r.outputs[0].packet.tcp_dst, 80);  // the earlier set-field was cleared
}

TEST(ReferenceActions, ActionSetRunsInSpecOrder) {
  // Written backwards; run as pop, push, set-field, output. Push-before-pop would keep
  // pcp 5; pop-before-push gives a fresh tag with pcp 0.
  Pipeline pl;
  FlowMod t0 = flow(0, 1);
  write(t0, {l2::output(5), l2::set_vlan_vid(7), l2::push_vlan(), l2::pop_vlan()});
  ASSERT_TRUE(pl.add(t0));
  const Result r = pl.run(tagged(tcp_packet(), 3, 5));
  ASSERT_EQ(ports(r), std::vector<uint32_t>{5});
  const Packet& out = r.outputs[0].packet;
  EXPECT_TRUE(out.vlan_present);
  EXPECT_EQ(out.vlan_vid, 7);
  EXPECT_EQ(out.vlan_pcp, 0);
  EXPECT_TRUE(out.inner_vlans.empty());
}

TEST(ReferenceActions, GroupInActionSetSuppressesOutput) {
  Pipeline pl;
  auto g = make_group(1, GroupType::kIndirect, {list({l2::output(4)})});
  pl.set_group(*g);
  FlowMod t0 = flow(0, 1);
  write(t0, {l2::output(9), l2::group(1)});
  ASSERT_TRUE(pl.add(t0));
  EXPECT_EQ(ports(pl.run(tcp_packet())), std::vector<uint32_t>{4});
}

TEST(ReferenceActions, PushOnTaggedCopiesTagAndPopRestoresIt) {
  Pipeline pl;
  FlowMod t0 = flow(0, 1);
  apply(t0, {l2::push_vlan(), l2::output(2), l2::set_vlan_vid(20), l2::output(3), l2::pop_vlan(),
             l2::output(4)});
  ASSERT_TRUE(pl.add(t0));
  const Result r = pl.run(tagged(tcp_packet(), 10, 3));
  ASSERT_EQ(r.outputs.size(), 3u);
  EXPECT_EQ(r.outputs[0].packet.vlan_vid, 10);  // copied from the old tag
  EXPECT_EQ(r.outputs[0].packet.vlan_pcp, 3);
  EXPECT_EQ(r.outputs[1].packet.vlan_vid, 20);
  EXPECT_EQ(r.outputs[1].packet.inner_vlans, (std::vector<Vlan>{{10, 3}}));
  EXPECT_TRUE(r.outputs[2].packet.vlan_present);
  EXPECT_EQ(r.outputs[2].packet.vlan_vid, 10);
  EXPECT_TRUE(r.outputs[2].packet.inner_vlans.empty());
}

TEST(ReferenceActions, InapplicableActionsNoteAndChangeNothing) {
  Pipeline pl;
  FlowMod t0 = flow(0, 1);
  apply(t0, {l2::pop_vlan(), l2::set_vlan_vid(5), set_field(Field::kUdpDst, 1),
             set_field(Field::kInPort, 9), l2::output(2)});
  ASSERT_TRUE(pl.add(t0));
  const Packet in = tcp_packet();
  const Result r = pl.run(in);
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(r.outputs[0].packet, in);
  EXPECT_TRUE(has_note(r, Note::kPopUntagged));
  EXPECT_EQ(r.notes.size(), 4u);
}

TEST(ReferenceActions, OutputPortsAndIngress) {
  Pipeline pl;
  FlowMod t0 = flow(0, 1);
  apply(t0, {l2::output(1), l2::output(port_no::kInPort), l2::output(port_no::kFlood),
             l2::output(port_no::kController)});
  ASSERT_TRUE(pl.add(t0));
  // output:1 on a packet from port 1 is skipped; IN_PORT sends it back; reserved ports stay.
  EXPECT_EQ(ports(pl.run(tcp_packet())),
            (std::vector<uint32_t>{1, port_no::kFlood, port_no::kController}));
}

// ---- Groups ---------------------------------------------------------------------------------

TEST(ReferenceGroup, AllRunsEveryBucketOnACopy) {
  Pipeline pl;
  auto g = make_group(1, GroupType::kAll,
                      {list({set_field(Field::kEthDst, 0x020000000099), l2::output(2)}),
                       list({l2::output(3)}), list({l2::output(4)})});
  pl.set_group(*g);
  FlowMod t0 = flow(0, 1);
  apply(t0, {l2::group(1), l2::output(5)});
  ASSERT_TRUE(pl.add(t0));
  const Result r = pl.run(tcp_packet());
  ASSERT_EQ(ports(r), (std::vector<uint32_t>{2, 3, 4, 5}));
  EXPECT_EQ(r.outputs[0].packet.eth_dst, (MacAddr{0x02, 0, 0, 0, 0, 0x99}));
  EXPECT_EQ(r.outputs[1].packet.eth_dst, kMacB);  // the next bucket got its own copy
  EXPECT_EQ(r.outputs[3].packet.eth_dst, kMacB);  // the pipeline's packet is unchanged
}

TEST(ReferenceGroup, IndirectRunsItsBucket) {
  Pipeline pl;
  auto g = make_group(1, GroupType::kIndirect, {list({l2::output(2)})});
  pl.set_group(*g);
  FlowMod t0 = flow(0, 1);
  apply(t0, {l2::group(1)});
  ASSERT_TRUE(pl.add(t0));
  EXPECT_EQ(ports(pl.run(tcp_packet())), std::vector<uint32_t>{2});
}

TEST(ReferenceGroup, SelectUsesTheSelector) {
  Pipeline pl;
  auto g = make_group(1, GroupType::kSelect,
                      {list({l2::output(2)}), list({l2::output(3)}), list({l2::output(4)})});
  pl.set_group(*g);
  FlowMod t0 = flow(0, 1);
  apply(t0, {l2::group(1)});
  ASSERT_TRUE(pl.add(t0));
  pl.set_selector([](const GroupDesc& gd, const Packet& p) { return p.tcp_src % gd.n_buckets; });
  Packet p = tcp_packet();
  p.tcp_src = 1;
  EXPECT_EQ(ports(pl.run(p)), std::vector<uint32_t>{3});
  p.tcp_src = 5;
  EXPECT_EQ(ports(pl.run(p)), std::vector<uint32_t>{4});
}

TEST(ReferenceGroup, SelectDefaultHashIsDeterministicAndWeighted) {
  Pipeline pl;
  auto g = make_group(1, GroupType::kSelect,
                      {list({l2::output(2)}), list({l2::output(3)}), list({l2::output(4)})});
  g->buckets[0].weight = 1;
  g->buckets[1].weight = 0;  // never chosen
  g->buckets[2].weight = 1;
  pl.set_group(*g);
  FlowMod t0 = flow(0, 1);
  apply(t0, {l2::group(1)});
  ASSERT_TRUE(pl.add(t0));
  int seen2 = 0, seen4 = 0;
  for (uint16_t src = 1; src <= 64; ++src) {
    Packet p = tcp_packet();
    p.tcp_src = src;
    const Result r = pl.run(p);
    ASSERT_EQ(r.outputs.size(), 1u);
    EXPECT_EQ(ports(pl.run(p)), ports(r));  // same packet, same bucket
    EXPECT_NE(r.outputs[0].port, 3u);
    seen2 += r.outputs[0].port == 2;
    seen4 += r.outputs[0].port == 4;
  }
  EXPECT_GT(seen2, 0);
  EXPECT_GT(seen4, 0);
}

TEST(ReferenceGroup, FastFailoverPicksFirstLiveBucket) {
  Pipeline pl;
  auto g = make_group(1, GroupType::kFastFailover, {list({l2::output(2)}), list({l2::output(3)})});
  g->buckets[0].watch_port = 2;
  g->buckets[1].watch_port = 3;
  pl.set_group(*g);
  FlowMod t0 = flow(0, 1);
  apply(t0, {l2::group(1)});
  ASSERT_TRUE(pl.add(t0));
  EXPECT_EQ(ports(pl.run(tcp_packet())), std::vector<uint32_t>{2});
  pl.set_port_live(2, false);
  EXPECT_EQ(ports(pl.run(tcp_packet())), std::vector<uint32_t>{3});
  pl.set_port_live(3, false);
  EXPECT_TRUE(pl.run(tcp_packet()).outputs.empty());
  pl.set_port_live(2, true);
  EXPECT_EQ(ports(pl.run(tcp_packet())), std::vector<uint32_t>{2});
}

TEST(ReferenceGroup, UnknownGroupNotesAndDrops) {
  Pipeline pl;
  FlowMod t0 = flow(0, 1);
  apply(t0, {l2::group(77)});
  ASSERT_TRUE(pl.add(t0));
  const Result r = pl.run(tcp_packet());
  EXPECT_TRUE(r.outputs.empty());
  EXPECT_TRUE(has_note(r, Note::kUnknownGroup));
}

TEST(ReferenceGroup, ChainsAndStopsLoops) {
  Pipeline pl;
  auto outer = make_group(1, GroupType::kAll, {list({l2::group(2)}), list({l2::output(3)})});
  auto inner = make_group(2, GroupType::kIndirect, {list({l2::output(2)})});
  auto loop = make_group(9, GroupType::kAll, {list({l2::group(9)})});
  pl.set_group(*outer);
  pl.set_group(*inner);
  pl.set_group(*loop);
  FlowMod t0 = flow(0, 1);
  apply(t0, {l2::group(1)});
  ASSERT_TRUE(pl.add(t0));
  EXPECT_EQ(ports(pl.run(tcp_packet())), (std::vector<uint32_t>{2, 3}));
  FlowMod t0_loop = flow(0, 2);
  apply(t0_loop, {l2::group(9)});
  ASSERT_TRUE(pl.add(t0_loop));
  const Result r = pl.run(tcp_packet());
  EXPECT_TRUE(r.outputs.empty());
  EXPECT_TRUE(has_note(r, Note::kGroupTooDeep));
}

// ---- The Sluice L2 table contract ------------------------------------------------------------

// VLAN 100: access ports 1 and 2, trunks 3 and 4 (tagged), trunk 5 with native VLAN 100.
// VLAN 200: access port 6 and trunk 3 (tagged). Static MAC kMacB on trunk 4 in VLAN 100.
class ReferenceL2Contract : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const FlowMod& fm :
         {l2::ingress_untagged(1, 100), l2::ingress_untagged(2, 100), l2::ingress_tagged(3, 100),
          l2::ingress_tagged(4, 100), l2::ingress_untagged(5, 100), l2::ingress_tagged(5, 100),
          l2::ingress_untagged(6, 200), l2::ingress_tagged(3, 200), l2::flood_flow(100),
          l2::flood_flow(200), l2::static_mac_flow(100, kMacB, l2::egress_actions(4, 100))}) {
      ASSERT_TRUE(pl_.add(fm));
    }
    const std::vector<ActionList> bd100 = {l2::egress_actions(1), l2::egress_actions(2),
                                           l2::egress_actions(3, 100), l2::egress_actions(4, 100),
                                           l2::egress_actions(5)};
    const std::vector<ActionList> bd200 = {l2::egress_actions(6), l2::egress_actions(3, 200)};
    auto g = std::make_unique<GroupDesc>();
    l2::flood_group(100, bd100, *g);
    pl_.set_group(*g);
    l2::flood_group(200, bd200, *g);
    pl_.set_group(*g);
  }

  static Packet frame(uint32_t in_port, const MacAddr& dst) {
    Packet p = tcp_packet();
    p.in_port = in_port;
    p.eth_dst = dst;
    return p;
  }

  static void expect_untagged(const Output& o) { EXPECT_FALSE(o.packet.vlan_present) << o.port; }
  static void expect_tag(const Output& o, uint16_t vid) {
    EXPECT_TRUE(o.packet.vlan_present) << o.port;
    EXPECT_EQ(o.packet.vlan_vid, vid) << o.port;
    EXPECT_TRUE(o.packet.inner_vlans.empty()) << o.port;
  }

  Pipeline pl_;
};

TEST_F(ReferenceL2Contract, TaggedTrunkFrameIsPoppedAndFlooded) {
  const Result r = pl_.run(tagged(frame(3, kBroadcast), 100));
  EXPECT_FALSE(r.table_miss);
  EXPECT_EQ(r.hits, (std::vector<Hit>{{l2::kIngressTable, l2::kIngressPriority, l2::kPolicyCookie},
                                      {l2::kL2Table, l2::kFloodPriority, l2::kPolicyCookie}}));
  ASSERT_EQ(ports(r), (std::vector<uint32_t>{1, 2, 4, 5}));  // not back to 3
  expect_untagged(r.outputs[0]);
  expect_untagged(r.outputs[1]);
  expect_tag(r.outputs[2], 100);
  expect_untagged(r.outputs[3]);
  EXPECT_EQ(r.outputs[0].packet.metadata & l2::kBridgeDomainMask, 100u);
}

TEST_F(ReferenceL2Contract, AccessFrameIsFloodedAndTaggedOnTrunks) {
  const Result r = pl_.run(frame(1, kBroadcast));
  ASSERT_EQ(ports(r), (std::vector<uint32_t>{2, 3, 4, 5}));
  expect_untagged(r.outputs[0]);
  expect_tag(r.outputs[1], 100);
  expect_tag(r.outputs[2], 100);
  expect_untagged(r.outputs[3]);
}

TEST_F(ReferenceL2Contract, NativeVlanAcceptedTaggedAndUntagged) {
  EXPECT_EQ(ports(pl_.run(frame(5, kBroadcast))), (std::vector<uint32_t>{1, 2, 3, 4}));
  EXPECT_EQ(ports(pl_.run(tagged(frame(5, kBroadcast), 100))), (std::vector<uint32_t>{1, 2, 3, 4}));
}

TEST_F(ReferenceL2Contract, StaticMacLeavesByItsEgressOnly) {
  const Result r = pl_.run(frame(1, kMacB));
  EXPECT_EQ(r.hits.back(), (Hit{l2::kL2Table, l2::kStaticMacPriority, l2::kPolicyCookie}));
  ASSERT_EQ(ports(r), std::vector<uint32_t>{4});
  expect_tag(r.outputs[0], 100);
}

TEST_F(ReferenceL2Contract, BridgeDomainsAreSeparate) {
  const Result from6 = pl_.run(frame(6, kMacB));  // kMacB is static in VLAN 100 only
  ASSERT_EQ(ports(from6), std::vector<uint32_t>{3});
  expect_tag(from6.outputs[0], 200);
  const Result from3 = pl_.run(tagged(frame(3, kBroadcast), 200));
  ASSERT_EQ(ports(from3), std::vector<uint32_t>{6});
  expect_untagged(from3.outputs[0]);
}

TEST_F(ReferenceL2Contract, VlanNotAllowedMisses) {
  const Result wrong_vid = pl_.run(tagged(frame(3, kBroadcast), 300));
  EXPECT_TRUE(wrong_vid.table_miss);
  EXPECT_TRUE(wrong_vid.outputs.empty());
  EXPECT_TRUE(pl_.run(tagged(frame(1, kBroadcast), 100)).table_miss);  // tagged on access
  EXPECT_TRUE(pl_.run(frame(3, kBroadcast)).table_miss);  // untagged on a trunk without native
  EXPECT_TRUE(pl_.run(frame(9, kBroadcast)).table_miss);  // port not configured
}

}  // namespace
}  // namespace sluice::of::ref
