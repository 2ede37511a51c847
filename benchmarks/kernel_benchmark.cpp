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
// thread, measured at start (compiler/tools/FmaPeak.cpp; printed) unless
// ALBERTC_PEAK_GFLOPS gives it per thread, times the threads (HL_NUM_THREADS,
// else the core count).
//
//===----------------------------------------------------------------------===//

#include "codegen/Kernels.h"
#include "compiler/tools/FmaPeak.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>

using namespace albertc::codegen;

namespace {
enum Epilogue { kNone = 0, kGelu = 1, kResidualLayerNorm = 2 };

/// The per-thread peak the counters divide by (measured once).
double peakPerThread() {
  static const double peak = [] {
    if (const char *env = getenv("ALBERTC_PEAK_GFLOPS")) return atof(env);
    double p = albertc::measureFmaPeakPerThread();
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
