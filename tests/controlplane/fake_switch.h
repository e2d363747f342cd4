// FakeSwitch: an in-process Transport that behaves like the dataplane's control service for
// the messages the controller sends (ports, flows, groups, multipart, barrier, bundles), using
// the real codec on both sides. It keeps its state in plain vectors for tests to inspect and
// seed. Bundles are kept per channel slot ('slot', set by FakeDataplane) like the dataplane
// does, and commit all or nothing: a refused message puts flows and groups back as they were.
#pragma once

#include <deque>
#include <map>
#include <utility>
#include <vector>

#include "controlplane/diff.h"
#include "controlplane/transport.h"
#include "openflow/codec.h"

namespace sluice::cp::testing {

class FakeSwitch final : public Transport {
 public:
  struct State {
    std::vector<of::PortAdd> ports;
    std::vector<of::FlowStats> flows;
    std::vector<of::GroupDesc> groups;
    std::vector<of::PortSet> port_settings;
    uint32_t mac_aging = 0;
    size_t barriers = 0;
    std::vector<std::vector<uint8_t>> received;  // every message, in order
    uint8_t reject_table = 0xfe;                 // FLOW_MODs for this table get an ERROR
    struct Bundle {
      uint16_t flags = 0;
      std::vector<std::vector<uint8_t>> messages;  // the inner FLOW_MODs / GROUP_MODs
    };
    std::map<std::pair<uint32_t, uint32_t>, Bundle> bundles;  // (slot, bundle id): open ones
    size_t bundles_committed = 0;
  };

  // The channel slot the next messages come from.
  uint32_t slot = 0;

  explicit FakeSwitch(State* state) : s_(state) {}

  Result<void> send(std::span<const uint8_t> msg) override;
  Result<bool> receive(std::vector<uint8_t>& out, std::chrono::milliseconds) override {
    if (replies_.empty()) return false;
    out = std::move(replies_.front());
    replies_.pop_front();
    return true;
  }
  bool alive() const override { return true; }
  uint64_t generation() const override { return 1; }
  void heartbeat() override {}

  // The state as PORT_DESC / FLOW / GROUP_DESC would report it.
  static InstalledState installed(const State& s);

 private:
  void reply(std::vector<uint8_t> bytes) { replies_.push_back(std::move(bytes)); }
  void error(uint32_t xid, const of::ErrorMsg& e);
  void experimenter(uint32_t xid, std::span<const uint8_t> msg);
  void bundle(uint32_t xid, std::span<const uint8_t> msg);
  bool commit(const State::Bundle& b);
  void flow_mod(uint32_t xid, std::span<const uint8_t> msg);
  void group_mod(uint32_t xid, std::span<const uint8_t> msg);
  void multipart(uint32_t xid, std::span<const uint8_t> msg);

  State* s_;
  std::deque<std::vector<uint8_t>> replies_;
};

}  // namespace sluice::cp::testing
