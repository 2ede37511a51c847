//===- FmaPeak.cpp - this core's register-only FMA rate -------------------===//

#include "FmaPeak.h"

#include <immintrin.h>

#include <time.h>

#include <algorithm>

namespace albertc {
namespace {
// 16 independent accumulators hide the FMA latency on cores with up to 2 FMA
// ports of latency up to 8. Compiled for their instruction sets by function
// attribute, so that the rest of the binary runs on any x86-64.
#define FMA16(F)                                                                                   \
  x0 = F(x0, a, b), x1 = F(x1, a, b), x2 = F(x2, a, b), x3 = F(x3, a, b), x4 = F(x4, a, b),        \
  x5 = F(x5, a, b), x6 = F(x6, a, b), x7 = F(x7, a, b), x8 = F(x8, a, b), x9 = F(x9, a, b),        \
  x10 = F(x10, a, b), x11 = F(x11, a, b), x12 = F(x12, a, b), x13 = F(x13, a, b),                  \
  x14 = F(x14, a, b), x15 = F(x15, a, b)
#define FMA_SUM16(ADD)                                                                             \
  ADD(ADD(ADD(ADD(x0, x1), ADD(x2, x3)), ADD(ADD(x4, x5), ADD(x6, x7))),                           \
      ADD(ADD(ADD(x8, x9), ADD(x10, x11)), ADD(ADD(x12, x13), ADD(x14, x15))))

/// `iters` x 16 FMAs of 16 lanes; stores a value that depends on all of them
/// (a store, not a return value: a function without side effects may be
/// moved past the clock reads around it).
__attribute__((target("avx512f"), noinline)) void fmaLoop512(long iters, volatile float *out) {
  __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  __m512 x0 = _mm512_set1_ps(1.00f), x1 = _mm512_set1_ps(1.01f), x2 = _mm512_set1_ps(1.02f),
         x3 = _mm512_set1_ps(1.03f), x4 = _mm512_set1_ps(1.04f), x5 = _mm512_set1_ps(1.05f),
         x6 = _mm512_set1_ps(1.06f), x7 = _mm512_set1_ps(1.07f), x8 = _mm512_set1_ps(1.08f),
         x9 = _mm512_set1_ps(1.09f), x10 = _mm512_set1_ps(1.10f), x11 = _mm512_set1_ps(1.11f),
         x12 = _mm512_set1_ps(1.12f), x13 = _mm512_set1_ps(1.13f), x14 = _mm512_set1_ps(1.14f),
         x15 = _mm512_set1_ps(1.15f);
  for (long i = 0; i < iters; ++i) FMA16(_mm512_fmadd_ps);
  *out = _mm512_reduce_add_ps(FMA_SUM16(_mm512_add_ps));
}

/// `iters` x 16 FMAs of 8 lanes.
__attribute__((target("avx2,fma"), noinline)) void fmaLoop256(long iters, volatile float *out) {
  __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  __m256 x0 = _mm256_set1_ps(1.00f), x1 = _mm256_set1_ps(1.01f), x2 = _mm256_set1_ps(1.02f),
         x3 = _mm256_set1_ps(1.03f), x4 = _mm256_set1_ps(1.04f), x5 = _mm256_set1_ps(1.05f),
         x6 = _mm256_set1_ps(1.06f), x7 = _mm256_set1_ps(1.07f), x8 = _mm256_set1_ps(1.08f),
         x9 = _mm256_set1_ps(1.09f), x10 = _mm256_set1_ps(1.10f), x11 = _mm256_set1_ps(1.11f),
         x12 = _mm256_set1_ps(1.12f), x13 = _mm256_set1_ps(1.13f), x14 = _mm256_set1_ps(1.14f),
         x15 = _mm256_set1_ps(1.15f);
  for (long i = 0; i < iters; ++i) FMA16(_mm256_fmadd_ps);
  float f[8];
  _mm256_storeu_ps(f, FMA_SUM16(_mm256_add_ps));
  *out = f[0] + f[7];
}

} // namespace

double measureFmaPeakPerThread(int maxVectorBits, int *usedBits) {
  __builtin_cpu_init();
  const bool wide = maxVectorBits >= 512 && __builtin_cpu_supports("avx512f");
  const bool narrow = !wide && maxVectorBits >= 256 && __builtin_cpu_supports("avx2") &&
                      __builtin_cpu_supports("fma");
  if (usedBits) *usedBits = wide ? 512 : narrow ? 256 : 0;
  if (!wide && !narrow) return 0;
  const double flopsPerIter = 16.0 * (wide ? 16 : 8) * 2;
  volatile float sink = 0;
  // Timed by this thread's CPU time, not the wall clock: on a loaded machine
  // (a test suite, another benchmark) the scheduler shares the core, and
  // the time the thread waits is not the FMAs'. With 4 busy processes on
  // the 2 vCPUs, wall-clock runs gave 40-43 GFLOP/s for 256-bit FMAs and
  // 92-94 for 512-bit, CPU-time runs 99-100 and 224-230 (unloaded 100-102
  // and 225-236 either way).
  auto rate = [&](long iters) {
    timespec t0, t1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    if (wide) fmaLoop512(iters, &sink);
    else fmaLoop256(iters, &sink);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    double s = double(t1.tv_sec - t0.tv_sec) + 1e-9 * double(t1.tv_nsec - t0.tv_nsec);
    return iters * flopsPerIter / s * 1e-9;
  };
  long iters = long(0.1 * rate(200000) * 1e9 / flopsPerIter); // ~0.1 s per run
  double best = 0;
  for (int i = 0; i < 3; ++i) best = std::max(best, rate(std::max(iters, 1000L)));
  return best;
}

} // namespace albertc
