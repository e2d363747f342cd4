// ControlService, continued: the OpenFlow requests beyond flows, groups and ports —
// statistics (DESC, AGGREGATE, TABLE, GROUP), FLOW_REMOVED, switch configuration, and bundles
// (the OpenFlow 1.4 semantics carried in 1.3 as the ONF extension, as Open vSwitch does).
#include <algorithm>
#include <cstring>

#include <rte_mbuf.h>
#include <rte_version.h>

#include "dataplane/control_service.h"
#include "dataplane/flow_checks.h"
#include "dataplane/log.h"
#include "dataplane/stats.h"
#include "openflow/codec.h"

namespace sluice::dp {
namespace {

of::OfError onf_error(uint16_t code) {
  return of::OfError{of::ErrorType::kExperimenter, code, of::kOnfExperimenter};
}

// The endpoint's TCP and Unix clients share one channel slot (their bundle ids are made
// unique by sluicectl's relay, 16 open per client), so a slot may hold many bundles; their
// bytes are capped per slot so that no client can hold the control lcore's memory.
constexpr uint32_t kMaxBundlesPerSlot = 256;
constexpr size_t kMaxBundleMessages = 1u << 20;
constexpr size_t kMaxBundleBytesPerSlot = size_t{256} << 20;

size_t bundle_bytes(const auto& bundle) {
  size_t n = 0;
  for (const auto& m : bundle.messages) n += m.size();
  return n;
}

uint32_t age_parts(SteadyTime since, uint32_t& nsec) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                                 since).count();
  nsec = static_cast<uint32_t>(ns % 1000000000);
  return static_cast<uint32_t>(ns / 1000000000);
}

}  // namespace

// ---- Statistics ---------------------------------------------------------------------------

void ControlService::reply_desc(uint32_t xid) {
  of::Desc d;
  (void)d.mfr_desc.assign("Sluice");
  (void)d.hw_desc.assign(rte_version());
  (void)d.sw_desc.assign("sluiced");
  (void)d.serial_num.assign("None");
  (void)d.dp_desc.assign("channel " + env_.channel->name());
  of::encode_desc_reply(xid, d, out_);
}

void ControlService::reply_table_stats(uint32_t xid) {
  const auto active = env_.flows->active_counts();
  std::vector<of::TableStats> tables(FlowStore::kNumTables);
  for (uint8_t t = 0; t < FlowStore::kNumTables; ++t) {
    tables[t].table_id = t;
    tables[t].active_count = active[t];
    for (const WorkerCounters* w : env_.workers) {
      tables[t].lookup_count += w->table_lookups[t].get();
      tables[t].matched_count += w->table_matches[t].get();
    }
  }
  of::encode_table_stats_reply(xid, tables, out_);
}

void ControlService::reply_group_stats(uint32_t xid, uint32_t group) {
  std::vector<of::GroupStats> stats;
  for (const auto& [id, g] : env_.flows->groups()) {
    if (group != of::group_id::kAll && group != id) continue;
    of::GroupStats& s = stats.emplace_back();
    s.group_id = id;
    s.ref_count = env_.flows->group_ref_count(id);
    const std::vector<FlowTotals> totals = env_.flows->group_totals(g);
    if (!totals.empty()) s.packet_count = totals[0].packets, s.byte_count = totals[0].bytes;
    s.n_buckets = static_cast<uint16_t>(g.buckets.size());
    for (size_t b = 0; b < g.buckets.size() && b + 1 < totals.size(); ++b) {
      s.buckets[b] = of::BucketCounter{totals[b + 1].packets, totals[b + 1].bytes};
    }
    s.duration_sec = age_parts(g.installed, s.duration_nsec);
  }
  of::encode_group_stats_reply(xid, stats, out_);
}

