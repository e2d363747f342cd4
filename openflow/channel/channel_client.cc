// ChannelClient: maps the region, claims a slot and talks to the server through its two rings.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <thread>
#include <utility>

#include "openflow/channel/channel.h"
#include "openflow/channel/channel_layout.h"
#include "openflow/channel/channel_region.h"

namespace sluice::of {
namespace {

using layout::RegionHeader;
using layout::ServerState;
using layout::SlotHeader;

constexpr auto kServerStale = std::chrono::seconds(1);
// How often the liveness checks that cost a system call (fstat of the region, kill(pid, 0) on
// the server) run at most; in between, the last answer stands.
constexpr auto kUnlinkCheckEvery = std::chrono::milliseconds(10);
constexpr auto kPidCheckEvery = std::chrono::milliseconds(10);
constexpr auto kConnectRetry = std::chrono::milliseconds(5);

// One attempt at connect(): either a client, or why not and whether waiting could help.
struct Attempt {
  Error error;
  bool retry = false;
};

struct Mapped {
  int fd = -1;
  void* base = nullptr;
  size_t bytes = 0;
  // The layout as checked against the mapping's size, read once: the header is shared memory
  // and is not read again for addressing.
  uint32_t slot_count = 0;
  uint32_t ring_bytes = 0;
  void close() noexcept {
    if (base != nullptr) ::munmap(base, bytes);
    if (fd >= 0) ::close(fd);
    base = nullptr;
    fd = -1;
  }
};

// Opens and maps the region, and checks its header. On success the region is ready to claim.
std::expected<Mapped, Attempt> open_region(const std::string& shm_name, std::string_view name) {
  const std::string where = "/dev/shm" + shm_name;
  const std::string quoted = region::quoted(name);
  Mapped m;
  m.fd = ::shm_open(shm_name.c_str(), O_RDWR | O_NOFOLLOW, 0);
  if (m.fd < 0) {
    const int err = errno;
    if (err == ENOENT) {
      return std::unexpected(Attempt{
          {"no such channel " + quoted + " (" + where + " does not exist; is sluiced running?)"},
          true});
    }
    return std::unexpected(Attempt{
        {"cannot open channel " + quoted + " (" + where + "): " + region::errno_text(err)}, false});
  }
  struct stat st {};
  if (::fstat(m.fd, &st) == 0 &&
      ((st.st_uid != ::geteuid() && st.st_uid != 0) || (st.st_mode & 077) != 0)) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    m.close();
    // Retried: a starting sluiced replaces such a region.
    return std::unexpected(Attempt{{"refusing channel " + quoted + ": " + where +
                                    " is owned by uid " + std::to_string(st.st_uid) +
                                    " with mode " + mode +
                                    " (it must be ours or root's, without group/other access)"},
                                   true});
  }
  if (::fstat(m.fd, &st) != 0 || static_cast<size_t>(st.st_size) < sizeof(RegionHeader)) {
    m.close();
    return std::unexpected(Attempt{{"channel " + quoted + " is still being set up"}, true});
  }
  m.bytes = static_cast<size_t>(st.st_size);
  m.base = region::map_shared(m.fd, m.bytes);
  if (m.base == nullptr) {
    const int err = errno;
    m.close();
    return std::unexpected(
        Attempt{{"cannot map channel " + quoted + ": " + region::errno_text(err)}, false});
  }
  const RegionHeader* h = region::header_at(m.base);
  const uint64_t magic = h->magic.load(std::memory_order_acquire);
  m.slot_count = h->slot_count;
  m.ring_bytes = h->ring_bytes;
  Attempt why;
  if (magic == 0) {
    why = {{"channel " + quoted + " is still being set up"}, true};
  } else if (magic != layout::kMagic) {
    why = {{where + " is not a Sluice channel (bad magic)"}, false};
  } else if (h->layout_version != layout::kLayoutVersion) {
    why = {{"channel " + quoted + " version mismatch: the region has layout version " +
            std::to_string(h->layout_version) + ", this program speaks version " +
            std::to_string(layout::kLayoutVersion)},
           false};
  } else if (m.slot_count == 0 || !ByteRing::valid_capacity(m.ring_bytes) ||
             layout::region_bytes(m.slot_count, m.ring_bytes) != m.bytes) {
    why = {{"channel " + quoted + " is corrupt (its size does not match its header)"}, false};
  } else if (h->server_state.load(std::memory_order_acquire) !=
             static_cast<uint32_t>(ServerState::kRunning)) {
    why = {{"channel " + quoted + ": the dataplane has closed it"}, true};
  } else if (!region::pid_alive(h->server_pid)) {
    why = {{"channel " + quoted + ": its dataplane (pid " + std::to_string(h->server_pid) +
            ") is gone"},
           true};
  } else {
    return m;
  }
  m.close();
  return std::unexpected(std::move(why));
}

}  // namespace

