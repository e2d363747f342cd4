// mbuf_key(): extract_key() over a DPDK mbuf, which may be a chain of segments (a vhost-user
// guest or a jumbo frame makes them). Headers that run past the first segment are read from a
// bounded copy (kMaxHeaderBytes); the layout then offers for rewriting only what lies in the
// first segment, so an action never writes into a copy or past a segment's end.
//
// Trusts DPDK's mbuf invariant that pkt_len is the sum of the segments' data_len (the PMDs
// build chains that way); a chain shorter than it claims is 'malformed', never read past.
#pragma once

#include <cstdint>

#include "dataplane/flow_key.h"

struct rte_mbuf;

namespace sluice::dp {

inline constexpr uint32_t kMaxHeaderBytes = 512;

void mbuf_key(const rte_mbuf* m, uint32_t in_port, FlowKey& key, PacketLayout& layout) noexcept;

}  // namespace sluice::dp
