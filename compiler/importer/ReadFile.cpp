//===- ReadFile.cpp - reading a model or input file safely ----------------===//

#include "compiler/importer/ReadFile.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/Twine.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace albertc;

static llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

static llvm::Error checkStatus(const struct stat &st, uint64_t maxBytes) {
  if (!S_ISREG(st.st_mode)) return fail("cannot read: not a regular file");
  if (uint64_t(st.st_size) > maxBytes)
    return fail("is " + llvm::Twine(uint64_t(st.st_size)) + " bytes, more than " +
                llvm::Twine(maxBytes));
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
albertc::readRegularFile(llvm::StringRef path, bool nullTerminated, uint64_t maxBytes) {
  std::string p = path.str();
  struct stat st;
  if (::stat(p.c_str(), &st) != 0) return fail("cannot read: " + llvm::Twine(strerror(errno)));
  if (llvm::Error e = checkStatus(st, maxBytes)) return std::move(e);
  // O_NONBLOCK: a FIFO put in the file's place after the check would block
  // the open itself; this way the check on the descriptor refuses it.
  // (Regular files ignore the flag.)
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return fail("cannot read: " + llvm::Twine(strerror(errno)));
  auto close = llvm::make_scope_exit([&] { ::close(fd); });
  if (::fstat(fd, &st) != 0) return fail("cannot read: " + llvm::Twine(strerror(errno)));
  if (llvm::Error e = checkStatus(st, maxBytes)) return std::move(e);
  auto buf = llvm::MemoryBuffer::getOpenFile(fd, path, uint64_t(st.st_size), nullTerminated);
  if (!buf) return fail("cannot read: " + buf.getError().message());
  return std::move(*buf);
}
