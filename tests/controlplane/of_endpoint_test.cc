// The OpenFlow endpoint over real loopback TCP and Unix sockets, relaying to a FakeDataplane
// over the real shared-memory channel: framing, HELLO negotiation and timeouts, echo probes,
// roles, xid and bundle rewriting, port messages refused, peer credentials, asynchronous
// messages, slow readers, and the dataplane going away.
#include "controlplane/of_endpoint.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <set>
#include <thread>

#include "openflow/codec.h"
#include "tests/controlplane/fake_dataplane.h"
#include "tests/controlplane/of_test_client.h"

namespace sluice::cp {
namespace {

using namespace std::chrono_literals;
using testing::FakeDataplane;
using testing::FakeSwitch;
using testing::OfTestClient;
using testing::type_of;
using testing::xid_of;
using Bytes = std::vector<uint8_t>;

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5000ms) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

std::string channel_name(const char* what) {
  return std::string("oftest-") + what + "-" + std::to_string(getpid());
}

Bytes barrier(uint32_t xid) {
  Bytes b;
  of::encode_barrier_request(xid, b);
  return b;
}
Bytes echo(uint32_t xid, std::string_view payload) {
  Bytes b;
  of::encode_echo_request(xid, {reinterpret_cast<const uint8_t*>(payload.data()), payload.size()},
                          b);
  return b;
}
Bytes role(uint32_t xid, of::ControllerRole r, uint64_t generation) {
  Bytes b;
  of::encode_role_request(xid, of::RoleRequest{r, {}, generation}, b);
  return b;
}
Bytes flow_stats(uint32_t xid) {
  Bytes b;
  of::encode_flow_stats_request(xid, of::FlowStatsRequest{}, b);
  return b;
}
Bytes flow_mod(uint32_t xid, uint8_t table, uint16_t priority, uint64_t cookie = 0x1234) {
  of::FlowMod fm;
  fm.table_id = table;
  fm.priority = priority;
  fm.cookie = cookie;
  Bytes b;
  of::encode_flow_mod(xid, fm, b);
  return b;
}

Bytes bundle_ctrl(uint32_t xid, uint32_t id, of::BundleCtrlType type) {
  Bytes b;
  of::encode_bundle_ctrl(xid, of::BundleCtrl{id, type, 0}, b);
  return b;
}
Bytes bundle_add(uint32_t xid, uint32_t id, const Bytes& inner) {
  Bytes b;
  of::encode_bundle_add(xid, of::BundleAdd{id, 0}, inner, b);
  return b;
}

// A FakeDataplane and an endpoint on an ephemeral loopback port relaying to it (and, after
// use_unix_socket(), on a Unix socket in a directory of the test's own).
struct Fixture : ::testing::Test {
  std::string name = channel_name(::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::optional<FakeDataplane> dp;
  std::optional<OfEndpoint> ep;
  std::string tmp_dir;    // made by use_unix_socket(), removed with everything in it
  std::string unix_path;  // tmp_dir/run/NAME.openflow (its directory made by the endpoint)

  void SetUp() override {
    dp.emplace(name);
    start_endpoint(OfEndpointOptions{});
  }
  void TearDown() override {
    ep.reset();
    dp.reset();
    if (!tmp_dir.empty()) std::filesystem::remove_all(tmp_dir);
  }
  void use_unix_socket(OfEndpointOptions o = {}) {
    char dir[] = "/tmp/oftest-unix-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    tmp_dir = dir;
    ::chmod(dir, 0755);  // like /run: others may look in; the socket's own mode decides
    unix_path = tmp_dir + "/run/" + name + ".openflow";
    o.unix_path = unix_path;
    start_endpoint(o);
    ASSERT_TRUE(ep->unix_listening());
  }
  std::unique_ptr<OfTestClient> unix_client() {
    auto c = std::make_unique<OfTestClient>(unix_path);
    EXPECT_TRUE(c->connected());
    EXPECT_TRUE(c->handshake());
    return c;
  }
  void start_endpoint(OfEndpointOptions o) {
    ep.reset();
    o.listen->port = 0;
    o.channel = name;
    o.connect_retry = 50ms;
    ep.emplace(o);
    ep->start();
    ASSERT_NE(ep->port(), 0);
    ASSERT_TRUE(eventually([&] { return ep->relay_connected(); }));
  }
  std::unique_ptr<OfTestClient> client() {
    auto c = std::make_unique<OfTestClient>(ep->port());
    EXPECT_TRUE(c->connected());
    EXPECT_TRUE(c->handshake());
    return c;
  }
  // Messages the dataplane received of 'type'.
  std::vector<Bytes> at_dataplane(of::MsgType type) {
    std::vector<Bytes> out;
    for (Bytes& m : dp->received()) {
      if (type_of(m) == type) out.push_back(std::move(m));
    }
    return out;
  }
};

// ---- HELLO
// ---------------------------------------------------------------------------------------

TEST_F(Fixture, HelloOfferingOneThreeIsAcceptedAndEchoIsAnsweredLocally) {
  auto c = client();
  c->send(echo(0x77, "ping"));
  auto reply = c->recv();
  ASSERT_TRUE(reply);
  EXPECT_EQ(type_of(*reply), of::MsgType::kEchoReply);
  EXPECT_EQ(xid_of(*reply), 0x77u);
  auto payload = of::decode_echo(*reply);
  ASSERT_TRUE(payload);
  EXPECT_EQ(Bytes(payload->begin(), payload->end()), (Bytes{'p', 'i', 'n', 'g'}));
  EXPECT_TRUE(at_dataplane(of::MsgType::kEchoRequest).empty());
  EXPECT_EQ(ep->stats().answered_locally, 1u);
}

TEST_F(Fixture, HelloWithoutBitmapFromANewerVersionIsAccepted) {
  OfTestClient c(ep->port());
  Bytes hello = {0x05, 0x00, 0x00, 0x08, 0, 0, 0, 1};
  c.send(hello);
  ASSERT_TRUE(c.recv_type(of::MsgType::kHello));
  c.send(barrier(9));
  auto reply = c.recv();
  ASSERT_TRUE(reply);
  EXPECT_EQ(type_of(*reply), of::MsgType::kBarrierReply);
  EXPECT_EQ(xid_of(*reply), 9u);
}

TEST_F(Fixture, ClientsWithoutOneThreeGetHelloFailedAndAreClosed) {
  const Bytes cases[] = {
      {0x01, 0x00, 0x00, 0x08, 0, 0, 0, 5},  // OpenFlow 1.0, no bitmap
      // OpenFlow 1.5 header, bitmap offering 1.0 and 1.5 only
      {0x06, 0x00, 0x00, 0x10, 0, 0, 0, 5, 0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x42},
      {0x04, 0x05, 0x00, 0x08, 0, 0, 0, 5},  // no HELLO first (FEATURES_REQUEST)
  };
  for (const Bytes& first : cases) {
    OfTestClient c(ep->port());
    c.send(first);
    ASSERT_TRUE(c.recv_type(of::MsgType::kHello));
    auto err = c.recv();
    ASSERT_TRUE(err);
    ASSERT_EQ(type_of(*err), of::MsgType::kError);
    EXPECT_EQ(xid_of(*err), 5u);
    auto e = of::decode_error(*err);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->type, of::ErrorType::kHelloFailed);
    EXPECT_EQ(e->code, of::hello_failed::kIncompatible);
    const std::string text(e->view().begin(), e->view().end());
    EXPECT_NE(text.find("OpenFlow 1.3"), std::string::npos) << text;
    EXPECT_TRUE(c.wait_closed());
  }
  EXPECT_TRUE(eventually([&] { return ep->stats().clients == 0; }));
  EXPECT_EQ(ep->stats().errors_sent, 3u);
}

// ---- Framing
// -------------------------------------------------------------------------------------

TEST_F(Fixture, PartialAndCoalescedMessagesAreFramedByTheirLength) {
  auto c = client();
  const Bytes one = barrier(0x101);
  for (uint8_t b : one) {  // one byte at a time
    c->send_raw(&b, 1);
    std::this_thread::sleep_for(2ms);
  }
  auto r = c->recv();
  ASSERT_TRUE(r);
  EXPECT_EQ(type_of(*r), of::MsgType::kBarrierReply);
  EXPECT_EQ(xid_of(*r), 0x101u);
  // Three messages in one write: three replies, in order (all relayed; an ECHO would be
  // answered at once, ahead of replies still on their way from the dataplane).
  Bytes three = barrier(1);
  for (const Bytes& m : {flow_stats(2), barrier(3)}) three.insert(three.end(), m.begin(), m.end());
  c->send(three);
  for (uint32_t xid : {1u, 2u, 3u}) {
    auto m = c->recv();
    ASSERT_TRUE(m);
    EXPECT_EQ(xid_of(*m), xid);
  }
}

TEST_F(Fixture, ALengthBelowEightClosesTheConnection) {
  auto c = client();
  c->send(Bytes{0x04, 0x14, 0x00, 0x04, 0, 0, 0, 1});
  EXPECT_TRUE(c->wait_closed());
  EXPECT_TRUE(eventually([&] { return ep->stats().framing_errors == 1; }));
  // Others are not affected.
  auto d = client();
  d->send(barrier(4));
  EXPECT_TRUE(d->recv_type(of::MsgType::kBarrierReply));
}

TEST_F(Fixture, WrongVersionAfterHelloIsBadVersion) {
  auto c = client();
  Bytes b = barrier(6);
  b[0] = 0x01;
  c->send(b);
  auto err = c->recv();
  ASSERT_TRUE(err);
  ASSERT_EQ(type_of(*err), of::MsgType::kError);
  EXPECT_EQ(of::decode_error(*err)->code, of::bad_request::kBadVersion);
  EXPECT_EQ(xid_of(*err), 6u);
}

// ---- Relay and xids
// ------------------------------------------------------------------------------

TEST_F(Fixture, TwoClientsWithTheSameXidGetTheirOwnReplies) {
  dp->with_state([](FakeSwitch::State& s) {
    of::FlowStats fs;
    fs.table_id = 1;
    fs.priority = 5;
    s.flows.push_back(fs);
  });
  auto a = client();
  auto b = client();
  a->send(flow_stats(7));
  b->send(barrier(7));
  a->send(barrier(7));
  auto a1 = a->recv(), a2 = a->recv(), b1 = b->recv();
  ASSERT_TRUE(a1 && a2 && b1);
  EXPECT_EQ(type_of(*a1), of::MsgType::kMultipartReply);
  EXPECT_EQ(type_of(*a2), of::MsgType::kBarrierReply);
  EXPECT_EQ(type_of(*b1), of::MsgType::kBarrierReply);
  for (const Bytes* m : {&*a1, &*a2, &*b1}) EXPECT_EQ(xid_of(*m), 7u);
  // The dataplane saw three different xids.
  std::vector<uint32_t> seen;
  for (const Bytes& m : dp->received()) {
    if (type_of(m) == of::MsgType::kBarrierRequest ||
        type_of(m) == of::MsgType::kMultipartRequest) {
      seen.push_back(xid_of(m));
    }
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end());
  EXPECT_EQ(ep->stats().to_dataplane, 3u);
}

TEST_F(Fixture, AMultipartReplyInSeveralPartsKeepsTheClientXid) {
  dp->with_state([](FakeSwitch::State& s) {
    for (uint16_t i = 0; i < 1500; ++i) {
      of::FlowStats fs;
      fs.table_id = 1;
      fs.priority = i;
      fs.cookie = i;
      s.flows.push_back(fs);
    }
  });
  auto c = client();
  c->send(flow_stats(0xabc));
  size_t parts = 0;
  std::vector<of::FlowStats> flows;
  for (;;) {
    auto m = c->recv();
    ASSERT_TRUE(m);
    ASSERT_EQ(type_of(*m), of::MsgType::kMultipartReply);
    EXPECT_EQ(xid_of(*m), 0xabcu);
    ++parts;
    ASSERT_TRUE(of::decode_flow_stats_reply(*m, flows));
    if ((of::decode_multipart_header(*m)->flags & of::kMultipartMore) == 0) break;
  }
  EXPECT_GT(parts, 1u);
  EXPECT_EQ(flows.size(), 1500u);
  EXPECT_TRUE(eventually([&] { return ep->stats().in_flight == 0; }));
}

TEST_F(Fixture, ErrorsGoBackWithTheClientXidAlsoInsideTheirData) {
  dp->with_state([](FakeSwitch::State& s) { s.reject_table = 3; });
  auto c = client();
  c->send(flow_mod(0x5150, 3, 10));
  auto err = c->recv();
  ASSERT_TRUE(err);
  ASSERT_EQ(type_of(*err), of::MsgType::kError);
  EXPECT_EQ(xid_of(*err), 0x5150u);
  auto e = of::decode_error(*err);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, of::ErrorType::kBadMatch);
  ASSERT_GE(e->data_len, 8);
  const Bytes echoed(e->view().begin(), e->view().begin() + 8);
  EXPECT_EQ(type_of(echoed), of::MsgType::kFlowMod);
  EXPECT_EQ(xid_of(echoed), 0x5150u) << "the copy of the request carries the client's xid";
}

