//===- runtime_test.cpp - the C API of a generated library ----------------===//
//
// Uses the bundled tiny model compiled at build time (tests/CMakeLists.txt:
// ALBERTC_RT_TINY/{lib,embedded}) and checks the runtime's argument
// validation, weight-file checks, ownership rules and concurrency.

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

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
