// Replays the fuzzer's committed seed corpus (tests/fuzz/corpus/) through the same property
// checks as the libFuzzer target (tests/fuzz/openflow_decode_checks.h), in the main GCC build:
// every decoder on every seed, on every prefix of it and on every single-byte change of two
// kinds, with decode(encode(x)) == x wherever a decoder accepts. This keeps the properties
// checked where clang and libFuzzer are not installed, and turns the corpus into golden inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "codec_test_util.h"
#include "tests/fuzz/openflow_decode_checks.h"

namespace sluice::of {
namespace {

void record_violation(const char* what) { ADD_FAILURE() << "decode(encode(x)) != x for " << what; }

struct Seed {
  std::string name;
  Bytes bytes;
};

std::vector<Seed> load_corpus() {
  std::vector<Seed> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(SLUICE_FUZZ_CORPUS_DIR)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".bin") continue;
    std::ifstream f(entry.path(), std::ios::binary);
    seeds.push_back({entry.path().filename().string(),
                     Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>())});
  }
  std::sort(seeds.begin(), seeds.end(),
            [](const Seed& a, const Seed& b) { return a.name < b.name; });
  return seeds;
}

TEST(FuzzCorpus, EverySeedIsAValidMessage) {
  const std::vector<Seed> seeds = load_corpus();
  ASSERT_GE(seeds.size(), 40u) << "corpus missing from " << SLUICE_FUZZ_CORPUS_DIR;
  for (const Seed& s : seeds) {
    EXPECT_TRUE(decode_header(s.bytes)) << s.name;
    EXPECT_EQ(format_message(s.bytes).find("malformed"), std::string::npos)
        << s.name << ": " << format_message(s.bytes);
  }
}

TEST(FuzzCorpus, PropertiesHoldOnSeedsAndTheirNeighbours) {
  auto checker = std::make_unique<fuzz::DecodeChecker>(record_violation);
  for (const Seed& s : load_corpus()) {
    SCOPED_TRACE(s.name);
    checker->check_input(s.bytes);
    for (size_t n = 0; n < s.bytes.size(); ++n) {
      checker->check_input(std::span(s.bytes).first(n));
      Bytes changed = s.bytes;
      for (uint8_t mask : {uint8_t{0x01}, uint8_t{0xff}}) {
        changed[n] = s.bytes[n] ^ mask;
        checker->check_input(changed);
      }
    }
  }
}

}  // namespace
}  // namespace sluice::of
