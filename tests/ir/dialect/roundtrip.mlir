// RUN: albert-opt --split-input-file %s | albert-opt | FileCheck %s
// RUN: albert-opt --split-input-file --mlir-print-op-generic %s | albert-opt | FileCheck %s

// Every op of the albert dialect parses, verifies and prints back in its
// custom form. Made-up sizes: vocab V = 10, max positions P = 6, embedding
// size E = 4, hidden size H = 8 with 2 heads, intermediate size F = 16.

// Tests that albert.param declares a weight (symbol, type, source, dtype)
// and albert.param_ref reads it back with the declared type.

// CHECK-LABEL: albert.param @word : tensor<10x4xf32>
// CHECK-SAME:    dtype = "F16"
// CHECK-SAME:    source = "albert.embeddings.word_embeddings.weight"
// CHECK:       albert.param @bias : tensor<8xf32>
// CHECK-SAME:    dtype = "BF16"
// CHECK:       albert.param @scale : tensor<8xf32>
// CHECK-SAME:    dtype = "F32"
// CHECK-LABEL: func @param_ref
// CHECK:         %[[W:.*]] = albert.param_ref @word : tensor<10x4xf32>
// CHECK:         %[[B:.*]] = albert.param_ref @bias : tensor<8xf32>
// CHECK:         return %[[W]], %[[B]]
albert.param @word : tensor<10x4xf32> {source = "albert.embeddings.word_embeddings.weight", dtype = "F16"}
albert.param @bias : tensor<8xf32> {source = "b", dtype = "BF16"}
albert.param @scale : tensor<8xf32> {source = "s", dtype = "F32"}
func @param_ref() -> (tensor<10x4xf32>, tensor<8xf32>) {
  %w = albert.param_ref @word : tensor<10x4xf32>
  %b = albert.param_ref @bias : tensor<8xf32>
  return %w, %b : tensor<10x4xf32>, tensor<8xf32>
}

// -----

// Tests that albert.concat stacks weights along their first dimension,
// for matrices and for vectors.

