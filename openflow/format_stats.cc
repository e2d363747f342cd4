// Multipart statistics as text: DESC, AGGREGATE, TABLE and GROUP, after ovs-ofctl's dump-desc,
// dump-aggregate, dump-tables and dump-group-stats (see format.h for each form).
#include "openflow/format.h"
#include "openflow/format_util.h"

namespace sluice::of {

std::string format_desc(const Desc& d) {
  return text::cat("Manufacturer: ", text::printable(d.mfr_desc.view()),
                   "\nHardware: ", text::printable(d.hw_desc.view()),
                   "\nSoftware: ", text::printable(d.sw_desc.view()),
                   "\nSerial Num: ", text::printable(d.serial_num.view()),
                   "\nDP Description: ", text::printable(d.dp_desc.view()));
}

std::string format_aggregate(const AggregateStats& a) {
  return text::fmt("packet_count=%llu byte_count=%llu flow_count=%u",
                   static_cast<unsigned long long>(a.packet_count),
                   static_cast<unsigned long long>(a.byte_count), a.flow_count);
}

std::string format_table_stats(const TableStats& s) {
  return text::fmt("table %u: active=%u, lookup=%llu, matched=%llu", s.table_id, s.active_count,
                   static_cast<unsigned long long>(s.lookup_count),
                   static_cast<unsigned long long>(s.matched_count));
}

std::string format_group_stats(const GroupStats& s) {
  std::string out = text::cat("group_id=", text::group(s.group_id),
                              ",duration=", text::duration(s.duration_sec, s.duration_nsec),
                              ",ref_count=", std::to_string(s.ref_count),
                              ",packet_count=", std::to_string(s.packet_count),
                              ",byte_count=", std::to_string(s.byte_count));
  for (size_t i = 0; i < s.n_buckets; ++i) {
    out += text::cat(",bucket", std::to_string(i),
                     ":packet_count=", std::to_string(s.buckets[i].packet_count),
                     ",byte_count=", std::to_string(s.buckets[i].byte_count));
  }
  return out;
}

}  // namespace sluice::of
