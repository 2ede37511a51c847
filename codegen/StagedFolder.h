//===- StagedFolder.h - outputs built aside, moved in at the end -*- C++ -*-===//
//
// `albertc compile -o OUT` (--emit=lib and --emit=object) and `albertc run
// -o OUT` write nothing into OUT until every output exists: they are built
// in a fresh folder on OUT's file system (rename cannot cross file systems:
// OUT may be a mount point or a symlink to another one), then moved in: as
// one folder renamed to OUT when OUT is new, else file by file under an
// exclusive FolderLock on OUT, so two compiles into one folder at once leave
// all the files of one of them. A compile or run that fails leaves an
// existing OUT as it was and creates nothing; one interrupted (SIGINT,
// SIGTERM, SIGHUP) removes its staging folder before it ends.
//
//===----------------------------------------------------------------------===//
#ifndef ALBERTC_CODEGEN_STAGEDFOLDER_H
#define ALBERTC_CODEGEN_STAGEDFOLDER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace albertc {
namespace codegen {

class StagedFolder {
public:
  /// Makes the staging folder for `outDir` (next to a new OUT, inside an
  /// existing one), creating the missing folders above a new OUT.
  static llvm::Expected<std::unique_ptr<StagedFolder>> create(const std::string &outDir);
  /// Removes the staging folder and, unless committed, the folders above OUT
  /// that create() made (each only while empty).
  ~StagedFolder();
  StagedFolder(const StagedFolder &) = delete;
  StagedFolder &operator=(const StagedFolder &) = delete;

  /// Where to write the outputs (and any intermediate files).
  const std::string &dir() const { return dir_; }

  /// Moves the files named `outputs` (names in dir(); the caller makes sure
  /// no two are alike, or one would replace the other halfway) into OUT and
  /// removes the files named `stale` from it (what an earlier compile into
  /// OUT made and this one does not). `warn`: told when OUT cannot be locked
  /// (a file system without flock), before the files move in unlocked.
  llvm::Error commit(const std::vector<std::string> &outputs,
                     const std::function<void(const std::string &)> &warn,
                     const std::vector<std::string> &stale = {});

private:
  StagedFolder() = default;
  std::string outDir_, absOut_, dir_;
  bool outExisted_ = false, committed_ = false;
  /// The folders above a new OUT that create() made, innermost last.
  std::vector<std::string> made_;
};

} // namespace codegen
} // namespace albertc

#endif // ALBERTC_CODEGEN_STAGEDFOLDER_H
