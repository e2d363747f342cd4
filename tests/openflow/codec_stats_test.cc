// Multipart DESC, AGGREGATE, TABLE, GROUP and TABLE_FEATURES: golden bytes <-> struct <->
// text, malformed variants, reply splitting, and that every supported kind's decoder refuses
// the other kinds. The TABLE and TABLE_FEATURES requests are the bytes `ovs-ofctl -O
// OpenFlow13` (Open vSwitch 3.1) sent for dump-tables and before a bundle add-flow.
#include <gtest/gtest.h>

#include <functional>

#include "codec_test_util.h"
#include "openflow/oxm.h"

namespace sluice::of {
namespace {

using namespace sluice::of::testing;

std::vector<Bytes> split_messages(const Bytes& stream) {
  std::vector<Bytes> out;
  size_t pos = 0;
  while (pos + kHeaderSize <= stream.size()) {
    const size_t len = size_t{stream[pos + 2]} << 8 | stream[pos + 3];
    if (len < kHeaderSize || pos + len > stream.size()) break;
    out.emplace_back(stream.begin() + pos, stream.begin() + pos + len);
    pos += len;
  }
  EXPECT_EQ(pos, stream.size());
  return out;
}

void expect_more_flags(const std::vector<Bytes>& msgs) {
  for (size_t i = 0; i < msgs.size(); ++i) {
    auto mp = decode_multipart_header(msgs[i]);
    ASSERT_TRUE(mp);
    EXPECT_EQ(mp->flags, i + 1 < msgs.size() ? kMultipartMore : 0) << i;
    EXPECT_LE(msgs[i].size(), kMaxMessageSize);
  }
}

// ---- DESC -----------------------------------------------------------------------------------

const Bytes kDescRequest = hex("04 12 00 10 00 00 00 01 | 00 00 00 00 00 00 00 00");
const Bytes kDescReply = cat(
    {hex("04 13 04 30 00 00 00 01 | 00 00 00 00 00 00 00 00"), padded("Sluice", 256),
     padded("DPDK", 256), padded("sluiced 0.1.0", 256), padded("none", 32), padded("br0", 256)});

Desc golden_desc() {
  Desc d;
  d.mfr_desc.assign("Sluice");
  d.hw_desc.assign("DPDK");
  d.sw_desc.assign("sluiced 0.1.0");
  d.serial_num.assign("none");
  d.dp_desc.assign("br0");
  return d;
}

TEST(DescStats, Golden) {
  Bytes out;
  encode_desc_request(1, out);
  EXPECT_EQ(out, kDescRequest);
  EXPECT_TRUE(decode_desc_request(kDescRequest));
  EXPECT_EQ(format_message(kDescRequest), "OFPT_MULTIPART_REQUEST (xid=0x1): OFPMP_DESC");
  expect_prefixes_rejected(kDescRequest, decode_desc_request);
  expect_overlong_rejected(kDescRequest, decode_desc_request);

  out.clear();
  encode_desc_reply(1, golden_desc(), out);
  EXPECT_EQ(out, kDescReply);
  auto got = decode_desc_reply(kDescReply);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, golden_desc());
  EXPECT_EQ(format_message(kDescReply),
            "OFPT_MULTIPART_REPLY (xid=0x1): OFPMP_DESC\n"
            " Manufacturer: Sluice\n"
            " Hardware: DPDK\n"
            " Software: sluiced 0.1.0\n"
            " Serial Num: none\n"
            " DP Description: br0");
  expect_prefixes_rejected(kDescReply, decode_desc_reply);
  expect_overlong_rejected(kDescReply, decode_desc_reply);
  for (size_t n = 16; n < kDescReply.size(); n += 97) {
    EXPECT_TRUE(
        fails_with(decode_desc_reply(fix_length(Bytes(kDescReply.begin(), kDescReply.begin() + n))),
                   ErrorType::kBadRequest, bad_request::kBadLen))
        << n;
  }
}

TEST(DescStats, FullWidthAndJunkAfterNul) {
  Bytes b = kDescReply;
  for (size_t i = 16 + 768; i < 16 + 800; ++i) b[i] = 'x';  // serial_num: 32 chars, no NUL
  b[16 + 256 + 5] = 'z';  // "DPDK\0z...": the tail after the NUL is dropped
  auto got = decode_desc_reply(b);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->serial_num.view(), std::string(32, 'x'));
  EXPECT_EQ(got->hw_desc, golden_desc().hw_desc);
}

