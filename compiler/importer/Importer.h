//===- Importer.h - HuggingFace ALBERT folder -> albert IR ------*- C++ -*-===//
#ifndef ALBERTC_IMPORTER_IMPORTER_H
#define ALBERTC_IMPORTER_IMPORTER_H

#include "compiler/importer/Config.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <string>

namespace albertc {

/// What a compiled library computes: HuggingFace's AlbertModel and its heads.
enum class Task {
  Base,                   // AlbertModel
  MaskedLM,               // AlbertForMaskedLM
  Pretraining,            // AlbertForPreTraining
  SequenceClassification, // AlbertForSequenceClassification
  TokenClassification,    // AlbertForTokenClassification
  QuestionAnswering,      // AlbertForQuestionAnswering
  MultipleChoice          // AlbertForMultipleChoice
};

/// "base", "masked-lm", "pretraining", "sequence-classification",
/// "token-classification", "question-answering" or "multiple-choice".
llvm::Expected<Task> parseTask(llvm::StringRef name);
const char *taskName(Task task);
/// From config.json's architectures[0]; base when there is none.
llvm::Expected<Task> taskFromConfig(const AlbertConfig &config, llvm::StringRef configPath);

struct ImportedModel {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  AlbertConfig config;
  Task task = Task::Base;
  /// Outputs the checkpoint cannot provide, with the reason (a missing
  /// tensor), e.g. {"sop_logits": "tensor 'sop_classifier...' not found"}.
  std::map<std::string, std::string> unavailable;
};

/// Reads MODEL_DIR/config.json and MODEL_DIR/model.safetensors and builds the
/// model-level albert IR: one albert.param per weight it reads, one
/// albert.encoder_layer per layer application, and @forward returning every
/// output the weights allow, named by `albert.output_names`: the encoder's,
/// the pretraining heads' (pooler, MLM, SOP) and, for the classification
/// tasks, that task's head (`logits`, or `start_logits` and `end_logits`).
/// `task` empty: from config.json's architectures. Module attributes record
/// the weights file (`albert.weights_file`), the config (`albert.config`),
/// the task (`albert.task`) and a classifier's class names (`albert.labels`).
/// Errors name the file and the tensor or key.
llvm::Expected<ImportedModel> importModel(mlir::MLIRContext &ctx, llvm::StringRef modelDir,
                                          llvm::StringRef task = "");

} // namespace albertc

#endif // ALBERTC_IMPORTER_IMPORTER_H