// CHECK-LABEL: func @concat
// CHECK-SAME:    (%[[Q:.*]]: tensor<8x8xf32>, %[[K:.*]]: tensor<8x8xf32>, %[[V:.*]]: tensor<8x8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK:         albert.concat %[[Q]], %[[K]], %[[V]] : (tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<24x8xf32>
// CHECK:         albert.concat %[[B]], %[[B]], %[[B]] : (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<24xf32>
func @concat(%q: tensor<8x8xf32>, %k: tensor<8x8xf32>, %v: tensor<8x8xf32>, %b: tensor<8xf32>)
    -> (tensor<24x8xf32>, tensor<24xf32>) {
  %w = albert.concat %q, %k, %v : (tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<24x8xf32>
  %bb = albert.concat %b, %b, %b : (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<24xf32>
  return %w, %bb : tensor<24x8xf32>, tensor<24xf32>
}

// -----

// Tests that albert.embeddings and the albert.linear E -> H projection
// (on [batch, seq, C] and [batch, C] inputs) round-trip.

// CHECK-LABEL: func @embeddings_linear
// CHECK:         %[[E:.*]] = albert.embeddings %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {eps = 9.9999999999999998E-13 : f64}
// CHECK-SAME:      -> tensor<?x?x4xf32>
// CHECK:         albert.linear %[[E]], %{{.*}}, %{{.*}} : (tensor<?x?x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
// CHECK:         albert.linear %{{.*}} : (tensor<?x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x8xf32>
func @embeddings_linear(%ids: tensor<?x?xi32>, %tt: tensor<?x?xi32>, %word: tensor<10x4xf32>,
                        %pos: tensor<6x4xf32>, %type: tensor<2x4xf32>, %g: tensor<4xf32>,
                        %b: tensor<4xf32>, %pw: tensor<8x4xf32>, %pb: tensor<8xf32>,
                        %x2: tensor<?x4xf32>) -> (tensor<?x?x8xf32>, tensor<?x8xf32>) {
  %e = albert.embeddings %ids, %tt, %word, %pos, %type, %g, %b {eps = 1.0e-12 : f64}
      : (tensor<?x?xi32>, tensor<?x?xi32>, tensor<10x4xf32>, tensor<6x4xf32>, tensor<2x4xf32>,
         tensor<4xf32>, tensor<4xf32>) -> tensor<?x?x4xf32>
  %h = albert.linear %e, %pw, %pb : (tensor<?x?x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %h2 = albert.linear %x2, %pw, %pb : (tensor<?x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %h, %h2 : tensor<?x?x8xf32>, tensor<?x8xf32>
}

// -----

// Tests that albert.fused_embedding (embeddings + projection) round-trips.

// CHECK-LABEL: func @fused_embedding
// CHECK:         albert.fused_embedding %{{.*}} {eps = 1.000000e-05 : f64}
// CHECK-SAME:      (tensor<?x?xi32>, tensor<?x?xi32>, tensor<10x4xf32>, tensor<6x4xf32>, tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
func @fused_embedding(%ids: tensor<?x?xi32>, %tt: tensor<?x?xi32>, %word: tensor<10x4xf32>,
                      %pos: tensor<6x4xf32>, %type: tensor<2x4xf32>, %g: tensor<4xf32>,
                      %b: tensor<4xf32>, %pw: tensor<8x4xf32>, %pb: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %h = albert.fused_embedding %ids, %tt, %word, %pos, %type, %g, %b, %pw, %pb {eps = 1.0e-5 : f64}
      : (tensor<?x?xi32>, tensor<?x?xi32>, tensor<10x4xf32>, tensor<6x4xf32>, tensor<2x4xf32>,
         tensor<4xf32>, tensor<4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %h : tensor<?x?x8xf32>
}

// -----

// Tests that albert.encoder_layer (18 operands, num_heads, eps, activation)
// round-trips.

// CHECK-LABEL: func @encoder_layer
// CHECK-SAME:    (%[[H:[^:]*]]: tensor<?x?x8xf32>, %[[MASK:[^:]*]]: tensor<?x?xi32>
// CHECK:         albert.encoder_layer %[[H]], %[[MASK]],
// CHECK-SAME:      {activation = "relu", eps = 9.9999999999999998E-13 : f64, num_heads = 2 : i64}
// CHECK-SAME:      tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>
// CHECK-SAME:      -> tensor<?x?x8xf32>
func @encoder_layer(%h: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %w: tensor<8x8xf32>,
                    %b: tensor<8xf32>, %fw: tensor<16x8xf32>, %fb: tensor<16xf32>,
                    %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  %o = albert.encoder_layer %h, %mask, %w, %b, %w, %b, %w, %b, %w, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "relu"}
      : (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>,
         tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %o : tensor<?x?x8xf32>
}

// -----

// Tests that albert.pooler round-trips.

// CHECK-LABEL: func @pooler
// CHECK:         albert.pooler %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
func @pooler(%h: tensor<?x?x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
  %p = albert.pooler %h, %w, %b : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %p : tensor<?x8xf32>
}

// -----

// Tests that albert.mlm_head (dense H -> E, LayerNorm over E, decoder tied
// to the [V, E] word embeddings) round-trips.

// CHECK-LABEL: func @mlm_head
// CHECK:         albert.mlm_head %{{.*}} {activation = "gelu_new", eps = 9.9999999999999998E-13 : f64}
// CHECK-SAME:      (tensor<?x?x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<10x4xf32>, tensor<10xf32>) -> tensor<?x?x10xf32>
func @mlm_head(%h: tensor<?x?x8xf32>, %dw: tensor<4x8xf32>, %db: tensor<4xf32>, %g: tensor<4xf32>,
               %b: tensor<4xf32>, %word: tensor<10x4xf32>, %bias: tensor<10xf32>) -> tensor<?x?x10xf32> {
  %l = albert.mlm_head %h, %dw, %db, %g, %b, %word, %bias {eps = 1.0e-12 : f64, activation = "gelu_new"}
      : (tensor<?x?x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
         tensor<10x4xf32>, tensor<10xf32>) -> tensor<?x?x10xf32>
  return %l : tensor<?x?x10xf32>
}

// -----

// Tests that albert.repeat with its albert.yield round-trips, its body using
// values from above (mask, weights) directly.

// CHECK-LABEL: func @repeat
// CHECK-SAME:    (%[[H0:[^:]*]]: tensor<?x?x8xf32>, %[[MASK:[^:]*]]: tensor<?x?xi32>
// CHECK:         %[[R:.*]] = albert.repeat 3 %[[H0]] : tensor<?x?x8xf32> {
// CHECK-NEXT:    ^bb0(%[[ARG:.*]]: tensor<?x?x8xf32>):
// CHECK-NEXT:      %[[N:.*]] = albert.encoder_layer %[[ARG]], %[[MASK]],
// CHECK-NEXT:      albert.yield %[[N]] : tensor<?x?x8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[R]]
func @repeat(%h0: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %w: tensor<8x8xf32>,
             %b: tensor<8xf32>, %fw: tensor<16x8xf32>, %fb: tensor<16xf32>,
             %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  %r = albert.repeat 3 %h0 : tensor<?x?x8xf32> {
  ^bb0(%h: tensor<?x?x8xf32>):
    %o = albert.encoder_layer %h, %mask, %w, %b, %w, %b, %w, %b, %w, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
        {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu"}
        : (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>,
           tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>,
           tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>,
           tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
    albert.yield %o : tensor<?x?x8xf32>
  }
  return %r : tensor<?x?x8xf32>
}

// -----

// Tests that albert.kernel (isolated body, block arguments = inputs) with
// albert.gather_cls, albert.matmul and albert.yield round-trips.

// CHECK-LABEL: func @kernel
// CHECK-SAME:    (%[[H:[^:]*]]: tensor<?x?x8xf32>, %[[W:[^:]*]]: tensor<8x8xf32>, %[[B:[^:]*]]: tensor<8xf32>)
// CHECK:         %[[K:.*]] = albert.kernel "pooler"(%[[H]], %[[W]], %[[B]]) : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32> {
// CHECK-NEXT:    ^bb0(%[[X:[^:]*]]: tensor<?x?x8xf32>, %[[W0:[^:]*]]: tensor<8x8xf32>, %[[B0:[^:]*]]: tensor<8xf32>):
// CHECK-NEXT:      %[[C:.*]] = albert.gather_cls %[[X]] : (tensor<?x?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT:      %[[Y:.*]] = albert.matmul %[[C]], %[[W0]], %[[B0]] {activation = "tanh"} : (tensor<?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT:      albert.yield %[[Y]] : tensor<?x8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[K]]
func @kernel(%h: tensor<?x?x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
  %p = albert.kernel "pooler" (%h, %w, %b)
      : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32> {
  ^bb0(%x: tensor<?x?x8xf32>, %w0: tensor<8x8xf32>, %b0: tensor<8xf32>):
    %c = albert.gather_cls %x : (tensor<?x?x8xf32>) -> tensor<?x8xf32>
    %y = albert.matmul %c, %w0, %b0 {activation = "tanh"}
        : (tensor<?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
    albert.yield %y : tensor<?x8xf32>
  }
  return %p : tensor<?x8xf32>
}

// -----

// Tests that albert.matmul with each epilogue (none and every known
// activation) and albert.activation of each kind round-trip.

// CHECK-LABEL: func @matmul_activation
// CHECK:         albert.matmul %{{.*}} {activation = "none"} : (tensor<?x?x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
// CHECK:         albert.matmul %{{.*}} {activation = "gelu_new"}
// CHECK:         albert.matmul %{{.*}} {activation = "gelu"}
// CHECK:         albert.matmul %{{.*}} {activation = "relu"}
// CHECK:         albert.matmul %{{.*}} {activation = "tanh"}
// CHECK:         albert.activation %{{.*}} {kind = "gelu_new"} : tensor<?x?x16xf32>
// CHECK:         albert.activation %{{.*}} {kind = "gelu"} : tensor<?x?x16xf32>
// CHECK:         albert.activation %{{.*}} {kind = "relu"} : tensor<?x?x16xf32>
// CHECK:         albert.activation %{{.*}} {kind = "tanh"} : tensor<?x?x16xf32>
func @matmul_activation(%x: tensor<?x?x8xf32>, %w: tensor<16x8xf32>, %b: tensor<16xf32>) -> tensor<?x?x16xf32> {
  %m0 = albert.matmul %x, %w, %b {activation = "none"} : (tensor<?x?x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %m1 = albert.matmul %x, %w, %b {activation = "gelu_new"} : (tensor<?x?x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %m2 = albert.matmul %x, %w, %b {activation = "gelu"} : (tensor<?x?x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %m3 = albert.matmul %x, %w, %b {activation = "relu"} : (tensor<?x?x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %m4 = albert.matmul %x, %w, %b {activation = "tanh"} : (tensor<?x?x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %a1 = albert.activation %m0 {kind = "gelu_new"} : tensor<?x?x16xf32>
  %a2 = albert.activation %a1 {kind = "gelu"} : tensor<?x?x16xf32>
  %a3 = albert.activation %a2 {kind = "relu"} : tensor<?x?x16xf32>
  %a4 = albert.activation %a3 {kind = "tanh"} : tensor<?x?x16xf32>
  return %a4 : tensor<?x?x16xf32>
}

// -----

// Tests that albert.add_layer_norm and albert.layer_norm round-trip.

// CHECK-LABEL: func @layer_norms
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<?x?x8xf32>, %[[R:[^:]*]]: tensor<?x?x8xf32>
// CHECK:         %[[A:.*]] = albert.add_layer_norm %[[X]], %[[R]], %{{.*}}, %{{.*}} {eps = 9.9999999999999998E-13 : f64} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
// CHECK:         albert.layer_norm %[[A]], %{{.*}}, %{{.*}} {eps = 1.000000e+00 : f64} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
func @layer_norms(%x: tensor<?x?x8xf32>, %r: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %a = albert.add_layer_norm %x, %r, %g, %b {eps = 1.0e-12 : f64}
      : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  // eps = 1 is the largest eps the verifier accepts.
  %n = albert.layer_norm %a, %g, %b {eps = 1.0 : f64}
      : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %n : tensor<?x?x8xf32>
}

// -----

// Tests that albert.matmul_add_layer_norm (GEMM F -> H with a residual
// LayerNorm epilogue) round-trips.

// CHECK-LABEL: func @matmul_add_layer_norm
// CHECK:         albert.matmul_add_layer_norm %{{.*}} {eps = 9.9999999999999998E-13 : f64}
// CHECK-SAME:      (tensor<?x?x16xf32>, tensor<8x16xf32>, tensor<8xf32>, tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
func @matmul_add_layer_norm(%x: tensor<?x?x16xf32>, %w: tensor<8x16xf32>, %b: tensor<8xf32>,
                            %h: tensor<?x?x8xf32>, %g: tensor<8xf32>, %beta: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %y = albert.matmul_add_layer_norm %x, %w, %b, %h, %g, %beta {eps = 1.0e-12 : f64}
      : (tensor<?x?x16xf32>, tensor<8x16xf32>, tensor<8xf32>, tensor<?x?x8xf32>, tensor<8xf32>,
         tensor<8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// Tests that albert.attention on a packed [B, S, 3H] qkv round-trips.

// CHECK-LABEL: func @attention
// CHECK:         albert.attention %{{.*}}, %{{.*}} {num_heads = 2 : i64} : (tensor<?x?x24xf32>, tensor<?x?xi32>) -> tensor<?x?x8xf32>
func @attention(%qkv: tensor<?x?x24xf32>, %mask: tensor<?x?xi32>) -> tensor<?x?x8xf32> {
  %c = albert.attention %qkv, %mask {num_heads = 2 : i64}
      : (tensor<?x?x24xf32>, tensor<?x?xi32>) -> tensor<?x?x8xf32>
  return %c : tensor<?x?x8xf32>
}

// -----

// Tests that albert.gather_cls round-trips, with static batch and seq too.

// CHECK-LABEL: func @gather_cls
// CHECK:         albert.gather_cls %{{.*}} : (tensor<2x5x8xf32>) -> tensor<2x8xf32>
func @gather_cls(%h: tensor<2x5x8xf32>) -> tensor<2x8xf32> {
  %c = albert.gather_cls %h : (tensor<2x5x8xf32>) -> tensor<2x8xf32>
  return %c : tensor<2x8xf32>
}

// -----

// Tests that albert.slice takes rows of a weight, as the question answering
// head splits qa_outputs into its start and end rows.

// CHECK-LABEL: func @slice
// CHECK:         albert.slice %{{.*}} {start = 1 : i64} : (tensor<2x8xf32>) -> tensor<1x8xf32>
// CHECK:         albert.slice %{{.*}} {start = 0 : i64} : (tensor<2xf32>) -> tensor<1xf32>
func @slice(%w: tensor<2x8xf32>, %b: tensor<2xf32>) -> (tensor<1x8xf32>, tensor<1xf32>) {
  %r = albert.slice %w {start = 1 : i64} : (tensor<2x8xf32>) -> tensor<1x8xf32>
  %s = albert.slice %b {start = 0 : i64} : (tensor<2xf32>) -> tensor<1xf32>
  return %r, %s : tensor<1x8xf32>, tensor<1xf32>
}

// -----

// Tests the views: albert.squeeze (QA scores), albert.flatten_choices and
// albert.unflatten_choices (multiple choice).

// CHECK-LABEL: func @views
// CHECK:         albert.squeeze %{{.*}} : (tensor<?x?x1xf32>) -> tensor<?x?xf32>
// CHECK:         albert.flatten_choices %{{.*}} : (tensor<?x?x?xi32>) -> tensor<?x?xi32>
// CHECK:         albert.unflatten_choices %{{.*}}, %{{.*}} : (tensor<?x1xf32>, tensor<?x?x?xi32>) -> tensor<?x?xf32>
func @views(%s: tensor<?x?x1xf32>, %ids: tensor<?x?x?xi32>, %score: tensor<?x1xf32>)
    -> (tensor<?x?xf32>, tensor<?x?xi32>, tensor<?x?xf32>) {
  %q = albert.squeeze %s : (tensor<?x?x1xf32>) -> tensor<?x?xf32>
  %f = albert.flatten_choices %ids : (tensor<?x?x?xi32>) -> tensor<?x?xi32>
  %u = albert.unflatten_choices %score, %ids : (tensor<?x1xf32>, tensor<?x?x?xi32>) -> tensor<?x?xf32>
  return %q, %f, %u : tensor<?x?xf32>, tensor<?x?xi32>, tensor<?x?xf32>
}
