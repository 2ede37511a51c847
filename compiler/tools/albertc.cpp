//===- albertc.cpp - the albertc driver -----------------------------------===//
//
//   albertc compile MODEL_DIR -o OUT [--task T] [--target T] [--name N]
//                   [--emit=import|optimized|kernels|halide|object|lib]
//   albertc run OUT --text "..." [--text-pair "..."] [--choice C ...] [--json]
//   albertc run OUT --input-ids ids.npy [--attention-mask m.npy]
//                   [--token-type-ids t.npy] -o RESULT_DIR
//   albertc bench OUT [--batch B] [--seq S] [--threads N] [--runs N] [--json]
//                 [--ops [--peak-gflops G]]
//
//===----------------------------------------------------------------------===//

#include "codegen/Library.h"
#include "codegen/StagedFolder.h"
#include "compiler/importer/Importer.h"
#include "compiler/importer/TokenizerConfig.h"
#include "compiler/importer/WriteFile.h"
#include "compiler/pipeline/Pipeline.h"
#include "compiler/tools/FmaPeak.h"
#include "compiler/tools/LoadedLibrary.h"
#include "compiler/tools/Npy.h"
#include "compiler/tools/TextRun.h"
#include "dialects/albert/Transforms/Passes.h"

#include "albert/albert_runtime.h"
#include "albert/albert_tokenizer.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <new>
#include <numeric>
#include <random>
#include <set>
#include <thread>
#include <unistd.h>

namespace cl = llvm::cl;
using namespace albertc;

namespace {
int fail(const llvm::Twine &msg) {
  llvm::errs() << "albertc: error: " << msg << "\n";
  return 1;
}
int fail(llvm::Error e) { return fail(llvm::toString(std::move(e))); }

/// Whether albertc started with standard output closed (main put /dev/null
/// there): output written to it is then an error, as the write would have
/// been.
bool gStdoutClosed = false;

/// checkWritten for a stream on standard output.
llvm::Error checkStdoutWritten(llvm::raw_fd_ostream &os) {
  if (auto e = checkWritten(os, "standard output")) return e;
  if (gStdoutClosed && os.tell() > 0)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "standard output: cannot write: it is closed");
  return llvm::Error::success();
}

/// The stream `run` and `bench` print their results on: standard output,
/// duplicated. File descriptor 1 itself then points at standard error for the
/// rest of the process, so that what a loaded library writes there (a
/// --target host-profile build's per-kernel report at exit, Halide's debug
/// prints) cannot mix into the results (--json). End with finishResults.
llvm::raw_fd_ostream &results() {
  static llvm::raw_fd_ostream *os = []() -> llvm::raw_fd_ostream * {
    llvm::outs().flush();
    int fd = dup(STDOUT_FILENO);
    if (fd < 0) return &llvm::outs();
    if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
      ::close(fd);
      return &llvm::outs();
    }
    return new llvm::raw_fd_ostream(fd, /*shouldClose=*/true);
  }();
  return *os;
}

/// The exit status once the results are out: a failed write (a full disk, a
/// closed pipe) is an error, not LLVM's abort at exit.
int finishResults() {
  if (auto e = checkStdoutWritten(results())) return fail(std::move(e));
  return 0;
}

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// spiece.model opens with the tokenizer the library will use, and its
/// pieces (the ids it can produce) fit the model's vocabulary: else every
/// open of the library, or every text run, would fail later.
llvm::Error checkTokenizer(const TokenizerConfig &tok, int64_t vocabSize) {
  albert_tok_options o = {tok.doLowerCase, tok.removeSpace, tok.keepAccents, tok.cleanUpSpaces};
  albert_tok *t = nullptr;
  if (albert_tok_open_memory(tok.spieceBytes.data(), tok.spieceBytes.size(), &o, &t) != 0) {
    // Its message names the model "spiece.model (in memory)": name the file.
    std::string msg = albert_tok_error(nullptr);
    llvm::StringRef rest = msg;
    std::string shown = rest.consume_front("spiece.model (in memory)") ? rest.str() : ": " + msg;
    return llvm::createStringError(llvm::inconvertibleErrorCode(), tok.spieceModel + shown);
  }
  int64_t pieces = albert_tok_vocab_size(t);
  albert_tok_close(t);
  if (pieces > vocabSize)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        tok.spieceModel + ": " + std::to_string(pieces) + " pieces, more than the model's " +
            "vocab_size " + std::to_string(vocabSize) + " (config.json): not this model's " +
            "tokenizer (--no-tokenizer leaves it out)");
  return llvm::Error::success();
}

