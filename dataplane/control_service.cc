#include "dataplane/control_service.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>

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

}  // namespace

ControlService::ControlService(ControlEnv env) : env_(env), compiler_(env_.specialisers) {}

void ControlService::send(uint32_t slot, const of::Bytes& bytes) {
  // 'bytes' may hold several messages (multipart replies); the channel frames each one.
  for (size_t at = 0; at + of::kHeaderSize <= bytes.size();) {
    const size_t len = size_t{bytes[at + 2]} << 8 | bytes[at + 3];
    env_.channel->send(slot, std::span<const uint8_t>(bytes).subspan(at, len));
    at += len;
  }
}

void ControlService::broadcast(const of::Bytes& bytes) {
  for (uint32_t s = 0; s < env_.channel->slot_count(); ++s) {
    if (env_.channel->connected(s)) send(s, bytes);
  }
}

void ControlService::reply_error(uint32_t slot, uint32_t xid, const of::ErrorMsg& err) {
  out_.clear();
  of::encode_error(xid, err, out_);
  send(slot, out_);
  log_debug("slot %u: rejected xid %u: %s", slot, xid, of::format_error(err).c_str());
}

void ControlService::reply_error(uint32_t slot, uint32_t xid, const of::OfError& err,
                                 std::span<const uint8_t> request) {
  reply_error(slot, xid, of::make_error(err, request));
}

bool ControlService::poll() {
  bool busy = release_held();
  bool more = false;  // a slot still has messages after this round's share
  for (uint32_t s = 0; s < env_.channel->slot_count(); ++s) {
    // Nothing after a barrier until its reply is out (replies keep their order), and nothing
    // from a client whose replies pile up unread (its outbox is over the soft limit) until they
    // drain: a request's reply can be large, so reading on would grow the outbox without bound.
    uint32_t n = 0;
    for (; n < kMaxMessagesPerSlot && !held_.contains(s) && !env_.channel->backlogged(s) &&
           env_.channel->receive(s, in_);
         ++n) {
      handle(s, in_);
      busy = true;
    }
    more |= n == kMaxMessagesPerSlot;
  }
  // While a controller streams modifications, compiling after every round would rebuild the
  // tables many times over; publish when the stream pauses, at a barrier, or at the latest
  // kMaxUnpublishedMs after the first unpublished change.
  const uint64_t now = rte_get_tsc_cycles();
  if (!more || now - first_unpublished_ >= ms_to_tsc(kMaxUnpublishedMs)) republish_if_dirty();
  send_flow_removed();
  send_packet_ins();
  busy |= drain_learning();
  periodic();
  env_.tables->reclaim();
  env_.channel->flush();
  const auto ch = env_.channel->stats();
  env_.stats->channel_broken_frames.store(ch.broken_frames, std::memory_order_relaxed);
  env_.stats->channel_reclaimed_slots.store(ch.reclaimed_slots, std::memory_order_relaxed);
  env_.stats->channel_tx_dropped.store(ch.tx_dropped, std::memory_order_relaxed);
  env_.stats->channel_outbox_overflows.store(ch.outbox_overflows, std::memory_order_relaxed);
  return busy;
}

bool ControlService::release_held() {
  if (held_.empty() || !env_.tables->is_live(live_token_)) return false;
  for (const auto& [slot, reply] : held_) send(slot, reply);
  held_.clear();
  return true;
}

void ControlService::handle(uint32_t slot, std::span<const uint8_t> msg) {
  auto h = of::decode_header(msg);
  if (!h) {
    env_.stats->undecodable.fetch_add(1, std::memory_order_relaxed);
    reply_error(slot, xid_of(msg), h.error(), msg);
    return;
  }
  const bool ok = dispatch(slot, *h, msg);
  env_.stats->count(static_cast<uint8_t>(h->type), ok);
}

