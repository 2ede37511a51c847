//===- fuzz_runtime_inputs.cpp - libFuzzer target: the runtime's checks ---===//
//
// dlopens the tiny model (tests/models/tiny) compiled by albertc and relinked
// with a fuzzer-instrumented runtime.c (fuzz/CMakeLists.txt), and calls its C
// API with fuzzed batch, seq, input ids, attention mask and token types, output
// indices and capacities, and stale handles. Sizes stay bounded (batch <= 8,
// seq <= 79) except for values the runtime must refuse before it reads.
//
// The oracle: a call succeeds exactly when its arguments are valid; a refusal
// returns ALBERT_INVALID_ARGUMENT with a message that names the call; a
// successful run gives finite outputs (rows with an all-zero mask included),
// the same bits when run again.
//
// Input layout: [batch sel][seq sel][flags][output index][capacity sel] then
// int32 values (little endian) for ids, mask, token types, recycled as needed.
//
// ALBERTC_FUZZ_RT_DIR (compiled in; the environment variable overrides) is the
// folder with librt_tiny.so and rt_tiny.weights.

#include "fuzz/RtTiny.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace {
constexpr int64_t kVocab = 50, kTypes = 2, kMaxSeq = 64, kCols = 50;

rt_tiny::Api api;
void *model = nullptr;

[[noreturn]] void die(const char *what, const char *detail = "") {
  rt_tiny::die("fuzz_runtime_inputs", what, detail);
}

void *openModel() {
  void *m = nullptr;
  int threads = 1;
  if (api.open(rt_tiny::dir().c_str(), &threads, &m) != 0 || !m) die("open failed:", api.error(nullptr));
  return m;
}

/// A refusal: code 1 and a message that starts with the call's name.
void expectRefused(int rc, void *h, const char *call) {
  if (rc != 1) die("expected ALBERT_INVALID_ARGUMENT from", call);
  const char *msg = api.error(h);
  if (!msg || std::strncmp(msg, call, std::strlen(call)) != 0) die("bad message:", msg ? msg : "(null)");
}

struct Reader {
  const uint8_t *p;
  size_t n, i = 0;
  uint8_t byte() { return i < n ? p[i++] : 0; }
  /// Value k of the int32 stream (recycled; zeros when there is none).
  int32_t value(size_t k) const {
    size_t words = n > 5 ? (n - 5) / 4 : 0;
    if (!words) return 0;
    int32_t v;
    std::memcpy(&v, p + 5 + 4 * (k % words), 4);
    return v;
  }
};
} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  api = rt_tiny::load("fuzz_runtime_inputs");
  model = openModel();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Reader in{data, size};
  uint8_t bsel = in.byte(), ssel = in.byte(), flags = in.byte();
  int index = int(int8_t(in.byte()));
  uint8_t csel = in.byte();

  const int64_t hostileBatch[] = {0, -1, std::numeric_limits<int64_t>::min(), (int64_t(1) << 24) + 1};
  const int64_t hostileSeq[] = {-1, std::numeric_limits<int64_t>::max(), int64_t(1) << 31,
                                std::numeric_limits<int64_t>::min()};
  int64_t batch = bsel % 16 < 12 ? 1 + bsel % 8 : hostileBatch[bsel % 16 - 12];
  int64_t seq = ssel < 240 ? ssel % 80 : hostileSeq[(ssel - 240) % 4];
  bool sized = batch >= 1 && batch <= 8 && seq >= 1 && seq <= 79;
  size_t n = sized ? size_t(batch * seq) : 1;

  // Values: in range unless the raw bit for that input is set.
  std::vector<int32_t> ids(n), mask(n), tt(n);
  bool valid = sized && seq <= kMaxSeq;
  for (size_t k = 0; k < n; ++k) {
    int32_t a = in.value(3 * k), b = in.value(3 * k + 1), c = in.value(3 * k + 2);
    ids[k] = flags & 0x04 ? a : int32_t(uint32_t(a) % kVocab);
    mask[k] = flags & 0x08 ? b : int32_t(uint32_t(b) & 1);
    tt[k] = flags & 0x10 ? c : int32_t(uint32_t(c) % kTypes);
  }
  const int32_t *idsArg = flags & 0x20 ? nullptr : ids.data();
  const int32_t *maskArg = flags & 0x01 ? mask.data() : nullptr;
  const int32_t *ttArg = flags & 0x02 ? tt.data() : nullptr;
  if (!idsArg) valid = false;
  if (valid)
    for (size_t k = 0; k < n; ++k)
      if (ids[k] < 0 || ids[k] >= kVocab || (maskArg && mask[k] != 0 && mask[k] != 1) ||
          (ttArg && (tt[k] < 0 || tt[k] >= kTypes)))
        valid = false;

  if (flags & 0x40) {
    // A closed handle must be refused by every call, then a fresh one works.
    api.close(model);
    expectRefused(api.run(model, batch, seq, idsArg, maskArg, ttArg), model, "run: ");
    if (!std::strstr(api.error(model), "used after close")) die("stale message:", api.error(model));
    expectRefused(api.output(model, 0, nullptr, nullptr, nullptr), model, "output: ");
    api.close(model); // a no-op
    model = openModel();
  }

  int rc = api.run(model, batch, seq, idsArg, maskArg, ttArg);
  if (!valid) {
    expectRefused(rc, model, "run: ");
    expectRefused(api.output(model, 0, nullptr, nullptr, nullptr), model, "output: ");
    return 0;
  }
  if (rc != 0) die("a valid run failed:", api.error(model));

  // Every output finite, with the promised shape.
  std::vector<float> first;
  for (int o = 0; o < 2; ++o) {
    const float *out = nullptr;
    int64_t shape[3];
    int rank = 0;
    if (api.output(model, o, &out, shape, &rank) != 0) die("output failed:", api.error(model));
    int64_t count = o == 0 ? batch * seq * kCols : batch * 2;
    if (shape[0] != batch || (o == 0 && (rank != 3 || shape[1] != seq || shape[2] != kCols)) ||
        (o == 1 && (rank != 2 || shape[1] != 2)))
      die("wrong output shape");
    for (int64_t k = 0; k < count; ++k)
      if (!std::isfinite(out[k])) die("non-finite output");
    if (o == 0) first.assign(out, out + count);
  }
  // Fuzzed index and capacity.
  int64_t want = index == 0 ? batch * seq * kCols : batch * 2;
  int64_t capacity = csel < 128 ? want - int64_t(csel % 4) : int64_t(csel) - 200;
  std::vector<float> dst(size_t(std::max<int64_t>(capacity, 1)));
  rc = api.outputInto(model, index, dst.data(), capacity);
  if (index < 0 || index >= 2) expectRefused(rc, model, "output");
  else if (capacity < want) expectRefused(rc, model, "output_into: ");
  else if (rc != 0) die("output_into failed:", api.error(model));
  // Deterministic: the same inputs give the same bits.
  if (flags & 0x80) {
    if (api.run(model, batch, seq, idsArg, maskArg, ttArg) != 0) die("rerun failed");
    const float *out = nullptr;
    api.output(model, 0, &out, nullptr, nullptr);
    if (std::memcmp(out, first.data(), first.size() * sizeof(float)) != 0) die("not deterministic");
  }
  return 0;
}
