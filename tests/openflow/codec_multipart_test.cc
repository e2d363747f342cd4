// Multipart requests and replies: golden tests for PORT_DESC, PORT_STATS, FLOW, GROUP_DESC,
// header errors, and splitting long replies into several messages flagged REPLY_MORE. (DESC,
// AGGREGATE, TABLE, GROUP and TABLE_FEATURES are in codec_stats_test.cc.)
#include <gtest/gtest.h>

#include "codec_test_util.h"

namespace sluice::of {
namespace {

using namespace sluice::of::testing;

// Splits a byte stream of whole messages at their header lengths.
std::vector<Bytes> split_messages(const Bytes& stream) {
  std::vector<Bytes> out;
  size_t pos = 0;
  while (pos + kHeaderSize <= stream.size()) {
    const size_t len = size_t{stream[pos + 2]} << 8 | stream[pos + 3];
    if (len < kHeaderSize || pos + len > stream.size()) break;
    out.emplace_back(stream.begin() + pos, stream.begin() + pos + len);
    pos += len;
  }
  EXPECT_EQ(pos, stream.size()) << "stream does not end on a message boundary";
  return out;
}

// Checks the framing of a split reply: same xid, lengths within limits, MORE on all but last.
void expect_split_reply(const std::vector<Bytes>& msgs, MultipartType type, uint32_t xid) {
  ASSERT_FALSE(msgs.empty());
  for (size_t i = 0; i < msgs.size(); ++i) {
    auto h = decode_header(msgs[i]);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->type, MsgType::kMultipartReply);
    EXPECT_EQ(h->xid, xid);
    EXPECT_LE(msgs[i].size(), kMaxMessageSize);
    auto mp = decode_multipart_header(msgs[i]);
    ASSERT_TRUE(mp);
    EXPECT_EQ(mp->type, type);
    EXPECT_EQ(mp->flags, i + 1 < msgs.size() ? kMultipartMore : 0) << "message " << i;
  }
}

TEST(PortDesc, Golden) {
  const Bytes req = hex("04 12 00 10 00 00 00 05 | 00 0d 00 00 00 00 00 00");
  Bytes out;
  encode_port_desc_request(5, out);
  EXPECT_EQ(out, req);
  EXPECT_TRUE(decode_port_desc_request(req));
  EXPECT_EQ(format_message(req), "OFPT_MULTIPART_REQUEST (xid=0x5): OFPMP_PORT_DESC");
  expect_prefixes_rejected(req, decode_port_desc_request);
  expect_overlong_rejected(req, decode_port_desc_request);

  const Bytes rep =
      cat({hex("04 13 00 50 00 00 00 05 | 00 0d 00 00 00 00 00 00"), hex(kPortBytes)});
  const Port ports[] = {golden_port()};
  out.clear();
  encode_port_desc_reply(5, ports, out);
  EXPECT_EQ(out, rep);
  std::vector<Port> got;
  ASSERT_TRUE(decode_port_desc_reply(rep, got));
  EXPECT_EQ(got, std::vector<Port>(std::begin(ports), std::end(ports)));
  EXPECT_EQ(format_message(rep),
            "OFPT_MULTIPART_REPLY (xid=0x5): OFPMP_PORT_DESC\n"
            " 1(vm1): addr:02:00:00:00:00:01 config:0 state:LIVE speed:10000 Mbps now, "
            "10000 Mbps max");
  auto decode = [](std::span<const uint8_t> m) {
    std::vector<Port> v;
    auto r = decode_port_desc_reply(m, v);
    EXPECT_TRUE(r || v.empty()) << "entries appended from a bad message";
    return r;
  };
  expect_prefixes_rejected(rep, decode);
  // A body that is not a whole number of ports (past the multipart header).
  for (size_t n = 17; n < rep.size(); ++n) {
    EXPECT_TRUE(fails_with(decode(fix_length(Bytes(rep.begin(), rep.begin() + n))),
                           ErrorType::kBadRequest, bad_request::kBadLen))
        << n;
  }
}

TEST(PortStats, Golden) {
  const Bytes req =
      hex("04 12 00 18 00 00 00 06 | 00 04 00 00 00 00 00 00 | ff ff ff ff 00 00 00 00");
  Bytes out;
  encode_port_stats_request(6, port_no::kAny, out);
  EXPECT_EQ(out, req);
  auto port = decode_port_stats_request(req);
  ASSERT_TRUE(port);
  EXPECT_EQ(*port, port_no::kAny);
  EXPECT_EQ(format_message(req), "OFPT_MULTIPART_REQUEST (xid=0x6): OFPMP_PORT_STATS port=ANY");
  expect_prefixes_rejected(req, decode_port_stats_request);
  expect_short_bodies_rejected(req, decode_port_stats_request);
  expect_overlong_rejected(req, decode_port_stats_request);

  const Bytes rep =
      hex("04 13 00 80 00 00 00 06 | 00 04 00 00 00 00 00 00 | 00 00 00 01 00 00 00 00"
          "00 00 00 00 00 00 00 01  00 00 00 00 00 00 00 02  00 00 00 00 00 00 00 03"
          "00 00 00 00 00 00 00 04  00 00 00 00 00 00 00 05  00 00 00 00 00 00 00 06"
          "00 00 00 00 00 00 00 07  00 00 00 00 00 00 00 08  00 00 00 00 00 00 00 09"
          "00 00 00 00 00 00 00 0a  00 00 00 00 00 00 00 0b  00 00 00 00 00 00 00 0c"
          "00 00 00 05 | 1d cd 65 00");
  PortStats s;
  s.port_no = 1;
  s.rx_packets = 1, s.tx_packets = 2, s.rx_bytes = 3, s.tx_bytes = 4;
  s.rx_dropped = 5, s.tx_dropped = 6, s.rx_errors = 7, s.tx_errors = 8;
  s.rx_frame_err = 9, s.rx_over_err = 10, s.rx_crc_err = 11, s.collisions = 12;
  s.duration_sec = 5, s.duration_nsec = 500'000'000;
  out.clear();
  encode_port_stats_reply(6, std::span(&s, 1), out);
  EXPECT_EQ(out, rep);
  std::vector<PortStats> got;
  ASSERT_TRUE(decode_port_stats_reply(rep, got));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], s);
  EXPECT_EQ(format_message(rep),
            "OFPT_MULTIPART_REPLY (xid=0x6): OFPMP_PORT_STATS\n"
            " port 1: rx pkts=1 bytes=3 drop=5 errs=7 frame=9 over=10 crc=11 tx pkts=2 "
            "bytes=4 drop=6 errs=8 coll=12 duration=5.500s");
}

