// The daemon and the one-shot session over the real shared-memory channel: a ChannelServer
// thread plays the dataplane with FakeSwitch behind it.
#include "controlplane/daemon.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

#include "controlplane/commands/commands.h"
#include "controlplane/policy_loader.h"
#include "controlplane/sync.h"
#include "openflow/l2_contract.h"
#include "tests/controlplane/fake_dataplane.h"
#include "tests/controlplane/of_test_client.h"

namespace sluice::cp {
namespace {

using testing::FakeDataplane;
using testing::FakeSwitch;
using testing::OfTestClient;
using testing::type_of;
using namespace std::chrono_literals;

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

// The dataplane going away is noticed at the liveness interval, not at the (here long) poll
// interval: a dataplane restarted at once gets the whole policy again within a second or so.
TEST(OverChannel, DaemonRepushesToARestartedDataplaneSoon) {
  const std::string name = channel_name("restart");
  const std::string file = ::testing::TempDir() + "/restart.yaml";
  write_file(file, kTwoPorts);
  std::optional<FakeDataplane> dp;
  dp.emplace(name);
  DaemonOptions options;
  options.policy_path = file;
  options.channel = name;
  options.poll_interval = 10s;  // the file is not watched in this test's time
  std::atomic<int> rc{-1};
  std::thread daemon([&] { rc = run_daemon(options); });
  struct StopDaemon {
    std::thread& t;
    ~StopDaemon() {
      if (!t.joinable()) return;
      std::raise(SIGTERM);
      t.join();
    }
  } stop_daemon{daemon};
  ASSERT_TRUE(eventually([&] { return dp->flows() == 3; }));
  std::this_thread::sleep_for(200ms);  // the daemon is idle, in its poll interval

  dp.reset();  // closes and removes the channel
  dp.emplace(name);
  const auto restarted = std::chrono::steady_clock::now();
  EXPECT_TRUE(eventually([&] { return dp->ports() == 2 && dp->flows() == 3; }, 3000ms));
  // Notice (<= 100 ms) + the reconnect pause (250 ms) + handshake and push; 2 s of slack for
  // slow (sanitizer) builds, still far below the 10 s poll interval.
  EXPECT_LT(std::chrono::steady_clock::now() - restarted, 2000ms);

  std::raise(SIGTERM);
  daemon.join();
  EXPECT_EQ(rc, 0);
}

// A port nobody listens on right now (the endpoint inside run_daemon needs a fixed one).
uint16_t free_port() {
  auto addr = parse_listen_address("127.0.0.1:0");
  auto fd = open_listener(*addr);
  const uint16_t port = local_port(*fd);
  ::close(*fd);
  return port;
}

// `sluicectl run` with its OpenFlow endpoint: a flow added over TCP with a cookie of its own
// survives a policy reload that rewrites the policy flows around it.
TEST(OverChannel, DaemonEndpointFlowsSurviveAReload) {
  const std::string name = channel_name("runof");
  const std::string file = ::testing::TempDir() + "/runof.yaml";
  write_file(file, kTwoPorts);
  FakeDataplane dp(name);
  DaemonOptions options;
  options.policy_path = file;
  options.channel = name;
  options.poll_interval = 50ms;
  OfEndpointOptions of;
  of.channel = name;
  of.listen->port = free_port();
  options.openflow = of;
  std::atomic<int> rc{-1};
  std::thread daemon([&] { rc = run_daemon(options); });
  struct StopDaemon {
    std::thread& t;
    ~StopDaemon() {
      if (!t.joinable()) return;
      std::raise(SIGTERM);
      t.join();
    }
  } stop_daemon{daemon};
  EXPECT_TRUE(eventually([&] { return dp.flows() == 3; }));

  std::unique_ptr<OfTestClient> c;
  ASSERT_TRUE(eventually([&] {
    c = std::make_unique<OfTestClient>(of.listen->port);
    return c->connected() && c->handshake();
  }));
  of::FlowMod fm =
      of::l2::static_mac_flow(100, {0x02, 0, 0, 0, 0, 0x99}, of::l2::egress_actions(2));
  fm.cookie = 0x1234;
  of::Bytes bytes;
  of::encode_flow_mod(1, fm, bytes);
  of::encode_barrier_request(2, bytes);
  c->send(bytes);
  auto reply = c->recv();
  ASSERT_TRUE(reply);
  EXPECT_EQ(type_of(*reply), of::MsgType::kBarrierReply);
  EXPECT_EQ(dp.flows(), 4u);

  // Port b moves to VLAN 200: its policy flows are replaced; the foreign flow stays.
  std::string text = kTwoPorts;
  text.replace(text.find("web, vlan: 100}]"), 16, "web, vlan: 100}, {name: red, vlan: 200}]");
  text.replace(text.find("tb, vlan: {mode: access, id: 100}"), 33,
               "tb, vlan: {mode: access, id: 200}");
  write_file(file, text);
  EXPECT_TRUE(eventually(
      [&] { return dp.with_state([](FakeSwitch::State& s) { return s.groups.size() == 2; }); }));
  const size_t foreign = dp.with_state([](FakeSwitch::State& s) {
    return std::count_if(s.flows.begin(), s.flows.end(),
                         [](const of::FlowStats& fs) { return fs.cookie == 0x1234; });
  });
  EXPECT_EQ(foreign, 1u);

  std::raise(SIGTERM);
  daemon.join();
  EXPECT_EQ(rc, 0);
}

}  // namespace
}  // namespace sluice::cp
