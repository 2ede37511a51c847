//===- ReadFile.cpp - reading a model or input file safely ----------------===//

#include "compiler/importer/ReadFile.h"

#include "llvm/ADT/Twine.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"

using namespace albertc;

static llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

static llvm::Error checkStatus(const llvm::sys::fs::file_status &st, uint64_t maxBytes) {
  if (!llvm::sys::fs::is_regular_file(st)) return fail("cannot read: not a regular file");
  if (st.getSize() > maxBytes)
    return fail("is " + llvm::Twine(st.getSize()) + " bytes, more than " +
                llvm::Twine(maxBytes));
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
albertc::readRegularFile(llvm::StringRef path, bool nullTerminated, uint64_t maxBytes) {
  llvm::sys::fs::file_status st;
  if (std::error_code ec = llvm::sys::fs::status(path, st))
    return fail("cannot read: " + ec.message());
  if (llvm::Error e = checkStatus(st, maxBytes)) return std::move(e);
  llvm::Expected<llvm::sys::fs::file_t> fd = llvm::sys::fs::openNativeFileForRead(path);
  if (!fd) return fail("cannot read: " + llvm::toString(fd.takeError()));
  auto close = llvm::make_scope_exit([&] { llvm::sys::fs::closeFile(*fd); });
  if (std::error_code ec = llvm::sys::fs::status(*fd, st))
    return fail("cannot read: " + ec.message());
  if (llvm::Error e = checkStatus(st, maxBytes)) return std::move(e);
  auto buf = llvm::MemoryBuffer::getOpenFile(*fd, path, st.getSize(), nullTerminated);
  if (!buf) return fail("cannot read: " + buf.getError().message());
  return std::move(*buf);
}
