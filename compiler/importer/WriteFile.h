//===- WriteFile.h - writing an output file, every byte checked -*- C++ -*-===//
//
// A raw_fd_ostream reports a failed write (a full disk, a quota) only
// through has_error(), and one destroyed with its error still set ends the
// process ("LLVM ERROR: IO failure on output stream"). Every file albertc
// writes (a library's sources and objects, `run -o`'s .npy outputs, an
// --emit text stage) ends with checkWritten, so that such a failure is an
// error naming the file.
//
//===----------------------------------------------------------------------===//
#ifndef ALBERTC_IMPORTER_WRITEFILE_H
#define ALBERTC_IMPORTER_WRITEFILE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

namespace albertc {

/// Flushes `os` and, if any write to it failed, clears the error and returns
/// "<name>: cannot write: <system error>". Call it after the last write (and
/// after close() where the caller owns the file).
llvm::Error checkWritten(llvm::raw_fd_ostream &os, const llvm::Twine &name);

/// Writes `bytes` to `path`, created or truncated, and closes it, checked:
/// "<path>: cannot write: <why>" when it cannot be opened, written or closed.
llvm::Error writeFile(llvm::StringRef path, llvm::StringRef bytes);

} // namespace albertc

#endif // ALBERTC_IMPORTER_WRITEFILE_H
