#include "controlplane/of_xid_map.h"

namespace sluice::cp {

uint32_t XidMap::assign(uint64_t client, uint32_t client_xid) {
  if (capacity_ > 0 && entries_.size() >= capacity_) {
    pop_front();
    ++dropped_;
  }
  entries_.push_back(Route{client, client_xid});
  return front_xid_ + static_cast<uint32_t>(entries_.size() - 1);
}

std::optional<XidMap::Route> XidMap::route(uint32_t relay_xid, bool final) {
  const uint32_t index = relay_xid - front_xid_;  // wraps like the xids do
  if (index >= entries_.size()) return std::nullopt;
  for (uint32_t i = 0; i < index; ++i) pop_front();  // answered in order: nothing more for them
  const Route route = entries_.front();
  if (final) pop_front();
  return route;
}

}  // namespace sluice::cp
