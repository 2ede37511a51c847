//===- FolderLock.cpp - flock(2) on an output folder ----------------------===//

#include "compiler/importer/FolderLock.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

using namespace albertc;

FolderLock::FolderLock(llvm::StringRef dir, Mode mode) {
  fd_ = ::open(dir.str().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) {
    error_ = std::string("cannot open: ") + strerror(errno);
    return;
  }
  int rc;
  do rc = ::flock(fd_, mode == Exclusive ? LOCK_EX : LOCK_SH);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) error_ = std::string("cannot lock: ") + strerror(errno);
}

FolderLock::~FolderLock() {
  if (fd_ >= 0) ::close(fd_);
}
