//===- KernelCompiler.h - albert.kernel -> Halide pipeline ------*- C++ -*-===//
#ifndef ALBERTC_CODEGEN_KERNELCOMPILER_H
#define ALBERTC_CODEGEN_KERNELCOMPILER_H

#include "codegen/Kernels.h"
#include "dialects/albert/IR/AlbertOps.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace albertc {
namespace codegen {

/// How a weight argument is laid out in the weights file for one kernel.
struct WeightLayout {
  enum Kind { Plain, MatmulPanels, PaddedBias } kind = Plain;
  MatmulLayout matmul; // for MatmulPanels and PaddedBias
  bool operator==(const WeightLayout &o) const {
    return kind == o.kind && (kind == Plain || (matmul.n == o.matmul.n &&
                                                matmul.k == o.matmul.k &&
                                                matmul.panel == o.matmul.panel));
  }
};

/// One argument of a compiled kernel, in order.
struct KernelArg {
  enum Kind { Activation, Ids, Weight } kind = Activation;
  WeightLayout layout; // for Weight
};

/// The work of one op of a kernel body, for a profiling build's report
/// (`albertc bench --ops`): the Halide Funcs made for the op are named
/// `prefix`, or `prefix` then '_' or '$' (the Funcs of op i: "op<i>_<op>"),
/// and one call does perRow x batch + perToken x tokens + perTokenSeq x
/// tokens x seq FLOPs (tokens = batch x seq; a multiply-add counts 2): a GEMM
/// 2 N K per row, attention perTokenSeq = 4 H (4 S H per token: scores and
/// context). Elementwise work, LayerNorms and the lookup count 0.
struct OpWork {
  std::string prefix, label;
  int64_t perRow = 0, perToken = 0, perTokenSeq = 0;
};

/// A Halide pipeline made from one albert.kernel body. Its C function takes
/// one halide_buffer_t* per argument, then `int32_t batch, int32_t seq`, then
/// the output buffer.
struct CompiledKernel {
  std::string function;
  /// Index (in the library's kernel list) of the variant the runtime calls
  /// up to fewRowsLimit token rows, or -1.
  int fewRows = -1;
  /// kFewRowsGpu or kFewRowsCpu, by the schedule.
  int fewRowsLimit = 0;
  /// KernelEnv::fewRowsChanges after building.
  int fewRowsChanges = 0;
  /// CPU: the output rows are wide enough (kStreamedRowBytes: of ALBERT's
  /// kernel outputs only the MLM logits are) for the object writer to make
  /// the vector stores to them non-temporal (ObjectWriter.cpp, streamOutputStores).
  bool streamOutput = false;
  std::vector<KernelArg> args;
  std::vector<OpWork> ops; // in body order
  Halide::Pipeline pipeline;
  std::vector<Halide::Argument> arguments;
};

/// The text two kernels share exactly when one pipeline serves both.
std::string kernelKey(mlir::albert::KernelOp op);

/// What a pipeline is built for, besides its kernel body and target.
struct KernelOptions {
  /// The GPU schedule on a CPU target (its loop nest on the host, for tests).
  bool gpuSchedule = false;
  /// The model's max_position_embeddings (KernelEnv::maxSeq).
  int maxSeq = 512;
  /// KernelEnv::fewRows: build the few-rows variant.
  bool fewRows = false;
};

/// Whether a kernel operand is a weight (a parameter, or a concatenation or
/// slice of parameters): packed at compile time, not an activation.
bool isWeight(mlir::Value outer);

/// Builds the Halide pipeline (algorithm and schedule) for `op`: the GPU
/// schedule for a GPU target or when `opts.gpuSchedule`, else the CPU one.
llvm::Expected<CompiledKernel> compileKernel(mlir::albert::KernelOp op,
                                             const Halide::Target &target,
                                             const std::string &function,
                                             const KernelOptions &opts);

} // namespace codegen
} // namespace albertc

#endif // ALBERTC_CODEGEN_KERNELCOMPILER_H
