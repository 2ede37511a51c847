//===- Math.cpp - vectorizable float32 math for kernels -------------------===//

#include "codegen/Math.h"

#include <stdexcept>

using namespace Halide;

namespace albertc {
namespace codegen {

Expr vexp(Expr x) {
  x = clamp(x, -87.0f, 88.3f);
  Expr n = floor(x * 1.44269504088896341f + 0.5f);
  // x - n ln2 in two steps so the reduction is exact to float32.
  Expr r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  Expr p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  Expr y = p * r * r + r + 1.0f;
  // Scale by 2^n through the exponent bits; n is in [-126, 127] after the clamp.
  Expr scale = reinterpret(Float(32), (cast<int32_t>(n) + 127) << 23);
  return y * scale;
}

Expr vtanh(Expr x) {
  Expr e = vexp(2.0f * clamp(x, -9.0f, 9.0f));
  return 1.0f - 2.0f / (e + 1.0f);
}

Expr verf(Expr x) {
  // erf(x) = 1 - t * exp(-x^2 + P(t)), t = 1 / (1 + 0.5 |x|): Numerical
  // Recipes' erfc approximation, fractional error < 1.2e-7 everywhere.
  Expr z = abs(x);
  Expr t = 1.0f / (1.0f + 0.5f * z);
  Expr poly = -1.26551223f +
              t * (1.00002368f +
              t * (0.37409196f +
              t * (0.09678418f +
              t * (-0.18628806f +
              t * (0.27886807f +
              t * (-1.13520398f +
              t * (1.48851587f +
              t * (-0.82215223f +
              t * 0.17087277f))))))));
  Expr erfc = t * vexp(-z * z + poly);
  return select(x >= 0.0f, 1.0f - erfc, erfc - 1.0f);
}

Expr applyActivation(const std::string &name, Expr x) {
  if (name == "none") return x;
  if (name == "relu") return max(x, 0.0f);
  if (name == "tanh") return vtanh(x);
  if (name == "gelu_new") {
    // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    Expr u = 0.7978845608028654f * (x + 0.044715f * x * x * x);
    return 0.5f * x * (1.0f + vtanh(u));
  }
  if (name == "gelu") return 0.5f * x * (1.0f + verf(x * 0.7071067811865476f));
  throw std::runtime_error("unsupported activation '" + name + "'");
}

} // namespace codegen
} // namespace albertc
