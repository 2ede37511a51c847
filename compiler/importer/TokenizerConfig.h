//===- TokenizerConfig.h - a checkpoint's SentencePiece tokenizer -*- C++ -*-===//
#ifndef ALBERTC_IMPORTER_TOKENIZERCONFIG_H
#define ALBERTC_IMPORTER_TOKENIZERCONFIG_H

#include "llvm/ADT/Optional.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace albertc {

/// What HuggingFace's AlbertTokenizer reads from a model folder:
/// spiece.model and the options of tokenizer_config.json, with
/// AlbertTokenizer's defaults for absent keys.
struct TokenizerConfig {
  std::string spieceModel; // path of spiece.model
  std::string spieceBytes; // its contents, read once: what is checked is what ships
  bool doLowerCase = true;
  bool removeSpace = true;
  bool keepAccents = false;
  /// decode: " ." -> "." etc. (transformers >= 4.45 defaults it to false).
  bool cleanUpSpaces = false;
};

/// MODEL_DIR/spiece.model and MODEL_DIR/tokenizer_config.json (optional);
/// None when the folder has no spiece.model. Errors name the file and key:
/// a malformed tokenizer_config.json, or special tokens other than
/// AlbertTokenizer's ([CLS], [SEP], [MASK], <pad>, <unk>), which the
/// tokenizer does not support.
llvm::Expected<llvm::Optional<TokenizerConfig>> findTokenizer(llvm::StringRef modelDir);

} // namespace albertc

#endif // ALBERTC_IMPORTER_TOKENIZERCONFIG_H
