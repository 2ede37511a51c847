//===- AlbertOps.h - albert dialect operations ------------------*- C++ -*-===//
#ifndef ALBERT_IR_ALBERTOPS_H
#define ALBERT_IR_ALBERTOPS_H

#include "dialects/albert/IR/AlbertDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir {
namespace albert {
/// The activations a model may name (config hidden_act) and a matmul
/// epilogue may apply ("none" only for the latter).
bool isKnownActivation(llvm::StringRef name);
} // namespace albert
} // namespace mlir

#define GET_OP_CLASSES
#include "dialects/albert/IR/AlbertOps.h.inc"

#endif // ALBERT_IR_ALBERTOPS_H