void ControlService::send_flow_removed() {
  for (const RemovedFlow& r : env_.flows->take_removed()) {
    of::FlowRemoved m;
    m.cookie = r.flow.cookie;
    m.priority = r.flow.priority;
    m.reason = static_cast<of::FlowRemovedReason>(r.reason);
    m.table_id = r.flow.table_id;
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(r.removed - r.flow.installed).count();
    m.duration_sec = static_cast<uint32_t>(ns / 1000000000);
    m.duration_nsec = static_cast<uint32_t>(ns % 1000000000);
    m.idle_timeout = r.flow.idle_timeout;
    m.hard_timeout = r.flow.hard_timeout;
    m.packet_count = r.totals.packets;
    m.byte_count = r.totals.bytes;
    m.match = r.flow.match;
    out_.clear();
    of::encode_flow_removed(0, m, out_);
    broadcast(out_);
    env_.stats->flow_removed_sent.fetch_add(1, std::memory_order_relaxed);
  }
}

void ControlService::send_packet_ins() {
  if (env_.packet_in == nullptr) return;
  PacketInRecord recs[64];
  std::vector<uint8_t> frame;
  uint32_t n;
  while ((n = env_.packet_in->pop(recs, 64)) > 0) {
    for (uint32_t i = 0; i < n; ++i) {
      const PacketInRecord& r = recs[i];
      const uint32_t len = rte_pktmbuf_pkt_len(r.m);
      const uint32_t take = r.max_len == of::kControllerNoBuffer ? len : std::min<uint32_t>(len, r.max_len);
      frame.resize(take);
      const void* p = rte_pktmbuf_read(r.m, 0, take, frame.data());
      if (p != frame.data()) std::memcpy(frame.data(), p, take);
      rte_pktmbuf_free(r.m);
      of::PacketIn m;
      m.total_len = static_cast<uint16_t>(std::min<uint32_t>(len, 0xffff));
      m.reason = static_cast<of::PacketInReason>(r.reason);
      m.table_id = r.table_id;
      m.cookie = r.cookie;
      m.match.present = of::field_bit(of::Field::kInPort);
      m.match.in_port = r.in_port;
      if (r.metadata != 0) {
        m.match.present |= of::field_bit(of::Field::kMetadata);
        m.match.metadata = r.metadata;
      }
      out_.clear();
      of::encode_packet_in(0, m, frame, out_);
      broadcast(out_);
      env_.stats->packet_in_sent.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

// ---- PACKET_OUT ----------------------------------------------------------------------------

bool ControlService::packet_out(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg) {
  of::PacketOut po;
  auto frame = of::decode_packet_out(msg, po);
  if (!frame) return reply_error(slot, h.xid, frame.error(), msg), false;
  auto refuse = [&](of::ErrorType type, uint16_t code) {
    reply_error(slot, h.xid, of::OfError{type, code, 0}, msg);
    return false;
  };
  // Every action as in a flow, groups included, plus output:TABLE anywhere: the frame, as the
  // actions before it left it, meets the tables as if received on in_port.
  bool to_table = false;
  for (const of::Action& a : po.actions.view()) {
    if (a.type == of::ActionType::kOutput && a.port == of::port_no::kTable) {
      to_table = true;
      continue;
    }
    if (a.type == of::ActionType::kGroup) {
      if (!env_.flows->groups().contains(a.group_id)) {
        return refuse(of::ErrorType::kBadAction, of::bad_action::kBadOutGroup);
      }
      continue;
    }
    of::ActionList one;
    one.push(a);
    if (auto ok = check_actions(one, nullptr, env_.flows->groups()); !ok) {
      return reply_error(slot, h.xid, ok.error(), msg), false;
    }
  }
  uint16_t in_slot = kNoSlot;
  if (po.in_port >= 1 && po.in_port <= of::port_no::kMax) {
    auto s = env_.ports->find(po.in_port);
    if (!s) return refuse(of::ErrorType::kBadRequest, of::bad_request::kBadPort);
    in_slot = *s;
  } else if (to_table) {
    return refuse(of::ErrorType::kBadRequest, of::bad_request::kBadPort);  // TABLE needs a port
  }
  rte_mbuf* m = env_.pool != nullptr ? rte_pktmbuf_alloc(env_.pool) : nullptr;
  if (m == nullptr) return refuse(of::ErrorType::kBadRequest, of::bad_request::kBufferEmpty);
  char* data = rte_pktmbuf_append(m, static_cast<uint16_t>(frame->size()));
  if (data == nullptr) {
    rte_pktmbuf_free(m);
    return refuse(of::ErrorType::kBadRequest, of::bad_request::kBadPacket);  // bigger than an mbuf
  }
  std::memcpy(data, frame->data(), frame->size());
  PacketOutJob* job = env_.packet_out != nullptr ? env_.packet_out->take_free() : nullptr;
  if (job == nullptr) {
    rte_pktmbuf_free(m);
    reply_error(slot, h.xid, of::make_sluice_error(of::sluice_error::kPortCreateFailed,
                                                   "packet-out queue full: the worker is behind"));
    return false;
  }
  job->m = m;
  job->in_slot = in_slot;
  job->actions = po.actions;
  env_.packet_out->submit(job);  // cannot fail: the pool holds no more jobs than the ring
  return true;
}

// ---- Bundles --------------------------------------------------------------------------------

ControlService::SlotBundles& ControlService::bundles_of(uint32_t slot) {
  SlotBundles& b = bundles_[slot];
  const uint64_t session = env_.channel->session(slot);
  if (b.session != session) {
    // A new client in this slot: the old one's bundles died with it.
    b.open.clear();
    b.bytes = 0;
    b.session = session;
  }
  return b;
}

void ControlService::handle_onf(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg) {
  auto type = of::decode_onf_type(msg);
  if (!type) return reply_error(slot, h.xid, type.error(), msg);
  SlotBundles& slot_bundles = bundles_of(slot);
  auto& open = slot_bundles.open;
  if (*type == of::OnfMsgType::kBundleAddMessage) {
    of::BundleAdd add;
    auto inner = of::decode_bundle_add(msg, add);
    if (!inner) return reply_error(slot, h.xid, inner.error(), msg);
    auto it = open.find(add.bundle_id);
    if (it == open.end()) {
      // ADD to an unknown bundle opens it (OpenFlow 1.4, 7.3.9.3).
      if (open.size() >= kMaxBundlesPerSlot) {
        env_.stats->bundle_opens_refused.fetch_add(1, std::memory_order_relaxed);
        return reply_error(slot, h.xid, onf_error(of::bundle_failed::kOutOfBundles), msg);
      }
      it = open.emplace(add.bundle_id, Bundle{add.flags, false, {}}).first;
    }
    Bundle& b = it->second;
    if (b.closed) return reply_error(slot, h.xid, onf_error(of::bundle_failed::kBundleClosed), msg);
    if (b.flags != add.flags) return reply_error(slot, h.xid, onf_error(of::bundle_failed::kBadFlags), msg);
    if (b.messages.size() >= kMaxBundleMessages ||
        slot_bundles.bytes + inner->size() > kMaxBundleBytesPerSlot) {
      env_.stats->bundle_adds_refused.fetch_add(1, std::memory_order_relaxed);
      return reply_error(slot, h.xid, onf_error(of::bundle_failed::kMsgTooMany), msg);
    }
    // Check the message now, so that errors name it while the controller still knows it.
    auto ih = of::decode_header(*inner);
    if (!ih) return reply_error(slot, h.xid, ih.error(), *inner);
    if (ih->type == of::MsgType::kFlowMod) {
      of::FlowMod fm;
      if (auto ok = of::decode_flow_mod(*inner, fm); !ok) return reply_error(slot, ih->xid, ok.error(), *inner);
    } else if (ih->type == of::MsgType::kGroupMod) {
      auto gm = std::make_unique<of::GroupMod>();
      if (auto ok = of::decode_group_mod(*inner, *gm); !ok) return reply_error(slot, ih->xid, ok.error(), *inner);
    } else {
      return reply_error(slot, h.xid, onf_error(of::bundle_failed::kMsgUnsup), msg);
    }
    b.messages.emplace_back(inner->begin(), inner->end());
    slot_bundles.bytes += inner->size();
    return;
  }

  auto ctrl = of::decode_bundle_ctrl(msg);
  if (!ctrl) return reply_error(slot, h.xid, ctrl.error(), msg);
  of::BundleCtrl reply = *ctrl;
  auto it = open.find(ctrl->bundle_id);
  switch (ctrl->type) {
    case of::BundleCtrlType::kOpenRequest:
      if (it != open.end()) return reply_error(slot, h.xid, onf_error(of::bundle_failed::kBundleExist), msg);
      if (open.size() >= kMaxBundlesPerSlot) {
        env_.stats->bundle_opens_refused.fetch_add(1, std::memory_order_relaxed);
        return reply_error(slot, h.xid, onf_error(of::bundle_failed::kOutOfBundles), msg);
      }
      open.emplace(ctrl->bundle_id, Bundle{ctrl->flags, false, {}});
      reply.type = of::BundleCtrlType::kOpenReply;
      break;
    case of::BundleCtrlType::kCloseRequest:
      if (it == open.end()) return reply_error(slot, h.xid, onf_error(of::bundle_failed::kBadId), msg);
      if (it->second.closed) return reply_error(slot, h.xid, onf_error(of::bundle_failed::kBundleClosed), msg);
      it->second.closed = true;
      reply.type = of::BundleCtrlType::kCloseReply;
      break;
    case of::BundleCtrlType::kDiscardRequest:
      if (it == open.end()) return reply_error(slot, h.xid, onf_error(of::bundle_failed::kBadId), msg);
      slot_bundles.bytes -= bundle_bytes(it->second);
      open.erase(it);
      reply.type = of::BundleCtrlType::kDiscardReply;
      break;
    case of::BundleCtrlType::kCommitRequest: {
      if (it == open.end()) return reply_error(slot, h.xid, onf_error(of::bundle_failed::kBadId), msg);
      if (it->second.flags != ctrl->flags) {
        return reply_error(slot, h.xid, onf_error(of::bundle_failed::kBadFlags), msg);
      }
      Bundle bundle = std::move(it->second);
      slot_bundles.bytes -= bundle_bytes(bundle);
      open.erase(it);
      if (!commit(slot, bundle)) {
        env_.stats->bundles_failed.fetch_add(1, std::memory_order_relaxed);
        return reply_error(slot, h.xid, onf_error(of::bundle_failed::kMsgFailed), msg);
      }
      env_.stats->bundles_committed.fetch_add(1, std::memory_order_relaxed);
      reply.type = of::BundleCtrlType::kCommitReply;
      break;
    }
    default:
      return reply_error(slot, h.xid, onf_error(of::bundle_failed::kBadType), msg);
  }
  out_.clear();
  of::encode_bundle_ctrl(h.xid, reply, out_);
  send(slot, out_);
}

bool ControlService::commit(uint32_t slot, const Bundle& bundle) {
  // All or nothing: apply to the store in order; on the first refusal put the store back as it
  // was. The workers see the result in one publish, so no packet meets half a bundle.
  republish_if_dirty();  // what came before the bundle is not part of it
  const FlowStore before = *env_.flows;
  size_t applied = 0;
  for (const std::vector<uint8_t>& m : bundle.messages) {
    if (++applied % 1024 == 0) env_.channel->beat();  // a big bundle takes a while
    auto h = of::decode_header(m);
    of::Decoded<void> ok;
    if (h->type == of::MsgType::kFlowMod) {
      of::FlowMod fm;
      ok = of::decode_flow_mod(m, fm);
      if (ok) ok = env_.flows->apply(fm);
    } else {
      auto gm = std::make_unique<of::GroupMod>();
      ok = of::decode_group_mod(m, *gm);
      if (ok) ok = env_.flows->apply(*gm);
    }
    if (!ok) {
      *env_.flows = before;
      reply_error(slot, h->xid, ok.error(), m);
      return false;
    }
  }
  dirty_ = true;
  republish_if_dirty();
  return true;
}

}  // namespace sluice::dp
