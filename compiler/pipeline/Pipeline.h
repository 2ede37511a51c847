//===- Pipeline.h - albertc's phases as named pass pipelines ----*- C++ -*-===//
#ifndef ALBERTC_PIPELINE_PIPELINE_H
#define ALBERTC_PIPELINE_PIPELINE_H

#include "compiler/importer/Importer.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace albertc {

/// The outputs a task returns, in order; an error names the missing tensor
/// when the checkpoint cannot provide one.
llvm::Expected<std::vector<std::string>> outputsForTask(Task task, const ImportedModel &model);

/// import -> optimized: select the task's outputs, fold the shared layers,
/// fuse the embedding projection.
void addOptimizePasses(mlir::PassManager &pm, const std::vector<std::string> &outputs);
/// optimized -> kernels: one albert.kernel per model op, then the fusions,
/// then CSE.
void addKernelPasses(mlir::PassManager &pm);

} // namespace albertc

#endif // ALBERTC_PIPELINE_PIPELINE_H
