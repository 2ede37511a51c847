//===- runtime_test.cpp - the C API of a generated library ----------------===//
//
// Uses the bundled tiny model compiled at build time (tests/CMakeLists.txt:
// ALBERTC_RT_TINY/{lib,embedded}) and checks the runtime's argument
// validation, weight-file checks, ownership rules and concurrency.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

// ASan's quarantine holds freed memory back on purpose: resident-size bounds
// only mean something in a plain build (LeakSanitizer covers the other).
#if defined(__SANITIZE_ADDRESS__)
#define ALBERTC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ALBERTC_ASAN 1
#endif
#endif

namespace {
struct Api {
  void *dl = nullptr;
  int (*open)(const char *, const void *, void **);
  int (*run)(void *, int64_t, int64_t, const int32_t *, const int32_t *, const int32_t *);
  int (*output)(const void *, int, const float **, int64_t *, int *);
  int (*outputInto)(const void *, int, float *, int64_t);
  const char *(*error)(const void *);
  void (*close)(void *);
};

std::string outDir, embeddedDir;
Api api, embedded;

Api load(const std::string &dir) {
  Api a;
  a.dl = dlopen((dir + "/librt_tiny.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  EXPECT_NE(a.dl, nullptr) << dlerror();
  a.open = (decltype(a.open))dlsym(a.dl, "rt_tiny_open");
  a.run = (decltype(a.run))dlsym(a.dl, "rt_tiny_run");
  a.output = (decltype(a.output))dlsym(a.dl, "rt_tiny_output");
  a.outputInto = (decltype(a.outputInto))dlsym(a.dl, "rt_tiny_output_into");
  a.error = (decltype(a.error))dlsym(a.dl, "rt_tiny_error");
  a.close = (decltype(a.close))dlsym(a.dl, "rt_tiny_close");
  return a;
}

class RuntimeTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    outDir = std::string(ALBERTC_RT_TINY) + "/lib";
    embeddedDir = std::string(ALBERTC_RT_TINY) + "/embedded";
    api = load(outDir);
    embedded = load(embeddedDir);
  }

  void *openModel(const std::string &path) {
    void *m = nullptr;
    int threads[1] = {2};
    EXPECT_EQ(api.open(path.c_str(), threads, &m), 0) << api.error(nullptr);
    return m;
  }

  const std::vector<int32_t> ids = {2, 7, 9, 3, 11, 4};
};

bool contains(const char *text, const std::string &part) {
  return text && std::string(text).find(part) != std::string::npos;
}

/// Resident set size of this process, from /proc/self/statm.
int64_t residentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

/// Runs `cycle` `times` times and expects the resident size to grow by less
/// than `limit` bytes (printing both sizes; not checked under ASan, whose
/// quarantine holds freed memory). `what` names a cycle in the messages.
void expectFlatMemory(int times, int64_t limit, const std::string &what,
                      const std::function<void()> &cycle) {
  int64_t before = residentBytes();
  for (int r = 0; r < times && !::testing::Test::HasFatalFailure(); ++r) cycle();
  int64_t after = residentBytes();
  std::printf("resident: %lld KiB before, %lld KiB after %d %s\n", (long long)(before >> 10),
              (long long)(after >> 10), times, what.c_str());
#ifndef ALBERTC_ASAN
  EXPECT_LT(after - before, limit) << "resident memory grew by " << (after - before)
                                   << " bytes over " << times << " " << what;
#else
  (void)limit;
#endif
}

std::string copyWeights(const std::string &to) {
  std::ifstream in(outDir + "/rt_tiny.weights", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(to, std::ios::binary) << bytes;
  return bytes;
}
} // namespace

TEST_F(RuntimeTest, RunsAndReportsShapes) {
  void *m = openModel(outDir);
  ASSERT_EQ(api.run(m, 2, 3, ids.data(), nullptr, nullptr), 0) << api.error(m);
  const float *data = nullptr;
  int64_t shape[3];
  int rank = 0;
  ASSERT_EQ(api.output(m, 0, &data, shape, &rank), 0); // logits
  EXPECT_EQ(rank, 3);
  EXPECT_EQ(shape[0], 2);
  EXPECT_EQ(shape[1], 3);
  EXPECT_EQ(shape[2], 50);
  ASSERT_EQ(api.output(m, 1, &data, shape, &rank), 0); // sop_logits
  EXPECT_EQ(rank, 2);
  EXPECT_EQ(shape[1], 2);
  std::vector<float> copy(4);
  EXPECT_EQ(api.outputInto(m, 1, copy.data(), 4), 0);
  EXPECT_EQ(std::memcmp(copy.data(), data, 4 * sizeof(float)), 0);
  EXPECT_EQ(api.outputInto(m, 1, copy.data(), 3), 1);
  EXPECT_NE(std::string(api.error(m)).find("needs 4 floats"), std::string::npos);
  api.close(m);
}

TEST_F(RuntimeTest, RejectsBadArgumentsWithAMessage) {
  void *m = openModel(outDir);
  struct Case {
    int64_t batch, seq;
    const int32_t *ids, *mask, *tt;
    const char *message;
  };
  std::vector<int32_t> bad = ids, badMask(6, 1), badTt(6, 0);
  bad[4] = 50;
  badMask[1] = 2;
  badTt[5] = 2;
  Case cases[] = {
      {2, 3, nullptr, nullptr, nullptr, "input_ids is NULL"},
      {0, 3, ids.data(), nullptr, nullptr, "batch must be >= 1"},
      {2, 0, ids.data(), nullptr, nullptr, "seq must be in [1, 64]"},
      {1, 65, ids.data(), nullptr, nullptr, "max_position_embeddings"},
      // 131072 x 64 tokens x the widest tensor (QKV, 96 floats) is over 2 GiB.
      {131072, 64, ids.data(), nullptr, nullptr, "a [8388608, 96] float32 tensor would exceed 2 GiB"},
      {2, 3, bad.data(), nullptr, nullptr, "input_ids[1][1] = 50 is outside the vocabulary"},
      {2, 3, ids.data(), badMask.data(), nullptr, "attention_mask[0][1] = 2"},
      {2, 3, ids.data(), nullptr, badTt.data(), "token_type_ids[1][2] = 2"},
  };
  for (const Case &c : cases) {
    EXPECT_EQ(api.run(m, c.batch, c.seq, c.ids, c.mask, c.tt), 1) << c.message;
    EXPECT_NE(std::string(api.error(m)).find(c.message), std::string::npos)
        << "got: " << api.error(m);
  }
  // A failed run leaves no outputs to read.
  EXPECT_EQ(api.output(m, 0, nullptr, nullptr, nullptr), 1);
  EXPECT_EQ(api.output(m, 7, nullptr, nullptr, nullptr), 1);
  api.close(m);
}

TEST_F(RuntimeTest, ChecksTheWeightsFile) {
  void *m = nullptr;
  EXPECT_EQ(api.open("/nonexistent/dir/rt_tiny.weights", nullptr, &m), 2);
  EXPECT_EQ(m, nullptr);
  EXPECT_NE(std::string(api.error(nullptr)).find("cannot open"), std::string::npos);
  EXPECT_EQ(api.open("", nullptr, &m), 1);
  EXPECT_NE(std::string(api.error(nullptr)).find("open: path is empty"), std::string::npos);

  char tmpl[] = "/tmp/albertc-runtime-XXXXXX";
  std::string path = std::string(mkdtemp(tmpl)) + "/damaged.weights";
  std::string bytes = copyWeights(path);
  // Truncated.
  std::ofstream(path, std::ios::binary) << bytes.substr(0, bytes.size() - 100);
  EXPECT_EQ(api.open(path.c_str(), nullptr, &m), 3);
  EXPECT_NE(std::string(api.error(nullptr)).find("truncated"), std::string::npos);
  // One flipped bit in the data.
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 1;
  std::ofstream(path, std::ios::binary) << flipped;
  EXPECT_EQ(api.open(path.c_str(), nullptr, &m), 3);
  EXPECT_NE(std::string(api.error(nullptr)).find("checksum"), std::string::npos);
  // The top bit of two words flipped: format 1's FNV-1a checksum let such
  // pairs cancel (fuzz_weights_open found two damaged float exponents). Words
  // 0 and 1000 share a checksum lane, 0 and 1001 do not.
  for (int second : {1000, 1001}) {
    std::string pair = bytes;
    pair[64 + 7] ^= char(0x80);
    pair[64 + 8 * second + 7] ^= char(0x80);
    std::ofstream(path, std::ios::binary) << pair;
    EXPECT_EQ(api.open(path.c_str(), nullptr, &m), 3);
    EXPECT_NE(std::string(api.error(nullptr)).find("checksum"), std::string::npos)
        << api.error(nullptr);
  }
  // Weights files of the previous formats.
  for (char format : {'1', '2'}) {
    std::string old = bytes;
    old[7] = format;
    std::ofstream(path, std::ios::binary) << old;
    EXPECT_EQ(api.open(path.c_str(), nullptr, &m), 3);
    EXPECT_NE(std::string(api.error(nullptr))
                  .find(std::string("older albertc (format ") + format + "): recompile"),
              std::string::npos)
        << api.error(nullptr);
  }
  // Another model's weights (the fingerprint differs).
  std::string other = bytes;
  other[8] ^= 1;
  std::ofstream(path, std::ios::binary) << other;
  EXPECT_EQ(api.open(path.c_str(), nullptr, &m), 3);
  EXPECT_NE(std::string(api.error(nullptr)).find("another model"), std::string::npos);
  // Not a weights file at all.
  std::ofstream(path, std::ios::binary) << "hello";
  EXPECT_EQ(api.open(path.c_str(), nullptr, &m), 3);
  std::remove(path.c_str());
  std::remove(path.substr(0, path.rfind('/')).c_str());
}

TEST_F(RuntimeTest, EmbeddedWeightsGiveTheSameOutputs) {
  void *a = openModel(outDir);
  void *b = nullptr;
  ASSERT_EQ(embedded.open(nullptr, nullptr, &b), 0) << embedded.error(nullptr);
  ASSERT_EQ(api.run(a, 2, 3, ids.data(), nullptr, nullptr), 0);
  ASSERT_EQ(embedded.run(b, 2, 3, ids.data(), nullptr, nullptr), 0);
  const float *x, *y;
  api.output(a, 0, &x, nullptr, nullptr);
  embedded.output(b, 0, &y, nullptr, nullptr);
  EXPECT_EQ(std::memcmp(x, y, 2 * 3 * 50 * sizeof(float)), 0);
  api.close(a);
  embedded.close(b);
  // Without --embed-weights a NULL path is an error.
  void *m = nullptr;
  EXPECT_EQ(api.open(nullptr, nullptr, &m), 1);
}

TEST_F(RuntimeTest, HandlesRunConcurrentlyAndDeterministically) {
  // Reference outputs from one thread, then 4 threads each with its own
  // handle, each running different shapes many times.
  std::vector<int32_t> longIds(4 * 40);
  for (size_t i = 0; i < longIds.size(); ++i) longIds[i] = int32_t((i * 7 + 3) % 50);
  auto runOnce = [&](void *m, int64_t b, int64_t s) {
    EXPECT_EQ(api.run(m, b, s, longIds.data(), nullptr, nullptr), 0) << api.error(m);
    const float *d;
    api.output(m, 0, &d, nullptr, nullptr);
    return std::vector<float>(d, d + b * s * 50);
  };
  void *m0 = openModel(outDir);
  std::vector<std::vector<float>> want;
  int64_t shapes[][2] = {{1, 5}, {4, 40}, {3, 17}, {2, 1}};
  for (auto &s : shapes) want.push_back(runOnce(m0, s[0], s[1]));
  api.close(m0);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      void *m = nullptr;
      api.open(outDir.c_str(), nullptr, &m);
      for (int r = 0; r < 20; ++r) {
        int k = (t + r) % 4;
        if (runOnce(m, shapes[k][0], shapes[k][1]) != want[k]) ++mismatches[t];
      }
      api.close(m);
    });
  for (auto &t : threads) t.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

