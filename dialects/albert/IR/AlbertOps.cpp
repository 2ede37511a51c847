//===- AlbertOps.cpp - albert dialect: registration and verifiers --------===//
//
// Every verifier checks shapes the way the math needs them, so that a wrong
// importer or a wrong rewrite is caught at the op that is wrong, with the
// operand named, rather than as a wrong number in the generated library.
//
//===----------------------------------------------------------------------===//

#include "dialects/albert/IR/AlbertOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::albert;

#include "dialects/albert/IR/AlbertOpsDialect.cpp.inc"

void AlbertDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/albert/IR/AlbertOps.cpp.inc"
      >();
}

bool mlir::albert::isKnownActivation(StringRef name) {
  return llvm::StringSwitch<bool>(name)
      .Cases("gelu_new", "gelu", "relu", "tanh", true)
      .Default(false);
}

//===----------------------------------------------------------------------===//
// Shape helpers
//===----------------------------------------------------------------------===//

namespace {
ArrayRef<int64_t> shapeOf(Value v) {
  return v.getType().cast<ShapedType>().getShape();
}

/// True when dimension sizes agree, a dynamic size agreeing with any.
bool sameDim(int64_t a, int64_t b) {
  return a == ShapedType::kDynamicSize || b == ShapedType::kDynamicSize || a == b;
}

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += shape[i] == ShapedType::kDynamicSize ? "?" : std::to_string(shape[i]);
  }
  return s + "]";
}

/// Checks that `v` has exactly the shape `want` (-1 = any size).
LogicalResult expectShape(Operation *op, Value v, StringRef what,
                          ArrayRef<int64_t> want) {
  ArrayRef<int64_t> got = shapeOf(v);
  bool ok = got.size() == want.size();
  for (size_t i = 0; ok && i < want.size(); ++i)
    ok = want[i] < 0 || sameDim(got[i], want[i]);
  if (ok) return success();
  std::string w = "[";
  for (size_t i = 0; i < want.size(); ++i)
    w += (i ? ", " : "") + (want[i] < 0 ? std::string("?") : std::to_string(want[i]));
  w += "]";
  return op->emitOpError() << what << " must have shape " << w << ", got "
                           << shapeString(got);
}

/// Checks an activation [batch, seq, C] or [batch, C] with C = `channels`.
LogicalResult expectActivation(Operation *op, Value v, StringRef what,
                               int64_t channels) {
  ArrayRef<int64_t> s = shapeOf(v);
  if (s.size() != 2 && s.size() != 3)
    return op->emitOpError() << what << " must be [batch, seq, C] or [batch, C], got "
                             << shapeString(s);
  if (channels >= 0 && !sameDim(s.back(), channels))
    return op->emitOpError() << what << " must have " << channels
                             << " channels, got " << shapeString(s);
  if (s.back() == ShapedType::kDynamicSize)
    return op->emitOpError() << what << " must have a static channel count";
  return success();
}

/// The shape of `input` with its last dimension replaced by `n`.
SmallVector<int64_t> withLastDim(Value input, int64_t n) {
  SmallVector<int64_t> s(shapeOf(input).begin(), shapeOf(input).end());
  s.back() = n;
  return s;
}

/// Checks that `result` has exactly the type the op computes from its inputs
/// (a result more specific than its inputs would make rewrites produce IR
/// whose types disagree).
LogicalResult expectResultType(Operation *op, Value result, ArrayRef<int64_t> shape) {
  Type want = RankedTensorType::get(shape, result.getType().cast<ShapedType>().getElementType());
  if (result.getType() == want) return success();
  return op->emitOpError() << "result must have type " << want << ", got " << result.getType();
}

LogicalResult verifyEps(Operation *op, double eps) {
  if (!(eps > 0.0) || eps > 1.0)
    return op->emitOpError() << "eps must be in (0, 1], got " << eps;
  return success();
}

LogicalResult verifyLayerNormParams(Operation *op, Value g, Value b, int64_t c) {
  if (failed(expectShape(op, g, "LayerNorm weight", {c})) ||
      failed(expectShape(op, b, "LayerNorm bias", {c})))
    return failure();
  return success();
}
} // namespace

