//===- FoldSharedLayers.cpp - albert-fold-shared-layers -------------------===//
//
// Layers are compared by their weights: two albert.encoder_layer ops apply the
// same layer when every weight operand is the same SSA value (the importer
// makes one albert.param_ref per weight) and their attributes agree. Along a
// chain of layers (each feeding the next) we cover the chain greedily from the
// front with the repeat that covers the most layers: a body of P layers run r
// times. Runs that do not repeat (r = 1) are left as they are.
//
//===----------------------------------------------------------------------===//

#include "dialects/albert/Transforms/PassDetail.h"

#include "mlir/IR/BlockAndValueMapping.h"

using namespace mlir;
using namespace mlir::albert;

namespace {
/// True when `a` and `b` apply the same weights in the same way.
bool sameLayer(EncoderLayerOp a, EncoderLayerOp b) {
  return a.mask() == b.mask() && llvm::equal(a.weights(), b.weights()) &&
         a->getAttrDictionary() == b->getAttrDictionary() &&
         a.getType() == b.getType();
}

/// Splits the layers of `block` into chains: each layer's only user is the
/// next layer's hidden input.
SmallVector<SmallVector<EncoderLayerOp>> findChains(Block &block) {
  SmallVector<SmallVector<EncoderLayerOp>> chains;
  llvm::DenseSet<Operation *> seen;
  for (auto layer : block.getOps<EncoderLayerOp>()) {
    if (seen.count(layer)) continue;
    SmallVector<EncoderLayerOp> chain{layer};
    seen.insert(layer);
    while (chain.back().result().hasOneUse()) {
      auto next = dyn_cast<EncoderLayerOp>(*chain.back().result().getUsers().begin());
      // `seen`: a layer that feeds itself (a cycle, possible in an
      // unreachable block, where uses need not follow definitions).
      if (!next || seen.count(next) || next.hidden() != chain.back().result() ||
          next->getBlock() != &block)
        break;
      chain.push_back(next);
      seen.insert(next);
    }
    chains.push_back(std::move(chain));
  }
  return chains;
}

/// Replaces chain[begin, begin + period * count) by one albert.repeat.
void foldRun(ArrayRef<EncoderLayerOp> chain, size_t begin, size_t period, size_t count) {
  EncoderLayerOp first = chain[begin];
  EncoderLayerOp last = chain[begin + period * count - 1];
  // Placed where the run ends: every weight of the run is defined by then.
  OpBuilder b(last);
  Type type = first.hidden().getType();
  auto repeat = b.create<RepeatOp>(first.getLoc(), type, b.getI64IntegerAttr(count),
                                   first.hidden());
  Block *body = b.createBlock(&repeat.body(), {}, {type}, {first.getLoc()});
  BlockAndValueMapping map;
  map.map(first.hidden(), body->getArgument(0));
  Value h = body->getArgument(0);
  for (size_t i = 0; i < period; ++i) {
    EncoderLayerOp layer = chain[begin + i];
    Operation *copy = b.clone(*layer.getOperation(), map);
    h = copy->getResult(0);
  }
  b.create<YieldOp>(first.getLoc(), h);
  last.result().replaceAllUsesWith(repeat.result());
  for (size_t i = begin + period * count; i-- > begin;) {
    EncoderLayerOp dead = chain[i];
    dead.erase();
  }
}

struct FoldSharedLayersPass : public FoldSharedLayersBase<FoldSharedLayersPass> {
  void runOnOperation() override {
    for (Block &block : getOperation().getBody()) {
      for (SmallVector<EncoderLayerOp> &chain : findChains(block)) {
        // Plan first, rewrite after: folding erases ops of `chain`.
        struct Run { size_t begin, period, count; };
        SmallVector<Run> runs;
        size_t n = chain.size();
        for (size_t i = 0; i < n;) {
          Run best{i, 1, 1};
          for (size_t p = 1; i + 2 * p <= n; ++p) {
            size_t r = 1;
            auto matches = [&](size_t rep) {
              for (size_t j = 0; j < p; ++j)
                if (!sameLayer(chain[i + j], chain[i + rep * p + j])) return false;
              return true;
            };
            while (i + (r + 1) * p <= n && matches(r)) ++r;
            if (r >= 2 && r * p > best.period * best.count) best = {i, p, r};
          }
          if (best.count >= 2) runs.push_back(best);
          i += best.period * best.count;
        }
        for (auto it = runs.rbegin(); it != runs.rend(); ++it)
          foldRun(chain, it->begin, it->period, it->count);
      }
    }
  }
};
} // namespace

std::unique_ptr<OperationPass<FuncOp>> mlir::albert::createFoldSharedLayersPass() {
  return std::make_unique<FoldSharedLayersPass>();
}