bool ControlService::dispatch(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg) {
  out_.clear();
  switch (h.type) {
    case of::MsgType::kHello:
      of::encode_hello(h.xid, out_);
      break;
    case of::MsgType::kEchoRequest: {
      auto data = of::decode_echo(msg);
      if (!data) return reply_error(slot, h.xid, data.error(), msg), false;
      of::encode_echo_reply(h.xid, *data, out_);
      break;
    }
    case of::MsgType::kEchoReply:
      return true;
    case of::MsgType::kFeaturesRequest: {
      of::FeaturesReply f;
      f.datapath_id = env_.datapath_id;
      f.n_tables = FlowStore::kNumTables;
      f.capabilities = 1 /*FLOW_STATS*/ | 2 /*TABLE_STATS*/ | 4 /*PORT_STATS*/ | 8 /*GROUP_STATS*/;
      of::encode_features_reply(h.xid, f, out_);
      break;
    }
    case of::MsgType::kGetConfigRequest: {
      if (auto ok = of::decode_empty(msg, of::MsgType::kGetConfigRequest); !ok) {
        return reply_error(slot, h.xid, ok.error(), msg), false;
      }
      of::encode_get_config_reply(h.xid, of_config_, out_);
      break;
    }
    case of::MsgType::kSetConfig: {
      auto cfg = of::decode_set_config(msg);
      if (!cfg) return reply_error(slot, h.xid, cfg.error(), msg), false;
      // OFPC_FRAG_REASM would need reassembly, which the switch does not do (it says so in
      // FEATURES: no OFPC_IP_REASM): refused as the spec says, the configuration unchanged.
      if ((cfg->flags & of::config_flags::kFragMask) == of::config_flags::kFragReasm) {
        return reply_error(slot, h.xid,
                           of::OfError{of::ErrorType::kSwitchConfigFailed,
                                       of::switch_config_failed::kBadFlags, 0},
                           msg),
               false;
      }
      if (cfg->flags != of_config_.flags) note_change();  // FRAG_DROP is in the tables
      of_config_ = *cfg;
      return true;
    }
    case of::MsgType::kPacketOut:
      return packet_out(slot, h, msg);
    case of::MsgType::kBarrierRequest:
      // Everything before the barrier is live in every worker when the reply leaves: after the
      // publish, the reply (and the slot's later messages) wait for the grace period.
      republish_if_dirty();
      of::encode_barrier_reply(h.xid, out_);
      // A polling worker passes a quiescent point every loop iteration (a sleeping one is
      // offline): the grace period is usually over within microseconds, so wait a little
      // here before holding the reply for a later poll.
      if (!env_.tables->wait_live(live_token_, kBarrierSpinUs)) {
        held_[slot] = out_;
        return true;
      }
      break;
    case of::MsgType::kFlowMod: {
      of::FlowMod fm;
      auto ok = of::decode_flow_mod(msg, fm);
      if (ok) ok = env_.flows->apply(fm);
      if (!ok) return reply_error(slot, h.xid, ok.error(), msg), false;
      note_change();
      return true;
    }
    case of::MsgType::kGroupMod: {
      auto gm = std::make_unique<of::GroupMod>();
      auto ok = of::decode_group_mod(msg, *gm);
      if (ok) ok = env_.flows->apply(*gm);
      if (!ok) return reply_error(slot, h.xid, ok.error(), msg), false;
      note_change();
      return true;
    }
    case of::MsgType::kMultipartRequest:
      handle_multipart(slot, h, msg);
      return true;
    case of::MsgType::kExperimenter:
      handle_experimenter(slot, h, msg);
      return true;
    case of::MsgType::kError:
      log_warning("slot %u sent an error: %s", slot, of::format_message(msg).c_str());
      return true;
    default:
      reply_error(slot, h.xid, of::OfError{of::ErrorType::kBadRequest, of::bad_request::kBadType, 0},
                  msg);
      return false;
  }
  send(slot, out_);
  return true;
}

of::PortStats ControlService::port_stats(uint16_t slot) const {
  const PortRecord& rec = env_.ports->record(slot);
  const PortTotals t = sum_port(env_.workers, slot) - rec.baseline;
  of::PortStats s;
  s.port_no = rec.def.port_no;
  s.rx_packets = t.rx_packets;
  s.rx_bytes = t.rx_bytes;
  s.tx_packets = t.tx_packets;
  s.tx_bytes = t.tx_bytes;
  s.rx_dropped = t.rx_dropped;
  s.tx_dropped = t.tx_dropped;
  rte_eth_stats dev{};
  if (env_.ports->device_stats(slot, dev)) {
    s.rx_errors = dev.ierrors;
    s.tx_errors = dev.oerrors;
    s.rx_over_err = dev.imissed;
  }
  auto age = std::chrono::steady_clock::now() - rec.created;
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(age).count();
  s.duration_sec = static_cast<uint32_t>(ns / 1000000000);
  s.duration_nsec = static_cast<uint32_t>(ns % 1000000000);
  return s;
}

