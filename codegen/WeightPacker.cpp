//===- WeightPacker.cpp - the <name>.weights file -------------------------===//

#include "codegen/WeightPacker.h"

#include "albert/albert_runtime.h"
#include "dialects/albert/IR/AlbertOps.h"

#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>
#include <map>

using namespace mlir;
using namespace mlir::albert;

namespace albertc {
namespace codegen {

namespace {
std::vector<int64_t> shapeOf(Value v) {
  auto s = v.getType().cast<ShapedType>().getShape();
  return std::vector<int64_t>(s.begin(), s.end());
}

/// Replaces the subnormal values of `values` (0 < |w| < 2^-126) by zeros of
/// their sign, and returns how many there were. A CPU runs an FMA with a
/// subnormal operand through a microcode assist: ALBERT-base 1 x 32 on 1
/// thread (AMX Xeon, albertc bench) took 5290 ms instead of 35 with 10% of
/// its matrices' values subnormal, 45-46 ms instead of 34-36 with one in
/// 10^4 (1206 values), 34-36 with one in 10^5; stored as zeros, 33-35 ms.
/// A GEMM output changes by less than 2^-126 times the sum of its inputs'
/// magnitudes.
int64_t flushSubnormals(std::vector<float> &values) {
  int64_t n = 0;
  for (float &w : values)
    if (std::fpclassify(w) == FP_SUBNORMAL) {
      w = std::copysign(0.0f, w);
      ++n;
    }
  return n;
}

/// Evaluates a weight expression to row-major float32 values, subnormals
/// flushed to zero; `flushed` gets each tensor's count of them by name.
llvm::Error evaluate(Value v, const SafetensorsFile &file, std::vector<float> &out,
                     const std::function<void(const std::string &)> &warn,
                     std::map<std::string, int64_t> &flushed) {
  Operation *def = v.getDefiningOp();
  if (auto ref = dyn_cast_or_null<ParamRefOp>(def)) {
    auto module = ref->getParentOfType<ModuleOp>();
    auto param = module.lookupSymbol<ParamOp>(ref.paramAttr());
    if (!param)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "weights: no albert.param @" + ref.param().str());
    const TensorInfo *t = file.find(param.source());
    if (!t)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     file.path() + ": missing tensor '" + param.source() + "'");
    if (t->shape != shapeOf(v))
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     file.path() + ": tensor '" + param.source() +
                                         "' does not have the shape the IR declares");
    out.resize(size_t(t->numElements()));
    auto nonFinite = file.readAsF32(*t, out.data());
    if (!nonFinite) return nonFinite.takeError();
    if (*nonFinite)
      warn("warning: " + file.path().str() + ": tensor '" + t->name + "' has " +
           std::to_string(*nonFinite) + " NaN/Inf values");
    flushed[t->name] = flushSubnormals(out);
    return llvm::Error::success();
  }
  if (auto cat = dyn_cast_or_null<ConcatOp>(def)) {
    out.clear();
    for (Value in : cat.inputs()) {
      std::vector<float> part;
      if (auto e = evaluate(in, file, part, warn, flushed)) return e;
      out.insert(out.end(), part.begin(), part.end());
    }
    return llvm::Error::success();
  }
  if (auto slice = dyn_cast_or_null<SliceOp>(def)) {
    std::vector<float> whole;
    if (auto e = evaluate(slice.input(), file, whole, warn, flushed)) return e;
    std::vector<int64_t> in = shapeOf(slice.input()), res = shapeOf(slice.result());
    size_t row = 1;
    for (size_t i = 1; i < in.size(); ++i) row *= size_t(in[i]);
    auto first = whole.begin() + std::ptrdiff_t(size_t(slice.startAttr().getInt()) * row);
    out.assign(first, first + std::ptrdiff_t(size_t(res[0]) * row));
    return llvm::Error::success();
  }
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "weights: a kernel weight is not made of albert.param_ref, "
                                 "albert.concat and albert.slice");
}

} // namespace

