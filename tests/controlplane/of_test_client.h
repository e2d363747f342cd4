// OfTestClient: a blocking OpenFlow-over-TCP client for tests of sluicectl's OpenFlow endpoint,
// with whole-message receive and timeouts.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "openflow/codec.h"

namespace sluice::cp::testing {

using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;

inline uint32_t xid_of(const Bytes& m) {
  return uint32_t{m[4]} << 24 | uint32_t{m[5]} << 16 | uint32_t{m[6]} << 8 | m[7];
}
inline of::MsgType type_of(const Bytes& m) { return static_cast<of::MsgType>(m[1]); }

class OfTestClient {
 public:
  explicit OfTestClient(uint16_t port, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  // A client of the Unix socket endpoint at 'path'.
  explicit OfTestClient(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    path.copy(a.sun_path, sizeof a.sun_path - 1);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~OfTestClient() { ::close(fd_); }
  bool connected() const { return connected_; }

  void send(const Bytes& b) { send_raw(b.data(), b.size()); }
  void send_raw(const uint8_t* p, size_t n) {
    while (n > 0) {
      const ssize_t w = ::send(fd_, p, n, MSG_NOSIGNAL);
      if (w <= 0) return;
      p += w;
      n -= static_cast<size_t>(w);
    }
  }
  // One whole message, or nothing on timeout or close (closed() tells which).
  std::optional<Bytes> recv(std::chrono::milliseconds timeout = 3000ms) {
    Bytes header(8);
    if (!read_exact(header.data(), 8, timeout)) return std::nullopt;
    const size_t len = size_t{header[2]} << 8 | header[3];
    Bytes msg = header;
    msg.resize(std::max<size_t>(len, 8));
    if (len > 8 && !read_exact(msg.data() + 8, len - 8, timeout)) return std::nullopt;
    return msg;
  }
  // The next message that is not an asynchronous one we are not waiting for.
  std::optional<Bytes> recv_type(of::MsgType type, std::chrono::milliseconds timeout = 3000ms) {
    while (auto m = recv(timeout)) {
      if (type_of(*m) == type) return m;
    }
    return std::nullopt;
  }
  // Sends a HELLO offering 1.3 and reads the endpoint's.
  bool handshake() {
    Bytes hello;
    of::encode_hello_versions(1, 1u << of::kVersion, hello);
    send(hello);
    auto theirs = recv();
    return theirs && type_of(*theirs) == of::MsgType::kHello &&
           of::decode_hello_versions(*theirs)->offers(of::kVersion);
  }
  // True once the endpoint closed the connection (reads drain whatever is left).
  bool wait_closed(std::chrono::milliseconds timeout = 5000ms) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    uint8_t buf[65536];
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return true;
    }
    return false;
  }

 private:
  bool read_exact(uint8_t* p, size_t n, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (n > 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
      const ssize_t r = ::recv(fd_, p, n, 0);
      if (r <= 0) return false;
      p += r;
      n -= static_cast<size_t>(r);
    }
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
};

}  // namespace sluice::cp::testing
