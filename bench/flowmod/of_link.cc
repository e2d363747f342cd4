#include "bench/flowmod/of_link.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <thread>

#include "openflow/channel/channel.h"

namespace sluice::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text(int err) { return std::strerror(err); }

class ChannelLink final : public OfLink {
 public:
  explicit ChannelLink(of::ChannelClient client) : client_(std::move(client)) {}
  Result<void> send(std::span<const uint8_t> bytes) override {
    // The channel frames whole messages: hand them over one at a time.
    for (size_t at = 0; at + 8 <= bytes.size();) {
      const size_t len = size_t{bytes[at + 2]} << 8 | bytes[at + 3];
      if (len < 8 || at + len > bytes.size()) return fail("send: malformed message");
      if (auto r = client_.send(bytes.subspan(at, len)); !r) return r;
      at += len;
    }
    return {};
  }
  Result<bool> receive(std::vector<uint8_t>& out, std::chrono::milliseconds timeout) override {
    client_.heartbeat();
    return client_.receive(out, timeout);
  }

 private:
  of::ChannelClient client_;
};

class SocketLink final : public OfLink {
 public:
  explicit SocketLink(int fd) : fd_(fd) {}
  ~SocketLink() override { ::close(fd_); }

  Result<void> send(std::span<const uint8_t> bytes) override {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        return fail("send: " + errno_text(errno));
      }
      // No room: wait for room or for something to read (read it, so the peer never blocks).
      pollfd p{fd_, POLLIN | POLLOUT, 0};
      if (::poll(&p, 1, 1000) < 0 && errno != EINTR) return fail("poll: " + errno_text(errno));
      if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        if (auto r = read_some(); !r) return std::unexpected(r.error());
      }
    }
    return {};
  }

  Result<bool> receive(std::vector<uint8_t>& out, std::chrono::milliseconds timeout) override {
    const auto deadline = Clock::now() + timeout;
    while (true) {
      if (take(out)) return true;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() < 0) return false;
      pollfd p{fd_, POLLIN, 0};
      const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
      if (rc < 0 && errno != EINTR) return fail("poll: " + errno_text(errno));
      if (rc > 0) {
        auto r = read_some();
        if (!r) return std::unexpected(r.error());
      } else if (left.count() == 0) {
        return take(out);
      }
    }
  }

 private:
  // Reads what is there into in_; an error when the peer closed.
  Result<bool> read_some() {
    uint8_t buf[65536];
    while (true) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        in_.insert(in_.end(), buf, buf + n);
        continue;
      }
      if (n == 0) return fail("the switch closed the connection");
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
      return fail("recv: " + errno_text(errno));
    }
  }
  // Moves one whole message from in_ to 'out'.
  bool take(std::vector<uint8_t>& out) {
    if (in_.size() < 8) return false;
    const size_t len = size_t{in_[2]} << 8 | in_[3];
    if (len < 8 || in_.size() < len) return false;
    out.assign(in_.begin(), in_.begin() + static_cast<ptrdiff_t>(len));
    in_.erase(in_.begin(), in_.begin() + static_cast<ptrdiff_t>(len));
    return true;
  }

  int fd_;
  std::deque<uint8_t> in_;
};

Result<int> connect_socket(const std::string& target) {
  int fd = -1;
  if (target.starts_with("unix:")) {
    const std::string path = target.substr(5);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof a.sun_path) return fail(target + ": bad path");
    std::memcpy(a.sun_path, path.data(), path.size());
    fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) return fail("socket: " + errno_text(errno));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      const int err = errno;
      ::close(fd);
      return fail("cannot connect to " + target + ": " + errno_text(err));
    }
  } else if (target.starts_with("tcp:")) {
    const std::string rest = target.substr(4);
    const size_t colon = rest.rfind(':');
    if (colon == std::string::npos) return fail(target + ": expected tcp:HOST:PORT");
    const std::string port_text = rest.substr(colon + 1);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return fail(target + ": bad port");
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (::inet_pton(AF_INET, rest.substr(0, colon).c_str(), &a.sin_addr) != 1) {
      return fail(target + ": the host must be a numeric IPv4 address");
    }
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return fail("socket: " + errno_text(errno));
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      const int err = errno;
      ::close(fd);
      return fail("cannot connect to " + target + ": " + errno_text(err));
    }
  } else {
    return fail(target + ": expected channel:NAME, tcp:HOST:PORT or unix:PATH");
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

}  // namespace

Result<std::unique_ptr<OfLink>> open_link(const std::string& target,
                                          std::chrono::milliseconds wait) {
  if (target.starts_with("channel:")) {
    auto client = of::ChannelClient::connect(target.substr(8), wait);
    if (!client) return std::unexpected(client.error());
    return std::unique_ptr<OfLink>(new ChannelLink(std::move(*client)));
  }
  const auto deadline = Clock::now() + wait;
  while (true) {
    auto fd = connect_socket(target);
    if (fd) return std::unique_ptr<OfLink>(new SocketLink(*fd));
    if (Clock::now() >= deadline) return std::unexpected(fd.error());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace sluice::bench
