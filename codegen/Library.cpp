//===- Library.cpp - kernel-level albert IR -> native library -------------===//
//
// 1. Plan: walk @forward; every distinct albert.kernel body becomes one Halide
//    pipeline; every weight operand becomes one tensor of the weights file in
//    the layout its kernel reads; every kernel result gets an activation
//    buffer (albert.repeat results alternate between two).
// 2. Emit: one object per pipeline (no runtime), one Halide runtime object,
//    model.c (the tables and the call sequence, with the public <name>_*
//    entry points), the weights file; then cc links lib<name>.so and ar makes
//    lib<name>.a.
//
//===----------------------------------------------------------------------===//

#include "codegen/Library.h"

#include "codegen/KernelCompiler.h"
#include "codegen/StagedFolder.h"
#include "codegen/WeightPacker.h"
#include "albert/albert_runtime.h"
#include "compiler/importer/Safetensors.h"
#include "dialects/albert/IR/AlbertOps.h"
#include "dialects/albert/Transforms/Passes.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/IntrinsicsX86.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <cstring>
#include <map>
#include <sstream>

using namespace mlir;
using namespace mlir::albert;

namespace albertc {
namespace codegen {

namespace {
llvm::Error err(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// `file` in the folder ALBERTC_RUNTIME_DIR names (with include/,
/// libalbert_rt.a and libalbert_tok.a) when set, else `built`: where this
/// albertc's build put it.
std::string runtimePath(const char *file, const char *built) {
  if (const char *d = getenv("ALBERTC_RUNTIME_DIR")) return std::string(d) + "/" + file;
  return built;
}
/// The runtime, and the tokenizer (runtime/tokenizer) linked into libraries
/// that have one.
std::string runtimeInclude() { return runtimePath("include", ALBERTC_RUNTIME_INCLUDE_DIR); }
std::string runtimeLibrary() { return runtimePath("libalbert_rt.a", ALBERTC_RUNTIME_LIBRARY); }
std::string tokenizerInclude() { return runtimePath("include", ALBERTC_TOKENIZER_INCLUDE_DIR); }
std::string tokenizerLibrary() { return runtimePath("libalbert_tok.a", ALBERTC_TOKENIZER_LIBRARY); }
/// What a library with the tokenizer links besides it.
const char *const kTokenizerLinkFlags[] = {"-lsentencepiece", "-licuuc", "-lstdc++"};

uint64_t fnv(const std::string &s, uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

/// The plan of one library: kernels, weights, buffers and the C code that
/// calls them.
struct Plan {
  std::vector<CompiledKernel> kernels;
  WeightPacker weights;
  struct Buffer { bool perToken; int cols; };
  std::vector<Buffer> values;
  /// view: ALBERT_RT_VIEW_*, how the buffer is shown (squeezed, per choice).
  struct Output { std::string name; bool perToken; int cols; int view; std::string expr; };
  std::vector<Output> outputs;
  bool choices = false;            // inputs are [batch, choices, seq]
  std::string task;                // albert.task
  std::vector<std::string> labels; // a classifier's class names
  std::string forwardBody; // C statements of forward()
  int64_t vocab = 0, types = 0, positions = 0;
  int64_t maxTokenCols = 1; // the widest [batch, seq, C] tensor in any kernel
};

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
    if (k->scalableSplits > 0) {
      // GPU split-K GEMMs: a second pipeline with more partial sums for up to
      // kFewRows token rows (Kernels.h).
      ko.splitScale = kFewRowsSplitScale;
      auto few = compileKernel(op, opts.target, fn + "_few_rows", ko);
      if (!few) return few.takeError();
      plan.kernels.push_back(std::move(*few));
      k->fewRows = int(plan.kernels.size() - 1);
    }
    plan.kernels.push_back(std::move(*k));
    kernelIndex[key] = int(plan.kernels.size() - 1);
    return int(plan.kernels.size() - 1);
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
        std::string call = ck.function + "(";
        if (ck.fewRows >= 0)
          call = "((int64_t)x->batch * x->seq <= " + std::to_string(kFewRows) + " ? " +
                 plan.kernels[ck.fewRows].function + " : " + ck.function + ")(";
        for (unsigned i = 0; i < k.inputs().size(); ++i) {
          Value in = k.inputs()[i];
          if (ck.args[i].kind == KernelArg::Weight) {
            call += "&x->weights[" + std::to_string(plan.weights.add(in, ck.args[i].layout)) + "], ";
          } else {
            if (!exprs.count(in)) return err("codegen: a kernel input has no buffer");
            call += exprs[in] + ", ";
          }
        }
        std::string out;
        if (yieldTarget && k.result() == yielded) {
          out = *yieldTarget;
        } else {
          out = "&x->values[" + std::to_string(newValue(k.result())) + "]";
        }
        std::string var = "v" + std::to_string(nextVar++);
        os << pad << "halide_buffer_t *" << var << " = " << out << ";\n";
        os << pad << "if ((err = " << call << "x->batch, x->seq, " << var << "))) return err;\n";
        exprs[k.result()] = var;
        continue;
      }
      if (auto r = dyn_cast<RepeatOp>(o)) {
        if (!exprs.count(r.init())) return err("codegen: albert.repeat's input has no buffer");
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
};

llvm::Expected<Plan> makePlan(ModuleOp module, const LibraryOptions &opts) {
  Plan plan;
  Planner planner(opts, plan);
  try {
    if (auto e = planner.run(module)) return std::move(e);
  } catch (const Halide::Error &e) {
    return err(std::string("codegen: Halide: ") + e.what());
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

/// `s` as a C string literal: printable ASCII but quote, backslash and '?'
/// (trigraphs) as is, every other byte as an octal escape.
std::string cString(const std::string &s) {
  std::string r = "\"";
  for (unsigned char ch : s) {
    if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\' && ch != '?') {
      r += char(ch);
    } else {
      char buf[8];
      snprintf(buf, sizeof buf, "\\%03o", ch);
      r += buf;
    }
  }
  return r + "\"";
}

std::string hex(uint64_t v) {
  char buf[32];
  snprintf(buf, sizeof buf, "0x%016llxull", (unsigned long long)v);
  return buf;
}

/// The oldest CUDA compute capability a target's kernels run on (x 10), 0
/// for CPU targets.
int cudaCapability(const Halide::Target &t) {
  using T = Halide::Target;
  if (!t.has_feature(T::CUDA)) return 0;
  const std::pair<T::Feature, int> caps[] = {
      {T::CUDACapability86, 86}, {T::CUDACapability80, 80}, {T::CUDACapability75, 75},
      {T::CUDACapability70, 70}, {T::CUDACapability61, 61}, {T::CUDACapability50, 50},
      {T::CUDACapability35, 35}, {T::CUDACapability32, 32}, {T::CUDACapability30, 30}};
  for (const auto &c : caps)
    if (t.has_feature(c.first)) return c.second;
  return 20; // Halide's default PTX target
}

/// model.c: tables, forward(), and the public entry points.
std::string modelSource(const Plan &plan, const LibraryOptions &opts, uint64_t fingerprint,
                        uint64_t checksum, uint64_t fileSize, uint64_t spieceSize) {
  const std::string &n = opts.name;
  const bool tokenizer = !opts.spieceModel.empty();
  std::ostringstream c;
  const bool gpu = opts.target.has_feature(Halide::Target::CUDA);
  c << "/* Generated by albertc for model '" << n << "'. Do not edit. */\n"
    << "#include \"albert/albert_runtime.h\"\n";
  if (gpu) c << "#include \"HalideRuntimeCuda.h\"\n";
  if (tokenizer) c << "#include \"albert/albert_tokenizer.h\"\n\n#include <stdio.h>\n";
  c << "\n";
  for (const CompiledKernel &k : plan.kernels) {
    c << "int " << k.function << "(";
    for (size_t i = 0; i < k.args.size(); ++i) c << "halide_buffer_t *, ";
    c << "int32_t, int32_t, halide_buffer_t *);\n";
  }
  c << "\nstatic const albert_rt_weight weights[] = {\n";
  for (const PackedWeight &w : plan.weights.weights()) {
    c << "  {" << w.offset << "ull, " << w.extents.size() << ", {";
    for (size_t i = 0; i < w.extents.size(); ++i) c << (i ? ", " : "") << w.extents[i];
    c << "}},\n";
  }
  c << "};\n\nstatic const albert_rt_value values[] = {\n";
  for (const Plan::Buffer &b : plan.values) c << "  {" << b.perToken << ", " << b.cols << "},\n";
  c << "};\n\nstatic const albert_rt_output_desc outputs[] = {\n";
  for (const Plan::Output &o : plan.outputs)
    c << "  {\"" << o.name << "\", " << o.perToken << ", " << o.cols << ", " << o.view << "},\n";
  c << "};\n\n"
    << "static int forward(albert_rt_exec *x) {\n  int err;\n"
    << plan.forwardBody;
  for (size_t i = 0; i < plan.outputs.size(); ++i)
    c << "  x->outputs[" << i << "] = " << plan.outputs[i].expr << ";\n";
  c << "  return 0;\n}\n\n";
  if (opts.embedWeights)
    c << "extern const unsigned char " << n << "_weights_blob[];\n";
  if (tokenizer) {
    // AlbertTokenizer's options from tokenizer_config.json, fixed at compile time.
    if (opts.embedWeights) c << "extern const unsigned char " << n << "_spiece_blob[];\n";
    c << "static void *tokenizer_open(const char *path, const void *data, size_t size, char *error,\n"
      << "                            size_t error_size) {\n"
      << "  albert_tok_options o = {" << opts.doLowerCase << ", " << opts.removeSpace << ", "
      << opts.keepAccents << ", " << opts.cleanUpSpaces << "};\n"
      << "  albert_tok *t = 0;\n"
      << "  int rc = path ? albert_tok_open(path, &o, &t) : albert_tok_open_memory(data, size, &o, &t);\n"
      << "  if (rc != 0) {\n"
      << "    snprintf(error, error_size, \"%s\", albert_tok_error(0));\n"
      << "    return 0;\n  }\n  return t;\n}\n"
      << "static void tokenizer_close(void *t) { albert_tok_close((albert_tok *)t); }\n";
  }
  // The target's features as halide_target_feature_t bits, for
  // albert_rt_open's CPU check.
  const int words = (Halide::Target::FeatureEnd + 63) / 64;
  std::vector<uint64_t> features(words, 0);
  for (int f = 0; f < Halide::Target::FeatureEnd; ++f)
    if (opts.target.has_feature(Halide::Target::Feature(f)))
      features[f / 64] |= uint64_t(1) << (f % 64);
  c << "_Static_assert(" << words << " == (halide_target_feature_end + 63) / 64, "
    << "\"albertc and the Halide runtime disagree on the target features\");\n"
    << "static const uint64_t target_features[" << words << "] = {";
  for (int i = 0; i < words; ++i) c << (i ? ", " : "") << hex(features[i]);
  c << "};\n";
  c << "static const albert_rt_model model = {\n"
    << "  \"" << n << "\", " << hex(fingerprint) << ", " << fileSize << "ull, " << hex(checksum)
    << ",\n"
    << "  " << plan.vocab << ", " << plan.types << ", " << plan.positions << ",\n"
    << "  " << plan.weights.weights().size() << ", weights, " << plan.values.size()
    << ", values, " << plan.outputs.size() << ", outputs, forward,\n"
    << "  " << (opts.embedWeights ? n + "_weights_blob" : std::string("0")) << ", "
    << (opts.embedWeights ? fileSize : 0) << "ull, " << plan.maxTokenCols << ", "
    << plan.choices << ",\n";
  if (tokenizer)
    c << "  \"" << n << ".spiece.model\", "
      << (opts.embedWeights ? n + "_spiece_blob, " + std::to_string(spieceSize) + "ull"
                            : std::string("0, 0"))
      << ", tokenizer_open, tokenizer_close,\n";
  else
    c << "  0, 0, 0, 0, 0,\n";
  c << "  " << (gpu ? "halide_cuda_device_interface" : "0") << ", " << cudaCapability(opts.target)
    << ",\n  target_features, " << cString(opts.target.to_string()) << "\n};\n\n";
  c << "static const char *const labels[] = {";
  for (const std::string &l : plan.labels) c << cString(l) << ", ";
  c << "0};\n\n";
  c << "#define API __attribute__((visibility(\"default\")))\n"
    << "typedef struct " << n << "_model " << n << "_model;\n"
    << "typedef struct " << n << "_options { int num_threads; } " << n << "_options;\n"
    << "API int " << n << "_open(const char *path, const " << n << "_options *options, " << n
    << "_model **out) {\n"
    << "  return albert_rt_open(&model, path, options ? options->num_threads : 0, "
       "(albert_rt_handle **)out);\n}\n"
    << (plan.choices
            ? "API int " + n + "_run(" + n + "_model *m, int64_t batch, int64_t num_choices, "
              "int64_t seq, const int32_t *input_ids, const int32_t *attention_mask, "
              "const int32_t *token_type_ids) {\n"
              "  return albert_rt_run_choices(&model, (albert_rt_handle *)m, batch, num_choices, "
              "seq, input_ids, attention_mask, token_type_ids);\n}\n"
            : "API int " + n + "_run(" + n + "_model *m, int64_t batch, int64_t seq, "
              "const int32_t *input_ids, const int32_t *attention_mask, "
              "const int32_t *token_type_ids) {\n"
              "  return albert_rt_run(&model, (albert_rt_handle *)m, batch, seq, input_ids, "
              "attention_mask, token_type_ids);\n}\n")
    << "API const char *" << n << "_task(void) { return " << cString(plan.task) << "; }\n"
    << "API int " << n << "_num_labels(void) { return " << plan.labels.size() << "; }\n"
    << "API const char *" << n << "_label(int index) {\n"
    << "  return index >= 0 && index < " << plan.labels.size() << " ? labels[index] : 0;\n}\n"
    << "API int " << n << "_has_tokenizer(void) { return " << tokenizer << "; }\n";
  // The tokenizer's entry points exist either way, so an app links against any
  // library. Each call holds the handle from begin to end (a close waits).
  std::string h = "(const albert_rt_handle *)m";
  std::string begin = "  albert_rt_handle *held;\n"
                      "  void *t = albert_rt_tokenizer_begin(&model, " + h +
                      ", &held); /* albert_tok */\n";
  auto forward = [&](const std::string &call, const std::string &out) {
    return "  if (" + out + ") *" + out + " = 0;\n" + begin + "  if (!t) return 1;\n" +
           (tokenizer ? "  int rc = " + call + ";\n"
                        "  return albert_rt_tokenizer_end(held, rc, rc ? albert_tok_error(t) : 0);\n"
                      : std::string("  return albert_rt_tokenizer_end(held, 1, \"no tokenizer\");\n"));
  };
  c << "API int " << n << "_tokenize(const " << n << "_model *m, const char *text, "
    << "const char *text_pair, int32_t max_length, int32_t *input_ids, int32_t *token_type_ids, "
    << "int32_t *offsets, int32_t *source, int64_t capacity, int64_t *length) {\n";
  if (!tokenizer)
    c << "  (void)text, (void)text_pair, (void)max_length, (void)input_ids, (void)token_type_ids,\n"
      << "      (void)offsets, (void)source, (void)capacity;\n";
  c << forward("albert_tok_encode(t, text, text_pair, max_length, input_ids, token_type_ids, "
               "offsets, source, capacity, length)",
               "length")
    << "}\n"
    << "API int " << n << "_decode(const " << n << "_model *m, const int32_t *ids, int64_t count, "
    << "int skip_special, char *text, int64_t capacity, int64_t *length) {\n";
  if (!tokenizer)
    c << "  (void)ids, (void)count, (void)skip_special, (void)text, (void)capacity;\n";
  c << forward("albert_tok_decode(t, ids, count, skip_special, text, capacity, length)", "length")
    << "}\n"
    << "API int " << n << "_tokenize_batch(const " << n << "_model *m, int64_t count, "
    << "const char *const *texts, const char *const *text_pairs, int32_t max_length, "
    << "int32_t *input_ids, int32_t *token_type_ids, int32_t *attention_mask, int64_t capacity, "
    << "int64_t *seq) {\n"
    << "  if (seq) *seq = 0;\n" << begin << "  if (!t) return 1;\n";
  if (tokenizer)
    // Two passes: the longest row sets seq, then each row is encoded in place and padded.
    c << "  int rc = 0;\n  const char *msg = 0;\n  int64_t longest = 0, len = 0;\n"
      << "  if (!seq || count < 1 || !texts || !input_ids) {\n"
      << "    rc = 1;\n"
      << "    msg = \"tokenize_batch: count must be >= 1 and seq, texts, input_ids non-NULL\";\n  }\n"
      << "  for (int64_t r = 0; !rc && r < count; ++r) {\n"
      << "    const char *pair = text_pairs ? text_pairs[r] : 0;\n"
      << "    rc = albert_tok_encode(t, texts[r], pair, max_length, 0, 0, 0, 0, 0, &len);\n"
      << "    if (rc && len > 0) rc = 0; /* the size query */\n"
      << "    if (rc) msg = albert_tok_error(t);\n"
      << "    if (len > longest) longest = len;\n  }\n"
      << "  if (!rc && count > capacity / longest) {\n"
      << "    *seq = longest;\n    rc = 1;\n"
      << "    msg = \"tokenize_batch: the arrays need count x seq entries, more than capacity\";\n"
      << "  }\n"
      << "  int32_t pad = albert_tok_special_id(t, ALBERT_TOK_PAD);\n"
      << "  for (int64_t r = 0; !rc && r < count; ++r) {\n"
      << "    int64_t at = r * longest;\n"
      << "    const char *pair = text_pairs ? text_pairs[r] : 0;\n"
      << "    rc = albert_tok_encode(t, texts[r], pair, max_length, input_ids + at,\n"
      << "                           token_type_ids ? token_type_ids + at : 0, 0, 0, longest, &len);\n"
      << "    if (rc) {\n      msg = albert_tok_error(t);\n      break;\n    }\n"
      << "    for (int64_t i = 0; i < longest; ++i) {\n"
      << "      if (i >= len) {\n"
      << "        input_ids[at + i] = pad;\n"
      << "        if (token_type_ids) token_type_ids[at + i] = 0;\n      }\n"
      << "      if (attention_mask) attention_mask[at + i] = i < len;\n    }\n  }\n"
      << "  if (!rc) *seq = longest;\n"
      << "  return albert_rt_tokenizer_end(held, rc, msg);\n";
  else
    c << "  (void)count, (void)texts, (void)text_pairs, (void)max_length, (void)input_ids,\n"
      << "      (void)token_type_ids, (void)attention_mask, (void)capacity;\n"
      << "  return albert_rt_tokenizer_end(held, 1, \"no tokenizer\");\n";
  c << "}\n"
    << "API int32_t " << n << "_special_token(const " << n << "_model *m, int which) {\n"
    << begin << "  if (!t) return -1;\n";
  if (tokenizer)
    c << "  static const int kinds[5] = {ALBERT_TOK_CLS, ALBERT_TOK_SEP, ALBERT_TOK_MASK, "
         "ALBERT_TOK_PAD, ALBERT_TOK_UNK};\n"
      << "  int32_t id = which >= 0 && which < 5 ? albert_tok_special_id(t, kinds[which]) : -1;\n"
      << "  albert_rt_tokenizer_end(held, 0, 0);\n"
      << "  return id;\n";
  else
    c << "  (void)which;\n  albert_rt_tokenizer_end(held, 0, 0);\n  return -1;\n";
  c << "}\n"
    << "API int " << n << "_output(const " << n << "_model *m, int index, const float **data, "
       "int64_t shape[3], int *rank) {\n"
    << "  return albert_rt_output(&model, (const albert_rt_handle *)m, index, data, shape, "
       "rank);\n}\n"
    << "API int " << n << "_output_into(const " << n << "_model *m, int index, float *dst, "
       "int64_t capacity) {\n"
    << "  return albert_rt_output_into(&model, (const albert_rt_handle *)m, index, dst, "
       "capacity);\n}\n"
    << "API int " << n << "_num_outputs(void) { return " << plan.outputs.size() << "; }\n"
    << "API void " << n << "_limits(int64_t *vocab_size, int64_t *type_vocab_size, "
       "int64_t *max_seq) {\n"
    << "  if (vocab_size) *vocab_size = model.vocab_size;\n"
    << "  if (type_vocab_size) *type_vocab_size = model.type_vocab_size;\n"
    << "  if (max_seq) *max_seq = model.max_positions;\n}\n"
    << "API const char *" << n << "_output_name(int index) {\n"
    << "  return index >= 0 && index < " << plan.outputs.size()
    << " ? outputs[index].name : 0;\n}\n"
    << "API const char *" << n << "_error(const " << n << "_model *m) {\n"
    << "  return albert_rt_error(&model, (const albert_rt_handle *)m);\n}\n"
    << "API void " << n << "_close(" << n << "_model *m) {\n"
    << "  albert_rt_close(&model, (albert_rt_handle *)m);\n}\n";
  return c.str();
}

/// <name>.h, the header applications include.
std::string publicHeader(const Plan &plan, const LibraryOptions &opts) {
  const std::string &n = opts.name;
  // The name as given (macros are case-sensitive) under albertc's prefix: no
  // other library's header, nor albert_tasks.h (ALBERT_TASKS_H), has it.
  const std::string guard = "ALBERTC_" + n + "_H";
  std::string N = n; // the prefix of the header's other macros
  for (char &ch : N) ch = char(toupper((unsigned char)ch));
  std::ostringstream h;
  h << "/* " << n << ".h - generated by albertc: the C API of lib" << n << ".so / lib" << n
    << ".a.\n"
    << " *\n"
    << " * Link: cc app.c -I<dir> -L<dir> -l" << n << " (with the static library add "
    << (opts.spieceModel.empty() ? "" : "-lsentencepiece -licuuc -lstdc++ ") << "-lpthread -ldl -lm).\n"
    << " *\n"
    << " * Ownership:\n"
    << " *   - " << n << "_open reads the weights into memory of its own (shared by the models\n"
    << " *     opened from the same unchanged file) and checks them; the file is not used after\n"
    << " *     that. " << n << "_close frees everything the model allocated.\n";
  if (opts.target.has_feature(Halide::Target::CUDA))
    h << " *   - GPU (compiled with --target cuda): " << n << "_open also copies the weights to the\n"
      << " *     GPU, where they stay until " << n << "_close (the host copy read from the weights\n"
      << " *     file is freed once they are there); inputs and activations live in GPU\n"
      << " *     memory owned by the model; " << n << "_run copies the inputs in and the outputs\n"
      << " *     back to host memory before it returns. No CUDA driver, no GPU, or one older than\n"
      << " *     compute capability " << cudaCapability(opts.target) / 10 << "."
      << cudaCapability(opts.target) % 10 << ": ALBERT_NO_DEVICE. All models of the process share\n"
      << " *     one CUDA stream: runs of separate handles do not overlap on the GPU.\n";
  h
    << " *   - inputs passed to " << n << "_run stay the caller's; they are read during the call.\n"
    << " *   - " << n << "_output returns a pointer into library-owned memory, valid until the\n"
    << " *     next " << n << "_run or " << n << "_close on the same model; " << n
    << "_output_into copies\n"
    << " *     into a caller-owned buffer instead.\n"
    << " *   - " << n << "_error returns a library-owned string, valid until the next call.\n"
    << " *   - the tokenizer (if any) is loaded by " << n << "_open and freed by " << n << "_close;\n"
    << " *     " << n << "_tokenize and " << n << "_decode write only into caller-owned arrays.\n"
    << " * Threads: one model handle per thread at a time (a run or output call while another\n"
    << " * thread is in one on the same handle is refused with ALBERT_INVALID_ARGUMENT); separate\n"
    << " * handles run concurrently. The kernel thread pool is shared by this library's\n"
    << " * handles.\n"
    << " * Every function returning int returns 0 on success or an ALBERT_* error code.\n"
    << " */\n"
    << "#ifndef " << guard << "\n#define " << guard << "\n\n#include <stdint.h>\n\n"
    << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
    << "#ifndef ALBERT_STATUS_CODES\n#define ALBERT_STATUS_CODES\n"
    << "#define ALBERT_OK 0\n"
    << "#define ALBERT_INVALID_ARGUMENT 1 /* bad pointer, shape, token id or mask value */\n"
    << "#define ALBERT_IO 2               /* weights file missing or unreadable */\n"
    << "#define ALBERT_BAD_WEIGHTS 3      /* truncated, corrupted or another model's weights */\n"
    << "#define ALBERT_OUT_OF_MEMORY 4\n"
    << "#define ALBERT_KERNEL_FAILED 5\n#endif\n"
    << "#ifndef ALBERT_NO_DEVICE\n"
    << "#define ALBERT_NO_DEVICE 6         /* a GPU library (--target cuda) found no usable GPU */\n"
    << "#endif\n"
    << "#ifndef ALBERT_UNSUPPORTED_CPU\n"
    << "#define ALBERT_UNSUPPORTED_CPU 7   /* this CPU lacks an instruction set the library uses */\n"
    << "#endif\n\n"
    << "#define " << N << "_VOCAB_SIZE " << plan.vocab << "\n"
    << "#define " << N << "_TYPE_VOCAB_SIZE " << plan.types << "\n"
    << "#define " << N << "_MAX_SEQ " << plan.positions << "\n"
    << "#define " << N << "_NUM_OUTPUTS " << plan.outputs.size() << "\n";
  for (size_t i = 0; i < plan.outputs.size(); ++i) {
    const Plan::Output &o = plan.outputs[i];
    std::string on = o.name;
    for (char &ch : on) ch = char(toupper((unsigned char)ch));
    std::string shape = o.view == ALBERT_RT_VIEW_SQUEEZE   ? "[batch, seq]"
                        : o.view == ALBERT_RT_VIEW_CHOICES ? "[batch, num_choices]"
                        : o.perToken ? "[batch, seq, " + std::to_string(o.cols) + "]"
                                     : "[batch, " + std::to_string(o.cols) + "]";
    h << "#define " << N << "_OUTPUT_" << on << " " << i << " /* " << shape << " float32 */\n";
  }
  if (!plan.labels.empty())
    h << "#define " << N << "_NUM_LABELS " << plan.labels.size() << " /* classes of logits: "
      << n << "_label(i) */\n";
  h << "\ntypedef struct " << n << "_model " << n << "_model;\n"
    << "typedef struct " << n << "_options {\n"
    << "  /* Kernel threads, shared by every handle of this library in the process: a\n"
    << "   * value > 0 sets it; <= 0 keeps the current setting (initially HL_NUM_THREADS,\n"
    << "   * or the core count). */\n"
    << "  int num_threads;\n"
    << "} " << n << "_options;\n\n"
    << "/* Opens the model. path: the folder holding " << n << ".weights, that file, or NULL\n"
    << " * when compiled with --embed-weights. options may be NULL. On failure *out is NULL\n"
    << " * and " << n << "_error(NULL) says why. */\n"
    << "int " << n << "_open(const char *path, const " << n << "_options *options, " << n
    << "_model **out);\n"
    << (plan.choices
            ? "/* Runs on row-major [batch, num_choices, seq] int32 arrays: every choice of an\n"
              " * example is one sequence (e.g. [CLS] context [SEP] choice [SEP]).\n"
            : "/* Runs on row-major [batch, seq] int32 arrays.")
    << " attention_mask (1 = attend, 0 =\n"
    << " * padding) and token_type_ids may be NULL: all ones / all zeros. 1 <= seq <= "
    << N << "_MAX_SEQ. */\n"
    << "int " << n << "_run(" << n << "_model *model, int64_t batch, "
    << (plan.choices ? "int64_t num_choices, " : "") << "int64_t seq,\n"
    << "    const int32_t *input_ids, const int32_t *attention_mask, const int32_t *token_type_ids);\n"
    << "/* Output `index` of the last run: *data library-owned, rank 2 ([batch, cols]) or 3\n"
    << " * ([batch, seq, cols]), shape[0..rank). Values at padded positions are unspecified. */\n"
    << "int " << n << "_output(const " << n << "_model *model, int index, const float **data,\n"
    << "    int64_t shape[3], int *rank);\n"
    << "/* Copies output `index` into caller-owned dst of `capacity` floats. */\n"
    << "int " << n << "_output_into(const " << n
    << "_model *model, int index, float *dst, int64_t capacity);\n"
    << "int " << n << "_num_outputs(void);\n"
    << "/* The model's vocabulary size, token type count and longest sequence. */\n"
    << "void " << n << "_limits(int64_t *vocab_size, int64_t *type_vocab_size, int64_t *max_seq);\n"
    << "/* The output's name (\"last_hidden_state\", \"pooler_output\", \"logits\", \"sop_logits\",\n"
    << " * \"start_logits\", \"end_logits\"); NULL if out of range. */\n"
    << "const char *" << n << "_output_name(int index);\n"
    << "/* What the library computes: \"" << plan.task << "\" (albertc compile --task). */\n"
    << "const char *" << n << "_task(void);\n"
    << "/* A classifier's classes (config.json's id2label): their count (0 when the task\n"
    << " * has none) and the name of class `index` (NULL if out of range). */\n"
    << "int " << n << "_num_labels(void);\n"
    << "const char *" << n << "_label(int index);\n"
    << "\n/* The tokenizer: HuggingFace AlbertTokenizer's encoding, from the checkpoint's\n"
    << " * spiece.model and tokenizer_config.json (" << n << ".spiece.model, next to the weights).\n"
    << " * " << n << "_has_tokenizer() is " << !opts.spieceModel.empty()
    << " for this library; without one the functions below fail. */\n"
    << "int " << n << "_has_tokenizer(void);\n"
    << "/* Encodes [CLS] text [SEP] (text_pair [SEP]) into caller-owned arrays of `capacity`\n"
    << " * entries: input_ids, token_type_ids (may be NULL), offsets (2 per token: [begin, end)\n"
    << " * bytes in text or text_pair; may be NULL) and source (0: text, 1: text_pair, -1: special\n"
    << " * token; may be NULL). max_length > 0 truncates the longer text first. *length: tokens\n"
    << " * written (or needed, when capacity is too small: ALBERT_INVALID_ARGUMENT).\n"
    << " * Memory: SentencePiece segments the whole text, whatever max_length: about 130\n"
    << " * bytes per input byte during the call (10 MiB of text: 1.3 GB). Cap untrusted\n"
    << " * input before calling. */\n"
    << "int " << n << "_tokenize(const " << n << "_model *model, const char *text, const char *text_pair,\n"
    << "    int32_t max_length, int32_t *input_ids, int32_t *token_type_ids, int32_t *offsets,\n"
    << "    int32_t *source, int64_t capacity, int64_t *length);\n"
    << "/* A padded batch, as HuggingFace's tokenizer(texts, text_pairs, padding=True,\n"
    << " * truncation=True, max_length=max_length) gives it: row-major [count, *seq] input_ids,\n"
    << " * token_type_ids and attention_mask (1: token, 0: <pad>; both may be NULL), *seq the\n"
    << " * longest row. text_pairs: NULL, or count entries (each may be NULL). capacity: entries\n"
    << " * of each array (when too small: ALBERT_INVALID_ARGUMENT, *seq says the row length). */\n"
    << "int " << n << "_tokenize_batch(const " << n << "_model *model, int64_t count,\n"
    << "    const char *const *texts, const char *const *text_pairs, int32_t max_length,\n"
    << "    int32_t *input_ids, int32_t *token_type_ids, int32_t *attention_mask, int64_t capacity,\n"
    << "    int64_t *seq);\n"
    << "/* Decodes ids into caller-owned text[capacity] (NUL-terminated); skip_special drops\n"
    << " * [CLS], [SEP], <pad>... *length: bytes written, without the NUL (or needed). */\n"
    << "int " << n << "_decode(const " << n << "_model *model, const int32_t *ids, int64_t count,\n"
    << "    int skip_special, char *text, int64_t capacity, int64_t *length);\n"
    << "#define " << N << "_TOKEN_CLS 0\n#define " << N << "_TOKEN_SEP 1\n#define " << N
    << "_TOKEN_MASK 2\n#define " << N << "_TOKEN_PAD 3\n#define " << N << "_TOKEN_UNK 4\n"
    << "/* The id of a special token (" << N << "_TOKEN_*), or -1. */\n"
    << "int32_t " << n << "_special_token(const " << n << "_model *model, int which);\n\n"
    << "/* Why the last call on `model` failed; model NULL: this thread's last failed open. */\n"
    << "const char *" << n << "_error(const " << n << "_model *model);\n"
    << "void " << n << "_close(" << n << "_model *model);\n\n"
    << "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  return h.str();
}

llvm::Error writeFile(const std::string &path, const std::string &text) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec) return err(path + ": cannot write: " + ec.message());
  os << text;
  os.close();
  // A full disk shows only here (unchecked, raw_fd_ostream would abort).
  if (os.has_error()) {
    std::string why = os.error().message();
    os.clear_error();
    return err(path + ": cannot write: " + why);
  }
  return llvm::Error::success();
}

llvm::Error runTool(const std::string &tool, std::vector<std::string> args) {
  auto path = llvm::sys::findProgramByName(tool);
  if (!path) return err("link: cannot find '" + tool + "' on PATH (a C compiler is needed to link)");
  args.insert(args.begin(), tool);
  std::vector<llvm::StringRef> refs(args.begin(), args.end());
  std::string msg;
  SmallString<128> errFile;
  llvm::sys::fs::createTemporaryFile("albertc-link", "txt", errFile);
  llvm::Optional<llvm::StringRef> redirects[] = {llvm::None, llvm::None, errFile.str()};
  int rc = llvm::sys::ExecuteAndWait(*path, refs, llvm::None, redirects, 0, 0, &msg);
  std::string output;
  if (auto buf = llvm::MemoryBuffer::getFile(errFile)) output = (*buf)->getBuffer().str();
  llvm::sys::fs::remove(errFile);
  if (rc != 0) {
    std::string cmd;
    for (auto &a : args) cmd += a + " ";
    return err("link: '" + cmd + "' failed (" + std::to_string(rc) + "): " + msg + output);
  }
  return llvm::Error::success();
}

/// Halide 14 lowers every prefetch to llvm.prefetch with locality 0
/// (prefetchnta), which keeps the line out of L2 and loses it before use
/// when fetched a whole weight panel ahead (Matmul.cpp, prefetchNextPanel;
/// a standalone 32 x 2304 x 768 GEMM on 1 thread: 140 GFLOP/s without
/// prefetch, 68 with prefetchnta, 160 with prefetcht1). Rewrites the
/// locality to 2 (prefetcht1: into L2).
void retargetPrefetches(llvm::Module &m) {
  for (llvm::Function &f : m)
    for (llvm::BasicBlock &bb : f)
      for (llvm::Instruction &i : bb)
        if (auto *call = llvm::dyn_cast<llvm::IntrinsicInst>(&i))
          if (call->getIntrinsicID() == llvm::Intrinsic::prefetch)
            call->setArgOperand(2, llvm::ConstantInt::get(call->getArgOperand(2)->getType(), 2));
}

/// The Halide buffer a load or store accesses, from the TBAA tag Halide
/// gives it (root "Halide buffer", then the buffer, then index ranges), or "".
llvm::StringRef tbaaBuffer(const llvm::Instruction &i) {
  const llvm::MDNode *tag = i.getMetadata(llvm::LLVMContext::MD_tbaa);
  if (!tag || tag->getNumOperands() < 1) return "";
  const auto *node = llvm::dyn_cast<llvm::MDNode>(tag->getOperand(0));
  while (node && node->getNumOperands() >= 2) {
    const auto *parent = llvm::dyn_cast<llvm::MDNode>(node->getOperand(1));
    if (!parent) return "";
    if (parent->getNumOperands() == 1) { // the root
      const auto *name = llvm::dyn_cast<llvm::MDString>(node->getOperand(0));
      return name ? name->getString() : "";
    }
    node = parent;
  }
  return "";
}

/// Makes the vector stores into `buffer` non-temporal (movntps: the lines go
/// to memory without a read for ownership and without displacing the caches;
/// LLVM splits or scalarizes those it cannot prove aligned) and ends each
/// function that has them with an sfence, so that they are visible before
/// the thread reports its task done.
unsigned streamOutputStores(llvm::Module &m, llvm::StringRef buffer) {
  llvm::LLVMContext &ctx = m.getContext();
  llvm::MDNode *one = llvm::MDNode::get(
      ctx, llvm::ConstantAsMetadata::get(llvm::ConstantInt::get(llvm::Type::getInt32Ty(ctx), 1)));
  unsigned marked = 0;
  for (llvm::Function &f : m) {
    bool any = false;
    for (llvm::BasicBlock &bb : f)
      for (llvm::Instruction &i : bb)
        if (auto *st = llvm::dyn_cast<llvm::StoreInst>(&i))
          if (st->getValueOperand()->getType()->isVectorTy() && tbaaBuffer(*st) == buffer) {
            st->setMetadata(llvm::LLVMContext::MD_nontemporal, one);
            any = true;
            ++marked;
          }
    if (!any) continue;
    for (llvm::BasicBlock &bb : f)
      if (auto *ret = llvm::dyn_cast<llvm::ReturnInst>(bb.getTerminator()))
        llvm::IRBuilder<>(ret).CreateIntrinsic(llvm::Intrinsic::x86_sse_sfence, {}, {});
  }
  return marked;
}

/// Writes `ir` as an object file through a checked stream: LLVM's own
/// (Halide's compile_* functions) ends the process on a write error ("IO
/// failure on output stream", a full disk), leaving the staging folder.
llvm::Error writeObject(llvm::Module &ir, const std::string &path) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec) return err(path + ": cannot write: " + ec.message());
  Halide::compile_llvm_module_to_object(ir, os);
  os.close();
  if (os.has_error()) {
    std::string why = os.error().message();
    os.clear_error();
    return err(path + ": cannot write: " + why);
  }
  return llvm::Error::success();
}

llvm::Error compileObjects(Plan &plan, const LibraryOptions &opts, const std::string &dir,
                           std::vector<std::string> &objects) {
  Halide::Target kt = opts.target.with_feature(Halide::Target::NoRuntime);
  try {
    for (CompiledKernel &k : plan.kernels) {
      std::string path = dir + "/" + k.function + ".o";
      if (opts.progress) opts.progress("  kernel " + k.function + " (Halide -> " + k.function + ".o)");
      Halide::Module module = k.pipeline.compile_to_module(k.arguments, k.function, kt);
      llvm::LLVMContext context;
      std::unique_ptr<llvm::Module> ir = Halide::compile_module_to_llvm_module(module, context);
      retargetPrefetches(*ir);
      if (k.streamOutput && !streamOutputStores(*ir, k.pipeline.outputs()[0].name()))
        return err("codegen: " + k.function + ": found no stores to its output to stream");
      if (auto e = writeObject(*ir, path)) return e;
      objects.push_back(path);
    }
    std::string rt = dir + "/" + opts.name + "_halide_runtime.o";
    if (opts.progress) opts.progress("  Halide runtime (" + opts.name + "_halide_runtime.o)");
    // What Halide::compile_standalone_runtime writes, through writeObject.
    Halide::Module runtime(opts.name + "_halide_runtime",
                           opts.target.without_feature(Halide::Target::NoRuntime)
                               .without_feature(Halide::Target::JIT));
    llvm::LLVMContext context;
    if (auto e = writeObject(*Halide::compile_module_to_llvm_module(runtime, context), rt)) return e;
    objects.push_back(rt);
  } catch (const Halide::Error &e) {
    return err(std::string("codegen: Halide: ") + e.what());
  }
  return llvm::Error::success();
}

/// Assembles `file` into an object defining the hidden, 64-byte aligned
/// symbol `symbol` (its bytes, for --embed-weights) and adds it to `objects`.
llvm::Error embedFile(const char *cc, const std::string &dir, const std::string &symbol,
                      const std::string &file, std::vector<std::string> &objects) {
  std::string s = dir + "/" + symbol + ".S", o = dir + "/" + symbol + ".o";
  if (auto e = writeFile(s, ".section .rodata\n.balign 64\n.globl " + symbol + "\n.hidden " +
                                symbol + "\n" + symbol + ":\n.incbin \"" + file + "\"\n"
                                ".section .note.GNU-stack,\"\",@progbits\n"))
    return e;
  if (auto e = runTool(cc, {"-c", s, "-o", o})) return e;
  objects.push_back(o);
  return llvm::Error::success();
}

std::string modelWeightsFile(ModuleOp module) {
  auto a = module->getAttrOfType<StringAttr>("albert.weights_file");
  return a ? a.getValue().str() : "";
}
} // namespace