TEST_F(RuntimeTest, AHandleUsedAfterCloseIsReported) {
  void *m = openModel(outDir);
  ASSERT_EQ(api.run(m, 2, 3, ids.data(), nullptr, nullptr), 0) << api.error(m);
  api.close(m);
  const std::string stale = "used after close or never opened";
  float out[400];
  const float *data = nullptr;
  EXPECT_EQ(api.run(m, 2, 3, ids.data(), nullptr, nullptr), 1);
  EXPECT_TRUE(contains(api.error(m), "run: model handle")) << api.error(m);
  EXPECT_TRUE(contains(api.error(m), stale)) << api.error(m);
  EXPECT_EQ(api.output(m, 0, &data, nullptr, nullptr), 1);
  EXPECT_TRUE(contains(api.error(m), "output: model handle")) << api.error(m);
  EXPECT_TRUE(contains(api.error(m), stale)) << api.error(m);
  EXPECT_EQ(api.outputInto(m, 0, out, 400), 1);
  EXPECT_TRUE(contains(api.error(m), "output_into: model handle")) << api.error(m);
  EXPECT_TRUE(contains(api.error(m), stale)) << api.error(m);
  api.close(m); // closing twice does nothing

  // A later open may get the same memory (and registry slot): the stale
  // handle stays stale, the new one works.
  void *n = openModel(outDir);
  EXPECT_EQ(api.run(m, 2, 3, ids.data(), nullptr, nullptr), 1);
  EXPECT_TRUE(contains(api.error(m), stale)) << api.error(m);
  EXPECT_EQ(api.run(n, 2, 3, ids.data(), nullptr, nullptr), 0) << api.error(n);
  api.close(m);
  EXPECT_EQ(api.output(n, 0, &data, nullptr, nullptr), 0) << api.error(n);

  // Never opened: garbage, a pointer to something else, another library's handle.
  int local = 0;
  void *fake[] = {reinterpret_cast<void *>(uintptr_t(0x1234)), &local,
                  reinterpret_cast<void *>(~uintptr_t(0))};
  for (void *f : fake) {
    EXPECT_EQ(api.run(f, 2, 3, ids.data(), nullptr, nullptr), 1);
    EXPECT_TRUE(contains(api.error(f), stale)) << api.error(f);
    api.close(f);
  }
  void *other = nullptr;
  ASSERT_EQ(embedded.open(nullptr, nullptr, &other), 0) << embedded.error(nullptr);
  EXPECT_EQ(api.run(other, 2, 3, ids.data(), nullptr, nullptr), 1);
  EXPECT_TRUE(contains(api.error(other), stale)) << api.error(other);
  EXPECT_EQ(embedded.run(other, 2, 3, ids.data(), nullptr, nullptr), 0) << embedded.error(other);
  embedded.close(other);

  // A NULL handle: error(NULL) says so.
  EXPECT_EQ(api.run(nullptr, 2, 3, ids.data(), nullptr, nullptr), 1);
  EXPECT_TRUE(contains(api.error(nullptr), "run: model handle is NULL")) << api.error(nullptr);
  EXPECT_EQ(api.outputInto(nullptr, 0, out, 400), 1);
  EXPECT_TRUE(contains(api.error(nullptr), "output_into: model handle is NULL"))
      << api.error(nullptr);
  api.close(nullptr);
  api.close(n);
  EXPECT_EQ(api.output(n, 0, &data, nullptr, nullptr), 1);
  EXPECT_TRUE(contains(api.error(n), stale)) << api.error(n);
}

