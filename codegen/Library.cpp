//===- Library.cpp - kernel-level albert IR -> native library -------------===//
//
// 1. Plan (Plan.cpp): one Halide pipeline per distinct albert.kernel body,
//    the weights file's tensors, the activation buffers, forward()'s calls.
// 2. Objects (ObjectWriter.cpp): one per pipeline, one for the Halide runtime.
// 3. C (GeneratedC.cpp): <name>_model.c (tables, forward(), the public
//    <name>_* entry points) and <name>.h; the weights file (WeightPacker).
// 4. Link: cc makes lib<name>.so, ar lib<name>.a, all in a staging folder
//    moved into OUT at the end (StagedFolder.cpp).
//
//===----------------------------------------------------------------------===//

#include "codegen/Library.h"

#include "codegen/Error.h"
#include "codegen/GeneratedC.h"
#include "codegen/ObjectWriter.h"
#include "codegen/Plan.h"
#include "codegen/StagedFolder.h"
#include "compiler/importer/Safetensors.h"
#include "compiler/importer/WriteFile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

using namespace mlir;
using namespace mlir::albert;

namespace albertc {
namespace codegen {

namespace {
/// The runtime folder of an installed albertc (`cmake --install`):
/// <prefix>/lib/albertc for <prefix>/bin/albertc; empty when this albertc
/// runs from its build tree.
const std::string &installedRuntime() {
  static const std::string dir = [] {
    static int anchor;
    std::string exe = llvm::sys::fs::getMainExecutable(nullptr, &anchor);
    SmallString<256> d(llvm::sys::path::parent_path(llvm::sys::path::parent_path(exe)));
    llvm::sys::path::append(d, "lib", "albertc");
    SmallString<256> rt(d);
    llvm::sys::path::append(rt, "libalbert_rt.a");
    return llvm::sys::fs::exists(rt) ? std::string(d) : std::string();
  }();
  return dir;
}

/// ALBERTC_RUNTIME_DIR, unless unset or empty.
const char *runtimeDirVariable() {
  const char *d = getenv("ALBERTC_RUNTIME_DIR");
  return d && *d ? d : nullptr;
}

/// `file` in the folder ALBERTC_RUNTIME_DIR names (with include/,
/// libalbert_rt.a and libalbert_tok.a) when set, else in an installed
/// albertc's runtime folder, else `built`: where this albertc's build put it.
std::string runtimePath(const char *file, const char *built) {
  if (const char *d = runtimeDirVariable()) return std::string(d) + "/" + file;
  if (!installedRuntime().empty()) return installedRuntime() + "/" + file;
  return built;
}
/// The runtime, and the tokenizer (runtime/tokenizer) linked into libraries
/// that have one.
std::string runtimeInclude() { return runtimePath("include", ALBERTC_RUNTIME_INCLUDE_DIR); }
std::string runtimeLibrary() { return runtimePath("libalbert_rt.a", ALBERTC_RUNTIME_LIBRARY); }
std::string tokenizerInclude() { return runtimePath("include", ALBERTC_TOKENIZER_INCLUDE_DIR); }
std::string tokenizerLibrary() { return runtimePath("libalbert_tok.a", ALBERTC_TOKENIZER_LIBRARY); }
/// What a library with the tokenizer links besides it.
const char *const kTokenizerLinkFlags[] = {"-lsentencepiece", "-licuuc", "-lstdc++"};

llvm::Error runTool(const std::string &tool, std::vector<std::string> args) {
  auto path = llvm::sys::findProgramByName(tool);
  if (!path) return err("link: cannot find '" + tool + "' on PATH (a C compiler is needed to link)");
  args.insert(args.begin(), tool);
  std::vector<llvm::StringRef> refs(args.begin(), args.end());
  std::string msg;
  SmallString<128> errFile;
  llvm::sys::fs::createTemporaryFile("albertc-link", "txt", errFile);
  llvm::Optional<llvm::StringRef> redirects[] = {llvm::None, llvm::None, errFile.str()};
  int rc = llvm::sys::ExecuteAndWait(*path, refs, llvm::None, redirects, 0, 0, &msg);
  std::string output;
  if (auto buf = llvm::MemoryBuffer::getFile(errFile)) output = (*buf)->getBuffer().str();
  llvm::sys::fs::remove(errFile);
  if (rc != 0) {
    std::string cmd;
    for (auto &a : args) cmd += a + " ";
    return err("link: '" + cmd + "' failed (" + std::to_string(rc) + "): " + msg + output);
  }
  return llvm::Error::success();
}


/// Assembles `file` into an object defining the hidden, 64-byte aligned
/// symbol `symbol` (its bytes, for --embed-weights) and adds it to `objects`.
llvm::Error embedFile(const char *cc, const std::string &dir, const std::string &symbol,
                      const std::string &file, std::vector<std::string> &objects) {
  std::string s = dir + "/" + symbol + ".S", o = dir + "/" + symbol + ".o";
  if (auto e = writeFile(s, ".section .rodata\n.balign 64\n.globl " + symbol + "\n.hidden " +
                                symbol + "\n" + symbol + ":\n.incbin \"" + file + "\"\n"
                                ".section .note.GNU-stack,\"\",@progbits\n"))
    return e;
  if (auto e = runTool(cc, {"-c", s, "-o", o})) return e;
  objects.push_back(o);
  return llvm::Error::success();
}

std::string modelWeightsFile(ModuleOp module) {
  auto a = module->getAttrOfType<StringAttr>("albert.weights_file");
  return a ? a.getValue().str() : "";
}
} // namespace

std::string runtimeLocation() {
  if (const char *d = runtimeDirVariable()) return std::string(d) + " (ALBERTC_RUNTIME_DIR)";
  if (!installedRuntime().empty()) return installedRuntime();
  return llvm::sys::path::parent_path(ALBERTC_RUNTIME_LIBRARY).str() + " (the build tree)";
}

llvm::Expected<Halide::Target> parseTarget(const std::string &spec) {
  Halide::Target t;
  if (spec == "host" || spec.empty()) {
    t = Halide::get_host_target();
  } else if (spec == "x86-64-avx2") {
    t = Halide::Target("x86-64-linux-avx-avx2-f16c-fma-sse41");
  } else if (spec == "x86-64-avx512") {
    t = Halide::Target("x86-64-linux-avx-avx2-avx512-avx512_skylake-f16c-fma-sse41");
  } else if (spec == "cuda") {
    t = Halide::Target("x86-64-linux-avx-avx2-f16c-fma-sse41-cuda-cuda_capability_86");
  } else if (Halide::Target::validate_target_string(spec)) {
    t = Halide::Target(spec);
  } else if (llvm::StringRef(spec).contains("cuda_capability_")) {
    return err("unknown --target '" + spec +
               "': Halide 14 knows cuda_capability_30, 32, 35, 50, 61, 70, 75, 80 and 86; "
               "newer GPUs (H100, H200) run sm_86 code, which --target cuda builds");
  } else {
    return err("unknown --target '" + spec +
               "' (use host, x86-64-avx2, x86-64-avx512, cuda, or a Halide target string)");
  }
  if (t.arch != Halide::Target::X86 || t.bits != 64 || t.os != Halide::Target::Linux)
    return err("--target '" + spec + "': albertc generates libraries for x86-64 Linux");
  if (t.without_feature(Halide::Target::CUDA).has_gpu_feature())
    return err("--target '" + spec + "': of the GPU APIs albertc generates only cuda");
  // Features that change the kernels' signatures or symbol names (the
  // library's C calls them as compiled without), need a sanitizer runtime
  // the library does not link, or perturb the results on purpose.
  const std::pair<Halide::Target::Feature, const char *> refused[] = {
      {Halide::Target::UserContext, "user_context"},
      {Halide::Target::CPlusPlusMangling, "c_plus_plus_name_mangling"},
      {Halide::Target::JIT, "jit"},
      {Halide::Target::Matlab, "matlab"},
      {Halide::Target::MSAN, "msan"},
      {Halide::Target::TSAN, "tsan"},
      {Halide::Target::ASAN, "asan"},
      {Halide::Target::SanitizerCoverage, "sanitizer_coverage"},
      {Halide::Target::FuzzFloatStores, "fuzz_float_stores"},
  };
  for (const auto &[feature, name] : refused)
    if (t.has_feature(feature))
      return err("--target '" + spec + "': the feature '" + name +
                 "' does not fit albertc's libraries (it changes the kernels' signatures or "
                 "symbols, needs a runtime they do not link, or perturbs results)");
  return t;
}

llvm::Error emitHalide(ModuleOp module, const LibraryOptions &opts, llvm::raw_ostream &os) {
  auto plan = makePlan(module, opts);
  if (!plan) return plan.takeError();
  SmallString<128> tmp;
  if (auto ec = llvm::sys::fs::createTemporaryFile("albertc-stmt", "stmt", tmp))
    return err("cannot create a temporary file: " + ec.message());
  try {
    for (CompiledKernel &k : plan->kernels) {
      k.pipeline.compile_to_lowered_stmt(tmp.str().str(), k.arguments, Halide::Text, opts.target);
      auto buf = llvm::MemoryBuffer::getFile(tmp);
      os << "// ===== kernel " << k.function << " =====\n";
      if (buf) os << (*buf)->getBuffer() << "\n";
    }
  } catch (const Halide::Error &e) {
    llvm::sys::fs::remove(tmp);
    return halideError(e.what());
  }
  llvm::sys::fs::remove(tmp);
  return llvm::Error::success();
}

llvm::Error emitObjects(ModuleOp module, const LibraryOptions &opts, const std::string &outDir) {
  auto plan = makePlan(module, opts);
  if (!plan) return plan.takeError();
  auto staged = StagedFolder::create(outDir);
  if (!staged) return staged.takeError();
  std::vector<std::string> objects;
  if (auto e = compileObjects(*plan, opts, (*staged)->dir(), objects)) return e;
  for (std::string &o : objects) o = llvm::sys::path::filename(o).str();
  return (*staged)->commit(objects, opts.warn);
}

llvm::Error emitLibrary(ModuleOp module, const LibraryOptions &opts, const std::string &outDir) {
  // Before any work: a runtime that is not where this albertc looks (a
  // wrong ALBERTC_RUNTIME_DIR, a build tree moved away).
  for (const std::string &f : {runtimeLibrary(), runtimeInclude() + "/albert/albert_runtime.h",
                               tokenizerLibrary(), tokenizerInclude() + "/albert/albert_tokenizer.h"})
    if (!llvm::sys::fs::exists(f))
      return err("the albertc runtime is incomplete: " + f + " is missing (runtime: " +
                 runtimeLocation() + ")");
  auto plan = makePlan(module, opts);
  if (!plan) return plan.takeError();

  // Everything is built in a staging folder and moved into OUT at the end.
  auto staged = StagedFolder::create(outDir);
  if (!staged) return staged.takeError();
  const std::string dir = (*staged)->dir();
  std::vector<std::string> objects;
  if (auto e = compileObjects(*plan, opts, dir, objects)) return e;

  const std::string &n = opts.name;
  uint64_t fingerprint = fingerprintOf(*plan, n);
  uint64_t fileSize = plan->weights.layoutFile();
  std::string weightsPath = dir + "/" + n + ".weights";
  if (opts.progress) opts.progress("  weights " + n + ".weights (" +
                                   std::to_string(fileSize >> 20) + " MiB)");
  auto st = SafetensorsFile::open(modelWeightsFile(module));
  if (!st) return st.takeError();
  uint64_t checksum = 0;
  int64_t subnormals = 0;
  if (auto e = plan->weights.write(weightsPath, **st, fingerprint,
                                   opts.warn ? opts.warn : [](const std::string &) {}, checksum,
                                   subnormals))
    return e;
  if (subnormals && opts.progress)
    opts.progress("  weights: " + std::to_string(subnormals) +
                  " subnormal values (0 < |w| < 2^-126) stored as zeros (an FMA on one is a "
                  "microcode assist on a CPU)");

  const bool tokenizer = !opts.spieceModel.empty();
  uint64_t spieceSize = 0;
  std::string spiece = dir + "/" + n + ".spiece.model";
  if (tokenizer) {
    if (auto e = writeFile(spiece, opts.spieceModel)) return e;
    spieceSize = opts.spieceModel.size();
  }
  std::string modelC = dir + "/" + n + "_model.c";
  if (auto e = writeFile(modelC,
                         modelSource(*plan, opts, fingerprint, checksum, fileSize, spieceSize)))
    return e;
  if (auto e = writeFile(dir + "/" + n + ".h", publicHeader(*plan, opts))) return e;
  const char *cc = getenv("CC") ? getenv("CC") : "cc";
  std::string modelO = dir + "/" + n + "_model.o";
  if (opts.progress) opts.progress("  link lib" + n + ".so, lib" + n + ".a");
  if (auto e = runTool(cc, {"-c", "-O2", "-fPIC", "-fvisibility=hidden", "-I", runtimeInclude(),
                            "-I", tokenizerInclude(), "-I", ALBERTC_HALIDE_INCLUDE_DIR, modelC,
                            "-o", modelO}))
    return e;
  objects.insert(objects.begin(), modelO);
  if (opts.embedWeights) {
    if (auto e = embedFile(cc, dir, n + "_weights_blob", weightsPath, objects))
      return e;
    if (tokenizer)
      if (auto e = embedFile(cc, dir, n + "_spiece_blob", spiece, objects))
        return e;
  }
  // Only the <name>_* entry points leave the shared library.
  std::string exports = dir + "/exports.map";
  if (auto e = writeFile(exports, "{ global: " + n + "_*; local: *; };\n")) return e;
  // The SONAME: a program linked against the .so by path records it, not
  // the path, and finds the library on its search path at run time.
  std::vector<std::string> link{"-shared", "-Wl,-soname,lib" + n + ".so", "-o",
                                dir + "/lib" + n + ".so"};
  link.insert(link.end(), objects.begin(), objects.end());
  if (tokenizer) link.push_back(tokenizerLibrary());
  for (std::string a : {runtimeLibrary(), std::string("-Wl,--no-undefined"),
                        std::string("-Wl,--version-script=") + exports})
    link.push_back(a);
  if (tokenizer) link.insert(link.end(), std::begin(kTokenizerLinkFlags), std::end(kTokenizerLinkFlags));
  for (const char *a : {"-lpthread", "-ldl", "-lm"}) link.push_back(a);
  if (auto e = runTool(cc, link)) return e;
  // The static library carries the runtime's (and the tokenizer's) objects too.
  std::string rtDir = dir + "/rt";
  llvm::sys::fs::create_directories(rtDir);
  if (auto e = runTool("ar", {"x", "--output=" + rtDir, runtimeLibrary()})) return e;
  if (tokenizer)
    if (auto e = runTool("ar", {"x", "--output=" + rtDir, tokenizerLibrary()}))
      return e;
  std::vector<std::string> ar{"rcs", dir + "/lib" + n + ".a"};
  ar.insert(ar.end(), objects.begin(), objects.end());
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(rtDir, ec), end; it != end && !ec; it.increment(ec))
    ar.push_back(it->path());
  if (auto e = runTool("ar", ar)) return e;