/// Library names whose <name>_* symbols would collide with the runtime's
/// (albert_rt_*, albert_tok_*) or Halide's (halide_*) inside the library.
bool reservedName(llvm::StringRef n) {
  for (llvm::StringRef p : {"halide", "albert_rt", "albert_tok"})
    if (n == p || n.startswith((p + "_").str())) return true;
  return false;
}

/// The options of the command being run, with MLIR's IR-printing options
/// (compile): the only ones a command takes (removeLoadTimeOptions).
cl::OptionCategory commandOptions("Command options");
cl::OptionCategory mlirOptions("MLIR debugging options (compile)");

/// Registers MLIR's IR-printing and pass-manager options under their own
/// --help heading, after the passes compile runs, whose names
/// --print-ir-before/after=PASS take.
void registerMlirOptions() {
  mlir::albert::registerAlbertPasses();
  mlir::registerCSEPass();
  llvm::StringMap<cl::Option *> &known = cl::getRegisteredOptions();
  std::set<cl::Option *> before;
  for (auto &e : known) before.insert(e.second);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  for (auto &e : known)
    if (!before.count(e.second)) e.second->addCategory(mlirOptions);
}

/// `albertc --version`, `albertc <command> --version`.
void printVersion(llvm::raw_ostream &os) {
  os << "albertc " ALBERTC_VERSION " (LLVM and MLIR " LLVM_VERSION_STRING ", Halide 14)\n"
     << "runtime: " << codegen::runtimeLocation() << "\n";
}

/// Unregisters the options libLLVM, libMLIR and Halide register at load
/// time (--amdgpu-*, --x86-*, ... --threads), all but --help and --version,
/// before a command declares its own: a command takes its own options only.
/// Otherwise `compile --threads 2` would set libLLVM's --threads and do
/// nothing, and a typo would be answered "did you mean '--polly'?".
void removeLoadTimeOptions() {
  std::vector<cl::Option *> foreign;
  for (auto &e : cl::getRegisteredOptions())
    if (!llvm::any_of(e.second->Categories,
                      [](cl::OptionCategory *c) { return c->getName() == "Generic Options"; }))
      foreign.push_back(e.second);
  for (cl::Option *o : foreign) o->removeArgument();
}

/// `--threads N` of run and bench.
struct ThreadsOption {
  cl::opt<std::string> arg{"threads",
                           cl::desc("kernel threads (default 0: HL_NUM_THREADS, or all cores)"),
                           cl::value_desc("N"), cl::init("0"), cl::cat(commandOptions)};
  /// The count, or why the argument is not one.
  llvm::Expected<int> value() const {
    int n;
    llvm::StringRef v = arg.getValue();
    if (v.empty()) return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                                  "--threads needs a value (N >= 0)");
    if (v.getAsInteger(10, n) || n < 0)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "--threads must be a non-negative integer, got '" + v.str() +
                                         "'");
    return n;
  }
};

/// Parses argv for one subcommand: "albertc <cmd> ..." with argv[0] = cmd.
void parse(int argc, char **argv, const char *overview) {
  std::vector<const char *> args(argv, argv + argc);
  std::string prog = std::string("albertc ") + argv[0];
  args[0] = prog.c_str();
  // LLVM's parser reads an argument "@file" as the arguments in that file (a
  // response file): `--text @nasa` would run on the contents of ./nasa, a
  // FIFO would hang it. No albertc argument is a response file: a value that
  // starts with '@' is joined to its option ("--text=@nasa", which LLVM does
  // not expand), a path is written "./@...".
  std::vector<std::string> joined;
  joined.reserve(args.size());
  std::vector<const char *> literal{args[0]};
  llvm::StringMap<cl::Option *> &known = cl::getRegisteredOptions();
  for (size_t i = 1; i < args.size(); ++i) {
    llvm::StringRef a = args[i];
    if (!a.startswith("@")) {
      literal.push_back(args[i]);
      continue;
    }
    llvm::StringRef prev = literal.size() > 1 ? llvm::StringRef(literal.back()) : "";
    llvm::StringRef name = prev.startswith("-") && !prev.contains('=') ? prev.ltrim('-') : "";
    auto it = name.empty() ? known.end() : known.find(name);
    if (it != known.end() && it->second->getValueExpectedFlag() == cl::ValueRequired) {
      joined.push_back(prev.str() + "=" + a.str());
      literal.back() = joined.back().c_str();
    } else {
      joined.push_back("./" + a.str());
      literal.push_back(joined.back().c_str());
    }
  }
  cl::SetVersionPrinter(printVersion);
  cl::ParseCommandLineOptions(int(literal.size()), literal.data(), overview);
}

