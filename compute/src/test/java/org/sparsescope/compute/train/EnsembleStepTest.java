package org.sparsescope.compute.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparsescope.compute.dictionary.TopKDictionary;
import org.sparsescope.compute.model.HookPoint;

/**
 * The trainer's hand-written gradients against autograd on the losses, written here the plain way. Untied:
 * c = relu((x − b_dec) W_enc + b_enc) (TopK: the k largest kept), x̂ = c (W_dec / ‖W_dec‖rows) + b_dec,
 * loss = mean((x̂ − x)²) + l1 · mean_b Σ_j c (TopK: no L1 term). Tied (the research code's FunctionalTiedSAE):
 * D = encoder / max(‖encoder‖rows, 1e-8), x_c = x − trans, c = relu(x_c Dᵀ + b), loss = mean((c D − x_c)²) +
 * l1 · mean_b Σ_j c. Summed over members.
 */
class EnsembleStepTest {
    private static final int D = 24, N = 40, B = 64;

    /** The loss of member e, from parameters by name, as a plain autograd expression. */
    private static NDArray loss(Ensemble ens, Map<String, NDArray> p, int e, NDArray x, float l1) {
        if (ens.kind == SweepMember.Kind.TIED_L1) {
            NDArray enc = p.get("encoder").get(e), b = p.get("encoder_bias").get(e);
            NDArray dict = enc.div(enc.norm(new int[] {1}, true).maximum(1e-8f));
            NDArray xc = x.sub(ens.buffers().get("center_trans").get(e));
            NDArray codes = Activation.relu(xc.matMul(dict.transpose()).add(b));
            return codes.matMul(dict)
                    .sub(xc)
                    .square()
                    .mean()
                    .add(codes.sum(new int[] {1}).mean().mul(l1));
        }
        NDArray wEnc = p.get("W_enc").get(e),
                bEnc = p.get("b_enc").get(e),
                wDec = p.get("W_dec").get(e),
                bDec = p.get("b_dec").get(e);
        NDArray codes = Activation.relu(x.sub(bDec).matMul(wEnc).add(bEnc));
        if (ens.kind == SweepMember.Kind.TOPK) {
            codes = TopKDictionary.keepTopK(codes, ens.k);
        } else if (ens.kind == SweepMember.Kind.BATCH_TOPK) {
            codes = batchTopK(codes, ens.k);
        }
        NDArray xHat = codes.matMul(wDec.div(wDec.norm(new int[] {1}, true))).add(bDec);
        NDArray loss = xHat.sub(x).square().mean();
        return ens.kind == SweepMember.Kind.RELU_L1
                ? loss.add(codes.sum(new int[] {1}).mean().mul(l1))
                : loss;
    }

    /** The k·B largest entries of codes [B, n], the rest zeroed, written plainly: a threshold at the (k·B)-th largest. */
    private static NDArray batchTopK(NDArray codes, int k) {
        float[] all = codes.toFloatArray();
        float[] sorted = all.clone();
        java.util.Arrays.sort(sorted);
        float kth = sorted[sorted.length - k * (int) codes.getShape().get(0)];
        return codes.mul(codes.gte(kth).toType(ai.djl.ndarray.types.DataType.FLOAT32, false));
    }

