//===- Config.h - HuggingFace ALBERT config.json ----------------*- C++ -*-===//
#ifndef ALBERTC_IMPORTER_CONFIG_H
#define ALBERTC_IMPORTER_CONFIG_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace albertc {

/// The fields of an ALBERT config.json that change the computation. The
/// initial values are HuggingFace AlbertConfig's defaults (albert-xxlarge),
/// which save_pretrained leaves out of config.json.
struct AlbertConfig {
  int64_t vocabSize = 30000;
  int64_t embeddingSize = 128;
  int64_t hiddenSize = 4096;
  int64_t numHiddenLayers = 12;
  int64_t numHiddenGroups = 1;
  int64_t innerGroupNum = 1;
  int64_t numAttentionHeads = 64;
  int64_t intermediateSize = 16384;
  int64_t maxPositionEmbeddings = 512;
  int64_t typeVocabSize = 2;
  double layerNormEps = 1e-12;
  /// Whether the MLM decoder's weight is the word embeddings (HuggingFace's
  /// default) or its own tensor predictions.decoder.weight (false).
  bool tieWordEmbeddings = true;
  /// Normalised: "gelu_new" (tanh form), "gelu" (erf form) or "relu".
  std::string hiddenAct = "gelu_new";
  std::vector<std::string> architectures;
  /// Class names of a classification head, by index (config.json's
  /// "id2label": {"0": "NEGATIVE", ...}); empty when the config has none.
  std::vector<std::string> id2label;

  /// The group layer `i` runs: int(i / (L / G)), as HuggingFace computes it.
  int64_t groupOfLayer(int64_t i) const {
    return static_cast<int64_t>(static_cast<double>(i) /
                                (static_cast<double>(numHiddenLayers) /
                                 static_cast<double>(numHiddenGroups)));
  }
};

/// Parses and checks `path` (a config.json). Errors name the file and key.
llvm::Expected<AlbertConfig> parseConfigFile(llvm::StringRef path);
/// Same, from text already read; `path` is only used in messages.
llvm::Expected<AlbertConfig> parseConfigText(llvm::StringRef text, llvm::StringRef path);

} // namespace albertc

#endif // ALBERTC_IMPORTER_CONFIG_H
