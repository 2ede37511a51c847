//===- readers_test.cpp - config.json and safetensors readers -------------===//

#include "compiler/importer/Config.h"
#include "compiler/importer/Safetensors.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

using namespace albertc;

namespace {
std::string errorOf(llvm::Error e) { return llvm::toString(std::move(e)); }

const char *kGoodConfig = R"({
  "model_type": "albert", "vocab_size": 50, "embedding_size": 16, "hidden_size": 32,
  "num_hidden_layers": 4, "num_hidden_groups": 2, "inner_group_num": 2,
  "num_attention_heads": 4, "intermediate_size": 48, "max_position_embeddings": 64,
  "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu_new",
  "architectures": ["AlbertForPreTraining"], "position_embedding_type": "absolute"})";

/// kGoodConfig with `key` set to the JSON text `value` (or removed if empty).
std::string configWith(const std::string &key, const std::string &value) {
  std::string s = kGoodConfig;
  size_t k = s.find("\"" + key + "\"");
  size_t end = s.find_first_of(",}", s.find(':', k) + 1);
  if (s[s.find(':', k) + 2] == '[') end = s.find(']', k) + 1;
  if (value.empty()) return s.erase(k, end - k + (s[end] == ',' ? 1 : 0));
  return s.replace(k, end - k, "\"" + key + "\": " + value);
}

std::string configError(const std::string &text) {
  auto c = parseConfigText(text, "config.json");
  EXPECT_FALSE(bool(c));
  return c ? "" : errorOf(c.takeError());
}
} // namespace

TEST(Config, ParsesAGoodConfig) {
  auto c = parseConfigText(kGoodConfig, "config.json");
  ASSERT_TRUE(bool(c)) << errorOf(c.takeError());
  EXPECT_EQ(c->hiddenSize, 32);
  EXPECT_EQ(c->numHiddenGroups, 2);
  EXPECT_EQ(c->hiddenAct, "gelu_new");
  EXPECT_EQ(c->architectures.at(0), "AlbertForPreTraining");
}

TEST(Config, GroupRuleMatchesHuggingFace) {
  AlbertConfig c;
  c.numHiddenLayers = 12;
  c.numHiddenGroups = 5; // L / G = 2.4: groups 0 0 0 1 1 2 2 2 3 3 4 4
  int want[] = {0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4};
  for (int i = 0; i < 12; ++i) EXPECT_EQ(c.groupOfLayer(i), want[i]) << "layer " << i;
}

