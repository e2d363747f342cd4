// OfConnection: one TCP client of the OpenFlow endpoint, as bytes. It frames the input by the
// OpenFlow header's length (partial reads are kept until the message is whole) and buffers the
// output (partial writes resume when the socket is writable). It owns the socket.
//
// The output buffer is bounded: past 'soft_limit' bytes the endpoint stops reading the
// client's requests (so it produces no more replies for itself), and a message that would
// take it past 'hard_limit' is refused: the endpoint then disconnects the client, which is
// not reading, instead of letting it hold up or exhaust the relay.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sluice::cp {

struct ConnectionLimits {
  size_t soft_limit = size_t{1} << 20;
  size_t hard_limit = size_t{16} << 20;
};

class OfConnection {
 public:
  OfConnection(int fd, uint64_t id, std::string peer, ConnectionLimits limits);
  ~OfConnection();
  OfConnection(const OfConnection&) = delete;
  OfConnection& operator=(const OfConnection&) = delete;

  enum class ReadStatus { kOk, kClosed, kError };
  // Reads what the socket has now (never blocks). kClosed: the peer closed its side.
  ReadStatus read();

  enum class Frame { kNone, kMessage, kBadLength };
  // Takes the next whole message out of the input. kBadLength: a header claims fewer than 8
  // bytes, so the stream cannot be framed any more (the caller closes the connection).
  Frame next(std::vector<uint8_t>& msg);
  // A whole message is waiting in the input.
  bool has_message() const;

  // Appends one message to the output; false (nothing queued) if that would pass hard_limit.
  bool queue(std::span<const uint8_t> msg);
  // Writes queued output until the socket would block; false on a socket error.
  bool flush();
  size_t queued() const noexcept { return out_.size() - out_head_; }
  // Past the soft limit: do not read more requests from this client for now.
  bool backed_up() const noexcept { return queued() > limits_.soft_limit; }
  // Room to read: the input holds less than two maximum-size messages.
  bool wants_input() const noexcept { return in_.size() - in_head_ < kMaxBufferedInput; }

  int fd() const noexcept { return fd_; }
  uint64_t id() const noexcept { return id_; }
  const std::string& peer() const noexcept { return peer_; }

  // Per-connection state the endpoint keeps here.
  using Clock = std::chrono::steady_clock;
  Clock::time_point connected_at = Clock::now();
  Clock::time_point last_heard = connected_at;  // the last whole message from the client
  bool probe_outstanding = false;               // an ECHO_REQUEST went out since last_heard
  bool hello_done = false;
  bool closing = false;  // close_client() asked; nothing more is read or sent
  uint64_t messages_in = 0;
  uint64_t messages_out = 0;

 private:
  static constexpr size_t kMaxBufferedInput = 2 * 65536;

  int fd_;
  uint64_t id_;
  std::string peer_;
  ConnectionLimits limits_;
  std::vector<uint8_t> in_;
  size_t in_head_ = 0;  // bytes of in_ already taken by next()
  std::vector<uint8_t> out_;
  size_t out_head_ = 0;  // bytes of out_ already written
};

}  // namespace sluice::cp