TEST_F(Fixture, RequestsThatGetNoReplyDoNotStayInFlight) {
  auto c = client();
  for (uint32_t i = 0; i < 200; ++i) c->send(flow_mod(i, 1, static_cast<uint16_t>(i)));
  EXPECT_TRUE(eventually([&] { return dp->flows() == 200; }));
  // The endpoint's own barrier clears what the flow mods left behind.
  EXPECT_TRUE(eventually([&] { return ep->stats().in_flight == 0; }));
  EXPECT_EQ(ep->stats().to_dataplane, 200u);
}

// ---- Roles
// ---------------------------------------------------------------------------------------

TEST_F(Fixture, ASlaveCannotChangeFlows) {
  auto c = client();
  c->send(role(1, of::ControllerRole::kSlave, 1));
  auto reply = c->recv();
  ASSERT_TRUE(reply);
  ASSERT_EQ(type_of(*reply), of::MsgType::kRoleReply);
  EXPECT_EQ(xid_of(*reply), 1u);
  EXPECT_EQ(of::decode_role_reply(*reply)->role, of::ControllerRole::kSlave);

  c->send(flow_mod(2, 1, 10));
  Bytes port_del;
  of::encode_port_del(3, of::PortDel{1}, port_del);
  c->send(port_del);
  // Port messages are nobody's at the endpoint, whatever the role: EPERM, not IS_SLAVE.
  for (auto [xid, code] :
       {std::pair{2u, of::bad_request::kIsSlave}, std::pair{3u, of::bad_request::kEperm}}) {
    auto err = c->recv();
    ASSERT_TRUE(err);
    ASSERT_EQ(type_of(*err), of::MsgType::kError);
    EXPECT_EQ(xid_of(*err), xid);
    auto e = of::decode_error(*err);
    EXPECT_EQ(e->type, of::ErrorType::kBadRequest);
    EXPECT_EQ(e->code, code);
  }
  // Reading is fine.
  c->send(flow_stats(4));
  EXPECT_TRUE(c->recv_type(of::MsgType::kMultipartReply));
  EXPECT_TRUE(at_dataplane(of::MsgType::kFlowMod).empty());
  EXPECT_TRUE(at_dataplane(of::MsgType::kExperimenter).empty());
  EXPECT_TRUE(at_dataplane(of::MsgType::kRoleRequest).empty()) << "roles stay in the endpoint";
}