llvm::Expected<Halide::Target> parseTarget(const std::string &spec) {
  Halide::Target t;
  if (spec == "host" || spec.empty()) {
    t = Halide::get_host_target();
  } else if (spec == "x86-64-avx2") {
    t = Halide::Target("x86-64-linux-avx-avx2-f16c-fma-sse41");
  } else if (spec == "x86-64-avx512") {
    t = Halide::Target("x86-64-linux-avx-avx2-avx512-avx512_skylake-f16c-fma-sse41");
  } else if (spec == "cuda") {
    t = Halide::Target("x86-64-linux-avx-avx2-f16c-fma-sse41-cuda-cuda_capability_86");
  } else if (Halide::Target::validate_target_string(spec)) {
    t = Halide::Target(spec);
  } else if (llvm::StringRef(spec).contains("cuda_capability_")) {
    return err("unknown --target '" + spec +
               "': Halide 14 knows cuda_capability_30, 32, 35, 50, 61, 70, 75, 80 and 86; "
               "newer GPUs (H100, H200) run sm_86 code, which --target cuda builds");
  } else {
    return err("unknown --target '" + spec +
               "' (use host, x86-64-avx2, x86-64-avx512, cuda, or a Halide target string)");
  }
  if (t.arch != Halide::Target::X86 || t.bits != 64 || t.os != Halide::Target::Linux)
    return err("--target '" + spec + "': albertc generates libraries for x86-64 Linux");
  if (t.without_feature(Halide::Target::CUDA).has_gpu_feature())
    return err("--target '" + spec + "': of the GPU APIs albertc generates only cuda");
  // Features that change the kernels' signatures or symbol names (the
  // library's C calls them as compiled without), need a sanitizer runtime
  // the library does not link, or perturb the results on purpose.
  const std::pair<Halide::Target::Feature, const char *> refused[] = {
      {Halide::Target::UserContext, "user_context"},
      {Halide::Target::CPlusPlusMangling, "c_plus_plus_name_mangling"},
      {Halide::Target::JIT, "jit"},
      {Halide::Target::Matlab, "matlab"},
      {Halide::Target::MSAN, "msan"},
      {Halide::Target::TSAN, "tsan"},
      {Halide::Target::ASAN, "asan"},
      {Halide::Target::SanitizerCoverage, "sanitizer_coverage"},
      {Halide::Target::FuzzFloatStores, "fuzz_float_stores"},
  };
  for (const auto &[feature, name] : refused)
    if (t.has_feature(feature))
      return err("--target '" + spec + "': the feature '" + name +
                 "' does not fit albertc's libraries (it changes the kernels' signatures or "
                 "symbols, needs a runtime they do not link, or perturbs results)");
  return t;
}

