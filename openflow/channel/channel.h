// The control channel between the dataplane (sluiced, ChannelServer) and its controllers
// (sluicectl, ChannelClient): a POSIX shared-memory region /dev/shm/sluice.<name>, mode 0600,
// with a fixed number of client slots. Each slot is a pair of single-producer/single-consumer
// byte rings (requests: client → server, replies: server → client). Messages are whole
// OpenFlow frames, delimited by the 16-bit length in their 8-byte header. A full ring is
// backpressure: the client waits, the server queues in a per-slot outbox. Nothing is dropped
// or reordered while both sides live.
//
// Liveness: each side bumps a heartbeat *counter* in the region; the other side remembers the
// last value it saw and when (steady clock) it last changed. The server reclaims a slot whose
// client pid is gone or whose heartbeat has not moved for 3 s; a client declares the server
// gone when the server closed the region, when the region was unlinked/replaced (a restarted
// server has a new generation), when the server's pid is gone (a crashed or killed dataplane,
// once reaped: seen within 10 ms), or when its heartbeat has not moved for 1 s (a hung one, or
// one whose pid lives on as an unreaped zombie). Like slot reclaim, the pid check assumes both
// processes see the same pid namespace.
//
// Byte layout (see channel_layout.h for the structs and offsets):
//
//   RegionHeader (128 B)  magic (written last), layout version, slot count, ring bytes,
//                         server pid, server generation, server state;
//                         server heartbeat counter on its own cache line
//   slot 0:  SlotHeader (128 B)  owner pid (0 free, pid claimed, pid|released), session,
//                                broken flag; client heartbeat counter on its own line
//            request ring: head line, tail line, ring_bytes payload   (client → server)
//            reply ring:   head line, tail line, ring_bytes payload   (server → client)
//   slot 1 .. slot_count-1: the same
//
// Threading: each object is used by one thread. Only the dataplane's main lcore owns the
// ChannelServer; workers never touch it. A ChannelServer never blocks; ChannelClient::send
// and ::receive wait (sleeping with backoff) within their stated bounds.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "openflow/channel/spsc_ring.h"
#include "openflow/result.h"

namespace sluice::of {

namespace layout {
struct RegionHeader;
struct SlotHeader;
}  // namespace layout

// Server side: the dataplane's main lcore. Single-threaded use.
class ChannelServer {
 public:
  struct Options {
    uint32_t slots = 8;              // 1..64
    uint32_t ring_bytes = 1u << 20;  // per ring; power of two, 256..1 GiB
    // Per-slot outbox bounds (bytes waiting for room in the reply ring). Above the soft limit
    // the slot is backlogged() (the caller should stop reading its requests until it drains);
    // a send() past the hard limit disconnects the client (it is not reading): counted in
    // outbox_overflows, and the client sees why.
    size_t outbox_soft_bytes = size_t{4} << 20;
    size_t outbox_hard_bytes = size_t{64} << 20;
  };

  // Creates /dev/shm/sluice.<name> (mode 0600), replacing a stale one; a new 'generation' each
  // time. Fails if a live server (pid alive, heartbeat advancing) already serves 'name'. A
  // region not owned by our euid with mode 0600 is never read (anyone may create files in
  // /dev/shm): it is replaced, and notice() says what was found.
  static Result<ChannelServer> create(std::string_view name, Options opts);

  ChannelServer(ChannelServer&&) noexcept;
  ChannelServer& operator=(ChannelServer&&) noexcept;
  ~ChannelServer();  // marks the region closed, unmaps and unlinks it (if it is still ours)

  uint32_t slot_count() const noexcept;
  uint64_t generation() const noexcept;
  const std::string& name() const noexcept { return name_; }
  // What create() found and replaced that was not ours (empty if nothing), for the log.
  const std::string& notice() const noexcept { return notice_; }

  // Call about every 100 ms: bumps the server heartbeat; reclaims slots whose client died
  // (pid gone or client heartbeat stale > 3 s), resetting their rings. Slots whose client
  // disconnected cleanly are reset here too, once their pending requests were received.
  void tick();
  // Only the heartbeat of tick(): for long operations (a big bundle, a full recompile) to call
  // now and then, so that clients do not take a busy server for a dead one.
  void beat() noexcept;

  bool connected(uint32_t slot) const noexcept;    // a live client holds this slot
  uint64_t session(uint32_t slot) const noexcept;  // changes each time a new client claims it

  // Moves one whole message from the slot's request ring into 'out' (replacing its contents).
  // False if none. A corrupt frame (length < 8 or > ring capacity) marks the slot broken: it is
  // disconnected (the client sees an error) and counted in broken_frames.
  bool receive(uint32_t slot, std::vector<uint8_t>& out);

  // Queues 'msg' for the slot's reply ring. Never blocks: what does not fit waits in a per-slot
  // outbox and goes out on flush(); order is kept, nothing is dropped while the client lives.
  // Messages for a slot without a client, or malformed ones, are counted in tx_dropped.
  void send(uint32_t slot, std::span<const uint8_t> msg);
  void flush();                                  // moves outboxes into rings as space allows
  size_t pending(uint32_t slot) const noexcept;  // messages waiting in the slot's outbox
  size_t pending_bytes(uint32_t slot) const noexcept;  // ... and their bytes
  // The slot's outbox is over the soft limit: read nothing more from it until it drains.
  bool backlogged(uint32_t slot) const noexcept;