    /** Autograd's gradients of the summed loss at the ensemble's current parameters, by parameter name. */
    private static Map<String, float[]> referenceGradients(Ensemble ens, NDArray x, float l1Scale) {
        Map<String, NDArray> p = new LinkedHashMap<>();
        for (Parameter q : ens.params) {
            NDArray copy = q.value.duplicate();
            copy.setRequiresGradient(true);
            p.put(q.name, copy);
        }
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray total = null;
            for (int e = 0; e < ens.e; e++) {
                NDArray l = loss(ens, p, e, x, (float) ens.members.get(e).l1() * l1Scale);
                total = total == null ? l : total.add(l);
            }
            gc.backward(total);
        }
        Map<String, float[]> g = new LinkedHashMap<>();
        p.forEach((name, a) -> g.put(name, a.getGradient().toFloatArray()));
        return g;
    }

    private static Ensemble ensemble(NDManager m, List<SweepMember> members, Random rnd) {
        float[] mean = new float[D];
        for (int i = 0; i < D; i++) {
            mean[i] = (float) rnd.nextGaussian(); // a non-zero b_dec or centring, so that its paths count
        }
        return Ensemble.of(m, members, D, mean, rnd);
    }

    private static NDArray batch(NDManager m, Random rnd) {
        float[] x = new float[B * D];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() + (i % D) * 0.05);
        }
        return m.create(x, new Shape(B, D));
    }

    private static void assertSameGradients(List<SweepMember> members, String... names) {
        assertSameGradients(members, null, names);
    }

    /** {@code sparse}: the TopK path to force, or null for the one the ensemble chooses. */
    private static void assertSameGradients(List<SweepMember> members, Boolean sparse, String... names) {
        try (NDManager m = NDManager.newBaseManager()) {
            Random rnd = new Random(7);
            Ensemble ens = ensemble(m, members, rnd);
            if (sparse != null) {
                ((UntiedEnsemble) ens).sparse = sparse;
            }
            NDArray x = batch(m, rnd);
            Map<String, float[]> expected = referenceGradients(ens, x, 0.6f);
            ens.step(x, 0.6f, 1, 0.0, false, false, false); // lr 0: the weights stay, the gradients are kept
            assertEquals(List.of(names), expected.keySet().stream().toList(), "the parameters are named");
            for (String name : names) {
                assertClose(expected.get(name), ens.parameter(name).grad.toFloatArray(), 1e-5, name + " gradient");
            }
        }
    }

    @Test
    void l1SweepGradientsEqualAutogradsOnTheReferenceLoss() {
        assertSameGradients(
                List.of(SweepMember.l1(N, 3e-3), SweepMember.l1(N, 3e-2)), "W_enc", "b_enc", "W_dec", "b_dec");
    }

    @Test
    void topKGradientsEqualAutogradsOnTheReferenceLoss() {
        assertSameGradients(
                List.of(SweepMember.topK(N, 5), SweepMember.topK(N, 5)), "W_enc", "b_enc", "W_dec", "b_dec");
    }

    @Test
    void topKChoosesTheSparseStepWhenFewRowsAreSelectedAndBothPathsEqualAutograd() {
        try (NDManager m = NDManager.newBaseManager()) {
            assertTrue(
                    ((UntiedEnsemble) ensemble(m, List.of(SweepMember.topK(2048, 16)), new Random(1))).sparse,
                    "128k = n: sparse");
            assertTrue(
                    !((UntiedEnsemble) ensemble(m, List.of(SweepMember.topK(2048, 17)), new Random(1))).sparse,
                    "128k > n: dense");
            assertTrue(
                    ((UntiedEnsemble) ensemble(m, List.of(SweepMember.batchTopK(4096, 32)), new Random(1))).sparse,
                    "BatchTopK alike");
            assertTrue(
                    !((UntiedEnsemble) ensemble(m, List.of(SweepMember.l1(N, 1e-3)), new Random(1))).sparse,
                    "L1: dense");
        }
        for (boolean sparse : new boolean[] {true, false}) {
            assertSameGradients(
                    List.of(SweepMember.topK(N, 5), SweepMember.topK(N, 5)),
                    sparse,
                    "W_enc",
                    "b_enc",
                    "W_dec",
                    "b_dec");
            assertSameGradients(List.of(SweepMember.batchTopK(N, 5)), sparse, "W_enc", "b_enc", "W_dec", "b_dec");
        }
    }

    /**
     * The sparse and the dense TopK step on twin ensembles (same start, same batches): the same gradients (1e-5 of the
     * largest) and, after three Adam steps, the same weights (1e-6) — with and without AuxK, for TopK and BatchTopK.
     */
    @Test
    void sparseAndDenseTopKStepsGiveTheSameGradientsAndTheSameWeightsAfterThreeAdamSteps() {
        int n = 256, k = 8, d = 32, b = 128;
        for (SweepMember member : List.of(SweepMember.topK(n, k), SweepMember.batchTopK(n, k))) {
            for (boolean auxK : new boolean[] {false, true}) {
                try (NDManager m = NDManager.newBaseManager()) {
                    Ensemble[] twins = new Ensemble[2];
                    for (int i = 0; i < 2; i++) {
                        Random init = new Random(21);
                        float[] mean = new float[d];
                        for (int j = 0; j < d; j++) {
                            mean[j] = (float) init.nextGaussian();
                        }
                        twins[i] = Ensemble.of(m, List.of(member), d, mean, init);
                        ((UntiedEnsemble) twins[i]).sparse = i == 0;
                        if (auxK) {
                            twins[i].useAuxK(m, 1f / 32, 100); // dead after 100 tokens: some die within the steps
                            float[] since = new float[n];
                            for (int j = 0; j < n; j += 2) {
                                since[j] = 1000;
                            }
                            twins[i].buffers().get("tokens_since_fired").set(java.nio.FloatBuffer.wrap(since));
                        }
                    }
                    Random data = new Random(22);
                    String what = member.kind() + (auxK ? " with AuxK" : "");
                    for (int t = 1; t <= 3; t++) {
                        float[] rows = new float[b * d];
                        for (int i = 0; i < rows.length; i++) {
                            rows[i] = (float) (data.nextGaussian() + (i % d) * 0.05);
                        }
                        NDArray x = m.create(rows, new Shape(b, d));
                        for (Ensemble ens : twins) {
                            ens.step(x, 1f, t, 1e-3, false, false, false);
                        }
                        for (Parameter dense : twins[1].params) {
                            Parameter sparse = twins[0].parameter(dense.name);
                            if (t == 1) {
                                assertClose(
                                        dense.grad.toFloatArray(),
                                        sparse.grad.toFloatArray(),
                                        1e-5,
                                        what + " gradient of " + dense.name);
                            }
                            assertClose(
                                    dense.value.toFloatArray(),
                                    sparse.value.toFloatArray(),
                                    1e-6,
                                    what + " step " + t + " " + dense.name);
                        }
                    }
                }
            }
        }
    }

    /** Equal within {@code relative} of the largest magnitude in {@code want}, which must not be all zero. */
    private static void assertClose(float[] want, float[] got, double relative, String what) {
        double scale = 0;
        for (float v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertTrue(scale > 0, what + " is not all zero");
        for (int j = 0; j < want.length; j++) {
            assertEquals(want[j], got[j], relative * scale, what + "[" + j + "]");
        }
    }

    @Test
    void batchTopKGradientsEqualAutogradsOnTheReferenceLoss() {
        assertSameGradients(
                List.of(SweepMember.batchTopK(N, 5), SweepMember.batchTopK(N, 5)), "W_enc", "b_enc", "W_dec", "b_dec");
    }

    @Test
    void batchTopKKeepsKPerTokenOnAverageAndIsSavedAsJumpReluWithSaeLensRunningThreshold() {
        try (NDManager m = NDManager.newBaseManager()) {
            Random rnd = new Random(11);
            int k = 4;
            Ensemble ens = ensemble(m, List.of(SweepMember.batchTopK(N, k)), rnd);
            double theta = 0;
            for (int t = 1; t <= 3; t++) {
                NDArray x = batch(m, rnd);
                // the step's codes, plainly, at the weights the step starts from
                NDArray wEnc = ens.parameter("W_enc").value.get(0),
                        bEnc = ens.parameter("b_enc").value.get(0),
                        bDec = ens.parameter("b_dec").value.get(0);
                NDArray codes =
                        batchTopK(Activation.relu(x.sub(bDec).matMul(wEnc).add(bEnc)), k);
                float[] c = codes.toFloatArray();
                long kept = 0;
                float min = Float.MAX_VALUE;
                for (float v : c) {
                    if (v > 0) {
                        kept++;
                        min = Math.min(min, v);
                    }
                }
                assertEquals((double) k, (double) kept / B, 1e-9, "the batch's mean L0 is k");
                Ensemble.StepStats s = ens.step(x, 1f, t, 1e-3, false, false, true);
                assertEquals(k, s.l0()[0], 1e-6, "the step's own L0");
                theta = (1 - 0.01) * theta + 0.01 * min; // SAELens's update_topk_threshold, from 0
            }
            var saved = ens.dictionary(
                    0,
                    new org.sparsescope.compute.dictionary.DictionaryInfo(
                            HookPoint.parse("blocks.0.hook_resid_post"), "m", "test", Map.of()));
            assertTrue(saved instanceof org.sparsescope.compute.dictionary.JumpReluDictionary, "saved as JumpReLU");
            for (float v : ((org.sparsescope.compute.dictionary.JumpReluDictionary) saved)
                    .threshold()
                    .floats()) {
                assertEquals(theta, v, 1e-6 * Math.max(1, theta), "every feature's threshold is the running estimate");
            }
        }
    }

    @Test
    void auxKGradientsEqualAutogradsOnSparsifysLossWrittenPlainly() {
        for (SweepMember member : List.of(SweepMember.topK(N, 5), SweepMember.batchTopK(N, 5))) {
            try (NDManager m = NDManager.newBaseManager()) {
                Random rnd = new Random(13);
                Ensemble ens = ensemble(m, List.of(member), rnd);
                float alpha = 1f / 32;
                long deadAfter = 1000;
                ens.useAuxK(m, alpha, deadAfter);
                // every third latent dead: not fired for more than the window
                float[] since = new float[N];
                for (int j = 0; j < N; j += 3) {
                    since[j] = deadAfter + 1;
                }
                ens.buffers().get("tokens_since_fired").set(java.nio.FloatBuffer.wrap(since));
                int numDead = (N + 2) / 3, kAux = Math.min(D / 2, numDead);
                double scale = Math.min(numDead / (double) (D / 2), 1.0);
                NDArray x = batch(m, rnd);
                Map<String, NDArray> p = new LinkedHashMap<>();
                for (Parameter q : ens.params) {
                    NDArray copy = q.value.duplicate();
                    copy.setRequiresGradient(true);
                    p.put(q.name, copy);
                }
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray wEnc = p.get("W_enc").get(0),
                            bEnc = p.get("b_enc").get(0),
                            wDec = p.get("W_dec").get(0),
                            bDec = p.get("b_dec").get(0);
                    NDArray pre = Activation.relu(x.sub(bDec).matMul(wEnc).add(bEnc));
                    NDArray codes = member.kind() == SweepMember.Kind.TOPK
                            ? TopKDictionary.keepTopK(pre, 5)
                            : batchTopK(pre, 5);
                    NDArray unit = wDec.div(wDec.norm(new int[] {1}, true));
                    NDArray e = codes.matMul(unit).add(bDec).sub(x);
                    NDArray deadMask =
                            m.create(since).gt((float) deadAfter).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
                    NDArray auxCodes = TopKDictionary.keepTopK(
                            pre.mul(deadMask).sub(deadMask.neg().add(1f).mul(1e30f)), kAux);
                    NDArray eHat = auxCodes.matMul(unit).add(bDec);
                    float tv = x.sub(x.mean(new int[] {0}, true)).square().sum().getFloat();
                    NDArray aux = eHat.sub(e.stopGradient()).square().sum().mul((float) (alpha * scale / tv));
                    gc.backward(e.square().mean().add(aux));
                }
                ens.step(x, 1f, 1, 0.0, false, false, false);
                for (String name : List.of("W_enc", "b_enc", "W_dec", "b_dec")) {
                    float[] got = ens.parameter(name).grad.toFloatArray(),
                            want = p.get(name).getGradient().toFloatArray();
                    double worst = 0;
                    for (float v : want) {
                        worst = Math.max(worst, Math.abs(v));
                    }
                    for (int j = 0; j < got.length; j++) {
                        assertEquals(want[j], got[j], 1e-5 * worst, member.kind() + " " + name + "[" + j + "]");
                    }
                }
                // and the dead latents' counts: reset where a latent fired, else grown by the batch
                float[] after = ens.buffers().get("tokens_since_fired").toFloatArray();
                assertTrue(after[1] == 0 || after[1] == B, "a live latent's count is reset or grows by B");
            }
        }
    }

    @Test
    void tiedGradientsEqualAutogradsOnTheResearchCodesLoss() {
        assertSameGradients(List.of(SweepMember.tied(N, 3e-3), SweepMember.tied(N, 3e-2)), "encoder", "encoder_bias");
    }

    @Test
    void tiedInitialisationIsXavierUniformWithZeroBias() {
        try (NDManager m = NDManager.newBaseManager()) {
            Ensemble ens = ensemble(m, List.of(SweepMember.tied(N, 1e-3)), new Random(1));
            float[] enc = ens.parameter("encoder").value.toFloatArray();
            double bound = Math.sqrt(6.0 / (N + D)), sumSq = 0;
            for (float v : enc) {
                assertTrue(Math.abs(v) <= bound, "inside ±√(6/(n+d))");
                sumSq += v * v;
            }
            assertEquals(
                    bound * bound / 3,
                    sumSq / enc.length,
                    0.15 * bound * bound / 3,
                    "the variance of U(−a, a) is a²/3");
            for (float b : ens.parameter("encoder_bias").value.toFloatArray()) {
                assertEquals(0f, b);
            }
        }
    }

    @Test
    void threeAdamStepsOfATiedMemberArePyTorchsUpdateOfAutogradsGradients() {
        try (NDManager m = NDManager.newBaseManager()) {
            Random rnd = new Random(5);
            Ensemble ens = ensemble(m, List.of(SweepMember.tied(N, 2e-2)), rnd);
            double lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
            Map<String, double[]> w = new LinkedHashMap<>(), m1 = new LinkedHashMap<>(), m2 = new LinkedHashMap<>();
            for (Parameter p : ens.params) {
                w.put(p.name, toDoubles(p.value.toFloatArray()));
                m1.put(p.name, new double[w.get(p.name).length]);
                m2.put(p.name, new double[w.get(p.name).length]);
            }
            for (int t = 1; t <= 3; t++) {
                NDArray x = batch(m, rnd);
                Map<String, float[]> g =
                        referenceGradients(ens, x, 1f); // at the ensemble's weights, equal to w's within float rounding
                ens.step(x, 1f, t, lr, false, false, false);
                for (Parameter p : ens.params) { // torch.optim.Adam, as documented
                    double[] wp = w.get(p.name), a = m1.get(p.name), v = m2.get(p.name);
                    float[] gp = g.get(p.name), got = p.value.toFloatArray();
                    for (int j = 0; j < wp.length; j++) {
                        a[j] = b1 * a[j] + (1 - b1) * gp[j];
                        v[j] = b2 * v[j] + (1 - b2) * gp[j] * gp[j];
                        double mHat = a[j] / (1 - Math.pow(b1, t)), vHat = v[j] / (1 - Math.pow(b2, t));
                        wp[j] -= lr * mHat / (Math.sqrt(vHat) + eps);
                        assertEquals(
                                wp[j],
                                got[j],
                                2e-6 * Math.max(1, Math.abs(wp[j])),
                                "step " + t + " " + p.name + "[" + j + "]");
                    }
                }
            }
        }
    }

    @Test
    void adamStepIsPyTorchsUpdate() {
        try (NDManager m = NDManager.newBaseManager()) {
            Random rnd = new Random(3);
            Ensemble ens = Ensemble.of(m, List.of(SweepMember.l1(N, 1e-3)), D, new float[D], rnd);
            Parameter wEnc = ens.parameter("W_enc");
            double lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
            double[] w = toDoubles(wEnc.value.toFloatArray()), m1 = new double[w.length], m2 = new double[w.length];
            for (int t = 1; t <= 3; t++) {
                float[] g = new float[w.length];
                for (int j = 0; j < g.length; j++) {
                    g[j] = (float) (rnd.nextGaussian() * (j % 7 == 0 ? 1e-6 : 1e-2)); // tiny gradients feel ε's place
                }
                wEnc.grad.set(java.nio.FloatBuffer.wrap(g));
                ens.adamStep(t, lr);
                for (int j = 0; j < w.length; j++) { // torch.optim.Adam, as documented
                    m1[j] = b1 * m1[j] + (1 - b1) * g[j];
                    m2[j] = b2 * m2[j] + (1 - b2) * g[j] * g[j];
                    double mHat = m1[j] / (1 - Math.pow(b1, t)), vHat = m2[j] / (1 - Math.pow(b2, t));
                    w[j] -= lr * mHat / (Math.sqrt(vHat) + eps);
                }
                float[] got = wEnc.value.toFloatArray();
                for (int j = 0; j < w.length; j++) {
                    assertEquals(w[j], got[j], 2e-7 * Math.max(1, Math.abs(w[j])), "step " + t + " weight " + j);
                }
            }
        }
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