TEST_F(Fixture, ANewMasterDemotesTheOldOneAndStaleRequestsFail) {
  auto a = client();
  auto b = client();
  a->send(role(1, of::ControllerRole::kMaster, 10));
  ASSERT_EQ(of::decode_role_reply(*a->recv())->role, of::ControllerRole::kMaster);
  b->send(role(1, of::ControllerRole::kMaster, 11));
  ASSERT_EQ(of::decode_role_reply(*b->recv())->role, of::ControllerRole::kMaster);
  a->send(role(2, of::ControllerRole::kNoChange, 0));
  auto now = of::decode_role_reply(*a->recv());
  EXPECT_EQ(now->role, of::ControllerRole::kSlave);
  EXPECT_EQ(now->generation_id, 11u);
  a->send(flow_mod(3, 1, 1));
  auto err = a->recv();
  ASSERT_TRUE(err);
  EXPECT_EQ(of::decode_error(*err)->code, of::bad_request::kIsSlave);
  // Back to master with an old generation id: stale.
  a->send(role(4, of::ControllerRole::kMaster, 10));
  err = a->recv();
  ASSERT_TRUE(err);
  ASSERT_EQ(type_of(*err), of::MsgType::kError);
  EXPECT_EQ(of::decode_error(*err)->type, of::ErrorType::kRoleRequestFailed);
  EXPECT_EQ(of::decode_error(*err)->code, of::role_request_failed::kStale);
  // The master still writes.
  b->send(flow_mod(5, 1, 1));
  b->send(barrier(6));
  EXPECT_TRUE(b->recv_type(of::MsgType::kBarrierReply));
  EXPECT_EQ(dp->flows(), 1u);
}