// ---- AGGREGATE ------------------------------------------------------------------------------

const Bytes kAggregateRequest =
    hex("04 12 00 40 00 00 00 07 | 00 02 00 00 00 00 00 00"
        "01 00 00 00 | ff ff ff ff | ff ff ff ff | 00 00 00 00"
        "5c 00 00 00 00 00 00 00 | ff ff 00 00 00 00 00 00"
        "00 01 00 0c 80 00 00 04 00 00 00 01 00 00 00 00");
const Bytes kAggregateReply =
    hex("04 13 00 28 00 00 00 07 | 00 02 00 00 00 00 00 00"
        "00 00 00 00 00 00 00 0a | 00 00 00 00 00 00 03 e8 | 00 00 00 02 | 00 00 00 00");

TEST(AggregateStats, Golden) {
  FlowStatsRequest req;
  req.table_id = 1;
  req.cookie = 0x5c00000000000000;
  req.cookie_mask = 0xffff000000000000;
  match_exact(req.match, Field::kInPort, 1);
  Bytes out;
  encode_aggregate_request(7, req, out);
  EXPECT_EQ(out, kAggregateRequest);
  auto got = decode_aggregate_request(kAggregateRequest);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, req);
  EXPECT_EQ(format_message(kAggregateRequest),
            "OFPT_MULTIPART_REQUEST (xid=0x7): OFPMP_AGGREGATE table:1 "
            "cookie:0x5c00000000000000/0xffff000000000000 in_port=1");
  expect_prefixes_rejected(kAggregateRequest, decode_aggregate_request);
  expect_overlong_rejected(kAggregateRequest, decode_aggregate_request);
  Bytes wrong = kAggregateRequest;
  wrong[48 + 6] = 0x0a;  // the in_port OXM turned into an eth_type with a 4-byte value
  EXPECT_TRUE(
      fails_with(decode_aggregate_request(wrong), ErrorType::kBadMatch, bad_match::kBadLen));

  const AggregateStats a{.packet_count = 10, .byte_count = 1000, .flow_count = 2};
  out.clear();
  encode_aggregate_reply(7, a, out);
  EXPECT_EQ(out, kAggregateReply);
  auto reply = decode_aggregate_reply(kAggregateReply);
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, a);
  EXPECT_EQ(format_message(kAggregateReply),
            "OFPT_MULTIPART_REPLY (xid=0x7): OFPMP_AGGREGATE\n"
            " packet_count=10 byte_count=1000 flow_count=2");
  expect_prefixes_rejected(kAggregateReply, decode_aggregate_reply);
  expect_short_bodies_rejected(kAggregateReply, decode_aggregate_reply);
  expect_overlong_rejected(kAggregateReply, decode_aggregate_reply);
}

// ---- TABLE ----------------------------------------------------------------------------------

// `ovs-ofctl -O OpenFlow13 dump-tables tcp:127.0.0.1:PORT`
const Bytes kTableRequest = hex("04120010000000020003000000000000");
const Bytes kTableReply =
    hex("04 13 00 40 00 00 00 02 | 00 03 00 00 00 00 00 00"
        "00 00 00 00 | 00 00 00 03 | 00 00 00 00 00 00 00 64 | 00 00 00 00 00 00 00 5a"
        "01 00 00 00 | 00 00 00 01 | 00 00 00 00 00 00 00 5a | 00 00 00 00 00 00 00 50");

