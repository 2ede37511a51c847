//===- Math.cpp - vectorizable float32 math for kernels -------------------===//

#include "codegen/Math.h"

#include <stdexcept>

using namespace Halide;

namespace albertc {
namespace codegen {

Expr vexp(Expr x) {
  Expr underflow = x < -87.3f;
  x = clamp(x, -87.3f, 88.3f);
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
  return select(underflow, 0.0f, y * scale);
}

Expr vtanh(Expr x) {
  Expr z = abs(x);
  Expr z2 = z * z;
  // x - x^3/3 + 2x^5/15 - 17x^7/315 + 62x^9/2835: next term < 1e-8 at 0.25.
  Expr small = z * (1.0f + z2 * (-1.0f / 3.0f + z2 * (2.0f / 15.0f +
                    z2 * (-17.0f / 315.0f + z2 * (62.0f / 2835.0f)))));
  Expr e = vexp(-2.0f * min(z, 9.0f));
  Expr large = (1.0f - e) / (1.0f + e);
  Expr t = select(z < 0.25f, small, large);
  return select(x < 0.0f, -t, t);
}

Expr verfc(Expr x) {
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
  Expr tail = t * vexp(-z * z + poly);
  return select(x >= 0.0f, tail, 2.0f - tail);
}

Expr applyActivation(const std::string &name, Expr x) {
  if (name == "none") return x;
  if (name == "relu") return max(x, 0.0f);
  if (name == "tanh") return vtanh(x);
  if (name == "gelu_new") {
    // 0.5 x (1 + tanh(u)) = x / (1 + e^{-2u}), u = sqrt(2/pi) (x + 0.044715 x^3):
    // the same function without the cancellation of 1 + tanh(u) for x << 0.
    Expr u = 0.7978845608028654f * (x + 0.044715f * x * x * x);
    return x / (1.0f + vexp(-2.0f * u));
  }
  // 0.5 x (1 + erf(x / sqrt 2)) = 0.5 x erfc(-x / sqrt 2).
  if (name == "gelu") return 0.5f * x * verfc(-0.7071067811865476f * x);
  throw std::runtime_error("unsupported activation '" + name + "'");
}

} // namespace codegen
} // namespace albertc