TEST_F(RuntimeTest, AStaleHandleStaysStaleAfterItsSlotsGenerationsRunOut) {
  // A ticket is a registry slot plus that slot's generation (17 bits), bumped
  // at every close; a slot whose generation would wrap is retired, so no later
  // open hands out a closed handle's ticket again. 2^17 open/close cycles of
  // one handle (the free slot is reused each time) pass the wrap.
  void *first = nullptr;
  ASSERT_EQ(embedded.open(nullptr, nullptr, &first), 0) << embedded.error(nullptr);
  embedded.close(first);
  int reissued = 0;
  for (int i = 0; i < (1 << 17) + 2; ++i) {
    void *h = nullptr;
    ASSERT_EQ(embedded.open(nullptr, nullptr, &h), 0) << embedded.error(nullptr);
    reissued += h == first;
    embedded.close(h);
  }
  EXPECT_EQ(reissued, 0) << "a closed handle's ticket was handed out again";
  EXPECT_EQ(embedded.run(first, 2, 3, ids.data(), nullptr, nullptr), 1);
  EXPECT_TRUE(contains(embedded.error(first), "used after close or never opened"))
      << embedded.error(first);
}

TEST_F(RuntimeTest, AnOverlongPathIsAnError) {
  void *m = nullptr;
  std::string path(5000, 'x');
  EXPECT_EQ(api.open(path.c_str(), nullptr, &m), 2);
  EXPECT_EQ(m, nullptr);
  EXPECT_TRUE(contains(api.error(nullptr), "path is too long")) << api.error(nullptr);
}

