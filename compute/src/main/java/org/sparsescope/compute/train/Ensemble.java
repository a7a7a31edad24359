package org.sparsescope.compute.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryInfo;
import org.sparsescope.compute.dictionary.GatedDictionary;
import org.sparsescope.compute.dictionary.JumpReluDictionary;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.dictionary.TiedDictionary;
import org.sparsescope.compute.dictionary.TopKDictionary;
import org.sparsescope.compute.tensor.Tensor;

/**
 * E dictionaries of one kind and size trained together in batched matmuls over the same batches (the seed's
 * "ensemble"). Parameters are stacked: W_enc [E, d, n], b_enc [E, 1, n], W_dec [E, n, d], b_dec [E, 1, d].
 * The loss is the reference's: decoder rows normalised in the forward pass, the encoder reading x − b_dec, MSE
 * plus l1 × the batch mean of Σc (TopK: MSE alone). Members are stepped one after another so that each one's
 * [B, n] arrays are contiguous and freed before the next member's are made.
 */
final class Ensemble {
    private static final float BETA1 = 0.9f, BETA2 = 0.999f, EPS = 1e-8f;

    final List<SweepMember> members;
    final SweepMember.Kind kind;
    final int e, d, n, k;
    private final float[] l1s;
    final NDArray[] grads; // written by step, one slot per member
    final NDArray[] params; // wEnc, bEnc, wDec, bDec
    final NDArray[] moments1, moments2;
    final NDArray fired; // [E, n] firings since the last event
    final NDArray firedSinceResample; // [E, n]

