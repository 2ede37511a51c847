//===- LowerToKernels.cpp - albert-lower-to-kernels -----------------------===//
//
// Each model-level op becomes one albert.kernel: the operands become the
// kernel's inputs and block arguments, and the body spells the op out in
// kernel-level ops. The fusion passes run on these bodies afterwards.
//
//===----------------------------------------------------------------------===//

#include "dialects/albert/Transforms/PassDetail.h"

using namespace mlir;
using namespace mlir::albert;

namespace {
/// Creates `albert.kernel name(inputs)` before `op`, with a body built by
/// `buildBody(builder, loc, blockArgs) -> yielded value`, and replaces `op`.
template <typename BuildFn>
void replaceWithKernel(Operation *op, StringRef name, ValueRange inputs, BuildFn buildBody) {
  OpBuilder b(op);
  Location loc = op->getLoc();
  auto kernel = b.create<KernelOp>(loc, op->getResult(0).getType(),
                                   b.getStringAttr(name), inputs);
  SmallVector<Location> locs(inputs.size(), loc);
  Block *body = b.createBlock(&kernel.body(), {}, inputs.getTypes(), locs);
  Value out = buildBody(b, loc, body->getArguments());
  b.create<YieldOp>(loc, out);
  op->getResult(0).replaceAllUsesWith(kernel.result());
  op->erase();
}

RankedTensorType withLastDim(Type t, int64_t n) {
  auto rt = t.cast<RankedTensorType>();
  SmallVector<int64_t> s(rt.getShape().begin(), rt.getShape().end());
  s.back() = n;
  return RankedTensorType::get(s, rt.getElementType());
}

Value matmul(OpBuilder &b, Location loc, Value x, Value w, Value bias) {
  int64_t n = w.getType().cast<RankedTensorType>().getDimSize(0);
  return b.create<MatmulOp>(loc, withLastDim(x.getType(), n), x, w, bias,
                            b.getStringAttr("none"));
}

/// Concatenates weights, right before the op that holds `user` in the block
/// where all parts are defined (so out of an albert.repeat body when the
/// weights come from outside it), else right before `user`.
Value concatWeights(Operation *user, ValueRange parts) {
  Block *block = parts.front().getParentBlock();
  bool oneBlock = llvm::all_of(parts, [&](Value v) { return v.getParentBlock() == block; });
  Operation *anchor = oneBlock ? block->findAncestorOpInBlock(*user) : nullptr;
  OpBuilder b(anchor ? anchor : user);
  auto first = parts.front().getType().cast<RankedTensorType>();
  SmallVector<int64_t> shape(first.getShape().begin(), first.getShape().end());
  shape[0] = 0;
  for (Value v : parts) shape[0] += v.getType().cast<RankedTensorType>().getDimSize(0);
  return b.create<ConcatOp>(user->getLoc(),
                            RankedTensorType::get(shape, first.getElementType()), parts);
}

void lower(EncoderLayerOp op) {
  Value wqkv = concatWeights(op, {op.query_weight(), op.key_weight(), op.value_weight()});
  Value bqkv = concatWeights(op, {op.query_bias(), op.key_bias(), op.value_bias()});
  SmallVector<Value> in{op.hidden(), op.mask(), wqkv, bqkv,
                        op.dense_weight(), op.dense_bias(),
                        op.attention_ln_weight(), op.attention_ln_bias(),
                        op.ffn_weight(), op.ffn_bias(),
                        op.ffn_output_weight(), op.ffn_output_bias(),
                        op.ln_weight(), op.ln_bias()};
  int64_t heads = op.num_headsAttr().getInt();
  StringRef act = op.activation();
  FloatAttr eps = op.epsAttr();
  replaceWithKernel(op, "encoder_layer", in, [&](OpBuilder &b, Location loc,
                                                 Block::BlockArgListType a) {
    Type hType = a[0].getType();
    Value qkv = matmul(b, loc, a[0], a[2], a[3]);
    Value ctx = b.create<AttentionOp>(loc, hType, qkv, a[1], b.getI64IntegerAttr(heads));
    Value dense = matmul(b, loc, ctx, a[4], a[5]);
    Value attnOut = b.create<AddLayerNormOp>(loc, hType, dense, a[0], a[6], a[7], eps);
    Value ffn = matmul(b, loc, attnOut, a[8], a[9]);
    Value actOut = b.create<ActivationOp>(loc, ffn.getType(), ffn, b.getStringAttr(act));
    Value ffnOut = matmul(b, loc, actOut, a[10], a[11]);
    return b.create<AddLayerNormOp>(loc, hType, ffnOut, attnOut, a[12], a[13], eps)
        .getResult();
  });
}

void lower(PoolerOp op) {
  replaceWithKernel(op, "pooler", op->getOperands(), [&](OpBuilder &b, Location loc,
                                                          Block::BlockArgListType a) {
    Value cls = b.create<GatherClsOp>(loc, op.getType(), a[0]);
    Value y = matmul(b, loc, cls, a[1], a[2]);
    return b.create<ActivationOp>(loc, y.getType(), y, b.getStringAttr("tanh")).getResult();
  });
}

void lower(MlmHeadOp op) {
  StringRef act = op.activation();
  FloatAttr eps = op.epsAttr();
  replaceWithKernel(op, "mlm_head", op->getOperands(), [&](OpBuilder &b, Location loc,
                                                            Block::BlockArgListType a) {
    Value dense = matmul(b, loc, a[0], a[1], a[2]);
    Value y = b.create<ActivationOp>(loc, dense.getType(), dense, b.getStringAttr(act));
    Value n = b.create<LayerNormOp>(loc, y.getType(), y, a[3], a[4], eps);
    return matmul(b, loc, n, a[5], a[6]);
  });
}

void lower(LinearOp op) {
  replaceWithKernel(op, "linear", op->getOperands(), [&](OpBuilder &b, Location loc,
                                                          Block::BlockArgListType a) {
    return matmul(b, loc, a[0], a[1], a[2]);
  });
}

/// Embeddings are kernel-level already: wrap them as they are.
template <typename EmbeddingOp>
void lowerEmbedding(EmbeddingOp op) {
  replaceWithKernel(op, "embedding", op->getOperands(), [&](OpBuilder &b, Location loc,
                                                             Block::BlockArgListType a) {
    Operation *copy = b.clone(*op);
    copy->setOperands(a);
    return copy->getResult(0);
  });
}

struct LowerToKernelsPass : public LowerToKernelsBase<LowerToKernelsPass> {
  void runOnOperation() override {
    SmallVector<Operation *> todo;
    getOperation().walk([&](Operation *op) {
      if (isa<EncoderLayerOp, PoolerOp, MlmHeadOp, LinearOp, EmbeddingsOp,
              FusedEmbeddingOp>(op) &&
          !op->getParentOfType<KernelOp>())
        todo.push_back(op);
    });
    for (Operation *op : todo) {
      if (auto x = dyn_cast<EncoderLayerOp>(op)) lower(x);
      else if (auto x = dyn_cast<PoolerOp>(op)) lower(x);
      else if (auto x = dyn_cast<MlmHeadOp>(op)) lower(x);
      else if (auto x = dyn_cast<LinearOp>(op)) lower(x);
      else if (auto x = dyn_cast<EmbeddingsOp>(op)) lowerEmbedding(x);
      else if (auto x = dyn_cast<FusedEmbeddingOp>(op)) lowerEmbedding(x);
    }
  }
};
} // namespace

std::unique_ptr<OperationPass<FuncOp>> mlir::albert::createLowerToKernelsPass() {
  return std::make_unique<LowerToKernelsPass>();
}
