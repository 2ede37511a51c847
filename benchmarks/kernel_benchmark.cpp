//===- kernel_benchmark.cpp - the codegen GEMM kernels, JIT-compiled -----===//
//
//   kernel_benchmark [--benchmark_* flags]
//
// Times codegen::matmul (the same algorithm and schedule albertc compiles)
// on the GEMM shapes of ALBERT-base at 1 x 32, 1 x 128 and 8 x 128 tokens,
// with each epilogue the model uses. JIT-compiled, so without what the object
// writer adds to compiled libraries (codegen/ObjectWriter.cpp): the next-panel
// weight prefetch (KernelEnv::prefetchWeights, which needs its hint rewrite)
// and the MLM logits' non-temporal stores; `albertc bench` times those.
// Counters: GFLOP/s and the fraction of the FMA peak: the rate of
// register-only FMAs of the host's widest vectors (AVX-512 or AVX2) on one
// thread, measured at start (best of 3 runs of ~0.1 s; printed) unless
// ALBERTC_PEAK_GFLOPS gives it per thread, times the threads (HL_NUM_THREADS,
// else the core count). benchmarks/compare/fma_peak.c measures the same loop.
//
//===----------------------------------------------------------------------===//

#include "codegen/Kernels.h"

#include <benchmark/benchmark.h>

#include <immintrin.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>

using namespace albertc::codegen;

