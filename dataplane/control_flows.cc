#include "dataplane/control_flows.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

namespace sluice::dp {
namespace {

// Decodes, and applies to 'store' unless it is null.
of::Decoded<void> decode_mod(of::MsgType type, std::span<const uint8_t> msg, FlowStore* store) {
  if (type == of::MsgType::kFlowMod) {
    of::FlowMod fm;
    auto ok = of::decode_flow_mod(msg, fm);
    return ok && store != nullptr ? store->apply(fm) : ok;
  }
  auto gm = std::make_unique<of::GroupMod>();  // large (fixed bucket capacity): not on the stack
  auto ok = of::decode_group_mod(msg, *gm);
  return ok && store != nullptr ? store->apply(*gm) : ok;
}

// Sets OFPMPF_REPLY_MORE on the last multipart message that starts at or after 'from', so a
// reply encoded in several chunks reads as one.
void mark_last_more(of::Bytes& out, size_t from) {
  size_t last = out.size();
  for (size_t at = from; at + of::kHeaderSize <= out.size();) {
    last = at;
    at += size_t{out[at + 2]} << 8 | out[at + 3];
  }
  if (last + 12 <= out.size()) out[last + 11] |= of::kMultipartMore;
}

uint32_t age_parts(SteadyTime since, SteadyTime now, uint32_t& nsec) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - since).count();
  nsec = static_cast<uint32_t>(ns % 1000000000);
  return static_cast<uint32_t>(ns / 1000000000);
}

of::GroupDesc& describe(uint32_t id, const GroupEntry& g, of::GroupDesc& desc) {
  desc = of::GroupDesc{};
  desc.type = g.type;
  desc.group_id = id;
  desc.n_buckets = static_cast<uint16_t>(g.buckets.size());
  std::copy(g.buckets.begin(), g.buckets.end(), desc.buckets.begin());
  return desc;
}

of::FlowRemoved flow_removed(const RemovedFlow& r) {
  of::FlowRemoved m;
  m.cookie = r.flow.cookie;
  m.priority = r.flow.priority;
  m.reason = static_cast<of::FlowRemovedReason>(r.reason);
  m.table_id = r.flow.table_id;
  m.duration_sec = age_parts(r.flow.installed, r.removed, m.duration_nsec);
  m.idle_timeout = r.flow.idle_timeout;
  m.hard_timeout = r.flow.hard_timeout;
  m.packet_count = r.totals.packets;
  m.byte_count = r.totals.bytes;
  m.match = r.flow.match;
  return m;
}

}  // namespace

of::Decoded<void> apply_mod(FlowStore& store, of::MsgType type, std::span<const uint8_t> msg) {
  return decode_mod(type, msg, &store);
}

of::Decoded<void> check_mod(of::MsgType type, std::span<const uint8_t> msg) {
  return decode_mod(type, msg, nullptr);
}

bool ControlFlows::modify(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg) {
  auto ok = apply_mod(flows_, h.type, msg);
  if (!ok) return link_.reply_error(slot, h.xid, ok.error(), msg), false;
  link_.note_change();
  return true;
}

void ControlFlows::flow_stats(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg) {
  auto req = of::decode_flow_stats_request(msg);
  if (!req) return link_.reply_error(slot, h.xid, req.error(), msg);
  // In chunks: a full FlowStats is ~1.2 KB, and 100k of them at once would stall this lcore
  // (and the channel's heartbeats) for more than a second.
  const std::vector<const FlowEntry*> chosen = flows_.select(*req);
  const auto now = std::chrono::steady_clock::now();
  constexpr size_t kChunk = 256;
  std::vector<of::FlowStats> chunk;
  chunk.reserve(kChunk);
  out_.clear();
  for (size_t i = 0; i < chosen.size() || i == 0; i += kChunk) {
    chunk.clear();
    for (size_t k = i; k < std::min(chosen.size(), i + kChunk); ++k) {
      chunk.push_back(flows_.flow_stats(*chosen[k], now));
    }
    of::encode_flow_stats_reply(h.xid, chunk, out_);
    if (i + kChunk < chosen.size()) mark_last_more(out_, 0);
    link_.send_part(slot, out_);
  }
}

