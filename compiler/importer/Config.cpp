//===- Config.cpp - HuggingFace ALBERT config.json ------------------------===//

#include "compiler/importer/Config.h"
#include "compiler/importer/JsonCheck.h"
#include "compiler/importer/ReadFile.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"

#include <cstdio>

using namespace albertc;
using llvm::Expected;
using llvm::StringRef;

namespace {
llvm::Error fail(StringRef path, const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 path + ": " + msg);
}

/// A double as written in an error: %g, so -1e-12 is not "-0.000000".
std::string shownNumber(double d) {
  char buf[32];
  snprintf(buf, sizeof buf, "%g", d);
  return buf;
}

/// Reads an integer key into `out`, which holds HuggingFace's default when
/// the key is absent (save_pretrained leaves out values equal to AlbertConfig's
/// defaults). Sizes must be >= min.
llvm::Error readInt(const llvm::json::Object &o, StringRef path, StringRef key,
                    int64_t &out, int64_t min = 1) {
  const llvm::json::Value *v = o.get(key);
  if (!v) return llvm::Error::success();
  bool atLimit;
  llvm::Optional<int64_t> i = jsonInteger(*v, &atLimit);
  if (atLimit) return fail(path, "'" + key + "' is at or past the 64-bit integer limit");
  if (!i) return fail(path, "'" + key + "' must be an integer");
  if (*i < min)
    return fail(path, "'" + key + "' must be >= " + llvm::Twine(min) + ", got " +
                          llvm::Twine(*i));
  out = *i;
  return llvm::Error::success();
}
} // namespace

Expected<AlbertConfig> albertc::parseConfigText(StringRef text, StringRef path) {
  Expected<llvm::json::Value> json = parseJsonObject(text, /*maxDepth=*/64);
  if (!json) return fail(path, llvm::toString(json.takeError()));
  const llvm::json::Object *o = json->getAsObject();

  AlbertConfig c;
  if (const llvm::json::Value *v = o->get("model_type")) {
    auto mt = v->getAsString();
    if (!mt) return fail(path, "model_type must be a string");
    if (*mt != "albert")
      return fail(path, "model_type is '" + shownValue(*mt) + "', albertc compiles 'albert' models");
  }
  // A cap far beyond any ALBERT keeps size arithmetic in int64 and memory sane.
  const int64_t kMaxDim = int64_t(1) << 24;
  struct { StringRef key; int64_t *field; } ints[] = {
      {"vocab_size", &c.vocabSize},
      {"embedding_size", &c.embeddingSize},
      {"hidden_size", &c.hiddenSize},
      {"num_hidden_layers", &c.numHiddenLayers},
      {"num_hidden_groups", &c.numHiddenGroups},
      {"inner_group_num", &c.innerGroupNum},
      {"num_attention_heads", &c.numAttentionHeads},
      {"intermediate_size", &c.intermediateSize},
      {"max_position_embeddings", &c.maxPositionEmbeddings},
      {"type_vocab_size", &c.typeVocabSize}};
  for (auto &f : ints) {
    if (llvm::Error e = readInt(*o, path, f.key, *f.field)) return std::move(e);
    if (*f.field > kMaxDim)
      return fail(path, "'" + f.key + "' = " + llvm::Twine(*f.field) + " is too large");
  }
  // The importer writes one op per layer application before folding them.
  const int64_t kMaxLayerApplications = 4096;
  if (c.numHiddenLayers * c.innerGroupNum > kMaxLayerApplications)
    return fail(path, "num_hidden_layers x inner_group_num = " +
                          llvm::Twine(c.numHiddenLayers * c.innerGroupNum) +
                          " layer applications; albertc compiles at most " +
                          llvm::Twine(kMaxLayerApplications));
  if (c.hiddenSize % c.numAttentionHeads != 0)
    return fail(path, "hidden_size " + llvm::Twine(c.hiddenSize) +
                          " is not divisible by num_attention_heads " +
                          llvm::Twine(c.numAttentionHeads));

  if (const llvm::json::Value *v = o->get("layer_norm_eps")) {
    llvm::Optional<double> d = v->getAsNumber();
    if (!d) return fail(path, "'layer_norm_eps' must be a number");
    if (!(*d > 0.0) || *d > 1.0)
      return fail(path, "'layer_norm_eps' must be in (0, 1], got " + shownNumber(*d));
    c.layerNormEps = *d;
  }

  if (const llvm::json::Value *v = o->get("tie_word_embeddings")) {
    llvm::Optional<bool> tie = v->getAsBoolean();
    if (!tie) return fail(path, "'tie_word_embeddings' must be true or false");
    c.tieWordEmbeddings = *tie;
  }

  if (const llvm::json::Value *v = o->get("hidden_act")) {
    llvm::Optional<StringRef> act = v->getAsString();
    if (!act) return fail(path, "'hidden_act' must be a string");
    // Aliases HuggingFace maps to the same function.
    if (*act == "gelu_new" || *act == "gelu_pytorch_tanh" || *act == "gelu_fast")
      c.hiddenAct = "gelu_new";
    else if (*act == "gelu" || *act == "relu")
      c.hiddenAct = act->str();
    else
      return fail(path, "unsupported hidden_act '" + shownValue(*act) +
                            "' (supported: gelu_new, gelu_pytorch_tanh, gelu_fast, gelu, relu)");
  }

  if (const llvm::json::Value *v = o->get("position_embedding_type")) {
    llvm::Optional<StringRef> p = v->getAsString();
    if (!p) return fail(path, "'position_embedding_type' must be a string");
    if (*p != "absolute")
      return fail(path, "unsupported position_embedding_type '" + shownValue(*p) +
                            "' (supported: absolute)");
  }

  if (const llvm::json::Value *v = o->get("architectures")) {
    const llvm::json::Array *a = v->getAsArray();
    if (!a) return fail(path, "'architectures' must be a list of strings");
    for (const llvm::json::Value &e : *a) {
      llvm::Optional<StringRef> s = e.getAsString();
      if (!s) return fail(path, "'architectures' must be a list of strings");
      c.architectures.push_back(s->str());
    }
  }

  // id2label: {"0": "O", "1": "B-PER", ...}; every index 0..n-1 exactly once.
  if (const llvm::json::Value *v = o->get("id2label")) {
    const llvm::json::Object *m = v->getAsObject();
    if (!m) return fail(path, "'id2label' must be an object {\"0\": \"label\", ...}");
    if (m->size() > size_t(kMaxDim)) return fail(path, "'id2label' has too many entries");
    c.id2label.assign(m->size(), std::string());
    std::vector<bool> seen(m->size(), false);
    for (const auto &kv : *m) {
      StringRef key = kv.first;
      uint64_t index;
      if (key.getAsInteger(10, index) || index >= m->size() || seen[index])
        return fail(path, "'id2label' keys must be the indices 0.." +
                              llvm::Twine(m->size() - 1) + ", got '" + shownValue(key) + "'");
      llvm::Optional<StringRef> label = kv.second.getAsString();
      if (!label) return fail(path, "'id2label' values must be strings");
      seen[index] = true;
      c.id2label[index] = label->str();
    }
  }
  return c;
}

Expected<AlbertConfig> albertc::parseConfigFile(StringRef path) {
  // A config.json is a few KB.
  auto buf = readRegularFile(path, /*nullTerminated=*/true, /*maxBytes=*/uint64_t(16) << 20);
  if (!buf) return fail(path, llvm::toString(buf.takeError()));
  return parseConfigText((*buf)->getBuffer(), path);
}
