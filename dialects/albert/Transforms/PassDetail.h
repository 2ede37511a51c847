//===- PassDetail.h - generated pass base classes ---------------*- C++ -*-===//
// Included by the pass implementations only.
#ifndef ALBERT_TRANSFORMS_PASSDETAIL_H
#define ALBERT_TRANSFORMS_PASSDETAIL_H

#include "dialects/albert/Transforms/Passes.h"

namespace mlir {
namespace albert {
#define GEN_PASS_CLASSES
#include "dialects/albert/Transforms/Passes.h.inc"
} // namespace albert
} // namespace mlir

#endif // ALBERT_TRANSFORMS_PASSDETAIL_H
