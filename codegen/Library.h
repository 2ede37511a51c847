//===- Library.h - kernel-level albert IR -> native library -----*- C++ -*-===//
#ifndef ALBERTC_CODEGEN_LIBRARY_H
#define ALBERTC_CODEGEN_LIBRARY_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <Halide.h>

#include <functional>
#include <string>

namespace albertc {
namespace codegen {

struct LibraryOptions {
  /// Prefix of every generated file and C symbol: lib<name>.so, <name>.h ...
  std::string name = "albert";
  Halide::Target target;
  bool embedWeights = false;
  /// The SentencePiece model to build the tokenizer in with (empty: no
  /// tokenizer), and AlbertTokenizer's options.
  std::string spieceModel;
  bool doLowerCase = true, removeSpace = true, keepAccents = false, cleanUpSpaces = false;
  /// One line per stage (kernels, weights, link) when set.
  std::function<void(const std::string &)> progress;
  /// Warnings (NaN weights...), always shown.
  std::function<void(const std::string &)> warn;
};

/// Parses --target: "host", "x86-64-avx2", "x86-64-avx512", or a full
/// Halide target string. GPU targets are refused until the CUDA schedules
/// exist.
llvm::Expected<Halide::Target> parseTarget(const std::string &spec);

/// Prints the lowered Halide statement of every distinct kernel (--emit=halide).
llvm::Error emitHalide(mlir::ModuleOp module, const LibraryOptions &opts, llvm::raw_ostream &os);

/// Writes the kernels' objects and the Halide runtime object into `outDir`
/// (--emit=object).
llvm::Error emitObjects(mlir::ModuleOp module, const LibraryOptions &opts,
                        const std::string &outDir);

/// Writes lib<name>.so, lib<name>.a, <name>.h, <name>.weights (and, with a
/// tokenizer, <name>.spiece.model) into `outDir`, built in a temporary folder
/// and moved in at the end, plus albert_tasks.h.
llvm::Error emitLibrary(mlir::ModuleOp module, const LibraryOptions &opts,
                        const std::string &outDir);

} // namespace codegen
} // namespace albertc

#endif // ALBERTC_CODEGEN_LIBRARY_H