//===----------------------------------------------------------------------===//
// compile
//===----------------------------------------------------------------------===//

int compileMain(int argc, char **argv) {
  cl::opt<std::string> modelDir(cl::Positional, cl::Required, cl::desc("<model dir>"),
                                cl::cat(commandOptions));
  cl::opt<std::string> out("o", cl::desc("output folder (IR stages: output file, default stdout)"),
                           cl::value_desc("path"), cl::init(""), cl::cat(commandOptions));
  cl::opt<std::string> task("task",
                            cl::desc("base, masked-lm, pretraining, sequence-classification, "
                                     "token-classification, question-answering or "
                                     "multiple-choice (default: from config.json architectures)"),
                            cl::init(""), cl::cat(commandOptions));
  cl::opt<std::string> target("target",
                              cl::desc("host, x86-64-avx2, x86-64-avx512, cuda (an "
                                       "NVIDIA GPU) or a Halide target string"),
                              cl::init("host"), cl::cat(commandOptions));
  cl::opt<bool> gpuScheduleOnHost(
      "gpu-schedule-on-host",
      cl::desc("tests: use the GPU schedules with a CPU target (blocks run as parallel loops, "
               "threads as serial ones) to check them without a GPU"),
      cl::Hidden, cl::cat(commandOptions));
  cl::opt<std::string> name("name",
                            cl::desc("library name: lib<name>.so, <name>.h, <name>_* "
                                     "symbols"),
                            cl::init("albert"), cl::cat(commandOptions));
  enum Emit { Import, Optimized, Kernels, HalideStmt, Object, Lib };
  cl::opt<Emit> emit(
      "emit", cl::desc("stop after this stage and print or write it"), cl::init(Lib),
      cl::values(clEnumValN(Import, "import", "albert IR as imported"),
                 clEnumValN(Optimized, "optimized", "after folding and fusing model ops"),
                 clEnumValN(Kernels, "kernels", "kernel-level IR (albert.kernel regions)"),
                 clEnumValN(HalideStmt, "halide", "lowered Halide statement of each kernel"),
                 clEnumValN(Object, "object", "kernel objects and the Halide runtime"),
                 clEnumValN(Lib, "lib", "the library (default)")),
      cl::cat(commandOptions));
  cl::opt<bool> embed("embed-weights",
                      cl::desc("put the weights (and the tokenizer model) "
                               "inside lib<name>.so/.a"),
                      cl::cat(commandOptions));
  cl::opt<bool> noTokenizer("no-tokenizer",
                            cl::desc("leave out the tokenizer even when the "
                                     "model folder has spiece.model"),
                            cl::cat(commandOptions));
  cl::opt<bool> quiet("quiet", cl::desc("no progress lines"), cl::cat(commandOptions));
  // MLIR 14 spells it --print-ir-after-all; both work.
  cl::opt<bool> printAfterAll("mlir-print-ir-after-all",
                              cl::desc("print the IR after every pass (stderr)"),
                              cl::cat(commandOptions));
  registerMlirOptions();
  parse(argc, argv, "albertc compile: HuggingFace ALBERT checkpoint -> native library\n");

  auto t0 = std::chrono::steady_clock::now();
  auto progress = [&](const std::string &line) {
    if (quiet) return;
    char buf[32];
    snprintf(buf, sizeof buf, "[%6.2f s] ", secondsSince(t0));
    llvm::errs() << "albertc: " << buf << line << "\n";
  };
  std::string nameStr = name;
  if (nameStr.empty() || !std::all_of(nameStr.begin(), nameStr.end(), [](char c) {
        return isalnum((unsigned char)c) || c == '_';
      }) || isdigit((unsigned char)nameStr[0]))
    return fail("--name '" + nameStr + "' must be a C identifier (letters, digits, _)");
  // Kernel objects are named <name>_k<i>_<kernel>.o: a file name has at most
  // 255 bytes.
  if (nameStr.size() > 64)
    return fail("--name is " + std::to_string(nameStr.size()) + " characters; at most 64");
  if (reservedName(nameStr))
    return fail("--name '" + nameStr + "' is reserved: its symbols would collide with the "
                "runtime's or Halide's (halide, albert_rt, albert_tok, and those followed by _)");
  if (nameStr == "albert_tasks")
    return fail("--name 'albert_tasks' is reserved: albert_tasks.h is the helper header "
                "written next to the library");
  auto tgt = codegen::parseTarget(target);
  if (!tgt) return fail(tgt.takeError());
  if (emit >= Object && out.empty())
    return fail(emit == Object ? "--emit=object needs -o <folder> for the objects"
                               : "-o <folder> is required: the folder the library goes to");

  mlir::MLIRContext ctx;
  ctx.disableMultithreading(); // the 2-core build machine; Halide compiles in this thread too
  auto model = importModel(ctx, modelDir, task);
  if (!model) return fail(model.takeError());
  const AlbertConfig &cfg = model->config;
  progress("import " + modelDir + ": " + std::to_string(cfg.numHiddenLayers) + " layers, hidden " +
           std::to_string(cfg.hiddenSize) + ", vocab " + std::to_string(cfg.vocabSize));

  // An --emit text stage: kept only when every byte was written (a full
  // disk is an error, the file removed, not LLVM's abort).
  auto keepIfWritten = [&](llvm::ToolOutputFile &file) -> int {
    if (auto e = out.empty() ? checkStdoutWritten(file.os()) : checkWritten(file.os(), out))
      return fail(std::move(e));
    file.keep();
    return 0;
  };
  auto printIR = [&]() -> int {
    std::error_code ec;
    llvm::ToolOutputFile file(out.empty() ? "-" : out.getValue(), ec, llvm::sys::fs::OF_None);
    if (ec) return fail(out + ": cannot write: " + ec.message());
    model->module->print(file.os());
    return keepIfWritten(file);
  };
  if (emit == Import) return printIR();

  auto outputs = outputsForTask(model->task, *model);
  if (!outputs) return fail(outputs.takeError());

  mlir::PassManager pm(&ctx);
  mlir::applyPassManagerCLOptions(pm);
  if (printAfterAll)
    pm.enableIRPrinting([](mlir::Pass *, mlir::Operation *) { return false; },
                        [](mlir::Pass *, mlir::Operation *) { return true; },
                        /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false);
  addOptimizePasses(pm, *outputs);
  if (emit >= Kernels) addKernelPasses(pm);
  if (mlir::failed(pm.run(*model->module))) return fail("the pass pipeline failed");
  progress("passes: " + std::string(emit >= Kernels ? "optimized and lowered to kernels"
                                                    : "optimized"));
  if (emit == Optimized || emit == Kernels) return printIR();

  codegen::LibraryOptions opts;
  opts.name = nameStr;
  opts.target = *tgt;
  opts.gpuScheduleOnHost = gpuScheduleOnHost;
  opts.embedWeights = embed;
  if (!noTokenizer) {
    auto tok = findTokenizer(modelDir);
    if (!tok) return fail(tok.takeError());
    if (*tok) {
      if (auto e = checkTokenizer(**tok, cfg.vocabSize)) return fail(std::move(e));
      opts.spieceModel = (*tok)->spieceBytes;
      opts.doLowerCase = (*tok)->doLowerCase;
      opts.removeSpace = (*tok)->removeSpace;
      opts.keepAccents = (*tok)->keepAccents;
      opts.cleanUpSpaces = (*tok)->cleanUpSpaces;
    }
  }
  opts.progress = progress;
  opts.warn = [](const std::string &w) { llvm::errs() << "albertc: " << w << "\n"; };
  if (emit == HalideStmt) {
    std::error_code ec;
    llvm::ToolOutputFile file(out.empty() ? "-" : out.getValue(), ec, llvm::sys::fs::OF_None);
    if (ec) return fail(out + ": cannot write: " + ec.message());
    if (auto e = codegen::emitHalide(*model->module, opts, file.os())) return fail(std::move(e));
    return keepIfWritten(file);
  }
  if (emit == Object) {
    if (auto e = codegen::emitObjects(*model->module, opts, out)) return fail(std::move(e));
    progress("wrote objects to " + out);
    return 0;
  }
  if (auto e = codegen::emitLibrary(*model->module, opts, out)) return fail(std::move(e));
  return 0;
}

