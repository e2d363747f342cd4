// ChannelServer: creates the region and services every slot from the dataplane's main lcore.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <new>
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

constexpr uint32_t kMaxSlots = 64;
constexpr uint32_t kMinRingBytes = 256;
constexpr auto kClientStale = std::chrono::seconds(3);
constexpr auto kReleasedDrainLimit = std::chrono::seconds(1);
// How long create() watches an existing region's heartbeat before calling it stale.
constexpr auto kLiveServerProbe = std::chrono::milliseconds(300);

uint64_t owner_pid(uint64_t owner) noexcept { return owner & 0xffffffffu; }

// Looks at a region already under 'shm_name'. Fails if a live server still serves it;
// otherwise returns its generation (0 if there is none or it is unreadable). A region that is
// not ours (owner not our euid, or mode not 0600) is not read at all: anybody can create files
// in /dev/shm, and its contents could claim a live server to keep us from starting. Such a
// region is described in 'notice' and replaced like a stale one.
Result<uint64_t> inspect_previous(const std::string& shm_name, std::string_view name,
                                  std::string& notice) {
  const int fd = ::shm_open(shm_name.c_str(), O_RDONLY | O_NOFOLLOW, 0);
  if (fd < 0) return uint64_t{0};
  struct stat st {};
  void* p = nullptr;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return uint64_t{0};
  }
  if (st.st_uid != ::geteuid() || (st.st_mode & 07777) != 0600 || !S_ISREG(st.st_mode)) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    notice = "/dev/shm" + shm_name + " was owned by uid " + std::to_string(st.st_uid) +
             " with mode " + mode + ", not ours with 0600: replaced without reading it";
    ::close(fd);
    return uint64_t{0};
  }
  if (static_cast<size_t>(st.st_size) >= sizeof(RegionHeader)) {
    p = ::mmap(nullptr, sizeof(RegionHeader), PROT_READ, MAP_SHARED, fd, 0);
  }
  ::close(fd);
  if (p == nullptr || p == MAP_FAILED) return uint64_t{0};
  const auto* h = static_cast<const RegionHeader*>(p);
  uint64_t generation = 0;
  bool live = false;
  pid_t pid = 0;
  if (h->magic.load(std::memory_order_acquire) == layout::kMagic) {
    generation = h->generation;
    pid = h->server_pid;
    if (h->server_state.load(std::memory_order_acquire) ==
            static_cast<uint32_t>(ServerState::kRunning) &&
        region::pid_alive(pid)) {
      // The pid may have been reused by an unrelated process: live only if it still ticks.
      const uint64_t hb = h->server_heartbeat.load(std::memory_order_acquire);
      const auto until = std::chrono::steady_clock::now() + kLiveServerProbe;
      live = pid == ::getpid();
      while (!live && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        live = h->server_heartbeat.load(std::memory_order_acquire) != hb;
      }
    }
  }
  ::munmap(p, sizeof(RegionHeader));
  if (live) {
    return fail("channel " + region::quoted(name) +
                " is already served by a running sluiced (pid " + std::to_string(pid) + ")");
  }
  return generation;
}

uint64_t fresh_generation(uint64_t previous) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto ns =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
  return std::max(previous + 1, ns);
}

// Constructs every shared word of a fresh (zero-filled) region; magic last.
void format_region(void* base, uint32_t slots, uint32_t ring_bytes, uint64_t generation) {
  auto* h = new (base) RegionHeader{};
  h->layout_version = layout::kLayoutVersion;
  h->slot_count = slots;
  h->ring_bytes = ring_bytes;
  h->server_pid = ::getpid();
  h->generation = generation;
  h->server_state.store(static_cast<uint32_t>(ServerState::kRunning), std::memory_order_relaxed);
  h->server_heartbeat.store(1, std::memory_order_relaxed);
  for (uint32_t s = 0; s < slots; ++s) {
    new (region::slot_at(base, s, ring_bytes)) SlotHeader{};
    ByteRing::format(region::ring_block_at(base, layout::request_ring_offset(s, ring_bytes)));
    ByteRing::format(region::ring_block_at(base, layout::reply_ring_offset(s, ring_bytes)));
  }
  h->magic.store(layout::kMagic, std::memory_order_release);
}

}  // namespace