TEST_F(RuntimeTest, ARowWithAnAllZeroMaskGivesFiniteDefinedOutputs) {
  // Batch of 3 x 5: row 1 attends to nothing; row 0 to a prefix; row 2 to all.
  const int64_t B = 3, S = 5;
  std::vector<int32_t> in(B * S), mask(B * S, 1), tt(B * S, 0);
  for (int64_t i = 0; i < B * S; ++i) in[i] = int32_t((i * 11 + 5) % 50);
  for (int64_t j = 0; j < S; ++j) mask[1 * S + j] = 0;
  mask[0 * S + 3] = mask[0 * S + 4] = 0;
  tt[2 * S + 4] = 1;
  void *m = openModel(outDir);
  auto outputs = [&](int64_t b, const int32_t *x, const int32_t *k, const int32_t *t) {
    EXPECT_EQ(api.run(m, b, S, x, k, t), 0) << api.error(m);
    std::vector<std::vector<float>> all;
    for (int o = 0; o < 2; ++o) {
      const float *d = nullptr;
      int64_t shape[3];
      int rank = 0;
      EXPECT_EQ(api.output(m, o, &d, shape, &rank), 0) << api.error(m);
      int64_t n = shape[0] * shape[1] * (rank == 3 ? shape[2] : 1);
      all.emplace_back(d, d + n);
    }
    return all;
  };
  std::vector<std::vector<float>> first = outputs(B, in.data(), mask.data(), tt.data());
  ASSERT_EQ(first[0].size(), size_t(B * S * 50));
  ASSERT_EQ(first[1].size(), size_t(B * 2));
  for (const std::vector<float> &o : first)
    for (size_t i = 0; i < o.size(); ++i) ASSERT_TRUE(std::isfinite(o[i])) << "element " << i;
  // Defined: the same again, and the same as that row run on its own.
  EXPECT_EQ(outputs(B, in.data(), mask.data(), tt.data()), first);
  std::vector<std::vector<float>> alone =
      outputs(1, in.data() + S, mask.data() + S, tt.data() + S);
  EXPECT_EQ(alone[0], std::vector<float>(first[0].begin() + S * 50, first[0].begin() + 2 * S * 50));
  EXPECT_EQ(alone[1], std::vector<float>(first[1].begin() + 2, first[1].begin() + 4));
  // Every row masked out.
  std::vector<int32_t> none(B * S, 0);
  for (const std::vector<float> &o : outputs(B, in.data(), none.data(), nullptr))
    for (size_t i = 0; i < o.size(); ++i) ASSERT_TRUE(std::isfinite(o[i])) << "element " << i;
  api.close(m);
}

