//===- codegen_math_test.cpp - accuracy of the kernels' float32 math ------===//
//
// Tests that vexp, vtanh, verfc and the activations built on them stay within
// a few float32 ulp of float64 libm over the ranges the model produces.

#include "codegen/Math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace albertc::codegen;

namespace {
/// Evaluates `f(x)` with Halide's JIT (vectorized, as in the kernels) on xs.
std::vector<float> evaluate(const std::function<Halide::Expr(Halide::Expr)> &f,
                            const std::vector<float> &xs) {
  Halide::Buffer<float> in(int(xs.size()));
  for (size_t i = 0; i < xs.size(); ++i) in(int(i)) = xs[i];
  Halide::Var x;
  Halide::Func g;
  g(x) = f(in(x));
  g.vectorize(x, 16, Halide::TailStrategy::GuardWithIf);
  Halide::Buffer<float> out = g.realize({int(xs.size())});
  return std::vector<float>(out.data(), out.data() + xs.size());
}

std::vector<float> grid(float lo, float hi, int n) {
  std::vector<float> xs(n);
  for (int i = 0; i < n; ++i) xs[i] = lo + (hi - lo) * float(i) / float(n - 1);
  return xs;
}

/// Largest |got - want| / max(|want|, floor) over xs.
double maxRelError(const std::vector<float> &got, const std::vector<float> &xs,
                   double (*want)(double), double floor) {
  double worst = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    double w = want(double(xs[i]));
    worst = std::max(worst, std::fabs(double(got[i]) - w) / std::max(std::fabs(w), floor));
  }
  return worst;
}

double geluNew(double x) {
  return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
}
double geluErf(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }
} // namespace

TEST(CodegenMath, ExpIsAccurateOverSoftmaxRange) {
  auto xs = grid(-87.0f, 88.0f, 20001);
  double err = maxRelError(evaluate(vexp, xs), xs, [](double x) { return std::exp(x); }, 0);
  EXPECT_LT(err, 4e-7) << "vexp max relative error " << err;
}

TEST(CodegenMath, ExpUnderflowsToZero) {
  auto got = evaluate(vexp, {-1000.0f, -3.4e38f});
  EXPECT_EQ(got[0], 0.0f);
  EXPECT_EQ(got[1], 0.0f);
}

TEST(CodegenMath, TanhIsAccurate) {
  auto xs = grid(-20.0f, 20.0f, 20001);
  double err = maxRelError(evaluate(vtanh, xs), xs, [](double x) { return std::tanh(x); }, 0);
  EXPECT_LT(err, 5e-7) << "vtanh max relative error " << err;
}

TEST(CodegenMath, ErfcIsAccurate) {
  auto erfc = [](double x) { return std::erfc(x); };
  auto xs = grid(-6.0f, 3.0f, 20001);
  double err = maxRelError(evaluate(verfc, xs), xs, erfc, 0);
  EXPECT_LT(err, 2e-6) << "verfc max relative error " << err;
  // Far in the tail float32's x*x itself is off by an ulp of ~x^2.
  xs = grid(3.0f, 9.0f, 20001);
  err = maxRelError(evaluate(verfc, xs), xs, erfc, 0);
  EXPECT_LT(err, 2e-5) << "verfc tail max relative error " << err;
}

TEST(CodegenMath, GeluFormsMatchTheirDefinitions) {
  auto xs = grid(-12.0f, 12.0f, 20001);
  auto gn = evaluate([](Halide::Expr x) { return applyActivation("gelu_new", x); }, xs);
  auto ge = evaluate([](Halide::Expr x) { return applyActivation("gelu", x); }, xs);
  // Relative to max(|y|, 1e-6): values below that are ~0 next to the rest of a row.
  double en = maxRelError(gn, xs, geluNew, 1e-6), ee = maxRelError(ge, xs, geluErf, 1e-6);
  EXPECT_LT(en, 2e-6) << "gelu_new";
  EXPECT_LT(ee, 3e-6) << "gelu (erf)";
}

TEST(CodegenMath, ReluAndUnknownActivation) {
  auto got = evaluate([](Halide::Expr x) { return applyActivation("relu", x); }, {-2.0f, 3.0f});
  EXPECT_EQ(got[0], 0.0f);
  EXPECT_EQ(got[1], 3.0f);
  EXPECT_THROW(applyActivation("swish", Halide::Expr(1.0f)), std::runtime_error);
}

// An FMA on a subnormal operand is a microcode assist (~100 FMAs' time), so
// the values the kernels hand to the next GEMM must be normal or zero: the
// activations are, for every input of magnitude 2^-125 or more (both GELUs
// are ~x / 2 near 0, so a smaller input gives a subnormal output; no GEMM
// output is that small in practice). verfc's own `tail` is subnormal in a
// narrow band around x = -13.1 (its product with x is not).
TEST(CodegenMath, ActivationsAreNeverSubnormal) {
  auto xs = grid(-200.0f, 200.0f, 400001);
  for (float x : grid(-14.0f, -9.0f, 200001)) xs.push_back(x); // around the tails' cut-offs
  for (const char *name : {"gelu_new", "gelu", "tanh"}) {
    auto got = evaluate([&](Halide::Expr x) { return applyActivation(name, x); }, xs);
    size_t subnormal = 0;
    float example = 0;
    for (size_t i = 0; i < xs.size(); ++i)
      if (std::fpclassify(got[i]) == FP_SUBNORMAL) ++subnormal, example = xs[i];
    EXPECT_EQ(subnormal, 0u) << name << " is subnormal at " << subnormal << " inputs, e.g. "
                             << example;
  }
  auto got = evaluate(vexp, grid(-200.0f, 0.0f, 400001));
  for (float y : got) ASSERT_NE(std::fpclassify(y), FP_SUBNORMAL) << "vexp";
}