Result<ChannelServer> ChannelServer::create(std::string_view name, Options opts) {
  auto shm_name = region::shm_name(name);
  if (!shm_name) return std::unexpected(shm_name.error());
  if (opts.slots < 1 || opts.slots > kMaxSlots) {
    return fail("channel " + region::quoted(name) + ": slots " + std::to_string(opts.slots) +
                " is out of range 1.." + std::to_string(kMaxSlots));
  }
  if (!ByteRing::valid_capacity(opts.ring_bytes) || opts.ring_bytes < kMinRingBytes) {
    return fail("channel " + region::quoted(name) + ": ring_bytes " +
                std::to_string(opts.ring_bytes) + " must be a power of two in " +
                std::to_string(kMinRingBytes) + ".." + std::to_string(ByteRing::kMaxCapacity));
  }
  std::string notice;
  auto previous = inspect_previous(*shm_name, name, notice);
  if (!previous) return std::unexpected(previous.error());

  const std::string where = "/dev/shm" + *shm_name;
  ::shm_unlink(shm_name->c_str());  // a stale region; ENOENT is fine
  const int fd = ::shm_open(shm_name->c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return fail("cannot create " + where + ": " + region::errno_text(errno));
  const size_t bytes = layout::region_bytes(opts.slots, opts.ring_bytes);
  void* base = nullptr;
  if (::fchmod(fd, 0600) != 0 || ::ftruncate(fd, static_cast<off_t>(bytes)) != 0 ||
      (base = region::map_shared(fd, bytes)) == nullptr) {
    const int err = errno;
    ::close(fd);
    ::shm_unlink(shm_name->c_str());
    return fail("cannot set up " + where + " (" + std::to_string(bytes) +
                " bytes): " + region::errno_text(err));
  }
  format_region(base, opts.slots, opts.ring_bytes, fresh_generation(*previous));

  ChannelServer server;
  server.name_ = std::string(name);
  server.shm_path_ = std::move(*shm_name);
  server.fd_ = fd;
  server.base_ = base;
  server.map_bytes_ = bytes;
  server.header_ = region::header_at(base);
  server.generation_ = server.header_->generation;
  server.notice_ = std::move(notice);
  server.outbox_soft_bytes_ = opts.outbox_soft_bytes;
  server.outbox_hard_bytes_ = std::max(opts.outbox_hard_bytes, opts.outbox_soft_bytes);
  server.slots_.resize(opts.slots);
  const auto now = Clock::now();
  for (uint32_t s = 0; s < opts.slots; ++s) {
    SlotState& st = server.slots_[s];
    st.header = region::slot_at(base, s, opts.ring_bytes);
    st.requests =
        ByteRing(region::ring_block_at(base, layout::request_ring_offset(s, opts.ring_bytes)),
                 opts.ring_bytes);
    st.replies =
        ByteRing(region::ring_block_at(base, layout::reply_ring_offset(s, opts.ring_bytes)),
                 opts.ring_bytes);
    st.client_hb_changed = now;
  }
  return server;
}

ChannelServer::ChannelServer(ChannelServer&& other) noexcept
    : name_(std::move(other.name_)),
      shm_path_(std::move(other.shm_path_)),
      fd_(std::exchange(other.fd_, -1)),
      base_(std::exchange(other.base_, nullptr)),
      map_bytes_(std::exchange(other.map_bytes_, 0)),
      header_(std::exchange(other.header_, nullptr)),
      generation_(other.generation_),
      notice_(std::move(other.notice_)),
      outbox_soft_bytes_(other.outbox_soft_bytes_),
      outbox_hard_bytes_(other.outbox_hard_bytes_),
      slots_(std::move(other.slots_)),
      stats_(other.stats_) {}

ChannelServer& ChannelServer::operator=(ChannelServer&& other) noexcept {
  if (this != &other) {
    release_all();
    name_ = std::move(other.name_);
    shm_path_ = std::move(other.shm_path_);
    fd_ = std::exchange(other.fd_, -1);
    base_ = std::exchange(other.base_, nullptr);
    map_bytes_ = std::exchange(other.map_bytes_, 0);
    header_ = std::exchange(other.header_, nullptr);
    generation_ = other.generation_;
    notice_ = std::move(other.notice_);
    outbox_soft_bytes_ = other.outbox_soft_bytes_;
    outbox_hard_bytes_ = other.outbox_hard_bytes_;
    slots_ = std::move(other.slots_);
    stats_ = other.stats_;
  }
  return *this;
}

ChannelServer::~ChannelServer() { release_all(); }

void ChannelServer::release_all() noexcept {
  if (base_ != nullptr) {
    header_->server_state.store(static_cast<uint32_t>(ServerState::kClosed),
                                std::memory_order_release);
    ::munmap(base_, map_bytes_);
    base_ = nullptr;
    header_ = nullptr;
  }
  if (fd_ >= 0) {
    // Unlink the name only if it still refers to our region (a newer server may own it now).
    struct stat mine {};
    struct stat named {};
    const int named_fd = ::shm_open(shm_path_.c_str(), O_RDONLY, 0);
    if (named_fd >= 0) {
      if (::fstat(fd_, &mine) == 0 && ::fstat(named_fd, &named) == 0 &&
          mine.st_ino == named.st_ino && mine.st_dev == named.st_dev) {
        ::shm_unlink(shm_path_.c_str());
      }
      ::close(named_fd);
    }
    ::close(fd_);
    fd_ = -1;
  }
  slots_.clear();
}

uint32_t ChannelServer::slot_count() const noexcept { return static_cast<uint32_t>(slots_.size()); }

uint64_t ChannelServer::generation() const noexcept {
  return header_ != nullptr ? generation_ : 0;
}

SlotHeader* ChannelServer::slot_header(uint32_t slot) const noexcept {
  return slots_[slot].header;
}

void ChannelServer::beat() noexcept {
  if (header_ == nullptr) return;
  header_->server_heartbeat.store(header_->server_heartbeat.load(std::memory_order_relaxed) + 1,
                                  std::memory_order_release);
}

void ChannelServer::tick() {
  if (header_ == nullptr) return;
  beat();
  const auto now = Clock::now();
  for (uint32_t s = 0; s < slot_count(); ++s) {
    SlotHeader* h = slot_header(s);
    SlotState& st = slots_[s];
    const uint64_t owner = h->owner.load(std::memory_order_acquire);
    if (owner == 0) continue;
    if ((owner & layout::kReleasedBit) != 0) {
      // The client left: hand out what it sent before leaving, then free the slot.
      if (!st.release_seen) {
        st.release_seen = true;
        st.released_at = now;
      }
      if (st.broken || st.requests.readable_bytes() == 0 ||
          now - st.released_at > kReleasedDrainLimit) {
        reset_slot(s);
      }
      continue;
    }
    const uint64_t session = h->session.load(std::memory_order_acquire);
    const uint64_t hb = h->client_heartbeat.load(std::memory_order_acquire);
    if (owner != st.owner_seen || session != st.session_seen || hb != st.client_hb_seen) {
      st.owner_seen = owner;
      st.session_seen = session;
      st.client_hb_seen = hb;
      st.client_hb_changed = now;
    }
    const bool dead = !region::pid_alive(static_cast<pid_t>(owner_pid(owner)));
    if (dead || now - st.client_hb_changed > kClientStale) {
      reset_slot(s);
      ++stats_.reclaimed_slots;
    }
  }
}

void ChannelServer::reset_slot(uint32_t slot) noexcept {
  SlotHeader* h = slot_header(slot);
  SlotState& st = slots_[slot];
  drop_outbox(st);
  st.requests.reset();
  st.replies.reset();
  st.broken = false;
  st.release_seen = false;
  st.owner_seen = 0;
  h->broken.store(0, std::memory_order_relaxed);
  h->owner.store(0, std::memory_order_release);  // publishes the clean rings to the next claimer
}

void ChannelServer::drop_outbox(SlotState& st) noexcept {
  stats_.tx_dropped += st.outbox.size();
  st.outbox.clear();
  st.outbox_bytes = 0;
}

void ChannelServer::mark_broken(uint32_t slot, uint32_t why) noexcept {
  SlotState& st = slots_[slot];
  st.broken = true;
  drop_outbox(st);
  slot_header(slot)->broken.store(why, std::memory_order_release);
  if (why == layout::kBrokenOutboxOverflow) {
    ++stats_.outbox_overflows;
  } else {
    ++stats_.broken_frames;
  }
}

bool ChannelServer::connected(uint32_t slot) const noexcept {
  if (slot >= slot_count()) return false;
  const uint64_t owner = slot_header(slot)->owner.load(std::memory_order_acquire);
  return owner != 0 && (owner & layout::kReleasedBit) == 0 && !slots_[slot].broken;
}

uint64_t ChannelServer::session(uint32_t slot) const noexcept {
  if (slot >= slot_count()) return 0;
  return slot_header(slot)->session.load(std::memory_order_acquire);
}

bool ChannelServer::receive(uint32_t slot, std::vector<uint8_t>& out) {
  if (slot >= slot_count() || slots_[slot].broken) return false;
  // A client that has left may still have requests in flight; they are delivered.
  if (slot_header(slot)->owner.load(std::memory_order_acquire) == 0) return false;
  switch (slots_[slot].requests.try_read(out)) {
    case ByteRing::ReadStatus::kOk:
      ++stats_.rx_messages;
      return true;
    case ByteRing::ReadStatus::kEmpty:
      return false;
    case ByteRing::ReadStatus::kCorrupt:
      mark_broken(slot, layout::kBrokenFrame);
      return false;
  }
  return false;
}

void ChannelServer::send(uint32_t slot, std::span<const uint8_t> msg) {
  if (!connected(slot) || !is_whole_frame(msg) || msg.size() > slots_[slot].replies.capacity()) {
    ++stats_.tx_dropped;
    return;
  }
  SlotState& st = slots_[slot];
  if (st.outbox.empty()) {
    switch (st.replies.try_write(msg)) {
      case ByteRing::WriteStatus::kOk:
        ++stats_.tx_messages;
        return;
      case ByteRing::WriteStatus::kCorrupt:  // the client scribbled on its reply ring's tail
        ++stats_.tx_dropped;
        mark_broken(slot, layout::kBrokenFrame);
        return;
      default:
        break;
    }
  }
  if (st.outbox_bytes + msg.size() > outbox_hard_bytes_) {
    // The client does not read its replies: drop it rather than hold them without bound.
    ++stats_.tx_dropped;
    mark_broken(slot, layout::kBrokenOutboxOverflow);
    return;
  }
  st.outbox.emplace_back(msg.begin(), msg.end());
  st.outbox_bytes += msg.size();
}

bool ChannelServer::flush_slot(uint32_t slot) {
  SlotState& st = slots_[slot];
  if (!connected(slot)) {  // the client left: nobody will read these
    drop_outbox(st);
    return true;
  }
  while (!st.outbox.empty()) {
    const auto status = st.replies.try_write(st.outbox.front());
    if (status == ByteRing::WriteStatus::kCorrupt) {
      mark_broken(slot, layout::kBrokenFrame);  // drops (and counts) the outbox
      return true;
    }
    if (status != ByteRing::WriteStatus::kOk) return false;
    st.outbox_bytes -= st.outbox.front().size();
    st.outbox.pop_front();
    ++stats_.tx_messages;
  }
  return true;
}

void ChannelServer::flush() {
  for (uint32_t s = 0; s < slot_count(); ++s) {
    if (!slots_[s].outbox.empty()) flush_slot(s);
  }
}

size_t ChannelServer::pending(uint32_t slot) const noexcept {
  return slot < slot_count() ? slots_[slot].outbox.size() : 0;
}

size_t ChannelServer::pending_bytes(uint32_t slot) const noexcept {
  return slot < slot_count() ? slots_[slot].outbox_bytes : 0;
}

bool ChannelServer::backlogged(uint32_t slot) const noexcept {
  return slot < slot_count() && slots_[slot].outbox_bytes > outbox_soft_bytes_;
}

ChannelServer::Stats ChannelServer::stats() const noexcept { return stats_; }

}  // namespace sluice::of
