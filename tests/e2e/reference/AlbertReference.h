//===- AlbertReference.h - naive float64 ALBERT forward pass ----*- C++ -*-===//
//
// An independent reference for the end-to-end tests: reads config.json and
// model.safetensors with albertc's readers (nothing else of the compiler),
// widens every weight to double and runs the HuggingFace ALBERT forward pass
// in plain loops (see shared/notes/albert-model.md):
//
//   emb  = LayerNorm_E(word[ids] + token_type[tt] + position[0..S-1])
//   h    = embedding_hidden_mapping_in(emb)                        E -> H
//   for i in 0..L-1: g = int(i / (L / G)); run the I layers of group g
//   layer: a = LN(h + dense(attn(h))); h = LN(a + ffn_output(act(ffn(a))))
//   attention scores += finfo(float32).min where attention_mask == 0
//   pooler = tanh(pooler(h[:, 0]))
//   MLM logits = LN_E(act(predictions.dense(h))) @ word_embeddings^T + predictions.bias
//   SOP logits = sop_classifier.classifier(pooler)
//   sequence classification / multiple choice: classifier(pooler)
//   token classification: classifier(h); question answering: qa_outputs(h)
//
// Weights may carry the "albert." prefix or not; the tied decoder tensors may
// be absent (the word embeddings and predictions.bias are always used).
//
//===----------------------------------------------------------------------===//
#ifndef ALBERTC_TESTS_E2E_ALBERTREFERENCE_H
#define ALBERTC_TESTS_E2E_ALBERTREFERENCE_H

#include "compiler/importer/Config.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace albertc {
namespace e2e {

/// One output tensor, row-major.
struct RefTensor {
  std::vector<int64_t> shape; // [B, S, C] or [B, C]
  std::vector<double> data;
};

/// The outputs of a task, by name:
///   base:        last_hidden_state [B,S,H], pooler_output [B,H] (if the checkpoint has a pooler)
///   masked-lm:   logits [B,S,V]
///   pretraining: logits [B,S,V], sop_logits [B,2]
///   sequence-classification: logits [B,N]; token-classification: logits [B,S,N]
///   question-answering: start_logits, end_logits [B,S]
///   multiple-choice: logits [B/choices, choices]
struct Outputs {
  std::map<std::string, RefTensor> values;
};

/// A loaded checkpoint (float64 weights), to run many times.
class AlbertReference {
public:
  /// Reads MODEL_DIR/config.json and MODEL_DIR/model.safetensors.
  static llvm::Expected<AlbertReference> load(const std::string &modelDir);

  /// The task of config architectures[0] ("base", "masked-lm", "pretraining",
  /// "sequence-classification", "token-classification", "question-answering",
  /// "multiple-choice").
  llvm::Expected<std::string> defaultTask() const;
  const AlbertConfig &config() const { return cfg_; }

  /// Runs on row-major [batch, seq] arrays. `mask` NULL: all ones; `tokenTypes`
  /// NULL: all zeros. `task` empty: defaultTask(). Multiple choice: `batch`
  /// rows are examples x `choices`, row-major.
  llvm::Expected<Outputs> run(const std::string &task, int64_t batch, int64_t seq,
                              const int32_t *ids, const int32_t *mask,
                              const int32_t *tokenTypes, int64_t choices = 1) const;

private:
  AlbertReference() = default;
  const std::vector<double> *find(const std::string &name) const;
  llvm::Expected<const std::vector<double> *> get(const std::string &name,
                                                  std::vector<int64_t> shape) const;

  AlbertConfig cfg_;
  std::string modelDir_;
  /// Canonical names: the "albert." prefix dropped.
  std::map<std::string, std::vector<double>> weights_;
  std::map<std::string, std::vector<int64_t>> shapes_;
};

/// One-shot convenience: load `modelDir` and run it.
llvm::Expected<Outputs> runReference(const std::string &modelDir, const std::string &task,
                                     int64_t batch, int64_t seq, const int32_t *ids,
                                     const int32_t *mask, const int32_t *tokenTypes,
                                     int64_t choices = 1);

} // namespace e2e
} // namespace albertc

#endif // ALBERTC_TESTS_E2E_ALBERTREFERENCE_H
