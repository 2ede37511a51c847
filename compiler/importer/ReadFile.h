//===- ReadFile.h - reading a model or input file safely --------*- C++ -*-===//
//
// Every file albertc reads comes from a user: a FIFO or a device in its place
// (a symlink to /dev/zero, say) would be read forever, a huge file would be
// read into memory whole. The readers (config.json, safetensors,
// tokenizer_config.json, .npy inputs, a compiled library) all go through
// readRegularFile.
//
//===----------------------------------------------------------------------===//
#ifndef ALBERTC_IMPORTER_READFILE_H
#define ALBERTC_IMPORTER_READFILE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <limits>
#include <memory>

namespace albertc {

/// The bytes of `path` (mapped when large) if it is a regular file of at most
/// `maxBytes` bytes, checked before it is opened and again on the open file
/// (it may have been replaced in between; the open does not block on a FIFO
/// put in its place). On failure
/// the error says why without the path, which the caller prefixes:
/// "cannot read: not a regular file", "cannot read: <system error>",
/// "is N bytes, more than M". `nullTerminated`: as MemoryBuffer::getFile's
/// RequiresNullTerminator (text for a parser that wants one).
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
readRegularFile(llvm::StringRef path, bool nullTerminated = false,
                uint64_t maxBytes = std::numeric_limits<uint64_t>::max());

} // namespace albertc

#endif // ALBERTC_IMPORTER_READFILE_H