//===----------------------------------------------------------------------===//
// run
//===----------------------------------------------------------------------===//

int runMain(int argc, char **argv) {
  cl::opt<std::string> dir(cl::Positional, cl::Required, cl::desc("<compiled folder>"),
                           cl::cat(commandOptions));
  cl::opt<std::string> ids("input-ids",
                           cl::desc("[batch, seq] int32/int64 .npy ([batch, choices, seq] for "
                                    "multiple-choice)"),
                           cl::init(""), cl::cat(commandOptions));
  cl::opt<std::string> mask("attention-mask", cl::desc("[batch, seq] .npy of 0/1"), cl::init(""),
                            cl::cat(commandOptions));
  cl::opt<std::string> tt("token-type-ids", cl::desc("[batch, seq] .npy"), cl::init(""),
                          cl::cat(commandOptions));
  cl::opt<std::string> out("o", cl::desc("folder for <output>.npy files (with --input-ids)"),
                           cl::init(""), cl::cat(commandOptions));
  cl::opt<std::string> text("text",
                            cl::desc("text to tokenize and run (needs a library with a "
                                     "tokenizer); prints the task's answer"),
                            cl::init(""), cl::cat(commandOptions));
  cl::opt<std::string> pair("text-pair",
                            cl::desc("second text: the context of a question, "
                                     "the second sentence of a pair"),
                            cl::init(""), cl::cat(commandOptions));
  cl::list<std::string> choices("choice",
                                cl::desc("a candidate answer (multiple choice; "
                                         "repeat)"),
                                cl::cat(commandOptions));
  cl::opt<int> topK("top-k", cl::desc("fill-mask predictions per [MASK]"), cl::init(5),
                    cl::cat(commandOptions));
  cl::opt<int> maxAnswer("max-answer-tokens",
                         cl::desc("longest answer span (question "
                                  "answering)"),
                         cl::init(30), cl::cat(commandOptions));
  cl::opt<int> docStride("doc-stride",
                         cl::desc("question answering: a context longer than "
                                  "--max-length is read in windows overlapping by "
                                  "this many tokens (default min(max length / 2, "
                                  "128), or half a window where that leaves no room)"),
                         cl::init(-1), cl::cat(commandOptions));
  cl::opt<int> maxLength("max-length",
                         cl::desc("truncate to this many tokens (default: the "
                                  "model's max_position_embeddings)"),
                         cl::init(0), cl::cat(commandOptions));
  cl::opt<bool> json("json", cl::desc("print the answer as JSON"), cl::cat(commandOptions));
  ThreadsOption threadsOption;
  parse(argc, argv, "albertc run: run a compiled model on text or on .npy inputs\n");
  auto threadsOrError = threadsOption.value();
  if (!threadsOrError) return fail(threadsOrError.takeError());
  int threads = *threadsOrError;
  bool textMode = text.getNumOccurrences() > 0;
  if (textMode == !ids.empty())
    return fail("give either --text (and --text-pair / --choice) or --input-ids");
  if (!textMode && out.empty()) return fail("-o <folder> is required with --input-ids");
  if (topK < 1 || maxAnswer < 1 || maxLength < 0 || docStride < -1 ||
      (docStride == -1 && docStride.getNumOccurrences()))
    return fail("--top-k and --max-answer-tokens must be >= 1, --max-length and --doc-stride >= 0");

  if (textMode) {
    LoadedLibrary lib;
    if (auto e = lib.load(dir, threads)) return fail(std::move(e));
    TextRunOptions o;
    o.text = text;
    o.pair = pair;
    o.hasPair = pair.getNumOccurrences() > 0;
    o.choices.assign(choices.begin(), choices.end());
    o.topK = topK;
    o.maxAnswerTokens = maxAnswer;
    o.docStride = docStride;
    o.maxLength = maxLength;
    o.json = json;
    if (auto e = runText(lib, o, results())) return fail(std::move(e));
    return finishResults();
  }

  std::vector<int64_t> shape, s2;
  std::vector<int32_t> idData, maskData, ttData;
  LoadedLibrary lib;
  if (auto e = lib.load(dir, threads)) return fail(std::move(e));
  const size_t rank = lib.runChoices ? 3 : 2;
  const char *dims = lib.runChoices ? "[batch, choices, seq]" : "[batch, seq]";
  if (auto e = readNpyInt(ids, shape, idData)) return fail(std::move(e));
  if (shape.size() != rank)
    return fail(ids + ": input_ids must be " + std::to_string(rank) + "-D " + dims + ", got " +
                std::to_string(shape.size()) + "-D");
  if (std::find(shape.begin(), shape.end(), 0) != shape.end())
    return fail(ids + ": input_ids is empty (a dimension is 0): batch and seq must be >= 1");
  for (auto [path, data] : {std::pair<std::string, std::vector<int32_t> *>{mask, &maskData},
                            {tt, &ttData}}) {
    if (path.empty()) continue;
    if (auto e = readNpyInt(path, s2, *data)) return fail(std::move(e));
    if (s2 != shape) {
      std::string dims;
      for (int64_t d : shape) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
      return fail(path + ": shape does not match input_ids [" + dims + "]");
    }
  }
  const int32_t *m = maskData.empty() ? nullptr : maskData.data();
  const int32_t *t = ttData.empty() ? nullptr : ttData.data();
  int rc = lib.runChoices
               ? lib.runChoices(lib.model, shape[0], shape[1], shape[2], idData.data(), m, t)
               : lib.run(lib.model, shape[0], shape[1], idData.data(), m, t);
  if (rc != 0) return fail(lib.error(lib.model));
  // Staged like a compile's outputs: all of them or none reach OUT.
  auto staged = codegen::StagedFolder::create(out);
  if (!staged) return fail(staged.takeError());
  std::vector<std::string> files;
  for (int i = 0; i < lib.numOutputs(); ++i) {
    const float *data;
    int64_t oshape[3];
    int rank;
    if (lib.output(lib.model, i, &data, oshape, &rank) != 0) return fail(lib.error(lib.model));
    files.push_back(std::string(lib.outputName(i)) + ".npy");
    if (auto e = writeNpyF32((*staged)->dir() + "/" + files.back(),
                             std::vector<int64_t>(oshape, oshape + rank), data))
      return fail(std::move(e));
  }
  auto warn = [](const std::string &w) { llvm::errs() << "albertc: " << w << "\n"; };
  if (auto e = (*staged)->commit(files, warn)) return fail(std::move(e));
  return 0;
}

