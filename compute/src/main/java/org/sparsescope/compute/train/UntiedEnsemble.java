package org.sparsescope.compute.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
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
 * Untied ReLU (L1) or TopK members: W_enc [E, d, n], b_enc [E, 1, n], W_dec [E, n, d], b_dec [E, 1, d]. The loss is
 * the reference's: decoder rows normalised in the forward pass, the encoder reading x − b_dec, MSE plus l1 × the
 * batch mean of Σc (TopK: MSE alone).
 */
final class UntiedEnsemble extends Ensemble {

    /** SAELens's rate for the running BatchTopK threshold (topk_threshold_lr). */
    static final float THRESHOLD_LR = 0.01f;
    /** BatchTopK members' running threshold [E]: an EMA of the smallest kept activation of each batch, from 0, as SAELens keeps it. */
    private final NDArray threshold;
    /** TopK kinds with AuxK: tokens since each latent last fired [E, n] (sparsify's num_tokens_since_fired); null without. */
    private NDArray tokensSinceFired;

    private float auxkAlpha;
    private long deadTokens;
    /**
     * TopK kinds multiply by the selected entries only ({@link SparseCodes}) when they are few: 128·k ≤ n. Measured at
     * d 512, n 16384, batch 4096 ({@code bench topk}, one run each): the sparse step is 2.5× faster at k 32, 1.8× at
     * k 128, even at k 256 and 4× slower at k 1024 (PyTorch's CPU sparse product does some 1/40 of the dense matmul's
     * work per second). Package-private so that a test can compare both paths on the same members.
     */
    boolean sparse;

    UntiedEnsemble(NDManager manager, List<SweepMember> members, int d, float[] dataMean, Random rnd) {
        super(manager, members, d, initial(manager, members, d, dataMean, rnd));
        threshold = kind == SweepMember.Kind.BATCH_TOPK ? manager.zeros(new Shape(members.size())) : null;
        sparse = kind.keepsK() && 128L * k <= n;
    }

    /** Turns on sparsify's AuxK loss for TopK and BatchTopK members (no effect on others). */
    @Override
    void useAuxK(NDManager manager, float alpha, long dead) {
        if (kind.keepsK() && alpha > 0) {
            auxkAlpha = alpha;
            deadTokens = dead;
            tokensSinceFired = manager.zeros(new Shape(e, n));
        }
    }

    @Override
    Map<String, NDArray> buffers() {
        Map<String, NDArray> b = new java.util.LinkedHashMap<>();
        if (threshold != null) {
            b.put("topk_threshold", threshold);
        }
        if (tokensSinceFired != null) {
            b.put("tokens_since_fired", tokensSinceFired);
        }
        return b;
    }

