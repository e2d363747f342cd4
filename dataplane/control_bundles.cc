#include "dataplane/control_bundles.h"

#include "dataplane/control_flows.h"

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

}  // namespace

ControlBundles::SlotBundles& ControlBundles::bundles_of(uint32_t slot) {
  SlotBundles& b = bundles_[slot];
  const uint64_t session = channel_.session(slot);
  if (b.session != session) {
    // A new client in this slot: the old one's bundles died with it.
    b.open.clear();
    b.bytes = 0;
    b.session = session;
  }
  return b;
}

void ControlBundles::handle(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg) {
  auto type = of::decode_onf_type(msg);
  if (!type) return link_.reply_error(slot, h.xid, type.error(), msg);
  SlotBundles& sb = bundles_of(slot);
  if (*type == of::OnfMsgType::kBundleAddMessage) return add(slot, h, msg, sb);
  control(slot, h, msg, sb);
}

// ---- BUNDLE_ADD_MESSAGE ----------------------------------------------------------------------

void ControlBundles::add(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg,
                         SlotBundles& sb) {
  of::BundleAdd add;
  auto inner = of::decode_bundle_add(msg, add);
  if (!inner) return link_.reply_error(slot, h.xid, inner.error(), msg);
  auto bundle = admit(sb, add, inner->size());
  if (!bundle) return link_.reply_error(slot, h.xid, onf_error(bundle.error()), msg);
  // Check the message now, so that errors name it while the controller still knows it.
  auto ih = of::decode_header(*inner);
  if (!ih) return link_.reply_error(slot, h.xid, ih.error(), *inner);
  if (ih->type != of::MsgType::kFlowMod && ih->type != of::MsgType::kGroupMod) {
    return link_.reply_error(slot, h.xid, onf_error(of::bundle_failed::kMsgUnsup), msg);
  }
  if (auto ok = check_mod(ih->type, *inner); !ok) {
    return link_.reply_error(slot, ih->xid, ok.error(), *inner);
  }
  (*bundle)->messages.emplace_back(inner->begin(), inner->end());
  sb.bytes += inner->size();
}

// The bundle 'add' goes to, opened if it is unknown (OpenFlow 1.4, 7.3.9.3), if it takes
// 'bytes' more.
std::expected<ControlBundles::Bundle*, uint16_t> ControlBundles::admit(SlotBundles& sb,
                                                                       const of::BundleAdd& add,
                                                                       size_t bytes) {
  auto it = sb.open.find(add.bundle_id);
  if (it == sb.open.end()) {
    if (Refusal r = room_for_one_more(sb)) return std::unexpected(*r);
    it = sb.open.emplace(add.bundle_id, Bundle{add.flags, false, {}}).first;
  }
  Bundle& b = it->second;
  if (b.closed) return std::unexpected(of::bundle_failed::kBundleClosed);
  if (b.flags != add.flags) return std::unexpected(of::bundle_failed::kBadFlags);
  if (b.messages.size() >= kMaxBundleMessages || sb.bytes + bytes > kMaxBundleBytesPerSlot) {
    stats_.bundle_adds_refused.fetch_add(1, std::memory_order_relaxed);
    return std::unexpected(of::bundle_failed::kMsgTooMany);
  }
  return &b;
}

// ---- BUNDLE_CONTROL ----------------------------------------------------------------------------

void ControlBundles::control(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg,
                             SlotBundles& sb) {
  auto ctrl = of::decode_bundle_ctrl(msg);
  if (!ctrl) return link_.reply_error(slot, h.xid, ctrl.error(), msg);
  of::BundleCtrl reply = *ctrl;
  if (Refusal r = apply_control(slot, *ctrl, sb, reply.type)) {
    return link_.reply_error(slot, h.xid, onf_error(*r), msg);
  }
  out_.clear();
  of::encode_bundle_ctrl(h.xid, reply, out_);
  link_.send(slot, out_);
}

