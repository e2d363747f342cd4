// The properties the OpenFlow decoders must have on any input, checked by the libFuzzer target
// (openflow_decode_fuzz.cc, clang) and by a GoogleTest that replays the committed corpus
// (tests/openflow/codec_corpus_test.cc, the main GCC build).
//
// DecodeChecker::check_input runs every decoder in openflow/codec.h twice: on the bytes as
// they are (decoders must be safe on anything), and on a copy whose header length field is set
// to the input's size (so that random bytes get past decode_header and reach the bodies). That
// covers the decoders applicable to the message's type and all the others. When a decoder
// accepts its input, the value is encoded again and decoded again, and the two decoded values
// must be equal: decode(encode(x)) == x. A BUNDLE_ADD's embedded message goes through every
// decoder too, and format_message must print anything. Memory errors are the sanitizers' to
// find; a violated property is reported to the checker's handler.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "openflow/codec.h"
#include "openflow/format.h"

namespace sluice::of::fuzz {

using Span = std::span<const uint8_t>;

class DecodeChecker {
 public:
  // Called with the name of the message kind whose property failed.
  using Violation = void (*)(const char* what);

  explicit DecodeChecker(Violation on_violation) : violated_(on_violation) {}

  void check_input(Span input) {
    check_all(input);
    if (input.size() >= kHeaderSize && input.size() <= kMaxMessageSize) {
      // Exactly one whole message, as the framing layer hands it over.
      Bytes framed(input.begin(), input.end());
      framed[2] = static_cast<uint8_t>(input.size() >> 8);
      framed[3] = static_cast<uint8_t>(input.size());
      check_all(framed);
    }
  }

 private:
  void expect(bool ok, const char* what) {
    if (!ok) violated_(what);
  }

  static uint32_t xid_of(Span msg) {
    return (uint32_t{msg[4]} << 24) | (uint32_t{msg[5]} << 16) | (uint32_t{msg[6]} << 8) | msg[7];
  }

  // Splits a stream of whole messages (as the reply encoders write them).
  std::vector<Span> messages(const Bytes& stream) {
    std::vector<Span> out;
    size_t pos = 0;
    while (pos + kHeaderSize <= stream.size()) {
      const size_t len = size_t{stream[pos + 2]} << 8 | stream[pos + 3];
      if (len < kHeaderSize || pos + len > stream.size()) break;
      out.push_back(Span(stream).subspan(pos, len));
      pos += len;
    }
    expect(pos == stream.size(), "reply stream framing");
    return out;
  }

  // Decodes with 'decode'; if that works, encodes with 'encode' and checks the value survives.
  template <class Decode, class Encode>
  void round_trip(Span msg, Decode decode, Encode encode, const char* what) {
    auto first = decode(msg);
    if (!first) return;
    Bytes out;
    encode(xid_of(msg), *first, out);
    auto second = decode(Span(out));
    expect(second.has_value() && *second == *first, what);
  }

  // The same for decoders that fill an out-parameter (large structs).
  template <class T, class Decode, class Encode>
  void round_trip_out(Span msg, T& a, T& b, Decode decode, Encode encode, const char* what) {
    if (!decode(msg, a)) return;
    Bytes out;
    encode(xid_of(msg), a, out);
    expect(decode(Span(out), b).has_value() && a == b, what);
  }

  // Reply decoders that append entries: the entries of one message, encoded again (possibly
  // into several messages), decode to the same entries.
  template <class T, class Decode, class Encode>
  void round_trip_list(Span msg, Decode decode, Encode encode, const char* what) {
    std::vector<T> first;
    if (!decode(msg, first)) return;
    Bytes out;
    encode(xid_of(msg), std::span<const T>(first), out);
    std::vector<T> second;
    for (Span m : messages(out)) expect(decode(m, second).has_value(), what);
    expect(first == second, what);
  }

  // Decoders that return a frame or an embedded message as a view beside a struct.
  template <class T, class Decode, class Encode>
  void round_trip_view(Span msg, Decode decode, Encode encode, const char* what) {
    T a;
    auto data = decode(msg, a);
    if (!data) return;
    Bytes out;
    encode(xid_of(msg), a, *data, out);
    T b;
    auto again = decode(Span(out), b);
    expect(again.has_value() && a == b &&
               std::equal(data->begin(), data->end(), again->begin(), again->end()),
           what);
  }