/// Shared by albert.linear and albert.matmul: x [..., K] W[N, K] b[N] -> [..., N].
static LogicalResult verifyLinearShapes(Operation *op, Value x, Value w, Value b,
                                        Value result) {
  if (failed(expectActivation(op, x, "input", -1))) return failure();
  ArrayRef<int64_t> ws = shapeOf(w);
  if (ws.size() != 2 || ws[0] < 0 || ws[1] < 0)
    return op->emitOpError() << "weight must be a static [N, K] matrix, got "
                             << shapeString(ws);
  int64_t n = ws[0], k = ws[1];
  if (!sameDim(shapeOf(x).back(), k))
    return op->emitOpError() << "input has " << shapeOf(x).back()
                             << " channels but the weight expects K = " << k;
  if (failed(expectShape(op, b, "bias", {n}))) return failure();
  return expectResultType(op, result, withLastDim(x, n));
}

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

static LogicalResult verifyParam(ParamOp op) {
  auto t = op.type().dyn_cast<RankedTensorType>();
  if (!t || !t.hasStaticShape() || !t.getElementType().isF32())
    return op.emitOpError("type must be a statically shaped f32 tensor");
  StringRef d = op.dtype();
  if (d != "F32" && d != "F16" && d != "BF16")
    return op.emitOpError() << "dtype must be F32, F16 or BF16, got " << d;
  return success();
}

LogicalResult ParamRefOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto decl = symbolTable.lookupNearestSymbolFrom<ParamOp>(*this, paramAttr());
  if (!decl)
    return emitOpError() << "'" << param() << "' does not name an albert.param";
  if (decl.type() != getType())
    return emitOpError() << "type " << getType() << " differs from the param's "
                         << decl.type();
  return success();
}

static LogicalResult verifyConcat(ConcatOp op) {
  if (op.inputs().empty()) return op.emitOpError("needs at least one input");
  ArrayRef<int64_t> first = shapeOf(op.inputs().front());
  if (first.empty()) return op.emitOpError("inputs must have rank >= 1");
  int64_t rows = 0;
  for (Value v : op.inputs()) {
    ArrayRef<int64_t> s = shapeOf(v);
    if (s.size() != first.size() || !std::equal(s.begin() + 1, s.end(), first.begin() + 1))
      return op.emitOpError("inputs must agree in all but the first dimension");
    if (rows == ShapedType::kDynamicSize || s[0] < 0)
      rows = ShapedType::kDynamicSize;
    else if (__builtin_add_overflow(rows, s[0], &rows))
      return op.emitOpError("inputs have more than 2^63 rows in all");
  }
  SmallVector<int64_t> want(first.begin(), first.end());
  want[0] = rows;
  return expectResultType(op, op.result(), want);
}

//===----------------------------------------------------------------------===//
// Model level
//===----------------------------------------------------------------------===//

static LogicalResult verifyEmbeddingParts(Operation *op, Value ids, Value tt,
                                          Value word, Value pos, Value type,
                                          Value g, Value b, double eps,
                                          int64_t &e) {
  // Static sizes of the two id tensors must agree (a dynamic one matches).
  if (failed(expectShape(op, ids, "input_ids", {-1, -1})) ||
      failed(expectShape(op, tt, "token_type_ids", shapeOf(ids))))
    return failure();
  ArrayRef<int64_t> ws = shapeOf(word);
  if (ws.size() != 2) return op->emitOpError("word embeddings must be [vocab, E]");
  e = ws[1];
  if (failed(expectShape(op, pos, "position embeddings", {-1, e})) ||
      failed(expectShape(op, type, "token type embeddings", {-1, e})) ||
      failed(verifyLayerNormParams(op, g, b, e)))
    return failure();
  int64_t seq = shapeOf(ids)[1], positions = shapeOf(pos)[0];
  if (seq >= 0 && positions >= 0 && seq > positions)
    return op->emitOpError() << "sequence length " << seq << " exceeds the " << positions
                             << " position embeddings";
  return verifyEps(op, eps);
}

static LogicalResult verifyEmbeddings(EmbeddingsOp op) {
  int64_t e;
  if (failed(verifyEmbeddingParts(op, op.input_ids(), op.token_type_ids(), op.word(),
                                  op.position(), op.token_type(), op.ln_weight(),
                                  op.ln_bias(), op.eps().convertToDouble(), e)))
    return failure();
  return expectResultType(op, op.result(), {shapeOf(op.input_ids())[0], shapeOf(op.input_ids())[1], e});
}

