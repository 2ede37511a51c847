//===- AlbertDialect.h - the albert dialect ---------------------*- C++ -*-===//
#ifndef ALBERT_IR_ALBERTDIALECT_H
#define ALBERT_IR_ALBERTDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/albert/IR/AlbertOpsDialect.h.inc"

#endif // ALBERT_IR_ALBERTDIALECT_H