TEST(FlowStats, GoldenRequest) {
  const Bytes req =
      hex("04 12 00 40 00 00 00 07 | 00 01 00 00 00 00 00 00"
          "01 00 00 00 | ff ff ff ff | ff ff ff ff | 00 00 00 00"
          "5c 00 00 00 00 00 00 00 | ff ff 00 00 00 00 00 00"
          "00 01 00 0c 80 00 00 04 00 00 00 01 00 00 00 00");
  FlowStatsRequest r;
  r.table_id = 1;
  r.cookie = 0x5c00000000000000;
  r.cookie_mask = 0xffff000000000000;
  r.match.present = field_bit(Field::kInPort);
  r.match.in_port = 1;
  Bytes out;
  encode_flow_stats_request(7, r, out);
  EXPECT_EQ(out, req);
  auto got = decode_flow_stats_request(req);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, r);
  EXPECT_EQ(format_message(req),
            "OFPT_MULTIPART_REQUEST (xid=0x7): OFPMP_FLOW table:1 "
            "cookie:0x5c00000000000000/0xffff000000000000 in_port=1");
  expect_prefixes_rejected(req, decode_flow_stats_request);
  // One byte past the match's padding.
  expect_overlong_rejected(req, decode_flow_stats_request);
}

const Bytes kFlowStatsReply =
    hex("04 13 00 68 00 00 00 07 | 00 01 00 00 00 00 00 00"
        "00 58 | 01 | 00 | 00 00 00 01 | 1d cd 65 00 | 00 00 | 00 00 | 00 00 | 00 00 | 00 00 00 00"
        "5c 00 00 00 00 00 00 00 | 00 00 00 00 00 00 00 0a | 00 00 00 00 00 00 03 e8"
        "00 01 00 18 80 00 05 10 00 00 00 00 00 00 00 64 00 00 00 00 00 00 0f ff"
        "00 04 00 10 00 00 00 00 00 16 00 08 00 00 00 64");