TEST(Config, ReportsEachProblemWithFileAndKey) {
  EXPECT_NE(configError("{not json").find("config.json: not valid JSON"), std::string::npos);
  EXPECT_NE(configError("[1, 2]").find("must hold a JSON object"), std::string::npos);
  EXPECT_NE(configError(configWith("hidden_size", "null")).find("'hidden_size' must be an integer"),
            std::string::npos);
  EXPECT_NE(configError(configWith("hidden_size", "\"32\"")).find("'hidden_size' must be an integer"),
            std::string::npos);
  EXPECT_NE(configError(configWith("num_hidden_layers", "0")).find("'num_hidden_layers' must be >= 1"),
            std::string::npos);
  EXPECT_NE(configError(configWith("vocab_size", "-5")).find("'vocab_size' must be >= 1"),
            std::string::npos);
  EXPECT_NE(configError(configWith("num_attention_heads", "5")).find("not divisible by num_attention_heads"),
            std::string::npos);
  EXPECT_NE(configError(configWith("hidden_act", "\"swish\"")).find("unsupported hidden_act 'swish'"),
            std::string::npos);
  EXPECT_NE(configError(configWith("position_embedding_type", "\"relative_key\""))
                .find("unsupported position_embedding_type 'relative_key'"),
            std::string::npos);
  EXPECT_NE(configError(configWith("layer_norm_eps", "0")).find("'layer_norm_eps' must be in (0, 1]"),
            std::string::npos);
  EXPECT_NE(configError(configWith("architectures", "\"AlbertModel\"")).find("list of strings"),
            std::string::npos);
  // The importer writes one op per layer application: absurd counts are refused up front.
  EXPECT_NE(configError(configWith("num_hidden_layers", "16777216"))
                .find("config.json: num_hidden_layers x inner_group_num = 33554432 layer "
                      "applications; albertc compiles at most 4096"),
            std::string::npos);
  EXPECT_TRUE(bool(parseConfigText(configWith("num_hidden_layers", "2048"), "config.json")));
  // A double of 2^63 (fuzz_config found it): not an integer, and no undefined conversion.
  EXPECT_NE(configError(configWith("max_position_embeddings", "9223372036854775807.4"))
                .find("'max_position_embeddings' must be an integer"),
            std::string::npos);
  EXPECT_NE(configError(configWith("hidden_size", "1e300")).find("'hidden_size' must be an integer"),
            std::string::npos);
  EXPECT_NE(configError(configWith("model_type", "5"))
                .find("config.json: model_type must be a string"),
            std::string::npos);
  // Control bytes of a bad value are escaped in the message, not printed raw.
  EXPECT_NE(configError(configWith("model_type", R"("alb\u0000ert")"))
                .find("model_type is 'alb\\00ert', albertc compiles 'albert' models"),
            std::string::npos)
      << configError(configWith("model_type", R"("alb\u0000ert")"));
  // An integer literal past int64 (LLVM's parser makes it INT64_MAX) is not
  // shown as 9223372036854775807.
  EXPECT_NE(configError(configWith("vocab_size", "18446744073709551616"))
                .find("'vocab_size' is at or past the 64-bit integer limit"),
            std::string::npos)
      << configError(configWith("vocab_size", "18446744073709551616"));
  // A tiny negative eps is shown as written, not as -0.000000.
  EXPECT_NE(configError(configWith("layer_norm_eps", "-1e-12"))
                .find("'layer_norm_eps' must be in (0, 1], got -1e-12"),
            std::string::npos)
      << configError(configWith("layer_norm_eps", "-1e-12"));
  // An id2label key with a line break and an escape code stays on one line.
  std::string e = configError(configWith("architectures", R"(["AlbertForSequenceClassification"], "id2label": {"0\nx\u001b[31m": "a"})"));
  EXPECT_NE(e.find("got '0\\0Ax\\1B[31m'"), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

TEST(Config, AbsentKeysTakeHuggingFaceDefaults) {
  // save_pretrained writes only the values that differ from AlbertConfig().
  auto c = parseConfigText(R"({"model_type": "albert", "hidden_size": 768,
                                "num_attention_heads": 12, "intermediate_size": 3072})",
                           "config.json");
  ASSERT_TRUE(bool(c)) << errorOf(c.takeError());
  EXPECT_EQ(c->vocabSize, 30000);
  EXPECT_EQ(c->embeddingSize, 128);
  EXPECT_EQ(c->numHiddenLayers, 12);
  EXPECT_EQ(c->numHiddenGroups, 1);
  EXPECT_EQ(c->innerGroupNum, 1);
  EXPECT_EQ(c->maxPositionEmbeddings, 512);
  EXPECT_EQ(c->typeVocabSize, 2);
  EXPECT_EQ(c->layerNormEps, 1e-12);
  EXPECT_EQ(c->hiddenAct, "gelu_new");
  // A default that does not fit the other keys is still checked.
  auto d = parseConfigText(configWith("num_attention_heads", ""), "config.json");
  ASSERT_FALSE(bool(d));
  EXPECT_NE(errorOf(d.takeError()).find("hidden_size 32 is not divisible by num_attention_heads 64"),
            std::string::npos);
}

TEST(Config, AcceptsActivationAliases) {
  for (const char *act : {"gelu_pytorch_tanh", "gelu_fast"}) {
    auto c = parseConfigText(configWith("hidden_act", std::string("\"") + act + "\""), "c");
    ASSERT_TRUE(bool(c)) << errorOf(c.takeError());
    EXPECT_EQ(c->hiddenAct, "gelu_new");
  }
}

namespace {
/// A safetensors file with the given JSON header and `dataBytes` bytes of data.
std::string safetensors(const std::string &header, size_t dataBytes, uint64_t lenOverride = 0) {
  std::string s(8, '\0');
  uint64_t n = lenOverride ? lenOverride : header.size();
  for (int i = 0; i < 8; ++i) s[i] = char((n >> (8 * i)) & 0xff);
  return s + header + std::string(dataBytes, '\0');
}

llvm::Expected<std::unique_ptr<SafetensorsFile>> open(const std::string &bytes) {
  return SafetensorsFile::fromBuffer(llvm::MemoryBuffer::getMemBufferCopy(bytes), "m.safetensors");
}

std::string openError(const std::string &bytes) {
  auto f = open(bytes);
  EXPECT_FALSE(bool(f));
  return f ? "" : errorOf(f.takeError());
}
} // namespace

TEST(Safetensors, ReadsF32F16AndBF16) {
  std::string h = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                  R"("b":{"dtype":"F16","shape":[2],"data_offsets":[8,12]},)"
                  R"("c":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]},"__metadata__":{}})";
  std::string bytes = safetensors(h, 16);
  char *data = &bytes[8 + h.size()];
  float a[2] = {1.5f, -2.0f};
  std::memcpy(data, a, 8);
  uint16_t f16[2] = {0x3c00, 0xc000};  // 1.0, -2.0
  uint16_t bf16[2] = {0x3fc0, 0x4049}; // 1.5, 3.140625
  std::memcpy(data + 8, f16, 4);
  std::memcpy(data + 12, bf16, 4);
  auto f = open(bytes);
  ASSERT_TRUE(bool(f)) << errorOf(f.takeError());
  float out[2];
  ASSERT_TRUE(bool((*f)->readAsF32(*(*f)->find("a"), out)));
  EXPECT_EQ(out[0], 1.5f);
  EXPECT_EQ(out[1], -2.0f);
  ASSERT_TRUE(bool((*f)->readAsF32(*(*f)->find("b"), out)));
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -2.0f);
  ASSERT_TRUE(bool((*f)->readAsF32(*(*f)->find("c"), out)));
  EXPECT_EQ(out[0], 1.5f);
  EXPECT_EQ(out[1], 3.140625f);
}

