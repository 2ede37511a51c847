//===- host_allocation_test.cpp - the runtime's halide_malloc / free ------===//
//
// The first open installs the runtime's allocator as Halide's (runtime.c,
// host_malloc / host_free: a cache of freed blocks, so that a kernel's
// intermediates are not allocated, and their pages faulted in, again at
// every call). Every kernel's heap intermediates go through it, so a block
// handed to two users at once, or one too small or misaligned, would be a
// wrong answer or a crash. These tests call halide_malloc / halide_free
// through the tiny model's static library (linked in: tests/CMakeLists.txt),
// as parallel_loop_test does, after an open. (ctest runs each test in a
// process of its own, so each test's open is the first.)

#include <gtest/gtest.h>

#include "HalideRuntime.h"
#include "rt_tiny.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace {

class HostAllocationTest : public ::testing::Test {
protected:
  void SetUp() override { model = open(); }
  void TearDown() override {
    if (model) rt_tiny_close(model);
  }
  static rt_tiny_model *open() {
    rt_tiny_options options = {2};
    rt_tiny_model *m = nullptr;
    EXPECT_EQ(rt_tiny_open(ALBERTC_RT_TINY_WEIGHTS, &options, &m), ALBERT_OK)
        << rt_tiny_error(nullptr);
    return m;
  }
  rt_tiny_model *model = nullptr;
};

bool aligned64(const void *p) { return reinterpret_cast<uintptr_t>(p) % 64 == 0; }

// Tests that every block is aligned to halide_malloc_alignment() (64 bytes)
// and writable over its whole size, small and large, cached or not.
TEST_F(HostAllocationTest, BlocksAreAlignedAndWholeSize) {
  for (size_t size : {size_t(1), size_t(100), size_t(4096), size_t(65536 + 3), size_t(1) << 21}) {
    for (int round = 0; round < 2; ++round) { // the second round gets cached blocks
      auto *p = static_cast<unsigned char *>(halide_malloc(nullptr, size));
      ASSERT_NE(p, nullptr) << size;
      EXPECT_TRUE(aligned64(p)) << size;
      memset(p, 0xab, size);
      EXPECT_EQ(p[size - 1], 0xab);
      halide_free(nullptr, p);
    }
  }
  halide_free(nullptr, nullptr); // as free(NULL): nothing
}

// Tests that a freed block serves the next allocation that fits it, even
// after the C heap has handed out memory of that size in between (without
// the cache, glibc would give that memory the freed block's pages, and the
// next kernel call new ones).
TEST_F(HostAllocationTest, AFreedBlockIsReused) {
  void *p = halide_malloc(nullptr, 200000);
  ASSERT_NE(p, nullptr);
  halide_free(nullptr, p);
  void *other = malloc(200000);
  ASSERT_NE(other, nullptr);
  memset(other, 1, 200000);
  void *q = halide_malloc(nullptr, 190000);
  EXPECT_EQ(q, p);
  halide_free(nullptr, q);
  free(other);
}

// Tests that a cached block more than twice (and 64 KiB over) the size asked
// for is not used for it: a 4 MiB intermediate's block does not go to a
// kernel's 1 KiB buffer per task while the next 4 MiB one allocates again.
TEST_F(HostAllocationTest, ALargeBlockIsNotSpentOnASmallRequest) {
  void *big = halide_malloc(nullptr, size_t(4) << 20);
  ASSERT_NE(big, nullptr);
  halide_free(nullptr, big);
  void *small = halide_malloc(nullptr, 1024);
  ASSERT_NE(small, nullptr);
  EXPECT_NE(small, big);
  void *again = halide_malloc(nullptr, size_t(4) << 20);
  EXPECT_EQ(again, big);
  halide_free(nullptr, small);
  halide_free(nullptr, again);
}