TEST_F(Fixture, AnUnknownRoleIsBadRole) {
  auto c = client();
  Bytes r = role(8, of::ControllerRole::kEqual, 0);
  r[11] = 9;
  c->send(r);
  auto err = c->recv();
  ASSERT_TRUE(err);
  ASSERT_EQ(type_of(*err), of::MsgType::kError);
  EXPECT_EQ(of::decode_error(*err)->type, of::ErrorType::kRoleRequestFailed);
  EXPECT_EQ(of::decode_error(*err)->code, of::role_request_failed::kBadRole);
}

TEST_F(Fixture, AsyncMessagesGoToEveryClientTheirRoleAllows) {
  auto equal = client();
  auto slave = client();
  slave->send(role(1, of::ControllerRole::kSlave, 1));
  ASSERT_TRUE(slave->recv_type(of::MsgType::kRoleReply));
  Bytes port_status;
  of::Port p;
  p.port_no = 4;
  of::encode_port_status(0, of::PortStatus{of::PortReason::kAdd, {}, p}, port_status);
  Bytes packet_in;
  const uint8_t frame[14] = {};
  of::encode_packet_in(0, of::PacketIn{}, frame, packet_in);
  dp->broadcast(packet_in);
  dp->broadcast(port_status);
  auto e1 = equal->recv(), e2 = equal->recv();
  ASSERT_TRUE(e1 && e2);
  EXPECT_EQ(type_of(*e1), of::MsgType::kPacketIn);
  EXPECT_EQ(type_of(*e2), of::MsgType::kPortStatus);
  auto s1 = slave->recv();
  ASSERT_TRUE(s1);
  EXPECT_EQ(type_of(*s1), of::MsgType::kPortStatus) << "a slave gets no PACKET_IN";
}

