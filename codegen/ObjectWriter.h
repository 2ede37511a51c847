//===- ObjectWriter.h - Halide pipelines -> object files ---------*- C++ -*-===//
//
// Each kernel's Halide pipeline becomes LLVM IR, which is rewritten where
// Halide 14 cannot say what the schedule wants (prefetch locality,
// non-temporal stores), then one object file; plus one object with the Halide
// runtime the kernels share.
//
//===----------------------------------------------------------------------===//
#ifndef ALBERTC_CODEGEN_OBJECTWRITER_H
#define ALBERTC_CODEGEN_OBJECTWRITER_H

#include "codegen/Plan.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace albertc {
namespace codegen {

/// Writes <function>.o for every kernel of `plan` and <name>_halide_runtime.o
/// into `dir`, appending their paths to `objects`.
llvm::Error compileObjects(Plan &plan, const LibraryOptions &opts, const std::string &dir,
                           std::vector<std::string> &objects);

} // namespace codegen
} // namespace albertc

#endif // ALBERTC_CODEGEN_OBJECTWRITER_H