Result<ChannelClient> ChannelClient::connect(std::string_view name,
                                             std::chrono::milliseconds wait) {
  auto shm_name = region::shm_name(name);
  if (!shm_name) return std::unexpected(shm_name.error());
  const auto deadline = Clock::now() + wait;
  const uint64_t pid = static_cast<uint64_t>(::getpid());
  for (;;) {
    auto mapped = open_region(*shm_name, name);
    if (mapped) {
      RegionHeader* h = region::header_at(mapped->base);
      const uint32_t ring_bytes = mapped->ring_bytes;
      for (uint32_t s = 0; s < mapped->slot_count; ++s) {
        SlotHeader* slot = region::slot_at(mapped->base, s, ring_bytes);
        uint64_t expected = 0;
        if (!slot->owner.compare_exchange_strong(expected, pid, std::memory_order_acq_rel)) {
          continue;
        }
        ChannelClient c;
        c.name_ = std::string(name);
        c.fd_ = mapped->fd;
        c.base_ = mapped->base;
        c.map_bytes_ = mapped->bytes;
        c.header_ = h;
        c.slot_header_ = slot;
        c.slot_ = s;
        c.owner_word_ = pid;
        c.session_ = slot->session.fetch_add(1, std::memory_order_acq_rel) + 1;
        c.generation_ = h->generation;
        c.requests_ = ByteRing(
            region::ring_block_at(mapped->base, layout::request_ring_offset(s, ring_bytes)),
            ring_bytes);
        c.replies_ = ByteRing(
            region::ring_block_at(mapped->base, layout::reply_ring_offset(s, ring_bytes)),
            ring_bytes);
        c.my_heartbeat_ = slot->client_heartbeat.load(std::memory_order_relaxed);
        c.heartbeat();
        c.server_hb_seen_ = h->server_heartbeat.load(std::memory_order_acquire);
        c.server_hb_changed_ = Clock::now();
        c.unlink_checked_ = c.server_hb_changed_;
        c.pid_checked_ = c.server_hb_changed_;
        return c;
      }
      const uint32_t slots = mapped->slot_count;
      mapped->close();
      mapped = std::unexpected(Attempt{{"channel " + region::quoted(name) + ": all " +
                                        std::to_string(slots) + " client slots are busy"},
                                       true});
    }
    if (!mapped.error().retry || Clock::now() >= deadline) {
      return std::unexpected(std::move(mapped.error().error));
    }
    std::this_thread::sleep_for(kConnectRetry);
  }
}

ChannelClient::ChannelClient(ChannelClient&& other) noexcept { *this = std::move(other); }

ChannelClient& ChannelClient::operator=(ChannelClient&& other) noexcept {
  if (this != &other) {
    release();
    name_ = std::move(other.name_);
    fd_ = std::exchange(other.fd_, -1);
    base_ = std::exchange(other.base_, nullptr);
    map_bytes_ = std::exchange(other.map_bytes_, 0);
    header_ = std::exchange(other.header_, nullptr);
    slot_header_ = std::exchange(other.slot_header_, nullptr);
    slot_ = other.slot_;
    owner_word_ = other.owner_word_;
    session_ = other.session_;
    generation_ = other.generation_;
    requests_ = other.requests_;
    replies_ = other.replies_;
    my_heartbeat_ = other.my_heartbeat_;
    server_hb_seen_ = other.server_hb_seen_;
    server_hb_changed_ = other.server_hb_changed_;
    unlink_checked_ = other.unlink_checked_;
    unlinked_ = other.unlinked_;
    pid_checked_ = other.pid_checked_;
    server_exited_ = other.server_exited_;
  }
  return *this;
}

ChannelClient::~ChannelClient() { release(); }

void ChannelClient::release() noexcept {
  if (base_ == nullptr) return;
  // Leave the slot only if it is still ours: the server may have reclaimed it for a new client.
  if (slot_header_->session.load(std::memory_order_acquire) == session_) {
    uint64_t expected = owner_word_;
    slot_header_->owner.compare_exchange_strong(expected, owner_word_ | layout::kReleasedBit,
                                                std::memory_order_acq_rel);
  }
  ::munmap(base_, map_bytes_);
  ::close(fd_);
  base_ = nullptr;
  fd_ = -1;
  header_ = nullptr;
  slot_header_ = nullptr;
}

void ChannelClient::heartbeat() noexcept {
  if (slot_header_ == nullptr) return;
  slot_header_->client_heartbeat.store(++my_heartbeat_, std::memory_order_release);
}

uint64_t ChannelClient::server_generation() const noexcept { return generation_; }

