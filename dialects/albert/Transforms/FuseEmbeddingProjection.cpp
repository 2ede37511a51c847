//===- FuseEmbeddingProjection.cpp - albert-fuse-embedding-projection -----===//

#include "dialects/albert/Transforms/PassDetail.h"

using namespace mlir;
using namespace mlir::albert;

namespace {
struct FuseEmbeddingProjectionPass
    : public FuseEmbeddingProjectionBase<FuseEmbeddingProjectionPass> {
  void runOnOperation() override {
    SmallVector<EmbeddingsOp> candidates;
    getOperation().walk([&](EmbeddingsOp emb) { candidates.push_back(emb); });
    for (EmbeddingsOp emb : candidates) {
      if (!emb.result().hasOneUse()) continue;
      auto proj = dyn_cast<LinearOp>(*emb.result().getUsers().begin());
      if (!proj || proj.input() != emb.result()) continue;
      OpBuilder b(proj);
      auto fused = b.create<FusedEmbeddingOp>(
          proj.getLoc(), proj.getType(), emb.input_ids(), emb.token_type_ids(),
          emb.word(), emb.position(), emb.token_type(), emb.ln_weight(),
          emb.ln_bias(), proj.weight(), proj.bias(), emb.epsAttr());
      proj.replaceAllUsesWith(fused.result());
      proj.erase();
      emb.erase();
    }
  }
};
} // namespace

std::unique_ptr<OperationPass<FuncOp>> mlir::albert::createFuseEmbeddingProjectionPass() {
  return std::make_unique<FuseEmbeddingProjectionPass>();
}
