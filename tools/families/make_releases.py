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
- OpenAI's GPT-2 autoencoders: Autoencoder.state_dict() saved (TopK with its input layer norm, and ReLU without),
  as openai/sparse_autoencoder's model.py runs them.
- sparsify on Llama: a hub repository of hookpoint folders (layers.N.mlp), TopK after subtracting b_dec.
- Qwen-Scope: layer{n}.sae.pt from its model card's table, TopK with k from the repository's name.
- SAELens normalize_activations: layer_norm, constant_norm_rescale and expected_average_only_in (with and without
  activation_scaler.json), as sae_lens/saes/sae.py applies them.

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

    # OpenAI's GPT-2 autoencoders (openai/sparse_autoencoder 4965b94, model.py): a torch.save of
    # Autoencoder.state_dict() — a module's OrderedDict with the activation as plain data beside the tensors
    class OpenAiLayout(torch.nn.Module):  # the release's parameter and buffer names, nothing of its code
        def __init__(self, w_enc, b_enc, w_dec, b_dec):
            super().__init__()
            self.pre_bias = torch.nn.Parameter(torch.from_numpy(b_dec))
            self.encoder = torch.nn.Linear(D, F, bias=False)
            self.encoder.weight.data = torch.from_numpy(w_enc.T.copy())
            self.latent_bias = torch.nn.Parameter(torch.from_numpy(b_enc))
            self.decoder = torch.nn.Linear(F, D, bias=False)
            self.decoder.weight.data = torch.from_numpy(w_dec.T.copy())
            self.register_buffer("stats_last_nonzero", torch.zeros(F, dtype=torch.long))
            self.register_buffer("latents_activation_frequency", torch.ones(F))
            self.register_buffer("latents_mean_square", torch.zeros(F))

    def openai_ln(v, eps=1e-5):  # model.py LN: torch's std is the unbiased one
        mu = v.mean(axis=-1, keepdims=True)
        c = v - mu
        std = c.std(axis=-1, ddof=1, keepdims=True)
        return c / (std + eps), mu, std

    k = 8
    w_enc, b_enc, _, w_dec, b_dec = params()
    d = os.path.join(root, "gpt2-small", "resid_post_mlp_v5_32k", "autoencoders")
    os.makedirs(d, exist_ok=True)
    sd = OpenAiLayout(w_enc, b_enc, w_dec, b_dec).state_dict()
    sd["activation"] = "TopK"
    sd["activation_state_dict"] = {"k": k, "postact_fn": "ReLU"}
    torch.save(sd, os.path.join(d, "1.pt"))
    ln, mu, std = openai_ln(x.astype(np.float64))
    pre = (ln - b_dec) @ w_enc + b_enc  # encode_pre_act: x - pre_bias, then the encoder and latent_bias
    codes = np.zeros_like(pre)
    top = np.argsort(-pre, axis=1)[:, :k]  # TopK: torch.topk, then ReLU on the values kept
    for r in range(N):
        codes[r, top[r]] = np.maximum(pre[r, top[r]], 0)
    recon = (codes @ w_dec + b_dec) * std + mu  # decode: decoder + pre_bias, then * std + mu
    expected["openai_topk_codes"] = torch.from_numpy(codes.astype(np.float32))
    expected["openai_topk_recon"] = torch.from_numpy(recon.astype(np.float32))

    w_enc, b_enc, _, w_dec, b_dec = params()
    d = os.path.join(root, "gpt2-small", "resid_delta_mlp_v4", "autoencoders")
    os.makedirs(d, exist_ok=True)
    sd = OpenAiLayout(w_enc, b_enc, w_dec, b_dec).state_dict()
    sd["activation"] = "ReLU"
    torch.save(sd, os.path.join(d, "1.pt"))
    codes = np.maximum((x - b_dec) @ w_enc + b_enc, 0)  # no LN: normalize only for TopK (from_state_dict)
    expected["openai_relu_codes"] = torch.from_numpy(codes.astype(np.float32))
    expected["openai_relu_recon"] = torch.from_numpy((codes @ w_dec + b_dec).astype(np.float32))

    # Qwen-Scope: layer{n}.sae.pt, a dict of W_enc [d_sae, d_model], W_dec [d_model, d_sae], b_enc, b_dec (the model
    # card's table); TopK_k(relu(x W_enc^T + b_enc)), k from the repository's name
    w_enc, b_enc, _, w_dec, b_dec = params()
    d = os.path.join(root, "SAE-Res-Qwen3-1.7B-Base-W32K-L0_8")
    os.makedirs(d, exist_ok=True)
    torch.save({"W_enc": torch.from_numpy(w_enc.T.copy()), "W_dec": torch.from_numpy(w_dec.T.copy()),
                "b_enc": torch.from_numpy(b_enc), "b_dec": torch.from_numpy(b_dec)},
               os.path.join(d, "layer1.sae.pt"))
    z = np.maximum(x @ w_enc + b_enc, 0)
    codes = np.zeros_like(z)
    top = np.argsort(-z, axis=1)[:, :k]
    for r in range(N):
        codes[r, top[r]] = z[r, top[r]]
    expected["qwen_scope_codes"] = torch.from_numpy(codes)
    expected["qwen_scope_recon"] = torch.from_numpy((codes @ w_dec + b_dec).astype(np.float32))

    # SAELens 6 normalize_activations (sae_lens/saes/sae.py at 91ca16c): layer_norm and constant_norm_rescale run
    # per row (run_time_activation_ln_in/out, run_time_activation_norm_fn_in/out); expected_average_only_in is a
    # constant folded in (fold_activation_norm_scaling_factor) from activation_scaler.json beside a checkpoint
    def saelens_folder(name, norm, tensors, scaler=None):
        folder = os.path.join(root, "saelens_normalize", name)
        os.makedirs(folder, exist_ok=True)
        write_safetensors(os.path.join(folder, "sae_weights.safetensors"),
                          {key: torch.from_numpy(v) for key, v in tensors.items()})
        with open(os.path.join(folder, "cfg.json"), "w") as f:
            json.dump({"architecture": "standard", "d_in": D, "d_sae": F, "dtype": "float32", "device": "cpu",
                       "apply_b_dec_to_input": True, "normalize_activations": norm, "reshape_activations": "none",
                       "metadata": {"model_name": "gpt2", "hook_name": "blocks.1.hook_resid_post",
                                    "prepend_bos": True, "context_size": 128}}, f, indent=2)
        if scaler is not None:
            with open(os.path.join(folder, "activation_scaler.json"), "w") as f:
                json.dump({"scaling_factor": scaler}, f)

    def standard(v, w_enc, b_enc, w_dec, b_dec):
        codes = np.maximum((v - b_dec) @ w_enc + b_enc, 0)  # apply_b_dec_to_input
        return codes, codes @ w_dec + b_dec

    w_enc, b_enc, _, w_dec, b_dec = params()
    saelens_folder("layer_norm", "layer_norm", {"W_enc": w_enc, "b_enc": b_enc, "W_dec": w_dec, "b_dec": b_dec})
    xd = x.astype(np.float64)
    mu = xd.mean(axis=-1, keepdims=True)
    c = xd - mu
    std = c.std(axis=-1, ddof=1, keepdims=True)
    codes, y = standard(c / (std + 1e-5), w_enc, b_enc, w_dec, b_dec)
    expected["saelens_layer_norm_codes"] = torch.from_numpy(codes.astype(np.float32))
    expected["saelens_layer_norm_recon"] = torch.from_numpy((y * std + mu).astype(np.float32))

    w_enc, b_enc, _, w_dec, b_dec = params()
    saelens_folder("constant_norm_rescale", "constant_norm_rescale",
                   {"W_enc": w_enc, "b_enc": b_enc, "W_dec": w_dec, "b_dec": b_dec})
    coeff = np.sqrt(D) / np.linalg.norm(xd, axis=-1, keepdims=True)
    codes, y = standard(xd * coeff, w_enc, b_enc, w_dec, b_dec)
    expected["saelens_constant_norm_rescale_codes"] = torch.from_numpy(codes.astype(np.float32))
    expected["saelens_constant_norm_rescale_recon"] = torch.from_numpy((y / coeff).astype(np.float32))

    w_enc, b_enc, _, w_dec, b_dec = params()
    scale = 0.37
    weights = {"W_enc": w_enc, "b_enc": b_enc, "W_dec": w_dec, "b_dec": b_dec}
    saelens_folder("expected_average_only_in", "expected_average_only_in", weights, scaler=scale)
    saelens_folder("expected_average_without_scaler", "expected_average_only_in", weights)
    # the trainer's view: the dictionary sees x * s, and its reconstruction is divided by s (ActivationScaler)
    codes, y = standard(xd * scale, w_enc, b_enc, w_dec, b_dec)
    expected["saelens_expected_average_only_in_codes"] = torch.from_numpy(codes.astype(np.float32))
    expected["saelens_expected_average_only_in_recon"] = torch.from_numpy((y / scale).astype(np.float32))

    # sparsify on Llama (EleutherAI/sae-llama-3.1-8b-64x): a hub repository of hookpoint folders named by module
    # (layers.N, layers.N.mlp) with no run config.json; cfg.json + sae.safetensors (encoder.weight [F, D],
    # encoder.bias, W_dec [F, D], b_dec); sparsify's encode subtracts b_dec, then TopK of relu (sparse_coder.py)
    w_enc, b_enc, _, w_dec, b_dec = params()
    d = os.path.join(root, "sae-llama-3.1-8b-64x", "layers.1.mlp")
    os.makedirs(d, exist_ok=True)
    write_safetensors(os.path.join(d, "sae.safetensors"),
                      {"encoder.weight": torch.from_numpy(w_enc.T.copy()), "encoder.bias": torch.from_numpy(b_enc),
                       "W_dec": torch.from_numpy(w_dec), "b_dec": torch.from_numpy(b_dec)})
    with open(os.path.join(d, "cfg.json"), "w") as f:
        json.dump({"activation": "topk", "expansion_factor": 1.5, "normalize_decoder": True, "num_latents": F,
                   "k": k, "multi_topk": False, "skip_connection": False, "transcode": False, "d_in": D}, f, indent=1)
    z = np.maximum((x - b_dec) @ w_enc + b_enc, 0)
    codes = np.zeros_like(z)
    top = np.argsort(-z, axis=1)[:, :k]
    for r in range(N):
        codes[r, top[r]] = z[r, top[r]]
    expected["sparsify_llama_codes"] = torch.from_numpy(codes.astype(np.float32))
    expected["sparsify_llama_recon"] = torch.from_numpy((codes @ w_dec + b_dec).astype(np.float32))

    write_safetensors(os.path.join(root, "expected.safetensors"), expected,
                      {"made_by": "tools/families/make_releases.py"})


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "compute/src/test/resources/releases")
