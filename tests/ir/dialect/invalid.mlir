// RUN: albert-opt %s --split-input-file --verify-diagnostics

// Verifier errors of the albert dialect, one behaviour per case. Made-up
// sizes: vocab V = 10, positions P = 6, embedding size E = 4, hidden size
// H = 8 with 2 heads, intermediate size F = 16.

//===----------------------------------------------------------------------===//
// albert.param / albert.param_ref / albert.concat
//===----------------------------------------------------------------------===//

// Tests that albert.param rejects a stored dtype other than F32, F16, BF16.

// expected-error @+1 {{'albert.param' op dtype must be F32, F16 or BF16, got I8}}
albert.param @w : tensor<8x8xf32> {source = "w", dtype = "I8"}

// -----

// Tests that albert.param rejects a dynamically shaped type.

// expected-error @+1 {{'albert.param' op type must be a statically shaped f32 tensor}}
albert.param @w : tensor<?x8xf32> {source = "w", dtype = "F32"}

// -----

// Tests that albert.param rejects a non-f32 type (the stored dtype is widened
// to f32; the IR type is always f32).

// expected-error @+1 {{'albert.param' op type must be a statically shaped f32 tensor}}
albert.param @w : tensor<8x8xf16> {source = "w", dtype = "F16"}

// -----

// Tests that albert.param_ref rejects a symbol that is not declared.

func @f() -> tensor<8xf32> {
  // expected-error @+1 {{'albert.param_ref' op 'missing' does not name an albert.param}}
  %w = albert.param_ref @missing : tensor<8xf32>
  return %w : tensor<8xf32>
}

// -----

// Tests that albert.param_ref rejects a symbol that names something other
// than an albert.param.

func private @not_a_param()
func @f() -> tensor<8xf32> {
  // expected-error @+1 {{'albert.param_ref' op 'not_a_param' does not name an albert.param}}
  %w = albert.param_ref @not_a_param : tensor<8xf32>
  return %w : tensor<8xf32>
}

// -----

// Tests that albert.param_ref must have exactly the param's type.

albert.param @b : tensor<8xf32> {source = "b", dtype = "F32"}
func @f() -> tensor<4xf32> {
  // expected-error @+1 {{'albert.param_ref' op type 'tensor<4xf32>' differs from the param's 'tensor<8xf32>'}}
  %w = albert.param_ref @b : tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

// Tests that albert.concat rejects inputs that differ beyond dimension 0.

func @f(%a: tensor<8x8xf32>, %b: tensor<8x4xf32>) -> tensor<16x8xf32> {
  // expected-error @+1 {{'albert.concat' op inputs must agree in all but the first dimension}}
  %w = albert.concat %a, %b : (tensor<8x8xf32>, tensor<8x4xf32>) -> tensor<16x8xf32>
  return %w : tensor<16x8xf32>
}

// -----

// Tests that albert.concat rejects inputs of different ranks.

func @f(%a: tensor<8x8xf32>, %b: tensor<8xf32>) -> tensor<16x8xf32> {
  // expected-error @+1 {{'albert.concat' op inputs must agree in all but the first dimension}}
  %w = albert.concat %a, %b : (tensor<8x8xf32>, tensor<8xf32>) -> tensor<16x8xf32>
  return %w : tensor<16x8xf32>
}

// -----

// Tests that albert.concat's result has the sum of the first dimensions.

func @f(%a: tensor<8x8xf32>) -> tensor<16x8xf32> {
  // expected-error @+1 {{'albert.concat' op result must have type 'tensor<24x8xf32>', got 'tensor<16x8xf32>'}}
  %w = albert.concat %a, %a, %a : (tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<16x8xf32>
  return %w : tensor<16x8xf32>
}


// -----

// Tests that albert.concat refuses first dimensions whose sum passes 2^63
// instead of wrapping to a small (valid-looking) count.

func @f(%a: tensor<4611686018427387904x8xf32>) -> tensor<0x8xf32> {
  // expected-error @+1 {{'albert.concat' op inputs have more than 2^63 rows in all}}
  %w = albert.concat %a, %a : (tensor<4611686018427387904x8xf32>, tensor<4611686018427387904x8xf32>) -> tensor<0x8xf32>
  return %w : tensor<0x8xf32>
}

// -----

// Tests that albert.concat needs at least one input.

func @f() -> tensor<8xf32> {
  // expected-error @+1 {{'albert.concat' op needs at least one input}}
  %w = albert.concat : () -> tensor<8xf32>
  return %w : tensor<8xf32>
}

//===----------------------------------------------------------------------===//
// albert.embeddings / albert.fused_embedding
//===----------------------------------------------------------------------===//

// -----

// Tests that albert.embeddings needs [batch, seq] input ids.

func @f(%ids: tensor<?xi32>, %tt: tensor<?x?xi32>, %word: tensor<10x4xf32>, %pos: tensor<6x4xf32>,
        %type: tensor<2x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{'albert.embeddings' op input_ids must have shape [?, ?], got [?]}}
  %e = albert.embeddings %ids, %tt, %word, %pos, %type, %g, %b {eps = 1.0e-12 : f64}
      : (tensor<?xi32>, tensor<?x?xi32>, tensor<10x4xf32>, tensor<6x4xf32>, tensor<2x4xf32>,
         tensor<4xf32>, tensor<4xf32>) -> tensor<?x?x4xf32>
  return %e : tensor<?x?x4xf32>
}

// -----

// Tests that albert.embeddings needs position embeddings of width E (from
// the word embeddings).

func @f(%ids: tensor<?x?xi32>, %tt: tensor<?x?xi32>, %word: tensor<10x4xf32>, %pos: tensor<6x5xf32>,
        %type: tensor<2x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{'albert.embeddings' op position embeddings must have shape [?, 4], got [6, 5]}}
  %e = albert.embeddings %ids, %tt, %word, %pos, %type, %g, %b {eps = 1.0e-12 : f64}
      : (tensor<?x?xi32>, tensor<?x?xi32>, tensor<10x4xf32>, tensor<6x5xf32>, tensor<2x4xf32>,
         tensor<4xf32>, tensor<4xf32>) -> tensor<?x?x4xf32>
  return %e : tensor<?x?x4xf32>
}