// SET_ASYNC changes which reasons a client gets, per role; GET_ASYNC reads the configuration
// back; other clients keep theirs. The endpoint answers both itself.
TEST_F(Fixture, SetAsyncFiltersAsyncMessagesByReasonPerClient) {
  auto picky = client();
  auto plain = client();
  auto packet_in = [](of::PacketInReason reason) {
    of::PacketIn pi;
    pi.reason = reason;
    Bytes out;
    const uint8_t frame[14] = {};
    of::encode_packet_in(0, pi, frame, out);
    return out;
  };
  of::AsyncConfig cfg;
  cfg.packet_in_mask[0] = 1u << static_cast<unsigned>(of::PacketInReason::kAction);
  cfg.port_status_mask[0] = 0;
  Bytes set;
  of::encode_set_async(3, cfg, set);
  picky->send(set);
  Bytes get;
  of::encode_get_async_request(4, get);
  picky->send(get);
  auto reply = picky->recv_type(of::MsgType::kGetAsyncReply);
  ASSERT_TRUE(reply);
  auto got = of::decode_get_async_reply(*reply);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, cfg);
  plain->send(get);
  auto plain_reply = plain->recv_type(of::MsgType::kGetAsyncReply);
  ASSERT_TRUE(plain_reply);
  EXPECT_EQ(*of::decode_get_async_reply(*plain_reply), of::AsyncConfig{});

  Bytes port_status;
  of::encode_port_status(0, of::PortStatus{of::PortReason::kAdd, {}, of::Port{}}, port_status);
  dp->broadcast(packet_in(of::PacketInReason::kNoMatch));
  dp->broadcast(port_status);
  dp->broadcast(packet_in(of::PacketInReason::kAction));
  // The picky client gets only the ACTION packet-in; the other one all three.
  auto first = picky->recv();
  ASSERT_TRUE(first);
  ASSERT_EQ(type_of(*first), of::MsgType::kPacketIn);
  EXPECT_EQ((*first)[14], static_cast<uint8_t>(of::PacketInReason::kAction));
  for (of::MsgType want :
       {of::MsgType::kPacketIn, of::MsgType::kPortStatus, of::MsgType::kPacketIn}) {
    auto m = plain->recv();
    ASSERT_TRUE(m);
    EXPECT_EQ(type_of(*m), want);
  }
  EXPECT_FALSE(picky->recv(200ms)) << "a reason the configuration excludes got through";
  // A malformed SET_ASYNC is refused and changes nothing.
  Bytes bad = set;
  bad.pop_back();
  bad[3] = static_cast<uint8_t>(bad.size());
  picky->send(bad);
  auto err = picky->recv_type(of::MsgType::kError);
  ASSERT_TRUE(err);
  picky->send(get);
  reply = picky->recv_type(of::MsgType::kGetAsyncReply);
  ASSERT_TRUE(reply);
  EXPECT_EQ(*of::decode_get_async_reply(*reply), cfg);
}

// ---- Port messages: the policy's only
// ----------------------------------------------------------

// Defect: any local user could create ports through the endpoint. Sluice's experimenter
// messages are refused at the endpoint, on TCP and on the Unix socket, and never reach the
// dataplane.
TEST_F(Fixture, PortMessagesAreRefusedWithEpermAndNeverReachTheDataplane) {
  use_unix_socket();
  auto tcp = client();
  auto local = unix_client();
  of::PortAdd add;
  add.port_no = 7;
  add.type = of::PortType::kNull;
  add.name.assign("intruder");
  for (OfTestClient* c : {tcp.get(), local.get()}) {
    Bytes m;
    of::encode_port_add(1, add, m);
    of::encode_port_del(2, of::PortDel{7}, m);
    of::encode_port_set(3, of::PortSet{.port_no = 7}, m);
    of::encode_switch_config(4, of::SwitchConfig{}, m);
    c->send(m);
    for (uint32_t xid : {1u, 2u, 3u, 4u}) {
      auto err = c->recv();
      ASSERT_TRUE(err) << "no answer to message " << xid;
      ASSERT_EQ(type_of(*err), of::MsgType::kError);
      EXPECT_EQ(xid_of(*err), xid);
      auto e = of::decode_error(*err);
      ASSERT_TRUE(e);
      EXPECT_EQ(e->type, of::ErrorType::kBadRequest);
      EXPECT_EQ(e->code, of::bad_request::kEperm);
    }
    c->send(barrier(5));  // and the client carries on
    EXPECT_TRUE(c->recv_type(of::MsgType::kBarrierReply));
  }
  EXPECT_TRUE(at_dataplane(of::MsgType::kExperimenter).empty());
  EXPECT_EQ(dp->ports(), 0u);
  EXPECT_EQ(ep->stats().port_messages_refused, 8u);
}

// ---- The Unix socket endpoint
// --------------------------------------------------------------------

// Runs 'child' in a forked process as uid/gid 65534 (nobody); returns its exit code.
template <class F>
int as_nobody(F child) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) {
      ::_exit(90);
    }
    ::_exit(child());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

// 0: connected and then closed by the endpoint without a byte; 1: connect failed with EACCES;
// other: anything else.
int connect_and_wait_close(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  path.copy(a.sun_path, sizeof a.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return errno == EACCES ? 1 : 2;
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 5000) != 1) return 3;
  uint8_t buf[64];
  return ::recv(fd, buf, sizeof buf, 0) == 0 ? 0 : 4;
}