static LogicalResult verifyFusedEmbedding(FusedEmbeddingOp op) {
  int64_t e;
  if (failed(verifyEmbeddingParts(op, op.input_ids(), op.token_type_ids(), op.word(),
                                  op.position(), op.token_type(), op.ln_weight(),
                                  op.ln_bias(), op.eps().convertToDouble(), e)))
    return failure();
  ArrayRef<int64_t> ps = shapeOf(op.proj_weight());
  if (ps.size() != 2 || ps[1] != e)
    return op.emitOpError() << "projection weight must be [H, " << e << "], got "
                            << shapeString(ps);
  if (failed(expectShape(op, op.proj_bias(), "projection bias", {ps[0]})))
    return failure();
  return expectResultType(op, op.result(),
                          {shapeOf(op.input_ids())[0], shapeOf(op.input_ids())[1], ps[0]});
}

static LogicalResult verifyEncoderLayer(EncoderLayerOp op) {
  if (failed(expectShape(op, op.hidden(), "hidden", {-1, -1, -1})) ||
      failed(expectActivation(op, op.hidden(), "hidden", -1)))
    return failure();
  int64_t h = shapeOf(op.hidden()).back();
  int64_t heads = op.num_headsAttr().getInt();
  if (heads <= 0 || h % heads != 0)
    return op.emitOpError() << "hidden size " << h << " is not divisible by num_heads "
                            << heads;
  if (!isKnownActivation(op.activation()) || op.activation() == "tanh")
    return op.emitOpError() << "unsupported activation '" << op.activation()
                            << "' (gelu_new, gelu, relu)";
  if (failed(expectShape(op, op.mask(), "mask", {-1, -1}))) return failure();
  int64_t f = shapeOf(op.ffn_weight()).size() == 2 ? shapeOf(op.ffn_weight())[0] : -1;
  struct { Value v; const char *name; SmallVector<int64_t, 2> shape; } checks[] = {
      {op.query_weight(), "query weight", {h, h}}, {op.query_bias(), "query bias", {h}},
      {op.key_weight(), "key weight", {h, h}},     {op.key_bias(), "key bias", {h}},
      {op.value_weight(), "value weight", {h, h}}, {op.value_bias(), "value bias", {h}},
      {op.dense_weight(), "dense weight", {h, h}}, {op.dense_bias(), "dense bias", {h}},
      {op.attention_ln_weight(), "attention LayerNorm weight", {h}},
      {op.attention_ln_bias(), "attention LayerNorm bias", {h}},
      {op.ffn_weight(), "ffn weight", {f, h}},     {op.ffn_bias(), "ffn bias", {f}},
      {op.ffn_output_weight(), "ffn_output weight", {h, f}},
      {op.ffn_output_bias(), "ffn_output bias", {h}},
      {op.ln_weight(), "full_layer LayerNorm weight", {h}},
      {op.ln_bias(), "full_layer LayerNorm bias", {h}}};
  if (f <= 0) return op.emitOpError("ffn weight must be a static [F, H] matrix");
  for (auto &c : checks)
    if (failed(expectShape(op, c.v, c.name, c.shape))) return failure();
  if (failed(verifyEps(op, op.eps().convertToDouble()))) return failure();
  return expectResultType(op, op.result(), shapeOf(op.hidden()));
}

static LogicalResult verifyPooler(PoolerOp op) {
  if (failed(expectShape(op, op.hidden(), "hidden", {-1, -1, -1})) ||
      failed(expectActivation(op, op.hidden(), "hidden", -1)))
    return failure();
  int64_t h = shapeOf(op.hidden()).back();
  if (failed(expectShape(op, op.weight(), "weight", {h, h})) ||
      failed(expectShape(op, op.bias(), "bias", {h})))
    return failure();
  return expectResultType(op, op.result(), {shapeOf(op.hidden())[0], h});
}