    private static Parameter[] initial(
            NDManager manager, List<SweepMember> members, int d, float[] dataMean, Random rnd) {
        int e = members.size(), n = members.get(0).dSae();
        float[] wEnc = new float[e * d * n],
                bEnc = new float[e * n],
                wDec = new float[e * n * d],
                bDec = new float[e * d];
        // W_enc ~ N(0, 1/d), W_dec = W_encᵀ, b_enc = 0, b_dec = the data mean. With this scale the reference sweep's
        // L0 is reproduced (within 3% at l1 1.4e-3 and 4.1e-3); Xavier-uniform, 1.6× smaller, gave 13–18% lower L0.
        double std = 1 / Math.sqrt(d);
        for (int m = 0; m < e; m++) {
            SweepMember member = members.get(m);
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
        return new Parameter[] {
            new Parameter(manager, "W_enc", wEnc, new Shape(e, d, n)),
                    new Parameter(manager, "b_enc", bEnc, new Shape(e, 1, n)),
            new Parameter(manager, "W_dec", wDec, new Shape(e, n, d)),
                    new Parameter(manager, "b_dec", bDec, new Shape(e, 1, d))
        };
    }

    @Override
    MemberStep stepMember(int m, NDArray x, float l1, int batch) {
        NDArray wEnc = params[0].value.get(m),
                bEnc = params[1].value.get(m),
                wDec = params[2].value.get(m),
                bDec = params[3].value.get(m);
        NDArray shift = bEnc.sub(bDec.matMul(wEnc)); // [1, n]: the encoder reads x − b_dec
        NDArray pre = x.matMul(wEnc).addi(shift); // [B, n]
        NDArray norms = wDec.norm(new int[] {1}, true); // [n, 1]
        NDArray wDecUnit = wDec.div(norms);
        Forward f = new Forward(m, x, batch, wEnc, bDec, pre, norms, wDecUnit);
        return sparse ? stepSparse(f) : stepDense(f, l1);
    }

    /** What both paths of a member's step start from. */
    private record Forward(
            int m, NDArray x, int batch, NDArray wEnc, NDArray bDec, NDArray pre, NDArray norms, NDArray wDecUnit) {}

    /** Every product dense; TopK kinds' selection made dense. */
    private MemberStep stepDense(Forward f, float l1) {
        NDArray codes = kind.keepsK() ? select(f).dense() : Activation.relu(f.pre());
        NDArray wDecUnit = f.wDecUnit();
        NDArray err = codes.matMul(wDecUnit).addi(f.bDec()).subi(f.x()); // x̂ − x, [B, d]
        NDArray active = codes.sign();
        NDArray gErr = err.mul(2f / ((float) f.batch() * d)); // ∂mse/∂x̂
        NDArray gWDecUnit = codes.transpose().matMul(gErr); // [n, d]
        NDArray gPre = gErr.matMul(wDecUnit.transpose()); // ∂/∂c of the MSE, [B, n]
        if (kind == SweepMember.Kind.RELU_L1) {
            gPre.addi(l1 / f.batch()); // ∂/∂c of l1 · mean_b Σc
        }
        gPre.muli(active);
        NDArray gBDecDirect = gErr.sum(new int[] {0}, true);
        if (tokensSinceFired != null) {
            Aux aux = auxK(f.m(), f.x(), f.pre(), wDecUnit, f.bDec(), err, false);
            if (aux != null) { // ∂L_aux/∂x̂_aux [B, d] back through the dead latents' codes
                NDArray dead = aux.codes().dense(), g = aux.gradient();
                gWDecUnit.addi(dead.transpose().matMul(g));
                gPre.addi(g.matMul(wDecUnit.transpose()).muli(dead.sign()));
                gBDecDirect = gBDecDirect.add(g.sum(new int[] {0}, true));
            }
            countFirings(f.m(), active.sum(new int[] {0}), f.batch());
        }
        NDArray gShift = gPre.sum(new int[] {0}, true); // [1, n]
        writeGradients(f, gWDecUnit, f.x().transpose().matMul(gPre), gShift, gBDecDirect);
        return new MemberStep(codes, active, err);
    }

    /**
     * TopK kinds with few features kept: the encoder stays dense (every pre-activation competes), the rest multiplies
     * by the selected entries only ({@link SparseCodes}); no [B, n] array is made after the encoder's.
     */
    private MemberStep stepSparse(Forward f) {
        long b = f.batch();
        SparseCodes codes = select(f);
        NDArray wDecUnit = f.wDecUnit();
        NDArray err = codes.times(wDecUnit).addi(f.bDec()).subi(f.x()); // x̂ − x, [B, d]
        NDArray gErr = err.mul(2f / ((float) b * d)); // ∂mse/∂x̂
        NDArray gWDecUnit = codes.transposeTimes(gErr); // [n, d]
        SparseCodes gPre = codes.sampled(gErr, wDecUnit); // ∂/∂c on the selected entries
        NDArray gBDecDirect = gErr.sum(new int[] {0}, true);
        NDArray gShift = gPre.columnSums(); // [1, n]
        NDArray gWEncFromX = gPre.transposeTimes(f.x()); // [n, d]
        if (tokensSinceFired != null) {
            Aux aux = auxK(f.m(), f.x(), f.pre(), wDecUnit, f.bDec(), err, true);
            if (aux != null) {
                NDArray g = aux.gradient();
                gWDecUnit.addi(aux.codes().transposeTimes(g));
                SparseCodes gPreAux = aux.codes().sampled(g, wDecUnit);
                gShift.addi(gPreAux.columnSums());
                gWEncFromX.addi(gPreAux.transposeTimes(f.x()));
                gBDecDirect = gBDecDirect.add(g.sum(new int[] {0}, true));
            }
            countFirings(f.m(), codes.firings(), f.batch());
        }
        writeGradients(f, gWDecUnit, gWEncFromX.transpose(), gShift, gBDecDirect);
        return new MemberStep(codes, err);
    }

    /**
     * The codes TopK kinds keep, selected from the pre-activations with the ReLU applied to what is kept (the same
     * codes as selecting after it, ReLU being monotone, without a pass over [B, n]): each row's k largest, or
     * BatchTopK's k·B largest across the batch.
     */
    private SparseCodes select(Forward f) {
        if (kind == SweepMember.Kind.TOPK) {
            NDList top = f.pre().topK(k, -1, true, false);
            return SparseCodes.ofRows(top.get(1), top.get(0).maximum(0f), n);
        }
        NDList top = batchTopK(f.m(), f.pre());
        return SparseCodes.ofFlat(top.get(1), top.get(0), f.batch(), n);
    }

    /** Member m's gradients from those of the unit decoder, of x W_enc, of the encoder's shift and of x̂. */
    private void writeGradients(Forward f, NDArray gWDecUnit, NDArray gWEncFromX, NDArray gShift, NDArray gBDecDirect) {
        NDIndex member = new NDIndex(f.m());
        NDArray u = f.wDecUnit();
        params[0].grad.set(member, gWEncFromX.subi(f.bDec().transpose().matMul(gShift)));
        params[1].grad.set(member, gShift);
        NDArray along = gWDecUnit.mul(u).sum(new int[] {1}, true); // g·u per row, [n, 1]
        params[2].grad.set(
                member,
                gWDecUnit.subi(u.mul(along)).divi(f.norms())); // through the row normalisation: (g − u (g·u)) / ‖w‖
        params[3].grad.set(member, gBDecDirect.sub(gShift.matMul(f.wEnc().transpose())));
    }

    /** sparsify's count: tokens since each latent fired, reset where it fired in this batch ({@code firings} [n]). */
    private void countFirings(int m, NDArray firings, int batch) {
        NDArray firedNow = firings.gt(0f).toType(DataType.FLOAT32, false);
        tokensSinceFired.set(
                new NDIndex(m),
                tokensSinceFired.get(m).add(batch).mul(firedNow.neg().add(1f)));
    }

    /**
     * SAELens's BatchTopK on pre-activations [B, n]: the k·B largest across the batch through the ReLU, as [values,
     * flat positions]; the running threshold θ ← (1 − lr) θ + lr · (smallest kept activation) is updated on the way,
     * what the saved JumpReLU threshold becomes.
     */
    private NDList batchTopK(int m, NDArray pre) {
        NDArray flat = pre.reshape(-1);
        NDList top =
                flat.topK((int) Math.min(flat.size(), (long) k * pre.getShape().get(0)), -1, true, false);
        NDArray values = top.get(0).maximum(0f);
        NDArray positive = values.get(values.gt(0f));
        if (positive.size() > 0) {
            float min = positive.min().getFloat();
            float was = threshold.getFloat(m);
            threshold.set(new NDIndex(m), (1 - THRESHOLD_LR) * was + THRESHOLD_LR * min);
        }
        return new NDList(values, top.get(1));
    }

    /** AuxK's part of a step: the dead latents' codes (k_aux per row) and ∂L_aux/∂x̂_aux [B, d]. */
    private record Aux(SparseCodes codes, NDArray gradient) {}

    /**
     * sparsify's AuxK: with D dead latents (not fired for {@code deadTokens} tokens), the top k_aux = min(d/2, D) dead
     * pre-activations of each row, through the ReLU, decode to x̂_aux = c_aux W_dec + b_dec, which should predict the
     * main error e = x̂ − x (held fixed, as sparsify detaches it): L_aux = α · min(D / (d/2), 1) · Σ (x̂_aux − e)² /
     * Σ (x − mean x)². Returns null when none is dead.
     */
    private Aux auxK(int m, NDArray x, NDArray pre, NDArray wDecUnit, NDArray bDec, NDArray err, boolean sparseDecode) {
        NDArray dead = tokensSinceFired.get(m).gt((float) deadTokens).toType(DataType.FLOAT32, false); // [n]
        int numDead = (int) dead.sum().getFloat();
        if (numDead == 0) {
            return null;
        }
        int kAux = Math.min(d / 2, numDead);
        double scale = Math.min(numDead / (double) (d / 2), 1.0);
        // living latents out of reach: far below any activation, so the top k_aux are dead ones
        NDArray candidates = pre.mul(dead).subi(dead.neg().add(1f).mul(1e30f));
        NDList top = candidates.topK(kAux, -1, true, false);
        SparseCodes codesAux = SparseCodes.ofRows(top.get(1), top.get(0).maximum(0f), n);
        NDArray xHatAux =
                (sparseDecode ? codesAux.times(wDecUnit) : codesAux.dense().matMul(wDecUnit)).add(bDec);
        float totalVariance = x.sub(x.mean(new int[] {0}, true)).square().sum().getFloat();
        NDArray g = xHatAux.sub(err).mul((float) (2 * auxkAlpha * scale / totalVariance));
        return new Aux(codesAux, g);
    }

    /**
     * Decoder row = a random batch input minus b_dec, normalised; encoder column = that row × 0.2 × the mean norm
     * of live encoder columns; b_enc 0.
     */
    @Override
    void resample(int m, boolean[] dead, Map<String, float[]> host, float[] batch, int batchRows, Random rnd) {
        float[] wEnc = host.get("W_enc"), bEnc = host.get("b_enc"), wDec = host.get("W_dec"), bDec = host.get("b_dec");
        double encScale = 0.2 * meanLiveNorm(dead, wEnc, (j, i) -> m * d * n + i * n + j);
        for (int j = 0; j < n; j++) {
            if (!dead[j]) {
                continue;
            }
            float[] u = randomDirection(batch, batchRows, bDec, m * d, rnd);
            for (int i = 0; i < d; i++) {
                int enc = m * d * n + i * n + j, dec = m * n * d + j * d + i;
                wDec[dec] = u[i];
                wEnc[enc] = (float) (u[i] * encScale);
                host.get("W_enc.exp_avg")[enc] = 0;
                host.get("W_enc.exp_avg_sq")[enc] = 0;
                host.get("W_dec.exp_avg")[dec] = 0;
                host.get("W_dec.exp_avg_sq")[dec] = 0;
            }
            bEnc[m * n + j] = 0;
            host.get("b_enc.exp_avg")[m * n + j] = 0;
            host.get("b_enc.exp_avg_sq")[m * n + j] = 0;
        }
    }

    /** Member m as a dictionary, decoder rows normalised as the forward pass uses them. */
    @Override
    Dictionary dictionary(int m, DictionaryInfo info) {
        float[] wEnc = slice(params[0].value, m),
                bEnc = slice(params[1].value, m),
                wDec = slice(params[2].value, m),
                bDec = slice(params[3].value, m);
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
        StandardDictionary base = new StandardDictionary(
                Tensor.ofFloats(new long[] {d, n}, wEnc),
                Tensor.ofFloats(new long[] {n}, bEnc),
                Tensor.ofFloats(new long[] {n, d}, wDec),
                Tensor.ofFloats(new long[] {d}, bDec),
                true,
                info);
        if (kind == SweepMember.Kind.BATCH_TOPK) { // saved as JumpReLU with the running threshold, as SAELens saves it
            float[] theta = new float[n];
            java.util.Arrays.fill(theta, threshold.getFloat(m));
            return new JumpReluDictionary(base, Tensor.ofFloats(new long[] {n}, theta));
        }
        return kind == SweepMember.Kind.TOPK ? new TopKDictionary(base, k) : base;
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
            StandardDictionary s = dict instanceof StandardDictionary sd
                    ? sd
                    : dict instanceof TiedDictionary td
                            ? td.toStandard()
                            : dict instanceof TopKDictionary tk
                                    ? tk.base()
                                    : dict instanceof JumpReluDictionary jr
                                            ? jr.base()
                                            : gatedAsStandard((GatedDictionary) dict);
            int d = s.dIn(), n = s.dSae();
            float[] wEnc = s.wEnc().floats(),
                    bEnc = s.bEnc().floats(),
                    wDec = s.wDec().floats(),
                    bDec = s.bDec().floats();
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
}
