//===- AlbertOps.td - albert dialect operations -------------*- tablegen -*-===//

#ifndef ALBERT_OPS_TD
#define ALBERT_OPS_TD

include "AlbertBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"


//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

def Albert_ParamOp : Albert_Op<"param", [Symbol]> {
  let summary = "declares one weight tensor of the checkpoint, by name";
  let description = [{
    A weight lives in the checkpoint file, never in the IR. `source` is the
    tensor's name in model.safetensors and `dtype` the type it is stored with
    there (F32, F16 or BF16; it is widened to f32 when the weights are packed).

    ```mlir
    albert.param @word_embeddings : tensor<30000x128xf32>
        {source = "albert.embeddings.word_embeddings.weight", dtype = "F16"}
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, TypeAttr:$type,
                       StrAttr:$source, StrAttr:$dtype);
  let assemblyFormat = "$sym_name `:` $type attr-dict";
  let verifier = [{ return verifyParam(*this); }];
}

def Albert_ParamRefOp : Albert_Op<"param_ref",
    [NoSideEffect, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "reads a weight declared by albert.param";
  let description = [{
    ```mlir
    %w = albert.param_ref @word_embeddings : tensor<30000x128xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$param);
  let results = (outs Albert_Weight:$result);
  let assemblyFormat = "$param attr-dict `:` type($result)";
}

def Albert_ConcatOp : Albert_Op<"concat", [NoSideEffect]> {
  let summary = "concatenates weights along their first dimension";
  let description = [{
    Only weights (param_refs) are concatenated; codegen evaluates it when it
    packs the weights, so it costs nothing at run time. Used to make one QKV
    weight out of three.

    ```mlir
    %wqkv = albert.concat %wq, %wk, %wv
        : (tensor<768x768xf32>, tensor<768x768xf32>, tensor<768x768xf32>)
        -> tensor<2304x768xf32>
    ```
  }];
  let arguments = (ins Variadic<Albert_Weight>:$inputs);
  let results = (outs Albert_Weight:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type($inputs, $result)";
  let verifier = [{ return verifyConcat(*this); }];
}

def Albert_SliceOp : Albert_Op<"slice", [NoSideEffect]> {
  let summary = "rows [start, start + n) of a weight, n the result's first dimension";
  let description = [{
    Evaluated when the weights are packed, like albert.concat. The question
    answering head uses it to split qa_outputs [2, H] into the weights of
    start_logits and end_logits, so each is computed into its own buffer.

    ```mlir
    %ws = albert.slice %w {start = 0 : i64} : (tensor<2x768xf32>) -> tensor<1x768xf32>
    %we = albert.slice %w {start = 1 : i64} : (tensor<2x768xf32>) -> tensor<1x768xf32>
    ```
  }];
  let arguments = (ins Albert_Weight:$input, I64Attr:$start);
  let results = (outs Albert_Weight:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type($input, $result)";
  let verifier = [{ return verifySlice(*this); }];
}

//===----------------------------------------------------------------------===//
// Views: reshapes that move no data (codegen gives the result the buffer of
// the operand and describes the shape to the runtime)
//===----------------------------------------------------------------------===//

def Albert_SqueezeOp : Albert_Op<"squeeze", [NoSideEffect]> {
  let summary = "drops a unit last dimension: [batch, seq, 1] -> [batch, seq]";
  let description = [{
    HuggingFace's `.squeeze(-1)` of the question answering head.

    ```mlir
    %start = albert.squeeze %s : (tensor<?x?x1xf32>) -> tensor<?x?xf32>
    ```
  }];
  let arguments = (ins Albert_Activation:$input);
  let results = (outs Albert_Activation:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type($input, $result)";
  let verifier = [{ return verifySqueeze(*this); }];
}

def Albert_FlattenChoicesOp : Albert_Op<"flatten_choices", [NoSideEffect]> {
  let summary = "[batch, choices, seq] ids -> [batch * choices, seq]";
  let description = [{
    AlbertForMultipleChoice runs the encoder on every (question, choice)
    pair as one row: `input_ids.view(-1, seq)`.

    ```mlir
    %flat = albert.flatten_choices %ids : (tensor<?x?x?xi32>) -> tensor<?x?xi32>
    ```
  }];
  let arguments = (ins Albert_IdTensor:$input);
  let results = (outs Albert_IdTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type($input, $result)";
  let verifier = [{ return verifyFlattenChoices(*this); }];
}

def Albert_UnflattenChoicesOp : Albert_Op<"unflatten_choices", [NoSideEffect]> {
  let summary = "[batch * choices, 1] scores -> [batch, choices]";
  let description = [{
    The inverse of albert.flatten_choices for the one score per row of
    AlbertForMultipleChoice: `logits.view(-1, num_choices)`. `like` is the
    [batch, choices, seq] input the rows came from.

    ```mlir
    %logits = albert.unflatten_choices %scores, %ids
        : (tensor<?x1xf32>, tensor<?x?x?xi32>) -> tensor<?x?xf32>
    ```
  }];
  let arguments = (ins Albert_Activation:$input, Albert_IdTensor:$like);
  let results = (outs Albert_Activation:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, $result)";
  let verifier = [{ return verifyUnflattenChoices(*this); }];
}

//===----------------------------------------------------------------------===//
// Model level: one op per HuggingFace module
//===----------------------------------------------------------------------===//

def Albert_EmbeddingsOp : Albert_Op<"embeddings", [NoSideEffect]> {
  let summary = "AlbertEmbeddings: word + position + token type, then LayerNorm over E";
  let description = [{
    out[b, s] = LayerNorm(word[ids[b, s]] + position[s] + token_type[tt[b, s]])
    with the LayerNorm over the embedding size E (eps = `eps`).

    ```mlir
    %e = albert.embeddings %ids, %tt, %word, %pos, %type, %g, %b {eps = 1.0e-12 : f64}
        : (tensor<?x?xi32>, tensor<?x?xi32>, tensor<30000x128xf32>, tensor<512x128xf32>,
           tensor<2x128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
    ```
  }];
  let arguments = (ins Albert_IdTensor:$input_ids, Albert_IdTensor:$token_type_ids,
                       Albert_Weight:$word, Albert_Weight:$position,
                       Albert_Weight:$token_type, Albert_Weight:$ln_weight,
                       Albert_Weight:$ln_bias, F64Attr:$eps);
  let results = (outs Albert_Activation:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, $result)";
  let verifier = [{ return verifyEmbeddings(*this); }];
}

def Albert_LinearOp : Albert_Op<"linear", [NoSideEffect]> {
  let summary = "nn.Linear over the last dimension: x W^T + b";
  let description = [{
    `weight` is [N, K] as PyTorch stores it; `x` is [..., K], the result
    [..., N].

    ```mlir
    %h = albert.linear %e, %w, %b
        : (tensor<?x?x128xf32>, tensor<768x128xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins Albert_Activation:$input, Albert_Weight:$weight,
                       Albert_Weight:$bias);
  let results = (outs Albert_Activation:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, $result)";
  let verifier = [{ return verifyLinear(*this); }];
}

def Albert_FusedEmbeddingOp : Albert_Op<"fused_embedding", [NoSideEffect]> {
  let summary = "embeddings and the E->H projection as one op";
  let description = [{
    What `albert-fuse-embedding-projection` makes of an `albert.embeddings`
    whose only user is an `albert.linear`: gather, add, LayerNorm over E and
    projection to H in one kernel, so the [B, S, E] embedding never goes to
    memory.

    ```mlir
    %h = albert.fused_embedding %ids, %tt, %word, %pos, %type, %g, %b, %pw, %pb {eps = 1.0e-12 : f64}
        : (...) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins Albert_IdTensor:$input_ids, Albert_IdTensor:$token_type_ids,
                       Albert_Weight:$word, Albert_Weight:$position,
                       Albert_Weight:$token_type, Albert_Weight:$ln_weight,
                       Albert_Weight:$ln_bias, Albert_Weight:$proj_weight,
                       Albert_Weight:$proj_bias, F64Attr:$eps);
  let results = (outs Albert_Activation:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, $result)";
  let verifier = [{ return verifyFusedEmbedding(*this); }];
}

def Albert_EncoderLayerOp : Albert_Op<"encoder_layer", [NoSideEffect]> {
  let summary = "AlbertLayer: self-attention and feed-forward, post-LayerNorm";
  let description = [{
    a   = LayerNorm(h + dense(softmax(q k^T / sqrt(d) + mask) v))
    out = LayerNorm(a + ffn_output(act(ffn(a))))
    with q, k, v = query(h), key(h), value(h) split into `num_heads` heads of
    d = H / num_heads. `mask` is the [batch, seq] attention mask (1 = attend).
    `activation` is the config's hidden_act: gelu_new, gelu or relu.

    ```mlir
    %h1 = albert.encoder_layer %h0, %mask, %wq, %bq, %wk, %bk, %wv, %bv, %wo, %bo,
              %ag, %ab, %wf, %bf, %wfo, %bfo, %g, %b
              {num_heads = 12 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"}
        : (...) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins Albert_Activation:$hidden, Albert_IdTensor:$mask,
                       Albert_Weight:$query_weight, Albert_Weight:$query_bias,
                       Albert_Weight:$key_weight, Albert_Weight:$key_bias,
                       Albert_Weight:$value_weight, Albert_Weight:$value_bias,
                       Albert_Weight:$dense_weight, Albert_Weight:$dense_bias,
                       Albert_Weight:$attention_ln_weight, Albert_Weight:$attention_ln_bias,
                       Albert_Weight:$ffn_weight, Albert_Weight:$ffn_bias,
                       Albert_Weight:$ffn_output_weight, Albert_Weight:$ffn_output_bias,
                       Albert_Weight:$ln_weight, Albert_Weight:$ln_bias,
                       I64Attr:$num_heads, F64Attr:$eps, StrAttr:$activation);
  let results = (outs Albert_Activation:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, $result)";
  let verifier = [{ return verifyEncoderLayer(*this); }];
  let extraClassDeclaration = [{
    /// The 16 weight operands, in declaration order.
    ::mlir::Operation::operand_range weights() {
      return getOperation()->getOperands().drop_front(2);
    }
  }];
}

def Albert_PoolerOp : Albert_Op<"pooler", [NoSideEffect]> {
  let summary = "AlbertModel pooler: tanh(Linear(h[:, 0]))";
  let description = [{
    ```mlir
    %p = albert.pooler %h, %w, %b
        : (tensor<?x?x768xf32>, tensor<768x768xf32>, tensor<768xf32>) -> tensor<?x768xf32>
    ```
  }];
  let arguments = (ins Albert_Activation:$hidden, Albert_Weight:$weight,
                       Albert_Weight:$bias);
  let results = (outs Albert_Activation:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, $result)";
  let verifier = [{ return verifyPooler(*this); }];
}

def Albert_MlmHeadOp : Albert_Op<"mlm_head", [NoSideEffect]> {
  let summary = "AlbertMLMHead: decoder(LayerNorm_E(act(dense(h)))) + bias";
  let description = [{
    `decoder_weight` ([vocab, E]) is the word embeddings (tied, HuggingFace's
    default) or predictions.decoder.weight when the config says
    "tie_word_embeddings": false; the LayerNorm uses the config's
    layer_norm_eps.

    ```mlir
    %logits = albert.mlm_head %h, %dw, %db, %g, %b, %word, %bias
              {eps = 1.0e-12 : f64, activation = "gelu_new"}
        : (...) -> tensor<?x?x30000xf32>
    ```
  }];
  let arguments = (ins Albert_Activation:$hidden, Albert_Weight:$dense_weight,
                       Albert_Weight:$dense_bias, Albert_Weight:$ln_weight,
                       Albert_Weight:$ln_bias, Albert_Weight:$decoder_weight,
                       Albert_Weight:$decoder_bias, F64Attr:$eps,
                       StrAttr:$activation);
  let results = (outs Albert_Activation:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, $result)";
  let verifier = [{ return verifyMlmHead(*this); }];
}

//===----------------------------------------------------------------------===//
// Structure
//===----------------------------------------------------------------------===//

def Albert_RepeatOp : Albert_Op<"repeat", [RecursiveSideEffects,
    SingleBlock, AllTypesMatch<["init", "result"]>]> {
  let summary = "runs its body `count` times, feeding each result to the next run";
  let description = [{
    What `albert-fold-shared-layers` makes of ALBERT's repeated layers: the
    body (one application of the shared weights) is generated once and run
    `count` times. The body's block argument is the loop-carried hidden state;
    values from above (the mask, the weights) are used directly.

    ```mlir
    %h12 = albert.repeat 12 %h0 : tensor<?x?x768xf32> {
    ^bb0(%h: tensor<?x?x768xf32>):
      %n = albert.encoder_layer %h, %mask, ... : (...) -> tensor<?x?x768xf32>
      albert.yield %n : tensor<?x?x768xf32>
    }
    ```
  }];
  let arguments = (ins I64Attr:$count, Albert_Activation:$init);
  let results = (outs Albert_Activation:$result);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$count $init attr-dict `:` type($result) $body";
  let verifier = [{ return verifyRepeat(*this); }];
}

def Albert_KernelOp : Albert_Op<"kernel", [RecursiveSideEffects,
    IsolatedFromAbove, SingleBlock]> {
  let summary = "a group of kernel-level ops that becomes one Halide pipeline";
  let description = [{
    `albert-lower-to-kernels` turns each model-level op into one
    `albert.kernel`. The region is isolated from above: its block arguments
    are the pipeline's inputs (activations, ids, mask, weights) and its yield
    the pipeline's output. Kernels whose bodies print the same are compiled
    once and called with different weights. `name` is a hint for the
    generated function's name.

    ```mlir
    %p = albert.kernel "pooler" (%h, %w, %b)
        : (tensor<?x?x768xf32>, tensor<768x768xf32>, tensor<768xf32>) -> tensor<?x768xf32> {
    ^bb0(%x: tensor<?x?x768xf32>, %w0: tensor<768x768xf32>, %b0: tensor<768xf32>):
      %c = albert.gather_cls %x : (tensor<?x?x768xf32>) -> tensor<?x768xf32>
      %y = albert.matmul %c, %w0, %b0 {activation = "tanh"} : (...) -> tensor<?x768xf32>
      albert.yield %y : tensor<?x768xf32>
    }
    ```
  }];
  let arguments = (ins StrAttr:$name, Variadic<AnyRankedTensor>:$inputs);
  let results = (outs Albert_Activation:$result);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat =
      "$name `(` $inputs `)` attr-dict `:` functional-type($inputs, $result) $body";
  let verifier = [{ return verifyKernel(*this); }];
}

def Albert_YieldOp : Albert_Op<"yield", [NoSideEffect, Terminator,
    ParentOneOf<["RepeatOp", "KernelOp"]>]> {
  let summary = "ends an albert.repeat or albert.kernel body";
  let arguments = (ins Albert_Activation:$value);
  let assemblyFormat = "$value attr-dict `:` type($value)";
}

//===----------------------------------------------------------------------===//
// Kernel level: what one Halide stage computes
//===----------------------------------------------------------------------===//

def Albert_MatmulOp : Albert_Op<"matmul", [NoSideEffect]> {
  let summary = "x W^T + b, then an elementwise activation (epilogue)";
  let description = [{
    The GEMM every dense layer lowers to. `activation` is none, gelu_new,
    gelu, relu or tanh and is applied in the GEMM's output tile
    (`albert-fuse-bias-activation` folds a following albert.activation in).

    ```mlir
    %y = albert.matmul %x, %w, %b {activation = "gelu_new"}
        : (tensor<?x?x768xf32>, tensor<3072x768xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins Albert_Activation:$input, Albert_Weight:$weight,
                       Albert_Weight:$bias, StrAttr:$activation);
  let results = (outs Albert_Activation:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, $result)";
  let verifier = [{ return verifyMatmul(*this); }];
}

def Albert_ActivationOp : Albert_Op<"activation", [NoSideEffect, SameOperandsAndResultType]> {
  let summary = "elementwise activation: gelu_new, gelu, relu or tanh";
  let description = [{
    ```mlir
    %y = albert.activation %x {kind = "gelu_new"} : tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins Albert_Activation:$input, StrAttr:$kind);
  let results = (outs Albert_Activation:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let verifier = [{ return verifyActivation(*this); }];
}

def Albert_AddLayerNormOp : Albert_Op<"add_layer_norm", [NoSideEffect]> {
  let summary = "LayerNorm(x + residual) over the last dimension";
  let description = [{
    ```mlir
    %y = albert.add_layer_norm %x, %h, %g, %b {eps = 1.0e-12 : f64}
        : (tensor<?x?x768xf32>, tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>)
        -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins Albert_Activation:$input, Albert_Activation:$residual,
                       Albert_Weight:$ln_weight, Albert_Weight:$ln_bias,
                       F64Attr:$eps);
  let results = (outs Albert_Activation:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, $result)";
  let verifier = [{ return verifyAddLayerNorm(*this); }];
}

def Albert_LayerNormOp : Albert_Op<"layer_norm", [NoSideEffect]> {
  let summary = "LayerNorm over the last dimension";
  let description = [{
    ```mlir
    %y = albert.layer_norm %x, %g, %b {eps = 1.0e-12 : f64}
        : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
    ```
  }];
  let arguments = (ins Albert_Activation:$input, Albert_Weight:$ln_weight,
                       Albert_Weight:$ln_bias, F64Attr:$eps);
  let results = (outs Albert_Activation:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, $result)";
  let verifier = [{ return verifyLayerNorm(*this); }];
}

def Albert_MatmulAddLayerNormOp : Albert_Op<"matmul_add_layer_norm", [NoSideEffect]> {
  let summary = "LayerNorm(x W^T + b + residual): a GEMM with a row-LayerNorm epilogue";
  let description = [{
    What `albert-fuse-residual-layer-norm` makes of an albert.matmul followed
    by an albert.add_layer_norm: the row statistics are computed on the GEMM's
    output tile, so the pre-norm sum never goes to memory.

    ```mlir
    %y = albert.matmul_add_layer_norm %x, %w, %b, %h, %g, %beta {eps = 1.0e-12 : f64}
        : (...) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins Albert_Activation:$input, Albert_Weight:$weight,
                       Albert_Weight:$bias, Albert_Activation:$residual,
                       Albert_Weight:$ln_weight, Albert_Weight:$ln_bias,
                       F64Attr:$eps);
  let results = (outs Albert_Activation:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, $result)";
  let verifier = [{ return verifyMatmulAddLayerNorm(*this); }];
}

def Albert_AttentionOp : Albert_Op<"attention", [NoSideEffect]> {
  let summary = "multi-head scaled dot-product attention on a packed QKV tensor";
  let description = [{
    `qkv` is [B, S, 3H]: queries in columns [0, H), keys in [H, 2H), values in
    [2H, 3H), head h using columns [h d, (h+1) d) of each. `mask` is the
    [B, S] attention mask; keys with mask 0 get the float32 minimum added to
    their score, as HuggingFace does. The result is the context [B, S, H].

    ```mlir
    %c = albert.attention %qkv, %mask {num_heads = 12 : i64}
        : (tensor<?x?x2304xf32>, tensor<?x?xi32>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins Albert_Activation:$qkv, Albert_IdTensor:$mask, I64Attr:$num_heads);
  let results = (outs Albert_Activation:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, $result)";
  let verifier = [{ return verifyAttention(*this); }];
}

def Albert_GatherClsOp : Albert_Op<"gather_cls", [NoSideEffect]> {
  let summary = "h[:, 0]: the first token of each sequence";
  let description = [{
    ```mlir
    %c = albert.gather_cls %h : (tensor<?x?x768xf32>) -> tensor<?x768xf32>
    ```
  }];
  let arguments = (ins Albert_Activation:$input);
  let results = (outs Albert_Activation:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type($input, $result)";
  let verifier = [{ return verifyGatherCls(*this); }];
}

#endif // ALBERT_OPS_TD
