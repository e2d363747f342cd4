#include "controlplane/of_bundle_map.h"

#include "openflow/messages.h"
#include "openflow/ofp.h"

namespace sluice::cp {

namespace {

// Where the bundle messages keep what we read (EXT-230, see openflow/codec_bundle.cc): the
// experimenter id at 8, exp_type at 12, bundle_id at 16; a BUNDLE_CONTROL's type at 20.
constexpr size_t kExperimenterAt = 8, kExpTypeAt = 12, kBundleIdAt = 16, kCtrlTypeAt = 20;
constexpr size_t kMinBundleMsg = 20, kMinCtrlMsg = 22;

uint32_t get32(std::span<const uint8_t> b, size_t at) {
  return uint32_t{b[at]} << 24 | uint32_t{b[at + 1]} << 16 | uint32_t{b[at + 2]} << 8 | b[at + 3];
}
uint16_t get16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}
void put32(std::span<uint8_t> b, size_t at, uint32_t v) {
  b[at] = static_cast<uint8_t>(v >> 24);
  b[at + 1] = static_cast<uint8_t>(v >> 16);
  b[at + 2] = static_cast<uint8_t>(v >> 8);
  b[at + 3] = static_cast<uint8_t>(v);
}

// The ONF bundle message type of 'b' (a message, or a copy of one's start), if it is one that
// is long enough to carry a bundle id.
std::optional<of::OnfMsgType> bundle_type(std::span<const uint8_t> b) {
  if (b.size() < kMinBundleMsg || b[1] != static_cast<uint8_t>(of::MsgType::kExperimenter) ||
      get32(b, kExperimenterAt) != of::kOnfExperimenter) {
    return std::nullopt;
  }
  const uint32_t t = get32(b, kExpTypeAt);
  if (t != static_cast<uint32_t>(of::OnfMsgType::kBundleControl) &&
      t != static_cast<uint32_t>(of::OnfMsgType::kBundleAddMessage)) {
    return std::nullopt;
  }
  return static_cast<of::OnfMsgType>(t);
}

std::optional<of::BundleCtrlType> ctrl_type(std::span<const uint8_t> b) {
  if (bundle_type(b) != of::OnfMsgType::kBundleControl || b.size() < kMinCtrlMsg) {
    return std::nullopt;
  }
  return static_cast<of::BundleCtrlType>(get16(b, kCtrlTypeAt));
}

// Does an ERROR with ONF code 'code' (nothing: another kind of error) answering the
// BUNDLE_CONTROL 'request' mean that the dataplane holds no such bundle?
bool bundle_gone(of::BundleCtrlType request, std::optional<uint16_t> code) {
  using of::BundleCtrlType;
  namespace bf = of::bundle_failed;
  switch (request) {
    case BundleCtrlType::kOpenRequest:
      return code != bf::kBundleExist;  // the open failed; BUNDLE_EXIST: it is open already
    case BundleCtrlType::kCommitRequest:
      return code == bf::kBadId || code == bf::kMsgFailed;  // a failed commit drops it
    case BundleCtrlType::kCloseRequest:
    case BundleCtrlType::kDiscardRequest:
      return code == bf::kBadId;
    default:
      return false;
  }
}

}  // namespace

uint32_t BundleMap::allocate(const Key& key) {
  while (from_relay_.contains(next_)) ++next_;
  const uint32_t id = next_++;
  to_relay_[key] = id;
  from_relay_[id] = key;
  ++per_client_[key.first];
  return id;
}

void BundleMap::erase(uint32_t relay_id) {
  auto it = from_relay_.find(relay_id);
  if (it == from_relay_.end()) return;
  const Key key = it->second;
  to_relay_.erase(key);
  from_relay_.erase(it);
  if (--per_client_[key.first] == 0) per_client_.erase(key.first);
}

BundleMap::Verdict BundleMap::outbound(uint64_t client, std::span<uint8_t> msg) {
  const auto type = bundle_type(msg);
  if (!type) return Verdict::kNotBundle;
  const Key key{client, get32(msg, kBundleIdAt)};
  auto it = to_relay_.find(key);
  uint32_t relay_id = 0;
  if (it != to_relay_.end()) {
    relay_id = it->second;
  } else {
    // OPEN and ADD open a bundle; CLOSE, COMMIT, DISCARD of one the client does not have get
    // BAD_ID from the dataplane, which forgets the id again (inbound()).
    const auto ctrl = ctrl_type(msg);
    const bool opens =
        *type == of::OnfMsgType::kBundleAddMessage || ctrl == of::BundleCtrlType::kOpenRequest;
    if (opens && open(client) >= kMaxPerClient) return Verdict::kOutOfBundles;
    relay_id = allocate(key);
  }
  put32(msg, kBundleIdAt, relay_id);
  return Verdict::kForward;
}

void BundleMap::inbound(uint64_t client, std::span<uint8_t> msg) {
  if (msg.size() < of::kHeaderSize) return;
  if (auto ctrl = ctrl_type(msg)) {  // a BUNDLE_CONTROL reply
    const uint32_t relay_id = get32(msg, kBundleIdAt);
    auto it = from_relay_.find(relay_id);
    if (it == from_relay_.end() || it->second.first != client) return;
    put32(msg, kBundleIdAt, it->second.second);
    if (*ctrl == of::BundleCtrlType::kCommitReply || *ctrl == of::BundleCtrlType::kDiscardReply) {
      erase(relay_id);
    }
    return;
  }
  if (msg[1] != static_cast<uint8_t>(of::MsgType::kError) || msg.size() < 12) return;
  // ofp_error_msg: type, code, data (the request's start); an experimenter error has its
  // experimenter id before the data.
  const bool experimenter = get16(msg, 8) == static_cast<uint16_t>(of::ErrorType::kExperimenter);
  const size_t data = experimenter ? 16 : 12;
  if (msg.size() < data) return;
  const std::span<uint8_t> request = msg.subspan(data);
  if (!bundle_type(request)) return;
  const uint32_t relay_id = get32(request, kBundleIdAt);
  auto it = from_relay_.find(relay_id);
  if (it == from_relay_.end() || it->second.first != client) return;
  put32(request, kBundleIdAt, it->second.second);
  std::optional<uint16_t> onf_code;
  if (experimenter && get32(msg, 12) == of::kOnfExperimenter) onf_code = get16(msg, 10);
  if (auto ctrl = ctrl_type(request); ctrl && bundle_gone(*ctrl, onf_code)) erase(relay_id);
}

std::vector<uint32_t> BundleMap::forget(uint64_t client) {
  std::vector<uint32_t> ids;
  for (auto it = to_relay_.lower_bound(Key{client, 0});
       it != to_relay_.end() && it->first.first == client; ++it) {
    ids.push_back(it->second);
  }
  for (uint32_t id : ids) erase(id);
  return ids;
}

void BundleMap::clear() {
  to_relay_.clear();
  from_relay_.clear();
  per_client_.clear();
}

size_t BundleMap::open(uint64_t client) const {
  auto it = per_client_.find(client);
  return it == per_client_.end() ? 0 : it->second;
}

}  // namespace sluice::cp
