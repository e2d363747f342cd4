// TCP tracking, table-driven: each case is a conversation, packet by packet, with the verdict
// and state expected after each one.
#include "nfv/conntrack/tcp.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace sluice::nfv::ct {
namespace {

constexpr uint8_t S = kTcpSyn, A = kTcpAck, F = kTcpFin, R = kTcpRst, P = kTcpPsh;
constexpr TcpVerdict kOk = TcpVerdict::kValid, kBad = TcpVerdict::kInvalid,
                     kNew = TcpVerdict::kReopen;
using St = TcpState;

// Client ISN and server ISN of every conversation (the server's near the wrap of 2^32, so every
// case also crosses it).
constexpr uint32_t C = 1000, V = 0xfffffff0u;

struct Step {
  int dir;
  uint8_t flags;
  uint32_t seq, ack;
  uint16_t win;
  uint16_t payload;
  TcpVerdict verdict;
  TcpState state;
  uint8_t wscale = kNoWindowScale;
};

ConnPacket packet(const Step& s) {
  ConnPacket p;
  p.key.proto = kProtoTcp;
  p.tcp_flags = s.flags;
  p.seq = s.seq;
  p.ack = s.ack;
  p.window = s.win;
  p.payload = s.payload;
  p.window_scale = s.wscale;
  return p;
}

// The handshake every conversation below starts from (client window 64000, server 29200).
const std::vector<Step> kHandshake = {
    {0, S, C, 0, 64000, 0, kOk, St::kSynSent},
    {1, S | A, V, C + 1, 29200, 0, kOk, St::kSynRecv},
    {0, A, C + 1, V + 1, 64000, 0, kOk, St::kEstablished},
};

std::vector<Step> after_handshake(std::vector<Step> rest) {
  std::vector<Step> all = kHandshake;
  all.insert(all.end(), rest.begin(), rest.end());
  return all;
}

void run(const std::string& name, const std::vector<Step>& steps) {
  SCOPED_TRACE(name);
  ASSERT_TRUE(tcp_can_open(packet(steps[0])));
  TcpTrack t = tcp_open(packet(steps[0]));
  EXPECT_EQ(t.state, steps[0].state);
  for (size_t i = 1; i < steps.size(); ++i) {
    SCOPED_TRACE("packet " + std::to_string(i));
    const TcpTrack before = t;
    const TcpVerdict v = tcp_update(t, steps[i].dir, packet(steps[i]));
    EXPECT_EQ(static_cast<int>(v), static_cast<int>(steps[i].verdict));
    EXPECT_EQ(kTcpStateNames[static_cast<size_t>(t.state)],
              std::string(kTcpStateNames[static_cast<size_t>(steps[i].state)]));
    if (v == kBad) {
      // An invalid packet changes nothing at all.
      EXPECT_EQ(std::memcmp(&before.peer, &t.peer, sizeof t.peer), 0);
    }
  }
}

TEST(TcpTrackTest, HandshakeDataAndOrderlyClose) {
  run("client closes first", after_handshake({
      {0, A | P, C + 1, V + 1, 64000, 500, kOk, St::kEstablished},
      {1, A | P, V + 1, C + 501, 29200, 1400, kOk, St::kEstablished},
      {0, F | A, C + 501, V + 1401, 64000, 0, kOk, St::kFinWait},
      {1, A, V + 1401, C + 502, 29200, 0, kOk, St::kCloseWait},
      {1, F | A, V + 1401, C + 502, 29200, 0, kOk, St::kLastAck},
      {0, A, C + 502, V + 1402, 64000, 0, kOk, St::kTimeWait},
  }));
  run("server closes first, FIN carried with the ack", after_handshake({
      {1, F | A, V + 1, C + 1, 29200, 0, kOk, St::kFinWait},
      {0, F | A, C + 1, V + 2, 64000, 0, kOk, St::kLastAck},
      {1, A, V + 2, C + 2, 29200, 0, kOk, St::kTimeWait},
  }));
  run("simultaneous close", after_handshake({
      {0, F | A, C + 1, V + 1, 64000, 0, kOk, St::kFinWait},
      {1, F | A, V + 1, C + 1, 29200, 0, kOk, St::kLastAck},
      {0, A, C + 2, V + 2, 64000, 0, kOk, St::kLastAck},
      {1, A, V + 2, C + 2, 29200, 0, kOk, St::kTimeWait},
  }));
  run("retransmissions in the handshake", {
      {0, S, C, 0, 64000, 0, kOk, St::kSynSent},
      {0, S, C, 0, 64000, 0, kOk, St::kSynSent},
      {1, S | A, V, C + 1, 29200, 0, kOk, St::kSynRecv},
      {1, S | A, V, C + 1, 29200, 0, kOk, St::kSynRecv},
      {0, A, C + 1, V + 1, 64000, 0, kOk, St::kEstablished},
  });
}

TEST(TcpTrackTest, ResetsInWindowCloseOutOfWindowAreInvalid) {
  run("forged RSTs outside the window leave the connection alone", after_handshake({
      {1, R, V + 1 + 0x40000000u, 0, 0, 0, kBad, St::kEstablished},  // far ahead
      {1, R, V + 1 - 200000, 0, 0, 0, kBad, St::kEstablished},        // older than a window
      {0, R | A, C + 1, V + 5000, 0, 0, kBad, St::kEstablished},      // acks unsent data
      {0, A | P, C + 1, V + 1, 64000, 100, kOk, St::kEstablished},    // still alive
      {1, R, V + 1, 0, 0, 0, kOk, St::kClose},                        // the real one
  }));
  run("RST answering the SYN", {
      {0, S, C, 0, 64000, 0, kOk, St::kSynSent},
      {1, R | A, 0, C + 7, 0, 0, kBad, St::kSynSent},  // acks something else
      {1, R, 0, 0, 0, 0, kBad, St::kSynSent},          // no ack at all
      {1, R | A, 0, C + 1, 0, 0, kOk, St::kClose},
  });
}

TEST(TcpTrackTest, WindowEdges) {
  // After the handshake the client may send up to V+1's ack + 29200 (the SYN-ACK's window,
  // unscaled), i.e. seq <= C + 1 + 29200.
  run("(A) sequence past the receiver's window", after_handshake({
      {0, A, C + 1 + 29200, V + 1, 64000, 0, kOk, St::kEstablished},
      {0, A, C + 1 + 29201, V + 1, 64000, 0, kBad, St::kEstablished},
  }));
  run("(B) data older than one window", after_handshake({
      {0, A | P, C + 1, V + 1, 64000, 20000, kOk, St::kEstablished},
      {1, A, V + 1, C + 20001, 29200, 0, kOk, St::kEstablished},
      {0, A | P, C + 20001, V + 1, 64000, 9000, kOk, St::kEstablished},
      // end must be >= client end (C+29001) - server maxwin (29200): C - 199 is the edge.
      {0, A, C - 199, V + 1, 64000, 0, kOk, St::kEstablished},
      {0, A, C - 200, V + 1, 64000, 0, kBad, St::kEstablished},
  }));
  run("(C) acking data never sent", after_handshake({
      {1, A, V + 1, C + 2, 29200, 0, kBad, St::kEstablished},
      {1, A, V + 1, C + 1, 29200, 0, kOk, St::kEstablished},
  }));
  run("(D) acking too far back", after_handshake({
      {0, A | P, C + 1, V + 1, 64000, 29000, kOk, St::kEstablished},
      {1, A, V + 1, C + 29001 - 66000, 29200, 0, kOk, St::kEstablished},
      {1, A, V + 1, C + 29001 - 66001, 29200, 0, kBad, St::kEstablished},
  }));
}

TEST(TcpTrackTest, WindowScaling) {
  // Both offer a scale: the server's window 1000 << 7 = 128000 bounds the client.
  run("both sides scale", {
      {0, S, C, 0, 64000, 0, kOk, St::kSynSent, 7},
      {1, S | A, V, C + 1, 29200, 0, kOk, St::kSynRecv, 7},
      {0, A, C + 1, V + 1, 500, 0, kOk, St::kEstablished},
      {1, A, V + 1, C + 1, 1000, 0, kOk, St::kEstablished},
      {0, A, C + 1 + 128000, V + 1, 500, 0, kOk, St::kEstablished},
      {0, A, C + 1 + 128001, V + 1, 500, 0, kBad, St::kEstablished},
  });
  // Only the client offers one: no scaling either way, so the same window allows 1000.
  run("one side scales: neither does", {
      {0, S, C, 0, 64000, 0, kOk, St::kSynSent, 7},
      {1, S | A, V, C + 1, 29200, 0, kOk, St::kSynRecv},
      {0, A, C + 1, V + 1, 500, 0, kOk, St::kEstablished},
      {1, A, V + 1, C + 1, 1000, 0, kOk, St::kEstablished},
      {0, A, C + 1 + 29200, V + 1, 500, 0, kOk, St::kEstablished},  // the SYN-ACK's bound
      {0, A, C + 1 + 29201, V + 1, 500, 0, kBad, St::kEstablished},
  });
}

TEST(TcpTrackTest, SynsOnAnExistingTuple) {
  run("a new initial sequence number on SYN_SENT", {
      {0, S, C, 0, 64000, 0, kOk, St::kSynSent},
      {0, S, C + 99, 0, 64000, 0, kNew, St::kSynSent},
  });
  run("a SYN on TIME_WAIT starts over", after_handshake({
      {0, F | A, C + 1, V + 1, 64000, 0, kOk, St::kFinWait},
      {1, F | A, V + 1, C + 2, 29200, 0, kOk, St::kLastAck},
      {0, A, C + 2, V + 2, 64000, 0, kOk, St::kTimeWait},
      {0, S, C + 5000, 0, 64000, 0, kNew, St::kTimeWait},
  }));
  run("a SYN on CLOSE starts over, either way", after_handshake({
      {0, R | A, C + 1, V + 1, 0, 0, kOk, St::kClose},
      {1, S, 77, 0, 64000, 0, kNew, St::kClose},
  }));
  run("a SYN in the middle of a connection is invalid", after_handshake({
      {0, S, C + 1, 0, 64000, 0, kBad, St::kEstablished},
      {1, S | A, V, C + 1, 29200, 0, kBad, St::kEstablished},
  }));
  run("a SYN-ACK that does not ack the SYN", {
      {0, S, C, 0, 64000, 0, kOk, St::kSynSent},
      {1, S | A, V, C + 2, 29200, 0, kBad, St::kSynSent},
      {1, S | A, V, C, 29200, 0, kBad, St::kSynSent},
      {0, S | A, V, C + 1, 29200, 0, kBad, St::kSynSent},  // from the wrong side
  });
  run("data before the handshake is over is invalid", {
      {0, S, C, 0, 64000, 0, kOk, St::kSynSent},
      {0, A, C + 1, 5, 64000, 10, kBad, St::kSynSent},
      {1, A, V, C + 1, 29200, 0, kBad, St::kSynSent},
  });
}

TEST(TcpTrackTest, SimultaneousOpen) {
  run("both send SYN, then SYN-ACK", {
      {0, S, C, 0, 64000, 0, kOk, St::kSynSent},
      {1, S, V, 0, 29200, 0, kOk, St::kSynSent2},
      {0, S | A, C, V + 1, 64000, 0, kOk, St::kSynRecv},
      {1, S | A, V, C + 1, 29200, 0, kOk, St::kSynRecv},
      {0, A, C + 1, V + 1, 64000, 0, kOk, St::kEstablished},
  });
}

TEST(TcpTrackTest, FlagsNoTcpSends) {
  EXPECT_TRUE(tcp_flags_invalid(0));
  EXPECT_TRUE(tcp_flags_invalid(P));
  EXPECT_TRUE(tcp_flags_invalid(S | F));
  EXPECT_TRUE(tcp_flags_invalid(S | R));
  EXPECT_TRUE(tcp_flags_invalid(F | R | A));
  EXPECT_TRUE(tcp_flags_invalid(F));
  EXPECT_FALSE(tcp_flags_invalid(S));
  EXPECT_FALSE(tcp_flags_invalid(S | A));
  EXPECT_FALSE(tcp_flags_invalid(R));
  EXPECT_FALSE(tcp_flags_invalid(R | A));
  EXPECT_FALSE(tcp_flags_invalid(F | A | P));
  EXPECT_FALSE(tcp_flags_invalid(A));
  run("nonsense flags on a live connection change nothing", after_handshake({
      {0, 0, C + 1, V + 1, 64000, 0, kBad, St::kEstablished},
      {0, S | F, C + 1, V + 1, 64000, 0, kBad, St::kEstablished},
      {1, F, V + 1, 0, 29200, 0, kBad, St::kEstablished},
  }));
  ConnPacket synack;
  synack.tcp_flags = S | A;
  EXPECT_FALSE(tcp_can_open(synack));
  synack.tcp_flags = S | kTcpUrg;
  EXPECT_TRUE(tcp_can_open(synack));
}

}  // namespace
}  // namespace sluice::nfv::ct
