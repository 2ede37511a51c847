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

struct ImportedModel {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  AlbertConfig config;
  /// Outputs the checkpoint cannot provide, with the reason (a missing
  /// tensor), e.g. {"sop_logits": "tensor 'sop_classifier...' not found"}.
  std::map<std::string, std::string> unavailable;
};

/// Reads MODEL_DIR/config.json and MODEL_DIR/model.safetensors and builds the
/// model-level albert IR: one albert.param per weight it reads, one
/// albert.encoder_layer per layer application, and @forward returning every
/// output the weights allow, named by `albert.output_names`. Module attributes
/// record the weights file (`albert.weights_file`) and the config
/// (`albert.config`). Errors name the file and the tensor or key.
llvm::Expected<ImportedModel> importModel(mlir::MLIRContext &ctx, llvm::StringRef modelDir);

} // namespace albertc

#endif // ALBERTC_IMPORTER_IMPORTER_H