TEST_F(RuntimeTest, MemoryDoesNotGrowOverThousandsOfRuns) {
  // Random shapes up to the largest (4 x 64), random masks (some rows all
  // zero) and token types; after the largest shape has been seen once, the
  // arena is at its size and nothing else may accumulate.
  const int64_t maxB = 4, maxS = 64;
  std::mt19937 rng(1234);
  std::vector<int32_t> in(maxB * maxS), mask(maxB * maxS), tt(maxB * maxS);
  std::vector<float> out(maxB * maxS * 50);
  void *m = openModel(outDir);
  auto once = [&](int64_t b, int64_t s) {
    for (int64_t i = 0; i < b * s; ++i) {
      in[i] = int32_t(rng() % 50);
      tt[i] = int32_t(rng() % 2);
      mask[i] = rng() % 4 != 0;
    }
    if (rng() % 8 == 0)
      for (int64_t j = 0; j < s; ++j) mask[j] = 0;
    ASSERT_EQ(api.run(m, b, s, in.data(), rng() % 2 ? mask.data() : nullptr, tt.data()), 0)
        << api.error(m);
    ASSERT_EQ(api.outputInto(m, 0, out.data(), int64_t(out.size())), 0) << api.error(m);
  };
  for (int r = 0; r < 50; ++r) once(r == 0 ? maxB : 1 + rng() % maxB, r == 0 ? maxS : 1 + rng() % maxS);
  expectFlatMemory(2000, int64_t(2) << 20, "runs", [&] { once(1 + rng() % maxB, 1 + rng() % maxS); });
  api.close(m);
}

