#include "controlplane/of_relay.h"

#include "controlplane/log.h"
#include "controlplane/of_roles.h"
#include "openflow/codec.h"
#include "openflow/format.h"

namespace sluice::cp {

namespace {

uint32_t get_xid(std::span<const uint8_t> b, size_t at = 0) {
  return uint32_t{b[at + 4]} << 24 | uint32_t{b[at + 5]} << 16 | uint32_t{b[at + 6]} << 8 |
         b[at + 7];
}

void put_xid(std::span<uint8_t> b, uint32_t xid, size_t at = 0) {
  b[at + 4] = static_cast<uint8_t>(xid >> 24);
  b[at + 5] = static_cast<uint8_t>(xid >> 16);
  b[at + 6] = static_cast<uint8_t>(xid >> 8);
  b[at + 7] = static_cast<uint8_t>(xid);
}

// The last message for its request: anything but a multipart part flagged "more".
bool is_final(std::span<const uint8_t> msg) {
  if (msg[1] != static_cast<uint8_t>(of::MsgType::kMultipartReply) || msg.size() < 16) return true;
  return (msg[11] & of::kMultipartMore) == 0;
}

// An ERROR carries the start of the request it answers (OpenFlow 1.3.5 §7.4.4): the
// standard error's data starts at byte 12, an experimenter error's at 16. If that copy has the
// relay xid, put the client's back.
void restore_error_data_xid(std::span<uint8_t> msg, uint32_t relay_xid, uint32_t client_xid) {
  if (msg.size() < 12) return;
  const bool experimenter = msg[8] == 0xff && msg[9] == 0xff;
  const size_t data = experimenter ? 16 : 12;
  if (msg.size() >= data + of::kHeaderSize && get_xid(msg, data) == relay_xid) {
    put_xid(msg, client_xid, data);
  }
}

}  // namespace

Result<void> OfRelay::connect(std::chrono::milliseconds wait) {
  auto c = of::ChannelClient::connect(channel_, wait);
  if (!c) return std::unexpected(c.error());
  client_.emplace(std::move(*c));
  xids_.clear();
  bundles_.clear();
  own_discards_.clear();
  barrier_xid_.reset();
  std::vector<uint8_t> hello;
  of::encode_hello(0, hello);
  if (auto r = send_own(hello); !r) {
    disconnect();
    return r;
  }
  return {};
}

void OfRelay::disconnect() {
  client_.reset();
  xids_.clear();
  bundles_.clear();
  own_discards_.clear();
  barrier_xid_.reset();
}

Result<void> OfRelay::send_own(std::vector<uint8_t>& msg) {
  put_xid(msg, xids_.assign(XidMap::kEndpoint, 0));
  return client_->send(msg);
}

namespace {
// A bundled message carries its own xid, which the bundle extension wants equal to the
// BUNDLE_ADD's (ONF EXT-230): it must follow the outer one's rewriting.
constexpr size_t kMaxBundled = 1u << 20;

bool is_bundle_add(std::span<const uint8_t> msg) {
  constexpr size_t kInner = 24;  // header, experimenter, exp_type, bundle_id, pad, flags
  return msg.size() >= kInner + of::kHeaderSize &&
         msg[1] == static_cast<uint8_t>(of::MsgType::kExperimenter) &&
         get_xid(msg, 4) == of::kOnfExperimenter &&  // the experimenter id (bytes 8..11)
         get_xid(msg, 8) == static_cast<uint32_t>(of::OnfMsgType::kBundleAddMessage);
}
}  // namespace

Result<OfRelay::Forwarded> OfRelay::forward(uint64_t client, std::span<uint8_t> msg) {
  if (!client_) return fail("not connected to the dataplane");
  if (bundles_.outbound(client, msg) == BundleMap::Verdict::kOutOfBundles) {
    return Forwarded::kOutOfBundles;
  }
  const uint32_t client_xid = get_xid(msg);
  const uint32_t relay_xid = xids_.assign(client, client_xid);
  put_xid(msg, relay_xid);
  if (is_bundle_add(msg) && get_xid(msg, 24) == client_xid) {
    put_xid(msg, relay_xid, 24);
    bundled_[relay_xid] = XidMap::Route{client, client_xid};
    if (bundled_.size() > kMaxBundled) bundled_.erase(bundled_.begin());
  }
  last_forward_ = Clock::now();
  if (auto r = client_->send(msg); !r) return std::unexpected(r.error());
  return Forwarded::kSent;
}

Result<size_t> OfRelay::client_gone(uint64_t client) {
  std::erase_if(bundled_, [&](const auto& e) { return e.second.client == client; });
  const std::vector<uint32_t> open = bundles_.forget(client);
  if (!client_) return open.size();
  for (uint32_t id : open) {
    std::vector<uint8_t> discard;
    of::encode_bundle_ctrl(0, of::BundleCtrl{id, of::BundleCtrlType::kDiscardRequest, 0}, discard);
    if (auto r = send_own(discard); !r) return std::unexpected(r.error());
    own_discards_.insert(get_xid(discard));
    log_debug("openflow: discarding bundle " + std::to_string(id) + " of client " +
              std::to_string(client) + ", which left with it open");
  }
  return open.size();
}

Result<size_t> OfRelay::receive(const Sink& sink, size_t max) {
  if (!client_) return fail("not connected to the dataplane");
  size_t n = 0;
  while (n < max) {
    auto got = client_->receive(in_, std::chrono::milliseconds(0));
    if (!got) return std::unexpected(got.error());
    if (!*got) break;
    ++n;
    if (in_.size() >= of::kHeaderSize) deliver(sink, in_);
  }
  return n;
}

void OfRelay::deliver(const Sink& sink, std::vector<uint8_t>& msg) {
  const auto type = static_cast<of::MsgType>(msg[1]);
  if (is_async(type)) return sink(kEveryone, msg);
  const uint32_t relay_xid = get_xid(msg);
  auto route = xids_.route(relay_xid, is_final(msg));
  if (!route && type == of::MsgType::kError) {
    if (auto it = bundled_.find(relay_xid); it != bundled_.end()) route = it->second;
  }
  if (route && type == of::MsgType::kExperimenter) {
    // A bundle control reply: the client's bundled messages can no longer be named.
    std::erase_if(bundled_, [&](const auto& e) { return e.second.client == route->client; });
  }
  if (!route) {
    ++unmatched_;
    log_debug("openflow: dropping a reply nobody waits for: " + of::format_message(msg));
    return;
  }
  if (route->client == XidMap::kEndpoint) {
    if (barrier_xid_ == relay_xid) barrier_xid_.reset();
    if (own_discards_.erase(relay_xid) > 0) return;  // the bundle may have been gone already
    if (type == of::MsgType::kError) {
      log_warn("openflow: the dataplane refused the endpoint's own request: " +
               of::format_message(msg));
    }
    return;
  }
  bundles_.inbound(route->client, msg);
  put_xid(msg, route->client_xid);
  if (type == of::MsgType::kError) restore_error_data_xid(msg, relay_xid, route->client_xid);
  sink(route->client, msg);
}

Result<void> OfRelay::tick() {
  if (!client_) return fail("not connected to the dataplane");
  client_->heartbeat();
  if (!client_->server_alive()) return fail("the dataplane stopped answering");
  // Requests that are silent on success (FLOW_MOD ...) leave entries behind; a barrier's reply
  // clears them (see XidMap).
  if (!barrier_xid_ && xids_.size() > 0 && Clock::now() - last_forward_ >= kBarrierAfter) {
    std::vector<uint8_t> barrier;
    of::encode_barrier_request(0, barrier);
    if (auto r = send_own(barrier); !r) return r;
    barrier_xid_ = get_xid(barrier);
  }
  return {};
}

}  // namespace sluice::cp