TEST_F(Fixture, TheUnixSocketServesRootAndRefusesOtherUsers) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (to try another uid)";
  use_unix_socket();
  struct stat st {};
  ASSERT_EQ(::stat(unix_path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((tmp_dir + "/run").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u) << "the endpoint made the directory";

  auto root = unix_client();
  root->send(barrier(3));
  auto r = root->recv_type(of::MsgType::kBarrierReply);
  ASSERT_TRUE(r);
  EXPECT_EQ(xid_of(*r), 3u);

  // The file mode keeps other users out...
  EXPECT_EQ(as_nobody([&] { return connect_and_wait_close(unix_path); }), 1);
  // ...and if it did not, their credentials would: the endpoint closes them at once.
  ASSERT_EQ(::chmod(unix_path.c_str(), 0666), 0);
  EXPECT_EQ(as_nobody([&] { return connect_and_wait_close(unix_path); }), 0);
  EXPECT_EQ(ep->stats().peers_refused, 1u);
  EXPECT_EQ(ep->stats().connections, 1u) << "only root's connection was taken";
  // Stopping removes the socket file.
  ep.reset();
  EXPECT_FALSE(std::filesystem::exists(unix_path));
}

// ---- Bundles: per client
// -------------------------------------------------------------------------

// Defect: every client shared the relay's slot, so two clients' bundles with the same id were
// one bundle in the dataplane. Now each sees its own (and its own id in every reply).
TEST_F(Fixture, TwoClientsWithTheSameBundleIdGetABundleEach) {
  auto a = client();
  auto b = client();
  a->send(bundle_ctrl(1, 0, of::BundleCtrlType::kOpenRequest));
  auto ra = a->recv();
  ASSERT_TRUE(ra);
  ASSERT_EQ(type_of(*ra), of::MsgType::kExperimenter) << "A's OPEN was refused";
  b->send(bundle_ctrl(1, 0, of::BundleCtrlType::kOpenRequest));
  auto rb = b->recv();
  ASSERT_TRUE(rb);
  ASSERT_EQ(type_of(*rb), of::MsgType::kExperimenter) << "B's OPEN met A's bundle";
  EXPECT_EQ(of::decode_bundle_ctrl(*rb)->bundle_id, 0u);
  EXPECT_EQ(of::decode_bundle_ctrl(*rb)->type, of::BundleCtrlType::kOpenReply);
  a->send(bundle_add(2, 0, flow_mod(2, 2, 100)));
  b->send(bundle_add(2, 0, flow_mod(2, 2, 200)));
  b->send(bundle_ctrl(3, 0, of::BundleCtrlType::kCommitRequest));
  auto commit_b = b->recv();
  ASSERT_TRUE(commit_b);
  ASSERT_EQ(type_of(*commit_b), of::MsgType::kExperimenter);
  EXPECT_EQ(of::decode_bundle_ctrl(*commit_b)->type, of::BundleCtrlType::kCommitReply);
  EXPECT_EQ(of::decode_bundle_ctrl(*commit_b)->bundle_id, 0u);
  // Only B's flow: A's bundle is still open.
  auto priorities = [&] {
    return dp->with_state([](FakeSwitch::State& s) {
      std::vector<uint16_t> p;
      for (const of::FlowStats& f : s.flows) p.push_back(f.priority);
      return p;
    });
  };
  EXPECT_EQ(priorities(), std::vector<uint16_t>{200});
  a->send(bundle_ctrl(3, 0, of::BundleCtrlType::kCommitRequest));
  auto commit_a = a->recv();
  ASSERT_TRUE(commit_a);
  ASSERT_EQ(type_of(*commit_a), of::MsgType::kExperimenter);
  EXPECT_EQ(of::decode_bundle_ctrl(*commit_a)->bundle_id, 0u);
  EXPECT_EQ(priorities(), (std::vector<uint16_t>{200, 100}));
  // The dataplane saw two bundle ids.
  std::set<uint32_t> ids;
  for (const Bytes& m : at_dataplane(of::MsgType::kExperimenter)) {
    if (auto c = of::decode_bundle_ctrl(m)) ids.insert(c->bundle_id);
  }
  EXPECT_EQ(ids.size(), 2u);
}

// Defect: a client that died after BUNDLE_OPEN left its bundle open for good, and every later
// `ovs-ofctl --bundle` got BUNDLE_EXIST. Now the relay discards it.
TEST_F(Fixture, ABundleLeftOpenByAClientThatGoesIsDiscarded) {
  {
    auto a = client();
    a->send(bundle_ctrl(1, 0, of::BundleCtrlType::kOpenRequest));
    ASSERT_TRUE(a->recv_type(of::MsgType::kExperimenter));
    a->send(bundle_add(2, 0, flow_mod(2, 2, 100)));
    a->send(barrier(3));
    ASSERT_TRUE(a->recv_type(of::MsgType::kBarrierReply));
  }  // A goes away
  EXPECT_TRUE(eventually(
      [&] { return dp->with_state([](FakeSwitch::State& s) { return s.bundles.empty(); }); }));
  EXPECT_TRUE(eventually([&] { return ep->stats().bundles_discarded == 1; }));
  auto b = client();
  b->send(bundle_ctrl(1, 0, of::BundleCtrlType::kOpenRequest));
  auto r = b->recv();
  ASSERT_TRUE(r);
  ASSERT_EQ(type_of(*r), of::MsgType::kExperimenter) << "BUNDLE_EXIST: A's bundle is still open";
  b->send(bundle_add(2, 0, flow_mod(2, 2, 200)));
  b->send(bundle_ctrl(3, 0, of::BundleCtrlType::kCommitRequest));
  ASSERT_TRUE(b->recv_type(of::MsgType::kExperimenter));
  EXPECT_EQ(dp->flows(), 1u) << "A's flow never went in";
}

TEST_F(Fixture, AClientMayHaveSixteenOpenBundles) {
  auto c = client();
  for (uint32_t id = 1; id <= 16; ++id) {
    c->send(bundle_ctrl(id, id, of::BundleCtrlType::kOpenRequest));
    auto r = c->recv();
    ASSERT_TRUE(r);
    ASSERT_EQ(type_of(*r), of::MsgType::kExperimenter) << "bundle " << id;
  }
  const size_t opens_seen = at_dataplane(of::MsgType::kExperimenter).size();
  // The 17th, explicit or by an ADD, is refused here.
  c->send(bundle_ctrl(17, 17, of::BundleCtrlType::kOpenRequest));
  c->send(bundle_add(18, 18, flow_mod(18, 2, 1)));
  for (uint32_t xid : {17u, 18u}) {
    auto err = c->recv();
    ASSERT_TRUE(err);
    ASSERT_EQ(type_of(*err), of::MsgType::kError);
    EXPECT_EQ(xid_of(*err), xid);
    auto e = of::decode_error(*err);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->type, of::ErrorType::kExperimenter);
    EXPECT_EQ(e->experimenter, of::kOnfExperimenter);
    EXPECT_EQ(e->code, of::bundle_failed::kOutOfBundles);
  }
  EXPECT_EQ(ep->stats().bundles_refused, 2u);
  // Closing one makes room again.
  c->send(bundle_ctrl(19, 5, of::BundleCtrlType::kDiscardRequest));
  ASSERT_TRUE(c->recv_type(of::MsgType::kExperimenter));
  c->send(bundle_ctrl(20, 17, of::BundleCtrlType::kOpenRequest));
  auto r = c->recv();
  ASSERT_TRUE(r);
  EXPECT_EQ(type_of(*r), of::MsgType::kExperimenter);
  EXPECT_EQ(at_dataplane(of::MsgType::kExperimenter).size(), opens_seen + 2);
}

