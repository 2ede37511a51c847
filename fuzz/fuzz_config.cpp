//===- fuzz_config.cpp - libFuzzer target: the config.json parser ---------===//
//
// Any text as a config.json: parseConfigText must return a config that obeys
// the reader's promises or an error naming the file; never crash or hang.

#include "compiler/importer/Config.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  auto config = albertc::parseConfigText(text, "fuzz/config.json");
  if (!config) {
    std::string message = llvm::toString(config.takeError());
    if (message.rfind("fuzz/config.json: ", 0) != 0) abort();
    return 0;
  }
  const albertc::AlbertConfig &c = *config;
  const int64_t sizes[] = {c.vocabSize, c.embeddingSize, c.hiddenSize, c.numHiddenLayers,
                           c.numHiddenGroups, c.innerGroupNum, c.numAttentionHeads,
                           c.intermediateSize, c.maxPositionEmbeddings, c.typeVocabSize};
  for (int64_t s : sizes)
    if (s < 1 || s > (int64_t(1) << 24)) abort();
  if (c.hiddenSize % c.numAttentionHeads != 0) abort();
  if (!(c.layerNormEps > 0.0) || c.layerNormEps > 1.0) abort();
  if (c.hiddenAct != "gelu_new" && c.hiddenAct != "gelu" && c.hiddenAct != "relu") abort();
  // The group rule must stay inside [0, G) for every layer.
  for (int64_t i = 0; i < c.numHiddenLayers && i < 4096; ++i) {
    int64_t g = c.groupOfLayer(i);
    if (g < 0 || g >= c.numHiddenGroups) abort();
  }
  return 0;
}
