//===- WeightPacker.h - the <name>.weights file -----------------*- C++ -*-===//
#ifndef ALBERTC_CODEGEN_WEIGHTPACKER_H
#define ALBERTC_CODEGEN_WEIGHTPACKER_H

#include "codegen/KernelCompiler.h"
#include "compiler/importer/Safetensors.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <string>
#include <vector>

namespace albertc {
namespace codegen {

/// One tensor of the weights file: a weight expression of the IR (an
/// albert.param_ref, or an albert.concat / albert.slice of them) in the layout
/// a kernel reads.
struct PackedWeight {
  mlir::Value value;
  WeightLayout layout;
  std::vector<int32_t> extents; // Halide order, innermost first
  uint64_t offset = 0;          // from the start of the file
  uint64_t bytes() const;
};

class WeightPacker {
public:
  /// Index of (value, layout) in the file, adding it if new.
  int add(mlir::Value value, const WeightLayout &layout);
  const std::vector<PackedWeight> &weights() const { return weights_; }
  /// Size of the file once offsets are assigned (by write or layoutFile).
  uint64_t layoutFile();
  /// Reads the checkpoint tensors, packs them with their subnormal values
  /// stored as zeros, writes `path`, and sets `checksum` to the checksum in
  /// its header and `subnormals` to how many values of the tensors read were
  /// subnormal. `warn` gets a line per tensor with NaN or Inf values.
  llvm::Error write(const std::string &path, const SafetensorsFile &file,
                    uint64_t fingerprint, const std::function<void(const std::string &)> &warn,
                    uint64_t &checksum, int64_t &subnormals);

private:
  std::vector<PackedWeight> weights_;
};

} // namespace codegen
} // namespace albertc

#endif // ALBERTC_CODEGEN_WEIGHTPACKER_H