TEST(Safetensors, CountsNonFiniteValues) {
  std::string h = R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}})";
  std::string bytes = safetensors(h, 12);
  float a[3] = {1.0f, NAN, INFINITY};
  std::memcpy(&bytes[8 + h.size()], a, 12);
  auto f = open(bytes);
  ASSERT_TRUE(bool(f));
  float out[3];
  auto n = (*f)->readAsF32(*(*f)->find("a"), out);
  ASSERT_TRUE(bool(n));
  EXPECT_EQ(*n, 2);
}

TEST(Safetensors, RejectsMalformedFiles) {
  EXPECT_NE(openError("abc").find("truncated"), std::string::npos);
  EXPECT_NE(openError(safetensors("{}", 0, 1000)).find("runs past the end"), std::string::npos);
  EXPECT_NE(openError(safetensors("{oops", 0)).find("not valid JSON"), std::string::npos);
  EXPECT_NE(openError(safetensors(R"({"a":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}})", 4))
                .find("unknown dtype 'F33'"),
            std::string::npos);
  EXPECT_NE(openError(safetensors(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8))
                .find("run past the 8 data bytes"),
            std::string::npos);
  // Not "run past" with a number the file does not hold (LLVM saturates it).
  EXPECT_NE(openError(safetensors(
                R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,99999999999999999999]}})", 8))
                .find("tensor 'a': data_offsets are at or past the 64-bit integer limit"),
            std::string::npos);
  EXPECT_NE(openError(safetensors(
                R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[-99999999999999999999,0]}})", 8))
                .find("tensor 'a': data_offsets are at or past the 64-bit integer limit"),
            std::string::npos);
  EXPECT_NE(openError(safetensors(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8))
                .find("do not match shape and dtype"),
            std::string::npos);
  EXPECT_NE(openError(safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                  R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                  12))
                .find("overlap"),
            std::string::npos);
  EXPECT_NE(openError(safetensors(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4))
                .find("non-negative"),
            std::string::npos);
  EXPECT_NE(openError(safetensors(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", 8))
                .find("begin <= end"),
            std::string::npos);
  // Doubles of 2^63 and more are not integers (LLVM 14 would convert them with UB).
  EXPECT_NE(openError(safetensors(
                R"({"a":{"dtype":"F32","shape":[9223372036854775807.4],"data_offsets":[0,4]}})", 4))
                .find("non-negative integers"),
            std::string::npos);
  EXPECT_NE(openError(safetensors(
                R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,9223372036854775807.4]}})", 4))
                .find("begin <= end"),
            std::string::npos);
  // __metadata__ is an object of strings (the safetensors format).
  EXPECT_NE(openError(safetensors(R"({"__metadata__":[1, 2]})", 0))
                .find("__metadata__ must be an object of strings"),
            std::string::npos);
  EXPECT_NE(openError(safetensors(R"({"__metadata__":{"format":5}})", 0))
                .find("__metadata__ 'format' must be a string"),
            std::string::npos);
}

