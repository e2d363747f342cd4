// ControlService over a real channel (shared memory), with null ports and no workers (so every
// publish is live at once): one client sends a script that visits every message family —
// switch (HELLO, ECHO, FEATURES, configs, DESC), ports (Sluice PortAdd/Del/Set, PORT_DESC,
// PORT_STATS), flows (FLOW_MOD, GROUP_MOD, bundles, FLOW_REMOVED, flow/aggregate/table/group
// stats and descs), PACKET_OUT and the errors of each — and the test checks the replies and
// the per-type counters. The transcript (every reply, formatted) is written to the file named
// by SLUICE_CONTROL_TRANSCRIPT when it is set, to compare two builds message by message.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <rte_mbuf.h>

#include "dataplane/control_service.h"
#include "openflow/channel/channel.h"
#include "openflow/codec.h"
#include "openflow/format.h"
#include "tests/testlib/eal_environment.h"
#include "tests/testlib/of_builders.h"

namespace sluice::test {
namespace {

using namespace std::chrono_literals;

class ControlServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string id = std::to_string(getpid()) + "_" + std::to_string(++instances_);
    auto server = of::ChannelServer::create("ctltest" + id, {});
    ASSERT_TRUE(server) << server.error().message;
    server_.emplace(std::move(*server));
    auto macs = dp::MacTable::create("ctl_macs" + id, 1024, nullptr);
    auto learn = dp::LearnQueue::create("ctl_learn" + id, 1024);
    auto packet_in = dp::PacketInQueue::create("ctl_pin" + id, 1024);
    auto packet_out = dp::PacketOutQueue::create("ctl_pout" + id);
    ASSERT_TRUE(macs && learn && packet_in && packet_out);
    macs_ = std::move(*macs);
    learn_ = std::move(*learn);
    packet_in_ = std::move(*packet_in);
    packet_out_ = std::move(*packet_out);
    workers_.push_back(counters_.get());
    tables_ = std::make_unique<dp::TablesHandle>(nullptr);
    flows_ = std::make_unique<dp::FlowStore>(dp::kMaxFlowCounters,
                                             [](uint32_t) { return dp::FlowTotals{}; });
    ports_ = std::make_unique<dp::PortManager>(test_pool(), 1, link_.data());
    service_ = std::make_unique<dp::ControlService>(runtime());
    auto client = of::ChannelClient::connect(server_->name(), 1000ms);
    ASSERT_TRUE(client) << client.error().message;
    client_.emplace(std::move(*client));
  }

  void TearDown() override {
    if (const char* path = std::getenv("SLUICE_CONTROL_TRANSCRIPT")) {
      std::ofstream(path, std::ios::app) << transcript_ << counters();
    }
    client_.reset();
    service_.reset();
    ports_.reset();
    dp::PacketOutJob* jobs[8];
    while (uint32_t n = packet_out_->receive(jobs, 8)) {
      for (uint32_t i = 0; i < n; ++i) rte_pktmbuf_free(jobs[i]->m), packet_out_->release(jobs[i]);
    }
  }

  dp::Runtime runtime() {
    dp::Runtime e;
    e.channel = &*server_;
    e.ports = ports_.get();
    e.macs = macs_.get();
    e.learn = learn_.get();
    e.packet_in = packet_in_.get();
    e.packet_out = packet_out_.get();
    e.pool = test_pool();
    e.tables = tables_.get();
    e.flows = flows_.get();
    e.stats = &stats_;
    e.state_mutex = &mutex_;
    e.workers = workers_;
    e.datapath_id = 0x5c0001;
    return e;
  }

  // Sends one message, polls the service and returns every reply, formatted.
  std::vector<std::string> exchange(const of::Bytes& msg) {
    EXPECT_TRUE(client_->send(msg));
    for (int i = 0; i < 3; ++i) service_->poll();
    std::vector<std::string> replies;
    std::vector<uint8_t> in;
    while (client_->receive(in, 0ms).value_or(false)) {
      replies.push_back(of::format_message(in));
      transcript_ += replies.back() + "\n";
    }
    transcript_ += "--\n";
    return replies;
  }