// -----

// Tests that albert.embeddings needs a LayerNorm over E.

func @f(%ids: tensor<?x?xi32>, %tt: tensor<?x?xi32>, %word: tensor<10x4xf32>, %pos: tensor<6x4xf32>,
        %type: tensor<2x4xf32>, %g: tensor<8xf32>, %b: tensor<4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{'albert.embeddings' op LayerNorm weight must have shape [4], got [8]}}
  %e = albert.embeddings %ids, %tt, %word, %pos, %type, %g, %b {eps = 1.0e-12 : f64}
      : (tensor<?x?xi32>, tensor<?x?xi32>, tensor<10x4xf32>, tensor<6x4xf32>, tensor<2x4xf32>,
         tensor<8xf32>, tensor<4xf32>) -> tensor<?x?x4xf32>
  return %e : tensor<?x?x4xf32>
}

// -----

// Tests that albert.embeddings rejects a negative eps.

func @f(%ids: tensor<?x?xi32>, %tt: tensor<?x?xi32>, %word: tensor<10x4xf32>, %pos: tensor<6x4xf32>,
        %type: tensor<2x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{'albert.embeddings' op eps must be in (0, 1], got -1.000000e-12}}
  %e = albert.embeddings %ids, %tt, %word, %pos, %type, %g, %b {eps = -1.0e-12 : f64}
      : (tensor<?x?xi32>, tensor<?x?xi32>, tensor<10x4xf32>, tensor<6x4xf32>, tensor<2x4xf32>,
         tensor<4xf32>, tensor<4xf32>) -> tensor<?x?x4xf32>
  return %e : tensor<?x?x4xf32>
}

// -----

// Tests that albert.embeddings returns [batch, seq, E].

func @f(%ids: tensor<?x?xi32>, %tt: tensor<?x?xi32>, %word: tensor<10x4xf32>, %pos: tensor<6x4xf32>,
        %type: tensor<2x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.embeddings' op result must have type 'tensor<?x?x4xf32>', got 'tensor<?x?x8xf32>'}}
  %e = albert.embeddings %ids, %tt, %word, %pos, %type, %g, %b {eps = 1.0e-12 : f64}
      : (tensor<?x?xi32>, tensor<?x?xi32>, tensor<10x4xf32>, tensor<6x4xf32>, tensor<2x4xf32>,
         tensor<4xf32>, tensor<4xf32>) -> tensor<?x?x8xf32>
  return %e : tensor<?x?x8xf32>
}

// -----

// Tests that albert.embeddings needs token type ids of the input ids' shape
// (where both are static).