uint64_t PackedWeight::bytes() const {
  uint64_t n = 4;
  for (int32_t e : extents) n *= uint64_t(e);
  return n;
}

int WeightPacker::add(Value value, const WeightLayout &layout) {
  for (size_t i = 0; i < weights_.size(); ++i)
    if (weights_[i].value == value && weights_[i].layout == layout) return int(i);
  PackedWeight w;
  w.value = value;
  w.layout = layout;
  std::vector<int64_t> shape = shapeOf(value);
  const MatmulLayout &m = layout.matmul;
  switch (layout.kind) {
  case WeightLayout::MatmulPanels:
    w.extents = {m.panel, m.k, m.paddedN() / m.panel};
    break;
  case WeightLayout::PaddedBias:
    w.extents = {m.paddedN()};
    break;
  case WeightLayout::Plain:
    for (auto it = shape.rbegin(); it != shape.rend(); ++it) w.extents.push_back(int32_t(*it));
    break;
  }
  weights_.push_back(w);
  return int(weights_.size() - 1);
}

uint64_t WeightPacker::layoutFile() {
  uint64_t offset = sizeof(albert_rt_weights_header);
  for (PackedWeight &w : weights_) {
    w.offset = offset;
    offset += (w.bytes() + 63) / 64 * 64;
  }
  return offset;
}

llvm::Error WeightPacker::write(const std::string &path, const SafetensorsFile &file,
                                uint64_t fingerprint,
                                const std::function<void(const std::string &)> &warn,
                                uint64_t &checksumOut, int64_t &subnormalsOut) {
  uint64_t size = layoutFile();
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return llvm::createStringError(ec, path + ": cannot write: " + ec.message());
  albert_rt_weights_header hdr;
  std::memset(&hdr, 0, sizeof hdr);
  os.write(reinterpret_cast<const char *>(&hdr), sizeof hdr); // rewritten at the end
  albert_rt_checksum_state checksum;
  albert_rt_checksum_init(&checksum);
  std::vector<float> values, packed;
  std::map<std::string, int64_t> flushed;
  for (PackedWeight &w : weights_) {
    if (auto e = evaluate(w.value, file, values, warn, flushed)) return e;
    packed.assign((w.bytes() + 63) / 64 * 16, 0.0f);
    const MatmulLayout &m = w.layout.matmul;
    switch (w.layout.kind) {
    case WeightLayout::Plain:
      std::copy(values.begin(), values.end(), packed.begin());
      break;
    case WeightLayout::PaddedBias:
      std::copy(values.begin(), values.end(), packed.begin());
      break;
    case WeightLayout::MatmulPanels:
      // W[n][k] -> panel n / P, row k, lane n % P.
      for (int n = 0; n < m.n; ++n)
        for (int k = 0; k < m.k; ++k)
          packed[(size_t(n / m.panel) * m.k + k) * m.panel + n % m.panel] =
              values[size_t(n) * m.k + k];
      break;
    }
    const auto *bytes = reinterpret_cast<const unsigned char *>(packed.data());
    size_t n = packed.size() * sizeof(float);
    albert_rt_checksum_update(&checksum, bytes, n);
    os.write(reinterpret_cast<const char *>(bytes), n);
  }
  std::memcpy(hdr.magic, "ALBERTW3", 8);
  hdr.fingerprint = fingerprint;
  hdr.file_size = size;
  hdr.checksum = albert_rt_checksum_final(&checksum);
  os.seek(0);
  os.write(reinterpret_cast<const char *>(&hdr), sizeof hdr);
  os.close();
  if (os.has_error())
    return llvm::createStringError(os.error(), path + ": write failed: " + os.error().message());
  checksumOut = hdr.checksum;
  subnormalsOut = 0;
  for (const auto &tensor : flushed) subnormalsOut += tensor.second;
  return llvm::Error::success();
}

} // namespace codegen
} // namespace albertc
