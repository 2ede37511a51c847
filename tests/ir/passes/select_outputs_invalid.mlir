// RUN: albert-opt --albert-select-outputs=outputs=sop_logits %s --split-input-file --verify-diagnostics
// RUN: not albert-opt --albert-select-outputs=outputs=last_hidden_state,sop_logits %s --split-input-file 2>&1 | FileCheck %s
// RUN: not albert-opt --albert-select-outputs=outputs=last_hidden_state,last_hidden_state %s --split-input-file 2>&1 | FileCheck %s --check-prefix=TWICE

// Tests that albert-select-outputs fails, naming the missing output and the
// outputs the function has, when asked for an output the function does not
// return; the pass fails, so albert-opt exits non-zero and prints nothing.

// CHECK: error: output 'sop_logits' is not computed by this model (it has: last_hidden_state, pooler_output)
// CHECK-NOT: {{^}}module

// Tests that an output asked for twice is refused (it would be returned
// twice, under one name).
// TWICE: error: output 'last_hidden_state' is asked for twice

// expected-error @+1 {{output 'sop_logits' is not computed by this model (it has: last_hidden_state, pooler_output)}}
func @forward(%h: tensor<?x?x8xf32>, %p: tensor<?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x8xf32>)
    attributes {albert.output_names = ["last_hidden_state", "pooler_output"]} {
  return %h, %p : tensor<?x?x8xf32>, tensor<?x8xf32>
}

// -----

// Tests that a function whose outputs are not one return in one block is
// refused, not read past its first block.

// expected-error @+1 {{a function with albert.output_names must have one block}}
func @forward(%h: tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    attributes {albert.output_names = ["last_hidden_state"]} {
  br ^bb1
^bb1:
  return %h : tensor<?x?x8xf32>
}

// -----

// Tests that albert.output_names must be an array of strings, not one string.

// expected-error @+1 {{albert.output_names must name each of the 1 results with a string}}
func @forward(%h: tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    attributes {albert.output_names = "sop_logits"} {
  return %h : tensor<?x?x8xf32>
}

// -----

// Tests that two results may not share a name: the second could never be
// selected.

// expected-error @+1 {{albert.output_names names 'sop_logits' twice}}
func @forward(%h: tensor<?x?x8xf32>, %p: tensor<?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x8xf32>)
    attributes {albert.output_names = ["sop_logits", "sop_logits"]} {
  return %h, %p : tensor<?x?x8xf32>, tensor<?x8xf32>
}