void ControlFlows::group_desc(uint32_t slot, const of::Header& h) {
  // GroupDesc is large (fixed bucket capacity): encode one group at a time.
  const auto& groups = flows_.groups();
  out_.clear();
  if (groups.empty()) of::encode_group_desc_reply(h.xid, {}, out_);
  auto desc = std::make_unique<of::GroupDesc>();
  size_t i = 0;
  for (const auto& [id, g] : groups) {
    const size_t from = out_.size();
    of::encode_group_desc_reply(h.xid, std::span<const of::GroupDesc>(&describe(id, g, *desc), 1),
                                out_);
    if (++i < groups.size()) mark_last_more(out_, from);
    if (i % 256 == 0) link_.send_part(slot, out_);  // like the flow chunks
  }
  link_.send(slot, out_);
}

void ControlFlows::aggregate(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg) {
  auto req = of::decode_aggregate_request(msg);
  if (!req) return link_.reply_error(slot, h.xid, req.error(), msg);
  const AggregateStats a = flows_.aggregate(*req);
  out_.clear();
  of::encode_aggregate_reply(h.xid, of::AggregateStats{a.packets, a.bytes, a.flows, {}}, out_);
  link_.send(slot, out_);
}

void ControlFlows::table_stats(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg) {
  if (auto ok = of::decode_table_stats_request(msg); !ok) {
    return link_.reply_error(slot, h.xid, ok.error(), msg);
  }
  const auto active = flows_.active_counts();
  std::vector<of::TableStats> tables(FlowStore::kNumTables);
  for (uint8_t t = 0; t < FlowStore::kNumTables; ++t) {
    tables[t].table_id = t;
    tables[t].active_count = active[t];
    for (const WorkerCounters* w : workers_) {
      tables[t].lookup_count += w->table_lookups[t].get();
      tables[t].matched_count += w->table_matches[t].get();
    }
  }
  out_.clear();
  of::encode_table_stats_reply(h.xid, tables, out_);
  link_.send(slot, out_);
}

void ControlFlows::group_stats(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg) {
  auto group = of::decode_group_stats_request(msg);
  if (!group) return link_.reply_error(slot, h.xid, group.error(), msg);
  std::vector<of::GroupStats> stats;
  for (const auto& [id, g] : flows_.groups()) {
    if (*group != of::group_id::kAll && *group != id) continue;
    of::GroupStats& s = stats.emplace_back();
    s.group_id = id;
    s.ref_count = flows_.group_ref_count(id);
    const std::vector<FlowTotals> totals = flows_.group_totals(g);
    if (!totals.empty()) s.packet_count = totals[0].packets, s.byte_count = totals[0].bytes;
    s.n_buckets = static_cast<uint16_t>(g.buckets.size());
    for (size_t b = 0; b < g.buckets.size() && b + 1 < totals.size(); ++b) {
      s.buckets[b] = of::BucketCounter{totals[b + 1].packets, totals[b + 1].bytes};
    }
    s.duration_sec = age_parts(g.installed, std::chrono::steady_clock::now(), s.duration_nsec);
  }
  out_.clear();
  of::encode_group_stats_reply(h.xid, stats, out_);
  link_.send(slot, out_);
}

void ControlFlows::expire(SteadyTime now) {
  flows_.expire(now);
  send_flow_removed();
}

void ControlFlows::send_flow_removed() {
  for (const RemovedFlow& r : flows_.take_removed()) {
    out_.clear();
    of::encode_flow_removed(0, flow_removed(r), out_);
    link_.broadcast(out_);
    stats_.flow_removed_sent.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace sluice::dp
