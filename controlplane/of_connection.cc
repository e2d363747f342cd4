#include "controlplane/of_connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "openflow/ofp.h"

namespace sluice::cp {

namespace {

constexpr size_t kReadChunk = 64 * 1024;

size_t frame_length(const std::vector<uint8_t>& b, size_t at) {
  return size_t{b[at + 2]} << 8 | b[at + 3];
}

}  // namespace

OfConnection::OfConnection(int fd, uint64_t id, std::string peer, ConnectionLimits limits)
    : fd_(fd), id_(id), peer_(std::move(peer)), limits_(limits) {}

OfConnection::~OfConnection() {
  if (fd_ >= 0) ::close(fd_);
}

OfConnection::ReadStatus OfConnection::read() {
  if (in_head_ > 0 && in_head_ == in_.size()) {
    in_.clear();
    in_head_ = 0;
  } else if (in_head_ >= kMaxBufferedInput) {
    in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(in_head_));
    in_head_ = 0;
  }
  const size_t old = in_.size();
  in_.resize(old + kReadChunk);
  const ssize_t n = ::recv(fd_, in_.data() + old, kReadChunk, MSG_DONTWAIT);
  in_.resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
  if (n > 0) return ReadStatus::kOk;
  if (n == 0) return ReadStatus::kClosed;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return ReadStatus::kOk;
  return ReadStatus::kError;
}

bool OfConnection::has_message() const {
  const size_t avail = in_.size() - in_head_;
  if (avail < of::kHeaderSize) return false;
  const size_t len = frame_length(in_, in_head_);
  return len < of::kHeaderSize || avail >= len;  // a bad length is "ready" to be reported
}

OfConnection::Frame OfConnection::next(std::vector<uint8_t>& msg) {
  if (!has_message()) return Frame::kNone;
  const size_t len = frame_length(in_, in_head_);
  if (len < of::kHeaderSize) return Frame::kBadLength;
  const auto begin = in_.begin() + static_cast<std::ptrdiff_t>(in_head_);
  msg.assign(begin, begin + static_cast<std::ptrdiff_t>(len));
  in_head_ += len;
  ++messages_in;
  return Frame::kMessage;
}

bool OfConnection::queue(std::span<const uint8_t> msg) {
  if (queued() + msg.size() > limits_.hard_limit) return false;
  if (out_head_ > 0 && out_head_ == out_.size()) {
    out_.clear();
    out_head_ = 0;
  }
  out_.insert(out_.end(), msg.begin(), msg.end());
  ++messages_out;
  return true;
}

bool OfConnection::flush() {
  while (queued() > 0) {
    const ssize_t n = ::send(fd_, out_.data() + out_head_, queued(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      out_head_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return false;
  }
  if (out_head_ == out_.size()) {
    out_.clear();
    out_head_ = 0;
  } else if (out_head_ >= limits_.soft_limit) {
    out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(out_head_));
    out_head_ = 0;
  }
  return true;
}

}  // namespace sluice::cp
