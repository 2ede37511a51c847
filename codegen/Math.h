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
/// (Cephes expf), ~1 ulp; inputs below -87.3 give exactly 0 (softmax of
/// masked keys), inputs above 88.3 saturate at exp(88.3).
Halide::Expr vexp(Halide::Expr x);
/// tanh(x): an odd Taylor polynomial for |x| < 0.25, (1 - e^-2|x|) / (1 +
/// e^-2|x|) beyond; relative error < 5e-7.
Halide::Expr vtanh(Halide::Expr x);
/// erfc(x): Numerical Recipes' Chebyshev fit for x >= 0 (fractional error
/// < 1.2e-7), 2 - erfc(-x) below, so neither tail cancels.
Halide::Expr verfc(Halide::Expr x);
/// Applies a named activation: none, gelu_new, gelu, relu, tanh.
Halide::Expr applyActivation(const std::string &name, Halide::Expr x);

} // namespace codegen
} // namespace albertc

#endif // ALBERTC_CODEGEN_MATH_H
