// RUN: albert-opt --split-input-file --albert-lower-to-kernels %s | FileCheck %s

// Made-up sizes: vocab 10, positions 6, E = 4, H = 8 with 2 heads, F = 16.
// !layer is the type of one albert.encoder_layer.

// Tests that albert.encoder_layer becomes one albert.kernel "encoder_layer":
// the q, k, v weights and biases are concatenated (albert.concat, in q, k, v
// order) outside the kernel; the kernel takes hidden, mask, the two concats
// and the other 12 weights in order; its body is the QKV matmul, attention,
// dense matmul + add_layer_norm (residual: the input), ffn matmul, the
// activation, ffn_output matmul + add_layer_norm (residual: the attention
// output), all matmuls without an epilogue.

!layer = type (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>

// CHECK-LABEL: func @encoder_layer
// CHECK-SAME:    (%[[H:[^:]*]]: tensor<?x?x8xf32>, %[[MASK:[^:]*]]: tensor<?x?xi32>, %[[WQ:[^:]*]]: tensor<8x8xf32>, %[[BQ:[^:]*]]: tensor<8xf32>, %[[WK:[^:]*]]: tensor<8x8xf32>, %[[BK:[^:]*]]: tensor<8xf32>, %[[WV:[^:]*]]: tensor<8x8xf32>, %[[BV:[^:]*]]: tensor<8xf32>, %[[WO:[^:]*]]: tensor<8x8xf32>, %[[BO:[^:]*]]: tensor<8xf32>, %[[AG:[^:]*]]: tensor<8xf32>, %[[AB:[^:]*]]: tensor<8xf32>, %[[WF:[^:]*]]: tensor<16x8xf32>, %[[BF:[^:]*]]: tensor<16xf32>, %[[WFO:[^:]*]]: tensor<8x16xf32>, %[[BFO:[^:]*]]: tensor<8xf32>, %[[G:[^:]*]]: tensor<8xf32>, %[[B:[^:]*]]: tensor<8xf32>)
// CHECK-NEXT:    %[[WQKV:.*]] = albert.concat %[[WQ]], %[[WK]], %[[WV]] : (tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<24x8xf32>
// CHECK-NEXT:    %[[BQKV:.*]] = albert.concat %[[BQ]], %[[BK]], %[[BV]] : (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<24xf32>
// CHECK-NEXT:    %[[K:.*]] = albert.kernel "encoder_layer"(%[[H]], %[[MASK]], %[[WQKV]], %[[BQKV]], %[[WO]], %[[BO]], %[[AG]], %[[AB]], %[[WF]], %[[BF]], %[[WFO]], %[[BFO]], %[[G]], %[[B]])
// CHECK-SAME:      -> tensor<?x?x8xf32> {
// CHECK-NEXT:    ^bb0(%[[X:[^:]*]]: tensor<?x?x8xf32>, %[[M:[^:]*]]: tensor<?x?xi32>, %[[A2:[^:]*]]: tensor<24x8xf32>, %[[A3:[^:]*]]: tensor<24xf32>, %[[A4:[^:]*]]: tensor<8x8xf32>, %[[A5:[^:]*]]: tensor<8xf32>, %[[A6:[^:]*]]: tensor<8xf32>, %[[A7:[^:]*]]: tensor<8xf32>, %[[A8:[^:]*]]: tensor<16x8xf32>, %[[A9:[^:]*]]: tensor<16xf32>, %[[A10:[^:]*]]: tensor<8x16xf32>, %[[A11:[^:]*]]: tensor<8xf32>, %[[A12:[^:]*]]: tensor<8xf32>, %[[A13:[^:]*]]: tensor<8xf32>):
// CHECK-NEXT:      %[[QKV:.*]] = albert.matmul %[[X]], %[[A2]], %[[A3]] {activation = "none"} : {{.*}} -> tensor<?x?x24xf32>
// CHECK-NEXT:      %[[CTX:.*]] = albert.attention %[[QKV]], %[[M]] {num_heads = 2 : i64} : (tensor<?x?x24xf32>, tensor<?x?xi32>) -> tensor<?x?x8xf32>
// CHECK-NEXT:      %[[D:.*]] = albert.matmul %[[CTX]], %[[A4]], %[[A5]] {activation = "none"}
// CHECK-NEXT:      %[[ATT:.*]] = albert.add_layer_norm %[[D]], %[[X]], %[[A6]], %[[A7]] {eps = 5.000000e-01 : f64}
// CHECK-NEXT:      %[[F:.*]] = albert.matmul %[[ATT]], %[[A8]], %[[A9]] {activation = "none"} : {{.*}} -> tensor<?x?x16xf32>
// CHECK-NEXT:      %[[ACT:.*]] = albert.activation %[[F]] {kind = "relu"} : tensor<?x?x16xf32>
// CHECK-NEXT:      %[[FO:.*]] = albert.matmul %[[ACT]], %[[A10]], %[[A11]] {activation = "none"} : {{.*}} -> tensor<?x?x8xf32>
// CHECK-NEXT:      %[[OUT:.*]] = albert.add_layer_norm %[[FO]], %[[ATT]], %[[A12]], %[[A13]] {eps = 5.000000e-01 : f64}
// CHECK-NEXT:      albert.yield %[[OUT]] : tensor<?x?x8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[K]]
func @encoder_layer(%h: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %wq: tensor<8x8xf32>, %bq: tensor<8xf32>,
                    %wk: tensor<8x8xf32>, %bk: tensor<8xf32>, %wv: tensor<8x8xf32>, %bv: tensor<8xf32>,
                    %wo: tensor<8x8xf32>, %bo: tensor<8xf32>, %ag: tensor<8xf32>, %ab: tensor<8xf32>,
                    %wf: tensor<16x8xf32>, %bf: tensor<16xf32>, %wfo: tensor<8x16xf32>, %bfo: tensor<8xf32>,
                    %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %o = albert.encoder_layer %h, %mask, %wq, %bq, %wk, %bk, %wv, %bv, %wo, %bo, %ag, %ab, %wf, %bf, %wfo, %bfo, %g, %b
      {num_heads = 2 : i64, eps = 0.5 : f64, activation = "relu"} : !layer
  return %o : tensor<?x?x8xf32>
}

// -----

// Tests that an albert.encoder_layer inside an albert.repeat body is lowered
// in place, while its weight concats are made before the repeat, outside the
// loop.

!layer = type (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>

// CHECK-LABEL: func @in_repeat
// CHECK-SAME:    (%[[H0:[^:]*]]: tensor<?x?x8xf32>, %[[MASK:[^:]*]]: tensor<?x?xi32>, %[[W:[^:]*]]: tensor<8x8xf32>, %[[B:[^:]*]]: tensor<8xf32>
// CHECK-NEXT:    %[[WQKV:.*]] = albert.concat %[[W]], %[[W]], %[[W]] : {{.*}} -> tensor<24x8xf32>
// CHECK-NEXT:    %[[BQKV:.*]] = albert.concat %[[B]], %[[B]], %[[B]] : {{.*}} -> tensor<24xf32>
// CHECK-NEXT:    %[[R:.*]] = albert.repeat 3 %[[H0]] : tensor<?x?x8xf32> {
// CHECK-NEXT:    ^bb0(%[[H:.*]]: tensor<?x?x8xf32>):
// CHECK-NEXT:      %[[K:.*]] = albert.kernel "encoder_layer"(%[[H]], %[[MASK]], %[[WQKV]], %[[BQKV]], %[[W]], %[[B]],
// CHECK-NOT:       albert.encoder_layer
// CHECK:           albert.yield %[[K]] : tensor<?x?x8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[R]]
func @in_repeat(%h0: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>,
                %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  %r = albert.repeat 3 %h0 : tensor<?x?x8xf32> {
  ^bb0(%h: tensor<?x?x8xf32>):
    %o = albert.encoder_layer %h, %mask, %w, %b, %w, %b, %w, %b, %w, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
        {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
    albert.yield %o : tensor<?x?x8xf32>
  }
  return %r : tensor<?x?x8xf32>
}

// -----

// Tests that albert.pooler becomes albert.kernel "pooler": gather_cls, a
// matmul without epilogue, then tanh.

// CHECK-LABEL: func @pooler
// CHECK-SAME:    (%[[H:[^:]*]]: tensor<?x?x8xf32>, %[[W:[^:]*]]: tensor<8x8xf32>, %[[B:[^:]*]]: tensor<8xf32>)
// CHECK-NEXT:    %[[K:.*]] = albert.kernel "pooler"(%[[H]], %[[W]], %[[B]]) : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32> {
// CHECK-NEXT:    ^bb0(%[[X:[^:]*]]: tensor<?x?x8xf32>, %[[W0:[^:]*]]: tensor<8x8xf32>, %[[B0:[^:]*]]: tensor<8xf32>):
// CHECK-NEXT:      %[[C:.*]] = albert.gather_cls %[[X]] : (tensor<?x?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT:      %[[M:.*]] = albert.matmul %[[C]], %[[W0]], %[[B0]] {activation = "none"} : (tensor<?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT:      %[[T:.*]] = albert.activation %[[M]] {kind = "tanh"} : tensor<?x8xf32>
// CHECK-NEXT:      albert.yield %[[T]] : tensor<?x8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[K]]
func @pooler(%h: tensor<?x?x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
  %p = albert.pooler %h, %w, %b : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %p : tensor<?x8xf32>
}

// -----

// Tests that albert.mlm_head becomes albert.kernel "mlm_head": dense matmul
// H -> E, the head's activation, LayerNorm over E with the head's eps, then
// the decoder matmul E -> vocab.

// CHECK-LABEL: func @mlm_head
// CHECK-SAME:    (%[[H:[^:]*]]: tensor<?x?x8xf32>, %[[DW:[^:]*]]: tensor<4x8xf32>, %[[DB:[^:]*]]: tensor<4xf32>, %[[G:[^:]*]]: tensor<4xf32>, %[[B:[^:]*]]: tensor<4xf32>, %[[WORD:[^:]*]]: tensor<10x4xf32>, %[[BIAS:[^:]*]]: tensor<10xf32>)
// CHECK-NEXT:    %[[K:.*]] = albert.kernel "mlm_head"(%[[H]], %[[DW]], %[[DB]], %[[G]], %[[B]], %[[WORD]], %[[BIAS]])
// CHECK-SAME:      -> tensor<?x?x10xf32> {
// CHECK-NEXT:    ^bb0(%[[X:[^:]*]]: tensor<?x?x8xf32>, %[[A1:[^:]*]]: tensor<4x8xf32>, %[[A2:[^:]*]]: tensor<4xf32>, %[[A3:[^:]*]]: tensor<4xf32>, %[[A4:[^:]*]]: tensor<4xf32>, %[[A5:[^:]*]]: tensor<10x4xf32>, %[[A6:[^:]*]]: tensor<10xf32>):
// CHECK-NEXT:      %[[D:.*]] = albert.matmul %[[X]], %[[A1]], %[[A2]] {activation = "none"} : {{.*}} -> tensor<?x?x4xf32>
// CHECK-NEXT:      %[[A:.*]] = albert.activation %[[D]] {kind = "gelu"} : tensor<?x?x4xf32>
// CHECK-NEXT:      %[[N:.*]] = albert.layer_norm %[[A]], %[[A3]], %[[A4]] {eps = 1.000000e-05 : f64}
// CHECK-NEXT:      %[[L:.*]] = albert.matmul %[[N]], %[[A5]], %[[A6]] {activation = "none"} : {{.*}} -> tensor<?x?x10xf32>
// CHECK-NEXT:      albert.yield %[[L]] : tensor<?x?x10xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[K]]
func @mlm_head(%h: tensor<?x?x8xf32>, %dw: tensor<4x8xf32>, %db: tensor<4xf32>, %g: tensor<4xf32>,
               %b: tensor<4xf32>, %word: tensor<10x4xf32>, %bias: tensor<10xf32>) -> tensor<?x?x10xf32> {
  %l = albert.mlm_head %h, %dw, %db, %g, %b, %word, %bias {eps = 1.0e-5 : f64, activation = "gelu"}
      : (tensor<?x?x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
         tensor<10x4xf32>, tensor<10xf32>) -> tensor<?x?x10xf32>
  return %l : tensor<?x?x10xf32>
}

// -----

// Tests that albert.linear becomes albert.kernel "linear" holding one matmul
// without epilogue, for [batch, seq, C] and [batch, C] inputs.

// CHECK-LABEL: func @linear
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<?x?x4xf32>, %[[X2:[^:]*]]: tensor<?x4xf32>, %[[W:[^:]*]]: tensor<8x4xf32>, %[[B:[^:]*]]: tensor<8xf32>)
// CHECK-NEXT:    %[[K:.*]] = albert.kernel "linear"(%[[X]], %[[W]], %[[B]]) : (tensor<?x?x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x?x8xf32> {
// CHECK-NEXT:    ^bb0(%[[A0:[^:]*]]: tensor<?x?x4xf32>, %[[A1:[^:]*]]: tensor<8x4xf32>, %[[A2:[^:]*]]: tensor<8xf32>):
// CHECK-NEXT:      %[[M:.*]] = albert.matmul %[[A0]], %[[A1]], %[[A2]] {activation = "none"} : (tensor<?x?x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
// CHECK-NEXT:      albert.yield %[[M]] : tensor<?x?x8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[K2:.*]] = albert.kernel "linear"(%[[X2]], %[[W]], %[[B]]) : (tensor<?x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x8xf32> {
// CHECK:           albert.matmul {{.*}} -> tensor<?x8xf32>
// CHECK:         return %[[K]], %[[K2]]
func @linear(%x: tensor<?x?x4xf32>, %x2: tensor<?x4xf32>, %w: tensor<8x4xf32>, %b: tensor<8xf32>)
    -> (tensor<?x?x8xf32>, tensor<?x8xf32>) {
  %y = albert.linear %x, %w, %b : (tensor<?x?x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %y2 = albert.linear %x2, %w, %b : (tensor<?x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %y, %y2 : tensor<?x?x8xf32>, tensor<?x8xf32>
}

// -----

// Tests that albert.embeddings and albert.fused_embedding are wrapped as they
// are in albert.kernel "embedding", the op reading the block arguments.

!emb = type (tensor<?x?xi32>, tensor<?x?xi32>, tensor<10x4xf32>, tensor<6x4xf32>, tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x?x4xf32>
!femb = type (tensor<?x?xi32>, tensor<?x?xi32>, tensor<10x4xf32>, tensor<6x4xf32>, tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>

// CHECK-LABEL: func @embeddings
// CHECK-SAME:    (%[[IDS:[^:]*]]: tensor<?x?xi32>, %[[TT:[^:]*]]: tensor<?x?xi32>,
// CHECK-NEXT:    %[[K:.*]] = albert.kernel "embedding"(%[[IDS]], %[[TT]], {{.*}}) : {{.*}} -> tensor<?x?x4xf32> {
// CHECK-NEXT:    ^bb0(%[[I0:[^:]*]]: tensor<?x?xi32>, %[[T0:[^:]*]]: tensor<?x?xi32>, %[[W0:[^:]*]]: tensor<10x4xf32>,
// CHECK-NEXT:      %[[E:.*]] = albert.embeddings %[[I0]], %[[T0]], %[[W0]], {{.*}} {eps = 9.9999999999999998E-13 : f64}
// CHECK-NEXT:      albert.yield %[[E]] : tensor<?x?x4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[K2:.*]] = albert.kernel "embedding"(%[[IDS]], %[[TT]], {{.*}}) : {{.*}} -> tensor<?x?x8xf32> {
// CHECK-NEXT:    ^bb0(%[[I1:[^:]*]]: tensor<?x?xi32>,
// CHECK-NEXT:      %[[F:.*]] = albert.fused_embedding %[[I1]],
// CHECK-NEXT:      albert.yield %[[F]] : tensor<?x?x8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[K]], %[[K2]]
func @embeddings(%ids: tensor<?x?xi32>, %tt: tensor<?x?xi32>, %word: tensor<10x4xf32>, %pos: tensor<6x4xf32>,
                 %type: tensor<2x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>, %pw: tensor<8x4xf32>,
                 %pb: tensor<8xf32>) -> (tensor<?x?x4xf32>, tensor<?x?x8xf32>) {
  %e = albert.embeddings %ids, %tt, %word, %pos, %type, %g, %b {eps = 1.0e-12 : f64} : !emb
  %h = albert.fused_embedding %ids, %tt, %word, %pos, %type, %g, %b, %pw, %pb {eps = 1.0e-12 : f64} : !femb
  return %e, %h : tensor<?x?x4xf32>, tensor<?x?x8xf32>
}

// -----

// Tests that model-level ops already inside an albert.kernel are left alone,
// so that running the pass again changes nothing.

// CHECK-LABEL: func @already_lowered
// CHECK:         albert.kernel "linear"
// CHECK-NEXT:    ^bb0
// CHECK-NEXT:      albert.linear
// CHECK-NOT:       albert.kernel
// CHECK-NOT:       albert.matmul
// CHECK:           albert.yield
func @already_lowered(%x: tensor<?x?x4xf32>, %w: tensor<8x4xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %k = albert.kernel "linear" (%x, %w, %b) : (tensor<?x?x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%x0: tensor<?x?x4xf32>, %w0: tensor<8x4xf32>, %b0: tensor<8xf32>):
    %y = albert.linear %x0, %w0, %b0 : (tensor<?x?x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
    albert.yield %y : tensor<?x?x8xf32>
  }
  return %k : tensor<?x?x8xf32>
}

// -----

// Tests that the question answering head lowers to one "linear" kernel per
// row of qa_outputs: the albert.slice of the weights stays outside the
// kernels (evaluated when the weights are packed) and albert.squeeze stays a
// view of each kernel's result.

albert.param @qa.weight : tensor<2x8xf32> {source = "qa_outputs.weight", dtype = "F32"}
albert.param @qa.bias : tensor<2xf32> {source = "qa_outputs.bias", dtype = "F32"}

// CHECK-LABEL: func @qa_head
// CHECK:         %[[WS:.*]] = albert.slice %{{.*}} {start = 0 : i64}
// CHECK:         %[[BS:.*]] = albert.slice %{{.*}} {start = 0 : i64}
// CHECK:         %[[S:.*]] = albert.kernel "linear"(%{{.*}}, %[[WS]], %[[BS]]) : {{.*}} -> tensor<?x?x1xf32>
// CHECK:         %[[E:.*]] = albert.kernel "linear"
// CHECK:         %[[START:.*]] = albert.squeeze %[[S]] : (tensor<?x?x1xf32>) -> tensor<?x?xf32>
// CHECK:         %[[END:.*]] = albert.squeeze %[[E]]
// CHECK:         return %[[START]], %[[END]]
func @qa_head(%h: tensor<?x?x8xf32>) -> (tensor<?x?xf32>, tensor<?x?xf32>) {
  %w = albert.param_ref @qa.weight : tensor<2x8xf32>
  %b = albert.param_ref @qa.bias : tensor<2xf32>
  %ws = albert.slice %w {start = 0 : i64} : (tensor<2x8xf32>) -> tensor<1x8xf32>
  %bs = albert.slice %b {start = 0 : i64} : (tensor<2xf32>) -> tensor<1xf32>
  %we = albert.slice %w {start = 1 : i64} : (tensor<2x8xf32>) -> tensor<1x8xf32>
  %be = albert.slice %b {start = 1 : i64} : (tensor<2xf32>) -> tensor<1xf32>
  %s = albert.linear %h, %ws, %bs : (tensor<?x?x8xf32>, tensor<1x8xf32>, tensor<1xf32>) -> tensor<?x?x1xf32>
  %e = albert.linear %h, %we, %be : (tensor<?x?x8xf32>, tensor<1x8xf32>, tensor<1xf32>) -> tensor<?x?x1xf32>
  %start = albert.squeeze %s : (tensor<?x?x1xf32>) -> tensor<?x?xf32>
  %end = albert.squeeze %e : (tensor<?x?x1xf32>) -> tensor<?x?xf32>
  return %start, %end : tensor<?x?xf32>, tensor<?x?xf32>
}

// -----

// Tests that a multiple-choice model's views stay as they are around the
// kernels: flatten_choices feeds the encoder's rows, unflatten_choices turns
// the one score per row back into [batch, choices].

// CHECK-LABEL: func @multiple_choice
// CHECK:         %[[F:.*]] = albert.flatten_choices %{{.*}} : (tensor<?x?x?xi32>) -> tensor<?x?xi32>
// CHECK:         %[[K:.*]] = albert.kernel "linear"
// CHECK:         albert.unflatten_choices %[[K]], %{{.*}} : (tensor<?x1xf32>, tensor<?x?x?xi32>) -> tensor<?x?xf32>
func @multiple_choice(%ids: tensor<?x?x?xi32>, %pooled: tensor<?x8xf32>, %w: tensor<1x8xf32>, %b: tensor<1xf32>)
    -> (tensor<?x?xi32>, tensor<?x?xf32>) {
  %f = albert.flatten_choices %ids : (tensor<?x?x?xi32>) -> tensor<?x?xi32>
  %s = albert.linear %pooled, %w, %b : (tensor<?x8xf32>, tensor<1x8xf32>, tensor<1xf32>) -> tensor<?x1xf32>
  %u = albert.unflatten_choices %s, %ids : (tensor<?x1xf32>, tensor<?x?x?xi32>) -> tensor<?x?xf32>
  return %f, %u : tensor<?x?xi32>, tensor<?x?xf32>
}
