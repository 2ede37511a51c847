//===- Importer.cpp - HuggingFace ALBERT folder -> albert IR --------------===//

#include "compiler/importer/Importer.h"
#include "compiler/importer/JsonCheck.h"

#include "compiler/importer/Safetensors.h"
#include "dialects/albert/IR/AlbertOps.h"
#include "dialects/albert/Transforms/Passes.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/Builders.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace albertc;
using namespace mlir;
using llvm::StringRef;

namespace {
std::string shapeStr(llvm::ArrayRef<int64_t> s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

/// Builds the IR; remembers the first error so the building code stays linear.
class IRBuilder {
public:
  IRBuilder(MLIRContext &ctx, const AlbertConfig &cfg, const SafetensorsFile &file, Task task)
      : ctx(ctx), cfg(cfg), file(file), task(task), b(&ctx) {}

  llvm::Expected<ImportedModel> build();

private:
  /// Full tensor name for a name under the `albert.` model (prefix detected).
  std::string inModel(StringRef name) const { return prefix + name.str(); }
  bool has(StringRef fullName) const { return file.find(fullName) != nullptr; }

  /// The value of weight `fullName`, checked against `shape`.
  Value weight(StringRef fullName, llvm::ArrayRef<int64_t> shape);
  /// The classification head of `task` on the encoder output `h` (and the
  /// pooled output, when there is one), appended to results/names; a missing
  /// tensor is recorded in `unavailable`.
  void buildClassifierHead(Value h, Value pooled, Value choicesIds,
                           SmallVectorImpl<Value> &results, SmallVectorImpl<Attribute> &names,
                           ImportedModel &out);

  MLIRContext &ctx;
  const AlbertConfig &cfg;
  const SafetensorsFile &file;
  Task task;
  OpBuilder b;
  ModuleOp module;
  Operation *funcOp = nullptr;
  std::string prefix;
  llvm::StringMap<Value> refs;
  std::string error;
};

Value IRBuilder::weight(StringRef fullName, llvm::ArrayRef<int64_t> shape) {
  auto it = refs.find(fullName);
  if (it != refs.end()) return it->second;
  auto type = RankedTensorType::get(shape, b.getF32Type());
  const TensorInfo *t = file.find(fullName);
  if (!error.empty()) {
    // Keep building with a placeholder type; the first error is reported.
  } else if (!t) {
    error = file.path().str() + ": missing tensor '" + fullName.str() + "'";
  } else if (t->shape != std::vector<int64_t>(shape.begin(), shape.end())) {
    error = file.path().str() + ": tensor '" + fullName.str() + "' has shape " +
            shapeStr(t->shape) + ", config.json implies " + shapeStr(shape);
  } else if (t->dtype != "F32" && t->dtype != "F16" && t->dtype != "BF16") {
    error = file.path().str() + ": tensor '" + fullName.str() + "' has dtype " + t->dtype +
            "; weights must be F32, F16 or BF16";
  }
  OpBuilder mb(funcOp); // declarations go before @forward
  mb.create<albert::ParamOp>(b.getUnknownLoc(), b.getStringAttr(fullName),
                             TypeAttr::get(type), b.getStringAttr(fullName),
                             b.getStringAttr(t ? t->dtype : "F32"));
  Value ref = b.create<albert::ParamRefOp>(b.getUnknownLoc(), type,
                                           SymbolRefAttr::get(&ctx, fullName));
  refs[fullName] = ref;
  return ref;
}

llvm::Expected<ImportedModel> IRBuilder::build() {
  ImportedModel out;
  out.config = cfg;
  if (has("albert.embeddings.word_embeddings.weight")) prefix = "albert.";
  else if (!has("embeddings.word_embeddings.weight"))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        file.path() + ": missing tensor 'albert.embeddings.word_embeddings.weight' "
                      "(nor 'embeddings.word_embeddings.weight'): not an ALBERT checkpoint?");

  Location loc = b.getUnknownLoc();
  module = ModuleOp::create(loc);
  out.module = module;
  const int64_t V = cfg.vocabSize, E = cfg.embeddingSize, H = cfg.hiddenSize,
                F = cfg.intermediateSize, P = cfg.maxPositionEmbeddings,
                T = cfg.typeVocabSize;
  const double eps = cfg.layerNormEps;

  // AlbertForMultipleChoice takes [batch, choices, seq] and runs the
  // encoder on the batch * choices rows.
  const bool choices = task == Task::MultipleChoice;
  auto ids = RankedTensorType::get(choices ? llvm::ArrayRef<int64_t>{-1, -1, -1}
                                           : llvm::ArrayRef<int64_t>{-1, -1},
                                   b.getI32Type());
  auto act3 = [&](int64_t c) { return RankedTensorType::get({-1, -1, c}, b.getF32Type()); };
  auto act2 = [&](int64_t c) { return RankedTensorType::get({-1, c}, b.getF32Type()); };
  auto func = FuncOp::create(loc, "forward", b.getFunctionType({ids, ids, ids}, {}));
  module.push_back(func);
  funcOp = func;
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value inputIds = entry->getArgument(0), mask = entry->getArgument(1),
        tokenTypes = entry->getArgument(2);
  if (choices) {
    auto flat = [&](Value v) -> Value {
      return b.create<albert::FlattenChoicesOp>(
          loc, RankedTensorType::get({-1, -1}, b.getI32Type()), v);
    };
    inputIds = flat(inputIds);
    mask = flat(mask);
    tokenTypes = flat(tokenTypes);
  }
  FloatAttr epsAttr = b.getF64FloatAttr(eps);

  // Embeddings and the E -> H projection.
  std::string emb = inModel("embeddings.");
  Value e = b.create<albert::EmbeddingsOp>(
      loc, act3(E), inputIds, tokenTypes, weight(emb + "word_embeddings.weight", {V, E}),
      weight(emb + "position_embeddings.weight", {P, E}),
      weight(emb + "token_type_embeddings.weight", {T, E}),
      weight(emb + "LayerNorm.weight", {E}), weight(emb + "LayerNorm.bias", {E}), epsAttr);
  std::string map = inModel("encoder.embedding_hidden_mapping_in.");
  Value h = b.create<albert::LinearOp>(loc, act3(H), e, weight(map + "weight", {H, E}),
                                       weight(map + "bias", {H}));

  // One encoder_layer per application, in HuggingFace's order.
  for (int64_t i = 0; i < cfg.numHiddenLayers; ++i) {
    int64_t g = cfg.groupOfLayer(i);
    for (int64_t j = 0; j < cfg.innerGroupNum; ++j) {
      std::string p = inModel("encoder.albert_layer_groups." + std::to_string(g) +
                              ".albert_layers." + std::to_string(j) + ".");
      auto w = [&](StringRef n, llvm::ArrayRef<int64_t> s) { return weight(p + n.str(), s); };
      h = b.create<albert::EncoderLayerOp>(
          loc, act3(H), h, mask, w("attention.query.weight", {H, H}),
          w("attention.query.bias", {H}), w("attention.key.weight", {H, H}),
          w("attention.key.bias", {H}), w("attention.value.weight", {H, H}),
          w("attention.value.bias", {H}), w("attention.dense.weight", {H, H}),
          w("attention.dense.bias", {H}), w("attention.LayerNorm.weight", {H}),
          w("attention.LayerNorm.bias", {H}), w("ffn.weight", {F, H}), w("ffn.bias", {F}),
          w("ffn_output.weight", {H, F}), w("ffn_output.bias", {H}),
          w("full_layer_layer_norm.weight", {H}), w("full_layer_layer_norm.bias", {H}),
          b.getI64IntegerAttr(cfg.numAttentionHeads), epsAttr,
          b.getStringAttr(cfg.hiddenAct));
    }
  }
  if (!error.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(), error);

  SmallVector<Value> results{h};
  SmallVector<Attribute> names{b.getStringAttr("last_hidden_state")};
  auto missing = [&](std::initializer_list<std::string> need) -> std::string {
    for (const std::string &n : need)
      if (!has(n)) return "tensor '" + n + "' not found in " + file.path().str();
    return "";
  };

  // Pooler and SOP head.
  Value pooled;
  std::string why = missing({inModel("pooler.weight"), inModel("pooler.bias")});
  if (why.empty()) {
    pooled = b.create<albert::PoolerOp>(loc, act2(H), h, weight(inModel("pooler.weight"), {H, H}),
                                        weight(inModel("pooler.bias"), {H}));
    results.push_back(pooled);
    names.push_back(b.getStringAttr("pooler_output"));
  } else {
    out.unavailable["pooler_output"] = why;
  }

  // MLM head; the decoder is tied to the word embeddings unless the config
  // says "tie_word_embeddings": false, as in HuggingFace. A classification
  // task's `logits` are its head's (below).
  const bool classifier = task == Task::SequenceClassification ||
                          task == Task::TokenClassification ||
                          task == Task::QuestionAnswering || task == Task::MultipleChoice;
  std::string biasName = has("predictions.bias") ? "predictions.bias" : "predictions.decoder.bias";
  std::string decoderName = cfg.tieWordEmbeddings ? emb + "word_embeddings.weight"
                                                   : "predictions.decoder.weight";
  why = missing({"predictions.dense.weight", "predictions.dense.bias",
                 "predictions.LayerNorm.weight", "predictions.LayerNorm.bias", biasName,
                 decoderName});
  if (classifier) {
    // Not built.
  } else if (why.empty()) {
    Value logits = b.create<albert::MlmHeadOp>(
        loc, act3(V), h, weight("predictions.dense.weight", {E, H}),
        weight("predictions.dense.bias", {E}), weight("predictions.LayerNorm.weight", {E}),
        weight("predictions.LayerNorm.bias", {E}), weight(decoderName, {V, E}),
        weight(biasName, {V}), epsAttr, b.getStringAttr(cfg.hiddenAct));
    results.push_back(logits);
    names.push_back(b.getStringAttr("logits"));
  } else {
    out.unavailable["logits"] = why;
  }

  why = missing({"sop_classifier.classifier.weight", "sop_classifier.classifier.bias"});
  if (why.empty() && !pooled) why = out.unavailable["pooler_output"];
  if (why.empty()) {
    Value sop = b.create<albert::LinearOp>(loc, act2(2), pooled,
                                           weight("sop_classifier.classifier.weight", {2, H}),
                                           weight("sop_classifier.classifier.bias", {2}));
    results.push_back(sop);
    names.push_back(b.getStringAttr("sop_logits"));
  } else {
    out.unavailable["sop_logits"] = why;
  }
  if (classifier)
    buildClassifierHead(h, pooled, choices ? entry->getArgument(0) : Value(), results, names, out);
  if (!error.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(), error);

  b.create<ReturnOp>(loc, results);
  func.setType(b.getFunctionType({ids, ids, ids}, ValueRange(results).getTypes()));
  func->setAttr(albert::kOutputNamesAttr, b.getArrayAttr(names));
  func.setArgAttr(0, "albert.name", b.getStringAttr("input_ids"));
  func.setArgAttr(1, "albert.name", b.getStringAttr("attention_mask"));
  func.setArgAttr(2, "albert.name", b.getStringAttr("token_type_ids"));

  SmallString<256> abs(file.path());
  llvm::sys::fs::make_absolute(abs);
  module->setAttr("albert.weights_file", b.getStringAttr(abs));
  NamedAttrList c;
  c.append("vocab_size", b.getI64IntegerAttr(V));
  c.append("embedding_size", b.getI64IntegerAttr(E));
  c.append("hidden_size", b.getI64IntegerAttr(H));
  c.append("num_hidden_layers", b.getI64IntegerAttr(cfg.numHiddenLayers));
  c.append("num_hidden_groups", b.getI64IntegerAttr(cfg.numHiddenGroups));
  c.append("inner_group_num", b.getI64IntegerAttr(cfg.innerGroupNum));
  c.append("num_attention_heads", b.getI64IntegerAttr(cfg.numAttentionHeads));
  c.append("intermediate_size", b.getI64IntegerAttr(F));
  c.append("max_position_embeddings", b.getI64IntegerAttr(P));
  c.append("type_vocab_size", b.getI64IntegerAttr(T));
  module->setAttr("albert.config", c.getDictionary(&ctx));
  module->setAttr("albert.task", b.getStringAttr(taskName(task)));
  out.task = task;
  return std::move(out);
}

void IRBuilder::buildClassifierHead(Value h, Value pooled, Value choicesIds,
                                    SmallVectorImpl<Value> &results,
                                    SmallVectorImpl<Attribute> &names, ImportedModel &out) {
  Location loc = b.getUnknownLoc();
  const int64_t H = cfg.hiddenSize;
  const bool qa = task == Task::QuestionAnswering;
  std::string head = qa ? "qa_outputs" : "classifier";
  std::vector<std::string> outputs =
      qa ? std::vector<std::string>{"start_logits", "end_logits"} : std::vector<std::string>{"logits"};
  auto unavailable = [&](const std::string &why) {
    for (const std::string &o : outputs) out.unavailable[o] = why;
  };
  // The class count is the head's: HuggingFace sizes it from num_labels.
  const TensorInfo *w = file.find(head + ".weight");
  if (!w || !file.find(head + ".bias")) {
    unavailable("tensor '" + head + (w ? ".bias" : ".weight") + "' not found in " +
                file.path().str());
    return;
  }
  if (w->shape.size() != 2 || w->shape[1] != H || w->shape[0] < 1) {
    error = file.path().str() + ": tensor '" + head + ".weight' has shape " +
            shapeStr(w->shape) + ", expected [num_labels, " + std::to_string(H) + "]";
    return;
  }
  const int64_t N = w->shape[0];
  const char *why = nullptr;
  if (qa && N != 2) why = "2 rows (start and end)";
  if (task == Task::MultipleChoice && N != 1) why = "1 row (one score per choice)";
  if (why) {
    error = file.path().str() + ": tensor '" + head + ".weight' has " + std::to_string(N) +
            " rows; " + taskName(task) + " needs " + why;
    return;
  }
  if (!qa && task != Task::MultipleChoice && !cfg.id2label.empty() &&
      int64_t(cfg.id2label.size()) != N) {
    error = file.path().str() + ": tensor '" + head + ".weight' has " + std::to_string(N) +
            " rows but config.json's id2label names " + std::to_string(cfg.id2label.size()) +
            " labels";
    return;
  }
  if ((task == Task::SequenceClassification || task == Task::MultipleChoice) && !pooled) {
    unavailable(out.unavailable["pooler_output"]);
    return;
  }
  Value weightV = weight(head + ".weight", {N, H}), biasV = weight(head + ".bias", {N});
  auto type = [&](llvm::ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, b.getF32Type());
  };
  switch (task) {
  case Task::SequenceClassification:
    results.push_back(b.create<albert::LinearOp>(loc, type({-1, N}), pooled, weightV, biasV));
    break;
  case Task::TokenClassification:
    results.push_back(b.create<albert::LinearOp>(loc, type({-1, -1, N}), h, weightV, biasV));
    break;
  case Task::MultipleChoice: {
    Value score = b.create<albert::LinearOp>(loc, type({-1, 1}), pooled, weightV, biasV);
    results.push_back(
        b.create<albert::UnflattenChoicesOp>(loc, type({-1, -1}), score, choicesIds));
    break;
  }
  case Task::QuestionAnswering:
    // Row 0 of qa_outputs scores answer starts, row 1 answer ends.
    for (int64_t row = 0; row < 2; ++row) {
      Value wr = b.create<albert::SliceOp>(loc, type({1, H}), weightV, b.getI64IntegerAttr(row));
      Value br = b.create<albert::SliceOp>(loc, type({1}), biasV, b.getI64IntegerAttr(row));
      Value s = b.create<albert::LinearOp>(loc, type({-1, -1, 1}), h, wr, br);
      results.push_back(b.create<albert::SqueezeOp>(loc, type({-1, -1}), s));
    }
    break;
  default:
    return;
  }
  for (const std::string &o : outputs) names.push_back(b.getStringAttr(o));
  if (!qa && task != Task::MultipleChoice) {
    SmallVector<Attribute> labels;
    for (int64_t i = 0; i < N; ++i)
      labels.push_back(b.getStringAttr(cfg.id2label.empty() ? "LABEL_" + std::to_string(i)
                                                            : cfg.id2label[size_t(i)]));
    module->setAttr("albert.labels", b.getArrayAttr(labels));
  }
}
} // namespace

