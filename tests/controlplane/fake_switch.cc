#include "tests/controlplane/fake_switch.h"

#include <algorithm>

namespace sluice::cp::testing {

InstalledState FakeSwitch::installed(const State& s) {
  InstalledState out;
  for (const of::PortAdd& p : s.ports) {
    of::Port port;
    port.port_no = p.port_no;
    port.name = p.name;
    out.ports.push_back(port);
  }
  out.flows = s.flows;
  out.groups = s.groups;
  return out;
}

Result<void> FakeSwitch::send(std::span<const uint8_t> msg) {
  s_->received.emplace_back(msg.begin(), msg.end());
  auto h = of::decode_header(msg);
  if (!h) return fail("fake switch: undecodable message");
  of::Bytes out;
  switch (h->type) {
    case of::MsgType::kHello:
      of::encode_hello(h->xid, out);
      reply(out);
      break;
    case of::MsgType::kFeaturesRequest: {
      of::FeaturesReply f;
      f.datapath_id = 0x5c;
      f.n_tables = 5;
      of::encode_features_reply(h->xid, f, out);
      reply(out);
      break;
    }
    case of::MsgType::kBarrierRequest:
      ++s_->barriers;
      of::encode_barrier_reply(h->xid, out);
      reply(out);
      break;
    case of::MsgType::kExperimenter:
      experimenter(h->xid, msg);
      break;
    case of::MsgType::kFlowMod:
      flow_mod(h->xid, msg);
      break;
    case of::MsgType::kGroupMod:
      group_mod(h->xid, msg);
      break;
    case of::MsgType::kMultipartRequest:
      multipart(h->xid, msg);
      break;
    default:
      break;
  }
  return {};
}

void FakeSwitch::error(uint32_t xid, const of::ErrorMsg& e) {
  of::Bytes out;
  of::encode_error(xid, e, out);
  reply(out);
}

void FakeSwitch::experimenter(uint32_t xid, std::span<const uint8_t> msg) {
  if (auto h = of::decode_experimenter_header(msg); h && h->experimenter == of::kOnfExperimenter) {
    return bundle(xid, msg);
  }
  auto type = of::decode_sluice_type(msg);
  if (!type) return error(xid, of::make_error(type.error(), msg));
  switch (*type) {
    case of::SluiceMsgType::kPortAdd: {
      auto add = of::decode_port_add(msg);
      if (!add) return error(xid, of::make_error(add.error(), msg));
      for (const of::PortAdd& p : s_->ports) {
        const bool clash = p.port_no == add->port_no || p.name == add->name;
        if (clash && !same_port_definition(p, *add)) {
          return error(xid, of::make_sluice_error(of::sluice_error::kPortExists, "port exists"));
        }
        if (clash) return;  // idempotent
      }
      s_->ports.push_back(*add);
      return;
    }
    case of::SluiceMsgType::kPortDel: {
      auto del = of::decode_port_del(msg);
      if (!del) return error(xid, of::make_error(del.error(), msg));
      std::erase_if(s_->ports, [&](const of::PortAdd& p) { return p.port_no == del->port_no; });
      return;
    }
    case of::SluiceMsgType::kPortSet: {
      auto set = of::decode_port_set(msg);
      if (set) s_->port_settings.push_back(*set);
      return;
    }
    case of::SluiceMsgType::kSwitchConfig: {
      auto cfg = of::decode_switch_config(msg);
      if (cfg) s_->mac_aging = cfg->mac_aging_seconds;
      return;
    }
  }
}

// Like the dataplane's control service (dataplane/control_bundles.cc), in short.
void FakeSwitch::bundle(uint32_t xid, std::span<const uint8_t> msg) {
  auto type = of::decode_onf_type(msg);
  if (!type) return error(xid, of::make_error(type.error(), msg));
  auto& open = s_->bundles;
  auto with_data = [&](uint16_t code) {
    return of::make_error(of::OfError{of::ErrorType::kExperimenter, code, of::kOnfExperimenter},
                          msg);
  };
  if (*type == of::OnfMsgType::kBundleAddMessage) {
    of::BundleAdd add;
    auto inner = of::decode_bundle_add(msg, add);
    if (!inner) return error(xid, of::make_error(inner.error(), msg));
    auto it = open.find({slot, add.bundle_id});
    if (it == open.end())
      it = open.emplace(std::pair{slot, add.bundle_id}, State::Bundle{add.flags, {}}).first;
    if (it->second.flags != add.flags) return error(xid, with_data(of::bundle_failed::kBadFlags));
    it->second.messages.emplace_back(inner->begin(), inner->end());
    return;
  }
  auto ctrl = of::decode_bundle_ctrl(msg);
  if (!ctrl) return error(xid, of::make_error(ctrl.error(), msg));
  of::BundleCtrl reply = *ctrl;
  auto it = open.find({slot, ctrl->bundle_id});
  switch (ctrl->type) {
    case of::BundleCtrlType::kOpenRequest:
      if (it != open.end()) return error(xid, with_data(of::bundle_failed::kBundleExist));
      open.emplace(std::pair{slot, ctrl->bundle_id}, State::Bundle{ctrl->flags, {}});
      reply.type = of::BundleCtrlType::kOpenReply;
      break;
    case of::BundleCtrlType::kDiscardRequest:
      if (it == open.end()) return error(xid, with_data(of::bundle_failed::kBadId));
      open.erase(it);
      reply.type = of::BundleCtrlType::kDiscardReply;
      break;
    case of::BundleCtrlType::kCommitRequest: {
      if (it == open.end()) return error(xid, with_data(of::bundle_failed::kBadId));
      if (it->second.flags != ctrl->flags)
        return error(xid, with_data(of::bundle_failed::kBadFlags));
      const State::Bundle b = std::move(it->second);
      open.erase(it);
      if (!commit(b)) return error(xid, with_data(of::bundle_failed::kMsgFailed));
      ++s_->bundles_committed;
      reply.type = of::BundleCtrlType::kCommitReply;
      break;
    }
    default:
      return error(xid, with_data(of::bundle_failed::kBadType));
  }
  of::Bytes out;
  of::encode_bundle_ctrl(xid, reply, out);
  this->reply(out);
}

// All or nothing: on the first refused message (it answers an ERROR with its own xid) the flows
// and groups go back to what they were.
bool FakeSwitch::commit(const State::Bundle& b) {
  const auto flows = s_->flows;
  const auto groups = s_->groups;
  for (const std::vector<uint8_t>& m : b.messages) {
    const size_t replies = replies_.size();
    auto h = of::decode_header(m);
    if (h->type == of::MsgType::kFlowMod) {
      flow_mod(h->xid, m);
    } else {
      group_mod(h->xid, m);
    }
    if (replies_.size() != replies) {
      s_->flows = flows;
      s_->groups = groups;
      return false;
    }
  }
  return true;
}

void FakeSwitch::flow_mod(uint32_t xid, std::span<const uint8_t> msg) {
  of::FlowMod fm;
  if (auto r = of::decode_flow_mod(msg, fm); !r) return error(xid, of::make_error(r.error(), msg));
  if (fm.table_id == s_->reject_table) {
    return error(xid, of::make_error(
                          of::OfError{of::ErrorType::kBadMatch, of::bad_match::kBadField, 0}, msg));
  }
  const bool strict = fm.command == of::FlowModCommand::kDeleteStrict ||
                      fm.command == of::FlowModCommand::kModifyStrict;
  // Like the dataplane's FlowStore: table (0xff: all) and cookie under cookie_mask select; a
  // strict command also needs the same priority and match, a loose one an empty or equal match.
  auto selected = [&](const of::FlowStats& fs) {
    if (fm.table_id != of::kTableAll && fs.table_id != fm.table_id) return false;
    if ((fs.cookie & fm.cookie_mask) != (fm.cookie & fm.cookie_mask)) return false;
    if (strict) return fs.priority == fm.priority && fs.match == fm.match;
    return fm.match == of::Match{} || fs.match == fm.match;
  };
  switch (fm.command) {
    case of::FlowModCommand::kAdd: {
      std::erase_if(s_->flows, [&](const of::FlowStats& fs) {
        return fs.table_id == fm.table_id && fs.priority == fm.priority && fs.match == fm.match;
      });
      of::FlowStats fs;
      fs.table_id = fm.table_id;
      fs.priority = fm.priority;
      fs.cookie = fm.cookie;
      fs.match = fm.match;
      fs.instructions = fm.instructions;
      s_->flows.push_back(fs);
      return;
    }
    case of::FlowModCommand::kModify:
    case of::FlowModCommand::kModifyStrict:
      for (of::FlowStats& fs : s_->flows) {
        if (selected(fs)) fs.instructions = fm.instructions;
      }
      return;
    case of::FlowModCommand::kDelete:
    case of::FlowModCommand::kDeleteStrict:
      std::erase_if(s_->flows, selected);
      return;
  }
}

void FakeSwitch::group_mod(uint32_t xid, std::span<const uint8_t> msg) {
  auto gm = std::make_unique<of::GroupMod>();
  if (auto r = of::decode_group_mod(msg, *gm); !r) {
    return error(xid, of::make_error(r.error(), msg));
  }
  std::erase_if(s_->groups,
                [&](const of::GroupDesc& g) { return g.group_id == gm->group.group_id; });
  if (gm->command != of::GroupModCommand::kDelete) s_->groups.push_back(gm->group);
}

void FakeSwitch::multipart(uint32_t xid, std::span<const uint8_t> msg) {
  auto mp = of::decode_multipart_header(msg);
  if (!mp) return error(xid, of::make_error(mp.error(), msg));
  const InstalledState now = installed(*s_);
  of::Bytes out;
  switch (mp->type) {
    case of::MultipartType::kPortDesc:
      of::encode_port_desc_reply(xid, now.ports, out);
      break;
    case of::MultipartType::kFlow:
      of::encode_flow_stats_reply(xid, now.flows, out);
      break;
    case of::MultipartType::kGroupDesc:
      of::encode_group_desc_reply(xid, now.groups, out);
      break;
    case of::MultipartType::kPortStats: {
      std::vector<of::PortStats> stats;
      for (const of::Port& p : now.ports) stats.push_back(of::PortStats{.port_no = p.port_no});
      of::encode_port_stats_reply(xid, stats, out);
      break;
    }
    default:
      return;
  }
  // The reply encoders may have produced several messages (kMultipartMore); split them.
  size_t at = 0;
  while (at + of::kHeaderSize <= out.size()) {
    const size_t len = (size_t{out[at + 2]} << 8) | out[at + 3];
    reply(std::vector<uint8_t>(out.begin() + at, out.begin() + at + len));
    at += len;
  }
}

}  // namespace sluice::cp::testing
