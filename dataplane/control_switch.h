// ControlSwitch: the control messages about the switch as a whole — HELLO, ECHO, a client's
// ERROR (logged), FEATURES, GET_CONFIG / SET_CONFIG (OpenFlow's switch configuration: what happens
// to IP fragments), the DESC and TABLE_FEATURES multiparts, and Sluice's SwitchConfig experimenter
// message (MAC aging, the learning table). It owns that configuration; the ControlService reads it
// when it compiles tables (apply_to) and when it ages MACs (mac_aging_seconds). Runs on the
// control lcore only, like the service.
#pragma once

#include <cstdint>
#include <span>

#include "dataplane/control_link.h"
#include "dataplane/flow_store.h"
#include "openflow/channel/channel.h"

namespace sluice::dp {

class ControlSwitch {
 public:
  ControlSwitch(ControlLink& link, const of::ChannelServer& channel, FlowStore& flows,
                uint64_t datapath_id)
      : link_(link), channel_(channel), flows_(flows), datapath_id_(datapath_id) {}

  // Each returns false if it rejected the message (with an ERROR to 'slot').
  bool hello(uint32_t slot, const of::Header& h);
  bool echo(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  bool features(uint32_t slot, const of::Header& h);
  bool get_config(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  bool set_config(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  bool peer_error(uint32_t slot, std::span<const uint8_t> msg);  // an ERROR a client sent: logged
  // Multipart requests and the experimenter message (counted as applied either way).
  void desc(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  void table_features(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);
  void switch_config(uint32_t slot, const of::Header& h, std::span<const uint8_t> msg);

  void apply_to(Tables& t) const;  // what SET_CONFIG puts in the tables
  uint32_t mac_aging_seconds() const noexcept { return mac_aging_; }

 private:
  bool reply(uint32_t slot);  // sends out_

  ControlLink& link_;
  const of::ChannelServer& channel_;
  FlowStore& flows_;  // SwitchConfig names its learning table
  uint64_t datapath_id_;
  of::OfSwitchConfig of_config_;  // GET_CONFIG / SET_CONFIG
  uint32_t mac_aging_ = 300;
  of::Bytes out_;
};

}  // namespace sluice::dp