static llvm::Error taskError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

namespace {
struct TaskName {
  Task task;
  const char *name, *architecture;
};
const TaskName kTasks[] = {
    {Task::Base, "base", "AlbertModel"},
    {Task::MaskedLM, "masked-lm", "AlbertForMaskedLM"},
    {Task::Pretraining, "pretraining", "AlbertForPreTraining"},
    {Task::SequenceClassification, "sequence-classification", "AlbertForSequenceClassification"},
    {Task::TokenClassification, "token-classification", "AlbertForTokenClassification"},
    {Task::QuestionAnswering, "question-answering", "AlbertForQuestionAnswering"},
    {Task::MultipleChoice, "multiple-choice", "AlbertForMultipleChoice"},
};
std::string allTasks(bool architectures) {
  std::string s;
  for (const TaskName &t : kTasks)
    s += (s.empty() ? "" : ", ") + std::string(architectures ? t.architecture : t.name);
  return s;
}
} // namespace

llvm::Expected<Task> albertc::parseTask(StringRef name) {
  for (const TaskName &t : kTasks)
    if (name == t.name) return t.task;
  return taskError("unknown --task '" + name + "' (use " + allTasks(false) + ")");
}

const char *albertc::taskName(Task task) {
  for (const TaskName &t : kTasks)
    if (t.task == task) return t.name;
  return "?";
}

