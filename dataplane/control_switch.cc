#include "dataplane/control_switch.h"

#include <rte_version.h>

#include <string>

#include "dataplane/log.h"
#include "openflow/format.h"

namespace sluice::dp {

bool ControlSwitch::reply(uint32_t slot) {
  link_.send(slot, out_);
  return true;
}

bool ControlSwitch::hello(uint32_t slot, const of::Header& h) {
  out_.clear();
  of::encode_hello(h.xid, out_);
  return reply(slot);
}

bool ControlSwitch::echo(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg) {
  auto data = of::decode_echo(msg);
  if (!data) return link_.reply_error(slot, h.xid, data.error(), msg), false;
  out_.clear();
  of::encode_echo_reply(h.xid, *data, out_);
  return reply(slot);
}

bool ControlSwitch::peer_error(uint32_t slot, std::span<const uint8_t> msg) {
  log_warning("slot %u sent an error: %s", slot, of::format_message(msg).c_str());
  return true;
}

bool ControlSwitch::features(uint32_t slot, const of::Header& h) {
  of::FeaturesReply f;
  f.datapath_id = datapath_id_;
  f.n_tables = FlowStore::kNumTables;
  f.capabilities = 1 /*FLOW_STATS*/ | 2 /*TABLE_STATS*/ | 4 /*PORT_STATS*/ | 8 /*GROUP_STATS*/;
  out_.clear();
  of::encode_features_reply(h.xid, f, out_);
  return reply(slot);
}

bool ControlSwitch::get_config(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg) {
  if (auto ok = of::decode_empty(msg, of::MsgType::kGetConfigRequest); !ok) {
    return link_.reply_error(slot, h.xid, ok.error(), msg), false;
  }
  out_.clear();
  of::encode_get_config_reply(h.xid, of_config_, out_);
  return reply(slot);
}

bool ControlSwitch::set_config(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg) {
  auto cfg = of::decode_set_config(msg);
  if (!cfg) return link_.reply_error(slot, h.xid, cfg.error(), msg), false;
  // OFPC_FRAG_REASM would need reassembly, which the switch does not do (it says so in
  // FEATURES: no OFPC_IP_REASM): refused as the spec says, the configuration unchanged.
  if ((cfg->flags & of::config_flags::kFragMask) == of::config_flags::kFragReasm) {
    const of::OfError bad_flags{of::ErrorType::kSwitchConfigFailed,
                                of::switch_config_failed::kBadFlags, 0};
    return link_.reply_error(slot, h.xid, bad_flags, msg), false;
  }
  if (cfg->flags != of_config_.flags) link_.note_change();  // FRAG_DROP is in the tables
  of_config_ = *cfg;
  return true;
}

void ControlSwitch::desc(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg) {
  if (auto ok = of::decode_desc_request(msg); !ok) {
    return link_.reply_error(slot, h.xid, ok.error(), msg);
  }
  of::Desc d;
  (void)d.mfr_desc.assign("Sluice");
  (void)d.hw_desc.assign(rte_version());
  (void)d.sw_desc.assign("sluiced");
  (void)d.serial_num.assign("None");
  (void)d.dp_desc.assign("channel " + channel_.name());
  out_.clear();
  of::encode_desc_reply(h.xid, d, out_);
  reply(slot);
}

void ControlSwitch::table_features(uint32_t slot, const of::Header& h,
                                   std::span<const uint8_t> msg) {
  if (auto ok = of::decode_table_features_request(msg); !ok) {
    return link_.reply_error(slot, h.xid, ok.error(), msg);
  }
  out_.clear();
  of::encode_table_features_reply(h.xid, FlowStore::kNumTables, kMaxFlowCounters, out_);
  reply(slot);
}

void ControlSwitch::switch_config(uint32_t slot, const of::Header& h,
                                  std::span<const uint8_t> msg) {
  auto cfg = of::decode_switch_config(msg);
  if (!cfg) return link_.reply_error(slot, h.xid, cfg.error(), msg);
  auto refuse = [&](const std::string& why) {
    link_.reply_error(slot, h.xid, of::make_sluice_error(of::sluice_error::kBadPortArgument, why));
  };
  if (cfg->mac_aging_seconds == 0) return refuse("mac_aging_seconds must be at least 1");
  if (auto ok = flows_.set_learning_table(cfg->learning_table); !ok) {
    return refuse("learning_table " + std::to_string(cfg->learning_table) +
                  " holds flows of other shapes than L2");
  }
  mac_aging_ = cfg->mac_aging_seconds;
}

void ControlSwitch::apply_to(Tables& t) const {
  t.frag_drop = (of_config_.flags & of::config_flags::kFragMask) == of::config_flags::kFragDrop;
}

}  // namespace sluice::dp