void ControlService::handle_multipart(uint32_t slot, const of::Header& h,
                                      std::span<const uint8_t> msg) {
  auto mp = of::decode_multipart_header(msg);
  if (!mp) return reply_error(slot, h.xid, mp.error(), msg);
  out_.clear();
  switch (mp->type) {
    case of::MultipartType::kPortDesc: {
      std::vector<of::Port> ports;
      for (uint16_t s : env_.ports->slots_in_use()) ports.push_back(env_.ports->describe(s));
      of::encode_port_desc_reply(h.xid, ports, out_);
      break;
    }
    case of::MultipartType::kPortStats: {
      auto port = of::decode_port_stats_request(msg);
      if (!port) return reply_error(slot, h.xid, port.error(), msg);
      std::vector<of::PortStats> stats;
      for (uint16_t s : env_.ports->slots_in_use()) {
        if (*port == of::port_no::kAny || env_.ports->record(s).def.port_no == *port) {
          stats.push_back(port_stats(s));
        }
      }
      if (stats.empty() && *port != of::port_no::kAny) {
        return reply_error(slot, h.xid,
                           of::OfError{of::ErrorType::kBadRequest, of::bad_request::kBadPort, 0},
                           msg);
      }
      of::encode_port_stats_reply(h.xid, stats, out_);
      break;
    }
    case of::MultipartType::kFlow: {
      auto req = of::decode_flow_stats_request(msg);
      if (!req) return reply_error(slot, h.xid, req.error(), msg);
      // In chunks: a full FlowStats is ~1.2 KB, and 100k of them at once would stall this lcore
      // (and the channel's heartbeats) for more than a second.
      const std::vector<const FlowEntry*> chosen = env_.flows->select(*req);
      const auto now = std::chrono::steady_clock::now();
      constexpr size_t kChunk = 256;
      std::vector<of::FlowStats> chunk;
      chunk.reserve(kChunk);
      for (size_t i = 0; i < chosen.size() || i == 0; i += kChunk) {
        chunk.clear();
        for (size_t k = i; k < std::min(chosen.size(), i + kChunk); ++k) {
          chunk.push_back(env_.flows->flow_stats(*chosen[k], now));
        }
        const size_t from = out_.size();
        of::encode_flow_stats_reply(h.xid, chunk, out_);
        if (i + kChunk < chosen.size()) mark_last_more(out_, from);
        send(slot, out_);
        out_.clear();
        // A dump of 100k flows takes a while: stay alive for every client, and let this one
        // drain its ring while we encode the rest.
        env_.channel->beat();
        env_.channel->flush();
      }
      return;
      break;
    }
    case of::MultipartType::kGroupDesc: {
      // GroupDesc is large (fixed bucket capacity): encode one group at a time.
      const auto& groups = env_.flows->groups();
      if (groups.empty()) of::encode_group_desc_reply(h.xid, {}, out_);
      auto desc = std::make_unique<of::GroupDesc>();
      size_t i = 0;
      for (const auto& [id, g] : groups) {
        *desc = of::GroupDesc{};
        desc->type = g.type;
        desc->group_id = id;
        desc->n_buckets = static_cast<uint16_t>(g.buckets.size());
        std::copy(g.buckets.begin(), g.buckets.end(), desc->buckets.begin());
        const size_t from = out_.size();
        of::encode_group_desc_reply(h.xid, std::span<const of::GroupDesc>(desc.get(), 1), out_);
        if (++i < groups.size()) mark_last_more(out_, from);
        if (i % 256 == 0) {  // like the flow chunks above: heartbeat, and let the client drain
          send(slot, out_);
          out_.clear();
          env_.channel->beat();
          env_.channel->flush();
        }
      }
      break;
    }
    case of::MultipartType::kDesc: {
      if (auto ok = of::decode_desc_request(msg); !ok) return reply_error(slot, h.xid, ok.error(), msg);
      reply_desc(h.xid);
      break;
    }
    case of::MultipartType::kAggregate: {
      auto req = of::decode_aggregate_request(msg);
      if (!req) return reply_error(slot, h.xid, req.error(), msg);
      const AggregateStats a = env_.flows->aggregate(*req);
      of::encode_aggregate_reply(h.xid, of::AggregateStats{a.packets, a.bytes, a.flows, {}}, out_);
      break;
    }
    case of::MultipartType::kTable: {
      if (auto ok = of::decode_table_stats_request(msg); !ok) {
        return reply_error(slot, h.xid, ok.error(), msg);
      }
      reply_table_stats(h.xid);
      break;
    }
    case of::MultipartType::kGroup: {
      auto group = of::decode_group_stats_request(msg);
      if (!group) return reply_error(slot, h.xid, group.error(), msg);
      reply_group_stats(h.xid, *group);
      break;
    }
    case of::MultipartType::kTableFeatures: {
      if (auto ok = of::decode_table_features_request(msg); !ok) {
        return reply_error(slot, h.xid, ok.error(), msg);
      }
      of::encode_table_features_reply(h.xid, FlowStore::kNumTables, kMaxFlowCounters, out_);
      break;
    }
    default:
      return reply_error(slot, h.xid,
                         of::OfError{of::ErrorType::kBadRequest, of::bad_request::kBadMultipart, 0},
                         msg);
  }
  send(slot, out_);
}

