// Bundle messages (ONF EXT-230) as text, after ovs-ofctl's (see format.h). The embedded
// message of a BUNDLE_ADD is printed by format_message on its own line.
#include "openflow/format.h"
#include "openflow/format_util.h"

namespace sluice::of {
namespace {

std::string_view ctrl_type_name(BundleCtrlType t) {
  switch (t) {
    case BundleCtrlType::kOpenRequest:
      return "OPEN_REQUEST";
    case BundleCtrlType::kOpenReply:
      return "OPEN_REPLY";
    case BundleCtrlType::kCloseRequest:
      return "CLOSE_REQUEST";
    case BundleCtrlType::kCloseReply:
      return "CLOSE_REPLY";
    case BundleCtrlType::kCommitRequest:
      return "COMMIT_REQUEST";
    case BundleCtrlType::kCommitReply:
      return "COMMIT_REPLY";
    case BundleCtrlType::kDiscardRequest:
      return "DISCARD_REQUEST";
    case BundleCtrlType::kDiscardReply:
      return "DISCARD_REPLY";
  }
  return "UNKNOWN";
}

std::string flags_text(uint16_t flags) {
  std::string out;
  if ((flags & bundle_flags::kAtomic) != 0) text::join(out, "atomic");
  if ((flags & bundle_flags::kOrdered) != 0) text::join(out, "ordered");
  const uint16_t other = flags & ~(bundle_flags::kAtomic | bundle_flags::kOrdered);
  if (other != 0) text::join(out, text::hex(other));
  return out.empty() ? "0" : out;
}

}  // namespace

std::string format_bundle_ctrl(const BundleCtrl& b) {
  return text::cat("BUNDLE_CONTROL bundle_id=", text::hex(b.bundle_id),
                   " type=", ctrl_type_name(b.type), " flags=", flags_text(b.flags));
}

std::string format_bundle_add(const BundleAdd& b, std::span<const uint8_t> message) {
  return text::cat("BUNDLE_ADD bundle_id=", text::hex(b.bundle_id), " flags=", flags_text(b.flags),
                   "\n ", format_message(message));
}

}  // namespace sluice::of
