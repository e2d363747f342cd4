#include "dataplane/control_packets.h"

#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "dataplane/burst.h"
#include "dataplane/flow_checks.h"

namespace sluice::dp {
namespace {

of::OfError refusal(of::ErrorType type, uint16_t code) { return of::OfError{type, code, 0}; }

// Every action as in a flow, groups included, plus output:TABLE anywhere: the frame, as the
// actions before it left it, meets the tables as if received on in_port. Returns whether an
// output:TABLE is among them.
of::Decoded<bool> check_packet_out_actions(const of::ActionList& actions,
                                           const std::map<uint32_t, GroupEntry>& groups) {
  bool to_table = false;
  for (const of::Action& a : actions.view()) {
    if (a.type == of::ActionType::kOutput && a.port == of::port_no::kTable) {
      to_table = true;
      continue;
    }
    if (a.type == of::ActionType::kGroup) {
      if (!groups.contains(a.group_id)) {
        return std::unexpected(refusal(of::ErrorType::kBadAction, of::bad_action::kBadOutGroup));
      }
      continue;
    }
    of::ActionList one;
    one.push(a);
    if (auto ok = check_actions(one, nullptr, groups); !ok) return std::unexpected(ok.error());
  }
  return to_table;
}

}  // namespace

// The slot the frame meets the tables from (kNoSlot if none), once its actions are checked.
of::Decoded<uint16_t> ControlPackets::in_slot_of(const of::PacketOut& po) const {
  auto to_table = check_packet_out_actions(po.actions, flows_.groups());
  if (!to_table) return std::unexpected(to_table.error());
  if (po.in_port >= 1 && po.in_port <= of::port_no::kMax) {
    auto s = ports_.find(po.in_port);
    if (!s) return std::unexpected(refusal(of::ErrorType::kBadRequest, of::bad_request::kBadPort));
    return *s;
  }
  if (*to_table) {  // TABLE needs a port
    return std::unexpected(refusal(of::ErrorType::kBadRequest, of::bad_request::kBadPort));
  }
  return kNoSlot;
}

of::Decoded<rte_mbuf*> ControlPackets::copy_frame(std::span<const uint8_t> frame) const {
  rte_mbuf* m = pool_ != nullptr ? rte_pktmbuf_alloc(pool_) : nullptr;
  if (m == nullptr) {
    return std::unexpected(refusal(of::ErrorType::kBadRequest, of::bad_request::kBufferEmpty));
  }
  char* data = rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size()));
  if (data == nullptr) {
    rte_pktmbuf_free(m);  // bigger than an mbuf
    return std::unexpected(refusal(of::ErrorType::kBadRequest, of::bad_request::kBadPacket));
  }
  std::memcpy(data, frame.data(), frame.size());
  return m;
}

bool ControlPackets::packet_out(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg) {
  auto refuse = [&](const of::OfError& err) {
    return link_.reply_error(slot, h.xid, err, msg), false;
  };
  of::PacketOut po;
  auto frame = of::decode_packet_out(msg, po);
  if (!frame) return refuse(frame.error());
  auto in_slot = in_slot_of(po);
  if (!in_slot) return refuse(in_slot.error());
  auto m = copy_frame(*frame);
  if (!m) return refuse(m.error());
  PacketOutJob* job = packet_out_ != nullptr ? packet_out_->take_free() : nullptr;
  if (job == nullptr) {
    rte_pktmbuf_free(*m);
    link_.reply_error(slot, h.xid,
                      of::make_sluice_error(of::sluice_error::kPortCreateFailed,
                                            "packet-out queue full: the worker is behind"));
    return false;
  }
  job->m = *m;
  job->in_slot = *in_slot;
  job->actions = po.actions;
  packet_out_->submit(job);  // cannot fail: the pool holds no more jobs than the ring
  return true;
}

void ControlPackets::send_packet_ins() {
  if (packet_in_ == nullptr) return;
  PacketInRecord recs[64];
  std::vector<uint8_t> frame;
  uint32_t n;
  while ((n = packet_in_->pop(recs, 64)) > 0) {
    for (uint32_t i = 0; i < n; ++i) send_packet_in(recs[i], frame);
  }
}

// Sends 'r' (its frame cut to max_len, copied through 'frame') and frees its mbuf.
void ControlPackets::send_packet_in(const PacketInRecord& r, std::vector<uint8_t>& frame) {
  const uint32_t len = rte_pktmbuf_pkt_len(r.m);
  const uint32_t take =
      r.max_len == of::kControllerNoBuffer ? len : std::min<uint32_t>(len, r.max_len);
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
  link_.broadcast(out_);
  stats_.packet_in_sent.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace sluice::dp