FlowStats golden_flow_stats() {
  FlowStats fs;
  fs.table_id = 1;
  fs.duration_sec = 1;
  fs.duration_nsec = 500'000'000;
  fs.cookie = 0x5c00000000000000;
  fs.packet_count = 10;
  fs.byte_count = 1000;
  fs.match.present = fs.match.masked = field_bit(Field::kMetadata);
  fs.match.metadata = 100;
  fs.match.metadata_mask = 0xfff;
  fs.instructions.present = instr::kApplyActions;
  fs.instructions.apply_actions.push(Action{.type = ActionType::kGroup, .group_id = 100});
  return fs;
}

TEST(FlowStats, GoldenReply) {
  const FlowStats fs = golden_flow_stats();
  Bytes out;
  encode_flow_stats_reply(7, std::span(&fs, 1), out);
  EXPECT_EQ(out, kFlowStatsReply);
  std::vector<FlowStats> got;
  ASSERT_TRUE(decode_flow_stats_reply(kFlowStatsReply, got));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], fs);
  EXPECT_EQ(format_message(kFlowStatsReply),
            "OFPT_MULTIPART_REPLY (xid=0x7): OFPMP_FLOW\n"
            " cookie=0x5c00000000000000, duration=1.500s, table=1, n_packets=10, n_bytes=1000, "
            "priority=0,metadata=0x64/0xfff actions=group:100");
  auto decode = [](std::span<const uint8_t> m) {
    std::vector<FlowStats> v;
    return decode_flow_stats_reply(m, v);
  };
  expect_prefixes_rejected(kFlowStatsReply, decode);
  // Cuts inside the entry: its length no longer fits.
  for (size_t n = 17; n < kFlowStatsReply.size(); ++n) {
    const Bytes cut = fix_length(Bytes(kFlowStatsReply.begin(), kFlowStatsReply.begin() + n));
    EXPECT_TRUE(fails_with(decode(cut), ErrorType::kBadRequest, bad_request::kBadLen)) << n;
  }
}

TEST(FlowStats, EntryLengthErrors) {
  Bytes b = kFlowStatsReply;
  b[17] = 0x5c;  // not a multiple of 8
  std::vector<FlowStats> v;
  EXPECT_TRUE(
      fails_with(decode_flow_stats_reply(b, v), ErrorType::kBadRequest, bad_request::kBadLen));
  b[17] = 0x30;  // 48: no room for a match
  EXPECT_TRUE(
      fails_with(decode_flow_stats_reply(b, v), ErrorType::kBadRequest, bad_request::kBadLen));
  b[17] = 0x50;  // 80: cuts into the instructions
  EXPECT_FALSE(decode_flow_stats_reply(b, v));
  EXPECT_TRUE(v.empty());
}

