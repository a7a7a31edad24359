package org.sparsescope.compute.intervene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Codec;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.dictionary.DictionaryInfo;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.Hooks;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.model.TokenWindows;
import org.sparsescope.compute.tensor.Tensor;

/**
 * The scorecard SAELens and SAEBench report, against definitions written here with plain loops: KL(p_clean ‖
 * p_spliced) of the next-token distribution averaged over positions, the KL score 1 − KL_spliced / KL_zero, and the
 * reconstruction's L1, cosine, L2 ratio and relative bias E‖x̂‖² / E[x·x̂]; and a dictionary that reconstructs
 * perfectly scoring KL 0.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScorecardTest {
    private static final HookPoint HOOK = HookPoint.parse("blocks.2.hook_resid_post");
    private LanguageModel model;
    private long[][] windows;

    @BeforeAll
    void load() throws Exception {
        model = LanguageModel.load(Reference.path("model"));
        windows = TokenWindows.consecutive(
                model.tokenizer().encode(Files.readString(Reference.path("corpus/test.txt"))), 64, 4);
    }

    @AfterAll
    void close() {
        model.close();
    }

    /** relu(x)·I − relu(−x)·I = x: every activation comes back exactly. */
    private static Dictionary perfect(int d) {
        float[] wEnc = new float[d * 2 * d], wDec = new float[2 * d * d];
        for (int i = 0; i < d; i++) {
            wEnc[i * 2 * d + i] = 1;
            wEnc[i * 2 * d + d + i] = -1;
            wDec[i * d + i] = 1;
            wDec[(d + i) * d + i] = -1;
        }
        return new StandardDictionary(
                Tensor.ofFloats(new long[] {d, 2 * d}, wEnc),
                Tensor.ofFloats(new long[] {2 * d}, new float[2 * d]),
                Tensor.ofFloats(new long[] {2 * d, d}, wDec),
                Tensor.ofFloats(new long[] {d}, new float[d]),
                false,
                DictionaryInfo.unknown("perfect"));
    }

    @Test
    void aDictionaryThatReconstructsPerfectlyHasKlZeroAndRecoversEverything() throws Exception {
        Dictionary d = perfect(model.config().dModel());
        try (Interventions iv = new Interventions(model, d, HOOK)) {
            Interventions.SpliceReport r = iv.splice(windows);
            assertEquals(0, r.klSpliced(), 1e-6);
            assertEquals(1, r.klScore(), 1e-6);
            assertEquals(1, r.ceLossRecovered(), 1e-6);
            assertTrue(
                    r.klZeroAblation() > 0.1,
                    "zero-ablating the residual stream changes the prediction: " + r.klZeroAblation());
            assertEquals(4L * 64, r.klPositions());
        }
        try (ActivationSet set = ActivationSet.open(Reference.path("chunks/0.npy"), HOOK, "reference")) {
            DictionaryMetrics m = DictionaryMetrics.evaluate(d, set, 0, 2048);
            assertEquals(0, m.fvu(), 1e-12);
            assertEquals(1, m.cosine(), 1e-9);
            assertEquals(1, m.l2Ratio(), 1e-9);
            assertEquals(1, m.relativeBias(), 1e-9);
        }
    }

    @Test
    void klAndItsScoreAreTheDefinitionOverEveryPosition() throws Exception {
        Dictionary d = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        double klSpliced = 0, klZero = 0;
        long positions = 0;
        try (Interventions iv = new Interventions(model, d, HOOK);
                NDManager m = model.newScope()) {
            Interventions.SpliceReport r = iv.splice(windows);
            NDArray ids = model.idsArray(m, windows);
            float[] clean =
                    model.run(ids, Hooks.builder().logits().build()).logits().toFloatArray();
            float[] spliced = model.run(
                            ids,
                            Hooks.builder()
                                    .logits()
                                    .replace(iv.hook(), iv.hookFunction(new Intervention.Splice()))
                                    .build())
                    .logits()
                    .toFloatArray();
            float[] zero = model.run(
                            ids,
                            Hooks.builder()
                                    .logits()
                                    .replace(iv.hook(), iv.hookFunction(new Intervention.ZeroAblation()))
                                    .build())
                    .logits()
                    .toFloatArray();
            int v = model.config().vocabSize();
            for (int at = 0; at < clean.length; at += v) {
                klSpliced += kl(clean, spliced, at, v);
                klZero += kl(clean, zero, at, v);
                positions++;
            }
            assertEquals(klSpliced / positions, r.klSpliced(), 1e-6 * Math.max(1, klSpliced / positions));
            assertEquals(klZero / positions, r.klZeroAblation(), 1e-6 * Math.max(1, klZero / positions));
            assertEquals(1 - klSpliced / klZero, r.klScore(), 1e-6);
            assertTrue(
                    r.klSpliced() > 0 && r.klScore() > 0 && r.klScore() < 1,
                    "an imperfect dictionary costs something: " + r);
        }
    }

    private static double kl(float[] p, float[] q, int at, int v) {
        double maxP = Double.NEGATIVE_INFINITY, maxQ = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) {
            maxP = Math.max(maxP, p[at + i]);
            maxQ = Math.max(maxQ, q[at + i]);
        }
        double zp = 0, zq = 0;
        for (int i = 0; i < v; i++) {
            zp += Math.exp(p[at + i] - maxP);
            zq += Math.exp(q[at + i] - maxQ);
        }
        double kl = 0;
        for (int i = 0; i < v; i++) {
            double lp = p[at + i] - maxP - Math.log(zp), lq = q[at + i] - maxQ - Math.log(zq);
            kl += Math.exp(lp) * (lp - lq);
        }
        return kl;
    }

    @Test
    void reconstructionShapeIsTheDefinitionOverRows() throws Exception {
        Dictionary d = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        try (ActivationSet set = ActivationSet.open(Reference.path("chunks/0.npy"), HOOK, "reference");
                NDManager m = NDManager.newBaseManager()) {
            int rows = 1500, dim = set.d();
            float[] x = set.readRows(0, rows);
            Codec codec = d.codec(m);
            NDArray c = codec.encode(m.create(x, new Shape(rows, dim)));
            float[] codes = c.toFloatArray(), recon = codec.decode(c).toFloatArray();
            double l1 = 0, cos = 0, ratio = 0, reconSq = 0, dot = 0;
            for (int r = 0; r < rows; r++) {
                double xx = 0, rr = 0, xr = 0;
                for (int i = 0; i < dim; i++) {
                    double a = x[r * dim + i], b = recon[r * dim + i];
                    xx += a * a;
                    rr += b * b;
                    xr += a * b;
                }
                for (int j = 0; j < d.dSae(); j++) {
                    l1 += Math.abs(codes[r * d.dSae() + j]);
                }
                cos += xr / (Math.sqrt(xx) * Math.sqrt(rr));
                ratio += Math.sqrt(rr) / Math.sqrt(xx);
                reconSq += rr;
                dot += xr;
            }
            DictionaryMetrics got = DictionaryMetrics.evaluate(d, set, 0, rows);
            assertEquals(l1 / rows, got.l1(), 1e-5 * l1 / rows);
            assertEquals(cos / rows, got.cosine(), 1e-6);
            assertEquals(ratio / rows, got.l2Ratio(), 1e-6);
            assertEquals(reconSq / dot, got.relativeBias(), 1e-6);
            assertTrue(got.l2Ratio() < 1, "an L1 dictionary shrinks: " + got.l2Ratio());
        }
    }
}
