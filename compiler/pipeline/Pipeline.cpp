//===- Pipeline.cpp - albertc's phases as named pass pipelines ------------===//

#include "compiler/pipeline/Pipeline.h"

#include "dialects/albert/Transforms/Passes.h"

#include "mlir/Transforms/Passes.h"

using namespace albertc;
using namespace mlir;

static llvm::Error err(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

llvm::Expected<std::vector<std::string>> albertc::outputsForTask(Task task,
                                                                 const ImportedModel &model) {
  std::vector<std::string> want;
  switch (task) {
  case Task::Base:
    want = {"last_hidden_state"};
    // AlbertModel returns the pooled output when the checkpoint has a pooler.
    if (!model.unavailable.count("pooler_output")) want.push_back("pooler_output");
    return want;
  case Task::MaskedLM:
    want = {"logits"};
    break;
  case Task::Pretraining:
    want = {"logits", "sop_logits"};
    break;
  case Task::SequenceClassification:
  case Task::TokenClassification:
  case Task::MultipleChoice:
    want = {"logits"};
    break;
  case Task::QuestionAnswering:
    want = {"start_logits", "end_logits"};
    break;
  }
  for (const std::string &o : want) {
    auto it = model.unavailable.find(o);
    if (it != model.unavailable.end())
      return err("the task needs output '" + o + "', but " + it->second);
  }
  return want;
}

void albertc::addOptimizePasses(PassManager &pm, const std::vector<std::string> &outputs) {
  auto select = albert::createSelectOutputsPass();
  // The pass's option is set through its textual form, as on the command line.
  std::string opt = "outputs=";
  for (size_t i = 0; i < outputs.size(); ++i) opt += (i ? "," : "") + outputs[i];
  (void)select->initializeOptions(opt);
  pm.addPass(std::move(select));
  OpPassManager &fn = pm.nest<FuncOp>();
  fn.addPass(albert::createFoldSharedLayersPass());
  fn.addPass(albert::createFuseEmbeddingProjectionPass());
}

void albertc::addKernelPasses(PassManager &pm) {
  OpPassManager &fn = pm.nest<FuncOp>();
  fn.addPass(albert::createLowerToKernelsPass());
  fn.addPass(albert::createFuseBiasActivationPass());
  fn.addPass(albert::createFuseResidualLayerNormPass());
  fn.addPass(createCSEPass());
}
