package org.sparsescope.compute.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparsescope.compute.dictionary.TopKDictionary;

/**
 * The trainer's hand-written gradients against autograd on the reference loss, written here the plain way:
 * c = relu((x − b_dec) W_enc + b_enc) (TopK: the k largest kept), x̂ = c (W_dec / ‖W_dec‖rows) + b_dec,
 * loss = mean((x̂ − x)²) + l1 · mean_b Σ_j c (TopK: no L1 term), summed over members.
 */
class EnsembleStepTest {
    private static final int D = 24, N = 40, B = 64;

    private static float[][] referenceGradients(NDManager m, Ensemble ens, NDArray x, float l1Scale, float[] l1) {
        NDArray[] p = new NDArray[4];
        for (int i = 0; i < 4; i++) {
            p[i] = ens.params[i].duplicate();
            p[i].setRequiresGradient(true);
        }
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray total = null;
            for (int e = 0; e < ens.e; e++) {
                NDArray wEnc = p[0].get(e), bEnc = p[1].get(e), wDec = p[2].get(e), bDec = p[3].get(e);
                NDArray codes = Activation.relu(x.sub(bDec).matMul(wEnc).add(bEnc));
                if (ens.kind == SweepMember.Kind.TOPK) {
                    codes = TopKDictionary.keepTopK(codes, ens.k);
                }
                NDArray xHat = codes.matMul(wDec.div(wDec.norm(new int[] {1}, true))).add(bDec);
                NDArray loss = xHat.sub(x).square().mean();
                if (ens.kind == SweepMember.Kind.RELU_L1) {
                    loss = loss.add(codes.sum(new int[] {1}).mean().mul(l1[e] * l1Scale));
                }
                total = total == null ? loss : total.add(loss);
            }
            gc.backward(total);
        }
        float[][] g = new float[4][];
        for (int i = 0; i < 4; i++) {
            g[i] = p[i].getGradient().toFloatArray();
        }
        return g;
    }

    private static void assertSameGradients(List<SweepMember> members) {
        try (NDManager m = NDManager.newBaseManager()) {
            Random rnd = new Random(7);
            float[] mean = new float[D];
            for (int i = 0; i < D; i++) {
                mean[i] = (float) rnd.nextGaussian(); // a non-zero b_dec, so that its paths through the encoder count
            }
            Ensemble ens = new Ensemble(m, members, D, mean, rnd);
            NDArray x = m.randomNormal(new Shape(B, D)).add(m.create(mean));
            float[] l1 = new float[members.size()];
            for (int i = 0; i < l1.length; i++) {
                l1[i] = (float) members.get(i).l1();
            }
            float[][] expected = referenceGradients(m, ens, x, 0.6f, l1);
            ens.step(x, 0.6f, 1, 0.0, false, false); // lr 0: the weights stay, the gradients are kept
            String[] names = {"W_enc", "b_enc", "W_dec", "b_dec"};
            for (int i = 0; i < 4; i++) {
                float[] got = ens.grads[i].toFloatArray();
                double scale = 0;
                for (float v : expected[i]) {
                    scale = Math.max(scale, Math.abs(v));
                }
                assertTrue(scale > 0, names[i] + " has a gradient");
                for (int j = 0; j < got.length; j++) {
                    assertEquals(expected[i][j], got[j], 1e-5 * scale, names[i] + "[" + j + "]");
                }
            }
        }
    }

    @Test
    void l1SweepGradientsEqualAutogradsOnTheReferenceLoss() {
        assertSameGradients(List.of(SweepMember.l1(N, 3e-3), SweepMember.l1(N, 3e-2)));
    }

    @Test
    void topKGradientsEqualAutogradsOnTheReferenceLoss() {
        assertSameGradients(List.of(SweepMember.topK(N, 5), SweepMember.topK(N, 5)));
    }

    @Test
    void adamStepIsPyTorchsUpdate() {
        try (NDManager m = NDManager.newBaseManager()) {
            Random rnd = new Random(3);
            Ensemble ens = new Ensemble(m, List.of(SweepMember.l1(N, 1e-3)), D, new float[D], rnd);
            double lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
            double[] w = toDoubles(ens.params[0].toFloatArray()), m1 = new double[w.length], m2 = new double[w.length];
            for (int t = 1; t <= 3; t++) {
                float[] g = new float[w.length];
                for (int j = 0; j < g.length; j++) {
                    g[j] = (float) (rnd.nextGaussian() * (j % 7 == 0 ? 1e-6 : 1e-2)); // tiny gradients feel ε's place
                }
                ens.grads[0].set(java.nio.FloatBuffer.wrap(g));
                ens.adamStep(t, lr);
                for (int j = 0; j < w.length; j++) { // torch.optim.Adam, as documented
                    m1[j] = b1 * m1[j] + (1 - b1) * g[j];
                    m2[j] = b2 * m2[j] + (1 - b2) * g[j] * g[j];
                    double mHat = m1[j] / (1 - Math.pow(b1, t)), vHat = m2[j] / (1 - Math.pow(b2, t));
                    w[j] -= lr * mHat / (Math.sqrt(vHat) + eps);
                }
                float[] got = ens.params[0].toFloatArray();
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
