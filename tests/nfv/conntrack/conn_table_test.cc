// The connection table with an injected clock: what ct_state each packet gets, commits,
// timeouts, expiry and reclaim, bounds (capacity, per-port limits, half-open eviction),
// replacement of closed connections, and workers racing on it.
#include "nfv/conntrack/conn_table.h"

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace sluice::nfv::ct {
namespace {

constexpr uint8_t S = kTcpSyn, A = kTcpAck, F = kTcpFin, R = kTcpRst;
constexpr uint32_t kTrk = kStateTracked;

ConnKey key(uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
            uint16_t zone = 0) {
  ConnKey k;
  k.family = 4;
  k.proto = proto;
  k.src[0] = src;
  k.dst[0] = dst;
  k.sport = sport;
  k.dport = dport;
  k.zone = zone;
  return k;
}

constexpr uint32_t kClient = 0x0a000001, kServer = 0x0a000002;

ConnPacket tcp(const ConnKey& k, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t payload = 0) {
  ConnPacket p;
  p.key = k;
  p.tcp_flags = flags;
  p.seq = seq;
  p.ack = ack;
  p.window = 64000;
  p.payload = payload;
  return p;
}

ConnPacket plain(const ConnKey& k) {
  ConnPacket p;
  p.key = k;
  return p;
}

ConnPacket icmp(const ConnKey& k, uint8_t type) {
  ConnPacket p;
  p.key = k;
  p.icmp_type = type;
  return p;
}

class ConnTableTest : public ::testing::Test {
 protected:
  explicit ConnTableTest(uint32_t capacity = 1024) {
    ConnConfig cfg;
    cfg.capacity = capacity;
    cfg.seed = 42;
    table = std::make_unique<ConnTable>(cfg);
  }
  // The ct_state of one packet (committing it when asked and it is new).
  uint32_t send(const ConnPacket& p, bool commit = false, uint32_t mark = 0,
                uint16_t in_slot = 1) {
    table->track(p, now, last, counts);
    if (commit && (last.state & kStateNew)) {
      committed = table->commit(p, now, in_slot, mark, last, counts);
    }
    return last.state;
  }

  std::unique_ptr<ConnTable> table;
  uint32_t now = 1000;
  TrackResult last;
  TrackCounts counts;
  bool committed = false;
  const ConnKey c2s = key(kProtoTcp, kClient, kServer, 40000, 80);
  const ConnKey s2c = c2s.reversed();
};

TEST_F(ConnTableTest, TcpConnectionStatesAsOpenVswitchReportsThem) {
  EXPECT_EQ(send(tcp(c2s, S, 100, 0), true, 7), kTrk | kStateNew);
  EXPECT_TRUE(committed);
  EXPECT_EQ(counts.created, 1u);
  EXPECT_EQ(table->size(), 1u);
  const int32_t entry = last.entry;
  EXPECT_EQ(table->entry(entry).mark.load(), 7u);
  EXPECT_EQ(send(tcp(c2s, S, 100, 0)), kTrk | kStateNew);  // retransmitted, not yet answered
  EXPECT_EQ(last.entry, entry);
  EXPECT_EQ(send(tcp(s2c, S | A, 900, 101)), kTrk | kStateEstablished | kStateReply);
  EXPECT_EQ(last.dir, 1);
  EXPECT_EQ(send(tcp(c2s, A, 101, 901)), kTrk | kStateEstablished);
  EXPECT_EQ(table->entry(entry).tcp.state, TcpState::kEstablished);
  EXPECT_EQ(send(tcp(c2s, A, 101, 901, 100)), kTrk | kStateEstablished);
  EXPECT_EQ(send(tcp(s2c, A, 901, 201)), kTrk | kStateEstablished | kStateReply);
  // Committing an established connection again only sets its mark.
  EXPECT_TRUE(table->commit(tcp(c2s, A, 201, 901), now, 1, 9, last, counts));
  EXPECT_EQ(table->entry(entry).mark.load(), 9u);
  EXPECT_EQ(counts.created, 1u);
  EXPECT_EQ(counts.invalid, 0u);
}

TEST_F(ConnTableTest, UncommittedConnectionsLeaveNothing) {
  EXPECT_EQ(send(tcp(c2s, S, 100, 0)), kTrk | kStateNew);
  EXPECT_EQ(send(tcp(c2s, S, 100, 0)), kTrk | kStateNew);
  EXPECT_EQ(table->size(), 0u);
  // Its SYN-ACK cannot open a connection: invalid (as on Open vSwitch).
  EXPECT_EQ(send(tcp(s2c, S | A, 900, 101)), kTrk | kStateInvalid);
  // Neither can a bare ACK: no mid-stream pick-up.
  EXPECT_EQ(send(tcp(c2s, A, 101, 901)), kTrk | kStateInvalid);
  EXPECT_EQ(counts.invalid, 2u);
  // An invalid packet opens nothing even when committed.
  TrackResult r;
  table->track(tcp(c2s, A, 101, 901), now, r, counts);
  EXPECT_FALSE(table->commit(tcp(c2s, A, 101, 901), now, 1, 0, r, counts));
  EXPECT_EQ(table->size(), 0u);
}

TEST_F(ConnTableTest, ForgedResetIsInvalidAndTheConnectionLives) {
  send(tcp(c2s, S, 100, 0), true);
  send(tcp(s2c, S | A, 900, 101));
  send(tcp(c2s, A, 101, 901));
  const int32_t entry = last.entry;
  EXPECT_EQ(send(tcp(s2c, R, 901 + 0x10000000u, 0)), kTrk | kStateInvalid);
  EXPECT_EQ(table->entry(entry).tcp.state, TcpState::kEstablished);
  EXPECT_EQ(send(tcp(c2s, A, 101, 901, 10)), kTrk | kStateEstablished);
  EXPECT_EQ(send(tcp(s2c, R, 901, 0)), kTrk | kStateEstablished | kStateReply);
  EXPECT_EQ(table->entry(entry).tcp.state, TcpState::kClose);
}

TEST_F(ConnTableTest, NewSynOnAClosedTupleIsANewConnection) {
  send(tcp(c2s, S, 100, 0), true, 1);
  send(tcp(s2c, S | A, 900, 101));
  send(tcp(c2s, A, 101, 901));
  send(tcp(c2s, R | A, 101, 901));  // closed
  const int32_t old = last.entry;
  // A new SYN is new again (and judged by policy again), and gets an entry of its own.
  EXPECT_EQ(send(tcp(c2s, S, 5000, 0), true, 2), kTrk | kStateNew);
  EXPECT_EQ(counts.reopened, 1u);
  ASSERT_TRUE(committed);
  EXPECT_NE(last.entry, old);
  EXPECT_EQ(table->entry(last.entry).mark.load(), 2u);
  EXPECT_EQ(send(tcp(s2c, S | A, 7000, 5001)), kTrk | kStateEstablished | kStateReply);
  // The old entry is reclaimed by the sweeper, the new one stays.
  EXPECT_EQ(table->sweep(now, table->capacity()), 1u);
  EXPECT_EQ(table->sweep_stats().removed.load(), 1u);
  EXPECT_EQ(table->size(), 1u);
  EXPECT_EQ(send(tcp(c2s, A, 5001, 7001)), kTrk | kStateEstablished);
}

TEST_F(ConnTableTest, UdpAndIcmpPseudoStates) {
  const ConnKey u = key(kProtoUdp, kClient, kServer, 5353, 53);
  EXPECT_EQ(send(plain(u), true), kTrk | kStateNew);
  EXPECT_EQ(send(plain(u)), kTrk | kStateNew);  // unanswered so far
  EXPECT_EQ(send(plain(u.reversed())), kTrk | kStateEstablished | kStateReply);
  EXPECT_EQ(send(plain(u)), kTrk | kStateEstablished);

  const ConnKey echo = key(kProtoIcmp, kClient, kServer, 77, 77);
  EXPECT_EQ(send(icmp(echo, 8), true), kTrk | kStateNew);
  EXPECT_EQ(send(icmp(echo.reversed(), 0)), kTrk | kStateEstablished | kStateReply);
  // A reply cannot open anything, and a request the wrong way is not part of it.
  EXPECT_EQ(send(icmp(key(kProtoIcmp, kClient, kServer, 78, 78), 0)), kTrk | kStateInvalid);
  EXPECT_EQ(send(icmp(echo.reversed(), 8)), kTrk | kStateInvalid);

  const ConnKey echo6 = [] {
    ConnKey k = key(kProtoIcmp6, 0, 0, 5, 5);
    k.family = 6;
    k.src = {0x20010db8, 0, 0, 1};
    k.dst = {0x20010db8, 0, 0, 2};
    return k;
  }();
  EXPECT_EQ(send(icmp(echo6, 128), true), kTrk | kStateNew);
  EXPECT_EQ(send(icmp(echo6.reversed(), 129)), kTrk | kStateEstablished | kStateReply);
}

TEST_F(ConnTableTest, IcmpErrorsAboutATrackedConnectionAreRelated) {
  const ConnKey u = key(kProtoUdp, kClient, kServer, 5353, 53);
  send(plain(u), true);
  // The server answers the client's datagram with port unreachable: it quotes c -> s and
  // travels s -> c, the reply direction.
  ConnPacket err = icmp(key(kProtoIcmp, kServer, kClient, 0, 0), 3);
  err.icmp_error = true;
  err.inner = u;
  EXPECT_EQ(send(err), kTrk | kStateRelated | kStateReply);
  // A router on the way back quotes a reply (s -> c) and sends to the server: original direction.
  send(plain(u.reversed()));
  err.inner = u.reversed();
  EXPECT_EQ(send(err), kTrk | kStateRelated);
  // An error about nothing we track is invalid.
  err.inner = key(kProtoUdp, kClient, kServer, 1, 2);
  EXPECT_EQ(send(err), kTrk | kStateInvalid);
  // Zones keep connections apart: the same tuple in zone 2 is not the zone-0 connection.
  EXPECT_EQ(send(plain(key(kProtoUdp, kServer, kClient, 53, 5353, 2))), kTrk | kStateNew);
}

TEST_F(ConnTableTest, TimeoutsFollowTheStateAndNeedNoSweep) {
  const Timeouts& to = table->timeouts();
  const ConnKey u = key(kProtoUdp, kClient, kServer, 5353, 53);
  send(plain(u), true);
  now += to.udp_unreplied;  // the last second it lives
  EXPECT_EQ(send(plain(u)), kTrk | kStateNew);
  EXPECT_GE(last.entry, 0);
  now += to.udp_unreplied + 1;  // past it: not found (no sweep has run)
  EXPECT_EQ(send(plain(u)), kTrk | kStateNew);
  EXPECT_LT(last.entry, 0);
  EXPECT_EQ(table->size(), 1u);  // the memory waits for the sweeper
  EXPECT_EQ(table->sweep(now, table->capacity()), 1u);
  EXPECT_EQ(table->sweep_stats().expired.load(), 1u);
  EXPECT_EQ(table->size(), 0u);

  // An answered UDP flow lives for udp_replied.
  send(plain(u), true);
  send(plain(u.reversed()));
  now += to.udp_replied;
  EXPECT_EQ(send(plain(u)), kTrk | kStateEstablished);

  // TCP: each state its own timeout, from the last packet.
  send(tcp(c2s, S, 100, 0), true);
  const int32_t e = last.entry;
  EXPECT_EQ(table->entry(e).expires.load(), now + to.tcp[0]);
  send(tcp(s2c, S | A, 900, 101));
  EXPECT_EQ(table->entry(e).expires.load(),
            now + to.tcp[static_cast<size_t>(TcpState::kSynRecv)]);
  send(tcp(c2s, A, 101, 901));
  EXPECT_EQ(table->entry(e).expires.load(),
            now + to.tcp[static_cast<size_t>(TcpState::kEstablished)]);
  now += 3600;  // an idle hour: still there
  EXPECT_EQ(send(tcp(c2s, A, 101, 901)), kTrk | kStateEstablished);
  send(tcp(c2s, R | A, 101, 901));
  EXPECT_EQ(table->entry(e).expires.load(), now + to.tcp[static_cast<size_t>(TcpState::kClose)]);
  now += to.tcp[static_cast<size_t>(TcpState::kClose)] + 1;
  // Gone: a bare ACK now has nothing to belong to.
  EXPECT_EQ(send(tcp(c2s, A, 101, 901)), kTrk | kStateInvalid);
}

// Reclaimed entries are reused only after every worker has passed a quiescent point.
class ManualGrace final : public GracePeriod {
 public:
  uint64_t start() noexcept override { return ++started; }
  bool done(uint64_t token) noexcept override { return token <= passed; }
  uint64_t started = 0, passed = 0;
};

TEST(ConnTableGraceTest, ReclaimedEntriesWaitForTheGracePeriod) {
  ConnConfig cfg;
  cfg.capacity = 4;
  auto grace = std::make_unique<ManualGrace>();
  ManualGrace* g = grace.get();
  ConnTable table(cfg, std::move(grace));
  TrackCounts c;
  TrackResult r;
  uint32_t now = 10;
  for (uint16_t port = 1; port <= 4; ++port) {
    const ConnPacket p = plain(key(kProtoUdp, kClient, kServer, port, 53));
    table.track(p, now, r, c);
    ASSERT_TRUE(table.commit(p, now, 1, 0, r, c));
  }
  const ConnPacket fifth = plain(key(kProtoUdp, kClient, kServer, 5, 53));
  table.track(fifth, now, r, c);
  EXPECT_FALSE(table.commit(fifth, now, 1, 0, r, c));
  EXPECT_EQ(c.table_full, 1u);
  now += 100;  // all four expired
  EXPECT_EQ(table.sweep(now, 4), 0u);  // unlinked, but a reader may still hold them
  EXPECT_EQ(g->started, 1u);
  table.track(fifth, now, r, c);
  EXPECT_FALSE(table.commit(fifth, now, 1, 0, r, c));
  EXPECT_EQ(c.table_full, 2u);
  g->passed = 1;
  EXPECT_EQ(table.sweep(now, 4), 4u);
  table.track(fifth, now, r, c);
  EXPECT_TRUE(table.commit(fifth, now, 1, 0, r, c));
}

class SmallTableTest : public ConnTableTest {
 protected:
  SmallTableTest() : ConnTableTest(64) {}
};

TEST_F(SmallTableTest, FullTableFailsClosedEstablishedKeepGoingHalfOpenGoFirst) {
  // 32 established TCP connections and 32 half-open ones fill it.
  for (uint16_t i = 0; i < 32; ++i) {
    const ConnKey k = key(kProtoTcp, kClient, kServer, 1000 + i, 80);
    send(tcp(k, S, 100, 0), true);
    send(tcp(k.reversed(), S | A, 900, 101));
    ASSERT_EQ(send(tcp(k, A, 101, 901)), kTrk | kStateEstablished);
  }
  for (uint16_t i = 0; i < 32; ++i) {
    send(tcp(key(kProtoTcp, kClient, kServer, 2000 + i, 80), S, 100, 0), true);
    ASSERT_TRUE(committed);
  }
  EXPECT_EQ(table->size(), 64u);
  // A new connection is refused, counted.
  const ConnKey late = key(kProtoTcp, kClient, kServer, 3000, 80);
  send(tcp(late, S, 100, 0), true);
  EXPECT_FALSE(committed);
  EXPECT_EQ(counts.table_full, 1u);
  // Established ones carry on.
  const ConnKey first = key(kProtoTcp, kClient, kServer, 1000, 80);
  EXPECT_EQ(send(tcp(first, A, 101, 901, 10)), kTrk | kStateEstablished);
  // Under pressure the sweeper evicts the half-open ones, and only those.
  table->sweep(now, table->capacity());
  EXPECT_EQ(table->sweep_stats().evicted.load(), 32u);
  EXPECT_EQ(table->size(), 32u);
  for (uint16_t i = 0; i < 32; ++i) {
    const ConnKey k = key(kProtoTcp, kClient, kServer, 1000 + i, 80);
    EXPECT_EQ(send(tcp(k.reversed(), A, 901, 101)), kTrk | kStateEstablished | kStateReply);
  }
  send(tcp(late, S, 100, 0), true);
  EXPECT_TRUE(committed);
}

TEST_F(ConnTableTest, PerPortLimit) {
  table->set_port_limit(3, 2);
  for (uint16_t i = 0; i < 2; ++i) {
    send(plain(key(kProtoUdp, kClient, kServer, 100 + i, 53)), true, 0, 3);
    EXPECT_TRUE(committed);
  }
  send(plain(key(kProtoUdp, kClient, kServer, 200, 53)), true, 0, 3);
  EXPECT_FALSE(committed);
  EXPECT_EQ(counts.port_limit, 1u);
  EXPECT_EQ(table->port_count(3), 2u);
  // Another port is not affected.
  send(plain(key(kProtoUdp, kClient, kServer, 200, 53)), true, 0, 4);
  EXPECT_TRUE(committed);
  // Freed entries give the port its room back.
  now += 1000;
  table->sweep(now, table->capacity());
  EXPECT_EQ(table->port_count(3), 0u);
  send(plain(key(kProtoUdp, kClient, kServer, 200, 53)), true, 0, 3);
  EXPECT_TRUE(committed);
}

TEST_F(ConnTableTest, FlushReclaimsEverything) {
  for (uint16_t i = 0; i < 10; ++i) send(plain(key(kProtoUdp, kClient, kServer, i, 53)), true);
  table->flush();
  EXPECT_EQ(send(plain(key(kProtoUdp, kClient, kServer, 3, 53))), kTrk | kStateNew);
  EXPECT_LT(last.entry, 0);
  EXPECT_EQ(table->sweep(now, table->capacity()), 10u);
  EXPECT_EQ(table->size(), 0u);
}

// Two workers commit the same 2000 connections at the same time and then track their replies:
// each connection ends with exactly one entry, and both workers see the same one.
TEST(ConnTableRaceTest, ConcurrentCommitsOfTheSameConnectionsAgree) {
  ConnConfig cfg;
  cfg.capacity = 8192;
  ConnTable table(cfg);
  constexpr uint16_t kConns = 2000;
  std::vector<int32_t> seen[2];
  std::atomic<int> ready{0};
  auto worker = [&](int w) {
    TrackCounts c;
    seen[w].resize(kConns);
    ready.fetch_add(1);
    while (ready.load() < 2) {
    }
    for (uint16_t i = 0; i < kConns; ++i) {
      const ConnPacket p = plain(key(kProtoUdp, kClient, kServer, i, 53));
      TrackResult r;
      table.track(p, 5, r, c);
      if (r.state & kStateNew) {
        ASSERT_TRUE(table.commit(p, 5, 1, 0, r, c));
      }
      seen[w][i] = r.entry;
    }
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
  TrackCounts c;
  for (uint16_t i = 0; i < kConns; ++i) {
    TrackResult r;
    table.track(plain(key(kProtoUdp, kServer, kClient, 53, i)), 5, r, c);
    ASSERT_GE(r.entry, 0);
    EXPECT_EQ(r.state, kTrk | kStateEstablished | kStateReply);
    EXPECT_EQ(seen[0][i], r.entry) << i;
    EXPECT_EQ(seen[1][i], r.entry) << i;
  }
  // The losers' entries are reclaimed: one per connection is left.
  table.sweep(5, cfg.capacity);
  EXPECT_EQ(table.size(), kConns);
}

// One worker drives a TCP stream, another its replies, while a third thread sweeps: the
// window state stays consistent (every in-window packet passes) under the entry's try-lock.
TEST(ConnTableRaceTest, BothDirectionsOnTwoWorkersWithASweeper) {
  ConnConfig cfg;
  cfg.capacity = 64;
  ConnTable table(cfg);
  const ConnKey k = key(kProtoTcp, kClient, kServer, 40000, 80);
  TrackCounts c;
  TrackResult r;
  table.track(tcp(k, S, 100, 0), 5, r, c);
  ASSERT_TRUE(table.commit(tcp(k, S, 100, 0), 5, 1, 0, r, c));
  table.track(tcp(k.reversed(), S | A, 900, 101), 5, r, c);
  table.track(tcp(k, A, 101, 901), 5, r, c);
  ASSERT_EQ(r.state, kTrk | kStateEstablished);
  std::atomic<bool> stop{false};
  uint64_t bad[2] = {0, 0}, busy[2] = {0, 0};
  // Each side sends pure ACKs that ack what the other side's initial handshake sent: always
  // in window, whatever the other thread has done.
  auto side = [&](int dir) {
    TrackCounts cc;
    for (int n = 0; n < 200000; ++n) {
      TrackResult rr;
      const ConnPacket p = dir == 0 ? tcp(k, A, 101, 901) : tcp(k.reversed(), A, 901, 101);
      table.track(p, 5, rr, cc);
      if (!(rr.state & kStateEstablished)) ++bad[dir];
    }
    busy[dir] = cc.busy;
    bad[dir] -= cc.busy;  // given up on a held lock: counted, not wrong
  };
  std::thread sweeper([&] {
    while (!stop.load()) table.sweep(5, 64);
  });
  std::thread a(side, 0), b(side, 1);
  a.join();
  b.join();
  stop = true;
  sweeper.join();
  EXPECT_EQ(bad[0], 0u);
  EXPECT_EQ(bad[1], 0u);
  std::printf("busy (given up on a contended entry): %llu of 400000\n",
              static_cast<unsigned long long>(busy[0] + busy[1]));
  EXPECT_EQ(table.size(), 1u);
}

}  // namespace
}  // namespace sluice::nfv::ct
