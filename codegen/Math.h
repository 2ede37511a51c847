//===- Math.h - vectorizable float32 math for kernels -----------*- C++ -*-===//
//
// Halide 14 lowers exp/tanh/erf on float32 to scalar libm calls, which stops
// vectorization in the GEMM epilogues and in softmax. These are written with
// arithmetic only, so they vectorize, and are accurate to a few float32 ulp
// (checked against float64 in tests/unit/codegen_math_test.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef ALBERTC_CODEGEN_MATH_H
#define ALBERTC_CODEGEN_MATH_H

#include <Halide.h>

#include <string>

namespace albertc {
namespace codegen {

/// exp(x) for float32: Cody-Waite range reduction and a degree-6 polynomial
/// (Cephes expf), ~1 ulp; inputs below -87 give 0, above 88 give +inf.
Halide::Expr vexp(Halide::Expr x);
/// tanh(x) = 1 - 2 / (exp(2x) + 1), absolute error ~1e-7.
Halide::Expr vtanh(Halide::Expr x);
/// erf(x): Abramowitz & Stegun 7.1.26 refined (W. J. Cody's rational form
/// is overkill here); absolute error < 1.2e-7.
Halide::Expr verf(Halide::Expr x);
/// Applies a named activation: none, gelu_new, gelu, relu, tanh.
Halide::Expr applyActivation(const std::string &name, Halide::Expr x);

} // namespace codegen
} // namespace albertc

#endif // ALBERTC_CODEGEN_MATH_H