//===----------------------------------------------------------------------===//
// bench
//===----------------------------------------------------------------------===//

/// `albertc bench --ops`: each op's share of the Halide profiler's samples
/// over `runs` runs of batch x seq, with its FLOPs, GFLOP/s and fraction of
/// the FMA peak (`peakPerThread` x `threads`; 0: not known), measured with
/// `vectorBits` vectors (0: given by the user, or not known). JSON: the members
/// "peak_gflops", "peak_vector_bits", "ops" and "profiled_ms" of the open
/// object.
void printOps(const LoadedLibrary &lib, int64_t batch, int64_t seq, int runs, double meanMs,
              double peakPerThread, int vectorBits, int threads, bool json) {
  const double peak = peakPerThread * threads;
  llvm::raw_fd_ostream &os = results();
  if (json) {
    os << llvm::format(", \"peak_gflops\": %.1f, \"peak_vector_bits\": %d, \"ops\": [", peak,
                       vectorBits);
  } else {
    os << "per op: Halide's sampling profiler over the timed runs; ";
    if (peak <= 0)
      os << "FMA peak not known (a GPU library, or a CPU or target without AVX-512 or AVX2 + "
            "FMA: give --peak-gflops)";
    else
      os << llvm::format("FMA peak %d x %.1f GFLOP/s", threads, peakPerThread);
    if (peak > 0 && vectorBits > 0)
      os << " (" << vectorBits << "-bit FMAs, "
         << (lib.profileVectorBits ? "the library's widest)" : "the CPU's widest)");
    os << "\n"
       << "  kernel / op                                      calls/run    ms/run  GFLOP/run"
          "   GFLOP/s  % peak\n";
  }
  double profiled = 0;
  bool first = true;
  const char *lastKernel = "";
  for (int i = 0, n = lib.profileNumOps(); i < n; ++i) {
    const char *kernel, *label;
    int64_t work[3], calls, sequences;
    double seconds;
    if (lib.profileOp(i, &kernel, &label, work, &calls, &sequences, &seconds) != 0 || calls == 0)
      continue;
    double perRun = double(calls) / runs;
    double ms = seconds * 1e3 / runs;
    // A chunked loop's calls each run some of the batch's sequences.
    double gflop = double(sequences) / runs *
                   (work[0] + work[1] * double(seq) + work[2] * double(seq) * double(seq)) * 1e-9;
    double gflops = ms > 0 ? gflop / (ms * 1e-3) : 0;
    profiled += ms;
    if (json) {
      os << llvm::format("%s{\"kernel\": \"%s\", \"op\": \"%s\", \"calls_per_run\": %.4g, "
                         "\"ms_per_run\": %.4f, \"gflop_per_run\": %.6g, \"gflops\": %.2f, "
                         "\"peak_fraction\": %.4f}",
                         first ? "" : ", ", kernel, label, perRun, ms, gflop, gflops,
                         peak > 0 ? gflops / peak : 0.0);
      first = false;
      continue;
    }
    if (strcmp(kernel, lastKernel) != 0)
      os << llvm::format("  %-48s %9.4g\n", kernel, perRun);
    lastKernel = kernel;
    os << llvm::format("    %-46s           %9.3f", label, ms);
    if (gflop > 0) {
      os << llvm::format(" %10.4f %9.1f", gflop, gflops);
      if (peak > 0) os << llvm::format(" %6.1f%%", 100 * gflops / peak);
    }
    os << "\n";
  }
  if (json) {
    os << llvm::format("], \"profiled_ms\": %.4f", profiled);
    return;
  }
  os << llvm::format("  profiled %.3f ms per run of a mean %.3f ms (the rest: the runtime's "
                     "checks and copies, and the sampling's error)\n",
                     profiled, meanMs);
}