// The copy of the request inside an ERROR names the client's bundle id, not the relay's.
TEST_F(Fixture, BundleErrorsCarryTheClientBundleId) {
  auto other = client();  // takes relay bundle id 1 first
  other->send(bundle_ctrl(1, 0, of::BundleCtrlType::kOpenRequest));
  ASSERT_TRUE(other->recv_type(of::MsgType::kExperimenter));
  auto c = client();
  c->send(bundle_ctrl(1, 0, of::BundleCtrlType::kOpenRequest));
  ASSERT_TRUE(c->recv_type(of::MsgType::kExperimenter));
  c->send(bundle_ctrl(2, 0, of::BundleCtrlType::kOpenRequest));  // again: BUNDLE_EXIST
  auto err = c->recv();
  ASSERT_TRUE(err);
  ASSERT_EQ(type_of(*err), of::MsgType::kError);
  auto e = of::decode_error(*err);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, of::bundle_failed::kBundleExist);
  const Bytes copy(e->view().begin(), e->view().end());
  auto echoed = of::decode_bundle_ctrl(copy);
  ASSERT_TRUE(echoed);
  EXPECT_EQ(echoed->bundle_id, 0u);
  EXPECT_EQ(xid_of(copy), 2u);
}

// ---- Timeouts: HELLO and echo probes
// -------------------------------------------------------------

OfEndpointOptions quick_timeouts() {
  OfEndpointOptions o;
  o.hello_timeout = 300ms;
  o.probe_interval = 300ms;
  return o;
}

TEST_F(Fixture, AConnectionThatNeverSaysHelloIsClosed) {
  start_endpoint(quick_timeouts());
  OfTestClient silent(ep->port());
  ASSERT_TRUE(silent.connected());
  ASSERT_TRUE(silent.recv_type(of::MsgType::kHello));  // ours; it says nothing back
  EXPECT_TRUE(silent.wait_closed(3000ms));
  EXPECT_TRUE(eventually([&] { return ep->stats().hello_timeouts == 1; }));
  // The socket closes just before the endpoint thread updates its count.
  EXPECT_TRUE(eventually([&] { return ep->stats().clients == 0; }));
}

