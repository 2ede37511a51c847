//===- parallel_loop_test.cpp - the runtime's parallel loops --------------===//
//
// The runtime replaces Halide's do_par_for at the first open (runtime.c,
// albert_do_par_for: contiguous ranges of tasks per thread, the rest taken
// from the back of the others' ranges). Every kernel's parallel loop goes
// through it, so a task run twice or never would be a wrong answer. These
// tests drive it directly through the Halide runtime of the tiny model's
// static library (linked in: tests/CMakeLists.txt) with tasks that count.

#include <gtest/gtest.h>

#include "HalideRuntime.h"
#include "rt_tiny.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace {

struct Counts {
  int min = 0;
  std::vector<std::atomic<int>> hits;
  std::atomic<int> outside{0};
  int failAt = -1;
  int delayBelow = -1; // tasks below this index sleep 200 us
  explicit Counts(int min, int size) : min(min), hits(size) {}
};

int countTask(void *, int index, uint8_t *closure) {
  Counts &c = *reinterpret_cast<Counts *>(closure);
  int i = index - c.min;
  if (i < 0 || i >= int(c.hits.size())) {
    ++c.outside;
    return 0;
  }
  if (i < c.delayBelow) std::this_thread::sleep_for(std::chrono::microseconds(200));
  ++c.hits[i];
  return i == c.failAt ? -7 : 0;
}

class ParallelLoopTest : public ::testing::Test {
protected:
  rt_tiny_model *open(int threads) {
    rt_tiny_options options = {threads};
    rt_tiny_model *m = nullptr;
    EXPECT_EQ(rt_tiny_open(ALBERTC_RT_TINY_WEIGHTS, &options, &m), ALBERT_OK)
        << rt_tiny_error(nullptr);
    return m;
  }
};

// Tests that every task of a loop runs exactly once, whatever the number of
// threads and tasks (fewer tasks than threads, one, none, many).
TEST_F(ParallelLoopTest, EveryTaskRunsExactlyOnce) {
  for (int threads : {1, 2, 3, 8}) {
    rt_tiny_model *m = open(threads);
    ASSERT_NE(m, nullptr);
    for (int size : {0, 1, 2, 3, 7, 64, 1000}) {
      Counts c(-5, size);
      ASSERT_EQ(halide_do_par_for(nullptr, countTask, -5, size, reinterpret_cast<uint8_t *>(&c)), 0);
      EXPECT_EQ(c.outside.load(), 0) << threads << " threads, " << size << " tasks";
      for (int i = 0; i < size; ++i)
        ASSERT_EQ(c.hits[i].load(), 1)
            << "task " << i << " of " << size << " with " << threads << " threads";
    }
    rt_tiny_close(m);
  }
}

// Tests that a failing task's result is the loop's, and that no task runs
// twice on the way out.
TEST_F(ParallelLoopTest, AFailingTaskFailsTheLoop) {
  for (int threads : {1, 2, 4}) {
    rt_tiny_model *m = open(threads);
    ASSERT_NE(m, nullptr);
    Counts c(0, 500);
    c.failAt = 123;
    EXPECT_EQ(halide_do_par_for(nullptr, countTask, 0, 500, reinterpret_cast<uint8_t *>(&c)), -7)
        << threads << " threads";
    EXPECT_EQ(c.hits[123].load(), 1);
    for (int i = 0; i < 500; ++i) ASSERT_LE(c.hits[i].load(), 1) << "task " << i;
    rt_tiny_close(m);
  }
}

struct Nested {
  std::atomic<int> inner{0};
};

int nestedTask(void *, int, uint8_t *closure) {
  Nested &n = *reinterpret_cast<Nested *>(closure);
  Counts c(0, 16);
  int rc = halide_do_par_for(nullptr, countTask, 0, 16, reinterpret_cast<uint8_t *>(&c));
  for (int i = 0; i < 16; ++i) n.inner += c.hits[i].load();
  return rc;
}

// Tests that a task may run a parallel loop of its own (Halide nests them).
TEST_F(ParallelLoopTest, LoopsNest) {
  rt_tiny_model *m = open(3);
  ASSERT_NE(m, nullptr);
  Nested n;
  ASSERT_EQ(halide_do_par_for(nullptr, nestedTask, 0, 10, reinterpret_cast<uint8_t *>(&n)), 0);
  EXPECT_EQ(n.inner.load(), 160);
  rt_tiny_close(m);
}

// Tests that every task runs exactly once when the ranges take unequal times
// (the first two of four ranges are slow, so the threads of the others, done
// early, take tasks from the back of those).
TEST_F(ParallelLoopTest, EveryTaskRunsOnceWhenRangesTakeUnequalTimes) {
  rt_tiny_model *m = open(4);
  ASSERT_NE(m, nullptr);
  Counts c(0, 64);
  c.delayBelow = 32;
  ASSERT_EQ(halide_do_par_for(nullptr, countTask, 0, 64, reinterpret_cast<uint8_t *>(&c)), 0);
  for (int i = 0; i < 64; ++i) ASSERT_EQ(c.hits[i].load(), 1) << "task " << i;
  rt_tiny_close(m);
}

std::atomic<int> programLoops{0};

int programParFor(void *user_context, halide_task_t task, int min, int size, uint8_t *closure) {
  ++programLoops;
  return halide_default_do_par_for(user_context, task, min, size, closure);
}

// Tests that a loop handler the program installed before the first open (a
// static link shares Halide's runtime) is left in place. (ctest runs each
// test in a process of its own, so the open here is the first.)
TEST_F(ParallelLoopTest, AProgramsOwnLoopHandlerIsKept) {
  halide_do_par_for_t before = halide_set_custom_do_par_for(programParFor);
  rt_tiny_model *m = open(2);
  ASSERT_NE(m, nullptr);
  Counts c(0, 10);
  ASSERT_EQ(halide_do_par_for(nullptr, countTask, 0, 10, reinterpret_cast<uint8_t *>(&c)), 0);
  EXPECT_EQ(programLoops.load(), 1);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(c.hits[i].load(), 1) << "task " << i;
  rt_tiny_close(m);
  halide_set_custom_do_par_for(before);
}

} // namespace
