package org.sparsescope.compute.circuits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.activations.Corpus;
import org.sparsescope.compute.activations.HarvestOptions;
import org.sparsescope.compute.activations.Harvester;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.intervene.Intervention.AblationMode;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.Hooks;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.model.TokenWindows;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.train.SweepMember;
import org.sparsescope.compute.train.TrainOptions;
import org.sparsescope.compute.train.Trainer;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.ProgressListener;
import org.sparsescope.compute.workspace.AnalysisCache;

/**
 * Feature graphs on the reference NeoX: the reference dictionary at blocks.2.hook_resid_post upstream, and one the
 * test trains on a small harvest at blocks.4.hook_resid_post downstream, checked against the definition computed
 * plainly here (a clean full pass, a hooked full pass, encode on the host, norm over positions, mean over windows).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FeatureGraphTest {
    private static final HookPoint H2 = HookPoint.parse("blocks.2.hook_resid_post");
    private static final HookPoint H4 = HookPoint.parse("blocks.4.hook_resid_post");
    private static final HookPoint H5 = HookPoint.parse("blocks.5.hook_resid_post");

    private Path tmp;
    private LanguageModel model;
    private Dictionary upstream;
    private Dictionary downstream;
    private long[][] windows;
    /** Upstream features by how many of the windows' tokens they fire on, most first. */
    private int[] byFirings;

    private int silent;

    @BeforeAll
    void load(@TempDir Path dir) throws Exception {
        tmp = dir;
        model = LanguageModel.load(Reference.path("model"));
        upstream = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        Path set = tmp.resolve("set4");
        new Harvester(model)
                .harvest(
                        H4,
                        Corpus.open(Reference.path("corpus/test.txt")),
                        set,
                        HarvestOptions.of(64 * 128, 128),
                        ProgressListener.NONE,
                        Cancellation.none());
        try (ActivationSet s = ActivationSet.open(set)) {
            TrainOptions opts = TrainOptions.reference(1024)
                    .withBatch(256)
                    .withEpochs(2)
                    .withSeed(5)
                    .withEvents(8, 0);
            downstream = new Trainer(s, opts)
                    .train(
                            List.of(SweepMember.l1(256, 1e-3)),
                            tmp.resolve("dicts"),
                            tmp.resolve("run"),
                            e -> {},
                            Cancellation.none())
                    .dictionaries()
                    .get(0)
                    .dictionary();
        }
        windows = TokenWindows.consecutive(
                model.tokenizer().encode(Files.readString(Reference.path("corpus/val.txt"))), 64, 6);
        float[][] codes = hostEncode(upstream, capture(windows, H2, null));
        int[] firings = new int[upstream.dSae()];
        for (float[] row : codes) {
            for (int j = 0; j < row.length; j++) {
                firings[j] += row[j] > 0 ? 1 : 0;
            }
        }
        byFirings = IntStream.range(0, firings.length)
                .boxed()
                .sorted((a, b) -> firings[b] - firings[a])
                .mapToInt(Integer::intValue)
                .toArray();
        silent = IntStream.range(0, firings.length)
                .filter(j -> firings[j] == 0)
                .findFirst()
                .orElseThrow();
    }

    @AfterAll
    void close() {
        model.close();
    }

    private FeatureGraph graph(
            int[] features, FeatureGraph.Method method, AblationMode mode, int windowsPerPass, long[][] on)
            throws Exception {
        return FeatureGraphs.compute(
                model,
                "reference",
                List.of(link(upstream, H2), link(downstream, H4)),
                features,
                on,
                new FeatureGraphs.Options(method, mode, windowsPerPass, 0),
                ProgressListener.NONE,
                Cancellation.none());
    }

    private static FeatureGraphs.Link link(Dictionary d, HookPoint h) {
        return new FeatureGraphs.Link(d, h, "dict@" + h, h.name());
    }

    @Test
    void ablationEdgesEqualTheDefinitionComputedPlainly() throws Exception {
        int[] three = {byFirings[0], byFirings[5], byFirings[20]};
        FeatureGraph g = graph(three, FeatureGraph.Method.ABLATE, AblationMode.KEEP_ERROR, 4, windows);
        FeatureGraph.Stage s = g.stages().get(0);
        assertArrayEquals(three, s.upstreamFeatures());
        float[][] clean = hostEncode(downstream, capture(windows, H4, null));
        int t = windows[0].length;
        for (int r = 0; r < three.length; r++) {
            int feature = three[r];
            float[][] ablated = hostEncode(downstream, capture(windows, H4, feature));
            double[] expected = new double[downstream.dSae()];
            for (int w = 0; w < windows.length; w++) {
                for (int j = 0; j < expected.length; j++) {
                    double sq = 0;
                    for (int p = 0; p < t; p++) {
                        double d = clean[w * t + p][j] - ablated[w * t + p][j];
                        sq += d * d;
                    }
                    expected[j] += Math.sqrt(sq) / windows.length;
                }
            }
            double rowMax = 0;
            for (double e : expected) {
                rowMax = Math.max(rowMax, e);
            }
            assertTrue(rowMax > 1e-3, "feature " + feature + " moves something downstream: " + rowMax);
            for (int j = 0; j < expected.length; j++) {
                // relative 1e-5 on every edge the default threshold shows; below it, 1e-5 of the row's largest edge
                double tol = expected[j] >= 0.01 * rowMax ? 1e-5 * expected[j] : 1e-5 * rowMax;
                assertEquals(expected[j], s.weight(r, j), tol, "edge " + feature + " → " + j);
            }
        }
    }

    @Test
    void aFeatureThatNeverFiresHasNoEdgesInEitherMode() throws Exception {
        for (FeatureGraph.Method method : FeatureGraph.Method.values()) {
            for (AblationMode mode : AblationMode.values()) {
                FeatureGraph g = graph(new int[] {silent, byFirings[0]}, method, mode, 3, windows);
                FeatureGraph.Stage s = g.stages().get(0);
                for (int j = 0; j < downstream.dSae(); j++) {
                    if (method == FeatureGraph.Method.ABLATE) {
                        assertEquals(
                                0f,
                                s.weight(0, j),
                                "ablating silent feature " + silent + " moves " + j + " (" + mode + ")");
                    }
                    assertEquals(
                            0f,
                            s.effect(0, j),
                            "silent feature " + silent + " has an effect on " + j + " (" + method + ", " + mode + ")");
                }
                assertTrue(s.strongestDownstream(1).length == 1, "the firing feature reaches something");
            }
        }
    }

    @Test
    void restoringEveryFeatureRecoversEachActiveDownstreamFeatureWhole() throws Exception {
        int[] all = IntStream.range(0, upstream.dSae()).toArray();
        for (AblationMode mode : AblationMode.values()) {
            try (FeatureEdges edges = new FeatureEdges(model, upstream, H2, downstream, H4)) {
                FeatureEdges.Sums sums = edges.newSums(1);
                edges.add(
                        windows, List.of(all), FeatureGraph.Method.RESTORE, mode, sums, () -> {}, Cancellation.none());
                float[] restored = sums.weights(FeatureGraph.Method.RESTORE)[0];
                int active = 0;
                for (int j = 0; j < restored.length; j++) {
                    if (sums.denominator[j] > 0) {
                        active++;
                        assertEquals(1.0, restored[j], 1e-5, "feature " + j + " restored (" + mode + ")");
                    }
                }
                assertTrue(
                        active > downstream.dSae() / 4,
                        "enough downstream features are active to mean something: " + active);
            }
        }
    }

    @Test
    void theGraphIsTheSameInOneBatchOrSeveral() throws Exception {
        int[] features = {byFirings[1], byFirings[2], silent, byFirings[40]};
        for (FeatureGraph.Method method : FeatureGraph.Method.values()) {
            FeatureGraph one = graph(features, method, AblationMode.KEEP_ERROR, windows.length, windows);
            FeatureGraph several = graph(features, method, AblationMode.KEEP_ERROR, 4, windows); // 4 + 2
            for (int r = 0; r < features.length; r++) {
                for (int j = 0; j < downstream.dSae(); j++) {
                    float a = one.stages().get(0).weight(r, j),
                            b = several.stages().get(0).weight(r, j);
                    assertEquals(a, b, 1e-5 * Math.max(1e-3, Math.abs(a)), method + " edge " + features[r] + " → " + j);
                }
            }
        }
    }

    @Test
    void aChainFollowsTheStrongestFeaturesAndRoundTripsThroughJsonAndTheCache() throws Exception {
        Dictionary third = DictionaryFiles.read(Reference.path("saes/l1_5.01e-04"));
        List<FeatureGraphs.Link> chain = List.of(link(upstream, H2), link(downstream, H4), link(third, H5));
        int[] first = {byFirings[0], byFirings[3]};
        FeatureGraphs.Options opts =
                new FeatureGraphs.Options(FeatureGraph.Method.ABLATE, AblationMode.KEEP_ERROR, 6, 3);
        long[][] few = java.util.Arrays.copyOf(windows, 2);
        FeatureGraph g = FeatureGraphs.compute(
                model, "reference", chain, first, few, opts, ProgressListener.NONE, Cancellation.none());
        assertEquals(2, g.stages().size());
        FeatureGraph.Stage s0 = g.stages().get(0), s1 = g.stages().get(1);
        assertArrayEquals(
                s0.strongestDownstream(3), s1.upstreamFeatures(), "stage 2 starts where stage 1 reached most");
        try (FeatureEdges direct = new FeatureEdges(model, downstream, H4, third, H5)) {
            FeatureEdges.Sums sums = direct.newSums(3);
            List<int[]> units = new ArrayList<>();
            for (int f : s1.upstreamFeatures()) {
                units.add(new int[] {f});
            }
            direct.add(
                    few,
                    units,
                    FeatureGraph.Method.ABLATE,
                    AblationMode.KEEP_ERROR,
                    sums,
                    () -> {},
                    Cancellation.none());
            assertArrayEquals(sums.weights(FeatureGraph.Method.ABLATE)[2], s1.weights()[2], 1e-6f);
        }
        assertTrue(g.tokenBlocks() > 0 && g.seconds() > 0);

        Path file = tmp.resolve("graph.json");
        FeatureGraphJson.write(file, g, 0.01);
        FeatureGraph back = FeatureGraphJson.read(file);
        assertEquals(g.stages().size(), back.stages().size());
        for (int k = 0; k < 2; k++) {
            assertArrayEquals(
                    g.stages().get(k).upstreamFeatures(), back.stages().get(k).upstreamFeatures());
            for (int r = 0; r < g.stages().get(k).weights().length; r++) {
                assertArrayEquals(
                        g.stages().get(k).weights()[r], back.stages().get(k).weights()[r]);
                assertArrayEquals(
                        g.stages().get(k).effects()[r], back.stages().get(k).effects()[r]);
            }
        }
        assertEquals(H5, back.stages().get(1).downstream().hook());
        String json = Files.readString(file);
        assertTrue(json.contains("\"from\":\"2_" + first[0] + "\""), "edges are named as the seed named nodes");

        AnalysisCache cache = new AnalysisCache(tmp.resolve("ws"));
        int[] computed = {0};
        List<Path> dicts = List.of(
                Reference.path("saes/l1_4.11e-03"),
                Reference.path("saes/l1_4.11e-03"),
                Reference.path("saes/l1_5.01e-04"));
        List<HookPoint> hooks = List.of(H2, H4, H5);
        AnalysisCache.Computation<FeatureGraph> count = () -> {
            computed[0]++;
            return g;
        };
        cache.graph("m", dicts, hooks, first, few, opts, count);
        FeatureGraph cached = cache.graph("m", dicts, hooks, first, few, opts, count);
        assertEquals(1, computed[0], "the second request is a file read");
        assertArrayEquals(g.stages().get(1).weights()[0], cached.stages().get(1).weights()[0]);
        cache.graph("m", dicts, hooks, first, windows, opts, count);
        assertEquals(2, computed[0], "other windows are another graph");
    }

    @Test
    void aGraphRunsDownstreamOnly() {
        var e = assertThrows(InvalidInputException.class, () -> new FeatureEdges(model, downstream, H4, upstream, H2));
        assertTrue(e.getMessage().contains("does not come after"), e.getMessage());
    }

    @Test
    void aDamagedGraphFileIsATypedErrorNamingIt() throws Exception {
        Path bad = tmp.resolve("bad.json");
        Files.writeString(
                bad,
                "{\"format\":\"" + FeatureGraphJson.FORMAT
                        + "\",\"method\":\"ablate\",\"mode\":\"keep_error\",\"windows\":1,"
                        + "\"window_tokens\":4,\"layers\":[{\"hook\":\"blocks.0.hook_resid_post\",\"features\":2},{\"hook\":\"blocks.1.hook_resid_post\",\"features\":3}],"
                        + "\"stages\":[{\"upstream_features\":[5],\"weights\":[[1,2,3]],\"effects\":[[1,2,3]]}]}");
        var e = assertThrows(InvalidInputException.class, () -> FeatureGraphJson.read(bad));
        assertTrue(
                e.getMessage().contains("bad.json") && e.getMessage().contains("upstream feature 5"), e.getMessage());
    }

    /**
     * The activation at {@code at} for every token of the windows, [B·T][D], from full passes; with
     * {@code ablate} ≥ 0, the pass has c_f·W_dec[f] of the upstream dictionary subtracted at blocks.2, computed on the host.
     */
    private float[][] capture(long[][] ws, HookPoint at, Integer ablate) {
        try (NDManager scope = model.newScope()) {
            Hooks.Builder b = Hooks.builder().capture(at);
            if (ablate != null) {
                float[] wDec = upstream.tensors().get("W_dec").floats();
                int d = upstream.dIn(), f = ablate;
                b.replace(H2, x -> {
                    float[] host = x.toFloatArray();
                    int rows = host.length / d;
                    float[][] asRows = new float[rows][];
                    for (int i = 0; i < rows; i++) {
                        asRows[i] = java.util.Arrays.copyOfRange(host, i * d, (i + 1) * d);
                    }
                    float[][] c = hostEncode(upstream, asRows);
                    for (int i = 0; i < rows; i++) {
                        for (int k = 0; k < d; k++) {
                            host[i * d + k] -= c[i][f] * wDec[f * d + k];
                        }
                    }
                    return x.getManager().create(host, x.getShape());
                });
            }
            NDArray a =
                    model.run(model.idsArray(scope, ws), b.build()).captures().get(at);
            int d = (int) a.getShape().get(2);
            float[] flat = a.toFloatArray();
            float[][] out = new float[flat.length / d][];
            for (int i = 0; i < out.length; i++) {
                out[i] = java.util.Arrays.copyOfRange(flat, i * d, (i + 1) * d);
            }
            return out;
        }
    }

    /** A standard dictionary's codes, ReLU((x − b_dec·[apply_b_dec_to_input]) W_enc + b_enc), in double on the host. */
    private static float[][] hostEncode(Dictionary dict, float[][] x) {
        Tensor wEncT = dict.tensors().get("W_enc");
        float[] wEnc = wEncT.floats(),
                bEnc = dict.tensors().get("b_enc").floats(),
                bDec = dict.tensors().get("b_dec").floats();
        boolean center = ((org.sparsescope.compute.dictionary.StandardDictionary) dict).applyBDecToInput();
        int d = dict.dIn(), n = dict.dSae();
        float[][] out = new float[x.length][n];
        double[] xc = new double[d];
        for (int i = 0; i < x.length; i++) {
            for (int k = 0; k < d; k++) {
                xc[k] = x[i][k] - (center ? bDec[k] : 0);
            }
            for (int j = 0; j < n; j++) {
                double s = bEnc[j];
                for (int k = 0; k < d; k++) {
                    s += xc[k] * wEnc[k * n + j];
                }
                out[i][j] = (float) Math.max(0, s);
            }
        }
        return out;
    }
}
