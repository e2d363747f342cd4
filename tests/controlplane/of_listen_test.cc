// --openflow-listen parsing and the loopback rule; the Unix socket endpoint's file rules.
#include "controlplane/of_listen.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sluice::cp {
namespace {

TEST(ListenAddress, ParsesIpv4AndIpv6) {
  auto a = parse_listen_address("127.0.0.1:6653");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 6653);
  EXPECT_FALSE(a->ipv6);
  EXPECT_TRUE(a->loopback());
  EXPECT_EQ(a->to_string(), "127.0.0.1:6653");

  auto b = parse_listen_address("[::1]:16653");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->host, "::1");
  EXPECT_TRUE(b->ipv6);
  EXPECT_TRUE(b->loopback());
  EXPECT_EQ(b->to_string(), "[::1]:16653");

  EXPECT_TRUE(parse_listen_address("127.1.2.3:0")->loopback());
  EXPECT_FALSE(parse_listen_address("0.0.0.0:6653")->loopback());
  EXPECT_FALSE(parse_listen_address("192.0.2.1:6653")->loopback());
  EXPECT_FALSE(parse_listen_address("[::]:6653")->loopback());
}

TEST(ListenAddress, RejectsMalformedText) {
  for (const char* bad :
       {"", "6653", "127.0.0.1", "127.0.0.1:", "127.0.0.1:70000", "127.0.0.1:66x", "localhost:6653",
        "::1:6653", "[::1]6653", "[::1", "[nope]:1", "1.2.3:5"}) {
    auto r = parse_listen_address(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_NE(r.error().message.find('\''), std::string::npos) << r.error().message;
    }
  }
}

TEST(ListenAddress, ListensOnAnEphemeralPort) {
  auto addr = parse_listen_address("127.0.0.1:0");
  ASSERT_TRUE(addr);
  auto fd = open_listener(*addr);
  ASSERT_TRUE(fd) << fd.error().message;
  EXPECT_NE(local_port(*fd), 0);
  // The same port again is taken.
  ListenAddress again = *addr;
  again.port = local_port(*fd);
  auto second = open_listener(again);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("cannot listen on 127.0.0.1:"), std::string::npos)
      << second.error().message;
  ::close(*fd);
}

// A directory of the test's own, removed with everything in it.
struct UnixListen : ::testing::Test {
  std::string dir;
  std::string path;
  void SetUp() override {
    char d[] = "/tmp/oflisten-XXXXXX";
    ASSERT_NE(::mkdtemp(d), nullptr);
    dir = d;
    path = dir + "/sub/x.openflow";
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  // A socket file at 'path' that nobody listens on (its process "died").
  void stale_socket() { stale_socket(path); }
  void stale_socket(const std::string& at) {
    std::filesystem::create_directories(dir + "/sub");
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    at.copy(a.sun_path, sizeof a.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ::close(fd);
  }
};

TEST_F(UnixListen, MakesTheDirectoryAndASocketOnlyItsOwnerMayUse) {
  auto l = open_unix_listener(path);
  ASSERT_TRUE(l) << l.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_uid, ::geteuid());
  ASSERT_EQ(::stat((dir + "/sub").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  // A second listener finds it alive and leaves it alone.
  auto again = open_unix_listener(path);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("in use"), std::string::npos) << again.error().message;
  EXPECT_TRUE(std::filesystem::exists(path));
  remove_unix_listener(path, *l);
  ::close(l->fd);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(UnixListen, AStaleSocketIsReplaced) {
  stale_socket();
  auto l = open_unix_listener(path);
  ASSERT_TRUE(l) << l.error().message;
  remove_unix_listener(path, *l);
  ::close(l->fd);
}

TEST_F(UnixListen, AFileThatIsNotASocketIsNeverTouched) {
  std::filesystem::create_directories(dir + "/sub");
  std::ofstream(path) << "precious";
  auto l = open_unix_listener(path);
  ASSERT_FALSE(l);
  EXPECT_NE(l.error().message.find("is not a socket"), std::string::npos) << l.error().message;
  std::ifstream in(path);
  std::string text;
  in >> text;
  EXPECT_EQ(text, "precious");
}

TEST_F(UnixListen, ASocketOfAnotherUserIsNeverTouched) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (to give the file to another uid)";
  stale_socket();
  ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  auto l = open_unix_listener(path);
  ASSERT_FALSE(l);
  EXPECT_NE(l.error().message.find("not ours"), std::string::npos) << l.error().message;
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST_F(UnixListen, ARemovedListenerLeavesAReplacementAlone) {
  auto l = open_unix_listener(path);
  ASSERT_TRUE(l) << l.error().message;
  ::close(l->fd);
  stale_socket(path + ".new");  // someone else's file replaces ours
  std::filesystem::rename(path + ".new", path);
  remove_unix_listener(path, *l);
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(PeerCredentials, RootAndOurOwnUserOnly) {
  EXPECT_TRUE(unix_peer_allowed({.pid = 1, .uid = 0}, 1000));
  EXPECT_TRUE(unix_peer_allowed({.pid = 1, .uid = 1000}, 1000));
  EXPECT_FALSE(unix_peer_allowed({.pid = 1, .uid = 1001}, 1000));
  EXPECT_FALSE(unix_peer_allowed({.pid = 1, .uid = 65534}, 0));
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  auto cred = peer_credentials(sv[0]);
  ASSERT_TRUE(cred) << cred.error().message;
  EXPECT_EQ(cred->pid, ::getpid());
  EXPECT_EQ(cred->uid, ::geteuid());
  ::close(sv[0]);
  ::close(sv[1]);
}

}  // namespace
}  // namespace sluice::cp