  // The post-processing helpers apps use on the outputs (softmax, top-k, spans).
  if (auto ec = llvm::sys::fs::copy_file(runtimeInclude() + "/albert/albert_tasks.h",
                                         dir + "/albert_tasks.h"))
    return err(dir + "/albert_tasks.h: cannot write: " + ec.message());

  // Move the results in. Embedded weights and tokenizer model are not
  // shipped a second time as files (the library checks a weights file
  // against its own checksum: it could only be the same bytes).
  std::vector<std::string> outputs{"lib" + n + ".so", "lib" + n + ".a", n + ".h",
                                   "albert_tasks.h"};
  if (!opts.embedWeights) outputs.push_back(n + ".weights");
  if (tokenizer && !opts.embedWeights) outputs.push_back(n + ".spiece.model");
  // A name that makes two outputs one file (the CLI refuses such names)
  // would move one over the other halfway through.
  for (size_t i = 0; i < outputs.size(); ++i)
    for (size_t j = i + 1; j < outputs.size(); ++j)
      if (outputs[i] == outputs[j])
        return err("library name '" + n + "': two outputs named " + outputs[i]);
  // An earlier compile's weights and tokenizer model, where this library
  // has none as files: `albertc run` and <name>_open(folder) would read them.
  std::vector<std::string> stale;
  if (opts.embedWeights) stale.push_back(n + ".weights");
  if (!tokenizer || opts.embedWeights) stale.push_back(n + ".spiece.model");
  if (auto e = (*staged)->commit(outputs, opts.warn, stale)) return e;
  if (opts.progress) {
    std::string line = "wrote " + outDir + ":";
    for (const std::string &o : outputs) line += " " + o;
    opts.progress(line);
  }
  return llvm::Error::success();
}

} // namespace codegen
} // namespace albertc
