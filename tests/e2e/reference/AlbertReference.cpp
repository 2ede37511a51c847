//===- AlbertReference.cpp - naive float64 ALBERT forward pass ------------===//
//
// Deliberately plain: one loop nest per operation, double everywhere, no
// blocking, no fusion. It shares nothing with the compiler but the readers.
//
//===----------------------------------------------------------------------===//
#include "tests/e2e/reference/AlbertReference.h"

#include "compiler/importer/Safetensors.h"

#include "llvm/ADT/StringRef.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace albertc {
namespace e2e {
namespace {

llvm::Error error(const std::string &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "reference: " + msg);
}

std::string shapeString(const std::vector<int64_t> &s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

using Vec = std::vector<double>;

/// y[r, o] = b[o] + sum_i x[r, i] * W[o, i]   (PyTorch Linear, W is [out, in])
Vec linear(const Vec &x, int64_t rows, int64_t in, const Vec &W, const Vec *b, int64_t out) {
  Vec y(size_t(rows * out));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double acc = 0;
      for (int64_t i = 0; i < in; ++i)
        acc += x[size_t(r * in + i)] * W[size_t(o * in + i)];
      y[size_t(r * out + o)] = acc + (b ? (*b)[size_t(o)] : 0.0);
    }
  return y;
}

/// LayerNorm over the last dimension (biased variance, as torch.nn.LayerNorm).
void layerNorm(Vec &x, int64_t rows, int64_t n, const Vec &w, const Vec &b, double eps) {
  for (int64_t r = 0; r < rows; ++r) {
    double *v = &x[size_t(r * n)];
    double mean = 0;
    for (int64_t i = 0; i < n; ++i)
      mean += v[i];
    mean /= double(n);
    double var = 0;
    for (int64_t i = 0; i < n; ++i)
      var += (v[i] - mean) * (v[i] - mean);
    var /= double(n);
    double inv = 1.0 / std::sqrt(var + eps);
    for (int64_t i = 0; i < n; ++i)
      v[i] = (v[i] - mean) * inv * w[size_t(i)] + b[size_t(i)];
  }
}

double activation(const std::string &act, double x) {
  if (act == "gelu_new") {
    const double c = std::sqrt(2.0 / M_PI);
    return 0.5 * x * (1.0 + std::tanh(c * (x + 0.044715 * x * x * x)));
  }
  if (act == "gelu")
    return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  if (act == "relu")
    return x > 0 ? x : 0.0;
  return std::numeric_limits<double>::quiet_NaN();
}

std::string canonical(llvm::StringRef name) {
  return name.startswith("albert.") ? name.drop_front(7).str() : name.str();
}

} // namespace

llvm::Expected<AlbertReference> AlbertReference::load(const std::string &modelDir) {
  AlbertReference ref;
  ref.modelDir_ = modelDir;
  auto cfg = parseConfigFile(modelDir + "/config.json");
  if (!cfg)
    return cfg.takeError();
  ref.cfg_ = *cfg;
  if (ref.cfg_.hiddenAct != "gelu_new" && ref.cfg_.hiddenAct != "gelu" &&
      ref.cfg_.hiddenAct != "relu")
    return error("unsupported hidden_act '" + ref.cfg_.hiddenAct + "'");

  auto file = SafetensorsFile::open(modelDir + "/model.safetensors");
  if (!file)
    return file.takeError();
  for (const TensorInfo &t : (*file)->tensors()) {
    if (t.dtype != "F32" && t.dtype != "F16" && t.dtype != "BF16") {
      if (t.dtype == "I64" || t.dtype == "I32")
        continue; // the position_ids buffer: arange
      return error(t.name + ": unsupported dtype " + t.dtype);
    }
    std::string key = canonical(t.name);
    if (ref.weights_.count(key))
      return error(key + " present both with and without the 'albert.' prefix");
    std::vector<float> f(size_t(t.numElements()));
    auto nonFinite = (*file)->readAsF32(t, f.data());
    if (!nonFinite)
      return nonFinite.takeError();
    if (*nonFinite)
      return error(t.name + " has non-finite values");
    ref.weights_[key] = Vec(f.begin(), f.end());
    ref.shapes_[key] = t.shape;
  }
  // predictions.bias and predictions.decoder.bias are one tied parameter.
  if (!ref.weights_.count("predictions.bias") && ref.weights_.count("predictions.decoder.bias")) {
    ref.weights_["predictions.bias"] = ref.weights_["predictions.decoder.bias"];
    ref.shapes_["predictions.bias"] = ref.shapes_["predictions.decoder.bias"];
  }
  return ref;
}

