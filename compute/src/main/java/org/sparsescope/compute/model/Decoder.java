package org.sparsescope.compute.model;

import java.util.Set;

/**
 * What the pre-norm decoders (Llama and Mistral, Qwen2 and Qwen3, Gemma 2 and Gemma 3) add to a
 * {@link TransformerConfig}: grouped-query attention with RMSNorm and a gated MLP, and each family's particulars.
 *
 * @param kvHeads          key/value heads (grouped-query attention: each serves heads ÷ kvHeads query heads)
 * @param headDim          width of one head, which may differ from hidden ÷ heads (Qwen3, Gemma)
 * @param qkvBias          q, k and v projections carry a bias (Qwen2; Llama's {@code attention_bias})
 * @param outputBias       o_proj carries a bias (Llama's {@code attention_bias}; never Qwen2)
 * @param mlpBias          the MLP's projections carry biases (Llama's {@code mlp_bias})
 * @param qkNorm           q and k are RMS-normalised per head before RoPE (Qwen3, Gemma 3)
 * @param gemma            Gemma's conventions: RMSNorm as x·(1 + w), norms after attention and after the MLP,
 *                         the embedding multiplied by √hidden
 * @param attentionScale   what q·kᵀ is multiplied by (head_dim^-½, or Gemma's query_pre_attn_scalar^-½)
 * @param attentionSoftcap attention scores pass through cap·tanh(s / cap) (Gemma 2); 0 for none
 * @param finalSoftcap     logits pass through cap·tanh(z / cap) (Gemma 2); 0 for none
 * @param slidingWindow    how many positions a sliding-window layer sees, itself included; 0 for none
 * @param slidingLayers    the layers that attend through the sliding window
 * @param rope             RoPE of full-attention layers
 * @param localRope        RoPE of sliding-window layers (Gemma 3's rope_local_base_freq); same as rope elsewhere
 * @param embedScale       what the embedding is multiplied by (Gemma: √hidden rounded to the weights' dtype)
 */
public record Decoder(
        int kvHeads,
        int headDim,
        boolean qkvBias,
        boolean outputBias,
        boolean mlpBias,
        boolean qkNorm,
        boolean gemma,
        double attentionScale,
        double attentionSoftcap,
        double finalSoftcap,
        int slidingWindow,
        Set<Integer> slidingLayers,
        Rope rope,
        Rope localRope,
        double embedScale) {

    public Decoder {
        slidingLayers = Set.copyOf(slidingLayers);
    }

    public boolean sliding(int layer) {
        return slidingWindow > 0 && slidingLayers.contains(layer);
    }

    public Rope ropeOf(int layer) {
        return sliding(layer) ? localRope : rope;
    }
}
