//===- Safetensors.h - reading model.safetensors ----------------*- C++ -*-===//
//
// The file is mmap'd; the header is checked whole when the file is opened
// (sizes, offsets inside the data, no overlaps, byte counts matching dtype and
// shape), so later reads cannot go out of bounds.
//
//===----------------------------------------------------------------------===//
#ifndef ALBERTC_IMPORTER_SAFETENSORS_H
#define ALBERTC_IMPORTER_SAFETENSORS_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace albertc {

struct TensorInfo {
  std::string name;
  std::string dtype;           // "F32", "F16", "BF16", "I64", ...
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0; // byte offsets into the data section
  int64_t numElements() const;
};

class SafetensorsFile {
public:
  /// Opens and validates `path`. Errors name the file and the tensor.
  static llvm::Expected<std::unique_ptr<SafetensorsFile>> open(llvm::StringRef path);
  /// Same, over bytes already in memory; `path` is only used in messages.
  static llvm::Expected<std::unique_ptr<SafetensorsFile>>
  fromBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer, llvm::StringRef path);

  const TensorInfo *find(llvm::StringRef name) const;
  const std::vector<TensorInfo> &tensors() const { return tensors_; }
  llvm::StringRef path() const { return path_; }

  /// Converts a F32, F16 or BF16 tensor to float32 into `out` (numElements
  /// floats). Returns the number of non-finite values found.
  llvm::Expected<int64_t> readAsF32(const TensorInfo &t, float *out) const;

private:
  std::string path_;
  std::unique_ptr<llvm::MemoryBuffer> buffer_;
  const uint8_t *data_ = nullptr;
  uint64_t dataSize_ = 0;
  std::vector<TensorInfo> tensors_;
  llvm::StringMap<size_t> index_;
};

/// Bytes per element of a safetensors dtype, 0 for an unknown one.
int dtypeSize(llvm::StringRef dtype);

} // namespace albertc

#endif // ALBERTC_IMPORTER_SAFETENSORS_H
