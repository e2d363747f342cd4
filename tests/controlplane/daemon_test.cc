// The daemon and the one-shot session over the real shared-memory channel: a ChannelServer
// thread plays the dataplane with FakeSwitch behind it.
#include "controlplane/daemon.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <mutex>
#include <thread>

#include "controlplane/commands/commands.h"
#include "controlplane/policy_loader.h"
#include "controlplane/sync.h"
#include "tests/controlplane/fake_switch.h"

namespace sluice::cp {
namespace {

using testing::FakeSwitch;
using namespace std::chrono_literals;

// Serves one channel from a thread until destroyed; every message goes through FakeSwitch.
class FakeDataplane {
 public:
  explicit FakeDataplane(std::string name) : name_(std::move(name)) {
    auto server = of::ChannelServer::create(name_, of::ChannelServer::Options{});
    EXPECT_TRUE(server) << (server ? "" : server.error().message);
    if (!server) return;
    server_.emplace(std::move(*server));
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeDataplane() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // A copy of the switch state, taken under the lock.
  size_t flows() {
    std::lock_guard lock(mu_);
    return state_.flows.size();
  }
  size_t ports() {
    std::lock_guard lock(mu_);
    return state_.ports.size();
  }

 private:
  void serve() {
    FakeSwitch fake(&state_);
    std::vector<uint8_t> msg;
    while (!stop_) {
      server_->tick();
      for (uint32_t slot = 0; slot < server_->slot_count(); ++slot) {
        while (server_->receive(slot, msg)) {
          std::lock_guard lock(mu_);
          (void)fake.send(msg);
          std::vector<uint8_t> reply;
          while (*fake.receive(reply, 0ms)) server_->send(slot, reply);
        }
      }
      server_->flush();
      std::this_thread::sleep_for(1ms);
    }
  }

  std::string name_;
  std::optional<of::ChannelServer> server_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  FakeSwitch::State state_;
};

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5000ms) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

std::string channel_name(const char* what) {
  return std::string("cptest-") + what + "-" + std::to_string(getpid());
}

void write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << text;
  std::rename(tmp.c_str(), path.c_str());
}

const char* kTwoPorts = R"(version: 1
networks: [{name: web, vlan: 100}]
ports:
  - {name: a, type: tap, iface: ta, vlan: {mode: access, id: 100}}
  - {name: b, type: tap, iface: tb, vlan: {mode: access, id: 100}}
)";

TEST(OverChannel, OneShotApply) {
  const std::string name = channel_name("apply");
  FakeDataplane dp(name);
  CommonOptions common;
  common.channel = name;
  auto session = open_session(common);
  ASSERT_TRUE(session) << session.error().message;
  const std::string file = ::testing::TempDir() + "/apply.yaml";
  write_file(file, kTwoPorts);
  Policy policy;
  ASSERT_TRUE(load_and_validate(file, policy).empty());
  auto r = apply_policy(**session, compile(policy), nullptr);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(dp.ports(), 2u);
  EXPECT_EQ(dp.flows(), 3u);
}

TEST(OverChannel, DaemonAppliesReloadsAndStops) {
  const std::string name = channel_name("run");
  const std::string file = ::testing::TempDir() + "/run.yaml";
  write_file(file, kTwoPorts);
  FakeDataplane dp(name);
  DaemonOptions options;
  options.policy_path = file;
  options.channel = name;
  options.poll_interval = 50ms;
  std::atomic<int> rc{-1};
  std::thread daemon([&] { rc = run_daemon(options); });

  EXPECT_TRUE(eventually([&] { return dp.flows() == 3; }));
  // An invalid edit keeps the running policy.
  write_file(file, "version: 1\nports: [{name: a, type: tap}]\n");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(dp.flows(), 3u);
  // A valid edit is applied: a third port.
  write_file(file, std::string(kTwoPorts) +
                       "  - {name: c, type: tap, iface: tc, vlan: {mode: access, id: 100}}\n");
  EXPECT_TRUE(eventually([&] { return dp.ports() == 3 && dp.flows() == 4; }));

  std::raise(SIGTERM);
  daemon.join();
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(dp.flows(), 4u);  // state stays in the dataplane
}

}  // namespace
}  // namespace sluice::cp
