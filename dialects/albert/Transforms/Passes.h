//===- Passes.h - albert dialect passes -------------------------*- C++ -*-===//
#ifndef ALBERT_TRANSFORMS_PASSES_H
#define ALBERT_TRANSFORMS_PASSES_H

#include "dialects/albert/IR/AlbertOps.h"
#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/Pass/Pass.h"

#include <memory>

namespace mlir {
namespace albert {

std::unique_ptr<OperationPass<ModuleOp>> createSelectOutputsPass();
std::unique_ptr<OperationPass<FuncOp>> createFoldSharedLayersPass();
std::unique_ptr<OperationPass<FuncOp>> createFuseEmbeddingProjectionPass();
std::unique_ptr<OperationPass<FuncOp>> createLowerToKernelsPass();
std::unique_ptr<OperationPass<FuncOp>> createFuseBiasActivationPass();
std::unique_ptr<OperationPass<FuncOp>> createFuseResidualLayerNormPass();

/// The attribute of @forward that names its results, in order.
constexpr llvm::StringLiteral kOutputNamesAttr = "albert.output_names";

#define GEN_PASS_REGISTRATION
#include "dialects/albert/Transforms/Passes.h.inc"

} // namespace albert
} // namespace mlir

#endif // ALBERT_TRANSFORMS_PASSES_H
