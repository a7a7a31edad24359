#!/usr/bin/env python3
"""Writes one small dictionary in each public release's layout, from its documented layout, with the codes and
reconstructions that release's own loading code gives, transcribed to NumPy:

- Gemma Scope (Gemma 2): params.npz, read as SAELens's gemma_2_sae_huggingface_loader reads it
  (decoderesearch/SAELens sae_lens/loading/pretrained_sae_loaders.py at 10537c19): keys as stored, JumpReLU,
  apply_b_dec_to_input False.
- Gemma Scope 2 (Gemma 3): params.safetensors (w_enc, w_dec, b_enc, b_dec, threshold) and config.json
  (hf_hook_point_in/out, model_name, type), as that file's gemma_3 loader; a transcoder beside it, to be refused.
- Llama Scope: hyperparams.json and checkpoints/final.safetensors (encoder/decoder as nn.Linear weights), JumpReLU
  with a scalar threshold compared against the pre-activation times each feature's decoder norm
  (sparsity_include_decoder_norm, which SAELens's loader leaves out), and the dataset-wise normalisation OpenMOSS's Language-Model-SAEs applies:
  x · √d_model / dataset_average_activation_norm.in on the way in, · norm.out / √d_model on the way out.
- dictionary_learning's BatchTopKSAE: ae.pt with its estimated threshold, encoded as its encode(use_threshold=True).
- Goodfire (Llama 3.1/3.3 Instruct): a torch.save state dict of encoder_linear/decoder_linear, ReLU, as SAELens's
  goodfire loader reads it.

    /usr/bin/python3 tools/families/make_releases.py compute/src/test/resources/releases
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from make_tiny import write_safetensors  # noqa: E402
import torch  # noqa: E402

D, F, N = 64, 96, 8


def jumprelu(x, w_enc, b_enc, threshold, w_dec, b_dec):
    pre = x @ w_enc + b_enc  # no b_dec subtracted (apply_b_dec_to_input False)
    codes = np.maximum(pre, 0) * (pre > threshold)  # SAELens JumpReLU: relu(pre) * (pre > threshold)
    return codes, codes @ w_dec + b_dec


def main(root):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(N, D)).astype(np.float32) * 2
    expected = {"input": torch.from_numpy(x)}

    def params():
        w_enc = (rng.normal(size=(D, F)) * 0.3).astype(np.float32)
        b_enc = (rng.normal(size=F) * 0.2).astype(np.float32)
        threshold = np.abs(rng.normal(size=F) * 0.5).astype(np.float32)
        w_dec = (rng.normal(size=(F, D)) * 0.3).astype(np.float32)
        b_dec = (rng.normal(size=D) * 0.1).astype(np.float32)
        return w_enc, b_enc, threshold, w_dec, b_dec

    # Gemma Scope: the tiny Gemma 2's layer 1 residual stream
    w_enc, b_enc, th, w_dec, b_dec = params()
    d = os.path.join(root, "gemma-scope-2b-pt-res", "layer_1", "width_16k", "average_l0_5")
    os.makedirs(d, exist_ok=True)
    np.savez(os.path.join(d, "params.npz"), W_enc=w_enc, W_dec=w_dec, b_enc=b_enc, b_dec=b_dec, threshold=th)
    codes, recon = jumprelu(x, w_enc, b_enc, th, w_dec, b_dec)
    expected["gemma_scope_codes"], expected["gemma_scope_recon"] = torch.from_numpy(codes), torch.from_numpy(recon)

    # Gemma Scope 2: the tiny Gemma 3's layer 2 residual stream, and a transcoder to refuse
    w_enc, b_enc, th, w_dec, b_dec = params()
    d = os.path.join(root, "gemma-scope-2-1b-pt", "resid_post_all", "layer_2_width_16k_l0_small")
    os.makedirs(d, exist_ok=True)
    write_safetensors(os.path.join(d, "params.safetensors"),
                      {"w_enc": torch.from_numpy(w_enc), "w_dec": torch.from_numpy(w_dec),
                       "b_enc": torch.from_numpy(b_enc), "b_dec": torch.from_numpy(b_dec),
                       "threshold": torch.from_numpy(th)})
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump({"hf_hook_point_in": "model.layers.2.output", "hf_hook_point_out": "model.layers.2.output",
                   "width": F, "model_name": "google/gemma-3-1b-pt", "architecture": "jump_relu", "l0": 5,
                   "affine_connection": False, "type": "sae"}, f, indent=2)
    codes, recon = jumprelu(x, w_enc, b_enc, th, w_dec, b_dec)
    expected["gemma_scope_2_codes"], expected["gemma_scope_2_recon"] = torch.from_numpy(codes), torch.from_numpy(recon)
    t = os.path.join(root, "gemma-scope-2-1b-pt", "transcoder_all", "layer_1_width_16k_l0_big_affine")
    os.makedirs(t, exist_ok=True)
    write_safetensors(os.path.join(t, "params.safetensors"),
                      {"w_enc": torch.from_numpy(w_enc), "w_dec": torch.from_numpy(w_dec),
                       "b_enc": torch.from_numpy(b_enc), "b_dec": torch.from_numpy(b_dec),
                       "threshold": torch.from_numpy(th),
                       "affine_skip_connection": torch.zeros(D, D)})
    with open(os.path.join(t, "config.json"), "w") as f:
        json.dump({"hf_hook_point_in": "model.layers.1.pre_feedforward_layernorm.output",
                   "hf_hook_point_out": "model.layers.1.post_feedforward_layernorm.output", "width": F,
                   "model_name": "google/gemma-3-1b-pt", "architecture": "jump_relu", "l0": 5,
                   "affine_connection": True, "type": "transcoder"}, f, indent=2)

    # Llama Scope: the tiny Llama's layer 1 residual stream ("L1R"), nn.Linear layouts, scalar threshold
    w_enc, b_enc, _, w_dec, b_dec = params()
    threshold, norm_in, norm_out = 0.4, 11.0, 12.5
    d = os.path.join(root, "Llama3_1-8B-Base-LXR-8x", "Llama3_1-8B-Base-L1R-8x")
    os.makedirs(os.path.join(d, "checkpoints"), exist_ok=True)
    write_safetensors(os.path.join(d, "checkpoints", "final.safetensors"),
                      {"encoder.weight": torch.from_numpy(w_enc.T.copy()), "encoder.bias": torch.from_numpy(b_enc),
                       "decoder.weight": torch.from_numpy(w_dec.T.copy()), "decoder.bias": torch.from_numpy(b_dec)})
    with open(os.path.join(d, "hyperparams.json"), "w") as f:
        json.dump({"d_model": D, "expansion_factor": 1.5, "d_sae": F, "hook_point_in": "blocks.1.hook_resid_post",
                   "hook_point_out": "blocks.1.hook_resid_post", "act_fn": "jumprelu",
                   "jump_relu_threshold": threshold, "norm_activation": "dataset-wise",
                   "dataset_average_activation_norm": {"in": norm_in, "out": norm_out},
                   "sparsity_include_decoder_norm": True, "use_decoder_bias": True,
                   "apply_decoder_bias_to_pre_encoder": False, "top_k": 50}, f, indent=2)
    scaled = x * np.sqrt(D) / norm_in  # Language-Model-SAEs: dataset-wise normalisation on the way in
    pre = scaled @ w_enc + b_enc
    # sparsity_include_decoder_norm: hidden_pre *= decoder_norm; JumpReLU; feature_acts /= decoder_norm
    decoder_norm = np.linalg.norm(w_dec, axis=1)
    hp = pre * decoder_norm
    codes = hp * (hp > threshold) / decoder_norm
    recon = (codes @ w_dec + b_dec) * norm_out / np.sqrt(D)  # ... undone on the way out
    expected["llama_scope_codes"], expected["llama_scope_recon"] = torch.from_numpy(codes.astype(np.float32)), \
        torch.from_numpy(recon.astype(np.float32))

    # Goodfire: a torch.save state dict of nn.Linear encoder and decoder, ReLU, no b_dec subtracted
    w_enc, b_enc, _, w_dec, b_dec = params()
    d = os.path.join(root, "Goodfire", "Llama-3.1-8B-Instruct-SAE-l1")
    os.makedirs(d, exist_ok=True)
    torch.save({"encoder_linear.weight": torch.from_numpy(w_enc.T.copy()), "encoder_linear.bias": torch.from_numpy(b_enc),
                "decoder_linear.weight": torch.from_numpy(w_dec.T.copy()), "decoder_linear.bias": torch.from_numpy(b_dec)},
               os.path.join(d, "Llama-3.1-8B-Instruct-SAE-l1.pth"))
    codes = np.maximum(x @ w_enc + b_enc, 0)  # SAELens standard SAE with apply_b_dec_to_input False
    expected["goodfire_codes"], expected["goodfire_recon"] = torch.from_numpy(codes), torch.from_numpy(codes @ w_dec + b_dec)

    # dictionary_learning BatchTopKSAE: ae.pt with k and the estimated threshold; encode(use_threshold=True)
    w_enc, b_enc, _, w_dec, b_dec = params()
    d = os.path.join(root, "dictionary_learning_batchtopk")
    os.makedirs(d, exist_ok=True)
    threshold = 0.8
    torch.save({"k": torch.tensor(8, dtype=torch.int), "threshold": torch.tensor(threshold),
                "encoder.weight": torch.from_numpy(w_enc.T.copy()), "encoder.bias": torch.from_numpy(b_enc),
                "decoder.weight": torch.from_numpy(w_dec.T.copy()), "b_dec": torch.from_numpy(b_dec)},
               os.path.join(d, "ae.pt"))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump({"trainer": {"dict_class": "BatchTopKSAE", "trainer_class": "BatchTopKTrainer", "k": 8,
                               "activation_dim": D, "dict_size": F, "lm_name": "google/gemma-2-2b", "layer": 1,
                               "submodule_name": "resid_post_layer_1"}, "buffer": {"ctx_len": 128}}, f, indent=2)
    post_relu = np.maximum((x - b_dec) @ w_enc + b_enc, 0)  # relu(encoder(x - b_dec))
    codes = post_relu * (post_relu > threshold)
    expected["batchtopk_codes"], expected["batchtopk_recon"] = torch.from_numpy(codes.astype(np.float32)), \
        torch.from_numpy((codes @ w_dec + b_dec).astype(np.float32))

    write_safetensors(os.path.join(root, "expected.safetensors"), expected,
                      {"made_by": "tools/families/make_releases.py"})


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "compute/src/test/resources/releases")
