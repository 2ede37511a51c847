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
  /// Tests only: build the GPU schedules for a CPU target (their loop nests
  /// run on the host), to check them numerically without a GPU.
  bool gpuScheduleOnHost = false;
  bool embedWeights = false;
  /// The bytes of the SentencePiece model to build the tokenizer in with
  /// (empty: no tokenizer), and AlbertTokenizer's options.
  std::string spieceModel;
  bool doLowerCase = true, removeSpace = true, keepAccents = false, cleanUpSpaces = false;
  /// One line per stage (kernels, weights, link) when set.
  std::function<void(const std::string &)> progress;
  /// Warnings (NaN weights...), always shown.
  std::function<void(const std::string &)> warn;
};

/// Parses --target: "host", "x86-64-avx2", "x86-64-avx512", "cuda" (x86-64
/// AVX2 host code, kernels as CUDA PTX for compute capability 8.6, which
/// the driver compiles for newer GPUs), or a full Halide target string
/// (x86-64 Linux; of GPU APIs only cuda).
llvm::Expected<Halide::Target> parseTarget(const std::string &spec);

/// Where albertc finds the runtime it links into every library
/// (libalbert_rt.a, libalbert_tok.a, their headers): $ALBERTC_RUNTIME_DIR;
/// else, installed (`cmake --install`), <prefix>/lib/albertc next to
/// <prefix>/bin/albertc; else the build tree that built this albertc.
/// For `albertc --version`.
std::string runtimeLocation();

/// Prints the lowered Halide statement of every distinct kernel (--emit=halide).
llvm::Error emitHalide(mlir::ModuleOp module, const LibraryOptions &opts, llvm::raw_ostream &os);

/// Writes the kernels' objects and the Halide runtime object into `outDir`
/// (--emit=object), staged like emitLibrary's outputs (StagedFolder.h).
llvm::Error emitObjects(mlir::ModuleOp module, const LibraryOptions &opts,
                        const std::string &outDir);

/// Writes lib<name>.so, lib<name>.a, <name>.h, <name>.weights (and, with a
/// tokenizer, <name>.spiece.model) and albert_tasks.h into `outDir`, built in
/// a staging folder and moved in at the end (StagedFolder.h).
llvm::Error emitLibrary(mlir::ModuleOp module, const LibraryOptions &opts,
                        const std::string &outDir);

} // namespace codegen
} // namespace albertc

#endif // ALBERTC_CODEGEN_LIBRARY_H
