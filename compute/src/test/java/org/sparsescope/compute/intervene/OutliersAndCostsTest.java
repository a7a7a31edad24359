package org.sparsescope.compute.intervene;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.Hooks;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.model.Perplexity;
import org.sparsescope.compute.model.TokenWindows;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.ProgressListener;

/** Outlier dimensions and the tokens a dictionary costs, against plain computations on the reference NeoX. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutliersAndCostsTest {
    private static final HookPoint HOOK = HookPoint.parse("blocks.2.hook_resid_post");
    private LanguageModel model;
    private long[][] windows;

    @BeforeAll
    void load() throws Exception {
        model = LanguageModel.load(Reference.path("model"));
        windows = TokenWindows.consecutive(
                model.tokenizer().encode(Files.readString(Reference.path("corpus/test.txt"))), 64, 6);
    }

    @AfterAll
    void close() {
        model.close();
    }

    @Test
    void outlierDimensionsAreRankedByMeanAbsoluteValueAndAblatedAsDefined() throws Exception {
        Tensor x = model.capture(windows, HOOK).get(HOOK);
        float[] flat = x.floats();
        int d = model.config().dModel();
        long tokens = flat.length / d;
        double[] meanAbs = new double[d], mean = new double[d];
        for (int i = 0; i < flat.length; i++) {
            meanAbs[i % d] += Math.abs(flat[i]) / tokens;
            mean[i % d] += flat[i] / (double) tokens;
        }
        Integer[] order = new Integer[d];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Double.compare(meanAbs[b], meanAbs[a]));

        for (OutlierDimensions.Fill fill : OutlierDimensions.Fill.values()) {
            OutlierDimensions.Report r =
                    OutlierDimensions.run(model, HOOK, windows, 3, fill, ProgressListener.NONE, Cancellation.none());
            assertEquals(3, r.top().size());
            for (int i = 0; i < 3; i++) {
                assertEquals(order[i], r.top().get(i).index(), "rank " + i);
                assertEquals(meanAbs[order[i]], r.top().get(i).meanAbs(), 1e-4 * meanAbs[order[i]]);
            }
            double clean = Interventions.mean(model.tokenLosses(windows, Hooks.logitsOnly(), Perplexity.BATCH_WINDOWS));
            assertEquals(clean, r.cleanCe(), 1e-9);
            // the top dimension set plainly on the host, then the rest of the pass
            int top = order[0];
            float value = fill == OutlierDimensions.Fill.MEAN ? (float) mean[top] : 0f;
            Hooks plain = Hooks.builder()
                    .logits()
                    .replace(HOOK, a -> {
                        float[] h = a.toFloatArray();
                        for (int i = top; i < h.length; i += d) {
                            h[i] = value;
                        }
                        return a.getManager().create(h, a.getShape());
                    })
                    .build();
            double ce = Interventions.mean(model.tokenLosses(windows, plain, Perplexity.BATCH_WINDOWS));
            assertEquals(ce, r.alone().get(0).ce(), 1e-5, fill + " ablation of dimension " + top);
            assertEquals(ce - clean, r.alone().get(0).deltaCe(), 1e-5);
            assertArrayEquals(new int[] {top}, r.cumulative().get(0).dimensions());
            assertEquals(
                    r.alone().get(0).ce(),
                    r.cumulative().get(0).ce(),
                    1e-9,
                    "the top one alone is the first cumulative step");
            assertArrayEquals(
                    new int[] {order[0], order[1], order[2]},
                    r.cumulative().get(2).dimensions());
            assertTrue(r.cumulative().get(2).deltaCe() != 0);
        }
    }

    @Test
    void theCostliestTokensAreTheLargestRisesOfTheSplicedLoss() throws Exception {
        try (Interventions iv =
                new Interventions(model, DictionaryFiles.read(Reference.path("saes/l1_4.11e-03")), null)) {
            Interventions.SpliceCosts costs = iv.spliceCosts(windows, 5, 3, 4);
            float[][] clean = iv.tokenLosses(windows, new Intervention.Clean());
            float[][] spliced = iv.tokenLosses(windows, new Intervention.Splice());
            float max = Float.NEGATIVE_INFINITY;
            for (int w = 0; w < windows.length; w++) {
                for (int t = 0; t < clean[w].length; t++) {
                    max = Math.max(max, spliced[w][t] - clean[w][t]);
                }
            }
            assertEquals(5, costs.tokens().size());
            Interventions.CostlyToken first = costs.tokens().get(0);
            assertEquals(max, first.change().delta(), 1e-6, "the first is the largest rise");
            int w = first.change().window(), t = first.change().position() - 1;
            assertEquals(clean[w][t], first.cleanLoss(), 1e-6);
            assertEquals(spliced[w][t], first.splicedLoss(), 1e-6);
            for (int i = 1; i < 5; i++) {
                assertTrue(costs.tokens().get(i).change().delta()
                        <= costs.tokens().get(i - 1).change().delta());
            }
            assertTrue(
                    first.features().length > 0 && first.activations()[0] > 0,
                    "features active where the prediction is made");
            for (int i = 1; i < first.activations().length; i++) {
                assertTrue(first.activations()[i] <= first.activations()[i - 1]);
            }
            assertTrue(
                    first.change().context().endsWith("[" + model.tokenizer().tokenText(windows[w][t + 1]) + "]"),
                    first.change().context());
            assertEquals(3, costs.windows().size());
            assertTrue(costs.windows().get(0).delta() >= costs.windows().get(1).delta());
            assertEquals(Interventions.mean(spliced), costs.splicedCe(), 1e-9);
        }
    }
}