  template <typename Encode>
  std::vector<std::string> send(Encode encode) {
    of::Bytes msg;
    encode(++xid_, msg);
    return exchange(msg);
  }

  static of::PortAdd null_port(uint32_t port_no, const char* name) {
    of::PortAdd p;
    p.port_no = port_no;
    p.type = of::PortType::kNull;
    (void)p.name.assign(name);
    return p;
  }

  of::Bytes bundle_add(uint32_t bundle, const of::FlowMod& fm, uint16_t flags = 0) {
    of::Bytes inner;
    of::encode_flow_mod(++xid_, fm, inner);
    return bundle_add(bundle, inner, flags);
  }
  of::Bytes bundle_add(uint32_t bundle, const of::GroupMod& gm) {
    of::Bytes inner;
    of::encode_group_mod(++xid_, gm, inner);
    return bundle_add(bundle, inner, 0);
  }
  of::Bytes bundle_add(uint32_t bundle, const of::Bytes& inner, uint16_t flags) {
    of::Bytes msg;
    of::encode_bundle_add(++xid_, of::BundleAdd{bundle, flags, {}}, inner, msg);
    return msg;
  }

  std::vector<std::string> bundle_ctrl(uint32_t bundle, of::BundleCtrlType type,
                                       uint16_t flags = 0) {
    return send([&](uint32_t x, of::Bytes& o) {
      of::encode_bundle_ctrl(x, of::BundleCtrl{bundle, type, flags}, o);
    });
  }

  std::string counters() const {
    std::string s;
    for (size_t t = 0; t < dp::ControlStats::kTypes; ++t) {
      s += std::to_string(t) + ": " + std::to_string(stats_.applied[t]) + " applied, " +
           std::to_string(stats_.rejected[t]) + " rejected\n";
    }
    for (const auto* c : {&stats_.undecodable, &stats_.publishes, &stats_.full_compiles,
                          &stats_.incremental_compiles, &stats_.flow_removed_sent,
                          &stats_.packet_in_sent, &stats_.bundles_committed,
                          &stats_.bundles_failed, &stats_.bundle_opens_refused,
                          &stats_.bundle_adds_refused}) {
      s += std::to_string(c->load()) + "\n";
    }
    return s;
  }

  uint64_t applied(of::MsgType t) const { return stats_.applied[static_cast<uint8_t>(t)]; }
  uint64_t rejected(of::MsgType t) const { return stats_.rejected[static_cast<uint8_t>(t)]; }

  static inline int instances_ = 0;
  std::optional<of::ChannelServer> server_;
  std::optional<of::ChannelClient> client_;
  std::unique_ptr<dp::MacTable> macs_;
  std::unique_ptr<dp::LearnQueue> learn_;
  std::unique_ptr<dp::PacketInQueue> packet_in_;
  std::unique_ptr<dp::PacketOutQueue> packet_out_;
  std::unique_ptr<dp::WorkerCounters> counters_ = std::make_unique<dp::WorkerCounters>();
  std::vector<dp::WorkerCounters*> workers_;
  std::unique_ptr<dp::TablesHandle> tables_;
  std::unique_ptr<dp::FlowStore> flows_;
  std::array<std::atomic<uint8_t>, dp::kMaxPorts> link_{};
  std::unique_ptr<dp::PortManager> ports_;
  dp::ControlStats stats_;
  std::mutex mutex_;
  std::unique_ptr<dp::ControlService> service_;
  uint32_t xid_ = 0;
  std::string transcript_;
};

