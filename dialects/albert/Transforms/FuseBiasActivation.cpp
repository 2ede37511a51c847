//===- FuseBiasActivation.cpp - albert-fuse-bias-activation ---------------===//

#include "dialects/albert/Transforms/PassDetail.h"

using namespace mlir;
using namespace mlir::albert;

namespace {
struct FuseBiasActivationPass : public FuseBiasActivationBase<FuseBiasActivationPass> {
  void runOnOperation() override {
    getOperation().walk([](ActivationOp act) {
      auto mm = act.input().getDefiningOp<MatmulOp>();
      if (!mm || mm.activation() != "none" || !mm.result().hasOneUse()) return;
      mm.activationAttr(StringAttr::get(act.getContext(), act.kind()));
      act.replaceAllUsesWith(mm.result());
      act.erase();
    });
  }
};
} // namespace

std::unique_ptr<OperationPass<FuncOp>> mlir::albert::createFuseBiasActivationPass() {
  return std::make_unique<FuseBiasActivationPass>();
}