TEST(Safetensors, RefusesToReadIntegerTensorsAsWeights) {
  std::string h = R"({"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})";
  auto f = open(safetensors(h, 8));
  ASSERT_TRUE(bool(f));
  float out[1];
  auto n = (*f)->readAsF32(*(*f)->find("ids"), out);
  ASSERT_FALSE(bool(n));
  EXPECT_NE(errorOf(n.takeError()).find("weights must be F32, F16 or BF16"), std::string::npos);
}

// Regressions found while hardening the readers (issue 6).
TEST(Safetensors, DeeplyNestedHeaderIsAnErrorNotAStackOverflow) {
  // llvm::json::parse recursed once per '[' and overflowed the stack.
  std::string deep = R"({"a":)" + std::string(1 << 20, '[');
  std::string e = openError(safetensors(deep, 0));
  EXPECT_NE(e.find("m.safetensors: header is not valid: nested deeper than 16 levels"),
            std::string::npos)
      << e;
}

TEST(Safetensors, DuplicateTensorNamesAreAnError) {
  // The JSON parser kept the last of two equal keys without a word.
  std::string h = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                  R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})";
  std::string e = openError(safetensors(h, 8));
  EXPECT_NE(e.find("duplicate key 'a'"), std::string::npos) << e;
  // Equal after unescaping.
  std::string h2 = R"({"ab":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                   R"("a\u0062":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})";
  e = openError(safetensors(h2, 8));
  EXPECT_NE(e.find("duplicate key 'ab'"), std::string::npos) << e;
  // Twice the same field inside one entry.
  std::string h3 = R"({"a":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}})";
  e = openError(safetensors(h3, 4));
  EXPECT_NE(e.find("duplicate key 'dtype'"), std::string::npos) << e;
}

TEST(Safetensors, OverlapHiddenBehindAnEmptyTensorIsFound) {
  // Only neighbours in offset order were compared: [0,16), then an empty
  // tensor at 0, then [8,12) passed.
  std::string h = R"({"big":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                  R"("empty":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},)"
                  R"("small":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})";
  std::string e = openError(safetensors(h, 16));
  EXPECT_NE(e.find("tensors 'big' and 'small' overlap"), std::string::npos) << e;
  // ... and a short tensor between two that overlap the long one.
  std::string h2 = R"({"a":{"dtype":"F32","shape":[8],"data_offsets":[0,32]},)"
                   R"("b":{"dtype":"F32","shape":[1],"data_offsets":[32,36]},)"
                   R"("c":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})";
  e = openError(safetensors(h2, 36));
  EXPECT_NE(e.find("tensors 'a' and 'c' overlap"), std::string::npos) << e;
}

