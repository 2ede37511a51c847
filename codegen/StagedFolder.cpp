//===- StagedFolder.cpp - outputs built aside, moved in at the end --------===//

#include "codegen/StagedFolder.h"

#include "codegen/Error.h"
#include "compiler/importer/FolderLock.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace albertc;
using namespace albertc::codegen;

llvm::Expected<std::unique_ptr<StagedFolder>> StagedFolder::create(const std::string &outDir) {
  std::unique_ptr<StagedFolder> s(new StagedFolder);
  s->outDir_ = outDir;
  // "OUT/" and "OUT/." name OUT: as written, the parent of "OUT/" would be
  // OUT itself.
  llvm::SmallString<256> absOut(outDir);
  llvm::sys::fs::make_absolute(absOut);
  llvm::sys::path::remove_dots(absOut, /*remove_dot_dot=*/false);
  s->outExisted_ = llvm::sys::fs::exists(absOut);
  if (s->outExisted_ && !llvm::sys::fs::is_directory(absOut))
    return err(outDir + ": not a directory");
  llvm::SmallString<256> parent;
  if (s->outExisted_) {
    llvm::SmallString<256> real;
    if (auto ec = llvm::sys::fs::real_path(absOut, real))
      return err(outDir + ": " + ec.message());
    absOut = real;
    parent = absOut;
  } else {
    parent = llvm::sys::path::parent_path(absOut);
    if (parent.empty()) parent = ".";
    // Missing means no entry at all: a dangling symlink is not missing.
    std::vector<std::string> missing;
    for (llvm::StringRef p = parent; !p.empty(); p = llvm::sys::path::parent_path(p)) {
      llvm::sys::fs::file_status st;
      if (!llvm::sys::fs::status(p, st, /*follow=*/false)) break;
      missing.push_back(p.str());
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
      std::error_code ec = llvm::sys::fs::create_directory(*it, /*IgnoreExisting=*/false);
      if (ec == std::errc::file_exists) continue; // made by someone else meanwhile
      if (ec) return err(*it + ": cannot create: " + ec.message()); // ~ removes made_
      s->made_.push_back(*it);
    }
  }
  s->absOut_ = absOut.str().str();
  llvm::SmallString<256> tmpl(parent);
  llvm::sys::path::append(tmpl, ".albertc-%%%%%%");
  llvm::SmallString<256> tmp;
  if (auto ec = llvm::sys::fs::createUniqueDirectory(tmpl, tmp))
    return err(parent + ": cannot create a temporary folder: " + ec.message());
  s->dir_ = tmp.str().str();
  return std::move(s);
}

StagedFolder::~StagedFolder() {
  if (!dir_.empty()) llvm::sys::fs::remove_directories(dir_);
  if (!committed_)
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) llvm::sys::fs::remove(*it);
}

llvm::Error StagedFolder::commit(const std::vector<std::string> &outputs,
                                 const std::function<void(const std::string &)> &warn,
                                 const std::vector<std::string> &stale) {
  std::string from = dir_;
  if (!outExisted_) {
    // The outputs alone in a folder, renamed to OUT in one step.
    std::string staged = dir_ + "/out";
    if (auto ec = llvm::sys::fs::create_directory(staged))
      return err(staged + ": cannot create: " + ec.message());
    for (const std::string &f : outputs)
      if (auto ec = llvm::sys::fs::rename(dir_ + "/" + f, staged + "/" + f))
        return err(staged + "/" + f + ": " + ec.message());
    std::error_code ec = llvm::sys::fs::rename(staged, absOut_);
    // Another compile made OUT meanwhile: move in file by file as below.
    if (ec && ec != std::errc::directory_not_empty && ec != std::errc::file_exists)
      return err(outDir_ + ": cannot create: " + ec.message());
    from = staged;
    if (!ec) {
      committed_ = true;
      return llvm::Error::success();
    }
  }
  // Into an existing OUT: under an exclusive lock on OUT, so that two
  // compiles into one folder at once leave all the files of one of them, not
  // some of each.
  FolderLock lock(absOut_, FolderLock::Exclusive);
  if (!lock.opened()) return err(outDir_ + ": " + lock.error());
  if (!lock.locked() && warn)
    warn("warning: " + outDir_ + ": " + lock.error() +
         "; a compile or run using this folder at the same time could see the files of "
         "two compiles");
  std::vector<std::string> targets;
  for (const std::string &f : outputs) {
    llvm::SmallString<256> to(absOut_);
    llvm::sys::path::append(to, f);
    targets.push_back(to.str().str());
  }
  // What rename would refuse to replace, refused before anything moves.
  for (const std::string &to : targets) {
    llvm::sys::fs::file_status st;
    if (!llvm::sys::fs::status(to, st, /*follow=*/false) &&
        st.type() == llvm::sys::fs::file_type::directory_file)
      return err(to + ": cannot write: a folder is in the way");
  }
  for (size_t i = 0; i < outputs.size(); ++i)
    if (auto ec = llvm::sys::fs::rename(from + "/" + outputs[i], targets[i]))
      return err(targets[i] + ": cannot write: " + ec.message());
  committed_ = true;
  for (const std::string &f : stale) {
    llvm::SmallString<256> path(absOut_);
    llvm::sys::path::append(path, f);
    llvm::sys::fs::file_status st;
    if (llvm::sys::fs::status(path, st, /*follow=*/false) ||
        st.type() == llvm::sys::fs::file_type::directory_file)
      continue;
    if (auto ec = llvm::sys::fs::remove(path))
      if (warn)
        warn("warning: " + path.str().str() +
             ": cannot remove (left from an earlier compile): " + ec.message());
  }
  return llvm::Error::success();
}
