//===- KernelCompiler.cpp - albert.kernel -> Halide pipeline --------------===//
//
// Walks a kernel body in order and maps each SSA value to a Halide Func.
// Block arguments become ImageParams: activations (c, row), ids (s, b), and
// weights in the layout their use asks for (packed panels for a matmul
// weight and, on a CPU, for the word embeddings; a padded vector for a
// matmul's bias; plain otherwise).
//
//===----------------------------------------------------------------------===//

#include "codegen/KernelCompiler.h"

#include "mlir/IR/OperationSupport.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::albert;
using namespace Halide;

namespace albertc {
namespace codegen {

namespace {
llvm::Error fail(Operation *op, const llvm::Twine &msg) {
  std::string where;
  llvm::raw_string_ostream os(where);
  os << op->getName();
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "codegen: " + os.str() + ": " + msg);
}

int64_t lastDim(Value v) { return v.getType().cast<ShapedType>().getShape().back(); }

/// Records how each weight block argument is used; a weight used two ways in
/// one kernel would need two copies, which no lowering produces.
llvm::Error assignLayouts(KernelOp op, const Target &target, bool gpu,
                          std::vector<KernelArg> &args) {
  Block &body = op.body().front();
  args.assign(body.getNumArguments(), KernelArg());
  llvm::DenseMap<Value, WeightLayout> layouts;
  auto set = [&](Value v, WeightLayout l) -> llvm::Error {
    auto it = layouts.find(v);
    if (it != layouts.end() && !(it->second == l))
      return fail(op, "a weight is used with two different layouts in one kernel");
    layouts[v] = l;
    return llvm::Error::success();
  };
  auto panelsOf = [&](Value w) {
    auto ws = w.getType().cast<ShapedType>().getShape();
    return WeightLayout{WeightLayout::MatmulPanels,
                        MatmulLayout::choose(int(ws[0]), int(ws[1]), target, gpu)};
  };
  for (Operation &o : body.without_terminator()) {
    // On a CPU the word embeddings are stored as the panels of a [vocab, E]
    // matmul weight: the layout in which the MLM decoder, tied to them, reads
    // them in its kernel, so that the weights file holds one copy (the packer
    // merges equal (value, layout) pairs). The lookup reads a row through the
    // panels (tableRows). On a GPU the lookup keeps plain rows, which its
    // threads read coalesced along E.
    Value word;
    if (auto e = dyn_cast<EmbeddingsOp>(o)) word = e.word();
    else if (auto e = dyn_cast<FusedEmbeddingOp>(o)) word = e.word();
    if (word && !gpu)
      if (auto e = set(word, panelsOf(word))) return e;
    Value w, b;
    if (auto mm = dyn_cast<MatmulOp>(o)) w = mm.weight(), b = mm.bias();
    else if (auto mm = dyn_cast<MatmulAddLayerNormOp>(o)) w = mm.weight(), b = mm.bias();
    else if (auto fe = dyn_cast<FusedEmbeddingOp>(o)) w = fe.proj_weight(), b = fe.proj_bias();
    if (!w) continue;
    WeightLayout panels = panelsOf(w);
    WeightLayout bias{WeightLayout::PaddedBias, panels.matmul};
    if (auto e = set(w, panels)) return e;
    if (auto e = set(b, bias)) return e;
  }
  for (unsigned i = 0; i < body.getNumArguments(); ++i) {
    Value outer = op.inputs()[i];
    Value arg = body.getArgument(i);
    auto type = arg.getType().cast<ShapedType>();
    if (type.getElementType().isInteger(32)) {
      args[i].kind = KernelArg::Ids;
    } else if (isWeight(outer)) {
      args[i].kind = KernelArg::Weight;
      auto it = layouts.find(arg);
      if (it != layouts.end()) args[i].layout = it->second;
    } else {
      args[i].kind = KernelArg::Activation;
      if (type.getRank() < 2 || type.isDynamicDim(type.getRank() - 1))
        return fail(op, "activation argument #" + llvm::Twine(i) + " needs a static channel count");
    }
  }
  return llvm::Error::success();
}

/// The ImageParam for block argument `i`, with its shape constraints, so that
/// Halide checks every buffer the runtime passes and can assume dense rows.
ImageParam makeParam(Value arg, const KernelArg &spec, unsigned i) {
  auto type = arg.getType().cast<ShapedType>();
  std::string name = "arg" + std::to_string(i);
  switch (spec.kind) {
  case KernelArg::Ids: {
    ImageParam p(Int(32), 2, name);
    p.dim(0).set_min(0);
    p.dim(1).set_min(0).set_stride(p.dim(0).extent());
    return p;
  }
  case KernelArg::Activation: {
    ImageParam p(Float(32), 2, name);
    int c = int(type.getShape().back());
    p.dim(0).set_bounds(0, c);
    p.dim(1).set_min(0).set_stride(c);
    return p;
  }
  case KernelArg::Weight:
    break;
  }
  const MatmulLayout &l = spec.layout.matmul;
  if (spec.layout.kind == WeightLayout::MatmulPanels) {
    ImageParam p(Float(32), 3, name);
    p.dim(0).set_bounds(0, l.panel);
    p.dim(1).set_bounds(0, l.k).set_stride(l.panel);
    p.dim(2).set_bounds(0, l.paddedN() / l.panel).set_stride(l.panel * l.k);
    return p;
  }
  if (spec.layout.kind == WeightLayout::PaddedBias) {
    ImageParam p(Float(32), 1, name);
    p.dim(0).set_bounds(0, l.paddedN());
    return p;
  }
  // Plain: PyTorch's row-major [d0, d1, ...] is (d_last, ..., d0) in Halide.
  auto shape = type.getShape();
  int rank = int(shape.size());
  ImageParam p(Float(32), rank, name);
  int stride = 1;
  for (int d = 0; d < rank; ++d) {
    int extent = int(shape[rank - 1 - d]);
    p.dim(d).set_bounds(0, extent).set_stride(stride);
    stride *= extent;
  }
  return p;
}
/// A table argument as rows (c, row). A table stored as matmul panels
/// ([N / P][K][P]: the word embeddings on a CPU, see assignLayouts) is read
/// back through them: row v is lane v % P of panel v / P, its K values P
/// floats apart. The lookup gathers one such row per token (E loads 4P
/// bytes apart), so that the weights file and a library's memory hold one
/// copy of a table the MLM decoder also reads.
Func tableRows(Value arg, Func table, const std::vector<KernelArg> &args) {
  auto block = arg.dyn_cast<BlockArgument>();
  if (!block) return table;
  const KernelArg &spec = args[block.getArgNumber()];
  if (spec.layout.kind != WeightLayout::MatmulPanels) return table;
  const int P = spec.layout.matmul.panel;
  Var c("c"), v("v");
  Func rows(table.name() + "_rows");
  rows(c, v) = table(v % P, c, v / P);
  return rows;
}

/// The OpWork of `o`, whose Funcs are named `name` (and `name`_...).
OpWork opWork(Operation &o, const std::string &name) {
  OpWork w;
  w.prefix = name;
  w.label = o.getName().stripDialect().str();
  auto rank = [](Value v) { return v.getType().cast<ShapedType>().getRank(); };
  // x W^T with W [N, K]: 2 N K per row, a row being a token of a [B, S, K]
  // input or a sequence of a [B, K] one.
  auto gemm = [&](Value x, Value weight) {
    auto ws = weight.getType().cast<ShapedType>().getShape();
    (rank(x) == 3 ? w.perToken : w.perRow) += 2 * ws[0] * ws[1];
    w.label += " N=" + std::to_string(ws[0]) + " K=" + std::to_string(ws[1]);
  };
  if (auto mm = dyn_cast<MatmulOp>(o)) {
    gemm(mm.input(), mm.weight());
    if (mm.activation() != "none") w.label += " " + mm.activation().str();
  } else if (auto mm = dyn_cast<MatmulAddLayerNormOp>(o)) {
    gemm(mm.input(), mm.weight());
  } else if (auto fe = dyn_cast<FusedEmbeddingOp>(o)) {
    gemm(fe.result(), fe.proj_weight()); // each token's E -> H projection
  } else if (auto at = dyn_cast<AttentionOp>(o)) {
    w.perTokenSeq = 4 * lastDim(at.result());
    w.label += " " + std::to_string(at.num_headsAttr().getInt()) + " heads";
  }
  return w;
}

/// The embedding rows of an albert.embeddings or albert.fused_embedding.
template <typename Op, typename Lookup>
EmbeddingRows embeddingRowsOf(KernelEnv &env, Op e, Lookup F, const std::vector<KernelArg> &args,
                              const std::string &name) {
  auto dim = [](Value v, int d) { return int(v.getType().cast<ShapedType>().getDimSize(d)); };
  return embeddingRows(env, F(e.input_ids()), F(e.token_type_ids()),
                       tableRows(e.word(), F(e.word()), args),
                       F(e.position()), F(e.token_type()), F(e.ln_weight()), F(e.ln_bias()),
                       dim(e.word(), 0), dim(e.position(), 0), dim(e.token_type(), 0),
                       dim(e.word(), 1), float(e.eps().convertToDouble()), name);
}
} // namespace

bool isWeight(Value outer) {
  Operation *def = outer.getDefiningOp();
  return def && isa<ParamRefOp, ConcatOp, SliceOp>(def);
}

std::string kernelKey(KernelOp op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  op->print(os, OpPrintingFlags().useLocalScope().printGenericOpForm());
  return os.str();
}

llvm::Expected<CompiledKernel> compileKernel(KernelOp op, const Target &target,
                                             const std::string &function,
                                             const KernelOptions &opts) {
  CompiledKernel k;
  k.function = function;
  const bool gpu = opts.gpuSchedule || target.has_gpu_feature();
  if (auto e = assignLayouts(op, target, gpu, k.args)) return std::move(e);

  KernelEnv env;
  env.target = target;
  env.gpu = gpu;
  env.prefetchWeights = !gpu;
  env.maxSeq = opts.maxSeq;
  env.fewRows = opts.fewRows;
  Block &body = op.body().front();
  llvm::DenseMap<Value, Func> funcs;
  std::vector<ImageParam> params;
  for (unsigned i = 0; i < body.getNumArguments(); ++i) {
    params.push_back(makeParam(body.getArgument(i), k.args[i], i));
    funcs[body.getArgument(i)] = Func(params.back());
  }
  Value yielded = cast<YieldOp>(body.getTerminator()).value();

  int index = 0;
  for (Operation &o : body.without_terminator()) {
    std::string name = "op" + std::to_string(index++) + "_" +
                       o.getName().stripDialect().str();
    bool isOutput = o.getResult(0) == yielded;
    k.ops.push_back(opWork(o, name));
    auto F = [&](Value v) { return funcs.lookup(v); };
    Func result;
    if (auto mm = dyn_cast<MatmulOp>(o)) {
      auto ws = mm.weight().getType().cast<ShapedType>().getShape();
      MatmulEpilogue epi;
      epi.activation = mm.activation().str();
      result = matmul(env, F(mm.input()), MatmulLayout::choose(int(ws[0]), int(ws[1]), target, gpu),
                      F(mm.weight()), F(mm.bias()), epi, name, isOutput)
                   .out;
    } else if (auto mm = dyn_cast<MatmulAddLayerNormOp>(o)) {
      auto ws = mm.weight().getType().cast<ShapedType>().getShape();
      MatmulEpilogue epi;
      epi.residualLn = true;
      epi.residual = F(mm.residual());
      epi.gamma = F(mm.ln_weight());
      epi.beta = F(mm.ln_bias());
      epi.eps = float(mm.eps().convertToDouble());
      result = matmul(env, F(mm.input()), MatmulLayout::choose(int(ws[0]), int(ws[1]), target, gpu),
                      F(mm.weight()), F(mm.bias()), epi, name, isOutput)
                   .out;
    } else if (auto at = dyn_cast<AttentionOp>(o)) {
      result = attention(env, F(at.qkv()), F(at.mask()), int(lastDim(at.result())),
                         int(at.num_headsAttr().getInt()), name, isOutput);
    } else if (auto ln = dyn_cast<AddLayerNormOp>(o)) {
      result = layerNorm(env, F(ln.input()), F(ln.residual()), F(ln.ln_weight()),
                         F(ln.ln_bias()), int(lastDim(ln.result())),
                         float(ln.eps().convertToDouble()), name, isOutput);
    } else if (auto ln = dyn_cast<LayerNormOp>(o)) {
      result = layerNorm(env, F(ln.input()), Func(), F(ln.ln_weight()), F(ln.ln_bias()),
                         int(lastDim(ln.result())), float(ln.eps().convertToDouble()), name,
                         isOutput);
    } else if (auto act = dyn_cast<ActivationOp>(o)) {
      result = activation(env, F(act.input()), int(lastDim(act.result())), act.kind().str(),
                          name, isOutput);
    } else if (auto g = dyn_cast<GatherClsOp>(o)) {
      if (isOutput) return fail(&o, "gather_cls cannot be a kernel's output");
      result = gatherCls(env, F(g.input()), name);
    } else if (auto e = dyn_cast<EmbeddingsOp>(o)) {
      EmbeddingRows rows = embeddingRowsOf(env, e, F, k.args, name);
      rows.scheduleRows(env, int(lastDim(e.result())), isOutput);
      result = rows.out;
    } else if (auto e = dyn_cast<FusedEmbeddingOp>(o)) {
      auto ps = e.proj_weight().getType().cast<ShapedType>().getShape();
      EmbeddingRows rows = embeddingRowsOf(env, e, F, k.args, name + "_rows");
      // On the CPU the rows are made per row block of the projection; on the
      // GPU they are a kernel of their own.
      if (gpu) rows.scheduleRows(env, int(ps[1]), /*isOutput=*/false);
      MatmulResult mm =
          matmul(env, rows.out, MatmulLayout::choose(int(ps[0]), int(ps[1]), target, gpu),
                 F(e.proj_weight()), F(e.proj_bias()), MatmulEpilogue(), name, isOutput,
                 /*fuseInput=*/!gpu);
      if (!gpu) rows.computeAt(mm.rowBlock, env);
      result = mm.out;
    } else {
      return fail(&o, "no Halide lowering for this op (is it kernel-level?)");
    }
    funcs[o.getResult(0)] = result;
  }

  Func out = funcs.lookup(yielded);
  if (!out.defined()) return fail(op, "the kernel yields one of its arguments");
  int c = int(lastDim(yielded));
  OutputImageParam ob = out.output_buffer();
  ob.dim(0).set_bounds(0, c);
  ob.dim(1).set_min(0).set_stride(c);
  // Row counts are padded to whole row blocks: by the runtime, and by a
  // chunked loop's views (Plan.cpp, emitChunkedRepeat).
  ob.dim(1).set_extent((ob.dim(1).extent() / kRowBlock) * kRowBlock);
  if (!gpu) {
    // The runtime's buffers start on 64-byte lines (one aligned arena).
    ob.set_host_alignment(64);
    // Only rows of whole 32-byte half lines: LLVM splits the non-temporal
    // stores it cannot prove aligned into narrower ones, down to scalar
    // movnti; at c % 16 == 8 (V = 21128, the Chinese ALBERTs) every other
    // row starts mid-line and its zmm stores become two ymm movntps.
    k.streamOutput = int64_t(c) * 4 >= kStreamedRowBytes && c % 8 == 0;
  }

  for (ImageParam &p : params) k.arguments.push_back(p);
  k.arguments.push_back(env.batch);
  k.arguments.push_back(env.seq);
  k.pipeline = Pipeline(out);
  k.fewRowsChanges = env.fewRowsChanges;
  k.fewRowsLimit = gpu ? kFewRowsGpu : kFewRowsCpu;
  return std::move(k);
}

} // namespace codegen
} // namespace albertc
