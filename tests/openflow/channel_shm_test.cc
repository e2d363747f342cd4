// ChannelServer and ChannelClient over real shared memory: round trips, backpressure, slot
// reclaim, server loss and restart, corrupt frames, permissions. Every test uses its own
// channel name and removes its region even when it fails.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <thread>

#include "openflow/channel/channel.h"
#include "openflow/channel/channel_layout.h"
#include "tests/openflow/channel_test_util.h"

namespace sluice::of {
namespace {

using namespace std::chrono_literals;
using testing::frame;
using ::testing::HasSubstr;
using testing::ShmCleanup;
using testing::unique_name;
using testing::xid_of;
using Clock = std::chrono::steady_clock;

ChannelServer make_server(const std::string& name, ChannelServer::Options opts = {}) {
  auto server = ChannelServer::create(name, opts);
  if (!server) ADD_FAILURE() << server.error().message;
  return std::move(server).value();  // throws (and fails the test) on error
}

ChannelClient make_client(const std::string& name, std::chrono::milliseconds wait = 1000ms) {
  auto client = ChannelClient::connect(name, wait);
  if (!client) ADD_FAILURE() << client.error().message;
  return std::move(client).value();
}

// Runs a ChannelServer on its own thread, the way the dataplane's main lcore does: tick every
// 20 ms, receive from every slot (unless paused), hand each message to 'handler', flush.
class ServerLoop {
 public:
  using Handler = std::function<void(ChannelServer&, uint32_t slot, std::vector<uint8_t>&)>;

  ServerLoop(ChannelServer server, Handler handler)
      : server_(std::move(server)), handler_(std::move(handler)), thread_([this] { run(); }) {}
  ~ServerLoop() { stop(); }

  void pause(bool paused) { paused_.store(paused); }
  // Joins the thread; afterwards the test thread may use server() directly.
  void stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  ChannelServer& server() { return server_; }
  uint64_t received() const { return received_.load(); }

 private:
  void run() {
    auto last_tick = Clock::now();
    std::vector<uint8_t> msg;
    while (!stop_.load()) {
      if (Clock::now() - last_tick > 20ms) {
        server_.tick();
        last_tick = Clock::now();
      }
      if (!paused_.load()) {
        for (uint32_t s = 0; s < server_.slot_count(); ++s) {
          while (server_.receive(s, msg)) {
            received_.fetch_add(1);
            handler_(server_, s, msg);
          }
        }
      }
      server_.flush();
      std::this_thread::sleep_for(100us);
    }
  }

  ChannelServer server_;
  Handler handler_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> paused_{false};
  std::atomic<uint64_t> received_{0};
  std::thread thread_;
};

void echo(ChannelServer& server, uint32_t slot, std::vector<uint8_t>& msg) {
  server.send(slot, msg);
}

// Maps a channel's region in the test, to look at or tamper with the raw layout.
class RawRegion {
 public:
  explicit RawRegion(const std::string& name) {
    const int fd = ::shm_open(("/sluice." + name).c_str(), O_RDWR, 0);
    EXPECT_GE(fd, 0);
    struct stat st {};
    ::fstat(fd, &st);
    bytes_ = static_cast<size_t>(st.st_size);
    base_ = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    EXPECT_NE(base_, MAP_FAILED);
  }
  ~RawRegion() { ::munmap(base_, bytes_); }
  layout::RegionHeader& header() { return *static_cast<layout::RegionHeader*>(base_); }
  ByteRing request_ring(uint32_t slot) {
    const uint32_t ring = header().ring_bytes;
    return ByteRing(static_cast<uint8_t*>(base_) + layout::request_ring_offset(slot, ring), ring);
  }
  // A ring's tail counter, addressed with the ring size the test knows (not the header's).
  std::atomic<uint64_t>& reply_tail(uint32_t slot, uint32_t ring_bytes) {
    return *reinterpret_cast<std::atomic<uint64_t>*>(
        static_cast<uint8_t*>(base_) + layout::reply_ring_offset(slot, ring_bytes) +
        ByteRing::kLineBytes);
  }