namespace {
enum Epilogue { kNone = 0, kGelu = 1, kResidualLayerNorm = 2 };

// --- The FMA peak ------------------------------------------------------------
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

/// One thread's register-only FMA rate in GFLOP/s, with the vectors the
/// kernels use on this host (KernelEnv's target: Halide's host target); 0
/// on a host with neither AVX-512 nor AVX2 + FMA.
double measurePeakPerThread() {
  const Halide::Target host = Halide::get_host_target();
  const bool wide = host.has_feature(Halide::Target::AVX512);
  if (!wide && !(host.has_feature(Halide::Target::AVX2) && host.has_feature(Halide::Target::FMA)))
    return 0;
  const double flopsPerIter = 16.0 * (wide ? 16 : 8) * 2;
  volatile float sink = 0;
  auto rate = [&](long iters) {
    auto t0 = std::chrono::steady_clock::now();
    if (wide) fmaLoop512(iters, &sink);
    else fmaLoop256(iters, &sink);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return iters * flopsPerIter / s * 1e-9;
  };
  long iters = long(0.1 * rate(200000) * 1e9 / flopsPerIter); // ~0.1 s per run
  double best = 0;
  for (int i = 0; i < 3; ++i) best = std::max(best, rate(std::max(iters, 1000L)));
  return best;
}

/// The per-thread peak the counters divide by (measured once).
double peakPerThread() {
  static const double peak = [] {
    if (const char *env = getenv("ALBERTC_PEAK_GFLOPS")) return atof(env);
    double p = measurePeakPerThread();
    if (p > 0)
      std::fprintf(stderr, "FMA peak per thread (register-only FMAs, measured): %.1f GFLOP/s\n", p);
    else
      std::fprintf(stderr, "no FMA peak measured (no AVX-512 or AVX2 + FMA): no peak counter\n");
    return p;
  }();
  return peak;
}

struct Compiled {
  Halide::Pipeline pipeline;
  Halide::ImageParam x, w, b, residual, gamma, beta;
  KernelEnv env;
};

/// Builds the kernel exactly as KernelCompiler does for one albert.matmul /
/// albert.matmul_add_layer_norm.
Compiled build(int n, int k, Epilogue e) {
  Compiled c;
  c.env.target = Halide::get_host_target();
  MatmulLayout l = MatmulLayout::choose(n, k, c.env.target, c.env.gpu);
  c.x = Halide::ImageParam(Halide::Float(32), 2, "x");
  c.w = Halide::ImageParam(Halide::Float(32), 3, "w");
  c.b = Halide::ImageParam(Halide::Float(32), 1, "b");
  c.residual = Halide::ImageParam(Halide::Float(32), 2, "residual");
  c.gamma = Halide::ImageParam(Halide::Float(32), 1, "gamma");
  c.beta = Halide::ImageParam(Halide::Float(32), 1, "beta");
  // The buffer constraints KernelCompiler sets: exact extents, dense rows.
  c.x.dim(0).set_bounds(0, k);
  c.x.dim(1).set_min(0).set_stride(k);
  c.w.dim(0).set_bounds(0, l.panel);
  c.w.dim(1).set_bounds(0, k).set_stride(l.panel);
  c.w.dim(2).set_bounds(0, l.paddedN() / l.panel).set_stride(l.panel * k);
  c.b.dim(0).set_bounds(0, l.paddedN());
  c.residual.dim(0).set_bounds(0, n);
  c.residual.dim(1).set_min(0).set_stride(n);
  MatmulEpilogue epi;
  if (e == kGelu) epi.activation = "gelu_new";
  if (e == kResidualLayerNorm) {
    epi.residualLn = true;
    epi.residual = c.residual;
    epi.gamma = c.gamma;
    epi.beta = c.beta;
  }
  MatmulResult r = matmul(c.env, c.x, l, c.w, c.b, epi, "mm", /*isOutput=*/true);
  Halide::OutputImageParam ob = r.out.output_buffer();
  ob.dim(0).set_bounds(0, n);
  ob.dim(1).set_min(0).set_stride(n);
  ob.dim(1).set_extent((ob.dim(1).extent() / kRowBlock) * kRowBlock);
  c.pipeline = Halide::Pipeline(r.out);
  c.pipeline.compile_jit(c.env.target);
  return c;
}

void BM_Matmul(benchmark::State &state) {
  const int m = int(state.range(0)), n = int(state.range(1)), k = int(state.range(2));
  const Epilogue e = Epilogue(state.range(3));
  Compiled c = build(n, k, e);
  MatmulLayout l = MatmulLayout::choose(n, k, c.env.target, c.env.gpu);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  Halide::Buffer<float> x(k, m), w(l.panel, k, l.paddedN() / l.panel), b(l.paddedN()),
      residual(n, m), gamma(n), beta(n), out(n, m);
  for (auto *buf : {&x, &w, &b, &residual, &gamma, &beta})
    buf->for_each_value([&](float &v) { v = u(rng); });
  c.x.set(x);
  c.w.set(w);
  c.b.set(b);
  c.residual.set(residual);
  c.gamma.set(gamma);
  c.beta.set(beta);
  c.env.batch.set(1);
  c.env.seq.set(m);
  for (auto _ : state) c.pipeline.realize(out);
  double flops = 2.0 * m * n * k;
  // Peak of the threads Halide uses: HL_NUM_THREADS, else every core.
  const char *threadsEnv = getenv("HL_NUM_THREADS");
  int threads = threadsEnv ? atoi(threadsEnv) : int(std::thread::hardware_concurrency());
  double peak = peakPerThread() * 1e9 * std::max(1, threads);
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  if (peak > 0)
    state.counters["peak"] =
        benchmark::Counter(flops / peak, benchmark::Counter::kIsIterationInvariantRate);
}
} // namespace

// M (tokens), N, K, epilogue: QKV, attention output + LayerNorm, FFN + GELU,
// FFN output + LayerNorm, and the MLM decoder (N = vocab 30000, K = E 128);
// then ALBERT-xlarge's (H 2048, F 8192) at 1 x 128, whose long K overflows L2.
BENCHMARK(BM_Matmul)
    ->ArgNames({"M", "N", "K", "epi"})
    ->Args({32, 2304, 768, kNone})
    ->Args({128, 2304, 768, kNone})
    ->Args({1024, 2304, 768, kNone})
    ->Args({128, 768, 768, kResidualLayerNorm})
    ->Args({128, 3072, 768, kGelu})
    ->Args({1024, 3072, 768, kGelu})
    ->Args({128, 768, 3072, kResidualLayerNorm})
    ->Args({1024, 768, 3072, kResidualLayerNorm})
    ->Args({32, 30000, 128, kNone})
    ->Args({128, 30000, 128, kNone})
    ->Args({1024, 30000, 128, kNone})
    ->Args({128, 6144, 2048, kNone})
    ->Args({128, 8192, 2048, kGelu})
    ->Args({128, 2048, 8192, kResidualLayerNorm})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  peakPerThread(); // before any kernel's threads run
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
