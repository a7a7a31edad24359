package org.sparsescope.compute.intervene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.dictionary.InputNormalization;
import org.sparsescope.compute.dictionary.NormalizedDictionary;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;

/**
 * A dictionary that normalises each row (OpenAI's layer norm, SAELens's constant_norm_rescale) reconstructs, ablates,
 * steers and is measured in activation space: every number against the definition written here with plain loops,
 * x̂ = dec(enc((x − μ) / s_in)) · s_out + μ, on the reference dictionary wrapped in each normalisation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NormalizedDictionaryTest {
    private static final HookPoint HOOK = HookPoint.parse("blocks.2.hook_resid_post");
    private static final int ROWS = 256;
    private LanguageModel model;
    private StandardDictionary inner;
    private float[] x;
    private int d, n;

    @BeforeAll
    void load() throws Exception {
        model = LanguageModel.load(Reference.path("model"));
        inner = (StandardDictionary) DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        d = inner.dIn();
        n = inner.dSae();
        try (ActivationSet set = ActivationSet.open(Reference.path("chunks/0.npy"), HOOK, "reference")) {
            x = set.readRows(0, ROWS);
        }
    }

    @AfterAll
    void close() {
        model.close();
    }

    private static InputNormalization named(String name) {
        return name.equals("layer_norm")
                ? new InputNormalization.LayerNorm(1e-5)
                : new InputNormalization.ConstantNormRescale();
    }

    /** Row r's μ, s_in and s_out under {@code name}, in double. */
    private double[] stats(String name, int r) {
        double sum = 0, sq = 0;
        for (int j = 0; j < d; j++) {
            sum += x[r * d + j];
            sq += (double) x[r * d + j] * x[r * d + j];
        }
        if (name.equals("constant_norm_rescale")) {
            double s = Math.sqrt(sq) / Math.sqrt(d); // x · √d / ‖x‖ in, ÷ that coefficient out
            return new double[] {0, s, s};
        }
        double mean = sum / d, var = 0;
        for (int j = 0; j < d; j++) {
            var += (x[r * d + j] - mean) * (x[r * d + j] - mean);
        }
        double std = Math.sqrt(var / (d - 1)); // torch's unbiased std
        return new double[] {mean, std + 1e-5, std};
    }

    /** Row r's codes in double: relu((x' − b_dec) W_enc + b_enc). */
    private double[] codes(String name, int r) {
        double[] st = stats(name, r);
        float[] wEnc = inner.wEnc().floats(),
                bEnc = inner.bEnc().floats(),
                bDec = inner.bDec().floats();
        double[] c = new double[n];
        for (int f = 0; f < n; f++) {
            double pre = bEnc[f];
            for (int j = 0; j < d; j++) {
                pre += ((x[r * d + j] - st[0]) / st[1] - bDec[j]) * wEnc[j * n + f];
            }
            c[f] = Math.max(pre, 0);
        }
        return c;
    }

    /** Σ_f c_f W_dec[f] (+ b_dec when {@code withBias}), at row r's output scale, plus μ when {@code withMean}. */
    private double[] written(String name, int r, double[] c, boolean withBias, boolean withMean) {
        double[] st = stats(name, r);
        float[] wDec = inner.wDec().floats(), bDec = inner.bDec().floats();
        double[] out = new double[d];
        for (int j = 0; j < d; j++) {
            double v = withBias ? bDec[j] : 0;
            for (int f = 0; f < n; f++) {
                v += c[f] * wDec[f * d + j];
            }
            out[j] = v * st[2] + (withMean ? st[0] : 0);
        }
        return out;
    }

    private float[] hook(Interventions iv, Intervention what) {
        try (NDManager m = model.newScope()) {
            NDArray in = m.create(x, new Shape(1, ROWS, d));
            return iv.hookFunction(what).apply(in).toFloatArray();
        }
    }

    private static void assertRowsClose(double[][] want, float[] got, int d, String what) {
        double worst = 0;
        for (int r = 0; r < want.length; r++) {
            for (int j = 0; j < d; j++) {
                worst = Math.max(worst, Math.abs(want[r][j] - got[r * d + j]) / (1 + Math.abs(want[r][j])));
            }
        }
        assertTrue(worst < 1e-4, what + " differs by " + worst);
    }

    @ParameterizedTest(name = "{0}: splice, ablation and steering happen in activation space")
    @ValueSource(strings = {"layer_norm", "constant_norm_rescale"})
    void interventionsUndoEachRowsNormalisation(String name) throws Exception {
        Dictionary dict = new NormalizedDictionary(inner, named(name));
        int feature = strongest(name);
        double alpha = 3.5;
        double[][] splice = new double[ROWS][], keepError = new double[ROWS][], steer = new double[ROWS][];
        for (int r = 0; r < ROWS; r++) {
            double[] c = codes(name, r);
            splice[r] = written(name, r, c, true, true);
            double[] only = new double[n];
            only[feature] = c[feature];
            double[] removed = written(name, r, only, false, false);
            double[] unit = new double[n];
            unit[feature] = alpha;
            double[] added = written(name, r, unit, false, false);
            keepError[r] = new double[d];
            steer[r] = new double[d];
            for (int j = 0; j < d; j++) {
                keepError[r][j] = x[r * d + j] - removed[j];
                steer[r][j] = x[r * d + j] + added[j];
            }
        }
        try (Interventions iv = new Interventions(model, dict, HOOK)) {
            assertRowsClose(splice, hook(iv, new Intervention.Splice()), d, "splice");
            assertRowsClose(
                    keepError,
                    hook(iv, new Intervention.Ablate(new int[] {feature}, Intervention.AblationMode.KEEP_ERROR)),
                    d,
                    "error-preserving ablation");
            assertRowsClose(
                    steer,
                    hook(
                            iv,
                            new Intervention.Steer(
                                    new int[] {feature}, new double[] {alpha}, Intervention.SteerUnits.ABSOLUTE)),
                    d,
                    "steering by α");
        }
    }

    @ParameterizedTest(name = "{0}: FVU is measured on the reconstruction in activation space")
    @ValueSource(strings = {"layer_norm", "constant_norm_rescale"})
    void metricsReconstructEachRowInActivationSpace(String name) throws Exception {
        double err = 0, total = 0;
        double[] mean = new double[d];
        for (int r = 0; r < ROWS; r++) {
            for (int j = 0; j < d; j++) {
                mean[j] += x[r * d + j] / (double) ROWS;
            }
        }
        for (int r = 0; r < ROWS; r++) {
            double[] recon = written(name, r, codes(name, r), true, true);
            for (int j = 0; j < d; j++) {
                err += (recon[j] - x[r * d + j]) * (recon[j] - x[r * d + j]);
                total += (x[r * d + j] - mean[j]) * (x[r * d + j] - mean[j]);
            }
        }
        DictionaryMetrics m = DictionaryMetrics.evaluate(
                new NormalizedDictionary(inner, named(name)),
                (from, count) -> java.util.Arrays.copyOfRange(x, (int) from * d, (int) (from + count) * d),
                ROWS,
                ai.djl.Device.cpu());
        assertEquals(err / total, m.fvu(), 1e-4 * (err / total));
        assertTrue(m.fvu() > 0.01 && m.fvu() < 10, "a real, imperfect reconstruction: " + m.fvu());
    }

    /** The feature with the largest total code over the rows, so the ablation and steering change something. */
    private int strongest(String name) {
        double[] sum = new double[n];
        for (int r = 0; r < ROWS; r++) {
            double[] c = codes(name, r);
            for (int f = 0; f < n; f++) {
                sum[f] += c[f];
            }
        }
        int best = 0;
        for (int f = 1; f < n; f++) {
            best = sum[f] > sum[best] ? f : best;
        }
        assertTrue(sum[best] > 0, "some feature fires");
        return best;
    }
}