  void check_messages(Span msg) {
    (void)decode_hello(msg);
    for (MsgType t : {MsgType::kFeaturesRequest, MsgType::kGetConfigRequest,
                      MsgType::kBarrierRequest, MsgType::kBarrierReply,
                      MsgType::kGetAsyncRequest}) {
      if (decode_empty(msg, t)) expect(msg.size() == kHeaderSize, "an empty message");
    }
    round_trip(msg, decode_error, encode_error, "ERROR");
    if (auto echo = decode_echo(msg)) {
      Bytes out;
      encode_echo_request(xid_of(msg), *echo, out);
      auto again = decode_echo(Span(out));
      expect(again && std::equal(echo->begin(), echo->end(), again->begin(), again->end()), "ECHO");
    }
    round_trip(msg, decode_features_reply, encode_features_reply, "FEATURES_REPLY");
    round_trip(msg, decode_port_status, encode_port_status, "PORT_STATUS");
    round_trip(msg, decode_get_config_reply, encode_get_config_reply, "GET_CONFIG_REPLY");
    round_trip(msg, decode_set_config, encode_set_config, "SET_CONFIG");
    round_trip(msg, decode_flow_removed, encode_flow_removed, "FLOW_REMOVED");
    round_trip(msg, decode_role_request, encode_role_request, "ROLE_REQUEST");
    round_trip(msg, decode_role_reply, encode_role_reply, "ROLE_REPLY");
    round_trip(msg, decode_set_async, encode_set_async, "SET_ASYNC");
    round_trip(msg, decode_get_async_reply, encode_get_async_reply, "GET_ASYNC_REPLY");
  }

  void check_mods(Span msg) {
    round_trip_out(msg, flow_mods_[0], flow_mods_[1], decode_flow_mod, encode_flow_mod, "FLOW_MOD");
    round_trip_out(msg, group_mods_[0], group_mods_[1], decode_group_mod, encode_group_mod,
                   "GROUP_MOD");
    round_trip_view<PacketIn>(msg, decode_packet_in, encode_packet_in, "PACKET_IN");
    round_trip_view<PacketOut>(msg, decode_packet_out, encode_packet_out, "PACKET_OUT");
  }

  void check_multipart(Span msg) {
    (void)decode_multipart_header(msg);
    (void)decode_port_desc_request(msg);
    (void)decode_group_desc_request(msg);
    (void)decode_desc_request(msg);
    (void)decode_table_stats_request(msg);
    (void)decode_table_features_request(msg);
    round_trip(msg, decode_port_stats_request, encode_port_stats_request, "PORT_STATS request");
    round_trip(msg, decode_flow_stats_request, encode_flow_stats_request, "FLOW request");
    round_trip(msg, decode_aggregate_request, encode_aggregate_request, "AGGREGATE request");
    round_trip(msg, decode_group_stats_request, encode_group_stats_request, "GROUP request");
    round_trip(msg, decode_desc_reply, encode_desc_reply, "DESC reply");
    round_trip(msg, decode_aggregate_reply, encode_aggregate_reply, "AGGREGATE reply");
    round_trip_list<Port>(msg, decode_port_desc_reply, encode_port_desc_reply, "PORT_DESC reply");
    round_trip_list<PortStats>(msg, decode_port_stats_reply, encode_port_stats_reply,
                               "PORT_STATS reply");
    round_trip_list<FlowStats>(msg, decode_flow_stats_reply, encode_flow_stats_reply, "FLOW reply");
    round_trip_list<GroupDesc>(msg, decode_group_desc_reply, encode_group_desc_reply,
                               "GROUP_DESC reply");
    round_trip_list<TableStats>(msg, decode_table_stats_reply, encode_table_stats_reply,
                                "TABLE reply");
    round_trip_list<GroupStats>(msg, decode_group_stats_reply, encode_group_stats_reply,
                                "GROUP reply");
  }

  void check_experimenter(Span msg) {
    (void)decode_experimenter_header(msg);
    (void)decode_sluice_type(msg);
    (void)decode_onf_type(msg);
    round_trip(msg, decode_port_add, encode_port_add, "PORT_ADD");
    round_trip(msg, decode_port_del, encode_port_del, "PORT_DEL");
    round_trip(msg, decode_port_set, encode_port_set, "PORT_SET");
    round_trip(msg, decode_switch_config, encode_switch_config, "SWITCH_CONFIG");
    round_trip(msg, decode_bundle_ctrl, encode_bundle_ctrl, "BUNDLE_CONTROL");
    round_trip_view<BundleAdd>(msg, decode_bundle_add, encode_bundle_add, "BUNDLE_ADD");
    BundleAdd add;
    if (auto inner = decode_bundle_add(msg, add)) {
      expect(decode_header(*inner).has_value(), "BUNDLE_ADD's inner header");
      check_all(*inner);
    }
  }

  void check_all(Span msg) {
    (void)decode_header(msg);
    check_messages(msg);
    check_mods(msg);
    check_multipart(msg);
    check_experimenter(msg);
    (void)format_message(msg);
  }

  Violation violated_;
  // Large structs, kept here rather than on the stack.
  FlowMod flow_mods_[2];
  GroupMod group_mods_[2];
};

}  // namespace sluice::of::fuzz