TEST_F(RuntimeTest, OpenAndCloseInALoopDoesNotGrowMemory) {
  auto cycle = [&] {
    void *a = nullptr, *b = nullptr;
    ASSERT_EQ(api.open(outDir.c_str(), nullptr, &a), 0) << api.error(nullptr);
    ASSERT_EQ(embedded.open(nullptr, nullptr, &b), 0) << embedded.error(nullptr);
    ASSERT_EQ(api.run(a, 2, 3, ids.data(), nullptr, nullptr), 0) << api.error(a);
    ASSERT_EQ(embedded.run(b, 1, 6, ids.data(), nullptr, nullptr), 0) << embedded.error(b);
    api.close(a);
    embedded.close(b);
  };
  for (int r = 0; r < 20; ++r) cycle();
  expectFlatMemory(1000, int64_t(2) << 20, "open/run/close", cycle);
}

TEST_F(RuntimeTest, UnloadingTheLibraryFreesItsMemory) {
  // A copy of the library, so that each dlclose really unloads it (the
  // fixture keeps the original loaded). Under LeakSanitizer a block the
  // unloaded library still owned is reported at exit.
  char tmpl[] = "/tmp/albertc_unload_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string copy = std::string(tmpl) + "/librt_tiny.so";
  {
    std::ifstream in(outDir + "/librt_tiny.so", std::ios::binary);
    std::ofstream(copy, std::ios::binary) << in.rdbuf();
  }
  auto cycle = [&] {
    void *dl = dlopen(copy.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(dl, nullptr) << dlerror();
    auto open = (decltype(api.open))dlsym(dl, "rt_tiny_open");
    auto run = (decltype(api.run))dlsym(dl, "rt_tiny_run");
    auto error = (decltype(api.error))dlsym(dl, "rt_tiny_error");
    auto close = (decltype(api.close))dlsym(dl, "rt_tiny_close");
    void *m = nullptr;
    ASSERT_EQ(open(outDir.c_str(), nullptr, &m), 0) << error(nullptr);
    ASSERT_EQ(run(m, 2, 3, ids.data(), nullptr, nullptr), 0) << error(m);
    close(m);
    ASSERT_EQ(dlclose(dl), 0) << dlerror();
    ASSERT_EQ(dlopen(copy.c_str(), RTLD_NOW | RTLD_NOLOAD), nullptr) << "still loaded";
  };
  for (int r = 0; r < 10; ++r) cycle();
  // The registry's 4 KiB per cycle made 1.4 MiB here.
  expectFlatMemory(300, int64_t(512) << 10, "dlopen/open/run/close/dlclose", cycle);
  std::remove(copy.c_str());
  rmdir(tmpl);
}

namespace {
/// A random call: shape, ids, mask (some rows all zero), token types.
struct Call {
  int64_t batch, seq;
  std::vector<int32_t> ids, mask, tt;
};

std::vector<Call> randomCalls(int count, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<Call> calls;
  for (int c = 0; c < count; ++c) {
    Call k{1 + int64_t(rng() % 5), 1 + int64_t(rng() % 64), {}, {}, {}};
    for (int64_t i = 0; i < k.batch * k.seq; ++i) {
      k.ids.push_back(int32_t(rng() % 50));
      k.mask.push_back(i % k.seq < 1 + int64_t(rng() % k.seq) ? 1 : 0);
      k.tt.push_back(int32_t(rng() % 2));
    }
    if (rng() % 4 == 0)
      for (int64_t j = 0; j < k.seq; ++j) k.mask[j] = 0;
    calls.push_back(std::move(k));
  }
  return calls;
}

/// Both outputs of one call, concatenated.
std::vector<float> runCall(void *m, const Call &k) {
  EXPECT_EQ(api.run(m, k.batch, k.seq, k.ids.data(), k.mask.data(), k.tt.data()), 0)
      << api.error(m);
  std::vector<float> all;
  for (int o = 0; o < 2; ++o) {
    const float *d = nullptr;
    api.output(m, o, &d, nullptr, nullptr);
    int64_t n = o == 0 ? k.batch * k.seq * 50 : k.batch * 2;
    if (d) all.insert(all.end(), d, d + n);
  }
  return all;
}
} // namespace

TEST_F(RuntimeTest, ManyThreadsWithRandomShapesMatchASingleThread) {
  // 6 threads x 40 runs, each thread its own handle, each run one of 24
  // random calls, against the outputs of one thread running them in turn.
  std::vector<Call> calls = randomCalls(24, 99);
  void *m0 = openModel(outDir);
  std::vector<std::vector<float>> want;
  for (const Call &k : calls) want.push_back(runCall(m0, k));
  api.close(m0);
  const int kThreads = 6, kRuns = 40;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      void *m = nullptr;
      ASSERT_EQ(api.open(outDir.c_str(), nullptr, &m), 0);
      std::mt19937 rng(t);
      for (int r = 0; r < kRuns; ++r) {
        size_t k = rng() % calls.size();
        if (runCall(m, calls[k]) != want[k]) ++mismatches[t];
      }
      api.close(m);
    });
  for (auto &t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

TEST_F(RuntimeTest, ResultsAreBitwiseTheSameForAnyThreadCount) {
  std::vector<Call> calls = randomCalls(6, 7);
  std::vector<std::vector<float>> first;
  for (int threads : {1, 2, 3, 8}) {
    void *m = nullptr;
    int options[1] = {threads};
    ASSERT_EQ(api.open(outDir.c_str(), options, &m), 0) << api.error(nullptr);
    for (size_t k = 0; k < calls.size(); ++k) {
      std::vector<float> got = runCall(m, calls[k]);
      if (threads == 1) first.push_back(got);
      else EXPECT_EQ(got, first[k]) << "call " << k << " with " << threads << " threads";
    }
    api.close(m);
  }
}

// Tests that a weights file truncated or rewritten after open changes
// nothing for the open handles (they run on the copy open checked: no SIGBUS,
// no other weights), and that a later open of the damaged file is refused.
TEST_F(RuntimeTest, WeightsFileChangedAfterOpenDoesNotAffectOpenHandles) {
  char tmpl[] = "/tmp/albertc-runtime-XXXXXX";
  std::string dir = mkdtemp(tmpl), path = dir + "/rt_tiny.weights";
  std::string bytes = copyWeights(path);
  void *a = openModel(path), *b = openModel(path); // b shares a's copy
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Call call{1, 6, std::vector<int32_t>(ids.begin(), ids.begin() + 6), {}, {}};
  std::vector<float> before = runCall(a, call);
  ASSERT_FALSE(before.empty()) << api.error(a);

  ASSERT_EQ(truncate(path.c_str(), off_t(bytes.size() / 2)), 0);
  EXPECT_EQ(runCall(a, call), before) << api.error(a);
  void *c = nullptr;
  EXPECT_NE(api.open(path.c_str(), nullptr, &c), 0);
  EXPECT_TRUE(contains(api.error(nullptr), "truncated")) << api.error(nullptr);

  // Same size, other bytes, a new modification time: a new open must read
  // and check the file again instead of sharing the open handles' copy.
  std::string garbage = bytes;
  for (size_t i = 4096; i < garbage.size(); i += 97) garbage[i] ^= 0x5a;
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(garbage.data(), std::streamsize(garbage.size()));
  }
  struct timespec later[2] = {{0, UTIME_OMIT}, {time(nullptr) + 10, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), later, 0), 0);
  EXPECT_EQ(runCall(a, call), before) << api.error(a);
  EXPECT_EQ(runCall(b, call), before) << api.error(b);
  EXPECT_NE(api.open(path.c_str(), nullptr, &c), 0);
  EXPECT_TRUE(contains(api.error(nullptr), "checksum")) << api.error(nullptr);

  api.close(a);
  EXPECT_EQ(runCall(b, call), before) << api.error(b); // the copy outlives a
  api.close(b);
  std::remove(path.c_str());
  std::remove(dir.c_str());
}