void ControlService::handle_experimenter(uint32_t slot, const of::Header& h,
                                         std::span<const uint8_t> msg) {
  auto exp = of::decode_experimenter_header(msg);
  if (exp && exp->experimenter == of::kOnfExperimenter) return handle_onf(slot, h, msg);
  auto type = of::decode_sluice_type(msg);
  if (!type) return reply_error(slot, h.xid, type.error(), msg);
  switch (*type) {
    case of::SluiceMsgType::kPortAdd: {
      auto def = of::decode_port_add(msg);
      if (!def) return reply_error(slot, h.xid, def.error(), msg);
      std::expected<PortManager::Added, of::ErrorMsg> added;
      {
        std::lock_guard lock(*env_.state_mutex);
        added = env_.ports->add(*def, env_.workers);
      }
      if (!added) return reply_error(slot, h.xid, added.error());
      if (!added->existed) {
        env_.macs->set_limit(added->slot, env_.macs->default_port_limit());
        dirty_ = true;
        out_.clear();
        of::encode_port_status(0, of::PortStatus{of::PortReason::kAdd, {}, env_.ports->describe(added->slot)}, out_);
        broadcast(out_);
      }
      return;
    }
    case of::SluiceMsgType::kPortDel: {
      auto del = of::decode_port_del(msg);
      if (!del) return reply_error(slot, h.xid, del.error(), msg);
      auto s = env_.ports->find(del->port_no);
      if (!s) {
        return reply_error(slot, h.xid,
                           of::make_sluice_error(of::sluice_error::kPortUnknown,
                                                 "no port " + std::to_string(del->port_no)));
      }
      const of::Port desc = env_.ports->describe(*s);
      // Unpublish first: no worker may poll or send to the port once it is gone.
      auto runtime = env_.ports->runtime();
      runtime[*s] = PortRuntime{};
      auto compiled = compiler_.compile(*env_.flows, runtime, ++version_, env_.flows->take_changes());
      set_switch_config(*compiled.tables);
      {
        std::lock_guard lock(*env_.state_mutex);
        env_.tables->publish(std::move(compiled.tables));
        env_.ports->remove(*s);
      }
      env_.macs->flush_port(*s);
      dirty_ = true;
      out_.clear();
      of::encode_port_status(0, of::PortStatus{of::PortReason::kDelete, {}, desc}, out_);
      broadcast(out_);
      return;
    }
    case of::SluiceMsgType::kPortSet: {
      auto set = of::decode_port_set(msg);
      if (!set) return reply_error(slot, h.xid, set.error(), msg);
      auto s = env_.ports->find(set->port_no);
      if (!s) {
        return reply_error(slot, h.xid,
                           of::make_sluice_error(of::sluice_error::kPortUnknown,
                                                 "no port " + std::to_string(set->port_no)));
      }
      std::expected<void, of::ErrorMsg> ok;
      {
        std::lock_guard lock(*env_.state_mutex);
        ok = env_.ports->set(*s, *set);
      }
      if (!ok) return reply_error(slot, h.xid, ok.error());
      env_.macs->set_limit(*s, set->mac_limit);
      dirty_ = true;
      return;
    }
    case of::SluiceMsgType::kSwitchConfig: {
      auto cfg = of::decode_switch_config(msg);
      if (!cfg) return reply_error(slot, h.xid, cfg.error(), msg);
      if (cfg->mac_aging_seconds == 0) {
        return reply_error(slot, h.xid,
                           of::make_sluice_error(of::sluice_error::kBadPortArgument,
                                                 "mac_aging_seconds must be at least 1"));
      }
      if (auto ok = env_.flows->set_learning_table(cfg->learning_table); !ok) {
        return reply_error(slot, h.xid,
                           of::make_sluice_error(of::sluice_error::kBadPortArgument,
                                                 "learning_table " +
                                                     std::to_string(cfg->learning_table) +
                                                     " holds flows of other shapes than L2"));
      }
      mac_aging_ = cfg->mac_aging_seconds;
      return;
    }
  }
}

