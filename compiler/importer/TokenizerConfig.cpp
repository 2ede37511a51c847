//===- TokenizerConfig.cpp - a checkpoint's SentencePiece tokenizer -------===//

#include "compiler/importer/TokenizerConfig.h"
#include "compiler/importer/JsonCheck.h"
#include "compiler/importer/ReadFile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

using namespace albertc;
using llvm::StringRef;

static llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

llvm::Expected<llvm::Optional<TokenizerConfig>> albertc::findTokenizer(StringRef modelDir) {
  llvm::SmallString<256> spiece(modelDir), cfgPath(modelDir);
  llvm::sys::path::append(spiece, "spiece.model");
  llvm::sys::path::append(cfgPath, "tokenizer_config.json");
  if (!llvm::sys::fs::exists(spiece)) return llvm::None;
  // A real one is under 1 MB (albert-base-v2: 760 KB).
  auto bytes = readRegularFile(spiece, /*nullTerminated=*/false, /*maxBytes=*/uint64_t(64) << 20);
  if (!bytes) return fail(spiece + ": " + llvm::toString(bytes.takeError()));
  TokenizerConfig t;
  t.spieceModel = spiece.str().str();
  t.spieceBytes = (*bytes)->getBuffer().str();
  if (!llvm::sys::fs::exists(cfgPath)) return t;

  auto buf = readRegularFile(cfgPath, /*nullTerminated=*/true, /*maxBytes=*/1u << 20);
  if (!buf) return fail(cfgPath + ": " + llvm::toString(buf.takeError()));
  StringRef text = (*buf)->getBuffer();
  std::string bad = checkJson(text, /*maxDepth=*/64);
  if (!bad.empty()) return fail(cfgPath + ": not valid JSON: " + bad);
  auto json = llvm::json::parse(text);
  if (!json) return fail(cfgPath + ": not valid JSON: " + llvm::toString(json.takeError()));
  const llvm::json::Object *o = json->getAsObject();
  if (!o) return fail(cfgPath + ": must hold a JSON object");

  struct { StringRef key; bool *field; } flags[] = {{"do_lower_case", &t.doLowerCase},
                                                   {"remove_space", &t.removeSpace},
                                                   {"keep_accents", &t.keepAccents},
                                                   {"clean_up_tokenization_spaces", &t.cleanUpSpaces}};
  for (auto &f : flags)
    if (const llvm::json::Value *v = o->get(f.key)) {
      llvm::Optional<bool> b = v->getAsBoolean();
      if (!b) return fail(cfgPath + ": '" + f.key + "' must be true or false");
      *f.field = *b;
    }
  // Special tokens are strings or AddedToken objects {"content": ...}.
  struct { StringRef key, want; } specials[] = {{"cls_token", "[CLS]"},   {"sep_token", "[SEP]"},
                                                {"mask_token", "[MASK]"}, {"pad_token", "<pad>"},
                                                {"unk_token", "<unk>"}};
  for (auto &s : specials) {
    const llvm::json::Value *v = o->get(s.key);
    if (!v) continue;
    llvm::Optional<StringRef> content = v->getAsString();
    if (!content)
      if (const llvm::json::Object *added = v->getAsObject()) content = added->getString("content");
    if (!content) return fail(cfgPath + ": '" + s.key + "' must be a string or {\"content\": ...}");
    if (*content != s.want)
      return fail(cfgPath + ": " + s.key + " '" + shownValue(*content) +
                  "' is not supported (albertc's tokenizer uses AlbertTokenizer's " + s.want + ")");
  }
  return t;
}
