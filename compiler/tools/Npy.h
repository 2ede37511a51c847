//===- Npy.h - NumPy .npy files for `albertc run` ---------------*- C++ -*-===//
#ifndef ALBERTC_TOOLS_NPY_H
#define ALBERTC_TOOLS_NPY_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace albertc {

/// Reads a C-order .npy of int32 or int64 ('<i4', '<i8') into int32, checking
/// that values fit. Errors name the file.
llvm::Error readNpyInt(const std::string &path, std::vector<int64_t> &shape,
                       std::vector<int32_t> &data);
/// The same from the file's bytes; `path` is only used in messages.
llvm::Error parseNpyInt(llvm::StringRef bytes, const std::string &path,
                        std::vector<int64_t> &shape, std::vector<int32_t> &data);
/// Writes a C-order float32 .npy.
llvm::Error writeNpyF32(const std::string &path, const std::vector<int64_t> &shape,
                        const float *data);

} // namespace albertc

#endif // ALBERTC_TOOLS_NPY_H