uint32_t ChannelClient::max_message_bytes() const noexcept {
  return static_cast<uint32_t>(std::min<uint64_t>(requests_.capacity(), kOfMaxFrameBytes));
}

bool ChannelClient::region_unlinked() const noexcept {
  if (unlinked_ || fd_ < 0) return true;
  const auto now = Clock::now();
  if (now - unlink_checked_ >= kUnlinkCheckEvery) {
    unlink_checked_ = now;
    struct stat st {};
    unlinked_ = ::fstat(fd_, &st) != 0 || st.st_nlink == 0;
  }
  return unlinked_;
}

bool ChannelClient::server_exited() const noexcept {
  if (server_exited_ || header_ == nullptr) return true;
  const auto now = Clock::now();
  if (now - pid_checked_ >= kPidCheckEvery) {
    pid_checked_ = now;
    server_exited_ = !region::pid_alive(header_->server_pid);
  }
  return server_exited_;
}

bool ChannelClient::server_alive() const noexcept {
  if (header_ == nullptr) return false;
  if (header_->server_state.load(std::memory_order_acquire) !=
      static_cast<uint32_t>(ServerState::kRunning)) {
    return false;
  }
  if (region_unlinked()) return false;
  if (server_exited()) return false;
  const auto now = Clock::now();
  const uint64_t hb = header_->server_heartbeat.load(std::memory_order_acquire);
  if (hb != server_hb_seen_) {
    server_hb_seen_ = hb;
    server_hb_changed_ = now;
  }
  return now - server_hb_changed_ <= kServerStale;
}

Result<void> ChannelClient::check_server() const {
  // Builds the message only on failure: this runs before every send.
  const auto gone = [this](std::string_view why) {
    return fail("channel " + region::quoted(name_) + std::string(why));
  };
  if (header_ == nullptr) return fail("not connected to a channel");
  if (header_->server_state.load(std::memory_order_acquire) !=
      static_cast<uint32_t>(ServerState::kRunning)) {
    return gone(": the dataplane closed it");
  }
  if (region_unlinked())
    return gone(" was removed or replaced (the dataplane restarted?); reconnect");
  if (const uint32_t why = slot_header_->broken.load(std::memory_order_acquire); why != 0) {
    if (why == layout::kBrokenOutboxOverflow) {
      return gone(": the dataplane disconnected this client: it did not read its replies "
                  "(outbox limit reached)");
    }
    return gone(": the dataplane disconnected this client after a corrupt frame");
  }
  if (slot_header_->owner.load(std::memory_order_acquire) != owner_word_ ||
      slot_header_->session.load(std::memory_order_acquire) != session_) {
    return gone(": the dataplane reclaimed this client's slot (no heartbeat for 3 s)");
  }
  if (server_exited()) {
    return gone(": the dataplane (pid " + std::to_string(header_->server_pid) + ") exited");
  }
  if (!server_alive()) {
    return gone(": the dataplane (pid " + std::to_string(header_->server_pid) +
                ") stopped answering (no heartbeat for 1 s)");
  }
  return {};
}

Result<void> ChannelClient::send(std::span<const uint8_t> msg) {
  if (!is_whole_frame(msg)) {
    return fail("malformed message: " + std::to_string(msg.size()) +
                " bytes, but an OpenFlow header of at least 8 bytes must give the total length");
  }
  if (msg.size() > requests_.capacity()) {
    return fail("message of " + std::to_string(msg.size()) +
                " bytes is larger than the channel's " + std::to_string(requests_.capacity()) +
                "-byte ring");
  }
  region::Backoff backoff;
  for (;;) {
    if (auto ok = check_server(); !ok) return ok;
    const auto status = requests_.try_write(msg);
    if (status == ByteRing::WriteStatus::kOk) return {};
    if (status == ByteRing::WriteStatus::kCorrupt) {
      return fail("channel " + region::quoted(name_) + ": the request ring's counters are corrupt");
    }
    heartbeat();  // backpressure: the server is behind; keep our slot while we wait
    backoff.pause();
  }
}

Result<bool> ChannelClient::receive(std::vector<uint8_t>& out, std::chrono::milliseconds timeout) {
  if (header_ == nullptr) return fail("not connected to a channel");
  const auto deadline = Clock::now() + timeout;
  region::Backoff backoff;
  for (;;) {
    switch (replies_.try_read(out)) {
      case ByteRing::ReadStatus::kOk:
        return true;
      case ByteRing::ReadStatus::kCorrupt:
        return fail("channel " + region::quoted(name_) +
                    ": corrupt reply frame from the dataplane");
      case ByteRing::ReadStatus::kEmpty:
        break;
    }
    if (auto ok = check_server(); !ok) return std::unexpected(ok.error());
    heartbeat();
    if (Clock::now() >= deadline) return false;
    backoff.pause();
  }
}

}  // namespace sluice::of