llvm::Error emitHalide(ModuleOp module, const LibraryOptions &opts, llvm::raw_ostream &os) {
  auto plan = makePlan(module, opts);
  if (!plan) return plan.takeError();
  SmallString<128> tmp;
  if (auto ec = llvm::sys::fs::createTemporaryFile("albertc-stmt", "stmt", tmp))
    return err("cannot create a temporary file: " + ec.message());
  try {
    for (CompiledKernel &k : plan->kernels) {
      k.pipeline.compile_to_lowered_stmt(tmp.str().str(), k.arguments, Halide::Text, opts.target);
      auto buf = llvm::MemoryBuffer::getFile(tmp);
      os << "// ===== kernel " << k.function << " =====\n";
      if (buf) os << (*buf)->getBuffer() << "\n";
    }
  } catch (const Halide::Error &e) {
    llvm::sys::fs::remove(tmp);
    return err(std::string("codegen: Halide: ") + e.what());
  }
  llvm::sys::fs::remove(tmp);
  return llvm::Error::success();
}

llvm::Error emitObjects(ModuleOp module, const LibraryOptions &opts, const std::string &outDir) {
  auto plan = makePlan(module, opts);
  if (!plan) return plan.takeError();
  auto staged = StagedFolder::create(outDir);
  if (!staged) return staged.takeError();
  std::vector<std::string> objects;
  if (auto e = compileObjects(*plan, opts, (*staged)->dir(), objects)) return e;
  for (std::string &o : objects) o = llvm::sys::path::filename(o).str();
  return (*staged)->commit(objects, opts.warn);
}