void ControlService::republish_if_dirty() {
  const StoreChanges changes = env_.flows->take_changes();
  if (!dirty_ && !changes.any()) return;
  dirty_ = false;
  republish(changes);
}

void ControlService::note_change() {
  if (!dirty_) first_unpublished_ = rte_get_tsc_cycles();
  dirty_ = true;
}

void ControlService::republish(const StoreChanges& changes) {
  auto compiled = compiler_.compile(*env_.flows, env_.ports->runtime(), ++version_, changes,
                                    [this] { env_.channel->beat(); });
  set_switch_config(*compiled.tables);
  (compiled.full ? env_.stats->full_compiles : env_.stats->incremental_compiles)
      .fetch_add(1, std::memory_order_relaxed);
  const Tables* next = compiled.tables.get();
  const bool egress_changed = env_.tables->live().egress != next->egress;
  {
    std::lock_guard lock(*env_.state_mutex);
    live_token_ = env_.tables->publish_async(std::move(compiled.tables));
  }
  sync_statics(compiled.statics);
  // Learned MACs that the new tables no longer allow (port gone, or left the VLAN) go now.
  if (egress_changed) {
    env_.macs->flush_if([next](uint16_t bd, uint16_t slot) {
      return slot >= kMaxPorts || next->egress_of(slot, bd) == kEgressNone;
    });
  }
  env_.stats->publishes.fetch_add(1, std::memory_order_relaxed);
  log_debug("published tables version %lu", static_cast<unsigned long>(version_));
}

void ControlService::set_switch_config(Tables& t) const {
  t.frag_drop = (of_config_.flags & of::config_flags::kFragMask) == of::config_flags::kFragDrop;
}

void ControlService::sync_statics(const std::map<uint64_t, StaticMac>& wanted) {
  for (const auto& [key, where] : statics_) {
    if (!wanted.contains(key)) env_.macs->remove_static(key);
  }
  for (const auto& [key, where] : wanted) {
    auto it = statics_.find(key);
    if (it != statics_.end() && it->second == where) continue;
    if (auto ok = env_.macs->add_static(key, where.slot, where.flow); !ok) {
      log_warning("static MAC not installed: %s", ok.error().message.c_str());
    }
  }
  statics_ = wanted;
}

bool ControlService::drain_learning() {
  return apply_learn_requests(*env_.learn, *env_.macs, env_.tables->live(), now_seconds()) > 0;
}

void ControlService::periodic() {
  const uint64_t now = rte_get_tsc_cycles();
  if (now >= next_tick_) {
    next_tick_ = now + ms_to_tsc(kTickMs);
    env_.channel->tick();
  }
  if (now >= next_link_poll_) {
    next_link_poll_ = now + ms_to_tsc(kLinkPollMs);
    for (uint16_t s : env_.ports->poll_links()) {
      log_info("port %u link %s", env_.ports->record(s).def.port_no,
               env_.ports->link_up(s) ? "up" : "down");
      out_.clear();
      of::encode_port_status(0, of::PortStatus{of::PortReason::kModify, {}, env_.ports->describe(s)}, out_);
      broadcast(out_);
    }
  }
  if (now >= next_expiry_) {
    next_expiry_ = now + ms_to_tsc(kExpiryMs);
    env_.flows->expire(std::chrono::steady_clock::now());
    send_flow_removed();
    republish_if_dirty();
  }
  if (now >= next_aging_) {
    next_aging_ = now + ms_to_tsc(kAgingMs);
    if (size_t aged = env_.macs->age(now_seconds(), mac_aging_); aged > 0) {
      log_debug("aged out %zu MAC entries", aged);
    }
  }
}

}  // namespace sluice::dp
