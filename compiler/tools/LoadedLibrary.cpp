//===- LoadedLibrary.cpp - a library made by albertc compile, dlopen'd ----===//

#include "compiler/tools/LoadedLibrary.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <dlfcn.h>
#include <vector>

using namespace albertc;

LoadedLibrary::~LoadedLibrary() {
  if (model) close(model);
}

static llvm::Error loadError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

llvm::Error LoadedLibrary::load(const std::string &dir, int threads) {
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
  int options[1] = {threads};
  if (open(dir.c_str(), options, &model) != 0) {
    model = nullptr;
    return loadError(std::string(error(nullptr)));
  }
  return llvm::Error::success();
}

int LoadedLibrary::outputIndex(const std::string &want) const {
  for (int i = 0; i < numOutputs(); ++i)
    if (want == outputName(i)) return i;
  return -1;
}