static LogicalResult verifyMlmHead(MlmHeadOp op) {
  if (failed(expectActivation(op, op.hidden(), "hidden", -1))) return failure();
  int64_t h = shapeOf(op.hidden()).back();
  ArrayRef<int64_t> ds = shapeOf(op.decoder_weight());
  if (ds.size() != 2) return op.emitOpError("decoder weight must be [vocab, E]");
  int64_t v = ds[0], e = ds[1];
  if (failed(expectShape(op, op.dense_weight(), "dense weight", {e, h})) ||
      failed(expectShape(op, op.dense_bias(), "dense bias", {e})) ||
      failed(verifyLayerNormParams(op, op.ln_weight(), op.ln_bias(), e)) ||
      failed(expectShape(op, op.decoder_bias(), "decoder bias", {v})))
    return failure();
  if (!isKnownActivation(op.activation()))
    return op.emitOpError() << "unsupported activation '" << op.activation() << "'";
  if (failed(verifyEps(op, op.eps().convertToDouble()))) return failure();
  return expectResultType(op, op.result(), withLastDim(op.hidden(), v));
}

static LogicalResult verifySlice(SliceOp op) {
  ArrayRef<int64_t> in = shapeOf(op.input()), out = shapeOf(op.result());
  int64_t start = op.startAttr().getInt();
  if (in.size() != out.size() || in.empty() || in.drop_front() != out.drop_front())
    return op.emitOpError() << "result must be rows of the input, got "
                            << shapeString(in) << " -> " << shapeString(out);
  int64_t end;
  bool overflow = __builtin_add_overflow(start, out[0], &end);
  if (start < 0 || out[0] < 1 || overflow || end > in[0])
    return op.emitOpError() << "rows [" << start << ", "
                            << (overflow ? std::string("past 2^63") : std::to_string(end))
                            << ") are outside the input's " << in[0] << " rows";
  return success();
}

static LogicalResult verifySqueeze(SqueezeOp op) {
  ArrayRef<int64_t> in = shapeOf(op.input());
  if (in.size() != 3 || in[2] != 1)
    return op.emitOpError() << "input must be [batch, seq, 1], got " << shapeString(in);
  return expectResultType(op, op.result(), {in[0], in[1]});
}

static LogicalResult verifyFlattenChoices(FlattenChoicesOp op) {
  ArrayRef<int64_t> in = shapeOf(op.input());
  if (in.size() != 3)
    return op.emitOpError() << "input must be [batch, choices, seq], got " << shapeString(in);
  int64_t rows = ShapedType::kDynamicSize;
  if (in[0] >= 0 && in[1] >= 0 && __builtin_mul_overflow(in[0], in[1], &rows))
    return op.emitOpError() << "batch x choices = " << in[0] << " x " << in[1]
                            << " overflows 64 bits";
  return expectResultType(op, op.result(), {rows, in[2]});
}

static LogicalResult verifyUnflattenChoices(UnflattenChoicesOp op) {
  ArrayRef<int64_t> in = shapeOf(op.input()), like = shapeOf(op.like());
  if (in.size() != 2 || in[1] != 1)
    return op.emitOpError() << "input must be [batch * choices, 1], got " << shapeString(in);
  if (like.size() != 3)
    return op.emitOpError() << "like must be [batch, choices, seq], got " << shapeString(like);
  int64_t rows;
  if (in[0] >= 0 && like[0] >= 0 && like[1] >= 0 &&
      (__builtin_mul_overflow(like[0], like[1], &rows) || rows != in[0]))
    return op.emitOpError() << "input has " << in[0] << " rows, like's batch x choices is "
                            << like[0] << " x " << like[1];
  return expectResultType(op, op.result(), {like[0], like[1]});
}

//===----------------------------------------------------------------------===//
// Structure
//===----------------------------------------------------------------------===//

static LogicalResult verifyRegionIO(Operation *op, Region &body, TypeRange args,
                                    Type result) {
  Block &block = body.front();
  if (block.empty() || !block.back().hasTrait<OpTrait::IsTerminator>())
    return op->emitOpError("body must end with albert.yield");
  if (block.getNumArguments() != args.size())
    return op->emitOpError() << "body takes " << block.getNumArguments()
                             << " arguments, expected " << args.size();
  for (auto it : llvm::enumerate(args))
    if (block.getArgument(it.index()).getType() != it.value())
      return op->emitOpError() << "body argument #" << it.index() << " has type "
                               << block.getArgument(it.index()).getType()
                               << ", expected " << it.value();
  auto yield = dyn_cast<YieldOp>(block.getTerminator());
  if (!yield) return op->emitOpError("body must end with albert.yield");
  // The parent is verified before the ops of its body: the yield's own
  // one-operand check has not run yet.
  if (yield->getNumOperands() != 1)
    return op->emitOpError() << "body must yield one value, yields "
                             << yield->getNumOperands();
  if (yield.value().getType() != result)
    return op->emitOpError() << "body yields " << yield.value().getType()
                             << ", expected " << result;
  return success();
}