const Vec *AlbertReference::find(const std::string &name) const {
  auto it = weights_.find(name);
  return it == weights_.end() ? nullptr : &it->second;
}

llvm::Expected<const Vec *> AlbertReference::get(const std::string &name,
                                                 std::vector<int64_t> shape) const {
  auto it = weights_.find(name);
  if (it == weights_.end())
    return error(modelDir_ + ": missing tensor " + name);
  const auto &have = shapes_.at(name);
  if (have != shape)
    return error(name + " has shape " + shapeString(have) + ", expected " + shapeString(shape));
  return &it->second;
}

llvm::Expected<std::string> AlbertReference::defaultTask() const {
  std::string arch = cfg_.architectures.empty() ? "AlbertModel" : cfg_.architectures[0];
  if (arch == "AlbertModel")
    return std::string("base");
  if (arch == "AlbertForMaskedLM")
    return std::string("masked-lm");
  if (arch == "AlbertForPreTraining")
    return std::string("pretraining");
  if (arch == "AlbertForSequenceClassification")
    return std::string("sequence-classification");
  if (arch == "AlbertForTokenClassification")
    return std::string("token-classification");
  if (arch == "AlbertForQuestionAnswering")
    return std::string("question-answering");
  if (arch == "AlbertForMultipleChoice")
    return std::string("multiple-choice");
  return error("cannot infer the task from architecture '" + arch + "'");
}