TEST(TableStats, Golden) {
  Bytes out;
  encode_table_stats_request(2, out);
  EXPECT_EQ(out, kTableRequest);
  EXPECT_TRUE(decode_table_stats_request(kTableRequest));
  EXPECT_EQ(format_message(kTableRequest), "OFPT_MULTIPART_REQUEST (xid=0x2): OFPMP_TABLE");
  expect_prefixes_rejected(kTableRequest, decode_table_stats_request);
  expect_overlong_rejected(kTableRequest, decode_table_stats_request);

  const std::vector<TableStats> tables = {
      {.table_id = 0, .active_count = 3, .lookup_count = 100, .matched_count = 90},
      {.table_id = 1, .active_count = 1, .lookup_count = 90, .matched_count = 80}};
  out.clear();
  encode_table_stats_reply(2, tables, out);
  EXPECT_EQ(out, kTableReply);
  std::vector<TableStats> got;
  ASSERT_TRUE(decode_table_stats_reply(kTableReply, got));
  EXPECT_EQ(got, tables);
  EXPECT_EQ(format_message(kTableReply),
            "OFPT_MULTIPART_REPLY (xid=0x2): OFPMP_TABLE\n"
            " table 0: active=3, lookup=100, matched=90\n"
            " table 1: active=1, lookup=90, matched=80");
  auto decode = [](std::span<const uint8_t> m) {
    std::vector<TableStats> v;
    auto r = decode_table_stats_reply(m, v);
    EXPECT_TRUE(r || v.empty());
    return r;
  };
  expect_prefixes_rejected(kTableReply, decode);
  for (size_t n = 17; n < kTableReply.size(); ++n) {
    if (n == 40) continue;  // one whole entry
    EXPECT_TRUE(fails_with(decode(fix_length(Bytes(kTableReply.begin(), kTableReply.begin() + n))),
                           ErrorType::kBadRequest, bad_request::kBadLen))
        << n;
  }
  Bytes all = kTableReply;
  all[40] = 0xff;  // the second entry claims table OFPTT_ALL
  EXPECT_TRUE(fails_with(decode(all), ErrorType::kBadRequest, bad_request::kBadTableId));
}

TEST(TableStats, SplitReply) {
  std::vector<TableStats> tables(3000);
  for (size_t i = 0; i < tables.size(); ++i) {
    tables[i].table_id = static_cast<uint8_t>(i % 254);
    tables[i].lookup_count = i;
  }
  Bytes out;
  encode_table_stats_reply(5, tables, out);
  const auto msgs = split_messages(out);
  EXPECT_EQ(msgs.size(), 2u);  // 2729 entries of 24 bytes per message
  expect_more_flags(msgs);
  std::vector<TableStats> got;
  for (const Bytes& m : msgs) ASSERT_TRUE(decode_table_stats_reply(m, got));
  EXPECT_EQ(got, tables);
}

// ---- GROUP ----------------------------------------------------------------------------------

const Bytes kGroupRequest =
    hex("04 12 00 18 00 00 00 03 | 00 06 00 00 00 00 00 00 | ff ff ff fc 00 00 00 00");
const Bytes kGroupReply =
    hex("04 13 00 58 00 00 00 03 | 00 06 00 00 00 00 00 00"
        "00 48 00 00 | 00 00 00 07 | 00 00 00 02 | 00 00 00 00"
        "00 00 00 00 00 00 00 0a | 00 00 00 00 00 00 03 e8 | 00 00 00 01 | 1d cd 65 00"
        "00 00 00 00 00 00 00 04 | 00 00 00 00 00 00 01 90"
        "00 00 00 00 00 00 00 06 | 00 00 00 00 00 00 02 58");

GroupStats golden_group_stats() {
  GroupStats g;
  g.group_id = 7;
  g.ref_count = 2;
  g.packet_count = 10;
  g.byte_count = 1000;
  g.duration_sec = 1;
  g.duration_nsec = 500'000'000;
  g.n_buckets = 2;
  g.buckets[0] = {.packet_count = 4, .byte_count = 400};
  g.buckets[1] = {.packet_count = 6, .byte_count = 600};
  return g;
}

Decoded<void> decode_groups(std::span<const uint8_t> m) {
  std::vector<GroupStats> v;
  auto r = decode_group_stats_reply(m, v);
  EXPECT_TRUE(r || v.empty());
  return r;
}