// Tests that two threads running on one handle at once (a contract violation)
// get a refusal with a message instead of corrupting each other's outputs, and
// that the handle still computes the right outputs afterwards.
TEST_F(RuntimeTest, AHandleUsedByTwoThreadsAtOnceIsRefused) {
  std::vector<int32_t> many(8 * 64);
  for (size_t i = 0; i < many.size(); ++i) many[i] = int32_t((i * 13 + 5) % 50);
  void *m = openModel(outDir);
  ASSERT_EQ(api.run(m, 8, 64, many.data(), nullptr, nullptr), 0) << api.error(m);
  const float *d;
  ASSERT_EQ(api.output(m, 0, &d, nullptr, nullptr), 0);
  std::vector<float> want(d, d + 8 * 64 * 50);

  std::atomic<int> refused{0}, bad{0}, stop{0};
  auto hammer = [&] {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!stop && std::chrono::steady_clock::now() < deadline) {
      int rc = api.run(m, 8, 64, many.data(), nullptr, nullptr);
      if (rc == 1 && contains(api.error(m), "in use by another thread")) {
        if (++refused >= 3) stop = 1;
      } else if (rc != 0) {
        ++bad;
      }
    }
  };
  std::thread a(hammer), b(hammer);
  a.join();
  b.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GE(refused.load(), 1) << "the two threads never ran at the same time in 10 s";
  ASSERT_EQ(api.run(m, 8, 64, many.data(), nullptr, nullptr), 0) << api.error(m);
  ASSERT_EQ(api.output(m, 0, &d, nullptr, nullptr), 0);
  EXPECT_EQ(std::vector<float>(d, d + 8 * 64 * 50), want);
  api.close(m);
}