static LogicalResult verifyRepeat(RepeatOp op) {
  if (op.countAttr().getInt() < 1)
    return op.emitOpError() << "count must be at least 1, got "
                            << op.countAttr().getInt();
  return verifyRegionIO(op, op.body(), TypeRange(op.init().getType()),
                        op.result().getType());
}

static LogicalResult verifyKernel(KernelOp op) {
  return verifyRegionIO(op, op.body(), op.inputs().getTypes(), op.result().getType());
}

//===----------------------------------------------------------------------===//
// Kernel level
//===----------------------------------------------------------------------===//

static LogicalResult verifyLinear(LinearOp op) {
  return verifyLinearShapes(op, op.input(), op.weight(), op.bias(), op.result());
}

static LogicalResult verifyMatmul(MatmulOp op) {
  if (op.activation() != "none" && !isKnownActivation(op.activation()))
    return op.emitOpError() << "unsupported activation '" << op.activation() << "'";
  return verifyLinearShapes(op, op.input(), op.weight(), op.bias(), op.result());
}

static LogicalResult verifyActivation(ActivationOp op) {
  if (!isKnownActivation(op.kind()))
    return op.emitOpError() << "unsupported activation '" << op.kind()
                            << "' (gelu_new, gelu, relu, tanh)";
  return success();
}

static LogicalResult verifyAddLayerNorm(AddLayerNormOp op) {
  if (failed(expectActivation(op, op.input(), "input", -1))) return failure();
  if (op.input().getType() != op.residual().getType())
    return op.emitOpError("input and residual must have the same type");
  int64_t c = shapeOf(op.input()).back();
  if (failed(verifyLayerNormParams(op, op.ln_weight(), op.ln_bias(), c)) ||
      failed(verifyEps(op, op.eps().convertToDouble())))
    return failure();
  return expectResultType(op, op.result(), shapeOf(op.input()));
}

static LogicalResult verifyLayerNorm(LayerNormOp op) {
  if (failed(expectActivation(op, op.input(), "input", -1))) return failure();
  int64_t c = shapeOf(op.input()).back();
  if (failed(verifyLayerNormParams(op, op.ln_weight(), op.ln_bias(), c)) ||
      failed(verifyEps(op, op.eps().convertToDouble())))
    return failure();
  return expectResultType(op, op.result(), shapeOf(op.input()));
}

static LogicalResult verifyMatmulAddLayerNorm(MatmulAddLayerNormOp op) {
  if (failed(verifyLinearShapes(op, op.input(), op.weight(), op.bias(), op.result())))
    return failure();
  if (op.residual().getType() != op.result().getType())
    return op.emitOpError("residual must have the result's type");
  int64_t c = shapeOf(op.result()).back();
  if (failed(verifyLayerNormParams(op, op.ln_weight(), op.ln_bias(), c)))
    return failure();
  return verifyEps(op, op.eps().convertToDouble());
}

static LogicalResult verifyAttention(AttentionOp op) {
  if (failed(expectShape(op, op.qkv(), "qkv", {-1, -1, -1}))) return failure();
  int64_t c3 = shapeOf(op.qkv()).back();
  int64_t heads = op.num_headsAttr().getInt();
  if (c3 < 0 || c3 % 3 != 0)
    return op.emitOpError() << "qkv must have 3 H channels, got " << c3;
  int64_t h = c3 / 3;
  if (heads <= 0 || h % heads != 0)
    return op.emitOpError() << "hidden size " << h << " is not divisible by num_heads "
                            << heads;
  ArrayRef<int64_t> qs = shapeOf(op.qkv());
  if (failed(expectShape(op, op.mask(), "mask", {qs[0], qs[1]}))) return failure();
  return expectResultType(op, op.result(), withLastDim(op.qkv(), h));
}

static LogicalResult verifyGatherCls(GatherClsOp op) {
  if (failed(expectShape(op, op.input(), "input", {-1, -1, -1}))) return failure();
  return expectResultType(op, op.result(), {shapeOf(op.input())[0], shapeOf(op.input()).back()});
}

#define GET_OP_CLASSES
#include "dialects/albert/IR/AlbertOps.cpp.inc"