TEST(GroupDesc, Golden) {
  const Bytes req = hex("04 12 00 10 00 00 00 08 | 00 07 00 00 00 00 00 00");
  Bytes out;
  encode_group_desc_request(8, out);
  EXPECT_EQ(out, req);
  EXPECT_TRUE(decode_group_desc_request(req));
  EXPECT_EQ(format_message(req), "OFPT_MULTIPART_REQUEST (xid=0x8): OFPMP_GROUP_DESC");

  const Bytes rep =
      hex("04 13 00 58 00 00 00 08 | 00 07 00 00 00 00 00 00 | 00 48 01 00 00 00 00 07"
          "00 20 00 0a ff ff ff ff ff ff ff ff 00 00 00 00"
          "  00 00 00 10 00 00 00 01 00 00 00 00 00 00 00 00"
          "00 20 00 14 ff ff ff ff ff ff ff ff 00 00 00 00"
          "  00 00 00 10 00 00 00 02 00 00 00 00 00 00 00 00");
  std::vector<GroupDesc> groups(1);
  groups[0].type = GroupType::kSelect;
  groups[0].group_id = 7;
  groups[0].n_buckets = 2;
  groups[0].buckets[0].weight = 10;
  groups[0].buckets[0].actions.push(Action{.type = ActionType::kOutput, .port = 1});
  groups[0].buckets[1].weight = 20;
  groups[0].buckets[1].actions.push(Action{.type = ActionType::kOutput, .port = 2});
  out.clear();
  encode_group_desc_reply(8, groups, out);
  EXPECT_EQ(out, rep);
  std::vector<GroupDesc> got;
  ASSERT_TRUE(decode_group_desc_reply(rep, got));
  EXPECT_EQ(got, groups);
  EXPECT_EQ(format_message(rep),
            "OFPT_MULTIPART_REPLY (xid=0x8): OFPMP_GROUP_DESC\n"
            " group_id=7,type=select,bucket=weight:10,actions=output:1,"
            "bucket=weight:20,actions=output:2");
  Bytes bad_type = rep;
  bad_type[18] = 9;
  EXPECT_TRUE(fails_with(decode_group_desc_reply(bad_type, got), ErrorType::kGroupModFailed,
                         group_mod_failed::kBadType));
  EXPECT_EQ(got.size(), 1u);  // nothing appended from the bad message
}

TEST(MultipartErrors, UnsupportedTypes) {
  // QUEUE, GROUP_FEATURES, the meter kinds, TABLE_DESC (1.4), EXPERIMENTER, unassigned.
  for (uint16_t type : {uint16_t{5}, uint16_t{8}, uint16_t{9}, uint16_t{10}, uint16_t{11},
                        uint16_t{14}, uint16_t{0xffff}, uint16_t{0x99}}) {
    Bytes b = hex("04 12 00 10 00 00 00 01 | 00 00 00 00 00 00 00 00");
    put_u16(b, 8, type);
    EXPECT_TRUE(
        fails_with(decode_multipart_header(b), ErrorType::kBadRequest, bad_request::kBadMultipart))
        << type;
    EXPECT_NE(format_message(b).find("OFPBRC_BAD_MULTIPART"), std::string::npos);
  }
}

TEST(MultipartErrors, WrongKindOrDirection) {
  std::vector<PortStats> stats;
  EXPECT_TRUE(fails_with(decode_port_stats_reply(kFlowStatsReply, stats), ErrorType::kBadRequest,
                         bad_request::kBadMultipart));
  const Bytes req = hex("04 12 00 10 00 00 00 05 | 00 0d 00 00 00 00 00 00");
  std::vector<Port> ports;
  EXPECT_TRUE(fails_with(decode_port_desc_reply(req, ports), ErrorType::kBadRequest,
                         bad_request::kBadType));
  EXPECT_TRUE(fails_with(decode_multipart_header(hex("04 14 00 08 00 00 00 01")),
                         ErrorType::kBadRequest, bad_request::kBadType));
  EXPECT_TRUE(fails_with(decode_multipart_header(hex("04 12 00 0c 00 00 00 01 00 0d 00 00")),
                         ErrorType::kBadRequest, bad_request::kBadLen));
}