    Ensemble(NDManager manager, List<SweepMember> members, int d, float[] dataMean, Random rnd) {
        this.members = List.copyOf(members);
        this.kind = members.get(0).kind();
        this.e = members.size();
        this.d = d;
        this.n = members.get(0).dSae();
        this.k = members.get(0).k();
        float[] wEnc = new float[e * d * n], bEnc = new float[e * n], wDec = new float[e * n * d], bDec = new float[e * d], l1s = new float[e];
        // W_enc ~ N(0, 1/d), W_dec = W_encᵀ, b_enc = 0, b_dec = the data mean. With this scale the reference sweep's
        // L0 is reproduced (within 3% at l1 1.4e-3 and 4.1e-3); Xavier-uniform, 1.6× smaller, gave 13–18% lower L0.
        double std = 1 / Math.sqrt(d);
        for (int m = 0; m < e; m++) {
            SweepMember member = members.get(m);
            l1s[m] = (float) member.l1();
            if (member.start() != null) {
                Trainable t = Trainable.of(member.start());
                System.arraycopy(t.wEnc, 0, wEnc, m * d * n, d * n);
                System.arraycopy(t.bEnc, 0, bEnc, m * n, n);
                System.arraycopy(t.wDec, 0, wDec, m * n * d, n * d);
                System.arraycopy(t.bDec, 0, bDec, m * d, d);
                continue;
            }
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < n; j++) {
                    float w = (float) (rnd.nextGaussian() * std);
                    wEnc[m * d * n + i * n + j] = w;
                    wDec[m * n * d + j * d + i] = w;
                }
            }
            System.arraycopy(dataMean, 0, bDec, m * d, d);
        }
        params = new NDArray[] {
            manager.create(wEnc, new Shape(e, d, n)), manager.create(bEnc, new Shape(e, 1, n)),
            manager.create(wDec, new Shape(e, n, d)), manager.create(bDec, new Shape(e, 1, d))};
        grads = new NDArray[4];
        moments1 = new NDArray[4];
        moments2 = new NDArray[4];
        for (int i = 0; i < 4; i++) {
            moments1[i] = manager.zeros(params[i].getShape());
            moments2[i] = manager.zeros(params[i].getShape());
            grads[i] = manager.zeros(params[i].getShape());
        }
        this.l1s = l1s;
        fired = manager.zeros(new Shape(e, n));
        firedSinceResample = manager.zeros(new Shape(e, n));
    }

    /** Everything of this ensemble that lives on the engine, for scoping and checkpoints. */
    List<NDArray> arrays() {
        List<NDArray> all = new ArrayList<>(List.of(params));
        all.addAll(List.of(moments1));
        all.addAll(List.of(moments2));
        all.add(fired);
        all.add(firedSinceResample);
        return all;
    }

    /** Per-member figures of one step, read back only for progress events. */
    record StepStats(float[] sqErr, float[] l0, float[] l1Sum) {
    }

    /**
     * One training step of every member on x [B, d]: the reference loss's gradients written out by hand, then
     * Adam. Members are stepped one after another, each on contiguous [B, n] arrays freed before the next
     * member's are made; autograd over the stacked [E, B, n] codes ran a sweep of 8 at half this speed. The
     * codes are walked by the ReLU, its mask, the bias add, the L1 gradient, the masking and the bias gradient's sum.
     *
     * @return the members' squared error, L0 and mean Σc when {@code withStats}, else null
     */
    StepStats step(NDArray x, float l1Scale, long t, double lr, boolean sampleFirings, boolean withStats) {
        int batch = (int) x.getShape().get(0);
        float[] sqErr = new float[e], l0 = new float[e], l1Sum = new float[e];
        NDArray[] firings = sampleFirings ? new NDArray[e] : null;
        NDManager stepScope = x.getManager();
        for (int m = 0; m < e; m++) {
            try (NDManager scope = stepScope.newSubManager()) {
                scope.tempAttachAll(x);
                scope.tempAttachAll(params);
                scope.tempAttachAll(grads);
                NDArray wEnc = params[0].get(m), bEnc = params[1].get(m), wDec = params[2].get(m), bDec = params[3].get(m);
                NDArray shift = bEnc.sub(bDec.matMul(wEnc)); // [1, n]: the encoder reads x − b_dec
                NDArray codes = Activation.relu(x.matMul(wEnc).addi(shift)); // [B, n]
                if (kind == SweepMember.Kind.TOPK) {
                    codes = TopKDictionary.keepTopK(codes, k);
                }
                NDArray norms = wDec.norm(new int[] {1}, true); // [n, 1]
                NDArray wDecUnit = wDec.div(norms);
                NDArray err = codes.matMul(wDecUnit).addi(bDec).subi(x); // x̂ − x, [B, d]
                // 1 where the ReLU (and TopK's choice) passes gradient, else 0; a float mask, as multiplying by a
                // boolean one is three times slower
                NDArray active = codes.sign();
                if (withStats) {
                    sqErr[m] = err.square().sum().getFloat();
                    l0[m] = active.sum().getFloat() / batch;
                    l1Sum[m] = codes.sum().getFloat() / batch;
                }
                if (sampleFirings) {
                    firings[m] = active.sum(new int[] {0});
                    firings[m].attach(stepScope);
                }
                NDArray gErr = err.muli(2f / ((float) batch * d)); // ∂mse/∂x̂
                NDArray gWDecUnit = codes.transpose().matMul(gErr); // [n, d]
                NDArray gPre = gErr.matMul(wDecUnit.transpose()); // ∂/∂c of the MSE, [B, n]
                if (kind == SweepMember.Kind.RELU_L1) {
                    gPre.addi(l1s[m] * l1Scale / batch); // ∂/∂c of l1 · mean_b Σc
                }
                gPre.muli(active);
                NDArray gShift = gPre.sum(new int[] {0}, true); // [1, n]
                NDIndex member = new NDIndex(m);
                grads[0].set(member, x.transpose().matMul(gPre).subi(bDec.transpose().matMul(gShift)));
                grads[1].set(member, gShift);
                grads[2].set(member, // through the row normalisation: (g − u (g·u)) / ‖w‖
                        gWDecUnit.sub(wDecUnit.mul(gWDecUnit.mul(wDecUnit).sum(new int[] {1}, true))).divi(norms));
                grads[3].set(member, gErr.sum(new int[] {0}, true).subi(gShift.matMul(wEnc.transpose())));
            }
        }
        if (sampleFirings) {
            try (NDArray counts = NDArrays.stack(new NDList(firings))) {
                fired.addi(counts);
                firedSinceResample.addi(counts);
            }
            for (NDArray f : firings) {
                f.close();
            }
        }
        adamStep(t, lr);
        return withStats ? new StepStats(sqErr, l0, l1Sum) : null;
    }

    /**
     * One Adam step, PyTorch's: m̂ / (√v̂ + ε) with bias-corrected moments. The engine's fused update computes
     * lr' m / (√v + ε'); with lr' = lr √bc2 / bc1 and ε' = ε √bc2 that is the same quantity.
     */
    void adamStep(long t, double lr) {
        double bc1 = 1 - Math.pow(BETA1, t), bc2 = 1 - Math.pow(BETA2, t);
        float lrCorrected = (float) (lr * Math.sqrt(bc2) / bc1);
        float epsCorrected = (float) (EPS * Math.sqrt(bc2));
        for (int i = 0; i < 4; i++) {
            params[i].getNDArrayInternal().adamUpdate(new NDList(params[i], grads[i], moments1[i], moments2[i]), new NDList(params[i]),
                    (float) lr, lrCorrected, 0f, 1f, -1f, BETA1, BETA2, epsCorrected, false, false);
        }
    }

    /**
     * Re-initialises features that did not fire since the last call: decoder row = a random batch input minus
     * b_dec, normalised; encoder column = that row × 0.2 × the mean norm of live encoder columns; b_enc 0; Adam
     * moments of those entries reset. Returns how many were resampled.
     */
    int resampleDead(float[] batch, int batchRows, Random rnd) {
        float[] counts = firedSinceResample.toFloatArray();
        float[] wEnc = params[0].toFloatArray(), bEnc = params[1].toFloatArray(), wDec = params[2].toFloatArray(), bDec = params[3].toFloatArray();
        float[][] m1 = new float[4][], m2 = new float[4][];
        for (int i = 0; i < 4; i++) {
            m1[i] = moments1[i].toFloatArray();
            m2[i] = moments2[i].toFloatArray();
        }
        int resampled = 0;
        for (int m = 0; m < e; m++) {
            double liveNorm = 0;
            int live = 0;
            for (int j = 0; j < n; j++) {
                if (counts[m * n + j] > 0) {
                    double s = 0;
                    for (int i = 0; i < d; i++) {
                        double w = wEnc[m * d * n + i * n + j];
                        s += w * w;
                    }
                    liveNorm += Math.sqrt(s);
                    live++;
                }
            }
            double encScale = 0.2 * (live > 0 ? liveNorm / live : 1.0);
            for (int j = 0; j < n; j++) {
                if (counts[m * n + j] > 0) {
                    continue;
                }
                resampled++;
                int r = rnd.nextInt(batchRows);
                double norm = 0;
                float[] dir = new float[d];
                for (int i = 0; i < d; i++) {
                    dir[i] = batch[r * d + i] - bDec[m * d + i];
                    norm += dir[i] * dir[i];
                }
                norm = Math.max(Math.sqrt(norm), 1e-12);
                for (int i = 0; i < d; i++) {
                    float u = (float) (dir[i] / norm);
                    wDec[m * n * d + j * d + i] = u;
                    wEnc[m * d * n + i * n + j] = (float) (u * encScale);
                    m1[0][m * d * n + i * n + j] = 0;
                    m2[0][m * d * n + i * n + j] = 0;
                    m1[2][m * n * d + j * d + i] = 0;
                    m2[2][m * n * d + j * d + i] = 0;
                }
                bEnc[m * n + j] = 0;
                m1[1][m * n + j] = 0;
                m2[1][m * n + j] = 0;
            }
        }
        if (resampled > 0) {
            params[0].set(java.nio.FloatBuffer.wrap(wEnc));
            params[1].set(java.nio.FloatBuffer.wrap(bEnc));
            params[2].set(java.nio.FloatBuffer.wrap(wDec));
            for (int i = 0; i < 3; i++) {
                moments1[i].set(java.nio.FloatBuffer.wrap(m1[i]));
                moments2[i].set(java.nio.FloatBuffer.wrap(m2[i]));
            }
        }
        firedSinceResample.muli(0f);
        return resampled;
    }

    /** Member m as a dictionary, decoder rows normalised as the forward pass uses them. */
    Dictionary dictionary(int m, DictionaryInfo info) {
        float[] wEnc = slice(params[0], m), bEnc = slice(params[1], m), wDec = slice(params[2], m), bDec = slice(params[3], m);
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int i = 0; i < d; i++) {
                s += (double) wDec[j * d + i] * wDec[j * d + i];
            }
            float inv = (float) (1 / Math.sqrt(s));
            for (int i = 0; i < d; i++) {
                wDec[j * d + i] *= inv;
            }
        }
        StandardDictionary base = new StandardDictionary(Tensor.ofFloats(new long[] {d, n}, wEnc), Tensor.ofFloats(new long[] {n}, bEnc),
                Tensor.ofFloats(new long[] {n, d}, wDec), Tensor.ofFloats(new long[] {d}, bDec), true, info);
        return kind == SweepMember.Kind.TOPK ? new TopKDictionary(base, k) : base;
    }

    private static float[] slice(NDArray stacked, int m) {
        try (NDArray s = stacked.get(m)) {
            return s.toFloatArray();
        }
    }

    /** A loaded dictionary as the trainer's parameters: encoder reading x − b_dec, decoder rows of unit norm. */
    static final class Trainable {
        final float[] wEnc, bEnc, wDec, bDec;

        private Trainable(float[] wEnc, float[] bEnc, float[] wDec, float[] bDec) {
            this.wEnc = wEnc;
            this.bEnc = bEnc;
            this.wDec = wDec;
            this.bDec = bDec;
        }

        /**
         * Exact for standard and tied dictionaries (b_dec folded into b_enc where the encoder read x itself; decoder
         * norms folded into the encoder, as relu(a)·s = relu(a·s)); a JumpReLU threshold or a gate is dropped, and
         * for TopK the folding keeps the map only when decoder rows already have unit norm (sparsify's do).
         */
        static Trainable of(Dictionary dict) {
            StandardDictionary s = dict instanceof StandardDictionary sd ? sd
                    : dict instanceof TiedDictionary td ? td.toStandard()
                    : dict instanceof TopKDictionary tk ? tk.base()
                    : dict instanceof JumpReluDictionary jr ? jr.base()
                    : gatedAsStandard((GatedDictionary) dict);
            int d = s.dIn(), n = s.dSae();
            float[] wEnc = s.wEnc().floats(), bEnc = s.bEnc().floats(), wDec = s.wDec().floats(), bDec = s.bDec().floats();
            if (!s.applyBDecToInput()) {
                for (int j = 0; j < n; j++) {
                    double shift = 0;
                    for (int i = 0; i < d; i++) {
                        shift += (double) bDec[i] * wEnc[i * n + j];
                    }
                    bEnc[j] += (float) shift; // x W + b = (x − b_dec) W + (b + b_dec W)
                }
            }
            for (int j = 0; j < n; j++) {
                double norm = 0;
                for (int i = 0; i < d; i++) {
                    norm += (double) wDec[j * d + i] * wDec[j * d + i];
                }
                float s2 = (float) Math.sqrt(norm);
                if (s2 == 0) {
                    continue;
                }
                for (int i = 0; i < d; i++) {
                    wDec[j * d + i] /= s2;
                    wEnc[i * n + j] *= s2;
                }
                bEnc[j] *= s2;
            }
            return new Trainable(wEnc, bEnc, wDec, bDec);
        }

        private static StandardDictionary gatedAsStandard(GatedDictionary g) {
            return new StandardDictionary(g.wEnc(), g.bGate(), g.wDec(), g.bDec(), g.applyBDecToInput(), g.info());
        }
    }

    /** A member as written into sidecars and run signatures, in a fixed order (Map.of's differs from JVM to JVM). */
    static Map<String, Object> describe(SweepMember m) {
        Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("kind", m.kind() == SweepMember.Kind.TOPK ? "topk" : "relu_l1");
        if (m.kind() == SweepMember.Kind.TOPK) {
            d.put("k", m.k());
        } else {
            d.put("l1", m.l1());
        }
        d.put("d_sae", m.dSae());
        return d;
    }
}
