//===- Plan.cpp - what a library is made of --------------------------------===//

#include "codegen/Plan.h"

#include "codegen/Error.h"
#include "codegen/KernelCompiler.h"
#include "codegen/Kernels.h"
#include "albert/albert_runtime.h"
#include "dialects/albert/IR/AlbertOps.h"
#include "dialects/albert/Transforms/Passes.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "llvm/ADT/DenseMap.h"

#include <map>
#include <numeric>
#include <sstream>

using namespace mlir;
using namespace mlir::albert;

namespace albertc {
namespace codegen {

namespace {
uint64_t fnv(const std::string &s, uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

class Planner {
public:
  Planner(const LibraryOptions &opts, Plan &plan) : opts(opts), plan(plan) {}

  llvm::Error run(ModuleOp module) {
    auto func = module.lookupSymbol<FuncOp>("forward");
    if (!func) return err("codegen: the module has no @forward function");
    auto cfg = module->getAttrOfType<DictionaryAttr>("albert.config");
    if (!cfg) return err("codegen: the module has no albert.config attribute");
    auto get = [&](StringRef k) -> int64_t {
      auto a = cfg.getAs<IntegerAttr>(k);
      return a ? a.getInt() : 0;
    };
    plan.vocab = get("vocab_size");
    if (auto t = module->getAttrOfType<StringAttr>("albert.task")) plan.task = t.getValue().str();
    if (auto labels = module->getAttrOfType<ArrayAttr>("albert.labels"))
      for (Attribute a : labels)
        if (auto l = a.dyn_cast<StringAttr>()) plan.labels.push_back(l.getValue().str());
    plan.types = get("type_vocab_size");
    plan.positions = get("max_position_embeddings");
    // CPU: batches run in chunks of up to kFewRowsCpu token rows, whose
    // activations (ALBERT-base: 128 x 3072 floats for the FFN, 1.5 MiB) stay
    // in L2 through a layer, and whose encoder takes its few-rows pipeline.
    // Measured on an AMX Xeon (2 MiB L2), ALBERT-base, albertc bench, 3
    // alternating rounds: 8 x 128 on 1 thread 1336-1375 -> 1235-1259 ms (8
    // runs of 1 x 128), 2 threads 695-713 -> 652-689; 8 x 32 in chunks of
    // 4 x 32 324-333 -> 312-329 / 160-161 -> 157-158; sequences longer than
    // 128 (2 x 256, 4 x 512, one sequence per chunk) within 3% either way, so
    // not chunked. Small models gain less on 1 thread and lose on 2, where
    // a chunk's short loops cost their threads' wake-ups (H 128, 6 layers,
    // 2 threads: 8 x 128 19.4-20.6 -> 21.2-21.3 ms, 32 x 32 18.8-19.3 ->
    // 19.8-20.0; 1 thread 8 x 128 36.4-37.1 -> 35.1-35.2); from H 256 they
    // gain on both (H 256: 8 x 128 on 2 threads 49.8-53.1 -> 49.6-50.6,
    // 32 x 32 48.4-50.5 -> 48.0-49.8, 1 thread 8 x 128 95.0-100.6 ->
    // 88.9-92.4; H 312, 4 layers: 1 thread 126-135 -> 119-123, 2 threads
    // 62.2-63.3 -> 60.2-62.2): chunks where a chunk's H x H GEMM is at
    // least 8 x kSerialWork multiply-adds (H >= 256).
    const bool gpu = opts.gpuScheduleOnHost || opts.target.has_gpu_feature();
    const int64_t hidden = get("hidden_size");
    if (!gpu && kFewRowsCpu * hidden * hidden >= 8 * kSerialWork) plan.chunkRows = kFewRowsCpu;
    // The widest per-token tensor any kernel makes bounds batch x seq at run time.
    func.walk([&](KernelOp k) {
      k.walk([&](Operation *inner) {
        for (Value v : inner->getResults())
          if (auto t = v.getType().dyn_cast<RankedTensorType>())
            if (t.getRank() == 3 && !t.isDynamicDim(2))
              plan.maxTokenCols = std::max(plan.maxTokenCols, t.getDimSize(2));
      });
    });
    Block &entry = func.getBody().front();
    plan.choices = entry.getArgument(0).getType().cast<ShapedType>().getRank() == 3;
    exprs[entry.getArgument(0)] = "&x->ids";
    exprs[entry.getArgument(1)] = "&x->mask";
    exprs[entry.getArgument(2)] = "&x->tt";
    if (auto e = emitBlock(entry, 1, nullptr)) return e;
    auto names = func->getAttrOfType<ArrayAttr>(kOutputNamesAttr);
    auto ret = cast<ReturnOp>(entry.getTerminator());
    if (!names || names.size() != ret.getNumOperands())
      return err("codegen: @forward's albert.output_names does not match its results");
    if (ret.getNumOperands() > ALBERT_RT_MAX_OUTPUTS)
      return err("codegen: too many outputs");
    for (unsigned i = 0; i < ret.getNumOperands(); ++i) {
      Value v = ret.getOperand(i);
      if (!exprs.count(v)) return err("codegen: output is not computed by a kernel");
      // The buffer is the kernel's result under any view.
      int view = ALBERT_RT_VIEW_NONE;
      Value buffer = v;
      if (auto sq = v.getDefiningOp<SqueezeOp>()) {
        view = ALBERT_RT_VIEW_SQUEEZE;
        buffer = sq.input();
      } else if (auto un = v.getDefiningOp<UnflattenChoicesOp>()) {
        view = ALBERT_RT_VIEW_CHOICES;
        buffer = un.input();
      }
      auto t = buffer.getType().cast<ShapedType>();
      plan.outputs.push_back({names[i].cast<StringAttr>().getValue().str(), t.getRank() == 3,
                              int(t.getShape().back()), view, exprs[v]});
    }
    return llvm::Error::success();
  }

private:
  int newValue(Value v) {
    auto t = v.getType().cast<ShapedType>();
    plan.values.push_back({t.getRank() == 3, int(t.getShape().back())});
    return int(plan.values.size() - 1);
  }

  llvm::Expected<int> kernelFor(KernelOp op) {
    std::string key = kernelKey(op);
    auto it = kernelIndex.find(key);
    if (it != kernelIndex.end()) return it->second;
    std::string fn = opts.name + "_k" + std::to_string(kernelIndex.size()) + "_" + op.name().str();
    KernelOptions ko;
    ko.gpuSchedule = opts.gpuScheduleOnHost;
    ko.maxSeq = int(plan.positions);
    auto k = compileKernel(op, opts.target, fn, ko);
    if (!k) return k.takeError();
    if (k->fewRowsChanges > 0) {
      // A second pipeline for up to kFewRowsGpu / kFewRowsCpu token rows
      // (Kernels.h): more partial sums (GPU), wide panels K-blocked (CPU).
      ko.fewRows = true;
      auto few = compileKernel(op, opts.target, fn + "_few_rows", ko);
      if (!few) return few.takeError();
      plan.kernels.push_back(std::move(*few));
      k->fewRows = int(plan.kernels.size() - 1);
    }
    plan.kernels.push_back(std::move(*k));
    kernelIndex[key] = int(plan.kernels.size() - 1);
    return int(plan.kernels.size() - 1);
  }

  /// A loop body emitted for one chunk of sequences (emitChunkedRepeat):
  /// `count` sequences from sequence `first` (C variables), every buffer the
  /// body's kernels read or write as a view (albert_rt_rows_view) of the
  /// chunk's rows, in the views array `views`.
  struct Chunk {
    std::string first, count, views;
    int used = 0;

    /// The loop's iteration variable: the view of the value the body yields
    /// alternates between two slots, since the next iteration reads it while
    /// it writes the other one.
    std::string iteration;

    /// `expr` (a halide_buffer_t *) from the chunk's first row: per token
    /// (rows x the sequence), per sequence, or the inputs' [batch][seq].
    std::string view(const std::string &expr, bool perToken, bool input = false,
                     bool yielded = false) {
      std::string row = perToken ? first + " * x->seq" : first;
      std::string rows = perToken ? count + " * x->seq" : count;
      if (!input) rows = "(" + rows + " + " + std::to_string(kRowBlock - 1) + ") / " +
                         std::to_string(kRowBlock) + " * " + std::to_string(kRowBlock);
      std::string slot = std::to_string(used);
      if (yielded) {
        slot += " + (" + iteration + " & 1)";
        ++used;
      }
      ++used;
      return "albert_rt_rows_view(" + expr + ", " + row + ", " + rows + ", &" + views + "[" +
             slot + "])";
    }
    /// A kernel input's buffer `expr` inside the body `block`: the loop's
    /// carried value and the body's own results are views already.
    std::string viewOf(Value v, const std::string &expr, Block &block) {
      if (v.getParentBlock() == &block) return expr;
      bool input = isTokenInput(v);
      return view(expr, !input, input);
    }
  };

  /// Whether `v` is one of the token inputs (ids, mask, token types: int32
  /// [batch, seq], or [batch x choices, seq] flattened), whose buffers have
  /// exactly a row per sequence.
  static bool isTokenInput(Value v) {
    return v.getType().cast<ShapedType>().getElementType().isInteger(32);
  }

  /// The token rows whose multiples `r`'s chunks start at, so that the
  /// views of the per-token values (cols wide) start on 64-byte lines (the
  /// token inputs' views need not: no kernel asks their alignment); 0 where
  /// its body cannot run per chunk of sequences. It can where every kernel
  /// in it makes per-token values, and reads only those, the token inputs
  /// and weights (a per-sequence value's rows, a row per sequence, would not
  /// start on 64-byte lines), and it yields one of its kernels' results (the
  /// buffers the chunks write).
  static int64_t chunkUnit(RepeatOp r) {
    Block &body = r.body().front();
    int64_t unit = 1;
    auto needs = [&](Value v) {
      int64_t c = v.getType().cast<ShapedType>().getShape().back();
      unit = std::max(unit, int64_t(16) / std::gcd(c, int64_t(16)));
    };
    needs(r.result());
    for (Operation &o : body.without_terminator()) {
      if (isa<ParamRefOp, ConcatOp, SliceOp>(o)) continue;
      auto k = dyn_cast<KernelOp>(o);
      if (!k || k.result().getType().cast<ShapedType>().getRank() != 3) return 0;
      needs(k.result());
      for (Value in : k.inputs()) {
        if (in.getParentBlock() == &body || isTokenInput(in) || isWeight(in)) continue;
        if (in.getType().cast<ShapedType>().getRank() != 3) return 0;
        needs(in);
      }
    }
    auto k = cast<YieldOp>(body.getTerminator()).value().getDefiningOp<KernelOp>();
    return k && k->getBlock() == &body ? unit : 0;
  }

  /// An albert.repeat run chunk by chunk: per chunk of
  /// albert_rt_chunk_sequences sequences (at most plan.chunkRows token rows)
  /// all of its iterations, on views of the chunk's rows; afterwards the
  /// whole batch's result is the buffer the last iteration wrote. Chunks
  /// start at multiples of `unit` token rows (chunkUnit).
  llvm::Error emitChunkedRepeat(RepeatOp r, int depth, int64_t unit) {
    std::string pad(2 * depth, ' ');
    std::string var = "v" + std::to_string(nextVar++);
    int a = newValue(r.result()), b = newValue(r.result());
    Block &bodyBlock = r.body().front();
    std::string it = "i" + var, carried = "c" + var;
    Chunk c{"b" + var, "n" + var, "w" + var};
    c.iteration = it;
    std::string target = "&x->values[(" + it + " & 1) ? " + std::to_string(b) + " : " +
                         std::to_string(a) + "]";
    // The body first, into its own stream: its view count sizes the array.
    std::string before = body.str();
    body.str("");
    exprs[bodyBlock.getArgument(0)] = carried;
    chunk = &c;
    llvm::Error e = emitBlock(bodyBlock, depth + 3, &target);
    chunk = nullptr;
    if (e) return e;
    std::string inner = body.str();
    body.str("");
    body << before;
    Value y = cast<YieldOp>(bodyBlock.getTerminator()).value();
    std::ostringstream &os = body;
    int64_t count = r.countAttr().getInt();
    std::string initView = c.view(exprs[r.init()], /*perToken=*/true);
    os << pad << "halide_buffer_t *" << var << " = " << exprs[r.init()] << ";\n"
       << pad << "{\n"
       << pad << "  const int64_t p" << var << " = albert_rt_chunk_sequences(x->batch, x->seq, "
       << plan.chunkRows << ", " << unit << ");\n"
       << pad << "  for (int64_t " << c.first << " = 0; " << c.first << " < x->batch; " << c.first
       << " += p" << var << ") {\n"
       << pad << "    const int64_t " << c.count << " = x->batch - " << c.first << " < p" << var
       << " ? x->batch - " << c.first << " : p" << var << ";\n"
       << pad << "    albert_rt_view " << c.views << "[" << c.used << "];\n"
       << pad << "    halide_buffer_t *" << carried << " = " << initView << ";\n"
       << pad << "    for (int " << it << " = 0; " << it << " < " << count << "; ++" << it
       << ") {\n"
       << inner << pad << "      " << carried << " = " << exprs[y] << ";\n"
       << pad << "    }\n"
       << pad << "  }\n"
       << pad << "  " << var << " = &x->values[" << ((count - 1) & 1 ? b : a) << "];\n"
       << pad << "}\n";
    exprs[r.result()] = var;
    return llvm::Error::success();
  }

  /// Appends the C code for `block`. `yieldTarget`, inside an albert.repeat,
  /// is the C expression the yielded value must be written to.
  llvm::Error emitBlock(Block &block, int depth, const std::string *yieldTarget) {
    std::string pad(2 * depth, ' ');
    std::ostringstream &os = body;
    Value yielded;
    if (auto y = dyn_cast<YieldOp>(block.getTerminator())) yielded = y.value();
    for (Operation &o : block.without_terminator()) {
      if (isa<ParamRefOp, ConcatOp, SliceOp>(o)) continue; // weights: packed at compile time
      // Views share their operand's buffer.
      if (isa<SqueezeOp, FlattenChoicesOp, UnflattenChoicesOp>(o)) {
        if (!exprs.count(o.getOperand(0))) return err("codegen: a view's input has no buffer");
        exprs[o.getResult(0)] = exprs[o.getOperand(0)];
        continue;
      }
      if (auto k = dyn_cast<KernelOp>(o)) {
        auto index = kernelFor(k);
        if (!index) return index.takeError();
        const CompiledKernel &ck = plan.kernels[*index];
        const std::string batch = chunk ? "(int32_t)" + chunk->count : "x->batch";
        std::string call = ck.function + "(", called = std::to_string(*index);
        if (ck.fewRows >= 0) {
          std::string few = "(int64_t)" + batch + " * x->seq <= " + std::to_string(ck.fewRowsLimit);
          call = "((" + few + ") ? " + plan.kernels[ck.fewRows].function + " : " + ck.function +
                 ")(";
          called = "(" + few + ") ? " + std::to_string(ck.fewRows) + " : " + called;
        }
        // Profiling builds count each kernel's sequences (`albertc bench --ops`:
        // a chunked loop's calls each run some of the batch).
        if (opts.target.has_feature(Halide::Target::Profile))
          os << pad << "profile_count(" << called << ", " << batch << ");\n";
        for (unsigned i = 0; i < k.inputs().size(); ++i) {
          Value in = k.inputs()[i];
          if (ck.args[i].kind == KernelArg::Weight) {
            call += "&x->weights[" + std::to_string(plan.weights.add(in, ck.args[i].layout)) + "], ";
          } else {
            if (!exprs.count(in)) return err("codegen: a kernel input has no buffer");
            call += (chunk ? chunk->viewOf(in, exprs[in], block) : exprs[in]) + ", ";
          }
        }
        std::string out;
        if (yieldTarget && k.result() == yielded) {
          out = *yieldTarget;
        } else {
          out = "&x->values[" + std::to_string(newValue(k.result())) + "]";
        }
        if (chunk)
          out = chunk->view(out, /*perToken=*/true, /*input=*/false,
                            /*yielded=*/yieldTarget && k.result() == yielded);
        std::string var = "v" + std::to_string(nextVar++);
        os << pad << "halide_buffer_t *" << var << " = " << out << ";\n";
        os << pad << "if ((err = " << call << batch << ", x->seq, " << var << "))) return err;\n";
        exprs[k.result()] = var;
        continue;
      }
      if (auto r = dyn_cast<RepeatOp>(o)) {
        if (!exprs.count(r.init())) return err("codegen: albert.repeat's input has no buffer");
        if (int64_t unit = !chunk && plan.chunkRows > 0 ? chunkUnit(r) : 0) {
          if (auto e = emitChunkedRepeat(r, depth, unit)) return e;
          continue;
        }
        std::string var = "v" + std::to_string(nextVar++);
        std::string it = "i" + var;
        int a = newValue(r.result()), b = newValue(r.result());
        os << pad << "halide_buffer_t *" << var << " = " << exprs[r.init()] << ";\n";
        os << pad << "for (int " << it << " = 0; " << it << " < " << r.countAttr().getInt()
           << "; ++" << it << ") {\n";
        exprs[r.body().front().getArgument(0)] = var;
        std::string target = "&x->values[(" + it + " & 1) ? " + std::to_string(b) + " : " +
                             std::to_string(a) + "]";
        if (auto e = emitBlock(r.body().front(), depth + 1, &target)) return e;
        Value y = cast<YieldOp>(r.body().front().getTerminator()).value();
        os << pad << "  " << var << " = " << exprs[y] << ";\n";
        os << pad << "}\n";
        exprs[r.result()] = var;
        continue;
      }
      std::string s;
      llvm::raw_string_ostream so(s);
      so << o.getName();
      return err("codegen: '" + so.str() +
                 "' is not kernel-level; run the kernel pipeline (--emit=kernels) first");
    }
    return llvm::Error::success();
  }

public:
  std::ostringstream body;

private:
  const LibraryOptions &opts;
  Plan &plan;
  std::map<std::string, int> kernelIndex;
  llvm::DenseMap<Value, std::string> exprs;
  int nextVar = 0;
  Chunk *chunk = nullptr; // while emitting a chunked loop's body
};
} // namespace

llvm::Expected<Plan> makePlan(ModuleOp module, const LibraryOptions &opts) {
  Plan plan;
  Planner planner(opts, plan);
  try {
    if (auto e = planner.run(module)) return std::move(e);
  } catch (const Halide::Error &e) {
    return halideError(e.what());
  }
  plan.forwardBody = planner.body.str();
  plan.weights.layoutFile();
  return std::move(plan);
}

uint64_t fingerprintOf(const Plan &plan, const std::string &name) {
  std::ostringstream os;
  os << name << ";";
  for (const PackedWeight &w : plan.weights.weights()) {
    os << w.layout.kind << ":";
    for (int32_t e : w.extents) os << e << ",";
    os << ";";
  }
  for (const CompiledKernel &k : plan.kernels) os << k.function << ";";
  return fnv(os.str());
}

} // namespace codegen
} // namespace albertc