// Sets 'reply' to the reply's type (sent only if nothing is refused).
ControlBundles::Refusal ControlBundles::apply_control(uint32_t slot, const of::BundleCtrl& ctrl,
                                                      SlotBundles& sb, of::BundleCtrlType& reply) {
  switch (ctrl.type) {
    case of::BundleCtrlType::kOpenRequest:
      reply = of::BundleCtrlType::kOpenReply;
      return open(sb, ctrl);
    case of::BundleCtrlType::kCloseRequest:
      reply = of::BundleCtrlType::kCloseReply;
      return close(sb, ctrl);
    case of::BundleCtrlType::kDiscardRequest:
      reply = of::BundleCtrlType::kDiscardReply;
      return discard(sb, ctrl);
    case of::BundleCtrlType::kCommitRequest:
      reply = of::BundleCtrlType::kCommitReply;
      return commit_request(slot, sb, ctrl);
    default:
      return of::bundle_failed::kBadType;
  }
}

ControlBundles::Refusal ControlBundles::room_for_one_more(const SlotBundles& sb) {
  if (sb.open.size() < kMaxBundlesPerSlot) return std::nullopt;
  stats_.bundle_opens_refused.fetch_add(1, std::memory_order_relaxed);
  return of::bundle_failed::kOutOfBundles;
}

ControlBundles::Refusal ControlBundles::open(SlotBundles& sb, const of::BundleCtrl& ctrl) {
  if (sb.open.contains(ctrl.bundle_id)) return of::bundle_failed::kBundleExist;
  if (Refusal r = room_for_one_more(sb)) return r;
  sb.open.emplace(ctrl.bundle_id, Bundle{ctrl.flags, false, {}});
  return std::nullopt;
}

ControlBundles::Refusal ControlBundles::close(SlotBundles& sb, const of::BundleCtrl& ctrl) {
  auto it = sb.open.find(ctrl.bundle_id);
  if (it == sb.open.end()) return of::bundle_failed::kBadId;
  if (it->second.closed) return of::bundle_failed::kBundleClosed;
  it->second.closed = true;
  return std::nullopt;
}

ControlBundles::Refusal ControlBundles::discard(SlotBundles& sb, const of::BundleCtrl& ctrl) {
  auto it = sb.open.find(ctrl.bundle_id);
  if (it == sb.open.end()) return of::bundle_failed::kBadId;
  sb.bytes -= bundle_bytes(it->second);
  sb.open.erase(it);
  return std::nullopt;
}

ControlBundles::Refusal ControlBundles::commit_request(uint32_t slot, SlotBundles& sb,
                                                       const of::BundleCtrl& ctrl) {
  auto it = sb.open.find(ctrl.bundle_id);
  if (it == sb.open.end()) return of::bundle_failed::kBadId;
  if (it->second.flags != ctrl.flags) return of::bundle_failed::kBadFlags;
  Bundle bundle = std::move(it->second);
  sb.bytes -= bundle_bytes(bundle);
  sb.open.erase(it);
  if (!commit(slot, bundle)) {
    stats_.bundles_failed.fetch_add(1, std::memory_order_relaxed);
    return of::bundle_failed::kMsgFailed;
  }
  stats_.bundles_committed.fetch_add(1, std::memory_order_relaxed);
  return std::nullopt;
}

bool ControlBundles::commit(uint32_t slot, const Bundle& bundle) {
  // All or nothing: apply to the store in order; on the first refusal put the store back as it
  // was. The workers see the result in one publish, so no packet meets half a bundle.
  link_.republish_if_dirty();  // what came before the bundle is not part of it
  const FlowStore before = flows_;
  size_t applied = 0;
  for (const std::vector<uint8_t>& m : bundle.messages) {
    if (++applied % 1024 == 0) channel_.beat();  // a big bundle takes a while
    auto h = of::decode_header(m);               // checked when the message was added
    if (auto ok = apply_mod(flows_, h->type, m); !ok) {
      flows_ = before;
      link_.reply_error(slot, h->xid, ok.error(), m);
      return false;
    }
  }
  link_.mark_dirty();
  link_.republish_if_dirty();
  return true;
}

}  // namespace sluice::dp
