//===- TokenizerConfig.cpp - a checkpoint's SentencePiece tokenizer -------===//

#include "compiler/importer/TokenizerConfig.h"
#include "compiler/importer/JsonCheck.h"
#include "compiler/importer/ReadFile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

using namespace albertc;
using llvm::StringRef;

/// Why a checkpoint's tokenizer that changes AlbertTokenizer is refused.
static const char *const kUnsupported =
    " (albertc's tokenizer is AlbertTokenizer's, with its own special tokens only; compile "
    "with --no-tokenizer and tokenize outside)";

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
  // Tokens added to the vocabulary (transformers < 4.34 saved them here):
  // albertc's tokenizer has none.
  llvm::SmallString<256> addedPath(modelDir);
  llvm::sys::path::append(addedPath, "added_tokens.json");
  if (llvm::sys::fs::exists(addedPath)) {
    auto added = readRegularFile(addedPath, /*nullTerminated=*/true, /*maxBytes=*/1u << 20);
    if (!added) return fail(addedPath + ": " + llvm::toString(added.takeError()));
    auto json = parseJsonObject((*added)->getBuffer(), /*maxDepth=*/64);
    if (!json) return fail(addedPath + ": " + llvm::toString(json.takeError()));
    if (!json->getAsObject()->empty())
      return fail(addedPath + ": added tokens are not supported" + kUnsupported);
  }
  if (!llvm::sys::fs::exists(cfgPath)) return t;

  auto buf = readRegularFile(cfgPath, /*nullTerminated=*/true, /*maxBytes=*/1u << 20);
  if (!buf) return fail(cfgPath + ": " + llvm::toString(buf.takeError()));
  auto json = parseJsonObject((*buf)->getBuffer(), /*maxDepth=*/64);
  if (!json) return fail(cfgPath + ": " + llvm::toString(json.takeError()));
  const llvm::json::Object *o = json->getAsObject();

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
  // AlbertTokenizer's special tokens, and how each matches in the text: only
  // [MASK] takes the spaces on its left (AddedToken lstrip). What a
  // checkpoint may change beyond the flags above (other special tokens,
  // other strip flags, added tokens) albertc's tokenizer does not implement:
  // refused, not tokenized differently from HuggingFace.
  auto wantLstrip = [](StringRef content) { return content == "[MASK]"; };
  // The strip flags of an AddedToken object, where it gives them.
  auto checkFlags = [&](StringRef where, const llvm::json::Object &added,
                        StringRef content) -> llvm::Error {
    struct { StringRef key; bool want; } want[] = {
        {"lstrip", wantLstrip(content)}, {"rstrip", false}, {"single_word", false}};
    for (auto &f : want)
      if (const llvm::json::Value *v = added.get(f.key)) {
        llvm::Optional<bool> b = v->getAsBoolean();
        if (!b || *b != f.want)
          return fail(cfgPath + ": " + where + " sets " + f.key + " to " +
                      (b ? (*b ? "true" : "false") : "a non-boolean") + kUnsupported);
      }
    return llvm::Error::success();
  };
  // Special tokens are strings or AddedToken objects {"content": ...}.
  // bos/eos are AlbertTokenizer's [CLS]/[SEP] under other names.
  struct { StringRef key, want; } specials[] = {
      {"cls_token", "[CLS]"}, {"sep_token", "[SEP]"}, {"mask_token", "[MASK]"},
      {"pad_token", "<pad>"}, {"unk_token", "<unk>"}, {"bos_token", "[CLS]"},
      {"eos_token", "[SEP]"}};
  for (auto &s : specials) {
    const llvm::json::Value *v = o->get(s.key);
    if (!v) continue;
    llvm::Optional<StringRef> content = v->getAsString();
    const llvm::json::Object *added = v->getAsObject();
    if (!content && added) content = added->getString("content");
    if (!content) return fail(cfgPath + ": '" + s.key + "' must be a string or {\"content\": ...}");
    if (*content != s.want)
      return fail(cfgPath + ": " + s.key + " '" + shownValue(*content) +
                  "' is not supported (albertc's tokenizer uses AlbertTokenizer's " + s.want + ")");
    if (added)
      if (auto e = checkFlags(s.key, *added, *content)) return std::move(e);
  }
  if (const llvm::json::Value *v = o->get("additional_special_tokens")) {
    const llvm::json::Array *a = v->getAsArray();
    if (!a || !a->empty())
      return fail(cfgPath + ": additional_special_tokens are not supported" + kUnsupported);
  }
  // transformers >= 4.34 saves every added token with its flags, by id.
  if (const llvm::json::Value *v = o->get("added_tokens_decoder")) {
    const llvm::json::Object *decoder = v->getAsObject();
    if (!decoder) return fail(cfgPath + ": 'added_tokens_decoder' must be an object");
    for (const auto &entry : *decoder) {
      const llvm::json::Object *added = entry.second.getAsObject();
      llvm::Optional<StringRef> content = added ? added->getString("content") : llvm::None;
      if (!content)
        return fail(cfgPath + ": added_tokens_decoder entries must be {\"content\": ...}");
      const StringRef own[] = {"[CLS]", "[SEP]", "[MASK]", "<pad>", "<unk>"};
      if (!llvm::is_contained(own, *content))
        return fail(cfgPath + ": added token '" + shownValue(*content) + "' is not supported" +
                    kUnsupported);
      if (auto e = checkFlags("added token '" + content->str() + "'", *added, *content))
        return std::move(e);
    }
  }
  return t;
}
