// OfLink: how sluice-flowmod moves whole OpenFlow 1.3 messages to a switch and back.
//
// * ChannelLink: sluiced's shared-memory channel (openflow/channel's ChannelClient, as
//   sluicectl uses it). send() waits while the request ring is full (backpressure).
// * SocketLink: an OpenFlow stream socket, `tcp:HOST:PORT` (sluicectl run's endpoint) or
//   `unix:PATH` (Open vSwitch's bridge management socket). Non-blocking underneath: while a send
//   waits for room it keeps reading, so a switch that answers while we write never deadlocks
//   with us; what it read is queued for receive().
//
// Neither answers anything by itself: the caller handles HELLO and ECHO_REQUEST. Single-threaded.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "openflow/result.h"

namespace sluice::bench {

class OfLink {
 public:
  virtual ~OfLink() = default;
  // Sends one whole message (or several back to back: the bytes go out as they are).
  virtual Result<void> send(std::span<const uint8_t> bytes) = 0;
  // One whole message into 'out'; false when none came within 'timeout'.
  virtual Result<bool> receive(std::vector<uint8_t>& out, std::chrono::milliseconds timeout) = 0;
};

// "channel:NAME", "tcp:HOST:PORT" (numeric IPv4 host) or "unix:PATH".
Result<std::unique_ptr<OfLink>> open_link(const std::string& target,
                                          std::chrono::milliseconds wait);

}  // namespace sluice::bench
