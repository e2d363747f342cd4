// XidMap: which TCP client sent each request the OpenFlow endpoint relays to the dataplane.
//
// Every relayed request gets a fresh relay xid (consecutive, wrapping at 2^32) so that two
// clients using the same xid cannot be confused; the map remembers (client, client's xid) for
// it. A reply (including every part of a multipart reply, and an ERROR, which carries the
// request's xid) is routed back by its relay xid.
//
// Expiry: the dataplane handles one channel slot's requests in order and answers in order, so
// when a reply for request k arrives, no reply can still come for any request sent before k.
// Those entries (FLOW_MODs and other requests that are silent on success) are forgotten then;
// request k itself is forgotten with its final reply (not a multipart part flagged MORE). The
// endpoint sends a BARRIER of its own when requests sit unanswered, so the map drains even when
// clients never ask for a reply; 'capacity' bounds it regardless (oldest dropped first).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace sluice::cp {

class XidMap {
 public:
  // The endpoint's own requests (its HELLO, its housekeeping barriers) use this client id.
  static constexpr uint64_t kEndpoint = 0;

  struct Route {
    uint64_t client = 0;
    uint32_t client_xid = 0;
  };

  // 'first_xid' is the first relay xid (tests start near the wrap).
  explicit XidMap(size_t capacity = 65536, uint32_t first_xid = 1)
      : capacity_(capacity), front_xid_(first_xid) {}

  // Records a request and returns the xid to send to the dataplane in its place.
  uint32_t assign(uint64_t client, uint32_t client_xid);
  // A reply with 'relay_xid' arrived; 'final' if it is the last one for its request. Returns
  // where it goes, or nothing for an xid that is not (or no longer) in flight.
  std::optional<Route> route(uint32_t relay_xid, bool final);
  void clear() { entries_.clear(); }

  size_t size() const noexcept { return entries_.size(); }
  uint64_t dropped() const noexcept { return dropped_; }  // lost to the capacity bound

 private:
  void pop_front() {
    entries_.pop_front();
    ++front_xid_;
  }

  size_t capacity_;
  std::deque<Route> entries_;  // entry i was sent with relay xid front_xid_ + i
  uint32_t front_xid_;
  uint64_t dropped_ = 0;
};

}  // namespace sluice::cp