llvm::Expected<Task> albertc::taskFromConfig(const AlbertConfig &config, StringRef configPath) {
  if (config.architectures.empty()) return Task::Base;
  const std::string &a = config.architectures.front();
  for (const TaskName &t : kTasks)
    if (a == t.architecture) return t.task;
  return taskError(configPath + ": architecture '" + shownValue(a) + "' is not supported (" +
                   allTasks(true) + "); --task base compiles its encoder");
}

llvm::Expected<ImportedModel> albertc::importModel(MLIRContext &ctx, StringRef modelDir,
                                                   StringRef taskName) {
  ctx.loadDialect<albert::AlbertDialect, StandardOpsDialect>();
  SmallString<256> cfgPath(modelDir), stPath(modelDir);
  llvm::sys::path::append(cfgPath, "config.json");
  llvm::sys::path::append(stPath, "model.safetensors");
  if (!llvm::sys::fs::is_directory(modelDir))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   modelDir + ": not a directory (expected a HuggingFace "
                                              "model folder with config.json and model.safetensors)");
  auto cfg = parseConfigFile(cfgPath);
  if (!cfg) return cfg.takeError();
  auto task = taskName.empty() ? taskFromConfig(*cfg, cfgPath) : parseTask(taskName);
  if (!task) return task.takeError();
  SmallString<256> binPath(modelDir);
  llvm::sys::path::append(binPath, "pytorch_model.bin");
  if (!llvm::sys::fs::exists(stPath) && llvm::sys::fs::exists(binPath))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        stPath + ": not found; the folder has pytorch_model.bin, which albertc does not read: "
                 "convert it with scripts/bin_to_safetensors.py " + modelDir);
  auto file = SafetensorsFile::open(stPath);
  if (!file) return file.takeError();
  IRBuilder builder(ctx, *cfg, **file, *task);
  return builder.build();
}
