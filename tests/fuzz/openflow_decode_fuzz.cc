// libFuzzer target for the OpenFlow decoders (built with clang by scripts/fuzz, not by the main
// GCC build). The properties checked are in openflow_decode_checks.h; a violated one prints
// what broke and aborts, so that libFuzzer reports and keeps the input. Memory errors and
// undefined behaviour are reported by AddressSanitizer and UBSan.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "openflow_decode_checks.h"

namespace {

[[noreturn]] void violated(const char* what) {
  std::fprintf(stderr, "openflow_decode_fuzz: decode(encode(x)) != x for %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Holds two FLOW_MODs and two GROUP_MODs: made once, on the heap.
  static const auto checker = std::make_unique<sluice::of::fuzz::DecodeChecker>(violated);
  checker->check_input({data, size});
  return 0;
}
