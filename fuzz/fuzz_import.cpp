//===- fuzz_import.cpp - libFuzzer target: a checkpoint through the passes -===//
//
// Input: config.json text, a line "--safetensors--", then model.safetensors
// bytes (no such line: all of it is the config, with an empty weights file).
// What `albertc compile --emit=kernels` does with that folder: import (task
// from the config's architectures), then the optimize and kernel passes.
// Oracle: the importer and the task's output check may refuse, with an error
// that names a file; a checkpoint they accept must go through every pass and
// verify (a checkpoint albertc accepts but cannot lower is a compiler bug);
// never crash, hang or leak.

#include "compiler/importer/Importer.h"
#include "compiler/pipeline/Pipeline.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace {
/// One folder per process, rewritten by every input.
const std::string &modelDir() {
  static std::string dir = [] {
    char tmpl[] = "/tmp/fuzz_import_XXXXXX";
    if (!mkdtemp(tmpl)) abort();
    return std::string(tmpl);
  }();
  return dir;
}

void writeFile(const std::string &path, llvm::StringRef bytes) {
  FILE *f = fopen(path.c_str(), "wb");
  if (!f) abort();
  if (!bytes.empty() && fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) abort();
  fclose(f);
}

/// Errors must say where: the config, the weights file or the model folder.
void checkMessage(const std::string &message) {
  if (message.find(modelDir()) == std::string::npos) {
    fprintf(stderr, "fuzz_import: error without a path: %s\n", message.c_str());
    abort();
  }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef input(reinterpret_cast<const char *>(data), size);
  auto [config, weights] = input.split("\n--safetensors--\n");
  writeFile(modelDir() + "/config.json", config);
  writeFile(modelDir() + "/model.safetensors", weights);

  mlir::MLIRContext ctx;
  ctx.disableMultithreading();
  // Pass failures report through diagnostics; the oracle is the result.
  mlir::ScopedDiagnosticHandler quiet(&ctx, [](mlir::Diagnostic &) { return mlir::success(); });
  auto model = albertc::importModel(ctx, modelDir());
  if (!model) {
    checkMessage(llvm::toString(model.takeError()));
    return 0;
  }
  if (mlir::failed(mlir::verify(*model->module))) {
    fprintf(stderr, "fuzz_import: the importer built invalid IR\n");
    abort();
  }
  auto outputs = albertc::outputsForTask(model->task, *model);
  if (!outputs) {
    llvm::consumeError(outputs.takeError()); // names the missing tensor, not a file
    return 0;
  }
  mlir::PassManager pm(&ctx);
  albertc::addOptimizePasses(pm, *outputs);
  albertc::addKernelPasses(pm);
  if (mlir::failed(pm.run(*model->module)) || mlir::failed(mlir::verify(*model->module))) {
    fprintf(stderr, "fuzz_import: an imported checkpoint failed the pass pipeline\n");
    abort();
  }
  return 0;
}