bool has(const std::vector<std::string>& replies, std::string_view text) {
  for (const auto& r : replies) {
    if (r.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST_F(ControlServiceTest, SwitchMessages) {
  EXPECT_TRUE(has(send(of::encode_hello), "HELLO"));
  const std::vector<uint8_t> data{1, 2, 3};
  EXPECT_EQ(send([&](uint32_t x, of::Bytes& o) { of::encode_echo_request(x, data, o); }).size(),
            1u);
  EXPECT_TRUE(send([](uint32_t x, of::Bytes& o) { of::encode_echo_reply(x, {}, o); }).empty());
  EXPECT_EQ(send(of::encode_features_request).size(), 1u);
  EXPECT_EQ(send(of::encode_get_config_request).size(), 1u);
  of::OfSwitchConfig cfg;
  cfg.flags = of::config_flags::kFragDrop;
  EXPECT_TRUE(send([&](uint32_t x, of::Bytes& o) { of::encode_set_config(x, cfg, o); }).empty());
  EXPECT_TRUE(tables_->live().frag_drop);
  cfg.flags = of::config_flags::kFragReasm;
  EXPECT_TRUE(has(send([&](uint32_t x, of::Bytes& o) { of::encode_set_config(x, cfg, o); }),
                  "ERROR"));
  EXPECT_EQ(send(of::encode_get_config_request).size(), 1u);
  EXPECT_EQ(send(of::encode_desc_request).size(), 1u);
  EXPECT_FALSE(send(of::encode_table_features_request).empty());
  EXPECT_EQ(send(of::encode_table_stats_request).size(), 1u);
  EXPECT_TRUE(has(send(of::encode_barrier_request), "BARRIER_REPLY"));
  EXPECT_TRUE(has(send([](uint32_t x, of::Bytes& o) {
                    of::encode_role_request(x, of::RoleRequest{}, o);  // not served
                  }),
                  "ERROR"));
  of::Bytes bad_version{1, 0, 0, 8, 0, 0, 0, 98};
  EXPECT_TRUE(has(exchange(bad_version), "ERROR"));
  EXPECT_EQ(stats_.undecodable, 1u);
  EXPECT_EQ(applied(of::MsgType::kSetConfig), 1u);
  EXPECT_EQ(rejected(of::MsgType::kSetConfig), 1u);
  EXPECT_EQ(applied(of::MsgType::kEchoReply), 1u);
}

TEST_F(ControlServiceTest, PortMessages) {
  auto add = [&](uint32_t no, const char* name) {
    return send([&](uint32_t x, of::Bytes& o) { of::encode_port_add(x, null_port(no, name), o); });
  };
  EXPECT_TRUE(has(add(1, "p1"), "PORT_STATUS"));
  EXPECT_TRUE(add(1, "p1").empty());  // the same port again: nothing changes
  EXPECT_TRUE(has(add(2, "p2"), "PORT_STATUS"));
  EXPECT_EQ(ports_->slots_in_use().size(), 2u);
  of::PortSet set;
  set.port_no = 1;
  set.mac_limit = 7;
  EXPECT_TRUE(send([&](uint32_t x, of::Bytes& o) { of::encode_port_set(x, set, o); }).empty());
  set.port_no = 9;
  EXPECT_TRUE(has(send([&](uint32_t x, of::Bytes& o) { of::encode_port_set(x, set, o); }),
                  "ERROR"));
  EXPECT_EQ(send(of::encode_port_desc_request).size(), 1u);
  EXPECT_EQ(send([](uint32_t x, of::Bytes& o) {
              of::encode_port_stats_request(x, of::port_no::kAny, o);
            }).size(),
            1u);
  EXPECT_TRUE(has(send([](uint32_t x, of::Bytes& o) { of::encode_port_stats_request(x, 99, o); }),
                  "ERROR"));
  of::SwitchConfig sc;
  sc.mac_aging_seconds = 0;
  EXPECT_TRUE(has(send([&](uint32_t x, of::Bytes& o) { of::encode_switch_config(x, sc, o); }),
                  "ERROR"));
  sc.mac_aging_seconds = 60;
  EXPECT_TRUE(send([&](uint32_t x, of::Bytes& o) { of::encode_switch_config(x, sc, o); }).empty());
  EXPECT_TRUE(has(send([](uint32_t x, of::Bytes& o) {
                    of::encode_port_del(x, of::PortDel{2}, o);
                  }),
                  "PORT_STATUS"));
  EXPECT_TRUE(has(send([](uint32_t x, of::Bytes& o) {
                    of::encode_port_del(x, of::PortDel{2}, o);
                  }),
                  "ERROR"));
  EXPECT_EQ(ports_->slots_in_use().size(), 1u);
  // Every version published is counted, the blocking publish of a PORT_DEL's included.
  EXPECT_EQ(stats_.publishes, tables_->live().version);
  EXPECT_EQ(stats_.full_compiles + stats_.incremental_compiles, stats_.publishes.load());
  // The three answered with an ERROR (PORT_SET of a missing port, SWITCH_CONFIG with aging 0,
  // a second PORT_DEL) count as rejected, the other six as applied; likewise the PORT_STATS
  // request for a missing port among the multiparts.
  EXPECT_EQ(applied(of::MsgType::kExperimenter), 6u);
  EXPECT_EQ(rejected(of::MsgType::kExperimenter), 3u);
  EXPECT_EQ(applied(of::MsgType::kMultipartRequest), 2u);
  EXPECT_EQ(rejected(of::MsgType::kMultipartRequest), 1u);
}

TEST_F(ControlServiceTest, FlowMessages) {
  send([](uint32_t x, of::Bytes& o) { of::encode_port_add(x, null_port(1, "p1"), o); });
  send([](uint32_t x, of::Bytes& o) { of::encode_port_add(x, null_port(2, "p2"), o); });
  auto flow_mod = [&](const of::FlowMod& fm) {
    return send([&](uint32_t x, of::Bytes& o) { of::encode_flow_mod(x, fm, o); });
  };
  EXPECT_TRUE(flow_mod(ingress_untagged(1, 10)).empty());
  of::FlowMod removable = ingress_untagged(2, 10);
  removable.flags = 1;  // OFPFF_SEND_FLOW_REM
  EXPECT_TRUE(flow_mod(removable).empty());
  of::FlowMod bad = ingress_untagged(1, 10);
  bad.table_id = 250;
  EXPECT_TRUE(has(flow_mod(bad), "ERROR"));
  auto group = [&](const of::GroupMod& gm) {
    return send([&](uint32_t x, of::Bytes& o) { of::encode_group_mod(x, gm, o); });
  };
  EXPECT_TRUE(group(flood_group(10, {bucket(1), bucket(2)})).empty());
  EXPECT_TRUE(has(group(flood_group(10, {bucket(1)})), "ERROR"));  // exists
  EXPECT_TRUE(flow_mod(flood_flow(10)).empty());
  EXPECT_TRUE(has(send(of::encode_barrier_request), "BARRIER_REPLY"));
  EXPECT_FALSE(send([](uint32_t x, of::Bytes& o) {
                 of::encode_flow_stats_request(x, of::FlowStatsRequest{}, o);
               }).empty());
  EXPECT_EQ(send([](uint32_t x, of::Bytes& o) {
              of::encode_aggregate_request(x, of::FlowStatsRequest{}, o);
            }).size(),
            1u);
  EXPECT_EQ(send([](uint32_t x, of::Bytes& o) {
              of::encode_group_stats_request(x, of::group_id::kAll, o);
            }).size(),
            1u);
  EXPECT_EQ(send(of::encode_group_desc_request).size(), 1u);
  EXPECT_EQ(send(of::encode_table_stats_request).size(), 1u);
  EXPECT_TRUE(has(flow_mod(delete_strict(removable)), "FLOW_REMOVED"));
  EXPECT_EQ(stats_.flow_removed_sent, 1u);
  EXPECT_EQ(applied(of::MsgType::kFlowMod), 4u);
  EXPECT_EQ(rejected(of::MsgType::kFlowMod), 1u);
  EXPECT_EQ(rejected(of::MsgType::kGroupMod), 1u);
}

TEST_F(ControlServiceTest, Bundles) {
  send([](uint32_t x, of::Bytes& o) { of::encode_port_add(x, null_port(1, "p1"), o); });
  using T = of::BundleCtrlType;
  EXPECT_TRUE(has(bundle_ctrl(5, T::kOpenRequest), "BUNDLE"));
  EXPECT_TRUE(has(bundle_ctrl(5, T::kOpenRequest), "ERROR"));  // exists
  EXPECT_TRUE(exchange(bundle_add(5, ingress_untagged(1, 10))).empty());
  of::FlowMod bad = ingress_untagged(1, 10);
  bad.table_id = 250;
  EXPECT_TRUE(has(exchange(bundle_add(5, bad)), "ERROR"));  // checked when added
  EXPECT_TRUE(has(exchange(bundle_add(5, ingress_untagged(1, 11), 1)), "ERROR"));  // flags
  EXPECT_TRUE(has(bundle_ctrl(5, T::kCloseRequest), "BUNDLE"));
  EXPECT_TRUE(has(bundle_ctrl(5, T::kCloseRequest), "ERROR"));
  EXPECT_TRUE(has(exchange(bundle_add(5, ingress_untagged(1, 11))), "ERROR"));  // closed
  EXPECT_TRUE(has(bundle_ctrl(5, T::kCommitRequest, 1), "ERROR"));            // flags
  EXPECT_TRUE(has(bundle_ctrl(5, T::kCommitRequest), "BUNDLE"));
  EXPECT_EQ(flows_->active_counts()[0], 1u);
  EXPECT_TRUE(has(bundle_ctrl(5, T::kCommitRequest), "ERROR"));  // gone
  EXPECT_TRUE(exchange(bundle_add(6, ingress_untagged(1, 12))).empty());  // opens 6
  EXPECT_TRUE(has(bundle_ctrl(6, T::kDiscardRequest), "BUNDLE"));
  EXPECT_TRUE(has(bundle_ctrl(6, T::kDiscardRequest), "ERROR"));
  // A commit whose second message fails leaves the store as it was.
  EXPECT_TRUE(exchange(bundle_add(7, ingress_untagged(1, 13))).empty());
  EXPECT_TRUE(exchange(bundle_add(7, flood_group(13, {bucket(1)}))).empty());
  EXPECT_TRUE(exchange(bundle_add(7, flood_group(13, {bucket(1)}))).empty());  // exists then
  EXPECT_TRUE(has(bundle_ctrl(7, T::kCommitRequest), "ERROR"));
  EXPECT_EQ(flows_->active_counts()[0], 1u);
  EXPECT_EQ(stats_.bundles_committed, 1u);
  EXPECT_EQ(stats_.bundles_failed, 1u);
}

TEST_F(ControlServiceTest, PacketOut) {
  send([](uint32_t x, of::Bytes& o) { of::encode_port_add(x, null_port(1, "p1"), o); });
  const std::vector<uint8_t> frame(60, 0xab);
  of::PacketOut po;
  po.actions = actions({output(1)});
  auto packet_out = [&] {
    return send([&](uint32_t x, of::Bytes& o) { of::encode_packet_out(x, po, frame, o); });
  };
  EXPECT_TRUE(packet_out().empty());
  po.actions = actions({group(77)});
  EXPECT_TRUE(has(packet_out(), "ERROR"));
  po.actions = actions({output(of::port_no::kTable)});
  EXPECT_TRUE(has(packet_out(), "ERROR"));  // TABLE needs an in_port
  po.in_port = 5;
  EXPECT_TRUE(has(packet_out(), "ERROR"));  // no such port
  EXPECT_EQ(applied(of::MsgType::kPacketOut), 1u);
  EXPECT_EQ(rejected(of::MsgType::kPacketOut), 3u);
}

}  // namespace
}  // namespace sluice::test
