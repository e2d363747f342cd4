// TCP connection tracking: the state machine and the window checks of Guido van Rooij's "Real
// Stateful TCP Packet Filtering in IP Filter" (as Linux's nf_conntrack and Open vSwitch's
// userspace conntrack apply them), on one connection's TcpTrack.
//
// Each direction (0 = the side that sent the first SYN, 1 = its peer) keeps:
//   end     the highest sequence number it has sent, plus one (seq + length, SYN and FIN count)
//   maxend  the highest sequence number it may send: the peer's highest ack + window
//   maxwin  the largest window it has advertised (scaled)
// and a packet from 'sender' to 'receiver' (with end = seq + its length) is in window when
//   (A) seq <= sender.maxend                         it does not go past what was allowed
//   (B) end >= sender.end - receiver.maxwin          it is not older than one window
//   (C) ack <= receiver.end                          it acks nothing not yet sent
//   (D) ack >= receiver.end - max(sender.maxwin, 66000)   nor something too long ago
// (all modulo 2^32; a packet without ACK counts as acking receiver.end). A packet in window
// raises sender.end, sender.maxwin and receiver.maxend; one out of window is invalid and changes
// nothing, so a forged RST or data injected from outside the window cannot move the state.
//
// States: SYN_SENT, SYN_SENT2 (simultaneous open), SYN_RECV, ESTABLISHED, then the closing
// states, derived from which FINs were seen and acknowledged: FIN_WAIT (one FIN, not acked),
// CLOSE_WAIT (one FIN, acked), LAST_ACK (both FINs, not both acked), TIME_WAIT (both acked);
// and CLOSE after an in-window RST. A SYN on a TIME_WAIT or CLOSE connection, or a SYN with a
// new initial sequence number on SYN_SENT, asks for a fresh connection (kReopen). Window scaling
// applies when both SYNs carried the option (RFC 7323); SYN windows are never scaled.
// Std C++ only; no clock (the caller turns the state into a timeout).
#pragma once

#include <array>
#include <cstdint>

#include "nfv/conntrack/conn_key.h"

namespace sluice::nfv::ct {

enum class TcpState : uint8_t {
  kSynSent = 0,
  kSynSent2,
  kSynRecv,
  kEstablished,
  kFinWait,
  kCloseWait,
  kLastAck,
  kTimeWait,
  kClose,
  kCount
};
inline constexpr std::array<const char*, 9> kTcpStateNames = {
    "SYN_SENT", "SYN_SENT2", "SYN_RECV",  "ESTABLISHED", "FIN_WAIT",
    "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE"};
static_assert(kTcpStateNames.size() == static_cast<size_t>(TcpState::kCount));

struct TcpPeer {
  uint32_t end = 0;
  uint32_t maxend = 0;
  uint32_t maxwin = 0;  // 0 until this side's first packet (its SYN)
  uint8_t scale = 0;    // window shift applied to this side's windows
  uint8_t flags = 0;    // kPeer*
};
static_assert(sizeof(TcpPeer) == 16);

inline constexpr uint8_t kPeerWindowScale = 0x01;  // its SYN carried the option
inline constexpr uint8_t kPeerFin = 0x02;          // it sent a FIN (end counts it)
inline constexpr uint8_t kPeerFinAcked = 0x04;     // the other side acked that FIN

struct TcpTrack {
  std::array<TcpPeer, 2> peer{};
  TcpState state = TcpState::kSynSent;
};

enum class TcpVerdict : uint8_t {
  kValid,    // tracked; the state may have moved
  kInvalid,  // out of window, or flags that make no sense in this state: state unchanged
  kReopen,   // a SYN that starts a new connection on this tuple (the caller replaces the entry)
};

// Whether a packet with these flags may open a connection (a SYN without ACK, RST or FIN).
bool tcp_can_open(const ConnPacket& p) noexcept;
// Flag combinations no TCP sends (none, SYN+FIN, SYN+RST, FIN without ACK, ...).
bool tcp_flags_invalid(uint8_t flags) noexcept;
// The track of a connection opened by 'syn' (tcp_can_open(syn) holds).
TcpTrack tcp_open(const ConnPacket& syn) noexcept;
// Checks and applies one packet travelling in direction 'dir' (0 original, 1 reply).
TcpVerdict tcp_update(TcpTrack& t, int dir, const ConnPacket& p) noexcept;

}  // namespace sluice::nfv::ct
