// The dataplane's host checks on PORT_ADD (dataplane/port_checks.h) and PortManager::add
// refusing hostile ports before rte_dev_probe: pcap files outside the pcap directory, options
// that override Sluice's devargs, stale/live/foreign vhost-user sockets. Every test works in
// its own temporary directory and removes it (and any port it made) even when it fails.
#include "dataplane/port_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "dataplane/ports.h"
#include "openflow/format.h"
#include "tests/testlib/eal_environment.h"

namespace sluice::dp {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A fresh directory (mode 0700, root's) removed at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "sluice-portcheck-XXXXXX").string();
    EXPECT_NE(::mkdtemp(tmpl.data()), nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A Unix socket at 'path' that is listening (live) while the object lives; stale() closes it
// and leaves the file behind, as a killed process would.
class UnixListener {
 public:
  explicit UnixListener(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(fd_, 1), 0);
  }
  ~UnixListener() { stale(); }
  void stale() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

of::PortAdd port(of::PortType type, std::string_view device, std::string_view options = "",
                 uint32_t port_no = 1) {
  of::PortAdd p;
  p.port_no = port_no;
  p.type = type;
  p.name.assign("p" + std::to_string(port_no));
  p.device.assign(device);
  p.options.assign(options);
  return p;
}

PortEnvironment env_for(const TempDir& dir) {
  PortEnvironment env;
  env.pcap_dir = dir / "pcap";
  env.vhost_socket_dir = dir / "sock";
  env.route_table = dir / "route";
  env.route6_table = dir / "ipv6_route";
  return env;
}

TEST(PortChecks, PcapFilesOnlyInThePcapDirectory) {
  TempDir dir;
  const PortEnvironment env = env_for(dir);
  ASSERT_EQ(::mkdir(env.pcap_dir.c_str(), 0750), 0);
  write_file(env.pcap_dir + "/in.pcap", "x");
  const auto check = [&](const std::string& device) {
    return check_port_environment(port(of::PortType::kPcap, device), env);
  };
  EXPECT_EQ(check("rx_pcap=" + env.pcap_dir + "/in.pcap,tx_pcap=" + env.pcap_dir + "/out.pcap"),
            std::nullopt);
  EXPECT_THAT(check("tx_pcap=/etc/shadow").value_or(""), HasSubstr("directly in the pcap directory"));
  EXPECT_THAT(check("rx_pcap=/etc/shadow").value_or(""), HasSubstr("directly in the pcap directory"));
  EXPECT_THAT(check("tx_pcap=" + env.pcap_dir + "/../out.pcap").value_or(""),
              HasSubstr("directly in the pcap directory"));
  EXPECT_THAT(check("tx_pcap=" + env.pcap_dir + "/.hidden").value_or(""),
              HasSubstr("not starting with '.'"));
  EXPECT_THAT(check("rx_pcap=" + env.pcap_dir + "/missing.pcap").value_or(""),
              HasSubstr("No such file"));
  // A symlink in the directory (to a file we must not clobber) is not a regular file.
  const std::string victim = dir / "victim";
  write_file(victim, "precious");
  ASSERT_EQ(::symlink(victim.c_str(), (env.pcap_dir + "/link.pcap").c_str()), 0);
  EXPECT_THAT(check("tx_pcap=" + env.pcap_dir + "/link.pcap").value_or(""),
              HasSubstr("not a regular file"));
  // A hard link to it would be overwritten in place.
  ASSERT_EQ(::link(victim.c_str(), (env.pcap_dir + "/hard.pcap").c_str()), 0);
  EXPECT_THAT(check("tx_pcap=" + env.pcap_dir + "/hard.pcap").value_or(""),
              HasSubstr("other hard links"));
  // Someone else's file.
  const std::string theirs = env.pcap_dir + "/theirs.pcap";
  write_file(theirs, "x");
  ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);
  EXPECT_THAT(check("tx_pcap=" + theirs).value_or(""), HasSubstr("owned by uid 65534"));
  // A directory others may write to could be filled with symlinks: refused as a whole.
  ASSERT_EQ(::chmod(env.pcap_dir.c_str(), 0777), 0);
  EXPECT_THAT(check("tx_pcap=" + env.pcap_dir + "/out.pcap").value_or(""),
              HasSubstr("writable by group or others"));
  EXPECT_EQ(read_file(victim), "precious");
}

TEST(PortChecks, MissingPcapDirectoryIsExplained) {
  TempDir dir;
  const PortEnvironment env = env_for(dir);
  auto e = check_port_environment(
      port(of::PortType::kPcap, "tx_pcap=" + env.pcap_dir + "/out.pcap"), env);
  EXPECT_THAT(e.value_or(""), HasSubstr("--pcap-dir"));
}

TEST(PortChecks, UplinkInterfaceIsRefused) {
  TempDir dir;
  PortEnvironment env = env_for(dir);
  write_file(env.route_table,
             "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
             "eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
             "eth1\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n");
  write_file(env.route6_table,
             "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
             "fe800000000000000000000000000001 00000400 00000001 00000000 00000003 wan6\n"
             "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
             "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200 lo\n");
  const auto af = [&](const char* iface) {
    return check_port_environment(port(of::PortType::kAfPacket, iface), env);
  };
  EXPECT_THAT(af("eth0").value_or(""), HasSubstr("carries the host's default route"));
  EXPECT_THAT(af("wan6").value_or(""), HasSubstr("carries the host's default route"));
  EXPECT_EQ(af("eth1"), std::nullopt);
  EXPECT_EQ(af("veth0"), std::nullopt);
  EXPECT_THAT(check_port_environment(port(of::PortType::kPcap, "iface=eth0"), env).value_or(""),
              HasSubstr("default route"));
  env.allow_uplink_ports = true;
  EXPECT_EQ(af("eth0"), std::nullopt);
}

TEST(PortChecks, VhostServerSocketPath) {
  TempDir dir;
  const PortEnvironment env = env_for(dir);
  const auto check = [&](const std::string& path) {
    return check_port_environment(port(of::PortType::kVhostUser, path), env);
  };
  // The socket directory is created (0755) when missing.
  EXPECT_EQ(check(env.vhost_socket_dir + "/vm1.sock"), std::nullopt);
  struct stat st {};
  ASSERT_EQ(::stat(env.vhost_socket_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  // A stale socket of ours (nobody listens) is removed.
  const std::string stale = env.vhost_socket_dir + "/stale.sock";
  { UnixListener l(stale); }
  ASSERT_TRUE(fs::exists(stale));
  EXPECT_EQ(check(stale), std::nullopt);
  EXPECT_FALSE(fs::exists(stale));
  // A live socket, a regular file, someone else's socket: refused and left alone.
  const std::string live = env.vhost_socket_dir + "/live.sock";
  UnixListener listening(live);
  EXPECT_THAT(check(live).value_or(""), HasSubstr("a process listens on it"));
  EXPECT_TRUE(fs::exists(live));
  const std::string file = env.vhost_socket_dir + "/file.sock";
  write_file(file, "data");
  EXPECT_THAT(check(file).value_or(""), HasSubstr("is not a socket"));
  EXPECT_EQ(read_file(file), "data");
  const std::string theirs = env.vhost_socket_dir + "/theirs.sock";
  { UnixListener l(theirs); }
  ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);
  EXPECT_THAT(check(theirs).value_or(""), HasSubstr("belongs to uid 65534"));
  EXPECT_TRUE(fs::exists(theirs));
  // A directory others can write to (not sticky) is refused; so is one owned by someone else.
  const std::string open_dir = dir / "open";
  ASSERT_EQ(::mkdir(open_dir.c_str(), 0777), 0);
  ASSERT_EQ(::chmod(open_dir.c_str(), 0777), 0);
  EXPECT_THAT(check(open_dir + "/vm.sock").value_or(""), HasSubstr("writable by group or others"));
  const std::string their_dir = dir / "theirs";
  ASSERT_EQ(::mkdir(their_dir.c_str(), 0755), 0);
  ASSERT_EQ(::chown(their_dir.c_str(), 65534, 65534), 0);
  EXPECT_THAT(check(their_dir + "/vm.sock").value_or(""), HasSubstr("owned by uid 65534"));
  // Client mode: sluiced only connects; the path is QEMU's.
  of::PortAdd client = port(of::PortType::kVhostUser, open_dir + "/qemu.sock");
  client.flags = of::port_flags::kVhostClient;
  EXPECT_EQ(check_port_environment(client, env), std::nullopt);
}

// PortManager::add refuses before anything reaches rte_dev_probe.
class PortManagerChecks : public ::testing::Test {
 protected:
  PortManager::HostSettings host() {
    PortManager::HostSettings h;
    h.env = env_for(dir_);
    h.vhost_socket_mode = 0660;
    return h;
  }
  TempDir dir_;
  std::array<std::atomic<uint8_t>, kMaxPorts> links_{};
};

TEST_F(PortManagerChecks, HostilePortsAreRefusedAndCounted) {
  PortManager ports(test::test_pool(), 1, links_.data(), host());
  const std::string outside = dir_ / "clobbered.pcap";
  const of::PortAdd hostile[] = {
      port(of::PortType::kPcap, "tx_pcap=" + outside),
      port(of::PortType::kNull, "", "tx_pcap=" + outside),
      port(of::PortType::kDpdk, "net_pcap_x,tx_pcap=" + outside),
      port(of::PortType::kPcap, "rx_pcap=/etc/hostname", "tx_pcap=" + outside),
  };
  for (const of::PortAdd& def : hostile) {
    SCOPED_TRACE(std::string(def.device.view()) + " / " + std::string(def.options.view()));
    auto added = ports.add(def, {});
    ASSERT_FALSE(added.has_value());
    EXPECT_EQ(added.error().code, of::sluice_error::kBadPortArgument);
    EXPECT_FALSE(fs::exists(outside)) << "the PMD wrote a file outside the pcap directory";
  }
  EXPECT_EQ(ports.refusals().argument.load() + ports.refusals().host.load(), 4u);
  EXPECT_TRUE(ports.slots_in_use().empty());
}

TEST_F(PortManagerChecks, PcapPortInThePcapDirectoryWorks) {
  auto h = host();
  ASSERT_EQ(::mkdir(h.env.pcap_dir.c_str(), 0700), 0);
  PortManager ports(test::test_pool(), 1, links_.data(), h);
  const std::string out = h.env.pcap_dir + "/out.pcap";
  auto added = ports.add(port(of::PortType::kPcap, "tx_pcap=" + out), {});
  ASSERT_TRUE(added.has_value()) << of::format_error(added.error());
  EXPECT_TRUE(fs::exists(out));
  ports.remove(added->slot);
}

// A sluiced killed with SIGKILL leaves its server socket behind; the next one must be able to
// create the port again (and with the configured mode), but must not take over a live socket.
TEST_F(PortManagerChecks, VhostServerPortReplacesAStaleSocket) {
  auto h = host();
  ASSERT_EQ(::mkdir(h.env.vhost_socket_dir.c_str(), 0755), 0);
  const std::string sock = h.env.vhost_socket_dir + "/vm1.sock";
  { UnixListener killed(sock); }
  ASSERT_TRUE(fs::exists(sock));
  PortManager ports(test::test_pool(), 1, links_.data(), h);
  auto added = ports.add(port(of::PortType::kVhostUser, sock), {});
  ASSERT_TRUE(added.has_value()) << of::format_error(added.error());
  struct stat st {};
  ASSERT_EQ(::stat(sock.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  // Another port on the same (now live) socket is refused; the socket stays.
  auto again = ports.add(port(of::PortType::kVhostUser, sock, "", 2), {});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, of::sluice_error::kBadPortArgument);
  EXPECT_TRUE(fs::exists(sock));
  ports.remove(added->slot);
}

}  // namespace
}  // namespace sluice::dp