TEST(GroupStats, Golden) {
  Bytes out;
  encode_group_stats_request(3, group_id::kAll, out);
  EXPECT_EQ(out, kGroupRequest);
  auto group = decode_group_stats_request(kGroupRequest);
  ASSERT_TRUE(group);
  EXPECT_EQ(*group, group_id::kAll);
  EXPECT_EQ(format_message(kGroupRequest),
            "OFPT_MULTIPART_REQUEST (xid=0x3): OFPMP_GROUP group_id=all");
  expect_prefixes_rejected(kGroupRequest, decode_group_stats_request);
  expect_short_bodies_rejected(kGroupRequest, decode_group_stats_request);
  expect_overlong_rejected(kGroupRequest, decode_group_stats_request);

  const std::vector<GroupStats> groups = {golden_group_stats()};
  out.clear();
  encode_group_stats_reply(3, groups, out);
  EXPECT_EQ(out, kGroupReply);
  std::vector<GroupStats> got;
  ASSERT_TRUE(decode_group_stats_reply(kGroupReply, got));
  EXPECT_EQ(got, groups);
  EXPECT_EQ(format_message(kGroupReply),
            "OFPT_MULTIPART_REPLY (xid=0x3): OFPMP_GROUP\n"
            " group_id=7,duration=1.500s,ref_count=2,packet_count=10,byte_count=1000,"
            "bucket0:packet_count=4,byte_count=400,bucket1:packet_count=6,byte_count=600");
  expect_prefixes_rejected(kGroupReply, decode_groups);
  for (size_t n = 17; n < kGroupReply.size(); ++n) {
    EXPECT_TRUE(
        fails_with(decode_groups(fix_length(Bytes(kGroupReply.begin(), kGroupReply.begin() + n))),
                   ErrorType::kBadRequest, bad_request::kBadLen))
        << n;
  }
}

TEST(GroupStats, RequestGroupIds) {
  for (uint32_t g : {uint32_t{0}, uint32_t{5}, group_id::kMax, group_id::kAll}) {
    Bytes out;
    encode_group_stats_request(1, g, out);
    auto got = decode_group_stats_request(out);
    ASSERT_TRUE(got) << g;
    EXPECT_EQ(*got, g);
  }
  for (uint32_t g : {group_id::kMax + 1, group_id::kAny, uint32_t{0xfffffffd}}) {
    Bytes out;
    encode_group_stats_request(1, g, out);
    EXPECT_TRUE(fails_with(decode_group_stats_request(out), ErrorType::kGroupModFailed,
                           group_mod_failed::kInvalidGroup))
        << g;
  }
}

TEST(GroupStats, EntryErrors) {
  Bytes b = kGroupReply;
  for (uint8_t len : {uint8_t{0x20}, uint8_t{0x30}, uint8_t{0x40}, uint8_t{0x4c}, uint8_t{0x50}}) {
    b[17] = len;  // < 40, 40 + 8, 40 + 24, not a multiple of 8, past the end
    EXPECT_TRUE(fails_with(decode_groups(b), ErrorType::kBadRequest, bad_request::kBadLen))
        << int{len};
  }
  b = kGroupReply;
  b[23] = 0x01, b[22] = 0xff, b[21] = 0xff, b[20] = 0xff;  // group 0xffffff01
  EXPECT_TRUE(
      fails_with(decode_groups(b), ErrorType::kGroupModFailed, group_mod_failed::kInvalidGroup));
  // 257 bucket counters.
  GroupStats big = golden_group_stats();
  big.n_buckets = kMaxBuckets;
  Bytes out;
  encode_group_stats_reply(1, std::span(&big, 1), out);
  Bytes more = cat({out, Bytes(16, 0)});
  put_u16(more, 16, static_cast<uint16_t>(40 + 16 * (kMaxBuckets + 1)));
  EXPECT_TRUE(fails_with(decode_groups(fix_length(more)), ErrorType::kGroupModFailed,
                         group_mod_failed::kOutOfBuckets));
  std::vector<GroupStats> got;
  ASSERT_TRUE(decode_group_stats_reply(out, got));
  EXPECT_EQ(got[0], big);
}

TEST(GroupStats, SplitReply) {
  std::vector<GroupStats> groups(40, golden_group_stats());
  for (size_t i = 0; i < groups.size(); ++i) {
    groups[i].group_id = static_cast<uint32_t>(i);
    groups[i].n_buckets = kMaxBuckets;
    groups[i].buckets[kMaxBuckets - 1].byte_count = i;
  }
  Bytes out;
  encode_group_stats_reply(6, groups, out);
  const auto msgs = split_messages(out);
  EXPECT_EQ(msgs.size(), 3u);  // 4136-byte entries, 15 per message
  expect_more_flags(msgs);
  std::vector<GroupStats> got;
  for (const Bytes& m : msgs) ASSERT_TRUE(decode_group_stats_reply(m, got));
  EXPECT_EQ(got, groups);
}

