#include "dataplane/control_service.h"

#include <rte_cycles.h>

#include "dataplane/clock.h"
#include "dataplane/learning.h"
#include "dataplane/log.h"
#include "openflow/codec.h"
#include "openflow/format.h"

namespace sluice::dp {
namespace {

constexpr uint64_t kTickMs = 100;
constexpr uint64_t kLinkPollMs = 200;
constexpr uint64_t kAgingMs = 1000;
constexpr uint64_t kExpiryMs = 250;  // flow timeouts are in seconds; check four times as often
constexpr uint32_t kMaxMessagesPerSlot = 4096;  // per poll, so one client cannot starve others
constexpr uint64_t kMaxUnpublishedMs = 50;
constexpr uint64_t kBarrierSpinUs = 20;  // how long a barrier waits for the grace period in place

uint64_t ms_to_tsc(uint64_t ms) { return rte_get_tsc_hz() / 1000 * ms; }

uint32_t xid_of(std::span<const uint8_t> msg) {
  if (msg.size() < 8) return 0;
  return uint32_t{msg[4]} << 24 | uint32_t{msg[5]} << 16 | uint32_t{msg[6]} << 8 | msg[7];
}

of::OfError bad_request(uint16_t code) { return of::OfError{of::ErrorType::kBadRequest, code, 0}; }

}  // namespace

ControlService::ControlService(const Runtime& rt)
    : rt_(rt),
      switch_(*this, *rt_.channel, *rt_.flows, rt_.datapath_id),
      ports_(*this, *rt_.ports, *rt_.macs, *rt_.state_mutex, rt_.workers),
      flows_(*this, *rt_.flows, *rt_.stats, rt_.workers),
      bundles_(*this, *rt_.channel, *rt_.flows, *rt_.stats),
      packets_(*this, *rt_.flows, *rt_.ports, rt_.packet_in, rt_.packet_out, rt_.pool,
               *rt_.stats),
      compiler_(rt_.specialisers) {}

// ---- The channel loop ---------------------------------------------------------------------

bool ControlService::poll() {
  bool busy = release_held();
  const bool more = read_requests(busy);
  // While a controller streams modifications, compiling after every round would rebuild the
  // tables many times over; publish when the stream pauses, at a barrier, or at the latest
  // kMaxUnpublishedMs after the first unpublished change.
  const uint64_t now = rte_get_tsc_cycles();
  if (!more || now - first_unpublished_ >= ms_to_tsc(kMaxUnpublishedMs)) republish_if_dirty();
  flows_.send_flow_removed();
  packets_.send_packet_ins();
  busy |= drain_learning();
  periodic();
  rt_.tables->reclaim();
  rt_.channel->flush();
  copy_channel_stats();
  return busy;
}

// Sets 'busy' if it handled any message.
bool ControlService::read_requests(bool& busy) {
  bool more = false;
  for (uint32_t s = 0; s < rt_.channel->slot_count(); ++s) {
    // Nothing after a barrier until its reply is out (replies keep their order), and nothing
    // from a client whose replies pile up unread (its outbox is over the soft limit) until they
    // drain: a request's reply can be large, so reading on would grow the outbox without bound.
    uint32_t n = 0;
    for (; n < kMaxMessagesPerSlot && !held_.contains(s) && !rt_.channel->backlogged(s) &&
           rt_.channel->receive(s, in_);
         ++n) {
      handle(s, in_);
      busy = true;
    }
    more |= n == kMaxMessagesPerSlot;
  }
  return more;
}

void ControlService::copy_channel_stats() {
  const auto ch = rt_.channel->stats();
  rt_.stats->channel_broken_frames.store(ch.broken_frames, std::memory_order_relaxed);
  rt_.stats->channel_reclaimed_slots.store(ch.reclaimed_slots, std::memory_order_relaxed);
  rt_.stats->channel_tx_dropped.store(ch.tx_dropped, std::memory_order_relaxed);
  rt_.stats->channel_outbox_overflows.store(ch.outbox_overflows, std::memory_order_relaxed);
}

bool ControlService::release_held() {
  if (held_.empty() || !rt_.tables->is_live(live_token_)) return false;
  for (const auto& [slot, reply] : held_) send(slot, reply);
  held_.clear();
  return true;
}

void ControlService::handle(uint32_t slot, std::span<const uint8_t> msg) {
  auto h = of::decode_header(msg);
  if (!h) {
    rt_.stats->undecodable.fetch_add(1, std::memory_order_relaxed);
    reply_error(slot, xid_of(msg), h.error(), msg);
    return;
  }
  // A message answered with an OFPT_ERROR counts as rejected, whichever handler sent it (the
  // multipart and experimenter families report no outcome of their own).
  const uint64_t errors = errors_sent_;
  const bool ok = dispatch(slot, *h, msg) && errors_sent_ == errors;
  rt_.stats->count(static_cast<uint8_t>(h->type), ok);
}

bool ControlService::dispatch(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg) {
  using T = of::MsgType;
  // One line per type, a table to read down.
  // clang-format off
  switch (h.type) {
    case T::kHello: return switch_.hello(slot, h);
    case T::kEchoRequest: return switch_.echo(slot, h, msg);
    case T::kEchoReply: return true;
    case T::kFeaturesRequest: return switch_.features(slot, h);
    case T::kGetConfigRequest: return switch_.get_config(slot, h, msg);
    case T::kSetConfig: return switch_.set_config(slot, h, msg);
    case T::kPacketOut: return packets_.packet_out(slot, h, msg);
    case T::kBarrierRequest: return barrier(slot, h);
    case T::kFlowMod: return flows_.modify(slot, h, msg);
    case T::kGroupMod: return flows_.modify(slot, h, msg);
    case T::kMultipartRequest: return handle_multipart(slot, h, msg), true;
    case T::kExperimenter: return handle_experimenter(slot, h, msg), true;
    case T::kError: return switch_.peer_error(slot, msg);
    default: return reply_error(slot, h.xid, bad_request(of::bad_request::kBadType), msg), false;
  }
  // clang-format on
}

void ControlService::handle_multipart(uint32_t slot, const of::Header& h,
                                      std::span<const uint8_t> msg) {
  auto mp = of::decode_multipart_header(msg);
  if (!mp) return reply_error(slot, h.xid, mp.error(), msg);
  using T = of::MultipartType;
  // clang-format off
  switch (mp->type) {
    case T::kDesc: return switch_.desc(slot, h, msg);
    case T::kTableFeatures: return switch_.table_features(slot, h, msg);
    case T::kPortDesc: return ports_.port_desc(slot, h);
    case T::kPortStats: return ports_.port_stats(slot, h, msg);
    case T::kFlow: return flows_.flow_stats(slot, h, msg);
    case T::kAggregate: return flows_.aggregate(slot, h, msg);
    case T::kTable: return flows_.table_stats(slot, h, msg);
    case T::kGroup: return flows_.group_stats(slot, h, msg);
    case T::kGroupDesc: return flows_.group_desc(slot, h);
    default: return reply_error(slot, h.xid, bad_request(of::bad_request::kBadMultipart), msg);
  }
  // clang-format on
}

void ControlService::handle_experimenter(uint32_t slot, const of::Header& h,
                                         std::span<const uint8_t> msg) {
  auto exp = of::decode_experimenter_header(msg);
  if (exp && exp->experimenter == of::kOnfExperimenter) return bundles_.handle(slot, h, msg);
  auto type = of::decode_sluice_type(msg);
  if (!type) return reply_error(slot, h.xid, type.error(), msg);
  using T = of::SluiceMsgType;
  // clang-format off
  switch (*type) {
    case T::kPortAdd: return ports_.port_add(slot, h, msg);
    case T::kPortDel: return ports_.port_del(slot, h, msg);
    case T::kPortSet: return ports_.port_set(slot, h, msg);
    case T::kSwitchConfig: return switch_.switch_config(slot, h, msg);
  }
  // clang-format on
}

bool ControlService::barrier(uint32_t slot, const of::Header& h) {
  // Everything before the barrier is live in every worker when the reply leaves: after the
  // publish, the reply (and the slot's later messages) wait for the grace period.
  republish_if_dirty();
  out_.clear();
  of::encode_barrier_reply(h.xid, out_);
  // A polling worker passes a quiescent point every loop iteration (a sleeping one is
  // offline): the grace period is usually over within microseconds, so wait a little
  // here before holding the reply for a later poll.
  if (rt_.tables->wait_live(live_token_, kBarrierSpinUs)) {
    send(slot, out_);
  } else {
    held_[slot] = out_;
  }
  return true;
}

bool ControlService::drain_learning() {
  return apply_learn_requests(*rt_.learn, *rt_.macs, rt_.tables->live(), now_seconds()) > 0;
}

void ControlService::periodic() {
  const uint64_t now = rte_get_tsc_cycles();
  if (now >= next_tick_) {
    next_tick_ = now + ms_to_tsc(kTickMs);
    rt_.channel->tick();
  }
  if (now >= next_link_poll_) {
    next_link_poll_ = now + ms_to_tsc(kLinkPollMs);
    ports_.poll_links();
  }
  if (now >= next_expiry_) {
    next_expiry_ = now + ms_to_tsc(kExpiryMs);
    flows_.expire(std::chrono::steady_clock::now());
    republish_if_dirty();
  }
  if (now >= next_aging_) {
    next_aging_ = now + ms_to_tsc(kAgingMs);
    const uint32_t aging = switch_.mac_aging_seconds();
    if (size_t aged = rt_.macs->age(now_seconds(), aging); aged > 0) {
      log_debug("aged out %zu MAC entries", aged);
    }
  }
}

// ---- ControlLink: replies ------------------------------------------------------------------

void ControlService::send(uint32_t slot, const of::Bytes& bytes) {
  // 'bytes' may hold several messages (multipart replies); the channel frames each one.
  for (size_t at = 0; at + of::kHeaderSize <= bytes.size();) {
    const size_t len = size_t{bytes[at + 2]} << 8 | bytes[at + 3];
    rt_.channel->send(slot, std::span<const uint8_t>(bytes).subspan(at, len));
    at += len;
  }
}

void ControlService::broadcast(const of::Bytes& bytes) {
  for (uint32_t s = 0; s < rt_.channel->slot_count(); ++s) {
    if (rt_.channel->connected(s)) send(s, bytes);
  }
}

void ControlService::send_part(uint32_t slot, of::Bytes& out) {
  send(slot, out);
  out.clear();
  rt_.channel->beat();
  rt_.channel->flush();
}

void ControlService::reply_error(uint32_t slot, uint32_t xid, const of::ErrorMsg& err) {
  out_.clear();
  of::encode_error(xid, err, out_);
  send(slot, out_);
  ++errors_sent_;
  log_debug("slot %u: rejected xid %u: %s", slot, xid, of::format_error(err).c_str());
}

// ---- ControlLink: publishing ---------------------------------------------------------------

void ControlService::note_change() {
  if (!dirty_) first_unpublished_ = rte_get_tsc_cycles();
  dirty_ = true;
}

void ControlService::republish_if_dirty() {
  const StoreChanges changes = rt_.flows->take_changes();
  if (!dirty_ && !changes.any()) return;
  dirty_ = false;
  republish(changes);
}

void ControlService::republish(const StoreChanges& changes) {
  auto compiled = compiler_.compile(*rt_.flows, rt_.ports->runtime(), ++version_, changes,
                                    [this] { rt_.channel->beat(); });
  switch_.apply_to(*compiled.tables);
  (compiled.full ? rt_.stats->full_compiles : rt_.stats->incremental_compiles)
      .fetch_add(1, std::memory_order_relaxed);
  const Tables* next = compiled.tables.get();
  const bool egress_changed = rt_.tables->live().egress != next->egress;
  {
    std::lock_guard lock(*rt_.state_mutex);
    live_token_ = rt_.tables->publish_async(std::move(compiled.tables));
  }
  sync_statics(compiled.statics);
  // Learned MACs that the new tables no longer allow (port gone, or left the VLAN) go now.
  if (egress_changed) {
    rt_.macs->flush_if([next](uint16_t bd, uint16_t slot) {
      return slot >= kMaxPorts || next->egress_of(slot, bd) == kEgressNone;
    });
  }
  rt_.stats->publishes.fetch_add(1, std::memory_order_relaxed);
  log_debug("published tables version %lu", static_cast<unsigned long>(version_));
}

void ControlService::publish_now(const std::array<PortRuntime, kMaxPorts>& ports,
                                 const std::function<void()>& then) {
  auto compiled = compiler_.compile(*rt_.flows, ports, ++version_, rt_.flows->take_changes());
  switch_.apply_to(*compiled.tables);
  (compiled.full ? rt_.stats->full_compiles : rt_.stats->incremental_compiles)
      .fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(*rt_.state_mutex);
    rt_.tables->publish(std::move(compiled.tables));
    then();
  }
  // As republish() does: static MACs follow the tables (a removed port's go now).
  sync_statics(compiled.statics);
  rt_.stats->publishes.fetch_add(1, std::memory_order_relaxed);
  log_debug("published tables version %lu (blocking)", static_cast<unsigned long>(version_));
}

void ControlService::sync_statics(const std::map<uint64_t, StaticMac>& wanted) {
  for (const auto& [key, where] : statics_) {
    if (!wanted.contains(key)) rt_.macs->remove_static(key);
  }
  for (const auto& [key, where] : wanted) {
    auto it = statics_.find(key);
    if (it != statics_.end() && it->second == where) continue;
    if (auto ok = rt_.macs->add_static(key, where.slot, where.flow); !ok) {
      log_warning("static MAC not installed: %s", ok.error().message.c_str());
    }
  }
  statics_ = wanted;
}

}  // namespace sluice::dp
