# -*- Python -*-
# lit configuration for the albert dialect IR tests (tests/ir).
#
# Run from anywhere:
#   python3 /usr/lib/llvm-14/build/utils/lit/lit.py -v tests/ir
#   python3 /usr/lib/llvm-14/build/utils/lit/lit.py -v tests/ir -D albert_opt=/path/to/albert-opt
#
# albert-opt is taken from, in order: the lit parameter `albert_opt`
# (-D albert_opt=...), the environment variable ALBERT_OPT, and
# <repo>/build/bin/albert-opt (the repo being two levels above this file).
# FileCheck and not come from LLVM 14 (parameter/env `llvm_tools_dir`,
# default /usr/lib/llvm-14/bin), falling back to PATH.

import os
import re
import shutil

import lit.formats

config.name = 'albert-ir'
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = ['.mlir']
config.excludes = ['lit.cfg.py', 'README.md']
config.test_source_root = os.path.dirname(os.path.abspath(__file__))
# Scratch output goes to -D exec_root=DIR (ctest passes the build folder).
config.test_exec_root = lit_config.params.get("exec_root", config.test_source_root)

repo_root = os.path.dirname(os.path.dirname(config.test_source_root))


def _setting(param, env, default):
    value = lit_config.params.get(param) or os.environ.get(env) or default
    return os.path.abspath(value) if value else value


albert_opt = _setting('albert_opt', 'ALBERT_OPT',
                      os.path.join(repo_root, 'build', 'bin', 'albert-opt'))
if not os.path.isfile(albert_opt):
    lit_config.fatal('albert-opt not found at %s (pass -D albert_opt=/path/to/albert-opt '
                     'or set ALBERT_OPT)' % albert_opt)

llvm_tools_dir = _setting('llvm_tools_dir', 'LLVM_TOOLS_DIR', '/usr/lib/llvm-14/bin')


def _llvm_tool(name):
    path = os.path.join(llvm_tools_dir, name)
    if os.path.isfile(path):
        return path
    return shutil.which(name) or shutil.which(name + '-14')


filecheck = _llvm_tool('FileCheck')
if not filecheck:
    lit_config.fatal('FileCheck not found (pass -D llvm_tools_dir=/usr/lib/llvm-14/bin)')
# Without LLVM's `not`, lit's internal shell provides a builtin `not`.
not_tool = _llvm_tool('not')

# Whole words only, and (as LLVM's ToolSubst does) not right after one of
# . - ^ / \ < nor right before - or ., so that paths such as %s or the
# substituted albert-opt path are never rewritten.
def _tool_regex(name):
    return r'(?<![.\-^/\\<])\b' + re.escape(name) + r'\b(?![-.])'


config.substitutions.append((_tool_regex('albert-opt'), albert_opt))
config.substitutions.append((_tool_regex('FileCheck'), filecheck))
if not_tool:
    config.substitutions.append((_tool_regex('not'), not_tool))

lit_config.note('albert-opt: %s' % albert_opt)