// Tests that threads allocating and freeing at once never share a block:
// each fills its blocks with its own byte and finds it there before freeing.
TEST_F(HostAllocationTest, ThreadsNeverShareABlock) {
  const int threads = 4, rounds = 2000;
  std::vector<int> bad(threads, 0);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([t, &bad] {
      for (int i = 0; i < rounds; ++i) {
        size_t size = 256 + size_t((i * 7919 + t * 104729) % 70000);
        auto *p = static_cast<unsigned char *>(halide_malloc(nullptr, size));
        if (!p) {
          ++bad[t];
          continue;
        }
        memset(p, t + 1, size);
        std::this_thread::yield();
        for (size_t j = 0; j < size; j += 97)
          if (p[j] != t + 1) {
            ++bad[t];
            break;
          }
        halide_free(nullptr, p);
      }
    });
  for (auto &th : pool) th.join();
  for (int t = 0; t < threads; ++t) EXPECT_EQ(bad[t], 0) << "thread " << t;
}

// Tests that a model runs, closes (the last close: the cache is emptied)
// and runs again, and that halide_malloc reports an impossible size as out
// of memory rather than wrapping around.
TEST(HostAllocatorTest, RunsAcrossTheLastCloseAndRefusesImpossibleSizes) {
  for (int round = 0; round < 2; ++round) {
    rt_tiny_options options = {2};
    rt_tiny_model *m = nullptr;
    ASSERT_EQ(rt_tiny_open(ALBERTC_RT_TINY_WEIGHTS, &options, &m), ALBERT_OK)
        << rt_tiny_error(nullptr);
    std::vector<int32_t> ids(2 * 9, 5), mask(2 * 9, 1), types(2 * 9, 0);
    EXPECT_EQ(rt_tiny_run(m, 2, 9, ids.data(), mask.data(), types.data()), ALBERT_OK)
        << rt_tiny_error(m);
    rt_tiny_close(m);
  }
  EXPECT_EQ(halide_malloc(nullptr, SIZE_MAX - 10), nullptr);
}

// Tests that a block Halide's default allocator made (before the first open
// installed the cache, or by a program's allocator that forwards to it) is
// given back to Halide's default free, not taken for one of the cache's.
TEST(HostAllocatorTest, ForeignBlocksGoToHalidesFree) {
  void *before = halide_default_malloc(nullptr, 5000);
  ASSERT_NE(before, nullptr);
  rt_tiny_options options = {2};
  rt_tiny_model *m = nullptr;
  ASSERT_EQ(rt_tiny_open(ALBERTC_RT_TINY_WEIGHTS, &options, &m), ALBERT_OK)
      << rt_tiny_error(nullptr);
  halide_free(nullptr, before);
  void *other = malloc(5000 + 64); // takes the freed memory back from the C heap
  ASSERT_NE(other, nullptr);
  void *ours = halide_malloc(nullptr, 5000);
  EXPECT_NE(ours, before); // `before` was not cached
  halide_free(nullptr, ours);
  free(other);
  rt_tiny_close(m);
}

std::atomic<int> programAllocations{0};
void *programMalloc(void *user_context, size_t size) {
  ++programAllocations;
  return halide_default_malloc(user_context, size);
}

// Tests that an allocator the program set before the first open (a static
// link shares Halide's runtime) is left in place. (Run alone, as ctest runs
// each test: in one process with the others, an earlier open installed the
// cache first.)
TEST(HostAllocatorTest, AProgramsOwnAllocatorIsKept) {
  halide_malloc_t before = halide_set_custom_malloc(programMalloc);
  if (before != halide_default_malloc) {
    halide_set_custom_malloc(before);
    GTEST_SKIP() << "an earlier test of this process installed an allocator";
  }
  rt_tiny_options options = {2};
  rt_tiny_model *m = nullptr;
  ASSERT_EQ(rt_tiny_open(ALBERTC_RT_TINY_WEIGHTS, &options, &m), ALBERT_OK)
      << rt_tiny_error(nullptr);
  void *p = halide_malloc(nullptr, 1000);
  EXPECT_EQ(programAllocations.load(), 1);
  halide_free(nullptr, p); // Halide's own free, as the program left it
  rt_tiny_close(m);
  halide_set_custom_malloc(before);
}

} // namespace