 private:
  void* base_ = nullptr;
  size_t bytes_ = 0;
};

TEST(Channel, RegionIsMode0600AndRemovedOnDestruction) {
  const std::string name = unique_name("mode");
  ShmCleanup cleanup{name};
  const std::string path = "/dev/shm/sluice." + name;
  const mode_t old_umask = ::umask(0);  // fchmod must not depend on the caller's umask
  {
    auto server = make_server(name, {.slots = 2, .ring_bytes = 4096});
    ::umask(old_umask);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(st.st_uid, ::getuid());
    EXPECT_EQ(static_cast<size_t>(st.st_size), layout::region_bytes(2, 4096));
    EXPECT_EQ(server.slot_count(), 2u);
  }
  ::umask(old_umask);
  struct stat st {};
  EXPECT_NE(::stat(path.c_str(), &st), 0) << path << " still exists";
}

TEST(Channel, RejectsBadOptionsAndNames) {
  EXPECT_FALSE(ChannelServer::create(unique_name("opts"), {.slots = 0}).has_value());
  EXPECT_FALSE(ChannelServer::create(unique_name("opts"), {.slots = 65}).has_value());
  auto bad_ring = ChannelServer::create(unique_name("opts"), {.slots = 1, .ring_bytes = 5000});
  ASSERT_FALSE(bad_ring.has_value());
  EXPECT_THAT(bad_ring.error().message, HasSubstr("power of two"));
  EXPECT_FALSE(ChannelServer::create("a/b", {}).has_value());
  EXPECT_FALSE(ChannelServer::create("", {}).has_value());
  EXPECT_FALSE(ChannelClient::connect("../x", 0ms).has_value());
}

TEST(Channel, EchoRoundTrip) {
  const std::string name = unique_name("echo");
  ShmCleanup cleanup{name};
  ServerLoop loop(make_server(name, {.slots = 4, .ring_bytes = 4096}), echo);
  auto client = make_client(name);
  EXPECT_NE(client.server_generation(), 0u);
  std::vector<uint8_t> reply;
  for (uint32_t i = 0; i < 200; ++i) {
    const auto msg = frame(i, 8 + i % 500);
    ASSERT_TRUE(client.send(msg).has_value());
    auto got = client.receive(reply, 2000ms);
    ASSERT_TRUE(got.has_value()) << got.error().message;
    ASSERT_TRUE(*got);
    ASSERT_EQ(reply, msg);
  }
  auto none = client.receive(reply, 20ms);
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(*none);
  EXPECT_TRUE(client.server_alive());
  loop.stop();
  EXPECT_EQ(loop.server().stats().rx_messages, 200u);
  EXPECT_EQ(loop.server().stats().tx_messages, 200u);
  EXPECT_TRUE(loop.server().connected(client.slot()));
}

TEST(Channel, ClientRejectsMalformedAndOversizedMessages) {
  const std::string name = unique_name("malformed");
  ShmCleanup cleanup{name};
  auto server = make_server(name, {.slots = 1, .ring_bytes = 256});
  auto client = make_client(name);
  std::vector<uint8_t> short_msg{4, 0, 0};
  EXPECT_THAT(client.send(short_msg).error().message, HasSubstr("malformed"));
  auto lying = frame(1, 40);
  lying[3] = 20;
  EXPECT_THAT(client.send(lying).error().message, HasSubstr("malformed"));
  EXPECT_THAT(client.send(frame(1, 300)).error().message, HasSubstr("larger than"));
  EXPECT_EQ(client.max_message_bytes(), 256u);
  EXPECT_TRUE(client.send(frame(2, 256)).has_value());  // exact fit
}

TEST(Channel, NoSuchChannel) {
  const auto start = Clock::now();
  auto client = ChannelClient::connect(unique_name("missing"), 50ms);
  ASSERT_FALSE(client.has_value());
  EXPECT_THAT(client.error().message, HasSubstr("no such channel"));
  EXPECT_GE(Clock::now() - start, 50ms);
}

TEST(Channel, ConnectWaitsForTheRegionToAppear) {
  const std::string name = unique_name("late");
  ShmCleanup cleanup{name};
  std::optional<ChannelServer> server;
  std::thread creator([&] {
    std::this_thread::sleep_for(100ms);
    server.emplace(make_server(name, {.slots = 1, .ring_bytes = 1024}));
  });
  auto client = ChannelClient::connect(name, 3000ms);
  creator.join();
  ASSERT_TRUE(client.has_value()) << client.error().message;
  EXPECT_EQ(client->server_generation(), server->generation());
}

TEST(Channel, AllSlotsBusy) {
  const std::string name = unique_name("busy");
  ShmCleanup cleanup{name};
  auto server = make_server(name, {.slots = 2, .ring_bytes = 1024});
  auto a = make_client(name);
  std::optional<ChannelClient> b = make_client(name);
  EXPECT_NE(a.slot(), b->slot());
  auto c = ChannelClient::connect(name, 0ms);
  ASSERT_FALSE(c.has_value());
  EXPECT_THAT(c.error().message, HasSubstr("all 2 client slots are busy"));

  // A client that leaves frees its slot at the server's next tick.
  const uint32_t freed = b->slot();
  const uint64_t old_session = server.session(freed);
  b.reset();
  EXPECT_FALSE(server.connected(freed));
  server.tick();
  auto d = ChannelClient::connect(name, 0ms);
  ASSERT_TRUE(d.has_value()) << d.error().message;
  EXPECT_EQ(d->slot(), freed);
  EXPECT_NE(server.session(freed), old_session);
  EXPECT_TRUE(server.connected(freed));
}

TEST(Channel, VersionMismatchIsExplained) {
  const std::string name = unique_name("version");
  ShmCleanup cleanup{name};
  auto server = make_server(name, {.slots = 1, .ring_bytes = 1024});
  RawRegion raw(name);
  raw.header().layout_version = 99;
  auto client = ChannelClient::connect(name, 500ms);
  ASSERT_FALSE(client.has_value());
  EXPECT_THAT(client.error().message, HasSubstr("version mismatch"));
}

TEST(Channel, LiveServerIsNotReplaced) {
  const std::string name = unique_name("twice");
  ShmCleanup cleanup{name};
  auto first = make_server(name, {.slots = 1, .ring_bytes = 1024});
  auto second = ChannelServer::create(name, {.slots = 1, .ring_bytes = 1024});
  ASSERT_FALSE(second.has_value());
  EXPECT_THAT(second.error().message, HasSubstr("already served"));
}

// The client blocks while the request ring is full and resumes once the server drains it.
TEST(Channel, ClientBackpressureKeepsOrder) {
  const std::string name = unique_name("backpressure");
  ShmCleanup cleanup{name};
  constexpr uint32_t kMessages = 300;
  std::vector<uint32_t> seen;
  ServerLoop loop(make_server(name, {.slots = 1, .ring_bytes = 1024}),
                  [&](ChannelServer&, uint32_t, std::vector<uint8_t>& msg) {
                    EXPECT_EQ(msg, frame(xid_of(msg), 100));
                    seen.push_back(xid_of(msg));
                  });
  loop.pause(true);
  auto client = make_client(name);
  std::atomic<uint32_t> sent{0};
  std::thread sender([&] {
    for (uint32_t i = 0; i < kMessages; ++i) {
      auto ok = client.send(frame(i, 100));
      if (!ok) {
        ADD_FAILURE() << ok.error().message;
        return;
      }
      sent.store(i + 1);
    }
  });
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(sent.load(), 10u);  // 10 * 100 bytes fill the 1024-byte ring; the 11th waits
  loop.pause(false);
  sender.join();
  const auto deadline = Clock::now() + 5s;
  while (loop.received() < kMessages && Clock::now() < deadline) std::this_thread::sleep_for(1ms);
  loop.stop();
  ASSERT_EQ(seen.size(), kMessages);
  for (uint32_t i = 0; i < kMessages; ++i) ASSERT_EQ(seen[i], i);
}

// The server never blocks: what does not fit waits in the outbox, in order.
TEST(Channel, ServerOutboxKeepsOrder) {
  const std::string name = unique_name("outbox");
  ShmCleanup cleanup{name};
  auto server = make_server(name, {.slots = 1, .ring_bytes = 1024});
  auto client = make_client(name);
  const uint32_t slot = client.slot();
  server.tick();
  ASSERT_TRUE(server.connected(slot));
  constexpr uint32_t kMessages = 100;
  for (uint32_t i = 0; i < kMessages; ++i) server.send(slot, frame(i, 100 + i % 3));
  EXPECT_EQ(server.pending(slot), kMessages - 10);
  EXPECT_EQ(server.stats().tx_messages, 10u);
  std::vector<uint8_t> reply;
  for (uint32_t i = 0; i < kMessages; ++i) {
    auto got = client.receive(reply, 0ms);
    if (got.has_value() && !*got) {  // ring drained: let the server move more
      server.flush();
      got = client.receive(reply, 0ms);
    }
    ASSERT_TRUE(got.has_value()) << got.error().message;
    ASSERT_TRUE(*got) << "message " << i;
    ASSERT_EQ(reply, frame(i, 100 + i % 3));
  }
  EXPECT_EQ(server.pending(slot), 0u);
  EXPECT_EQ(server.stats().tx_messages, kMessages);
  EXPECT_EQ(server.stats().tx_dropped, 0u);
  server.send(99, frame(1, 8));  // no such slot
  EXPECT_EQ(server.stats().tx_dropped, 1u);
}

// Requests a client sent just before leaving still reach the server.
TEST(Channel, RequestsOfADepartedClientAreDelivered) {
  const std::string name = unique_name("departed");
  ShmCleanup cleanup{name};
  auto server = make_server(name, {.slots = 1, .ring_bytes = 1024});
  uint32_t slot = 0;
  {
    auto client = make_client(name);
    slot = client.slot();
    for (uint32_t i = 0; i < 3; ++i) ASSERT_TRUE(client.send(frame(i, 20)).has_value());
  }
  server.tick();  // must not discard the three requests
  EXPECT_FALSE(server.connected(slot));
  std::vector<uint8_t> msg;
  for (uint32_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(server.receive(slot, msg));
    EXPECT_EQ(msg, frame(i, 20));
  }
  EXPECT_FALSE(server.receive(slot, msg));
  server.tick();  // now the slot is free again
  auto next = ChannelClient::connect(name, 0ms);
  ASSERT_TRUE(next.has_value()) << next.error().message;
  EXPECT_EQ(server.stats().reclaimed_slots, 0u);  // leaving cleanly is not a reclaim
}

// A client process that dies without releasing its slot: the server reclaims it.
TEST(Channel, SlotOfADeadClientIsReclaimed) {
  const std::string name = unique_name("dead");
  ShmCleanup cleanup{name};
  auto server = make_server(name, {.slots = 1, .ring_bytes = 1024});
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto client = ChannelClient::connect(name, 1000ms);
    if (!client || !client->send(frame(1, 40))) ::_exit(1);
    ::_exit(0);  // no destructor: the slot stays claimed by a dead pid
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);  // reaped, so kill(pid, 0) says ESRCH
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(server.connected(0));
  const uint64_t session = server.session(0);
  EXPECT_FALSE(ChannelClient::connect(name, 0ms).has_value());  // the only slot is taken
  server.tick();
  EXPECT_FALSE(server.connected(0));
  EXPECT_EQ(server.stats().reclaimed_slots, 1u);
  std::vector<uint8_t> msg;
  EXPECT_FALSE(server.receive(0, msg));  // its leftovers were discarded with the rings
  auto client = make_client(name, 0ms);
  EXPECT_EQ(client.slot(), 0u);
  EXPECT_NE(server.session(0), session);
  ASSERT_TRUE(client.send(frame(2, 40)).has_value());
  ASSERT_TRUE(server.receive(0, msg));
  EXPECT_EQ(msg, frame(2, 40));
}

// A live client that stops heartbeating for more than 3 s loses its slot, and is told so.
TEST(Channel, SilentClientIsReclaimed) {
  const std::string name = unique_name("silent");
  ShmCleanup cleanup{name};
  auto server = make_server(name, {.slots = 1, .ring_bytes = 1024});
  auto client = make_client(name);
  server.tick();
  const auto start = Clock::now();
  while (server.connected(0) && Clock::now() - start < 5s) {
    std::this_thread::sleep_for(100ms);
    server.tick();
  }
  EXPECT_FALSE(server.connected(0));
  EXPECT_GE(Clock::now() - start, 3s);
  EXPECT_EQ(server.stats().reclaimed_slots, 1u);
  auto sent = client.send(frame(1, 8));
  ASSERT_FALSE(sent.has_value());
  EXPECT_THAT(sent.error().message, HasSubstr("reclaimed"));
}

TEST(Channel, HeartbeatingClientKeepsItsSlot) {
  const std::string name = unique_name("alive");
  ShmCleanup cleanup{name};
  auto server = make_server(name, {.slots = 1, .ring_bytes = 1024});
  auto client = make_client(name);
  for (int i = 0; i < 5; ++i) {
    client.heartbeat();
    server.tick();
    EXPECT_TRUE(server.connected(0));
  }
}

TEST(Channel, ClientSeesServerDestroyed) {
  const std::string name = unique_name("destroyed");
  ShmCleanup cleanup{name};
  auto loop =
      std::make_unique<ServerLoop>(make_server(name, {.slots = 1, .ring_bytes = 1024}), echo);
  auto client = make_client(name);
  ASSERT_TRUE(client.send(frame(1, 16)).has_value());
  std::vector<uint8_t> reply;
  ASSERT_TRUE(client.receive(reply, 2000ms).value_or(false));
  loop.reset();  // unmaps and unlinks
  const auto start = Clock::now();
  auto sent = client.send(frame(2, 16));
  ASSERT_FALSE(sent.has_value());
  EXPECT_THAT(sent.error().message, HasSubstr("closed"));
  auto got = client.receive(reply, 2000ms);
  ASSERT_FALSE(got.has_value());
  EXPECT_LT(Clock::now() - start, 1s);
  EXPECT_FALSE(client.server_alive());
}

// Forks a child that serves channel 'name' (one slot), ticking every 20 ms until it is killed.
pid_t fork_ticking_server(const std::string& name) {
  const pid_t child = ::fork();
  if (child == 0) {
    auto server = ChannelServer::create(name, {.slots = 1, .ring_bytes = 1024});
    if (!server) ::_exit(1);
    for (;;) {
      server->tick();
      ::usleep(20'000);
    }
  }
  return child;
}

// A dataplane killed with SIGKILL leaves its region behind; once the process is reaped the
// client sees its pid gone (well within the 1 s heartbeat timeout), and the next server
// replaces the stale region.
TEST(Channel, ClientSeesKilledServerAndRestart) {
  const std::string name = unique_name("killed");
  ShmCleanup cleanup{name};
  const pid_t child = fork_ticking_server(name);
  ASSERT_GE(child, 0);
  auto client = ChannelClient::connect(name, 3000ms);
  if (!client) {
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    FAIL() << client.error().message;
  }
  const uint64_t first_generation = client->server_generation();
  std::vector<uint8_t> reply;
  auto quiet = client->receive(reply, 150ms);
  ASSERT_TRUE(quiet.has_value()) << quiet.error().message;
  EXPECT_TRUE(client->server_alive());
  ::kill(child, SIGKILL);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);

  const auto start = Clock::now();
  auto got = client->receive(reply, 5000ms);
  const auto took = Clock::now() - start;
  ASSERT_FALSE(got.has_value());
  EXPECT_THAT(got.error().message, HasSubstr("(pid " + std::to_string(child) + ") exited"));
  EXPECT_LT(took, 500ms);  // about 10 ms; far from the 1 s heartbeat timeout
  EXPECT_FALSE(client->server_alive());

  auto restarted = make_server(name, {.slots = 1, .ring_bytes = 1024});  // replaces the stale one
  EXPECT_GT(restarted.generation(), first_generation);
  auto again = make_client(name, 0ms);
  EXPECT_EQ(again.server_generation(), restarted.generation());
  EXPECT_FALSE(client->send(frame(1, 8)).has_value());  // the old region is gone for good
}

// A dataplane that hangs (here: SIGSTOP) keeps its pid: the client goes by the heartbeat,
// which stops moving, and declares it gone after the 1 s timeout.
TEST(Channel, ClientSeesHungServerByItsHeartbeat) {
  const std::string name = unique_name("hung");
  ShmCleanup cleanup{name};
  const pid_t child = fork_ticking_server(name);
  ASSERT_GE(child, 0);
  struct KillChild {
    pid_t pid;
    ~KillChild() {
      ::kill(pid, SIGKILL);  // works on a stopped process too
      ::waitpid(pid, nullptr, 0);
    }
  } kill_child{child};
  auto client = ChannelClient::connect(name, 3000ms);
  ASSERT_TRUE(client.has_value()) << client.error().message;
  std::vector<uint8_t> reply;
  auto quiet = client->receive(reply, 150ms);
  ASSERT_TRUE(quiet.has_value()) << quiet.error().message;
  ASSERT_EQ(::kill(child, SIGSTOP), 0);

  const auto start = Clock::now();
  auto got = client->receive(reply, 5000ms);
  const auto took = Clock::now() - start;
  ASSERT_FALSE(got.has_value());
  EXPECT_THAT(got.error().message, HasSubstr("stopped answering"));
  EXPECT_GT(took, 800ms);
  EXPECT_LT(took, 1500ms);
  EXPECT_FALSE(client->server_alive());
}

// A server busy with something long (a big bundle, a full recompile) calls beat() instead of
// tick(): that alone keeps its clients from taking it for a dead one; without it they do.
TEST(Channel, BeatAloneKeepsABusyServerAlive) {
  const std::string name = unique_name("beat");
  ShmCleanup cleanup{name};
  auto server = make_server(name, {.slots = 1, .ring_bytes = 1024});
  auto client = make_client(name);
  const auto start = Clock::now();
  while (Clock::now() - start < 1500ms) {
    server.beat();
    std::this_thread::sleep_for(100ms);
    client.heartbeat();
    ASSERT_TRUE(client.server_alive()) << "after " << (Clock::now() - start) / 1ms << " ms";
  }
  std::this_thread::sleep_for(1200ms);  // no beat, no tick
  EXPECT_FALSE(client.server_alive());
}

TEST(Channel, ServerRestartChangesGeneration) {
  const std::string name = unique_name("restart");
  ShmCleanup cleanup{name};
  std::optional<ChannelServer> server = make_server(name, {.slots = 1, .ring_bytes = 1024});
  auto client = make_client(name);
  const uint64_t first = client.server_generation();
  EXPECT_EQ(first, server->generation());
  server.reset();
  server.emplace(make_server(name, {.slots = 1, .ring_bytes = 1024}));
  auto sent = client.send(frame(1, 8));
  ASSERT_FALSE(sent.has_value());
  auto fresh = make_client(name, 0ms);
  EXPECT_NE(fresh.server_generation(), first);
  EXPECT_EQ(fresh.server_generation(), server->generation());
  // The new server's region is not disturbed by the old client leaving.
  { ChannelClient old = std::move(client); }
  server->tick();
  EXPECT_TRUE(server->connected(fresh.slot()));
}

// A region replaced behind a client's back (not closed by its server) is detected too.
TEST(Channel, ClientSeesRegionUnlinked) {
  const std::string name = unique_name("unlinked");
  ShmCleanup cleanup{name};
  auto server = make_server(name, {.slots = 1, .ring_bytes = 1024});
  auto client = make_client(name);
  ASSERT_EQ(::shm_unlink(("/sluice." + name).c_str()), 0);
  std::this_thread::sleep_for(20ms);  // past the client's unlink-check interval
  auto sent = client.send(frame(1, 8));
  ASSERT_FALSE(sent.has_value());
  EXPECT_THAT(sent.error().message, HasSubstr("removed or replaced"));
}

TEST(Channel, CorruptFrameBreaksTheSlot) {
  const std::string name = unique_name("corrupt");
  ShmCleanup cleanup{name};
  auto server = make_server(name, {.slots = 2, .ring_bytes = 1024});
  auto bad = make_client(name);
  auto good = make_client(name);
  server.tick();
  ASSERT_TRUE(bad.send(frame(1, 16)).has_value());
  {
    RawRegion raw(name);
    ByteRing ring = raw.request_ring(bad.slot());
    std::vector<uint8_t> garbage{4, 0, 0, 3, 0, 0, 0, 9};  // length 3 < 8
    ASSERT_TRUE(ring.write_unchecked_for_test(garbage));
  }
  ASSERT_TRUE(good.send(frame(2, 16)).has_value());
  std::vector<uint8_t> msg;
  ASSERT_TRUE(server.receive(bad.slot(), msg));  // the good frame before the garbage
  EXPECT_EQ(msg, frame(1, 16));
  EXPECT_FALSE(server.receive(bad.slot(), msg));
  EXPECT_EQ(server.stats().broken_frames, 1u);
  EXPECT_FALSE(server.connected(bad.slot()));
  EXPECT_FALSE(server.receive(bad.slot(), msg));
  server.send(bad.slot(), frame(3, 8));
  EXPECT_EQ(server.stats().tx_dropped, 1u);
  auto sent = bad.send(frame(4, 8));
  ASSERT_FALSE(sent.has_value());
  EXPECT_THAT(sent.error().message, HasSubstr("corrupt"));
  // The other slot is unaffected.
  ASSERT_TRUE(server.receive(good.slot(), msg));
  EXPECT_EQ(msg, frame(2, 16));
  EXPECT_TRUE(server.connected(good.slot()));
  // Once the broken client leaves, the slot is clean for the next one.
  const uint32_t broken_slot = bad.slot();
  { ChannelClient gone = std::move(bad); }
  server.tick();
  auto next = make_client(name, 0ms);
  EXPECT_EQ(next.slot(), broken_slot);
  ASSERT_TRUE(next.send(frame(5, 8)).has_value());
  ASSERT_TRUE(server.receive(broken_slot, msg));
  EXPECT_EQ(msg, frame(5, 8));
}

// A client may write anything into the region. The server addresses slots and rings only by the
// layout it computed at create(), and takes an impossible reply-ring tail for corruption.
TEST(Channel, GarbageInSharedFieldsIsNotTrusted) {
  const std::string name = unique_name("garbage");
  ShmCleanup cleanup{name};
  constexpr uint32_t kRing = 1024;
  auto server = make_server(name, {.slots = 3, .ring_bytes = kRing});
  auto victim = make_client(name);
  auto other = make_client(name);
  ASSERT_EQ(victim.slot(), 0u);
  ASSERT_EQ(other.slot(), 1u);
  server.tick();
  const uint64_t generation = server.generation();
  // Fill the victim's reply ring (it never reads), so the next send must look at its tail.
  for (uint32_t i = 0; i < kRing / 64; ++i) server.send(victim.slot(), frame(i, 64));
  ASSERT_EQ(server.pending(victim.slot()), 0u);
  RawRegion raw(name);
  raw.header().ring_bytes = 0xfffffff0u;
  raw.header().slot_count = 1000000;
  raw.header().generation = 1;
  raw.reply_tail(victim.slot(), kRing).store(uint64_t{1} << 40);  // "all of it is free"
  // The other client is served as before: receive, send, tick, all at the right addresses.
  ASSERT_TRUE(other.send(frame(100, 64)).has_value());
  std::vector<uint8_t> msg;
  ASSERT_TRUE(server.receive(other.slot(), msg));
  EXPECT_EQ(msg, frame(100, 64));
  server.send(other.slot(), frame(101, 200));
  server.tick();
  server.flush();
  auto got = other.receive(msg, 1000ms);
  ASSERT_TRUE(got.has_value() && *got);
  EXPECT_EQ(msg, frame(101, 200));
  EXPECT_TRUE(server.connected(other.slot()));
  EXPECT_EQ(server.generation(), generation);
  // The victim's lie is not taken as free space: its slot is dropped, its unread replies kept.
  server.send(victim.slot(), frame(200, 64));
  EXPECT_FALSE(server.connected(victim.slot()));
  EXPECT_EQ(server.stats().broken_frames, 1u);
  EXPECT_EQ(server.stats().tx_messages, kRing / 64 + 1);
  raw.reply_tail(victim.slot(), kRing).store(0);
  ASSERT_TRUE(victim.receive(msg, 100ms).value_or(false));
  EXPECT_EQ(msg, frame(0, 64));
}

// Squatting /dev/shm: anybody can create /dev/shm/sluice.<name> before sluiced starts, with
// contents that claim a live server (here: our own pid, which create() takes as alive at once).
// Written as another uid, or with a mode other than 0600, it is not trusted but replaced.
class SquattedRegion {
 public:
  SquattedRegion(const std::string& name, uid_t uid, mode_t mode) {
    const std::string shm = "/sluice." + name;
    const int fd = ::shm_open(shm.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    EXPECT_GE(fd, 0);
    const size_t bytes = layout::region_bytes(1, 1024);
    EXPECT_EQ(::ftruncate(fd, static_cast<off_t>(bytes)), 0);
    void* base = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    EXPECT_NE(base, MAP_FAILED);
    auto* h = static_cast<layout::RegionHeader*>(base);
    h->layout_version = layout::kLayoutVersion;
    h->slot_count = 1;
    h->ring_bytes = 1024;
    h->server_pid = ::getpid();
    h->server_state.store(static_cast<uint32_t>(layout::ServerState::kRunning));
    h->magic.store(layout::kMagic);
    ::munmap(base, bytes);
    EXPECT_EQ(::fchown(fd, uid, uid), 0);
    EXPECT_EQ(::fchmod(fd, mode), 0);
    ::close(fd);
  }
};

TEST(Channel, ServerReplacesARegionThatIsNotOurs) {
  const struct {
    uid_t uid;
    mode_t mode;
    const char* found;
  } cases[] = {{65534, 0600, "owned by uid 65534 with mode 0600"},
               {::geteuid(), 0666, "with mode 0666"},
               {65534, 0644, "owned by uid 65534 with mode 0644"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.found);
    const std::string name = unique_name("squat");
    ShmCleanup cleanup{name};
    SquattedRegion squat(name, c.uid, c.mode);
    auto server = ChannelServer::create(name, {.slots = 1, .ring_bytes = 1024});
    ASSERT_TRUE(server.has_value()) << server.error().message;
    EXPECT_THAT(server->notice(), HasSubstr(c.found));
    struct stat st {};
    ASSERT_EQ(::stat(("/dev/shm/sluice." + name).c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, ::geteuid());
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    auto client = make_client(name);
    EXPECT_EQ(client.server_generation(), server->generation());
  }
  // Our own region (mode 0600) that claims a live server is still believed.
  const std::string name = unique_name("ours");
  ShmCleanup cleanup{name};
  SquattedRegion ours(name, ::geteuid(), 0600);
  auto server = ChannelServer::create(name, {.slots = 1, .ring_bytes = 1024});
  ASSERT_FALSE(server.has_value());
  EXPECT_THAT(server.error().message, HasSubstr("already served"));
}

TEST(Channel, ClientRefusesARegionThatIsNotOurs) {
  const std::string name = unique_name("client-squat");
  ShmCleanup cleanup{name};
  auto server = make_server(name, {.slots = 1, .ring_bytes = 1024});
  const std::string path = "/dev/shm/sluice." + name;
  ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  auto foreign = ChannelClient::connect(name, 20ms);
  ASSERT_FALSE(foreign.has_value());
  EXPECT_THAT(foreign.error().message, HasSubstr("is owned by uid 65534"));
  ASSERT_EQ(::chown(path.c_str(), 0, 0), 0);
  ASSERT_EQ(::chmod(path.c_str(), 0660), 0);
  auto shared = ChannelClient::connect(name, 20ms);
  ASSERT_FALSE(shared.has_value());
  EXPECT_THAT(shared.error().message, HasSubstr("without group/other access"));
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  auto fine = ChannelClient::connect(name, 20ms);
  EXPECT_TRUE(fine.has_value());
}

// A client that sends request after request and never reads the replies: a server that stops
// reading a backlogged slot (as ControlService::poll does) keeps its outbox near the soft limit;
// replies past the hard limit disconnect the client. Other slots are served all along.
TEST(Channel, OutboxOfAClientThatDoesNotReadIsBounded) {
  const std::string name = unique_name("outbox");
  ShmCleanup cleanup{name};
  constexpr size_t kReply = 1000;
  constexpr size_t kRepliesPerRequest = 8;  // like a multipart reply in chunks
  auto server = make_server(name, {.slots = 2,
                                   .ring_bytes = 1024,
                                   .outbox_soft_bytes = 16 * 1024,
                                   .outbox_hard_bytes = 64 * 1024});
  auto hog = make_client(name);
  auto good = make_client(name);
  server.tick();
  std::vector<uint8_t> msg;
  const auto serve = [&](uint32_t slot) {  // one poll of one slot, as ControlService does
    while (!server.backlogged(slot) && server.receive(slot, msg)) {
      for (size_t k = 0; k < kRepliesPerRequest; ++k) server.send(slot, frame(xid_of(msg), kReply));
    }
    server.flush();
  };
  size_t max_pending = 0;
  for (uint32_t i = 0; i < 200; ++i) {
    // The hog's request ring (1 KiB) fills when the server stops reading: send() would then
    // wait, so only send while there is room, as a blocked client would.
    if (i < 40) {
      ASSERT_TRUE(hog.send(frame(i, 16)).has_value());
    }
    serve(hog.slot());
    max_pending = std::max(max_pending, server.pending_bytes(hog.slot()));
    ASSERT_TRUE(good.send(frame(1000 + i, 16)).has_value());
    serve(good.slot());
    Result<bool> got = false;
    for (size_t k = 0; k < kRepliesPerRequest; ++k) {
      server.flush();  // the reply ring holds one reply at a time
      got = good.receive(msg, 1000ms);
      if (!got.has_value() || !*got) break;
    }
    ASSERT_TRUE(got.has_value() && *got) << "the good client was not served at round " << i;
    EXPECT_EQ(msg, frame(1000 + i, kReply));
  }
  EXPECT_TRUE(server.backlogged(hog.slot()));
  EXPECT_LE(max_pending, 16 * 1024 + kRepliesPerRequest * kReply);
  EXPECT_TRUE(server.connected(hog.slot()));
  // Pushed past the hard limit regardless (a server that kept sending), the hog is dropped.
  const size_t before = server.pending_bytes(hog.slot());
  size_t sent = 0;
  while (server.connected(hog.slot()) && sent < 1000) {
    server.send(hog.slot(), frame(5000, kReply));
    ++sent;
    ASSERT_LE(server.pending_bytes(hog.slot()), size_t{64 * 1024});
  }
  EXPECT_FALSE(server.connected(hog.slot()));
  EXPECT_EQ(sent, (64 * 1024 - before) / kReply + 1);
  EXPECT_EQ(server.stats().outbox_overflows, 1u);
  EXPECT_EQ(server.stats().broken_frames, 0u);
  EXPECT_EQ(server.pending_bytes(hog.slot()), 0u);
  auto refused = hog.send(frame(9, 16));
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused.error().message, HasSubstr("did not read its replies"));
  // The other client is still served.
  ASSERT_TRUE(good.send(frame(77, 16)).has_value());
  serve(good.slot());
  auto got = good.receive(msg, 1000ms);
  ASSERT_TRUE(got.has_value() && *got);
  EXPECT_EQ(msg, frame(77, kReply));
}

}  // namespace
}  // namespace sluice::of
