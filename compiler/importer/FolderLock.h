//===- FolderLock.h - flock(2) on an output folder --------------*- C++ -*-===//
//
// `albertc compile -o OUT` moves its outputs into an existing OUT under an
// exclusive lock on OUT (codegen/StagedFolder.cpp); `albertc run` and `bench` load
// a library under a shared one (LoadedLibrary.cpp). So two compiles into one
// folder leave all the files of one of them, and a run never loads the .so of
// one compile with the weights of another.
//
//===----------------------------------------------------------------------===//
#ifndef ALBERTC_IMPORTER_FOLDERLOCK_H
#define ALBERTC_IMPORTER_FOLDERLOCK_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace albertc {

/// An flock(2) on a folder, held until destroyed.
class FolderLock {
public:
  enum Mode { Shared, Exclusive };
  /// Opens `dir` and waits for the lock. `error()` says what failed, without
  /// the path: "cannot open: ..." (nothing is held) or "cannot lock: ..." (a
  /// file system without flock, e.g. ENOLCK: the folder is open, unlocked).
  FolderLock(llvm::StringRef dir, Mode mode);
  ~FolderLock();
  FolderLock(const FolderLock &) = delete;
  FolderLock &operator=(const FolderLock &) = delete;

  bool locked() const { return error_.empty(); }
  bool opened() const { return fd_ >= 0; }
  const std::string &error() const { return error_; }

private:
  int fd_ = -1;
  std::string error_;
};

} // namespace albertc

#endif // ALBERTC_IMPORTER_FOLDERLOCK_H
