//===- LoadedLibrary.cpp - a library made by albertc compile, dlopen'd ----===//

#include "compiler/tools/LoadedLibrary.h"
#include "compiler/importer/FolderLock.h"
#include "compiler/importer/ReadFile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstring>
#include <dlfcn.h>
#include <elf.h>
#include <vector>

using namespace albertc;

LoadedLibrary::~LoadedLibrary() {
  if (model) close(model);
}

static llvm::Error loadError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// Checks that `path` is a whole x86-64 ELF shared object: dlopen maps the
/// segments a truncated file lacks, and touching them kills the process
/// with SIGBUS instead of returning an error.
static llvm::Error checkElf(const std::string &path) {
  auto buf = readRegularFile(path);
  if (!buf) return loadError(path + ": " + llvm::toString(buf.takeError()));
  llvm::StringRef b = (*buf)->getBuffer();
  auto bad = [&](const char *what) {
    return loadError(path + ": " + what + " (recompile the model)");
  };
  Elf64_Ehdr eh;
  if (b.size() < sizeof eh || std::memcmp(b.data(), ELFMAG, SELFMAG) != 0)
    return bad("not an ELF shared library");
  std::memcpy(&eh, b.data(), sizeof eh);
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_type != ET_DYN || eh.e_machine != EM_X86_64)
    return bad("not an x86-64 ELF shared library");
  const uint64_t size = b.size();
  if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > size ||
      uint64_t(eh.e_phnum) * sizeof(Elf64_Phdr) > size - eh.e_phoff)
    return bad("truncated or damaged (program headers)");
  for (int i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    std::memcpy(&ph, b.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
    if (ph.p_type == PT_LOAD && (ph.p_offset > size || ph.p_filesz > size - ph.p_offset))
      return bad("truncated or damaged (a segment lies past the end of the file)");
  }
  if (eh.e_shoff > size || uint64_t(eh.e_shnum) * eh.e_shentsize > size - eh.e_shoff)
    return bad("truncated or damaged (section headers)");
  return llvm::Error::success();
}

llvm::Error LoadedLibrary::load(const std::string &dir, int threads) {
  // A shared lock on the folder while the library and its weights are
  // loaded: a compile into this existing folder moves its outputs in under
  // an exclusive one (codegen/StagedFolder.cpp), so they are all of one
  // compile. Unlocked where it cannot be (a file system without flock, where
  // such a compile warns). A folder that cannot be opened fails just below.
  FolderLock lock(dir, FolderLock::Shared);
  std::error_code ec;
  std::vector<std::string> found;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec)) {
    llvm::StringRef f = llvm::sys::path::filename(it->path());
    if (f.startswith("lib") && f.endswith(".so")) found.push_back(f.str());
  }
  if (ec) return llvm::createStringError(ec, dir + ": cannot read: " + ec.message());
  if (found.size() != 1)
    return loadError(dir + ": expected one lib<name>.so made by albertc compile, found " +
                 std::to_string(found.size()));
  name = found[0].substr(3, found[0].size() - 6);
  std::string path = dir + "/" + found[0];
  if (auto e = checkElf(path)) return e;
  handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) return loadError(std::string(dlerror()));
  auto sym = [&](const char *s) { return dlsym(handle, (name + s).c_str()); };
  open = (decltype(open))sym("_open");
  run = (decltype(run))sym("_run");
  output = (decltype(output))sym("_output");
  numOutputs = (decltype(numOutputs))sym("_num_outputs");
  outputName = (decltype(outputName))sym("_output_name");
  limits = (decltype(limits))sym("_limits");
  numLabels = (decltype(numLabels))sym("_num_labels");
  label = (decltype(label))sym("_label");
  error = (decltype(error))sym("_error");
  close = (decltype(close))sym("_close");
  auto taskFn = (const char *(*)())sym("_task");
  if (!open || !run || !output || !numOutputs || !outputName || !limits || !numLabels ||
      !label || !error || !close || !taskFn)
    return loadError(path + ": not a library made by this albertc (compile it again)");
  task = taskFn();
  if (task == "multiple-choice") {
    runChoices = (decltype(runChoices))run;
    run = nullptr;
  }
  auto hasTokenizer = (int (*)())sym("_has_tokenizer");
  if (hasTokenizer && hasTokenizer()) {
    tokenize = (decltype(tokenize))sym("_tokenize");
    decode = (decltype(decode))sym("_decode");
    specialToken = (decltype(specialToken))sym("_special_token");
  }
  profileNumOps = (decltype(profileNumOps))sym("_profile_num_ops");
  profileOp = (decltype(profileOp))sym("_profile_op");
  profileReset = (decltype(profileReset))sym("_profile_reset");
  if (!profileNumOps || !profileOp || !profileReset)
    profileNumOps = nullptr, profileOp = nullptr, profileReset = nullptr;
  else
    profileVectorBits = (decltype(profileVectorBits))sym("_profile_vector_bits");
  int options[1] = {threads};
  // Without <name>.weights in the folder, the library's own weights
  // (--embed-weights), if it has them: its open says so if it does not.
  std::string weights = dir + "/" + name + ".weights";
  const char *from = llvm::sys::fs::exists(weights) ? dir.c_str() : nullptr;
  if (open(from, options, &model) != 0) {
    model = nullptr;
    if (!from)
      return loadError(weights + ": not found, and the library's embedded weights: " +
                       error(nullptr));
    return loadError(std::string(error(nullptr)));
  }
  return llvm::Error::success();
}

int LoadedLibrary::outputIndex(const std::string &want) const {
  for (int i = 0; i < numOutputs(); ++i)
    if (want == outputName(i)) return i;
  return -1;
}
