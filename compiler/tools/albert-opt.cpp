//===- albert-opt.cpp - mlir-opt with the albert dialect and passes -------===//

#include "dialects/albert/IR/AlbertOps.h"
#include "dialects/albert/Transforms/Passes.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/Dialect.h"
#include "mlir/Support/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::albert::registerAlbertPasses();
  mlir::DialectRegistry registry;
  registry.insert<mlir::albert::AlbertDialect, mlir::StandardOpsDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "albert optimizer driver\n", registry));
}
