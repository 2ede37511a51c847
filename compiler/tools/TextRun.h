//===- TextRun.h - albertc run --text: text in, the task's answer out -*- C++ -*-===//
#ifndef ALBERTC_TOOLS_TEXTRUN_H
#define ALBERTC_TOOLS_TEXTRUN_H

#include "compiler/tools/LoadedLibrary.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace albertc {

struct TextRunOptions {
  std::string text;                 // --text
  std::string pair;                 // --text-pair: the second sequence (QA: the context)
  bool hasPair = false;
  std::vector<std::string> choices; // --choice, for multiple choice
  int topK = 5;                     // fill-mask predictions per [MASK]
  int maxAnswerTokens = 30;         // question answering
  int docStride = -1;               // QA: overlap of the windows of a long context (-1: HF's
                                    // default, min(max_length / 2, 128), or half a window)
  int maxLength = 0;                // truncation; 0: the model's max_position_embeddings
  bool json = false;
};

/// Tokenizes with the library's tokenizer, runs the model and prints the
/// task's answer: fill-mask predictions for each [MASK] (masked-lm,
/// pretraining), the label (sequence classification), entities (token
/// classification), the answer span (question answering), the best choice
/// (multiple choice); for base, the shape of each output.
llvm::Error runText(LoadedLibrary &lib, const TextRunOptions &options, llvm::raw_ostream &out);

} // namespace albertc

#endif // ALBERTC_TOOLS_TEXTRUN_H
