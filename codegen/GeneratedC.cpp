//===- GeneratedC.cpp - the C a library is built from ----------------------===//

#include "codegen/GeneratedC.h"
#include "codegen/Kernels.h"

#include "albert/albert_runtime.h"

#include <iterator>
#include <sstream>

namespace albertc {
namespace codegen {

namespace {
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

/// The special tokens in the order of <name>_special_token's `which`
/// (<NAME>_TOKEN_CLS = 0, ...).
const char *const kSpecialTokens[] = {"CLS", "SEP", "MASK", "PAD", "UNK"};

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

/// The widest FMA vectors a CPU target's kernels use, in bits (vectorWidth's
/// lanes): 0 for a GPU target or one without AVX2 + FMA.
int fmaVectorBits(const Halide::Target &t) {
  if (t.has_gpu_feature()) return 0;
  if (vectorWidth(t) == 16) return 512;
  return t.has_feature(Halide::Target::AVX2) && t.has_feature(Halide::Target::FMA) ? 256 : 0;
}

/// A profiling build's (a target with `profile`) report per op: the Halide
/// profiler's sampled time of each op's Funcs, summed per kernel over the
/// runs since the last reset, with the op's FLOPs per call (OpWork), for
/// `albertc bench --ops`. Entry "rest" of each kernel: the rest of its
/// pipeline's time (Funcs of no op, Halide's overhead).
void profileSource(std::ostringstream &c, const Plan &plan, const std::string &n,
                   int vectorBits) {
  c << "\n/* Profiling build: each op's share of the Halide profiler's samples. */\n"
    << "typedef struct op_work {\n"
    << "  const char *kernel, *prefix, *label; /* prefix 0: the kernel's rest */\n"
    << "  int64_t per_row, per_token, per_token_seq;\n"
    << "  int index; /* the kernel's, in profile_sequences */\n"
    << "} op_work;\n"
    << "static const op_work op_works[] = {\n";
  size_t count = 0;
  for (size_t i = 0; i < plan.kernels.size(); ++i) {
    const CompiledKernel &k = plan.kernels[i];
    for (const OpWork &w : k.ops) {
      c << "  {\"" << k.function << "\", " << cString(w.prefix) << ", " << cString(w.label)
        << ", " << w.perRow << ", " << w.perToken << ", " << w.perTokenSeq << ", " << i << "},\n";
      ++count;
    }
    c << "  {\"" << k.function << "\", 0, \"rest\", 0, 0, 0, " << i << "},\n";
    ++count;
  }
  c << "};\n"
    << "/* Whether Func `name` is the op's: `prefix`, or `prefix` then '_' or '$'. */\n"
    << "static int op_func(const char *prefix, const char *name) {\n"
    << "  size_t len = strlen(prefix);\n"
    << "  return strncmp(name, prefix, len) == 0 &&\n"
    << "         (name[len] == 0 || name[len] == '_' || name[len] == '$');\n}\n"
    << "API int " << n << "_profile_num_ops(void) { return " << count << "; }\n"
    << "API int " << n << "_profile_op(int index, const char **kernel, const char **label,\n"
    << "                               int64_t work[3], int64_t *calls, int64_t *sequences,\n"
    << "                               double *seconds) {\n"
    << "  if (index < 0 || index >= " << count << " || !kernel || !label || !work || !calls ||\n"
    << "      !sequences || !seconds)\n"
    << "    return ALBERT_RT_INVALID_ARGUMENT;\n"
    << "  const op_work *w = &op_works[index];\n"
    << "  *kernel = w->kernel, *label = w->label, *calls = 0, *seconds = 0;\n"
    << "  *sequences = __atomic_load_n(&profile_sequences[w->index], __ATOMIC_RELAXED);\n"
    << "  work[0] = w->per_row, work[1] = w->per_token, work[2] = w->per_token_seq;\n"
    << "  struct halide_profiler_state *s = halide_profiler_get_state();\n"
    << "  halide_mutex_lock(&s->lock);\n"
    << "  for (struct halide_profiler_pipeline_stats *p = s->pipelines; p;\n"
    << "       p = (struct halide_profiler_pipeline_stats *)p->next) {\n"
    << "    if (strcmp(p->name, w->kernel) != 0) continue;\n"
    << "    int64_t ns = w->prefix ? 0 : (int64_t)p->time;\n"
    << "    for (int f = 0; f < p->num_funcs; ++f) {\n"
    << "      const char *name = p->funcs[f].name;\n"
    << "      if (w->prefix && op_func(w->prefix, name)) ns += p->funcs[f].time;\n"
    << "      if (w->prefix) continue;\n"
    << "      for (int o = 0; o < " << count << "; ++o) /* the other ops' Funcs */\n"
    << "        if (op_works[o].prefix && strcmp(op_works[o].kernel, w->kernel) == 0 &&\n"
    << "            op_func(op_works[o].prefix, name)) {\n"
    << "          ns -= (int64_t)p->funcs[f].time;\n"
    << "          break;\n        }\n    }\n"
    << "    *calls = p->runs, *seconds = (ns > 0 ? ns : 0) * 1e-9;\n  }\n"
    << "  halide_mutex_unlock(&s->lock);\n  return 0;\n}\n"
    << "API void " << n << "_profile_reset(void) {\n"
    << "  halide_profiler_reset();\n"
    << "  for (int k = 0; k < " << plan.kernels.size() << "; ++k)\n"
    << "    __atomic_store_n(&profile_sequences[k], 0, __ATOMIC_RELAXED);\n}\n"
    << "/* The kernels' widest FMA vectors in bits (0: a GPU library, or no AVX2 +\n"
    << " * FMA): the FMA peak to measure. */\n"
    << "API int " << n << "_profile_vector_bits(void) { return " << vectorBits << "; }\n";
}
} // namespace

/// <name>_model.c: tables, forward(), and the public entry points.
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
    << (opts.target.has_feature(Halide::Target::Profile)
            ? "/* Profiling build: the sequences each kernel ran on, over its calls. */\n"
              "static int64_t profile_sequences[" + std::to_string(plan.kernels.size()) + "];\n"
              "static void profile_count(int kernel, int64_t sequences) {\n"
              "  __atomic_fetch_add(&profile_sequences[kernel], sequences, __ATOMIC_RELAXED);\n}\n"
            : std::string())
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
    << ",\n  target_features, " << cString(opts.target.to_string()) << ",\n  "
    << plan.chunkRows << "\n};\n\n";
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
  if (tokenizer) {
    c << "  static const int kinds[] = {";
    for (const char *t : kSpecialTokens) c << "ALBERT_TOK_" << t << ", ";
    c << "};\n"
      << "  int32_t id = which >= 0 && which < " << std::size(kSpecialTokens)
      << " ? albert_tok_special_id(t, kinds[which]) : -1;\n"
      << "  albert_rt_tokenizer_end(held, 0, 0);\n"
      << "  return id;\n";
  } else {
    c << "  (void)which;\n  albert_rt_tokenizer_end(held, 0, 0);\n  return -1;\n";
  }
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
  if (opts.target.has_feature(Halide::Target::Profile))
    profileSource(c, plan, n, fmaVectorBits(opts.target));
  return c.str();
}

/// <name>.h, the header applications include.
std::string publicHeader(const Plan &plan, const LibraryOptions &opts) {
  const std::string &n = opts.name;
  // The name as given (macros are case-sensitive) under albertc's prefix: no
  // other library's header, nor albert_tasks.h (ALBERT_TASKS_H), has it.
  const std::string guard = "ALBERTC_" + n + "_H";
  auto upper = [](std::string u) {
    for (char &ch : u) ch = char(toupper((unsigned char)ch));
    return u;
  };
  const std::string N = upper(n); // the prefix of the header's other macros
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
    << " *     that. " << n << "_close frees everything the model allocated, except the\n"
    << " *     kernels' scratch blocks: the library keeps those between runs (up to 256 MiB,\n"
    << " *     shared by its models) and frees them at the close of its last open model.\n";
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
    << " * handles (linked statically, by every albertc library in the program).\n"
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
    << "#endif\n\n";
  // This library's macros, under the upper-cased name: another albertc
  // library's header can define the same ones with other values (`tiny` and
  // `Tiny`; `tiny` and `tiny_type`: TINY_TYPE_VOCAB_SIZE), which a compiler
  // only warns about. The header refuses to be included after one. The sizes
  // are defined here, the token kinds by the tokenizer's declarations.
  struct Macro {
    std::string name, value, comment;
  };
  std::vector<Macro> sizes{{N + "_VOCAB_SIZE", std::to_string(plan.vocab), ""},
                           {N + "_TYPE_VOCAB_SIZE", std::to_string(plan.types), ""},
                           {N + "_MAX_SEQ", std::to_string(plan.positions), ""},
                           {N + "_NUM_OUTPUTS", std::to_string(plan.outputs.size()), ""}};
  for (size_t i = 0; i < plan.outputs.size(); ++i) {
    const Plan::Output &o = plan.outputs[i];
    std::string shape = o.view == ALBERT_RT_VIEW_SQUEEZE   ? "[batch, seq]"
                        : o.view == ALBERT_RT_VIEW_CHOICES ? "[batch, num_choices]"
                        : o.perToken ? "[batch, seq, " + std::to_string(o.cols) + "]"
                                     : "[batch, " + std::to_string(o.cols) + "]";
    sizes.push_back({N + "_OUTPUT_" + upper(o.name), std::to_string(i), shape + " float32"});
  }
  if (!plan.labels.empty())
    sizes.push_back({N + "_NUM_LABELS", std::to_string(plan.labels.size()),
                     "classes of logits: " + n + "_label(i)"});
  std::vector<Macro> tokens; // <name>_special_token's `which`
  for (const char *t : kSpecialTokens)
    tokens.push_back({N + "_TOKEN_" + t, std::to_string(tokens.size()), ""});
  auto define = [&](const std::vector<Macro> &macros) {
    for (const Macro &m : macros)
      h << "#define " << m.name << " " << m.value
        << (m.comment.empty() ? "" : " /* " + m.comment + " */") << "\n";
  };
  h << "#if ";
  size_t count = 0;
  for (const std::vector<Macro> *group : {&sizes, &tokens})
    for (const Macro &m : *group) {
      h << (count ? (count % 3 ? " || " : " || \\\n    ") : "") << "defined(" << m.name << ")";
      ++count;
    }
  h << "\n#error \"" << n << ".h: one of its " << N
    << "_* macros is already defined (by the header of an albertc library whose name differs "
       "only in case, or adds a suffix such as _type?): compile one of them with another --name\"\n"
    << "#endif\n";
  define(sizes);
  h << "\ntypedef struct " << n << "_model " << n << "_model;\n"
    << "typedef struct " << n << "_options {\n"
    << "  /* Kernel threads, shared by every handle of this library in the process\n"
    << "   * (linked statically: of every albertc library): a value > 0 sets it; <= 0 keeps\n"
    << "   * the current setting (initially HL_NUM_THREADS, or the core count). */\n"
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
    << " * ([batch, seq, cols]), shape[0..rank); data, shape and rank may each be NULL (not\n"
    << " * wanted). Values at padded positions are unspecified. */\n"
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
    << " * spiece.model and tokenizer_config.json\n * ("
    << (opts.spieceModel.empty() ? "none in this library: no spiece.model, or --no-tokenizer"
        : opts.embedWeights      ? "inside the library"
                                 : n + ".spiece.model, next to the weights")
    << ").\n"
    << " * " << n << "_has_tokenizer() is " << !opts.spieceModel.empty()
    << " for this library; without one the functions below fail. */\n"
    << "int " << n << "_has_tokenizer(void);\n"
    << "/* Encodes [CLS] text [SEP] (text_pair [SEP]) into caller-owned arrays of `capacity`\n"
    << " * entries: input_ids, token_type_ids (may be NULL), offsets (2 per token: [begin, end)\n"
    << " * bytes in text or text_pair; may be NULL) and source (0: text, 1: text_pair, -1: special\n"
    << " * token; may be NULL). max_length > 0 truncates the longer text first. *length: tokens\n"
    << " * written (or needed, when capacity is too small: ALBERT_INVALID_ARGUMENT).\n"
    << " * Memory: SentencePiece segments the whole text, whatever max_length: 130-290\n"
    << " * bytes per input byte during the call (10 MiB of text: 1.3-3 GB; the high end for\n"
    << " * long runs without spaces). Cap untrusted input before calling. */\n"
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
    << "    int skip_special, char *text, int64_t capacity, int64_t *length);\n";
  define(tokens);
  h << "/* The id of a special token (" << N << "_TOKEN_*), or -1. */\n"
    << "int32_t " << n << "_special_token(const " << n << "_model *model, int which);\n\n"
    << "/* Why the last call on `model` failed; model NULL: why this thread's last open\n"
    << " * failed, or its last call given a NULL model. */\n"
    << "const char *" << n << "_error(const " << n << "_model *model);\n"
    << "void " << n << "_close(" << n << "_model *model);\n\n";
  if (opts.target.has_feature(Halide::Target::Profile))
    h << "/* Compiled with a profiling target (--target ...-profile): Halide's sampling\n"
      << " * profiler runs in every kernel and prints its report at exit, and these give\n"
      << " * each op's share of it (what `albertc bench --ops` prints). Entry `index` (0 to\n"
      << " * " << n << "_profile_num_ops() - 1) is one op of one kernel, or the rest of that\n"
      << " * kernel (label \"rest\"): *kernel and *label are library-owned constants; a call\n"
      << " * of the kernel on b sequences of seq tokens (the whole batch, or a chunk of it)\n"
      << " * does work[0] x b + work[1] x b x seq + work[2] x b x seq^2 FLOPs (GEMMs and\n"
      << " * attention only); *calls, *sequences and *seconds are the kernel's calls, the\n"
      << " * sequences of those calls together, and the op's sampled time, over every\n"
      << " * handle's runs since the last reset (or the first run). No pointer may be\n"
      << " * NULL. Not to be called while a run is in progress. */\n"
      << "int " << n << "_profile_num_ops(void);\n"
      << "int " << n << "_profile_op(int index, const char **kernel, const char **label,\n"
      << "    int64_t work[3], int64_t *calls, int64_t *sequences, double *seconds);\n"
      << "void " << n << "_profile_reset(void);\n\n";
  h << "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  return h.str();
}

} // namespace codegen
} // namespace albertc