TEST_F(Fixture, ASilentClientIsProbedAndClosedIfItDoesNotAnswer) {
  start_endpoint(quick_timeouts());
  auto c = client();
  auto probe = c->recv(2000ms);
  ASSERT_TRUE(probe);
  EXPECT_EQ(type_of(*probe), of::MsgType::kEchoRequest);
  EXPECT_TRUE(c->wait_closed(3000ms));  // it never answers
  EXPECT_TRUE(eventually([&] { return ep->stats().echo_timeouts == 1; }));
}

TEST_F(Fixture, AClientThatAnswersProbesStays) {
  start_endpoint(quick_timeouts());
  auto c = client();
  const auto until = std::chrono::steady_clock::now() + 1500ms;
  size_t answered = 0;
  while (std::chrono::steady_clock::now() < until) {
    auto m = c->recv(100ms);
    if (!m || type_of(*m) != of::MsgType::kEchoRequest) continue;
    Bytes reply = *m;
    reply[1] = static_cast<uint8_t>(of::MsgType::kEchoReply);
    c->send(reply);
    ++answered;
  }
  EXPECT_GE(answered, 2u);
  c->send(barrier(8));
  auto r = c->recv_type(of::MsgType::kBarrierReply);
  ASSERT_TRUE(r) << "closed although it answered";
  EXPECT_EQ(ep->stats().echo_timeouts, 0u);
  EXPECT_EQ(ep->stats().clients, 1u);
}

// ---- Slow readers, restarts
// ----------------------------------------------------------------------

TEST_F(Fixture, AClientThatDoesNotReadIsDisconnectedAndOthersCarryOn) {
  OfEndpointOptions o;
  o.limits.soft_limit = 8 * 1024;
  o.limits.hard_limit = 64 * 1024;
  start_endpoint(o);
  OfTestClient lazy(ep->port(), 4096);
  ASSERT_TRUE(lazy.handshake());
  // Asynchronous messages keep coming whether or not a client reads: PORT_STATUS, 40 KB at a
  // time, until the endpoint gives up on the client (at most 8 MB).
  of::Port p;
  p.port_no = 1;
  Bytes port_status;
  of::encode_port_status(0, of::PortStatus{of::PortReason::kModify, {}, p}, port_status);
  for (int chunk = 0; chunk < 200 && ep->stats().slow_reader_disconnects == 0; ++chunk) {
    for (int i = 0; i < 500; ++i) dp->broadcast(port_status);
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(eventually([&] { return ep->stats().slow_reader_disconnects == 1; }));
  EXPECT_TRUE(lazy.wait_closed(10000ms));
  // The relay was never held up: a new client is served.
  auto busy = client();
  busy->send(barrier(1));
  EXPECT_TRUE(busy->recv_type(of::MsgType::kBarrierReply, 10000ms));
}

TEST_F(Fixture, TheDataplaneGoingAwayClosesClientsAndTheRelayComesBack) {
  auto c = client();
  c->send(barrier(1));
  ASSERT_TRUE(c->recv_type(of::MsgType::kBarrierReply));
  dp.reset();
  EXPECT_TRUE(c->wait_closed());
  EXPECT_TRUE(eventually([&] { return !ep->relay_connected(); }));
  // While there is no dataplane, a new client waits (nothing answers its HELLO)...
  OfTestClient early(ep->port());
  Bytes hello;
  of::encode_hello_versions(1, 1u << of::kVersion, hello);
  early.send(hello);
  EXPECT_FALSE(early.recv(300ms));
  // ...and is taken once the dataplane is back.
  dp.emplace(name);
  EXPECT_TRUE(eventually([&] { return ep->relay_connected(); }));
  ASSERT_TRUE(early.recv_type(of::MsgType::kHello, 5000ms));
  early.send(barrier(2));
  auto r = early.recv_type(of::MsgType::kBarrierReply);
  ASSERT_TRUE(r);
  EXPECT_EQ(xid_of(*r), 2u);
  EXPECT_EQ(ep->stats().relay_connects, 2u);
}

TEST_F(Fixture, CountersAddUp) {
  auto c = client();
  c->send(echo(1, ""));
  c->send(barrier(2));
  ASSERT_TRUE(c->recv_type(of::MsgType::kBarrierReply));
  const OfEndpointStats s = ep->stats();
  EXPECT_EQ(s.clients, 1u);
  EXPECT_EQ(s.connections, 1u);
  EXPECT_EQ(s.to_dataplane, 1u);
  EXPECT_EQ(s.to_clients, 1u);
  EXPECT_EQ(s.answered_locally, 1u);
  EXPECT_EQ(s.errors_sent, 0u);
}

}  // namespace
}  // namespace sluice::cp
