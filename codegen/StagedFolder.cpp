//===- StagedFolder.cpp - outputs built aside, moved in at the end --------===//

#include "codegen/StagedFolder.h"

#include "codegen/Error.h"
#include "compiler/importer/FolderLock.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <iterator>
#include <sys/syscall.h>
#include <unistd.h>

using namespace albertc;
using namespace albertc::codegen;

namespace {
/// What onInterrupt removes while a StagedFolder is alive (albertc makes one
/// at a time; gArmed from the start of create() to the end of its
/// destructor): the staging folder (gStagingSet is 0 until it is named),
/// and the folders above a new OUT that create() made, innermost last. Each
/// is recorded before it is created, so that no signal finds one made but
/// not recorded: removing one not made yet does nothing.
volatile sig_atomic_t gArmed = 0;
char gStaging[4096];
volatile sig_atomic_t gStagingSet = 0;
char gMade[8][4096];
volatile sig_atomic_t gNumMade = 0;
const int kInterrupts[] = {SIGINT, SIGTERM, SIGHUP};
struct sigaction gPrevious[std::size(kInterrupts)];

bool isDotOrDotDot(const char *n) {
  return n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0));
}

/// Removes the folder `name` in `parentFd` with what it holds, `depth`
/// levels of folders deep (the staging folder holds files and folders of
/// files: rt/, out/), with async-signal-safe calls only. Entries removed
/// while reading can be skipped, so the folder is read until a pass finds
/// nothing.
void removeTree(int parentFd, const char *name, int depth) {
  int fd = openat(parentFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) {
    alignas(8) char buf[4096];
    for (int pass = 0; pass < 8; ++pass) {
      bool found = false;
      lseek(fd, 0, SEEK_SET);
      long n;
      while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
        for (long off = 0; off < n;) {
          struct Entry {
            uint64_t ino;
            int64_t next;
            unsigned short length;
            unsigned char type;
            char name[1];
          };
          const Entry *e = reinterpret_cast<const Entry *>(buf + off);
          off += e->length;
          if (isDotOrDotDot(e->name)) continue;
          found = true;
          if (e->type == DT_DIR) {
            if (depth > 0) removeTree(fd, e->name, depth - 1);
          } else {
            unlinkat(fd, e->name, 0);
          }
        }
      if (!found) break;
    }
    close(fd);
  }
  unlinkat(parentFd, name, AT_REMOVEDIR);
}

/// SIGINT, SIGTERM, SIGHUP while a staging folder exists: remove it, then
/// let the signal do what it did before (end the process).
void onInterrupt(int sig) {
  if (gArmed) {
    if (gStagingSet) removeTree(AT_FDCWD, gStaging, 2);
    for (int i = gNumMade - 1; i >= 0; --i) rmdir(gMade[i]);
  }
  for (size_t i = 0; i < std::size(kInterrupts); ++i)
    if (kInterrupts[i] == sig) sigaction(sig, &gPrevious[i], nullptr);
  raise(sig);
}

/// Installs onInterrupt, with nothing to remove yet, until disarm().
void arm() {
  gStagingSet = 0;
  gNumMade = 0;
  gArmed = 1;
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = onInterrupt;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < std::size(kInterrupts); ++i) {
    sigaction(kInterrupts[i], &sa, &gPrevious[i]);
    // An ignored signal (a background job's SIGINT, nohup's SIGHUP) stays so.
    if (gPrevious[i].sa_handler == SIG_IGN) sigaction(kInterrupts[i], &gPrevious[i], nullptr);
  }
}

/// Records a folder above OUT (an absolute path) that create() is about to
/// make; forgetMade() drops it again when it turned out to exist already.
void noteMade(const std::string &dir) {
  if (gNumMade < 8 && dir.size() < sizeof gMade[0]) {
    std::memcpy(gMade[gNumMade], dir.c_str(), dir.size() + 1);
    gNumMade = gNumMade + 1;
  }
}
void forgetMade(const std::string &dir) {
  if (gNumMade > 0 && dir == gMade[gNumMade - 1]) gNumMade = gNumMade - 1;
}

/// Records the staging folder (an absolute path) create() is about to make.
void noteStaging(const std::string &dir) {
  gStagingSet = 0;
  if (dir.size() >= sizeof gStaging) return;
  std::memcpy(gStaging, dir.c_str(), dir.size() + 1);
  gStagingSet = 1;
}

void disarm() {
  if (!gArmed) return;
  gArmed = 0;
  for (size_t i = 0; i < std::size(kInterrupts); ++i)
    sigaction(kInterrupts[i], &gPrevious[i], nullptr);
}
} // namespace

llvm::Expected<std::unique_ptr<StagedFolder>> StagedFolder::create(const std::string &outDir) {
  std::unique_ptr<StagedFolder> s(new StagedFolder);
  arm();
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
      noteMade(*it);
      std::error_code ec = llvm::sys::fs::create_directory(*it, /*IgnoreExisting=*/false);
      if (ec == std::errc::file_exists) { // made by someone else meanwhile
        forgetMade(*it);
        continue;
      }
      if (ec) return err(*it + ": cannot create: " + ec.message()); // ~ removes made_
      s->made_.push_back(*it);
    }
  }
  s->absOut_ = absOut.str().str();
  llvm::SmallString<256> tmpl(parent);
  llvm::sys::path::append(tmpl, ".albertc-%%%%%%");
  // createUniqueDirectory, but named for onInterrupt before it exists.
  for (int attempt = 0;; ++attempt) {
    llvm::SmallString<256> tmp;
    llvm::sys::fs::createUniquePath(tmpl, tmp, /*MakeAbsolute=*/false);
    noteStaging(tmp.str().str());
    std::error_code ec = llvm::sys::fs::create_directory(tmp, /*IgnoreExisting=*/false);
    if (!ec) {
      s->dir_ = tmp.str().str();
      break;
    }
    gStagingSet = 0;
    if (ec != std::errc::file_exists || attempt == 127)
      return err(parent + ": cannot create a temporary folder: " + ec.message());
  }
  return std::move(s);
}

StagedFolder::~StagedFolder() {
  if (!dir_.empty()) llvm::sys::fs::remove_directories(dir_);
  if (!committed_)
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) llvm::sys::fs::remove(*it);
  disarm();
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
