//===- matmul_test.cpp - the CPU GEMM kernel against a float64 reference --===//
//
// Tests that codegen::matmul's CPU schedules compute epilogue(x W^T + b) on
// shapes no model file needs to exist for: K long enough to be blocked
// (kBlock), K with no block size, N not a multiple of the panel, with each
// epilogue, as a pipeline output and as an intermediate. JIT-compiled, as
// kernel_benchmark does, without the weight prefetch of compiled libraries
// (tests/e2e covers those).

#include "codegen/Kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

using namespace albertc::codegen;

namespace {
enum class Epi { None, Gelu, ResidualLayerNorm };

struct Shape {
  int m, n, k;
  Epi epi;
  bool isOutput;
};

double geluNew(double x) {
  return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
}

/// Relative L2 error of matmul's result against float64 on random inputs.
double relativeError(const Shape &s) {
  KernelEnv env;
  env.target = Halide::get_host_target();
  const MatmulLayout l = MatmulLayout::choose(s.n, s.k, env.target, env.gpu);
  Halide::ImageParam x(Halide::Float(32), 2, "x"), w(Halide::Float(32), 3, "w"),
      b(Halide::Float(32), 1, "b"), residual(Halide::Float(32), 2, "residual"),
      gamma(Halide::Float(32), 1, "gamma"), beta(Halide::Float(32), 1, "beta");
  MatmulEpilogue epi;
  if (s.epi == Epi::Gelu) epi.activation = "gelu_new";
  if (s.epi == Epi::ResidualLayerNorm) {
    epi.residualLn = true;
    epi.residual = residual;
    epi.gamma = gamma;
    epi.beta = beta;
    epi.eps = 1e-5f;
  }
  MatmulResult mm = matmul(env, x, l, w, b, epi, "mm", s.isOutput);
  Halide::Func out = mm.out;
  if (!s.isOutput) { // a consumer, so that matmul's result is an intermediate
    Halide::Var c("c"), r("r");
    out = Halide::Func("copy");
    out(c, r) = mm.out(c, r);
  }

  std::mt19937 rng(s.m * 7919 + s.n * 31 + s.k);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> W(size_t(s.n) * s.k);
  for (float &v : W) v = u(rng);
  Halide::Buffer<float> xb(s.k, s.m), wb(l.panel, s.k, l.paddedN() / l.panel), bb(l.paddedN()),
      rb(s.n, s.m), gb(s.n), eb(s.n);
  for (auto *buf : {&xb, &bb, &rb, &gb, &eb}) buf->for_each_value([&](float &v) { v = u(rng); });
  // The packed layout [N / P][K][P], zero past N (WeightPacker's).
  wb.for_each_element([&](int p, int kk, int panel) {
    int n = panel * l.panel + p;
    wb(p, kk, panel) = n < s.n ? W[size_t(n) * s.k + kk] : 0.0f;
  });
  x.set(xb);
  w.set(wb);
  b.set(bb);
  residual.set(rb);
  gamma.set(gb);
  beta.set(eb);
  env.batch.set(1);
  env.seq.set(s.m);
  Halide::Buffer<float> got = out.realize({s.n, s.m}, env.target);

  double err = 0, norm = 0;
  std::vector<double> z(s.n);
  for (int r = 0; r < s.m; ++r) {
    for (int n = 0; n < s.n; ++n) {
      double acc = bb(n);
      for (int kk = 0; kk < s.k; ++kk) acc += double(xb(kk, r)) * W[size_t(n) * s.k + kk];
      z[n] = s.epi == Epi::Gelu ? geluNew(acc)
             : s.epi == Epi::ResidualLayerNorm ? acc + rb(n, r)
                                               : acc;
    }
    double mean = 0, var = 0;
    for (double v : z) mean += v / s.n;
    for (double v : z) var += (v - mean) * (v - mean) / s.n;
    for (int n = 0; n < s.n; ++n) {
      double want = s.epi != Epi::ResidualLayerNorm
                        ? z[n]
                        : (z[n] - mean) / std::sqrt(var + 1e-5) * gb(n) + eb(n);
      err += (got(n, r) - want) * (got(n, r) - want);
      norm += want * want;
    }
  }
  return std::sqrt(err / norm);
}
} // namespace

// Tests that K blocks are whole divisors of K, and that short K is not blocked.
TEST(Matmul, KBlockDividesLongK) {
  EXPECT_EQ(kBlock(768), 768);
  EXPECT_EQ(kBlock(3072), 3072);
  EXPECT_EQ(kBlock(3584), 512);
  EXPECT_EQ(kBlock(4096), 512);
  EXPECT_EQ(kBlock(8192), 512);
  EXPECT_EQ(kBlock(6144), 768);
  EXPECT_EQ(kBlock(4099), 4099); // prime: no block size
}

// Tests that a K-blocked intermediate GEMM (bias only, N not a multiple of
// the panel) matches float64.
TEST(Matmul, BlockedIntermediate) {
  EXPECT_LT(relativeError({24, 100, 3584, Epi::None, false}), 1e-5);
}

// Tests that a K-blocked intermediate GEMM with the GELU epilogue matches.
TEST(Matmul, BlockedGelu) {
  EXPECT_LT(relativeError({16, 96, 3584, Epi::Gelu, false}), 1e-5);
}

// Tests that a K-blocked GEMM + residual + LayerNorm as the pipeline's output
// (an encoder layer's FFN output) matches.
TEST(Matmul, BlockedResidualLayerNormOutput) {
  EXPECT_LT(relativeError({24, 40, 4096, Epi::ResidualLayerNorm, true}), 1e-5);
}

// Tests that a long K with no block size runs unblocked and matches.
TEST(Matmul, UnblockableLongK) {
  EXPECT_LT(relativeError({16, 48, 4099, Epi::ResidualLayerNorm, true}), 1e-5);
}

// Tests the unblocked path on an output and an intermediate.
TEST(Matmul, ShortK) {
  EXPECT_LT(relativeError({16, 50, 768, Epi::Gelu, true}), 1e-5);
  EXPECT_LT(relativeError({8, 144, 768, Epi::ResidualLayerNorm, false}), 1e-5);
}