llvm::Expected<Outputs> AlbertReference::run(const std::string &taskArg, int64_t B, int64_t S,
                                             const int32_t *ids, const int32_t *mask,
                                             const int32_t *tokenTypes, int64_t choices) const {
  std::string task = taskArg;
  if (task.empty()) {
    auto t = defaultTask();
    if (!t)
      return t.takeError();
    task = *t;
  }
  static const char *const kTasks[] = {"base",
                                       "masked-lm",
                                       "pretraining",
                                       "sequence-classification",
                                       "token-classification",
                                       "question-answering",
                                       "multiple-choice"};
  if (std::find(std::begin(kTasks), std::end(kTasks), task) == std::end(kTasks))
    return error("unknown task '" + task + "'");
  if (choices < 1 || B % choices != 0 || (choices != 1 && task != "multiple-choice"))
    return error("choices must divide the batch of a multiple-choice run");

  const int64_t V = cfg_.vocabSize, E = cfg_.embeddingSize, H = cfg_.hiddenSize;
  const int64_t L = cfg_.numHiddenLayers, G = cfg_.numHiddenGroups, I = cfg_.innerGroupNum;
  const int64_t nh = cfg_.numAttentionHeads, F = cfg_.intermediateSize;
  const int64_t P = cfg_.maxPositionEmbeddings, T = cfg_.typeVocabSize;
  const double eps = cfg_.layerNormEps;
  const std::string &act = cfg_.hiddenAct;
  if (H % nh)
    return error("hidden_size is not a multiple of num_attention_heads");
  const int64_t d = H / nh;
  if (!ids || B < 1 || S < 1)
    return error("bad input shape");
  if (S > P)
    return error("seq " + std::to_string(S) + " > max_position_embeddings " + std::to_string(P));
  const int64_t N = B * S;
  for (int64_t i = 0; i < N; ++i) {
    if (ids[i] < 0 || ids[i] >= V)
      return error("input id out of range");
    if (tokenTypes && (tokenTypes[i] < 0 || tokenTypes[i] >= T))
      return error("token type id out of range");
    if (mask && mask[i] != 0 && mask[i] != 1)
      return error("mask value not 0/1");
  }

#define GET(var, name, ...)                                                                        \
  auto var##OrErr = get(name, {__VA_ARGS__});                                                      \
  if (!var##OrErr)                                                                                 \
    return var##OrErr.takeError();                                                                 \
  const Vec &var = **var##OrErr;

  // -- embeddings --
  GET(word, "embeddings.word_embeddings.weight", V, E);
  GET(pos, "embeddings.position_embeddings.weight", P, E);
  GET(typ, "embeddings.token_type_embeddings.weight", T, E);
  GET(embLnW, "embeddings.LayerNorm.weight", E);
  GET(embLnB, "embeddings.LayerNorm.bias", E);
  Vec x(size_t(N * E));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t s = 0; s < S; ++s) {
      int64_t r = b * S + s, id = ids[r], tt = tokenTypes ? tokenTypes[r] : 0;
      for (int64_t e = 0; e < E; ++e)
        x[size_t(r * E + e)] =
            word[size_t(id * E + e)] + typ[size_t(tt * E + e)] + pos[size_t(s * E + e)];
    }
  layerNorm(x, N, E, embLnW, embLnB, eps);
  GET(mapW, "encoder.embedding_hidden_mapping_in.weight", H, E);
  GET(mapB, "encoder.embedding_hidden_mapping_in.bias", H);
  Vec h = linear(x, N, E, mapW, &mapB, H);

  // -- encoder --
  // HF: extended mask (1 - mask) * finfo(float32).min added to the scores.
  const double maskMin = double(std::numeric_limits<float>::lowest());
  for (int64_t i = 0; i < L; ++i) {
    int64_t g = static_cast<int64_t>(double(i) / (double(L) / double(G)));
    for (int64_t j = 0; j < I; ++j) {
      std::string p = "encoder.albert_layer_groups." + std::to_string(g) + ".albert_layers." +
                      std::to_string(j) + ".";
      GET(qW, p + "attention.query.weight", H, H);
      GET(qB, p + "attention.query.bias", H);
      GET(kW, p + "attention.key.weight", H, H);
      GET(kB, p + "attention.key.bias", H);
      GET(vW, p + "attention.value.weight", H, H);
      GET(vB, p + "attention.value.bias", H);
      GET(oW, p + "attention.dense.weight", H, H);
      GET(oB, p + "attention.dense.bias", H);
      GET(ln1W, p + "attention.LayerNorm.weight", H);
      GET(ln1B, p + "attention.LayerNorm.bias", H);
      GET(fW, p + "ffn.weight", F, H);
      GET(fB, p + "ffn.bias", F);
      GET(f2W, p + "ffn_output.weight", H, F);
      GET(f2B, p + "ffn_output.bias", H);
      GET(ln2W, p + "full_layer_layer_norm.weight", H);
      GET(ln2B, p + "full_layer_layer_norm.bias", H);

      Vec q = linear(h, N, H, qW, &qB, H);
      Vec k = linear(h, N, H, kW, &kB, H);
      Vec v = linear(h, N, H, vW, &vB, H);
      Vec ctx(size_t(N * H), 0.0);
      Vec sc(static_cast<size_t>(S));
      const double scale = std::sqrt(double(d));
      for (int64_t b = 0; b < B; ++b)
        for (int64_t hd = 0; hd < nh; ++hd)
          for (int64_t s = 0; s < S; ++s) {
            const double *qr = &q[size_t((b * S + s) * H + hd * d)];
            double mx = -std::numeric_limits<double>::infinity();
            for (int64_t t = 0; t < S; ++t) {
              const double *kr = &k[size_t((b * S + t) * H + hd * d)];
              double dot = 0;
              for (int64_t e = 0; e < d; ++e)
                dot += qr[e] * kr[e];
              double add = (mask && mask[b * S + t] == 0) ? maskMin : 0.0;
              sc[size_t(t)] = dot / scale + add;
              mx = std::max(mx, sc[size_t(t)]);
            }
            double sum = 0;
            for (int64_t t = 0; t < S; ++t)
              sum += (sc[size_t(t)] = std::exp(sc[size_t(t)] - mx));
            double *cr = &ctx[size_t((b * S + s) * H + hd * d)];
            for (int64_t t = 0; t < S; ++t) {
              double pr = sc[size_t(t)] / sum;
              const double *vr = &v[size_t((b * S + t) * H + hd * d)];
              for (int64_t e = 0; e < d; ++e)
                cr[e] += pr * vr[e];
            }
          }
      Vec a = linear(ctx, N, H, oW, &oB, H);
      for (size_t e = 0; e < a.size(); ++e)
        a[e] += h[e];
      layerNorm(a, N, H, ln1W, ln1B, eps);
      Vec f = linear(a, N, H, fW, &fB, F);
      for (double &z : f)
        z = activation(act, z);
      Vec o = linear(f, N, F, f2W, &f2B, H);
      for (size_t e = 0; e < o.size(); ++e)
        o[e] += a[e];
      layerNorm(o, N, H, ln2W, ln2B, eps);
      h = std::move(o);
    }
  }

  // -- heads --
  Outputs out;
  auto pooler = [&]() -> llvm::Expected<Vec> {
    GET(pW, "pooler.weight", H, H);
    GET(pB, "pooler.bias", H);
    Vec first(size_t(B * H));
    for (int64_t b = 0; b < B; ++b)
      for (int64_t e = 0; e < H; ++e)
        first[size_t(b * H + e)] = h[size_t(b * S * H + e)];
    Vec y = linear(first, B, H, pW, &pB, H);
    for (double &z : y)
      z = std::tanh(z);
    return y;
  };
  auto mlm = [&]() -> llvm::Expected<Vec> {
    GET(dW, "predictions.dense.weight", E, H);
    GET(dB, "predictions.dense.bias", E);
    GET(lnW, "predictions.LayerNorm.weight", E);
    GET(lnB, "predictions.LayerNorm.bias", E);
    GET(bias, "predictions.bias", V);
    Vec t = linear(h, N, H, dW, &dB, E);
    for (double &z : t)
      z = activation(act, z);
    layerNorm(t, N, E, lnW, lnB, eps);
    if (cfg_.tieWordEmbeddings) return linear(t, N, E, word, &bias, V);
    GET(decoder, "predictions.decoder.weight", V, E); // "tie_word_embeddings": false
    return linear(t, N, E, decoder, &bias, V);
  };
  // The fine-tuning heads (dropout is the identity at inference).
  auto classifier = [&](const Vec &x, int64_t rows, const std::string &name,
                        int64_t n) -> llvm::Expected<Vec> {
    GET(cW, name + ".weight", n, H);
    GET(cB, name + ".bias", n);
    return linear(x, rows, H, cW, &cB, n);
  };
  auto labels = [&](const std::string &name) -> int64_t {
    auto it = shapes_.find(name);
    return it == shapes_.end() || it->second.size() != 2 ? 1 : it->second[0];
  };
  if (task == "sequence-classification" || task == "multiple-choice") {
    auto pooled = pooler();
    if (!pooled)
      return pooled.takeError();
    int64_t n = task == "multiple-choice" ? 1 : labels("classifier.weight");
    auto logits = classifier(*pooled, B, "classifier", n);
    if (!logits)
      return logits.takeError();
    // Multiple choice: one score per row, viewed as [examples, choices].
    std::vector<int64_t> shape = task == "multiple-choice" ? std::vector<int64_t>{B / choices, choices}
                                                           : std::vector<int64_t>{B, n};
    out.values["logits"] = {shape, std::move(*logits)};
  } else if (task == "token-classification") {
    int64_t n = labels("classifier.weight");
    auto logits = classifier(h, N, "classifier", n);
    if (!logits)
      return logits.takeError();
    out.values["logits"] = {{B, S, n}, std::move(*logits)};
  } else if (task == "question-answering") {
    auto qa = classifier(h, N, "qa_outputs", 2);
    if (!qa)
      return qa.takeError();
    Vec start(static_cast<size_t>(N)), end(static_cast<size_t>(N));
    for (int64_t r = 0; r < N; ++r) {
      start[size_t(r)] = (*qa)[size_t(2 * r)];
      end[size_t(r)] = (*qa)[size_t(2 * r + 1)];
    }
    out.values["start_logits"] = {{B, S}, std::move(start)};
    out.values["end_logits"] = {{B, S}, std::move(end)};
  } else if (task == "base") {
    out.values["last_hidden_state"] = {{B, S, H}, h};
    if (find("pooler.weight")) {
      auto pooled = pooler();
      if (!pooled)
        return pooled.takeError();
      out.values["pooler_output"] = {{B, H}, std::move(*pooled)};
    }
  } else {
    auto logits = mlm();
    if (!logits)
      return logits.takeError();
    out.values["logits"] = {{B, S, V}, std::move(*logits)};
    if (task == "pretraining") {
      auto pooled = pooler();
      if (!pooled)
        return pooled.takeError();
      GET(cW, "sop_classifier.classifier.weight", 2, H);
      GET(cB, "sop_classifier.classifier.bias", 2);
      out.values["sop_logits"] = {{B, 2}, linear(*pooled, B, H, cW, &cB, 2)};
    }
  }
#undef GET
  return out;
}

llvm::Expected<Outputs> runReference(const std::string &modelDir, const std::string &task,
                                     int64_t batch, int64_t seq, const int32_t *ids,
                                     const int32_t *mask, const int32_t *tokenTypes,
                                     int64_t choices) {
  auto ref = AlbertReference::load(modelDir);
  if (!ref)
    return ref.takeError();
  return ref->run(task, batch, seq, ids, mask, tokenTypes, choices);
}

} // namespace e2e
} // namespace albertc
