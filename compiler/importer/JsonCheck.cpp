//===- JsonCheck.cpp - nesting depth and duplicate keys -------------------===//

#include "compiler/importer/JsonCheck.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>
#include <vector>

using llvm::StringRef;

llvm::Expected<llvm::json::Value> albertc::parseJsonObject(StringRef text, unsigned maxDepth) {
  auto error = [](const llvm::Twine &msg) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
  };
  std::string bad = checkJson(text, maxDepth);
  if (!bad.empty()) return error("not valid JSON: " + bad);
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(text);
  if (!json) return error("not valid JSON: " + llvm::toString(json.takeError()));
  if (!json->getAsObject()) return error("must hold a JSON object");
  return json;
}

std::string albertc::checkJson(StringRef text, unsigned maxDepth) {
  struct Level {
    bool object;
    bool expectKey;
    llvm::StringSet<> keys;
  };
  std::vector<Level> stack;
  for (size_t i = 0, n = text.size(); i < n; ++i) {
    char c = text[i];
    switch (c) {
    case '{':
    case '[':
      if (stack.size() >= maxDepth)
        return "nested deeper than " + std::to_string(maxDepth) + " levels (byte " +
               std::to_string(i) + ")";
      stack.push_back(Level{c == '{', c == '{', {}});
      break;
    case '}':
    case ']':
      if (stack.empty()) return ""; // not JSON: the parser says so
      stack.pop_back();
      break;
    case ',':
      if (!stack.empty() && stack.back().object) stack.back().expectKey = true;
      break;
    case '"': {
      size_t start = i++;
      while (i < n && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
      if (i >= n) return ""; // unterminated string: the parser says so
      if (stack.empty() || !stack.back().object || !stack.back().expectKey) break;
      stack.back().expectKey = false;
      StringRef raw = text.slice(start + 1, i);
      std::string key = raw.str();
      if (raw.contains('\\')) { // compare keys as the parser will see them
        llvm::Expected<llvm::json::Value> v = llvm::json::parse(text.slice(start, i + 1));
        if (!v) {
          llvm::consumeError(v.takeError());
          return ""; // a bad escape: the parser says so
        }
        key = v->getAsString()->str();
      }
      if (!stack.back().keys.insert(key).second)
        return "duplicate key '" + key + "' (byte " + std::to_string(start) + ")";
      break;
    }
    default:
      break;
    }
  }
  return "";
}

llvm::Optional<int64_t> albertc::jsonInteger(const llvm::json::Value &v, bool *atLimit) {
  if (atLimit) *atLimit = false;
  llvm::Optional<double> d = v.getAsNumber();
  if (!d) return llvm::None;
  // Parsed as a non-negative integer: exact. Otherwise a double (or a
  // negative integer, never >= 2^63) must stay below 2^63 to convert.
  if (!v.getAsUINT64() && *d >= 0x1p63) return llvm::None;
  llvm::Optional<int64_t> i = v.getAsInteger();
  if (i && (*i == std::numeric_limits<int64_t>::max() ||
            *i == std::numeric_limits<int64_t>::min())) {
    if (atLimit) *atLimit = true;
    return llvm::None;
  }
  return i;
}

std::string albertc::shownValue(llvm::StringRef value, size_t max) {
  std::string shown;
  llvm::raw_string_ostream os(shown);
  llvm::printEscapedString(value.take_front(max), os);
  if (value.size() > max) os << "...";
  return os.str();
}
