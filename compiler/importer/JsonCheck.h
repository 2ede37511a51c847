//===- JsonCheck.h - what llvm::json::parse does not check ------*- C++ -*-===//
//
// llvm::json::parse recurses once per nesting level with no limit (a header of
// a few hundred thousand '[' overflows the stack) and keeps the last of two
// equal keys in an object without a word. The readers run checkJson over the
// text first. LLVM 14's Value::getAsInteger converts a double of 2^63 to
// int64_t (undefined behaviour): the readers read integers with jsonInteger.
//
//===----------------------------------------------------------------------===//
#ifndef ALBERTC_IMPORTER_JSONCHECK_H
#define ALBERTC_IMPORTER_JSONCHECK_H

#include "llvm/ADT/Optional.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include <string>

namespace albertc {

/// Checks that `text` nests objects/arrays at most `maxDepth` deep and that no
/// object has the same key twice (compared after unescaping). Returns "" or
/// what is wrong, e.g. "duplicate key 'a' (byte 17)". Text that is not JSON
/// otherwise passes: the parser reports it.
std::string checkJson(llvm::StringRef text, unsigned maxDepth);

/// `text` as a JSON object: checkJson, then llvm::json::parse. The value
/// (getAsObject() is non-null), or the error "not valid JSON: ..." or "must
/// hold a JSON object", for the caller to prefix with the file's name.
llvm::Expected<llvm::json::Value> parseJsonObject(llvm::StringRef text, unsigned maxDepth);

/// `v` as an int64_t if it is a number with that exact value (as
/// Value::getAsInteger), without its undefined conversion of doubles >= 2^63
/// (e.g. 9223372036854775807.4): those are not integers here. Nor are
/// INT64_MAX and INT64_MIN: LLVM 14's parser turns every integer literal past
/// int64 into one of them (strtoll without an errno check), so they may stand
/// for any larger number; `atLimit`, when given, says that was the reason.
llvm::Optional<int64_t> jsonInteger(const llvm::json::Value &v, bool *atLimit = nullptr);

/// A string from a model file as an error message shows it: control bytes
/// escaped (the message stays one line), at most `max` bytes of it.
std::string shownValue(llvm::StringRef value, size_t max = 80);

} // namespace albertc

#endif // ALBERTC_IMPORTER_JSONCHECK_H
