//===- Plan.h - what a library is made of ------------------------*- C++ -*-===//
//
// makePlan walks @forward of kernel-level albert IR: every distinct
// albert.kernel body becomes one Halide pipeline (KernelCompiler), every
// weight operand one tensor of the weights file in the layout its kernel
// reads (WeightPacker), every kernel result an activation buffer
// (albert.repeat results alternate between two), and the walk writes the C
// statements of forward() that call the kernels in order.
//
//===----------------------------------------------------------------------===//
#ifndef ALBERTC_CODEGEN_PLAN_H
#define ALBERTC_CODEGEN_PLAN_H

#include "codegen/KernelCompiler.h"
#include "codegen/Library.h"
#include "codegen/WeightPacker.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace albertc {
namespace codegen {

/// The plan of one library: kernels, weights, buffers and the C code that
/// calls them.
struct Plan {
  std::vector<CompiledKernel> kernels;
  WeightPacker weights;
  struct Buffer { bool perToken; int cols; };
  std::vector<Buffer> values;
  /// view: ALBERT_RT_VIEW_*, how the buffer is shown (squeezed, per choice).
  struct Output { std::string name; bool perToken; int cols; int view; std::string expr; };
  std::vector<Output> outputs;
  bool choices = false;            // inputs are [batch, choices, seq]
  std::string task;                // albert.task
  std::vector<std::string> labels; // a classifier's class names
  std::string forwardBody; // C statements of forward()
  int64_t vocab = 0, types = 0, positions = 0;
  int64_t maxTokenCols = 1; // the widest [batch, seq, C] tensor in any kernel
  /// albert_rt_model::chunk_rows: forward() runs each shared-layer loop per
  /// chunk of sequences of at most this many token rows (emitChunkedRepeat);
  /// 0: never (GPU schedules, models under H 256, whose chunks' short
  /// loops cost more than they gain).
  int64_t chunkRows = 0;
};

/// The plan of `module` (kernel-level albert IR) for `opts`.
llvm::Expected<Plan> makePlan(mlir::ModuleOp module, const LibraryOptions &opts);

/// A hash of what a weights file must match to be this library's: its name,
/// every packed tensor's layout and extents, and the kernels.
uint64_t fingerprintOf(const Plan &plan, const std::string &name);

} // namespace codegen
} // namespace albertc

#endif // ALBERTC_CODEGEN_PLAN_H