llvm::Error emitLibrary(ModuleOp module, const LibraryOptions &opts, const std::string &outDir) {
  auto plan = makePlan(module, opts);
  if (!plan) return plan.takeError();

  // Everything is built in a staging folder and moved into OUT at the end.
  auto staged = StagedFolder::create(outDir);
  if (!staged) return staged.takeError();
  const std::string dir = (*staged)->dir();
  std::vector<std::string> objects;
  if (auto e = compileObjects(*plan, opts, dir, objects)) return e;

  const std::string &n = opts.name;
  uint64_t fingerprint = fingerprintOf(*plan, n);
  uint64_t fileSize = plan->weights.layoutFile();
  std::string weightsPath = dir + "/" + n + ".weights";
  if (opts.progress) opts.progress("  weights " + n + ".weights (" +
                                   std::to_string(fileSize >> 20) + " MiB)");
  auto st = SafetensorsFile::open(modelWeightsFile(module));
  if (!st) return st.takeError();
  uint64_t checksum = 0;
  if (auto e = plan->weights.write(weightsPath, **st, fingerprint,
                                   opts.warn ? opts.warn : [](const std::string &) {}, checksum))
    return e;

  const bool tokenizer = !opts.spieceModel.empty();
  uint64_t spieceSize = 0;
  std::string spiece = dir + "/" + n + ".spiece.model";
  if (tokenizer) {
    if (auto e = writeFile(spiece, opts.spieceModel)) return e;
    spieceSize = opts.spieceModel.size();
  }
  std::string modelC = dir + "/" + n + "_model.c";
  if (auto e = writeFile(modelC,
                         modelSource(*plan, opts, fingerprint, checksum, fileSize, spieceSize)))
    return e;
  if (auto e = writeFile(dir + "/" + n + ".h", publicHeader(*plan, opts))) return e;
  const char *cc = getenv("CC") ? getenv("CC") : "cc";
  std::string modelO = dir + "/" + n + "_model.o";
  if (opts.progress) opts.progress("  link lib" + n + ".so, lib" + n + ".a");
  if (auto e = runTool(cc, {"-c", "-O2", "-fPIC", "-fvisibility=hidden", "-I", runtimeInclude(),
                            "-I", tokenizerInclude(), "-I", ALBERTC_HALIDE_INCLUDE_DIR, modelC,
                            "-o", modelO}))
    return e;
  objects.insert(objects.begin(), modelO);
  if (opts.embedWeights) {
    if (auto e = embedFile(cc, dir, n + "_weights_blob", weightsPath, objects))
      return e;
    if (tokenizer)
      if (auto e = embedFile(cc, dir, n + "_spiece_blob", spiece, objects))
        return e;
  }
  // Only the <name>_* entry points leave the shared library.
  std::string exports = dir + "/exports.map";
  if (auto e = writeFile(exports, "{ global: " + n + "_*; local: *; };\n")) return e;
  std::vector<std::string> link{"-shared", "-o", dir + "/lib" + n + ".so"};
  link.insert(link.end(), objects.begin(), objects.end());
  if (tokenizer) link.push_back(tokenizerLibrary());
  for (std::string a : {runtimeLibrary(), std::string("-Wl,--no-undefined"),
                        std::string("-Wl,--version-script=") + exports})
    link.push_back(a);
  if (tokenizer) link.insert(link.end(), std::begin(kTokenizerLinkFlags), std::end(kTokenizerLinkFlags));
  for (const char *a : {"-lpthread", "-ldl", "-lm"}) link.push_back(a);
  if (auto e = runTool(cc, link)) return e;
  // The static library carries the runtime's (and the tokenizer's) objects too.
  std::string rtDir = dir + "/rt";
  llvm::sys::fs::create_directories(rtDir);
  if (auto e = runTool("ar", {"x", "--output=" + rtDir, runtimeLibrary()})) return e;
  if (tokenizer)
    if (auto e = runTool("ar", {"x", "--output=" + rtDir, tokenizerLibrary()}))
      return e;
  std::vector<std::string> ar{"rcs", dir + "/lib" + n + ".a"};
  ar.insert(ar.end(), objects.begin(), objects.end());
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(rtDir, ec), end; it != end && !ec; it.increment(ec))
    ar.push_back(it->path());
  if (auto e = runTool("ar", ar)) return e;

  // The post-processing helpers apps use on the outputs (softmax, top-k, spans).
  if (auto ec = llvm::sys::fs::copy_file(runtimeInclude() + "/albert/albert_tasks.h",
                                         dir + "/albert_tasks.h"))
    return err(dir + "/albert_tasks.h: cannot write: " + ec.message());

  // Move the results in.
  std::vector<std::string> outputs{"lib" + n + ".so", "lib" + n + ".a", n + ".h", n + ".weights",
                                   "albert_tasks.h"};
  if (tokenizer) outputs.push_back(n + ".spiece.model");
  // A name that makes two outputs one file (the CLI refuses such names)
  // would move one over the other halfway through.
  for (size_t i = 0; i < outputs.size(); ++i)
    for (size_t j = i + 1; j < outputs.size(); ++j)
      if (outputs[i] == outputs[j])
        return err("library name '" + n + "': two outputs named " + outputs[i]);
  return (*staged)->commit(outputs, opts.warn);
}

} // namespace codegen
} // namespace albertc
