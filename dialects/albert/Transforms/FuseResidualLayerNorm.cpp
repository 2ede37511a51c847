//===- FuseResidualLayerNorm.cpp - albert-fuse-residual-layer-norm --------===//

#include "dialects/albert/Transforms/PassDetail.h"

using namespace mlir;
using namespace mlir::albert;

namespace {
struct FuseResidualLayerNormPass
    : public FuseResidualLayerNormBase<FuseResidualLayerNormPass> {
  void runOnOperation() override {
    // Collected first: the rewrite erases the matmul too, which the walk
    // may be about to visit (it follows the layer norm in an unreachable
    // block, where uses need not follow definitions).
    SmallVector<AddLayerNormOp> lns;
    getOperation().walk([&](AddLayerNormOp ln) { lns.push_back(ln); });
    for (AddLayerNormOp ln : lns) {
      auto mm = ln.input().getDefiningOp<MatmulOp>();
      if (!mm || mm.activation() != "none" || !mm.result().hasOneUse()) continue;
      OpBuilder b(ln);
      auto fused = b.create<MatmulAddLayerNormOp>(
          ln.getLoc(), ln.getType(), mm.input(), mm.weight(), mm.bias(),
          ln.residual(), ln.ln_weight(), ln.ln_bias(), ln.epsAttr());
      ln.replaceAllUsesWith(fused.result());
      ln.erase();
      mm.erase();
    }
  }
};
} // namespace

std::unique_ptr<OperationPass<FuncOp>> mlir::albert::createFuseResidualLayerNormPass() {
  return std::make_unique<FuseResidualLayerNormPass>();
}
