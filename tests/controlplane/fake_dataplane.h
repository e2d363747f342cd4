// FakeDataplane: a ChannelServer on a thread of its own that plays the dataplane over the real
// shared-memory channel, with a FakeSwitch answering every message from every slot. For tests
// of the controller daemon and of the OpenFlow endpoint.
#pragma once

#include <atomic>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "openflow/channel/channel.h"
#include "tests/controlplane/fake_switch.h"

namespace sluice::cp::testing {

class FakeDataplane {
 public:
  explicit FakeDataplane(std::string name);
  ~FakeDataplane();  // stops serving and removes the channel (clients see the dataplane go)

  // Reads or changes the switch state under the lock.
  template <class F>
  auto with_state(F f) {
    std::lock_guard lock(mu_);
    return f(state_);
  }
  size_t flows() {
    return with_state([](FakeSwitch::State& s) { return s.flows.size(); });
  }
  size_t ports() {
    return with_state([](FakeSwitch::State& s) { return s.ports.size(); });
  }
  // Every message received so far, in order.
  std::vector<std::vector<uint8_t>> received() {
    return with_state([](FakeSwitch::State& s) { return s.received; });
  }
  // Sends 'msg' to every connected client slot (an asynchronous message).
  void broadcast(std::vector<uint8_t> msg);

 private:
  void serve();

  std::string name_;
  std::optional<of::ChannelServer> server_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  FakeSwitch::State state_;
  std::deque<std::vector<uint8_t>> broadcasts_;  // under mu_
};

}  // namespace sluice::cp::testing
