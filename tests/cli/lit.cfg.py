# lit suite for the albertc command line: error messages, the --emit ladder,
# compile + run + bench on the bundled tiny model.
import os
import lit.formats

config.name = "albertc-cli"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".test"]
config.excludes = ["Inputs"]  # helper scripts the tests run
config.test_source_root = os.path.dirname(__file__)
# Scratch output goes to -D exec_root=DIR (ctest passes the build folder).
config.test_exec_root = lit_config.params.get("exec_root", config.test_source_root)

repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
params = lit_config.params
albertc = params.get("albertc", os.path.join(repo, "build", "bin", "albertc"))
tiny = params.get("tiny_model", os.path.join(repo, "tests", "models", "tiny"))
source_dir = params.get("source_dir", repo)

config.substitutions.append(("%albertc", albertc))
# The build folder of that albertc (install.test installs from it).
config.substitutions.append(("%build", os.path.dirname(os.path.dirname(albertc))))
config.substitutions.append(("%tiny", tiny))
config.substitutions.append(("%src", source_dir))
config.substitutions.append(("%python", "/usr/bin/python3"))
# `%fails CMD`: CMD must exit with status 1 (a clean error), not crash (LLVM's
# `not` accepts a signal too).
config.substitutions.append(("%fails", "/usr/bin/python3 " + os.path.join(
    os.path.dirname(__file__), "Inputs", "fails.py")))
# The SentencePiece model the build trains (tests/CMakeLists.txt).
config.substitutions.append(("%spiece", params.get(
    "spiece_model", os.path.join(repo, "build", "tests", "tokenizer", "spiece.model"))))
# `cuda-driver`: the CUDA driver loads here, so a --target cuda library would
# open (tests of the no-GPU error are UNSUPPORTED then).
import ctypes
try:
    ctypes.CDLL("libcuda.so.1")
    config.available_features.add("cuda-driver")
except OSError:
    pass
# `avx512`: this CPU runs AVX-512 code (a library compiled for the host gets
# AVX-512's 48-column GEMM panels).
try:
    with open("/proc/cpuinfo") as f:
        if " avx512f" in f.read():
            config.available_features.add("avx512")
except OSError:
    pass
# `asan`: this albertc is the sanitizer build (scripts/sanitize.sh), which
# reserves terabytes of address space: no test of it under ulimit -v.
with open(albertc, "rb") as f:
    if b"__asan_init" in f.read():
        config.available_features.add("asan")
# FileCheck, not, count come from LLVM 14's tools.
config.environment["PATH"] = "/usr/lib/llvm-14/bin:" + os.environ.get("PATH", "/usr/bin:/bin")
# lit passes on only a few variables (the sanitizers' options among them); the
# sanitizer run (scripts/sanitize.sh) also sets these for Halide.
for var in ("HL_COMPILER_STACK_SIZE", "HL_NUM_THREADS"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
