//===- importer_test.cpp - checkpoint folder -> albert IR -----------------===//

#include "compiler/importer/Importer.h"
#include "compiler/pipeline/Pipeline.h"
#include "dialects/albert/IR/AlbertOps.h"

#include "mlir/IR/Verifier.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <fstream>

using namespace albertc;

namespace {
std::string errorOf(llvm::Error e) { return llvm::toString(std::move(e)); }

/// A copy of the bundled tiny model in a fresh folder, to damage.
std::string copyTiny() {
  llvm::SmallString<128> dir;
  llvm::sys::fs::createUniqueDirectory("albertc-importer", dir);
  for (const char *f : {"config.json", "model.safetensors"})
    llvm::sys::fs::copy_file(std::string(ALBERTC_TINY_MODEL) + "/" + f,
                             std::string(dir.str()) + "/" + f);
  return dir.str().str();
}

void writeFile(const std::string &path, const std::string &text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string importError(const std::string &dir) {
  mlir::MLIRContext ctx;
  auto m = importModel(ctx, dir);
  EXPECT_FALSE(bool(m));
  return m ? "" : errorOf(m.takeError());
}
} // namespace

TEST(Importer, ImportsTheTinyModel) {
  mlir::MLIRContext ctx;
  auto m = importModel(ctx, ALBERTC_TINY_MODEL);
  ASSERT_TRUE(bool(m)) << errorOf(m.takeError());
  EXPECT_TRUE(mlir::succeeded(mlir::verify(*m->module)));
  int layers = 0, params = 0;
  m->module->walk([&](mlir::albert::EncoderLayerOp) { ++layers; });
  m->module->walk([&](mlir::albert::ParamOp) { ++params; });
  EXPECT_EQ(layers, 8); // 4 layers x inner_group_num 2
  // Word embeddings are declared once although the tied decoder reads them too.
  EXPECT_EQ(params, 5 + 2 + 4 * 16 + 2 + 5 + 2);
  EXPECT_TRUE(m->unavailable.empty());
  auto outs = outputsForTask(Task::Pretraining, *m);
  ASSERT_TRUE(bool(outs));
  EXPECT_EQ(*outs, (std::vector<std::string>{"logits", "sop_logits"}));
}

TEST(Importer, NamesTheMissingOrMisshapedTensor) {
  std::string dir = copyTiny();
  writeFile(dir + "/config.json",
            R"({"vocab_size": 50, "embedding_size": 16, "hidden_size": 32, "num_hidden_layers": 4,
                "num_hidden_groups": 3, "inner_group_num": 2, "num_attention_heads": 4,
                "intermediate_size": 48, "max_position_embeddings": 64})");
  EXPECT_NE(importError(dir).find("missing tensor 'albert.encoder.albert_layer_groups.2."),
            std::string::npos);
  writeFile(dir + "/config.json",
            R"({"vocab_size": 50, "embedding_size": 16, "hidden_size": 32, "num_hidden_layers": 4,
                "num_hidden_groups": 2, "inner_group_num": 2, "num_attention_heads": 4,
                "intermediate_size": 64, "max_position_embeddings": 64})");
  std::string e = importError(dir);
  EXPECT_NE(e.find("has shape [48, 32], config.json implies [64, 32]"), std::string::npos) << e;
  llvm::sys::fs::remove_directories(dir);
}

TEST(Importer, ReportsMissingFilesAndTruncation) {
  std::string dir = copyTiny();
  EXPECT_NE(importError(dir + "/nope").find("not a directory"), std::string::npos);
  llvm::sys::fs::remove(dir + "/config.json");
  EXPECT_NE(importError(dir).find("config.json: cannot read"), std::string::npos);
  llvm::sys::fs::remove_directories(dir);
  dir = copyTiny();
  {
    std::ifstream in(dir + "/model.safetensors", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    writeFile(dir + "/model.safetensors", bytes.substr(0, 5000));
  }
  std::string e = importError(dir);
  EXPECT_NE(e.find("model.safetensors: "), std::string::npos) << e;
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;
  llvm::sys::fs::remove_directories(dir);
}

TEST(Importer, TaskNeedsItsHeads) {
  mlir::MLIRContext ctx;
  auto m = importModel(ctx, ALBERTC_TINY_MODEL);
  ASSERT_TRUE(bool(m));
  m->unavailable["sop_logits"] = "tensor 'sop_classifier.classifier.weight' not found";
  auto outs = outputsForTask(Task::Pretraining, *m);
  ASSERT_FALSE(bool(outs));
  EXPECT_NE(errorOf(outs.takeError()).find("needs output 'sop_logits'"), std::string::npos);
  EXPECT_FALSE(bool(parseTask("classify")));
}

// Tests that every HuggingFace ALBERT architecture maps to its task and back by name.
TEST(Importer, ArchitecturesAndTaskNames) {
  const std::pair<const char *, const char *> archs[] = {
      {"AlbertModel", "base"},
      {"AlbertForMaskedLM", "masked-lm"},
      {"AlbertForPreTraining", "pretraining"},
      {"AlbertForSequenceClassification", "sequence-classification"},
      {"AlbertForTokenClassification", "token-classification"},
      {"AlbertForQuestionAnswering", "question-answering"},
      {"AlbertForMultipleChoice", "multiple-choice"}};
  for (auto [arch, name] : archs) {
    AlbertConfig c;
    c.architectures = {arch};
    auto t = taskFromConfig(c, "config.json");
    ASSERT_TRUE(bool(t)) << arch;
    EXPECT_STREQ(taskName(*t), name);
    auto parsed = parseTask(name);
    ASSERT_TRUE(bool(parsed)) << name;
    EXPECT_EQ(*parsed, *t);
  }
  AlbertConfig c;
  c.architectures = {"AlbertForCausalLM"};
  auto t = taskFromConfig(c, "config.json");
  ASSERT_FALSE(bool(t));
  EXPECT_NE(errorOf(t.takeError()).find("'AlbertForCausalLM' is not supported"), std::string::npos);
}