std::vector<Port> make_ports(size_t n) {
  std::vector<Port> ports(n);
  for (size_t i = 0; i < n; ++i) {
    ports[i].port_no = static_cast<uint32_t>(i + 1);
    ports[i].hw_addr = {2, 0, 0, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
    ports[i].name.assign("p" + std::to_string(i));
    ports[i].curr_speed = static_cast<uint32_t>(i * 1000);
  }
  return ports;
}

TEST(MultipartSplit, TwoThousandPorts) {
  const std::vector<Port> ports = make_ports(2000);
  Bytes out;
  encode_port_desc_reply(0x77, ports, out);
  const std::vector<Bytes> msgs = split_messages(out);
  EXPECT_EQ(msgs.size(), 2u);  // 1023 ports fit in one message
  expect_split_reply(msgs, MultipartType::kPortDesc, 0x77);
  std::vector<Port> got;
  for (const Bytes& m : msgs) ASSERT_TRUE(decode_port_desc_reply(m, got));
  EXPECT_EQ(got, ports);
}

TEST(MultipartSplit, ExactBoundary) {
  Bytes out;
  encode_port_desc_reply(1, make_ports(1023), out);
  EXPECT_EQ(out.size(), 16u + 1023 * 64);
  EXPECT_EQ(split_messages(out).size(), 1u);
  out.clear();
  encode_port_desc_reply(1, make_ports(1024), out);
  const auto msgs = split_messages(out);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[1].size(), 16u + 64);
  out.clear();
  encode_port_desc_reply(1, {}, out);
  EXPECT_EQ(out, hex("04 13 00 10 00 00 00 01 | 00 0d 00 00 00 00 00 00"));
}

TEST(MultipartSplit, ManyPortStatsAndFlows) {
  std::vector<PortStats> stats(1500);
  for (size_t i = 0; i < stats.size(); ++i) {
    stats[i].port_no = static_cast<uint32_t>(i + 1);
    stats[i].rx_bytes = i * 7;
  }
  Bytes out;
  encode_port_stats_reply(2, stats, out);
  auto msgs = split_messages(out);
  EXPECT_EQ(msgs.size(), 3u);  // 584 entries of 112 bytes per message
  expect_split_reply(msgs, MultipartType::kPortStats, 2);
  std::vector<PortStats> got_stats;
  for (const Bytes& m : msgs) ASSERT_TRUE(decode_port_stats_reply(m, got_stats));
  EXPECT_EQ(got_stats, stats);

  std::vector<FlowStats> flows(3000, golden_flow_stats());
  for (size_t i = 0; i < flows.size(); ++i) flows[i].cookie = i;
  out.clear();
  encode_flow_stats_reply(3, flows, out);
  msgs = split_messages(out);
  EXPECT_GE(msgs.size(), 5u);
  expect_split_reply(msgs, MultipartType::kFlow, 3);
  std::vector<FlowStats> got_flows;
  for (const Bytes& m : msgs) ASSERT_TRUE(decode_flow_stats_reply(m, got_flows));
  EXPECT_EQ(got_flows, flows);
}

TEST(MultipartSplit, LargeGroups) {
  std::vector<GroupDesc> groups(40);
  for (size_t g = 0; g < groups.size(); ++g) {
    groups[g].group_id = static_cast<uint32_t>(g + 1);
    groups[g].n_buckets = kMaxBuckets;
    for (size_t b = 0; b < kMaxBuckets; ++b) {
      groups[g].buckets[b].actions.push(
          Action{.type = ActionType::kOutput, .port = static_cast<uint32_t>(b + 1)});
    }
  }
  Bytes out;
  encode_group_desc_reply(4, groups, out);
  const auto msgs = split_messages(out);
  EXPECT_EQ(msgs.size(), 6u);  // 8200-byte entries, 7 per message
  expect_split_reply(msgs, MultipartType::kGroupDesc, 4);
  std::vector<GroupDesc> got;
  for (const Bytes& m : msgs) ASSERT_TRUE(decode_group_desc_reply(m, got));
  EXPECT_EQ(got, groups);
}

}  // namespace
}  // namespace sluice::of