int benchMain(int argc, char **argv) {
  cl::opt<std::string> dir(cl::Positional, cl::Required, cl::desc("<compiled folder>"),
                           cl::cat(commandOptions));
  cl::opt<int> batch("batch", cl::desc("batch size"), cl::init(1), cl::cat(commandOptions));
  cl::opt<int> seq("seq", cl::desc("sequence length"), cl::init(128), cl::cat(commandOptions));
  cl::opt<int> warmup("warmup", cl::desc("untimed runs first"), cl::init(3),
                      cl::cat(commandOptions));
  cl::opt<int> runs("runs", cl::desc("timed runs"), cl::init(20), cl::cat(commandOptions));
  cl::opt<bool> json("json", cl::desc("print JSON"), cl::cat(commandOptions));
  cl::opt<bool> ops("ops",
                    cl::desc("each op's time, GFLOP/s and share of the FMA peak over the "
                             "timed runs (a library compiled with --target host-profile)"),
                    cl::cat(commandOptions));
  cl::opt<double> peakOption("peak-gflops",
                             cl::desc("with --ops: one thread's FMA peak in GFLOP/s "
                                      "(default: measured at start)"),
                             cl::init(0), cl::cat(commandOptions));
  ThreadsOption threadsOption;
  parse(argc, argv, "albertc bench: time a compiled model on random inputs\n");
  auto threadsOrError = threadsOption.value();
  if (!threadsOrError) return fail(threadsOrError.takeError());
  int threads = *threadsOrError;
  if (batch < 1 || seq < 1 || runs < 1 || warmup < 0)
    return fail("--batch, --seq and --runs must be >= 1, --warmup >= 0");
  const int kMaxRuns = 1000000;
  if (runs > kMaxRuns || warmup > kMaxRuns)
    return fail("--runs and --warmup must be at most " + std::to_string(kMaxRuns));

  if (peakOption < 0) return fail("--peak-gflops must be >= 0");

  LoadedLibrary lib;
  if (auto e = lib.load(dir, threads)) return fail(std::move(e));
  if (ops && !lib.profileOp)
    return fail("--ops: " + dir + " was not compiled with a profiling target: compile it with "
                "--target host-profile (or a target string ending in -profile)");
  // The peak of the library's vector width (an AVX2 library on an AVX-512
  // CPU: AVX2's), measured before the first run starts the kernels' threads.
  double peakPerThread = 0;
  int vectorBits = 0;
  if (ops && peakOption > 0)
    peakPerThread = peakOption;
  else if (ops)
    peakPerThread = measureFmaPeakPerThread(
        lib.profileVectorBits ? lib.profileVectorBits() : 512, &vectorBits);
  int64_t vocab, types, maxSeq;
  lib.limits(&vocab, &types, &maxSeq);
  if (seq > maxSeq)
    return fail("--seq " + std::to_string(seq) + " exceeds max_position_embeddings " +
                std::to_string(maxSeq));
  // More rows or tokens than any library accepts need no inputs allocated
  // (3 GB at the token limit); a run refuses fewer when a tensor would
  // exceed 2 GiB.
  if (batch > ALBERT_RT_MAX_ROWS)
    return fail("--batch " + std::to_string(batch) + " is more rows than a library accepts (2^24)");
  if (int64_t(batch) * seq > ALBERT_RT_MAX_TOKENS)
    return fail("--batch " + std::to_string(batch) + " x --seq " + std::to_string(seq) +
                " is more tokens than a library accepts (2^28)");
  std::mt19937 rng(0);
  std::vector<int32_t> ids(size_t(batch) * seq), mask(ids.size(), 1), tt(ids.size(), 0);
  for (int32_t &id : ids) id = int32_t(rng() % uint64_t(vocab));
  std::vector<double> ms;
  for (int i = 0; i < warmup + runs; ++i) {
    if (ops && i == warmup) lib.profileReset();
    auto t0 = std::chrono::steady_clock::now();
    // A multiple-choice model: --batch rows of one choice each.
    int rc = lib.runChoices
                 ? lib.runChoices(lib.model, batch, 1, seq, ids.data(), mask.data(), tt.data())
                 : lib.run(lib.model, batch, seq, ids.data(), mask.data(), tt.data());
    if (rc != 0) return fail(lib.error(lib.model));
    if (i >= warmup) ms.push_back(secondsSince(t0) * 1e3);
  }
  double meanMs = std::accumulate(ms.begin(), ms.end(), 0.0) / runs;
  std::sort(ms.begin(), ms.end());
  double median = ms[ms.size() / 2], mn = ms.front(), mx = ms.back();
  if (json) {
    results() << llvm::format("{\"model\": \"%s\", \"batch\": %d, \"seq\": %d, \"threads\": %d, "
                              "\"runs\": %d, \"median_ms\": %.4f, \"min_ms\": %.4f, "
                              "\"max_ms\": %.4f",
                              lib.name.c_str(), int(batch), int(seq), int(threads), int(runs),
                              median, mn, mx);
  } else {
    results() << llvm::format("%s: batch %d x seq %d, %d runs: median %.3f ms, min %.3f ms, "
                              "max %.3f ms\n",
                              lib.name.c_str(), int(batch), int(seq), int(runs), median, mn, mx);
  }
  if (ops) {
    // The peak of the threads the kernels run on: --threads, else Halide's
    // default (HL_NUM_THREADS, else every core).
    int peakThreads = threads;
    if (peakThreads == 0) {
      const char *env = getenv("HL_NUM_THREADS");
      peakThreads = env && atoi(env) > 0 ? atoi(env) : int(std::thread::hardware_concurrency());
    }
    printOps(lib, batch, seq, runs, meanMs, peakPerThread, vectorBits, std::max(1, peakThreads), json);
  }
  if (json) results() << "}\n";
  return finishResults();
}

