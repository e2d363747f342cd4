#include "nfv/conntrack/tcp.h"

#include <algorithm>

namespace sluice::nfv::ct {
namespace {

constexpr uint8_t kCore = kTcpFin | kTcpSyn | kTcpRst | kTcpAck;  // the flags the checks read
constexpr uint32_t kMinAckWindow = 66000;  // (D): acks up to this far back always pass
constexpr uint8_t kMaxWindowScale = 14;    // RFC 7323 section 2.3

// Sequence-space comparisons, modulo 2^32.
bool seq_le(uint32_t a, uint32_t b) noexcept { return static_cast<int32_t>(a - b) <= 0; }
bool seq_lt(uint32_t a, uint32_t b) noexcept { return static_cast<int32_t>(a - b) < 0; }

// One past the last sequence number the packet occupies.
uint32_t end_of(const ConnPacket& p) noexcept {
  return p.seq + p.payload + ((p.tcp_flags & kTcpSyn) ? 1 : 0) + ((p.tcp_flags & kTcpFin) ? 1 : 0);
}

// A side's state from the SYN it sent.
TcpPeer peer_from_syn(const ConnPacket& syn) noexcept {
  TcpPeer s;
  s.end = end_of(syn);
  s.maxend = s.end;
  s.maxwin = std::max<uint32_t>(syn.window, 1);  // a SYN's window is never scaled
  if (syn.window_scale != kNoWindowScale) {
    s.scale = std::min(syn.window_scale, kMaxWindowScale);
    s.flags = kPeerWindowScale;
  }
  return s;
}

// The state once the handshake is over, from the FINs seen and acknowledged.
TcpState closing_state(const TcpTrack& t) noexcept {
  int fins = 0, acked = 0;
  for (const TcpPeer& p : t.peer) {
    fins += (p.flags & kPeerFin) != 0;
    acked += (p.flags & kPeerFinAcked) != 0;
  }
  if (fins == 0) return TcpState::kEstablished;
  if (fins == 1) return acked == 1 ? TcpState::kCloseWait : TcpState::kFinWait;
  return acked == 2 ? TcpState::kTimeWait : TcpState::kLastAck;
}

// A SYN (with or without ACK): retransmission, the peer's answer, or a new connection.
TcpVerdict on_syn(TcpTrack& t, int dir, const ConnPacket& p, uint8_t f) noexcept {
  TcpPeer& s = t.peer[dir];
  TcpPeer& r = t.peer[1 - dir];
  if (t.state == TcpState::kTimeWait || t.state == TcpState::kClose) {
    return (f & kTcpAck) ? TcpVerdict::kInvalid : TcpVerdict::kReopen;
  }
  if (!(f & kTcpAck)) {
    if (dir == 0 && t.state == TcpState::kSynSent) {
      // The same initial sequence number is a retransmission; another one, a new attempt.
      return end_of(p) == s.end ? TcpVerdict::kValid : TcpVerdict::kReopen;
    }
    if (dir == 1 && t.state == TcpState::kSynSent) {  // simultaneous open
      s = peer_from_syn(p);
      t.state = TcpState::kSynSent2;
      return TcpVerdict::kValid;
    }
    if (dir == 1 && t.state == TcpState::kSynSent2) {
      return end_of(p) == s.end ? TcpVerdict::kValid : TcpVerdict::kInvalid;
    }
    return TcpVerdict::kInvalid;
  }
  // SYN+ACK: must acknowledge the other side's SYN exactly.
  if (r.maxwin == 0 || p.ack != r.end) return TcpVerdict::kInvalid;
  const bool answer = (dir == 1 && t.state == TcpState::kSynSent) ||
                      (dir == 0 && t.state == TcpState::kSynSent2);
  if (!answer) {
    // A retransmitted SYN+ACK while the handshake is still open, from a side whose SYN we have.
    const bool open = t.state == TcpState::kSynRecv || t.state == TcpState::kSynSent2;
    if (!open || s.maxwin == 0 || end_of(p) != s.end) return TcpVerdict::kInvalid;
    if (seq_lt(r.maxend, p.ack + p.window)) r.maxend = p.ack + p.window;
    return TcpVerdict::kValid;
  }
  if (t.state == TcpState::kSynSent2 && end_of(p) != s.end) return TcpVerdict::kInvalid;
  s = peer_from_syn(p);
  if (!((s.flags & kPeerWindowScale) && (r.flags & kPeerWindowScale))) {
    s.scale = 0;  // scaling is on only when both sides offered it
    r.scale = 0;
  }
  if (seq_lt(r.maxend, p.ack + p.window)) r.maxend = p.ack + p.window;
  t.state = TcpState::kSynRecv;
  return TcpVerdict::kValid;
}

}  // namespace

bool tcp_flags_invalid(uint8_t flags) noexcept {
  const uint8_t f = flags & kCore;
  if (f == 0) return true;  // a "null" packet
  if ((f & kTcpSyn) && (f & (kTcpFin | kTcpRst))) return true;
  if ((f & kTcpFin) && (f & kTcpRst)) return true;
  if ((f & kTcpFin) && !(f & kTcpAck)) return true;
  return false;
}

bool tcp_can_open(const ConnPacket& p) noexcept { return (p.tcp_flags & kCore) == kTcpSyn; }

TcpTrack tcp_open(const ConnPacket& syn) noexcept {
  TcpTrack t;
  t.peer[0] = peer_from_syn(syn);
  t.state = TcpState::kSynSent;
  return t;
}

TcpVerdict tcp_update(TcpTrack& t, int dir, const ConnPacket& p) noexcept {
  const uint8_t f = p.tcp_flags & kCore;
  if (tcp_flags_invalid(f)) return TcpVerdict::kInvalid;
  if (f & kTcpSyn) return on_syn(t, dir, p, f);
  TcpPeer& s = t.peer[dir];
  TcpPeer& r = t.peer[1 - dir];
  if (s.maxwin == 0) {
    // Nothing from this side yet but the SYN it has not sent: only an RST answering the
    // other side's SYN (acking it exactly) makes sense.
    if ((f & kTcpRst) && (f & kTcpAck) && p.ack == r.end) {
      t.state = TcpState::kClose;
      return TcpVerdict::kValid;
    }
    return TcpVerdict::kInvalid;
  }
  if (r.maxwin == 0) return TcpVerdict::kInvalid;  // data before the peer's SYN
  const uint32_t ack = (f & kTcpAck) ? p.ack : r.end;
  const uint32_t end = end_of(p);
  const uint32_t win = static_cast<uint32_t>(p.window) << s.scale;
  const bool in_window = seq_le(p.seq, s.maxend) &&                                  // (A)
                         seq_le(s.end - r.maxwin, end) &&                            // (B)
                         seq_le(ack, r.end) &&                                       // (C)
                         seq_le(r.end - std::max(s.maxwin, kMinAckWindow), ack);     // (D)
  if (!in_window) return TcpVerdict::kInvalid;
  if (f & kTcpRst) {
    t.state = TcpState::kClose;
    return TcpVerdict::kValid;
  }
  s.maxwin = std::max({s.maxwin, win, uint32_t{1}});
  if (seq_lt(s.end, end)) s.end = end;
  if (f & kTcpAck) {
    if (seq_le(r.maxend, ack + win)) r.maxend = ack + win + (win == 0 ? 1 : 0);
    if ((r.flags & kPeerFin) && seq_le(r.end, ack)) r.flags |= kPeerFinAcked;
  }
  if (f & kTcpFin) s.flags |= kPeerFin;
  if (t.state == TcpState::kClose) return TcpVerdict::kValid;
  if (t.state == TcpState::kSynRecv || t.state == TcpState::kSynSent2) {
    // The handshake ends when the opener acks its peer's SYN.
    if (!(dir == 0 && (f & kTcpAck) && ack == r.end && t.state == TcpState::kSynRecv)) {
      return TcpVerdict::kValid;
    }
  }
  t.state = closing_state(t);
  return TcpVerdict::kValid;
}

}  // namespace sluice::nfv::ct
