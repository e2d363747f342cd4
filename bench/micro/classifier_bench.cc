// Classifier micro-benchmarks: the `wildcard` benchmark's flow set (bench/flowmod/flow_set.h:
// N flows `ip,nw_dst=A/L`, five prefix lengths, distinct priorities) in one Classifier, and
// keys that hit them in random order. Cycles are the CPU's; items are lookups.
//
//   BM_Lookup/N       one lookup() per key
//   BM_LookupBatch/N  lookup_batch() over bursts of 32 keys (what the openflow stage does)
//   BM_AddOne/N       updated() adding one flow to N (the cost of one FLOW_MOD's publish)
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "bench/flowmod/flow_set.h"
#include "dataplane/classifier.h"

namespace {

using sluice::dp::Classifier;
using sluice::dp::ClassifierRule;
using sluice::dp::FlowKey;

ClassifierRule flow_rule(uint32_t i) {
  const sluice::bench::WildcardFlow f = sluice::bench::wildcard_flow(i);
  ClassifierRule r;
  const uint32_t mask = f.prefix_len == 0 ? 0 : ~uint32_t{0} << (32 - f.prefix_len);
  r.match.mask.eth_type = 0xffff;
  r.match.mask.ipv4_dst = mask;
  r.match.value.eth_type = 0x0800;
  r.match.value.ipv4_dst = f.address & mask;
  r.priority = f.priority;
  r.action = i;
  r.payload = std::make_shared<uint32_t>(i);
  return r;
}

Classifier build(uint32_t n) {
  std::vector<ClassifierRule> rules;
  for (uint32_t i = 0; i < n; ++i) rules.push_back(flow_rule(i));
  return Classifier(rules);
}

std::vector<FlowKey> keys_for(uint32_t n, size_t count) {
  std::mt19937 rng(7);
  std::vector<FlowKey> keys(count);
  for (FlowKey& k : keys) {
    const uint32_t i = rng() % n;
    k.eth_type = 0x0800;
    k.ipv4_dst = sluice::bench::wildcard_address(i, rng());
    k.ip_proto = 17;
    k.l4_src = 1024;
    k.l4_dst = 4789;
  }
  return keys;
}

// The classifier of the benchmark's size and 64k keys for it.
struct Setup {
  explicit Setup(const benchmark::State& state)
      : n(static_cast<uint32_t>(state.range(0))), c(build(n)), keys(keys_for(n, 1 << 16)) {}
  uint32_t n;
  Classifier c;
  std::vector<FlowKey> keys;
};

void BM_Lookup(benchmark::State& state) {
  const Setup setup(state);
  const Classifier& c = setup.c;
  const std::vector<FlowKey>& keys = setup.keys;
  size_t at = 0;
  uint64_t hits = 0;
  for (auto _ : state) {
    hits += c.lookup(keys[at]) != Classifier::kMiss;
    at = (at + 1) & (keys.size() - 1);
  }
  benchmark::DoNotOptimize(hits);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_LookupBatch(benchmark::State& state) {
  const Setup setup(state);
  const Classifier& c = setup.c;
  const std::vector<FlowKey>& keys = setup.keys;
  size_t at = 0;
  uint64_t hits = 0;
  const FlowKey* ptrs[32];
  Classifier::Hit out[32];
  for (auto _ : state) {
    for (int i = 0; i < 32; ++i) ptrs[i] = &keys[at + i];
    c.lookup_batch(ptrs, 32, out);
    for (int i = 0; i < 32; ++i) hits += out[i].payload != nullptr;
    at = (at + 32) & (keys.size() - 1);
  }
  benchmark::DoNotOptimize(hits);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 32);
}

void BM_AddOne(benchmark::State& state) {
  const uint32_t n = static_cast<uint32_t>(state.range(0));
  const Classifier c = build(n);
  const ClassifierRule extra = flow_rule(n);
  for (auto _ : state) {
    Classifier next = c.updated({}, std::span(&extra, 1));
    benchmark::DoNotOptimize(next);
  }
}

BENCHMARK(BM_Lookup)->Arg(1000)->Arg(10000)->Arg(100000);
BENCHMARK(BM_LookupBatch)->Arg(1000)->Arg(10000)->Arg(100000);
BENCHMARK(BM_AddOne)->Arg(1000)->Arg(10000)->Arg(100000);

}  // namespace
