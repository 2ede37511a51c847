// RUN: albert-opt --albert-select-outputs=outputs=sop_logits %s --verify-diagnostics
// RUN: not albert-opt --albert-select-outputs=outputs=last_hidden_state,sop_logits %s 2>&1 | FileCheck %s

// Tests that albert-select-outputs fails, naming the missing output and the
// outputs the function has, when asked for an output the function does not
// return; the pass fails, so albert-opt exits non-zero and prints nothing.

// CHECK: error: output 'sop_logits' is not computed by this model (it has: last_hidden_state, pooler_output)
// CHECK-NOT: {{^}}module

// expected-error @+1 {{output 'sop_logits' is not computed by this model (it has: last_hidden_state, pooler_output)}}
func @forward(%h: tensor<?x?x8xf32>, %p: tensor<?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x8xf32>)
    attributes {albert.output_names = ["last_hidden_state", "pooler_output"]} {
  return %h, %p : tensor<?x?x8xf32>, tensor<?x8xf32>
}
