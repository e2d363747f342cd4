// OfRelay: the OpenFlow endpoint's side towards the dataplane — its own ChannelClient (a slot
// of its own, separate from the policy session's), the xid rewriting, and the endpoint's own
// HELLO and housekeeping barriers.
//
// forward() sends a client's request with a relay xid in place of the client's (XidMap);
// receive() hands back each message from the dataplane addressed to the client it answers,
// with the client's xid restored (in an ERROR also in the copy of the request it carries), or
// addressed to kEveryone for asynchronous messages (PORT_STATUS, PACKET_IN, FLOW_REMOVED).
// Replies whose client is gone, or whose request expired, are dropped and counted.
//
// Bundles are the client's own (BundleMap): the relay renames them on the way to the dataplane
// and back, refuses a client's 17th open bundle (forward() says kOutOfBundles; nothing is
// sent), and client_gone() discards whatever bundles a client that left still had open (the
// relay's own DISCARD requests; their replies go nowhere).
//
// Single-threaded: the endpoint thread owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "controlplane/of_bundle_map.h"
#include "controlplane/of_xid_map.h"
#include "openflow/channel/channel.h"
#include "openflow/result.h"

namespace sluice::cp {

class OfRelay {
 public:
  // The destination of asynchronous messages.
  static constexpr uint64_t kEveryone = ~uint64_t{0};
  // How long requests may sit unanswered before the relay sends a barrier of its own.
  static constexpr std::chrono::milliseconds kBarrierAfter{100};

  explicit OfRelay(std::string channel, size_t max_in_flight = 65536)
      : channel_(std::move(channel)), xids_(max_in_flight) {}

  bool connected() const noexcept { return client_.has_value(); }
  // One attempt to claim a slot on the channel and send our HELLO (waits at most 'wait').
  Result<void> connect(std::chrono::milliseconds wait);
  // Forgets the channel and everything in flight.
  void disconnect();

  enum class Forwarded {
    kSent,
    kOutOfBundles,  // not sent: it would open more than BundleMap::kMaxPerClient bundles
  };
  // Sends 'msg' (a whole message from 'client') to the dataplane; its xid (and bundle id) is
  // rewritten in place. An error means the dataplane is gone (the caller disconnects).
  Result<Forwarded> forward(uint64_t client, std::span<uint8_t> msg);
  // 'client' left: discards the bundles it still had open. Returns how many.
  Result<size_t> client_gone(uint64_t client);

  using Sink = std::function<void(uint64_t client, std::span<const uint8_t> msg)>;
  // Delivers up to 'max' messages waiting from the dataplane; returns how many it read. An
  // error means the dataplane is gone.
  Result<size_t> receive(const Sink& sink, size_t max);

  // Heartbeat, liveness and the housekeeping barrier; call every loop iteration. An error
  // means the dataplane is gone.
  Result<void> tick();

  size_t in_flight() const noexcept { return xids_.size(); }
  uint64_t unmatched() const noexcept { return unmatched_; }
  uint64_t expired() const noexcept { return xids_.dropped(); }
  uint64_t generation() const noexcept { return client_ ? client_->server_generation() : 0; }
  size_t open_bundles(uint64_t client) const { return bundles_.open(client); }

 private:
  using Clock = std::chrono::steady_clock;

  Result<void> send_own(std::vector<uint8_t>& msg);
  void deliver(const Sink& sink, std::vector<uint8_t>& msg);

  std::string channel_;
  std::optional<of::ChannelClient> client_;
  XidMap xids_;
  // Messages inside open bundles: the dataplane names one in an ERROR only at commit time,
  // long after XidMap forgot it. Kept until the client's bundle is committed or discarded
  // (then an ERROR or reply to its BUNDLE_CONTROL passes), bounded by kMaxBundled.
  std::map<uint32_t, XidMap::Route> bundled_;
  BundleMap bundles_;
  std::set<uint32_t> own_discards_;  // xids of client_gone()'s DISCARDs still in flight
  std::vector<uint8_t> in_;
  Clock::time_point last_forward_{};
  std::optional<uint32_t> barrier_xid_;  // our housekeeping barrier, while it is in flight
  uint64_t unmatched_ = 0;
};

}  // namespace sluice::cp