  struct Stats {
    uint64_t rx_messages, tx_messages, broken_frames, reclaimed_slots;
    uint64_t tx_dropped;  // send() to a slot without a client, or a malformed message
    uint64_t outbox_overflows;  // clients disconnected because their outbox hit the hard limit
  };
  Stats stats() const noexcept;

 private:
  using Clock = std::chrono::steady_clock;
  // Server-local bookkeeping per slot (not in shared memory).
  // The layout is computed once, at create(), from our own options: nothing in shared memory
  // (ring_bytes, slot_count, counters a client may overwrite) is ever used for addressing.
  struct SlotState {
    layout::SlotHeader* header = nullptr;
    ByteRing requests;  // we consume
    ByteRing replies;   // we produce
    std::deque<std::vector<uint8_t>> outbox;
    size_t outbox_bytes = 0;
    bool broken = false;
    uint64_t owner_seen = 0;  // owner word / session / heartbeat last seen by tick()
    uint64_t session_seen = 0;
    uint64_t client_hb_seen = 0;
    Clock::time_point client_hb_changed{};
    bool release_seen = false;
    Clock::time_point released_at{};
  };

  ChannelServer() = default;
  void release_all() noexcept;
  layout::SlotHeader* slot_header(uint32_t slot) const noexcept;
  void reset_slot(uint32_t slot) noexcept;
  void mark_broken(uint32_t slot, uint32_t why) noexcept;  // why: layout::kBroken*
  void drop_outbox(SlotState& st) noexcept;
  bool flush_slot(uint32_t slot);

  std::string name_;
  std::string shm_path_;  // "/sluice.<name>", for shm_unlink
  int fd_ = -1;           // kept open to recognise our own region at unlink time
  void* base_ = nullptr;
  size_t map_bytes_ = 0;
  layout::RegionHeader* header_ = nullptr;
  uint64_t generation_ = 0;
  std::string notice_;
  size_t outbox_soft_bytes_ = 0;
  size_t outbox_hard_bytes_ = 0;
  std::vector<SlotState> slots_;
  Stats stats_{};
};

// Client side: sluicectl. Single-threaded use per object.
class ChannelClient {
 public:
  // Opens the region and claims a free slot (CAS on the slot's owner word, with our pid).
  // Waits up to 'wait' for the region to appear (and for a slot to free up). Error text says
  // why (no such channel, all slots busy, version mismatch, server gone, or a region that is
  // not owned by our euid or root, or that group/others may access: someone else's, which
  // could feed us forged replies, is never used).
  static Result<ChannelClient> connect(std::string_view name, std::chrono::milliseconds wait);

  ChannelClient(ChannelClient&&) noexcept;
  ChannelClient& operator=(ChannelClient&&) noexcept;
  ~ChannelClient();  // releases the slot

  // Writes one whole message; while the ring is full it waits (backpressure), bumping its
  // heartbeat; fails only if the server is gone (heartbeat stale > 1 s, or region closed or
  // replaced), the server dropped this client, or msg is malformed/too big.
  Result<void> send(std::span<const uint8_t> msg);
  // Waits up to 'timeout' for one whole reply; returns false on timeout; error if the server
  // is gone. Replies already in the ring are delivered even if the server has since gone.
  Result<bool> receive(std::vector<uint8_t>& out, std::chrono::milliseconds timeout);

  // The server has not closed or replaced the region, its pid is alive, and its heartbeat
  // advanced within the last second.
  bool server_alive() const noexcept;
  uint64_t server_generation() const noexcept;  // differs after the dataplane restarted
  void heartbeat() noexcept;                    // clients call this while idle too (< 3 s apart)

  uint32_t slot() const noexcept { return slot_; }
  uint64_t session() const noexcept { return session_; }
  uint32_t max_message_bytes() const noexcept;  // min(ring capacity, 65535)

 private:
  using Clock = std::chrono::steady_clock;

  ChannelClient() = default;
  void release() noexcept;
  Result<void> check_server() const;  // why the server cannot be talked to, if it cannot
  bool region_unlinked() const noexcept;
  bool server_exited() const noexcept;  // the server's pid is gone (checked every 10 ms at most)

  std::string name_;
  int fd_ = -1;
  void* base_ = nullptr;
  size_t map_bytes_ = 0;
  layout::RegionHeader* header_ = nullptr;
  layout::SlotHeader* slot_header_ = nullptr;
  uint32_t slot_ = 0;
  uint64_t owner_word_ = 0;  // our pid, as written into the owner word
  uint64_t session_ = 0;
  uint64_t generation_ = 0;
  ByteRing requests_;
  ByteRing replies_;
  uint64_t my_heartbeat_ = 0;
  // Server liveness, observed from const accessors.
  mutable uint64_t server_hb_seen_ = 0;
  mutable Clock::time_point server_hb_changed_{};
  mutable Clock::time_point unlink_checked_{};
  mutable bool unlinked_ = false;
  mutable Clock::time_point pid_checked_{};
  mutable bool server_exited_ = false;
};

}  // namespace sluice::of