const char *kUsage =
    "usage: albertc <command> [options]\n"
    "  compile MODEL_DIR -o OUT   compile a HuggingFace ALBERT checkpoint into a library\n"
    "  run OUT --text \"...\" [--text-pair \"...\"] [--json]   the task's answer for a text\n"
    "  run OUT --input-ids ids.npy -o RESULT   run a compiled library on .npy inputs\n"
    "  bench OUT [--batch B --seq S --threads N --json --ops]   time a compiled library\n"
    "'albertc <command> --help' lists a command's options; 'albertc --version'.\n";
} // namespace

int main(int argc, char **argv) {
  // LLVM's standard streams abort the process at exit when a write to them
  // failed ("IO failure on output stream"): `--help > /dev/full`, errors
  // into a full 2>. Constructed first, they are destroyed after this
  // handler, which turns a failed standard output into exit status 1 and
  // forgets a failed standard error (nowhere left to say it).
  // A closed standard stream (`2>&-`) is /dev/null: otherwise the next file
  // albertc opens would take its number, and messages would go into it.
  for (int fd = 0; fd <= 2; ++fd)
    if (fcntl(fd, F_GETFD) < 0) {
      gStdoutClosed |= fd == STDOUT_FILENO;
      int null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
      if (null >= 0 && null != fd) {
        dup2(null, fd);
        close(null);
      }
    }
  llvm::outs();
  llvm::errs();
  // A reader that goes away (`albertc run ... | head -1`) and a file past
  // the size limit (ulimit -f) are write errors like any other, reported
  // with exit status 1, not death by SIGPIPE or SIGXFSZ (which would also
  // leave compile's staging folder behind).
  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN);
  std::atexit([] {
    llvm::Error e = checkStdoutWritten(llvm::outs());
    bool failed = bool(e);
    if (failed) llvm::errs() << "albertc: error: " << llvm::toString(std::move(e)) << "\n";
    llvm::errs().clear_error();
    if (failed) std::_Exit(1);
  });
  if (argc < 2) {
    llvm::errs() << kUsage;
    return 2;
  }
  std::string cmd = argv[1];
  removeLoadTimeOptions();
  // Memory that runs out where albertc's own code allocates (a huge text's
  // tokens, a bench's inputs) is an error, not std::terminate's SIGABRT.
  try {
    if (cmd == "compile") return compileMain(argc - 1, argv + 1);
    if (cmd == "run") return runMain(argc - 1, argv + 1);
    if (cmd == "bench") return benchMain(argc - 1, argv + 1);
  } catch (const std::bad_alloc &) {
    return fail("out of memory");
  }
  if (cmd == "--version") {
    printVersion(llvm::outs());
    return 0;
  }
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    llvm::outs() << kUsage;
    return 0;
  }
  llvm::errs() << "albertc: error: unknown command '" << cmd << "'\n" << kUsage;
  return 2;
}