TEST(Safetensors, EmptyTensorsReadWithoutTouchingTheOutput) {
  std::string h = R"({"e":{"dtype":"F16","shape":[0,3],"data_offsets":[0,0]}})";
  auto f = open(safetensors(h, 0));
  ASSERT_TRUE(bool(f)) << errorOf(f.takeError());
  auto n = (*f)->readAsF32(*(*f)->find("e"), nullptr);
  ASSERT_TRUE(bool(n)) << errorOf(n.takeError());
  EXPECT_EQ(*n, 0);
}

TEST(Config, DeeplyNestedOrDuplicatedKeysAreErrors) {
  std::string e = configError(R"({"x":)" + std::string(1 << 20, '[') + "}");
  EXPECT_NE(e.find("config.json: not valid JSON: nested deeper than 64 levels"), std::string::npos)
      << e;
  e = configError(R"({"hidden_size": 32, "num_attention_heads": 4, "hidden_size": 64})");
  EXPECT_NE(e.find("config.json: not valid JSON: duplicate key 'hidden_size'"), std::string::npos)
      << e;
}

TEST(Readers, ANonRegularFileIsAnErrorNotAHang) {
  // A FIFO (or a symlink to /dev/zero) was read until EOF: forever.
  char tmpl[] = "/tmp/albertc-readers-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string fifo = dir + "/config.json";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto c = parseConfigFile(fifo);
  ASSERT_FALSE(bool(c));
  std::string e = errorOf(c.takeError());
  EXPECT_NE(e.find("config.json: cannot read: not a regular file"), std::string::npos) << e;
  auto s = SafetensorsFile::open("/dev/zero");
  ASSERT_FALSE(bool(s));
  e = errorOf(s.takeError());
  EXPECT_NE(e.find("/dev/zero: cannot read: not a regular file"), std::string::npos) << e;
  std::remove(fifo.c_str());
  std::remove(dir.c_str());
}

// Tests that a file far larger than its kind ever is (a config.json of 17 MB,
// made sparse) is refused by its size before it is read.
TEST(Readers, AnOversizedConfigIsRefusedBeforeReading) {
  char tmpl[] = "/tmp/albertc-readers-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string path = dir + "/config.json";
  ASSERT_EQ(truncate(path.c_str(), 0), -1); // absent so far
  FILE *f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  ASSERT_EQ(truncate(path.c_str(), 17 << 20), 0);
  auto c = parseConfigFile(path);
  ASSERT_FALSE(bool(c));
  std::string e = errorOf(c.takeError());
  EXPECT_NE(e.find("config.json: is 17825792 bytes, more than 16777216"), std::string::npos) << e;
  std::remove(path.c_str());
  std::remove(dir.c_str());
}

// Tests that id2label gives the class names by index, in any key order, and that keys
// that are not exactly 0..n-1 are refused.
TEST(Config, ReadsId2Label) {
  std::string text = kGoodConfig;
  text.insert(text.size() - 1, R"(, "id2label": {"1": "POSITIVE", "0": "NEGATIVE"})");
  auto c = parseConfigText(text, "config.json");
  ASSERT_TRUE(bool(c)) << errorOf(c.takeError());
  EXPECT_EQ(c->id2label, (std::vector<std::string>{"NEGATIVE", "POSITIVE"}));
  for (const char *bad : {R"({"0": "A", "2": "B"})", R"({"0": "A", "x": "B"})",
                          R"({"0": 1})", R"(["A", "B"])"}) {
    std::string t = kGoodConfig;
    t.insert(t.size() - 1, std::string(R"(, "id2label": )") + bad);
    EXPECT_NE(configError(t).find("'id2label'"), std::string::npos) << bad;
  }
}
