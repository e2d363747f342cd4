// BundleMap: the OpenFlow endpoint's bundles, per client. Every client of the endpoint shares
// the relay's one channel slot, and the dataplane keys bundles by slot, so the relay gives each
// (client, client's bundle_id) a bundle id of its own and rewrites it both ways:
//   - on the way to the dataplane, in BUNDLE_CONTROL and BUNDLE_ADD_MESSAGE (outbound());
//   - on the way back, in BUNDLE_CONTROL replies and in the copy of the request an ERROR carries
//     (inbound()).
// Two clients using the same bundle_id (every `ovs-ofctl --bundle` uses 0) then never meet, and
// a client that goes away leaves no bundle open: forget() hands back the relay ids of its
// bundles, which the relay discards.
//
// A bundle is known from the OPEN_REQUEST or BUNDLE_ADD_MESSAGE (which opens one implicitly)
// that first names it, until the dataplane says it is gone: a COMMIT_REPLY or DISCARD_REPLY,
// or an ERROR that means the dataplane has no such bundle (OPEN refused other than with
// BUNDLE_EXIST, BAD_ID, a failed COMMIT). A client may have kMaxPerClient bundles at once;
// opening one more is refused (outbound() says kOutOfBundles; the endpoint answers
// OUT_OF_BUNDLES itself).
//
// Plain state, no I/O: the endpoint thread owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace sluice::cp {

class BundleMap {
 public:
  static constexpr size_t kMaxPerClient = 16;

  enum class Verdict {
    kNotBundle,     // not a bundle message: goes as it is
    kForward,       // a bundle message, now with the relay's bundle id
    kOutOfBundles,  // it would open a bundle past kMaxPerClient: refuse it
  };
  // A whole message from 'client' on its way to the dataplane (rewritten in place).
  Verdict outbound(uint64_t client, std::span<uint8_t> msg);
  // A whole message from the dataplane for 'client' (rewritten in place).
  void inbound(uint64_t client, std::span<uint8_t> msg);
  // Forgets 'client's bundles; returns the relay ids of those the dataplane may still hold.
  std::vector<uint32_t> forget(uint64_t client);
  void clear();

  size_t open(uint64_t client) const;  // bundles 'client' has now
  size_t size() const noexcept { return from_relay_.size(); }

 private:
  using Key = std::pair<uint64_t, uint32_t>;  // client, the client's bundle id
  uint32_t allocate(const Key& key);
  void erase(uint32_t relay_id);

  std::map<Key, uint32_t> to_relay_;
  std::map<uint32_t, Key> from_relay_;
  std::map<uint64_t, size_t> per_client_;
  uint32_t next_ = 1;
};

}  // namespace sluice::cp
