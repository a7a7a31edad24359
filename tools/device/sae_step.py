# For the device machine, where Java cannot run (no JDK; its PyTorch is newer than any DJL JNI):
#   python3 tools/device/sae_step.py      (writes $OUT/sae_step_h100.json)
# One training step of an untied ReLU SAE (row-normalised decoder, L1), fp32, batch 4096, timed on the GPU:
#  "reference": autograd + torch.optim.Adam, as reference.json's bench_pytorch_sae_fp32_h100 describes it;
#  "sparsescope-ops": the op sequence Sparsescope's trainer issues (compute/.../train/Ensemble.step and the
#   engine's fused Adam, PyTorchLibrary.adamUpdate), replayed op for op in eager PyTorch. Keep it in step with
#   Ensemble.step when that changes.
import json, sys, time, torch
torch.manual_seed(0)
dev = "cuda"
print(torch.__version__, torch.cuda.get_device_name(0), "tf32:", torch.backends.cuda.matmul.allow_tf32, flush=True)

def matmul_rate():
    a = torch.randn(4096, 512, device=dev); b = torch.randn(512, 2048, device=dev)
    for _ in range(10): a @ b
    torch.cuda.synchronize()
    best = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(200): a @ b
        torch.cuda.synchronize(); best.append((time.perf_counter() - t0) / 200)
    best.sort()
    return 2 * 4096 * 512 * 2048 / best[2] / 1e9

def reference(d, n, B, l1=1e-3):
    x = torch.randn(B, d, device=dev)
    W_enc = torch.nn.Parameter(torch.randn(d, n, device=dev) / d ** 0.5)
    b_enc = torch.nn.Parameter(torch.zeros(n, device=dev))
    W_dec = torch.nn.Parameter(W_enc.detach().t().clone())
    b_dec = torch.nn.Parameter(x.mean(0).clone())
    opt = torch.optim.Adam([W_enc, b_enc, W_dec, b_dec], lr=1e-3)
    def step():
        c = torch.relu((x - b_dec) @ W_enc + b_enc)
        W = W_dec / W_dec.norm(dim=1, keepdim=True)
        xh = c @ W + b_dec
        loss = (xh - x).pow(2).mean() + l1 * c.sum(1).mean()
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
    return step

def ours(d, n, B, l1=1e-3):
    x = torch.randn(B, d, device=dev)
    W_enc = torch.randn(1, d, n, device=dev) / d ** 0.5
    b_enc = torch.zeros(1, 1, n, device=dev)
    W_dec = W_enc.transpose(1, 2).contiguous()
    b_dec = x.mean(0).reshape(1, 1, d).clone()
    params = [W_enc, b_enc, W_dec, b_dec]
    grads = [torch.zeros_like(p) for p in params]
    m1 = [torch.zeros_like(p) for p in params]; m2 = [torch.zeros_like(p) for p in params]
    t = [0]
    def adam(w, g, m, v, lr_c, eps_c):  # the engine's fused update, op for op
        g = g.clone(); g.add_(w, alpha=0.0)
        m.mul_(0.9).add_(g, alpha=0.1); v.mul_(0.999).addcmul_(g, g, value=0.001)
        w.sub_(m.mul(lr_c).div(v.sqrt().add(eps_c)))
    def step():
        t[0] += 1
        wE, bE, wD, bD = W_enc[0], b_enc[0], W_dec[0], b_dec[0]
        shift = bE - bD @ wE
        codes = torch.relu((x @ wE).add_(shift))
        norms = wD.norm(dim=1, keepdim=True)
        wDu = wD / norms
        err = (codes @ wDu).add_(bD).sub_(x)
        active = codes.sign()
        gErr = err.mul_(2.0 / (B * d))
        gWDu = codes.t() @ gErr
        gPre = (gErr @ wDu.t()).add_(l1 / B).mul_(active)
        gShift = gPre.sum(0, keepdim=True)
        grads[0][0] = (x.t() @ gPre).sub_(bD.t() @ gShift)
        grads[1][0] = gShift
        grads[2][0] = (gWDu - wDu * (gWDu * wDu).sum(1, keepdim=True)).div_(norms)
        grads[3][0] = gErr.sum(0, keepdim=True).sub_(gShift @ wE.t())
        bc1 = 1 - 0.9 ** t[0]; bc2 = 1 - 0.999 ** t[0]
        for i in range(4):
            adam(params[i], grads[i], m1[i], m2[i], 1e-3 * bc2 ** 0.5 / bc1, 1e-8 * bc2 ** 0.5)
    return step

def time_step(step, reps=200):
    for _ in range(20): step()
    torch.cuda.synchronize()
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(reps): step()
        torch.cuda.synchronize(); runs.append((time.perf_counter() - t0) / reps * 1e3)
    runs.sort()
    return runs[1]

out = {"torch": torch.__version__, "device": torch.cuda.get_device_name(0)}
out["matmul_fp32_gflops_before"] = matmul_rate()
for d, n in [(256, 1024), (512, 4096), (512, 16384)]:
    B = 4096
    r = time_step(reference(d, n, B)); o = time_step(ours(d, n, B))
    key = f"d{d}_f{n}_b{B}"
    out[key] = {"reference_ms_per_step": r, "reference_tokens_per_s": B / r * 1e3,
                "sparsescope_ops_ms_per_step": o, "sparsescope_ops_tokens_per_s": B / o * 1e3,
                "gflops_6dn_reference": 6 * d * n * B / r / 1e6, "gflops_6dn_sparsescope_ops": 6 * d * n * B / o / 1e6}
    print(key, json.dumps(out[key]), flush=True)
out["matmul_fp32_gflops_after"] = matmul_rate()
print(json.dumps(out, indent=1))
import os
json.dump(out, open(os.path.join(os.environ.get("OUT", "."), "sae_step_h100.json"), "w"), indent=1)