func @f(%ids: tensor<2x3xi32>, %tt: tensor<4x5xi32>, %word: tensor<10x4xf32>, %pos: tensor<6x4xf32>,
        %type: tensor<2x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<2x3x4xf32> {
  // expected-error @+1 {{'albert.embeddings' op token_type_ids must have shape [2, 3], got [4, 5]}}
  %e = albert.embeddings %ids, %tt, %word, %pos, %type, %g, %b {eps = 1.0e-12 : f64}
      : (tensor<2x3xi32>, tensor<4x5xi32>, tensor<10x4xf32>, tensor<6x4xf32>, tensor<2x4xf32>,
         tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %e : tensor<2x3x4xf32>
}

// -----

// Tests that albert.embeddings refuses a static sequence longer than its
// position embeddings.

func @f(%ids: tensor<?x7xi32>, %tt: tensor<?x7xi32>, %word: tensor<10x4xf32>, %pos: tensor<6x4xf32>,
        %type: tensor<2x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<?x7x4xf32> {
  // expected-error @+1 {{'albert.embeddings' op sequence length 7 exceeds the 6 position embeddings}}
  %e = albert.embeddings %ids, %tt, %word, %pos, %type, %g, %b {eps = 1.0e-12 : f64}
      : (tensor<?x7xi32>, tensor<?x7xi32>, tensor<10x4xf32>, tensor<6x4xf32>, tensor<2x4xf32>,
         tensor<4xf32>, tensor<4xf32>) -> tensor<?x7x4xf32>
  return %e : tensor<?x7x4xf32>
}

// -----

// Tests that albert.fused_embedding needs a [H, E] projection weight.

func @f(%ids: tensor<?x?xi32>, %tt: tensor<?x?xi32>, %word: tensor<10x4xf32>, %pos: tensor<6x4xf32>,
        %type: tensor<2x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>, %pw: tensor<8x5xf32>,
        %pb: tensor<8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.fused_embedding' op projection weight must be [H, 4], got [8, 5]}}
  %h = albert.fused_embedding %ids, %tt, %word, %pos, %type, %g, %b, %pw, %pb {eps = 1.0e-12 : f64}
      : (tensor<?x?xi32>, tensor<?x?xi32>, tensor<10x4xf32>, tensor<6x4xf32>, tensor<2x4xf32>,
         tensor<4xf32>, tensor<4xf32>, tensor<8x5xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %h : tensor<?x?x8xf32>
}

// -----

// Tests that albert.fused_embedding needs an [H] projection bias.

func @f(%ids: tensor<?x?xi32>, %tt: tensor<?x?xi32>, %word: tensor<10x4xf32>, %pos: tensor<6x4xf32>,
        %type: tensor<2x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>, %pw: tensor<8x4xf32>,
        %pb: tensor<4xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.fused_embedding' op projection bias must have shape [8], got [4]}}
  %h = albert.fused_embedding %ids, %tt, %word, %pos, %type, %g, %b, %pw, %pb {eps = 1.0e-12 : f64}
      : (tensor<?x?xi32>, tensor<?x?xi32>, tensor<10x4xf32>, tensor<6x4xf32>, tensor<2x4xf32>,
         tensor<4xf32>, tensor<4xf32>, tensor<8x4xf32>, tensor<4xf32>) -> tensor<?x?x8xf32>
  return %h : tensor<?x?x8xf32>
}

//===----------------------------------------------------------------------===//
// albert.linear / albert.matmul
//===----------------------------------------------------------------------===//

// -----

// Tests that albert.linear needs a 2-D weight.

func @f(%x: tensor<?x?x4xf32>, %w: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.linear' op weight must be a static [N, K] matrix, got [8]}}
  %y = albert.linear %x, %w, %b : (tensor<?x?x4xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// Tests that albert.linear needs a statically shaped weight.

func @f(%x: tensor<?x?x4xf32>, %w: tensor<?x4xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.linear' op operand #1 must be statically shaped tensor of 32-bit float values, but got 'tensor<?x4xf32>'}}
  %y = albert.linear %x, %w, %b : (tensor<?x?x4xf32>, tensor<?x4xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// Tests that albert.linear needs the weight's K to be the input's channels
// (a PyTorch [N, K] weight given transposed is caught).

func @f(%x: tensor<?x?x4xf32>, %w: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.linear' op input has 4 channels but the weight expects K = 8}}
  %y = albert.linear %x, %w, %b : (tensor<?x?x4xf32>, tensor<4x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// Tests that albert.linear needs an [N] bias.

func @f(%x: tensor<?x?x4xf32>, %w: tensor<8x4xf32>, %b: tensor<4xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.linear' op bias must have shape [8], got [4]}}
  %y = albert.linear %x, %w, %b : (tensor<?x?x4xf32>, tensor<8x4xf32>, tensor<4xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// Tests that albert.linear's result is the input with N channels.

func @f(%x: tensor<?x?x4xf32>, %w: tensor<8x4xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'albert.linear' op result must have type 'tensor<?x?x8xf32>', got 'tensor<?x8xf32>'}}
  %y = albert.linear %x, %w, %b : (tensor<?x?x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// Tests that albert.linear's input is [batch, seq, C] or [batch, C].

func @f(%x: tensor<2x?x?x4xf32>, %w: tensor<8x4xf32>, %b: tensor<8xf32>) -> tensor<2x?x?x8xf32> {
  // expected-error @+1 {{'albert.linear' op input must be [batch, seq, C] or [batch, C], got [2, ?, ?, 4]}}
  %y = albert.linear %x, %w, %b : (tensor<2x?x?x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<2x?x?x8xf32>
  return %y : tensor<2x?x?x8xf32>
}

// -----

// Tests that albert.linear's input has a static channel count.

func @f(%x: tensor<?x?x?xf32>, %w: tensor<8x4xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.linear' op input must have a static channel count}}
  %y = albert.linear %x, %w, %b : (tensor<?x?x?xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// Tests that albert.matmul checks shapes as albert.linear does.

func @f(%x: tensor<?x?x8xf32>, %w: tensor<16x4xf32>, %b: tensor<16xf32>) -> tensor<?x?x16xf32> {
  // expected-error @+1 {{'albert.matmul' op input has 8 channels but the weight expects K = 4}}
  %y = albert.matmul %x, %w, %b {activation = "none"} : (tensor<?x?x8xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// Tests that albert.matmul rejects an unknown epilogue activation.

func @f(%x: tensor<?x?x8xf32>, %w: tensor<16x8xf32>, %b: tensor<16xf32>) -> tensor<?x?x16xf32> {
  // expected-error @+1 {{'albert.matmul' op unsupported activation 'swish'}}
  %y = albert.matmul %x, %w, %b {activation = "swish"} : (tensor<?x?x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// Tests that albert.matmul needs its activation attribute.

func @f(%x: tensor<?x?x8xf32>, %w: tensor<16x8xf32>, %b: tensor<16xf32>) -> tensor<?x?x16xf32> {
  // expected-error @+1 {{'albert.matmul' op requires attribute 'activation'}}
  %y = albert.matmul %x, %w, %b : (tensor<?x?x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

//===----------------------------------------------------------------------===//
// albert.encoder_layer
//===----------------------------------------------------------------------===//

// -----

// Tests that albert.encoder_layer needs H divisible by num_heads.

func @f(%h: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>,
        %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.encoder_layer' op hidden size 8 is not divisible by num_heads 3}}
  %o = albert.encoder_layer %h, %mask, %w, %b, %w, %b, %w, %b, %w, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 3 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"}
      : (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>,
         tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %o : tensor<?x?x8xf32>
}


// -----

// Tests that albert.encoder_layer needs a [batch, seq, H] hidden state, not
// [rows, H] (which its lowering cannot split into sequences).

func @f(%h: tensor<?x8xf32>, %mask: tensor<?x?xi32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>,
        %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'albert.encoder_layer' op hidden must have shape [?, ?, ?], got [?, 8]}}
  %o = albert.encoder_layer %h, %mask, %w, %b, %w, %b, %w, %b, %w, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"}
      : (tensor<?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>,
         tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %o : tensor<?x8xf32>
}

// -----

// Tests that albert.encoder_layer rejects num_heads = 0 (no division by 0).

func @f(%h: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>,
        %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.encoder_layer' op hidden size 8 is not divisible by num_heads 0}}
  %o = albert.encoder_layer %h, %mask, %w, %b, %w, %b, %w, %b, %w, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 0 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"}
      : (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>,
         tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %o : tensor<?x?x8xf32>
}

// -----

// Tests that albert.encoder_layer rejects an activation it does not know.

func @f(%h: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>,
        %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.encoder_layer' op unsupported activation 'silu' (gelu_new, gelu, relu)}}
  %o = albert.encoder_layer %h, %mask, %w, %b, %w, %b, %w, %b, %w, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "silu"}
      : (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>,
         tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %o : tensor<?x?x8xf32>
}

// -----

// Tests that albert.encoder_layer rejects tanh, which a matmul epilogue
// knows but hidden_act may not be.

func @f(%h: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>,
        %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.encoder_layer' op unsupported activation 'tanh' (gelu_new, gelu, relu)}}
  %o = albert.encoder_layer %h, %mask, %w, %b, %w, %b, %w, %b, %w, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "tanh"}
      : (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>,
         tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %o : tensor<?x?x8xf32>
}

// -----

// Tests that albert.encoder_layer needs an [H, H] key weight.

func @f(%h: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %w: tensor<8x8xf32>, %kw: tensor<8x4xf32>,
        %b: tensor<8xf32>, %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.encoder_layer' op key weight must have shape [8, 8], got [8, 4]}}
  %o = albert.encoder_layer %h, %mask, %w, %b, %kw, %b, %w, %b, %w, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"}
      : (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x4xf32>,
         tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %o : tensor<?x?x8xf32>
}

// -----

// Tests that albert.encoder_layer needs an [H] attention LayerNorm weight.

func @f(%h: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>,
        %g: tensor<4xf32>, %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.encoder_layer' op attention LayerNorm weight must have shape [8], got [4]}}
  %o = albert.encoder_layer %h, %mask, %w, %b, %w, %b, %w, %b, %w, %b, %g, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"}
      : (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>,
         tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>,
         tensor<4xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %o : tensor<?x?x8xf32>
}

// -----

// Tests that albert.encoder_layer needs ffn_output to be [H, F] with the F
// of the ffn weight.

func @f(%h: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>,
        %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x12xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.encoder_layer' op ffn_output weight must have shape [8, 16], got [8, 12]}}
  %o = albert.encoder_layer %h, %mask, %w, %b, %w, %b, %w, %b, %w, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"}
      : (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>,
         tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x12xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %o : tensor<?x?x8xf32>
}

// -----

// Tests that albert.encoder_layer needs a static ffn weight (F comes from it).

func @f(%h: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>,
        %fw: tensor<?x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.encoder_layer' op operand #12 must be statically shaped tensor of 32-bit float values, but got 'tensor<?x8xf32>'}}
  %o = albert.encoder_layer %h, %mask, %w, %b, %w, %b, %w, %b, %w, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"}
      : (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>,
         tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<?x8xf32>, tensor<16xf32>, tensor<8x16xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %o : tensor<?x?x8xf32>
}

// -----

// Tests that albert.encoder_layer needs a [batch, seq] mask.

func @f(%h: tensor<?x?x8xf32>, %mask: tensor<?xi32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>,
        %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.encoder_layer' op mask must have shape [?, ?], got [?]}}
  %o = albert.encoder_layer %h, %mask, %w, %b, %w, %b, %w, %b, %w, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"}
      : (tensor<?x?x8xf32>, tensor<?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>,
         tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %o : tensor<?x?x8xf32>
}

// -----

// Tests that albert.encoder_layer needs an i32 mask (operand type constraint).

func @f(%h: tensor<?x?x8xf32>, %mask: tensor<?x?xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>,
        %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.encoder_layer' op operand #1 must be ranked tensor of 32-bit signless integer values, but got 'tensor<?x?xf32>'}}
  %o = albert.encoder_layer %h, %mask, %w, %b, %w, %b, %w, %b, %w, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"}
      : (tensor<?x?x8xf32>, tensor<?x?xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>,
         tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %o : tensor<?x?x8xf32>
}

// -----

// Tests that albert.encoder_layer rejects eps = 0.

func @f(%h: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>,
        %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.encoder_layer' op eps must be in (0, 1], got 0.000000e+00}}
  %o = albert.encoder_layer %h, %mask, %w, %b, %w, %b, %w, %b, %w, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 0.0 : f64, activation = "gelu_new"}
      : (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>,
         tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %o : tensor<?x?x8xf32>
}

// -----

// Tests that albert.encoder_layer keeps the hidden size.

func @f(%h: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>,
        %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x?x16xf32> {
  // expected-error @+1 {{'albert.encoder_layer' op result must have type 'tensor<?x?x8xf32>', got 'tensor<?x?x16xf32>'}}
  %o = albert.encoder_layer %h, %mask, %w, %b, %w, %b, %w, %b, %w, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"}
      : (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>,
         tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>,
         tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x16xf32>
  return %o : tensor<?x?x16xf32>
}

//===----------------------------------------------------------------------===//
// albert.pooler / albert.mlm_head
//===----------------------------------------------------------------------===//

// -----

// Tests that albert.pooler needs an [H, H] weight.

func @f(%h: tensor<?x?x8xf32>, %w: tensor<8x4xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'albert.pooler' op weight must have shape [8, 8], got [8, 4]}}
  %p = albert.pooler %h, %w, %b : (tensor<?x?x8xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %p : tensor<?x8xf32>
}

// -----

// Tests that albert.pooler needs a [batch, seq, H] hidden state.

func @f(%h: tensor<?x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'albert.pooler' op hidden must have shape [?, ?, ?], got [?, 8]}}
  %p = albert.pooler %h, %w, %b : (tensor<?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %p : tensor<?x8xf32>
}

// -----

// Tests that albert.pooler returns [batch, H].

func @f(%h: tensor<?x?x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.pooler' op result must have type 'tensor<?x8xf32>', got 'tensor<?x?x8xf32>'}}
  %p = albert.pooler %h, %w, %b : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %p : tensor<?x?x8xf32>
}

// -----

// Tests that albert.mlm_head needs a 2-D decoder weight.

func @f(%h: tensor<?x?x8xf32>, %dw: tensor<4x8xf32>, %db: tensor<4xf32>, %g: tensor<4xf32>,
        %b: tensor<4xf32>, %word: tensor<40xf32>, %bias: tensor<10xf32>) -> tensor<?x?x10xf32> {
  // expected-error @+1 {{'albert.mlm_head' op decoder weight must be [vocab, E]}}
  %l = albert.mlm_head %h, %dw, %db, %g, %b, %word, %bias {eps = 1.0e-12 : f64, activation = "gelu_new"}
      : (tensor<?x?x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
         tensor<40xf32>, tensor<10xf32>) -> tensor<?x?x10xf32>
  return %l : tensor<?x?x10xf32>
}

// -----

// Tests that albert.mlm_head needs an [E, H] dense weight, E from the decoder.

func @f(%h: tensor<?x?x8xf32>, %dw: tensor<8x8xf32>, %db: tensor<4xf32>, %g: tensor<4xf32>,
        %b: tensor<4xf32>, %word: tensor<10x4xf32>, %bias: tensor<10xf32>) -> tensor<?x?x10xf32> {
  // expected-error @+1 {{'albert.mlm_head' op dense weight must have shape [4, 8], got [8, 8]}}
  %l = albert.mlm_head %h, %dw, %db, %g, %b, %word, %bias {eps = 1.0e-12 : f64, activation = "gelu_new"}
      : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
         tensor<10x4xf32>, tensor<10xf32>) -> tensor<?x?x10xf32>
  return %l : tensor<?x?x10xf32>
}

// -----

// Tests that albert.mlm_head needs a [vocab] decoder bias.

func @f(%h: tensor<?x?x8xf32>, %dw: tensor<4x8xf32>, %db: tensor<4xf32>, %g: tensor<4xf32>,
        %b: tensor<4xf32>, %word: tensor<10x4xf32>, %bias: tensor<4xf32>) -> tensor<?x?x10xf32> {
  // expected-error @+1 {{'albert.mlm_head' op decoder bias must have shape [10], got [4]}}
  %l = albert.mlm_head %h, %dw, %db, %g, %b, %word, %bias {eps = 1.0e-12 : f64, activation = "gelu_new"}
      : (tensor<?x?x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
         tensor<10x4xf32>, tensor<4xf32>) -> tensor<?x?x10xf32>
  return %l : tensor<?x?x10xf32>
}

// -----

// Tests that albert.mlm_head rejects an unknown activation.

func @f(%h: tensor<?x?x8xf32>, %dw: tensor<4x8xf32>, %db: tensor<4xf32>, %g: tensor<4xf32>,
        %b: tensor<4xf32>, %word: tensor<10x4xf32>, %bias: tensor<10xf32>) -> tensor<?x?x10xf32> {
  // expected-error @+1 {{'albert.mlm_head' op unsupported activation 'none'}}
  %l = albert.mlm_head %h, %dw, %db, %g, %b, %word, %bias {eps = 1.0e-12 : f64, activation = "none"}
      : (tensor<?x?x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
         tensor<10x4xf32>, tensor<10xf32>) -> tensor<?x?x10xf32>
  return %l : tensor<?x?x10xf32>
}

// -----

// Tests that albert.mlm_head returns [batch, seq, vocab].

func @f(%h: tensor<?x?x8xf32>, %dw: tensor<4x8xf32>, %db: tensor<4xf32>, %g: tensor<4xf32>,
        %b: tensor<4xf32>, %word: tensor<10x4xf32>, %bias: tensor<10xf32>) -> tensor<?x?x4xf32> {
  // expected-error @+1 {{'albert.mlm_head' op result must have type 'tensor<?x?x10xf32>', got 'tensor<?x?x4xf32>'}}
  %l = albert.mlm_head %h, %dw, %db, %g, %b, %word, %bias {eps = 1.0e-12 : f64, activation = "gelu_new"}
      : (tensor<?x?x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
         tensor<10x4xf32>, tensor<10xf32>) -> tensor<?x?x4xf32>
  return %l : tensor<?x?x4xf32>
}

//===----------------------------------------------------------------------===//
// albert.repeat / albert.kernel / albert.yield
//===----------------------------------------------------------------------===//

// -----

// Tests that albert.repeat rejects count 0.

func @f(%h0: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.repeat' op count must be at least 1, got 0}}
  %r = albert.repeat 0 %h0 : tensor<?x?x8xf32> {
  ^bb0(%h: tensor<?x?x8xf32>):
    albert.yield %h : tensor<?x?x8xf32>
  }
  return %r : tensor<?x?x8xf32>
}

// -----

// Tests that albert.repeat rejects a negative count.

func @f(%h0: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.repeat' op count must be at least 1, got -2}}
  %r = albert.repeat -2 %h0 : tensor<?x?x8xf32> {
  ^bb0(%h: tensor<?x?x8xf32>):
    albert.yield %h : tensor<?x?x8xf32>
  }
  return %r : tensor<?x?x8xf32>
}

// -----

// Tests that albert.repeat's body must yield the loop-carried type.

func @f(%h0: tensor<?x?x8xf32>, %other: tensor<?x8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.repeat' op body yields 'tensor<?x8xf32>', expected 'tensor<?x?x8xf32>'}}
  %r = albert.repeat 2 %h0 : tensor<?x?x8xf32> {
  ^bb0(%h: tensor<?x?x8xf32>):
    albert.yield %other : tensor<?x8xf32>
  }
  return %r : tensor<?x?x8xf32>
}

// -----

// Tests that albert.repeat's body must yield one value (checked before the
// yield's own verifier runs).

func @f(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.repeat' op body must yield one value, yields 0}}
  %r = "albert.repeat"(%x) ({
  ^bb0(%h: tensor<?x?x8xf32>):
    "albert.yield"() : () -> ()
  }) {count = 2 : i64} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %r : tensor<?x?x8xf32>
}

// -----

// Tests that albert.kernel's body must yield one value.

func @f(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.kernel' op body must yield one value, yields 0}}
  %r = "albert.kernel"(%x) ({
  ^bb0(%h: tensor<?x?x8xf32>):
    "albert.yield"() : () -> ()
  }) {name = "k"} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %r : tensor<?x?x8xf32>
}

// -----

// Tests that albert.repeat's body takes exactly the loop-carried value.

func @f(%h0: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.repeat' op body takes 2 arguments, expected 1}}
  %r = albert.repeat 2 %h0 : tensor<?x?x8xf32> {
  ^bb0(%h: tensor<?x?x8xf32>, %extra: tensor<?x?x8xf32>):
    albert.yield %h : tensor<?x?x8xf32>
  }
  return %r : tensor<?x?x8xf32>
}

// -----

// Tests that albert.repeat's body argument has the loop-carried type.

func @f(%h0: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.repeat' op body argument #0 has type 'tensor<2x?x8xf32>', expected 'tensor<?x?x8xf32>'}}
  %r = albert.repeat 2 %h0 : tensor<?x?x8xf32> {
  ^bb0(%h: tensor<2x?x8xf32>):
    albert.yield %h0 : tensor<?x?x8xf32>
  }
  return %r : tensor<?x?x8xf32>
}

// -----

// Tests that albert.repeat's init and result have one type (generic form:
// the custom form spells the type once).

func @f(%h0: tensor<?x?x8xf32>) -> tensor<2x?x8xf32> {
  // expected-error @+1 {{'albert.repeat' op inferred type(s) 'tensor<?x?x8xf32>' are incompatible with return type(s) of operation 'tensor<2x?x8xf32>'}}
  %r = "albert.repeat"(%h0) ({
  ^bb0(%h: tensor<?x?x8xf32>):
    albert.yield %h : tensor<?x?x8xf32>
  }) {count = 2 : i64} : (tensor<?x?x8xf32>) -> tensor<2x?x8xf32>
  return %r : tensor<2x?x8xf32>
}

// -----

// Tests that albert.repeat's body must not be empty.

func @f(%h0: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.repeat' op expects a non-empty block}}
  %r = albert.repeat 2 %h0 : tensor<?x?x8xf32> {
  ^bb0(%h: tensor<?x?x8xf32>):
  }
  return %r : tensor<?x?x8xf32>
}

// -----

// Tests that albert.kernel's block arguments have its inputs' types.

func @f(%h: tensor<?x?x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'albert.kernel' op body argument #1 has type 'tensor<8x4xf32>', expected 'tensor<8x8xf32>'}}
  %p = albert.kernel "pooler" (%h, %w, %b)
      : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32> {
  ^bb0(%x: tensor<?x?x8xf32>, %w0: tensor<8x4xf32>, %b0: tensor<8xf32>):
    %c = albert.gather_cls %x : (tensor<?x?x8xf32>) -> tensor<?x8xf32>
    albert.yield %c : tensor<?x8xf32>
  }
  return %p : tensor<?x8xf32>
}

// -----

// Tests that albert.kernel has one block argument per input.

func @f(%h: tensor<?x?x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'albert.kernel' op body takes 1 arguments, expected 3}}
  %p = albert.kernel "pooler" (%h, %w, %b)
      : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32> {
  ^bb0(%x: tensor<?x?x8xf32>):
    %c = albert.gather_cls %x : (tensor<?x?x8xf32>) -> tensor<?x8xf32>
    albert.yield %c : tensor<?x8xf32>
  }
  return %p : tensor<?x8xf32>
}

// -----

// Tests that albert.kernel's body must yield the kernel's result type.

func @f(%h: tensor<?x?x8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'albert.kernel' op body yields 'tensor<?x?x8xf32>', expected 'tensor<?x8xf32>'}}
  %p = albert.kernel "k" (%h) : (tensor<?x?x8xf32>) -> tensor<?x8xf32> {
  ^bb0(%x: tensor<?x?x8xf32>):
    albert.yield %x : tensor<?x?x8xf32>
  }
  return %p : tensor<?x8xf32>
}

// -----

// Tests that albert.kernel's body must end with albert.yield.

func @f(%h: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.kernel' op body must end with albert.yield}}
  %p = albert.kernel "k" (%h) : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%x: tensor<?x?x8xf32>):
    return %x : tensor<?x?x8xf32>
  }
  return %p : tensor<?x?x8xf32>
}

// -----

// Tests that albert.kernel is isolated from above: its body may only use its
// block arguments.

func @f(%h: tensor<?x?x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
  // expected-note @+1 {{required by region isolation constraints}}
  %p = albert.kernel "pooler" (%h) : (tensor<?x?x8xf32>) -> tensor<?x8xf32> {
  ^bb0(%x: tensor<?x?x8xf32>):
    %c = albert.gather_cls %x : (tensor<?x?x8xf32>) -> tensor<?x8xf32>
    // expected-error @+1 {{'albert.matmul' op using value defined outside the region}}
    %y = albert.matmul %c, %w, %b {activation = "tanh"} : (tensor<?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
    albert.yield %y : tensor<?x8xf32>
  }
  return %p : tensor<?x8xf32>
}

// -----

// Tests that albert.yield only ends an albert.repeat or albert.kernel body.

func @f(%h: tensor<?x?x8xf32>) {
  // expected-error @+1 {{'albert.yield' op expects parent op to be one of 'albert.repeat, albert.kernel'}}
  albert.yield %h : tensor<?x?x8xf32>
}

//===----------------------------------------------------------------------===//
// Kernel-level ops
//===----------------------------------------------------------------------===//

// -----

// Tests that albert.activation rejects an unknown kind.

func @f(%x: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  // expected-error @+1 {{'albert.activation' op unsupported activation 'swish' (gelu_new, gelu, relu, tanh)}}
  %y = albert.activation %x {kind = "swish"} : tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// Tests that albert.activation rejects "none" (only a matmul epilogue may be
// none).

func @f(%x: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  // expected-error @+1 {{'albert.activation' op unsupported activation 'none' (gelu_new, gelu, relu, tanh)}}
  %y = albert.activation %x {kind = "none"} : tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// Tests that albert.add_layer_norm needs input and residual of one type.

func @f(%x: tensor<?x?x8xf32>, %r: tensor<?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.add_layer_norm' op input and residual must have the same type}}
  %y = albert.add_layer_norm %x, %r, %g, %b {eps = 1.0e-12 : f64}
      : (tensor<?x?x8xf32>, tensor<?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// Tests that albert.add_layer_norm needs a LayerNorm bias over the channels.

func @f(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<4xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.add_layer_norm' op LayerNorm bias must have shape [8], got [4]}}
  %y = albert.add_layer_norm %x, %x, %g, %b {eps = 1.0e-12 : f64}
      : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<8xf32>, tensor<4xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// Tests that albert.layer_norm rejects eps > 1.

func @f(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.layer_norm' op eps must be in (0, 1], got 2.000000e+00}}
  %y = albert.layer_norm %x, %g, %b {eps = 2.0 : f64}
      : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// Tests that albert.layer_norm needs an f64 eps (attribute type constraint).

func @f(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.layer_norm' op attribute 'eps' failed to satisfy constraint: 64-bit float attribute}}
  %y = albert.layer_norm %x, %g, %b {eps = 1.0e-5 : f32}
      : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// Tests that albert.layer_norm keeps its input's shape.

func @f(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'albert.layer_norm' op result must have type 'tensor<?x?x8xf32>', got 'tensor<?x8xf32>'}}
  %y = albert.layer_norm %x, %g, %b {eps = 1.0e-12 : f64}
      : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// Tests that albert.matmul_add_layer_norm needs a residual of the result's type.

func @f(%x: tensor<?x?x16xf32>, %w: tensor<8x16xf32>, %b: tensor<8xf32>, %h: tensor<?x?x16xf32>,
        %g: tensor<8xf32>, %beta: tensor<8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.matmul_add_layer_norm' op residual must have the result's type}}
  %y = albert.matmul_add_layer_norm %x, %w, %b, %h, %g, %beta {eps = 1.0e-12 : f64}
      : (tensor<?x?x16xf32>, tensor<8x16xf32>, tensor<8xf32>, tensor<?x?x16xf32>, tensor<8xf32>,
         tensor<8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// Tests that albert.matmul_add_layer_norm checks its GEMM shapes.

func @f(%x: tensor<?x?x16xf32>, %w: tensor<16x8xf32>, %b: tensor<8xf32>, %h: tensor<?x?x8xf32>,
        %g: tensor<8xf32>, %beta: tensor<8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.matmul_add_layer_norm' op input has 16 channels but the weight expects K = 8}}
  %y = albert.matmul_add_layer_norm %x, %w, %b, %h, %g, %beta {eps = 1.0e-12 : f64}
      : (tensor<?x?x16xf32>, tensor<16x8xf32>, tensor<8xf32>, tensor<?x?x8xf32>, tensor<8xf32>,
         tensor<8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// Tests that albert.attention needs qkv channels that are a multiple of 3.

func @f(%qkv: tensor<?x?x25xf32>, %mask: tensor<?x?xi32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.attention' op qkv must have 3 H channels, got 25}}
  %c = albert.attention %qkv, %mask {num_heads = 2 : i64} : (tensor<?x?x25xf32>, tensor<?x?xi32>) -> tensor<?x?x8xf32>
  return %c : tensor<?x?x8xf32>
}

// -----

// Tests that albert.attention needs a static qkv channel count.

func @f(%qkv: tensor<?x?x?xf32>, %mask: tensor<?x?xi32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.attention' op qkv must have 3 H channels, got -1}}
  %c = albert.attention %qkv, %mask {num_heads = 2 : i64} : (tensor<?x?x?xf32>, tensor<?x?xi32>) -> tensor<?x?x8xf32>
  return %c : tensor<?x?x8xf32>
}

// -----

// Tests that albert.attention needs H divisible by num_heads.

func @f(%qkv: tensor<?x?x24xf32>, %mask: tensor<?x?xi32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.attention' op hidden size 8 is not divisible by num_heads 3}}
  %c = albert.attention %qkv, %mask {num_heads = 3 : i64} : (tensor<?x?x24xf32>, tensor<?x?xi32>) -> tensor<?x?x8xf32>
  return %c : tensor<?x?x8xf32>
}

// -----

// Tests that albert.attention needs a [batch, seq, 3H] qkv.

func @f(%qkv: tensor<?x24xf32>, %mask: tensor<?x?xi32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.attention' op qkv must have shape [?, ?, ?], got [?, 24]}}
  %c = albert.attention %qkv, %mask {num_heads = 2 : i64} : (tensor<?x24xf32>, tensor<?x?xi32>) -> tensor<?x?x8xf32>
  return %c : tensor<?x?x8xf32>
}

// -----

// Tests that albert.attention needs a mask of qkv's [batch, seq] (where
// both are static).

func @f(%qkv: tensor<3x7x24xf32>, %mask: tensor<2x5xi32>) -> tensor<3x7x8xf32> {
  // expected-error @+1 {{'albert.attention' op mask must have shape [3, 7], got [2, 5]}}
  %c = albert.attention %qkv, %mask {num_heads = 2 : i64} : (tensor<3x7x24xf32>, tensor<2x5xi32>) -> tensor<3x7x8xf32>
  return %c : tensor<3x7x8xf32>
}

// -----

// Tests that albert.attention returns the [batch, seq, H] context.

func @f(%qkv: tensor<?x?x24xf32>, %mask: tensor<?x?xi32>) -> tensor<?x?x24xf32> {
  // expected-error @+1 {{'albert.attention' op result must have type 'tensor<?x?x8xf32>', got 'tensor<?x?x24xf32>'}}
  %c = albert.attention %qkv, %mask {num_heads = 2 : i64} : (tensor<?x?x24xf32>, tensor<?x?xi32>) -> tensor<?x?x24xf32>
  return %c : tensor<?x?x24xf32>
}

// -----

// Tests that albert.gather_cls needs a rank-3 [batch, seq, C] input.

func @f(%h: tensor<?x8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'albert.gather_cls' op input must have shape [?, ?, ?], got [?, 8]}}
  %c = albert.gather_cls %h : (tensor<?x8xf32>) -> tensor<?x8xf32>
  return %c : tensor<?x8xf32>
}

// -----

// Tests that albert.gather_cls returns [batch, C].

func @f(%h: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @+1 {{'albert.gather_cls' op result must have type 'tensor<?x8xf32>', got 'tensor<?x?x8xf32>'}}
  %c = albert.gather_cls %h : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %c : tensor<?x?x8xf32>
}

// -----

// Tests that albert.gather_cls keeps the channel count.

func @f(%h: tensor<2x?x8xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'albert.gather_cls' op result must have type 'tensor<2x8xf32>', got 'tensor<2x4xf32>'}}
  %c = albert.gather_cls %h : (tensor<2x?x8xf32>) -> tensor<2x4xf32>
  return %c : tensor<2x4xf32>
}

// -----

// Tests that albert.slice stays inside its input's rows.

func @f(%w: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{'albert.slice' op rows [1, 3) are outside the input's 2 rows}}
  %r = albert.slice %w {start = 1 : i64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}


// -----

// Tests that a slice start near 2^63 is outside the input, not wrapped around
// to a negative end that passes the bounds check.

func @f(%w: tensor<2x8xf32>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'albert.slice' op rows [9223372036854775807, past 2^63) are outside the input's 2 rows}}
  %r = albert.slice %w {start = 9223372036854775807 : i64} : (tensor<2x8xf32>) -> tensor<1x8xf32>
  return %r : tensor<1x8xf32>
}

// -----

// Tests that albert.slice keeps the row width.

func @f(%w: tensor<2x8xf32>) -> tensor<1x4xf32> {
  // expected-error @+1 {{'albert.slice' op result must be rows of the input, got [2, 8] -> [1, 4]}}
  %r = albert.slice %w {start = 0 : i64} : (tensor<2x8xf32>) -> tensor<1x4xf32>
  return %r : tensor<1x4xf32>
}

// -----

// Tests that albert.squeeze only drops a unit last dimension.

func @f(%s: tensor<?x?x2xf32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'albert.squeeze' op input must be [batch, seq, 1], got [?, ?, 2]}}
  %q = albert.squeeze %s : (tensor<?x?x2xf32>) -> tensor<?x?xf32>
  return %q : tensor<?x?xf32>
}

// -----

// Tests that albert.flatten_choices multiplies static batch and choices.

func @f(%ids: tensor<2x3x?xi32>) -> tensor<?x?xi32> {
  // expected-error @+1 {{'albert.flatten_choices' op result must have type 'tensor<6x?xi32>', got 'tensor<?x?xi32>'}}
  %f = albert.flatten_choices %ids : (tensor<2x3x?xi32>) -> tensor<?x?xi32>
  return %f : tensor<?x?xi32>
}


// -----

// Tests that albert.flatten_choices refuses a batch x choices product that
// overflows 64 bits instead of wrapping it to 0 rows.

func @f(%ids: tensor<4294967296x4294967296x3xi32>) -> tensor<0x3xi32> {
  // expected-error @+1 {{'albert.flatten_choices' op batch x choices = 4294967296 x 4294967296 overflows 64 bits}}
  %f = albert.flatten_choices %ids : (tensor<4294967296x4294967296x3xi32>) -> tensor<0x3xi32>
  return %f : tensor<0x3xi32>
}

// -----

// Tests that albert.unflatten_choices takes one score per row.

func @f(%x: tensor<?x2xf32>, %ids: tensor<?x?x?xi32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'albert.unflatten_choices' op input must be [batch * choices, 1], got [?, 2]}}
  %u = albert.unflatten_choices %x, %ids : (tensor<?x2xf32>, tensor<?x?x?xi32>) -> tensor<?x?xf32>
  return %u : tensor<?x?xf32>
}

// -----

// Tests that albert.unflatten_choices needs batch x choices rows (where all
// three are static).

func @f(%x: tensor<6x1xf32>, %ids: tensor<2x4x3xi32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'albert.unflatten_choices' op input has 6 rows, like's batch x choices is 2 x 4}}
  %u = albert.unflatten_choices %x, %ids : (tensor<6x1xf32>, tensor<2x4x3xi32>) -> tensor<2x4xf32>
  return %u : tensor<2x4xf32>
}