// ---- TABLE_FEATURES -------------------------------------------------------------------------

TEST(TableFeatures, EmptyRequestFromOvsOfctl) {
  // What `ovs-ofctl -O OpenFlow13 --bundle add-flow` (without --no-names) sends first, to
  // learn table names.
  const Bytes req = hex("0412001000000002000c000000000000");
  Bytes out;
  encode_table_features_request(2, out);
  EXPECT_EQ(out, req);
  EXPECT_TRUE(decode_table_features_request(req));
  EXPECT_EQ(format_message(req), "OFPT_MULTIPART_REQUEST (xid=0x2): OFPMP_TABLE_FEATURES");
  expect_prefixes_rejected(req, decode_table_features_request);
  // A body (one ofp_table_features) asks to reconfigure the tables: refused.
  Bytes with_body = cat({req, Bytes(64, 0)});
  EXPECT_TRUE(fails_with(decode_table_features_request(fix_length(with_body)),
                         ErrorType::kTableFeaturesFailed, table_features_failed::kEperm));
  EXPECT_EQ(format_message(fix_length(with_body)),
            "OFPT_MULTIPART_REQUEST (xid=0x2): OFPMP_TABLE_FEATURES "
            "(malformed: OFPET_TABLE_FEATURES_FAILED/OFPTFFC_EPERM)");
}

// ---- All kinds side by side -----------------------------------------------------------------

TEST(MultipartKinds, EachRequestDecoderTakesOnlyItsKind) {
  struct Kind {
    MultipartType type;
    Bytes request;
    std::function<bool(std::span<const uint8_t>)> decodes;
  };
  Bytes port_desc, port_stats, flow, group_desc;
  encode_port_desc_request(1, port_desc);
  encode_port_stats_request(1, port_no::kAny, port_stats);
  encode_flow_stats_request(1, FlowStatsRequest{}, flow);
  encode_group_desc_request(1, group_desc);
  const std::vector<Kind> kinds = {
      {MultipartType::kDesc, kDescRequest,
       [](auto m) { return decode_desc_request(m).has_value(); }},
      {MultipartType::kFlow, flow, [](auto m) { return decode_flow_stats_request(m).has_value(); }},
      {MultipartType::kAggregate, kAggregateRequest,
       [](auto m) { return decode_aggregate_request(m).has_value(); }},
      {MultipartType::kTable, kTableRequest,
       [](auto m) { return decode_table_stats_request(m).has_value(); }},
      {MultipartType::kPortStats, port_stats,
       [](auto m) { return decode_port_stats_request(m).has_value(); }},
      {MultipartType::kGroup, kGroupRequest,
       [](auto m) { return decode_group_stats_request(m).has_value(); }},
      {MultipartType::kGroupDesc, group_desc,
       [](auto m) { return decode_group_desc_request(m).has_value(); }},
      {MultipartType::kTableFeatures, hex("0412001000000002000c000000000000"),
       [](auto m) { return decode_table_features_request(m).has_value(); }},
      {MultipartType::kPortDesc, port_desc,
       [](auto m) { return decode_port_desc_request(m).has_value(); }},
  };
  for (const Kind& k : kinds) {
    auto mp = decode_multipart_header(k.request);
    ASSERT_TRUE(mp) << static_cast<int>(k.type);
    EXPECT_EQ(mp->type, k.type);
    EXPECT_EQ(format_message(k.request).find("malformed"), std::string::npos)
        << format_message(k.request);
    for (const Kind& other : kinds) {
      EXPECT_EQ(other.decodes(k.request), &other == &k)
          << static_cast<int>(k.type) << " by " << static_cast<int>(other.type);
    }
  }
  // And the wrong kind is named exactly.
  EXPECT_TRUE(fails_with(decode_group_stats_request(kTableRequest), ErrorType::kBadRequest,
                         bad_request::kBadMultipart));
  std::vector<TableStats> t;
  EXPECT_TRUE(fails_with(decode_table_stats_reply(kGroupReply, t), ErrorType::kBadRequest,
                         bad_request::kBadMultipart));
  EXPECT_TRUE(
      fails_with(decode_desc_reply(kDescRequest), ErrorType::kBadRequest, bad_request::kBadType));
}

}  // namespace
}  // namespace sluice::of
