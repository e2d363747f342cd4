// XidMap: relay xids, routing back, and expiry by the dataplane's in-order answers.
#include "controlplane/of_xid_map.h"

#include <gtest/gtest.h>

namespace sluice::cp {
namespace {

TEST(XidMap, SameClientXidFromTwoClientsGetsTwoRelayXids) {
  XidMap m;
  const uint32_t a = m.assign(1, 7);
  const uint32_t b = m.assign(2, 7);
  EXPECT_NE(a, b);
  auto ra = m.route(a, true);
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra->client, 1u);
  EXPECT_EQ(ra->client_xid, 7u);
  auto rb = m.route(b, true);
  ASSERT_TRUE(rb);
  EXPECT_EQ(rb->client, 2u);
  EXPECT_EQ(m.size(), 0u);
  EXPECT_FALSE(m.route(a, true)) << "answered already";
}

TEST(XidMap, MultipartPartsKeepTheEntryUntilTheLast) {
  XidMap m;
  const uint32_t x = m.assign(3, 0x42);
  for (int part = 0; part < 3; ++part) {
    auto r = m.route(x, false);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->client_xid, 0x42u);
  }
  EXPECT_TRUE(m.route(x, true));
  EXPECT_EQ(m.size(), 0u);
}

TEST(XidMap, AReplyExpiresEverythingSentBeforeIt) {
  XidMap m;
  const uint32_t flow_mod1 = m.assign(1, 1);
  const uint32_t flow_mod2 = m.assign(1, 2);
  const uint32_t barrier = m.assign(1, 3);
  const uint32_t later = m.assign(2, 9);
  // An ERROR for the second flow mod: the first got none, so it is forgotten.
  ASSERT_TRUE(m.route(flow_mod2, true));
  EXPECT_FALSE(m.route(flow_mod1, true));
  ASSERT_TRUE(m.route(barrier, true));
  EXPECT_EQ(m.size(), 1u);
  auto r = m.route(later, true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->client, 2u);
}

TEST(XidMap, UnknownXidsAreNotRouted) {
  XidMap m;
  const uint32_t x = m.assign(1, 1);
  EXPECT_FALSE(m.route(x + 1, true));
  EXPECT_FALSE(m.route(x - 1, true));
  EXPECT_EQ(m.size(), 1u);
}

TEST(XidMap, CapacityDropsTheOldest) {
  XidMap m(4);
  uint32_t first = m.assign(1, 100);
  for (uint32_t i = 1; i < 6; ++i) m.assign(1, 100 + i);
  EXPECT_EQ(m.size(), 4u);
  EXPECT_EQ(m.dropped(), 2u);
  EXPECT_FALSE(m.route(first, true));
  auto r = m.route(first + 2, true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->client_xid, 102u);
}

TEST(XidMap, RelayXidsWrapAround) {
  XidMap m(8, 0xfffffffeu);
  const uint32_t a = m.assign(1, 10);
  const uint32_t b = m.assign(1, 11);
  const uint32_t c = m.assign(2, 12);
  EXPECT_EQ(a, 0xfffffffeu);
  EXPECT_EQ(b, 0xffffffffu);
  EXPECT_EQ(c, 0u);
  auto r = m.route(c, true);  // expires a and b, sent before it
  ASSERT_TRUE(r);
  EXPECT_EQ(r->client, 2u);
  EXPECT_EQ(r->client_xid, 12u);
  EXPECT_EQ(m.size(), 0u);
  EXPECT_FALSE(m.route(b, true));
  const uint32_t d = m.assign(3, 13);
  EXPECT_EQ(d, 1u);
  EXPECT_TRUE(m.route(d, true));
}

}  // namespace
}  // namespace sluice::cp
