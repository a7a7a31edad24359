package org.sparsescope.compute.handoff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.dictionary.TopKDictionary;
import org.sparsescope.compute.dictionary.format.SparsifyFormat;
import org.sparsescope.compute.dictionary.format.SparsifyWriter;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.model.TransformerConfig.Architecture;
import org.sparsescope.compute.tensor.Half;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.ProgressListener;

/** A desktop dictionary handed to sparsify (to fine-tune) and its codes to delphi (to explain), checked by reading back. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DictionaryHandoffTest {
    static final HookPoint HOOK = HookPoint.parse("blocks.2.hook_resid_post");
    static final int WINDOW = 32;

    Path tmp;
    Path setDir;
    StandardDictionary relu;

    @BeforeAll
    void harvest(@TempDir Path dir) throws Exception {
        tmp = dir;
        setDir = dir.resolve("set");
        try (LanguageModel model = LanguageModel.load(Reference.path("model"))) {
            new Harvester(model)
                    .harvest(
                            HOOK,
                            Corpus.open(Reference.path("corpus/test.txt")),
                            setDir,
                            HarvestOptions.of(6 * WINDOW, WINDOW),
                            ProgressListener.NONE,
                            Cancellation.none());
        }
        relu = (StandardDictionary) DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
    }

    /** Dense codes of every row of the set, on the CPU. */
    static float[] codes(Dictionary d, ActivationSet set) throws Exception {
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            float[] x = set.readRows(0, (int) set.rows());
            return d.codec(m)
                    .encode(m.create(x, new Shape(set.rows(), set.d())))
                    .toFloatArray();
        }
    }

    @Test
    void aTopKDictionaryWrittenForSparsifyReadsBackWithTheSameCodes() throws Exception {
        // b_dec not subtracted from the input: the writer must fold b_dec·W_enc into sparsify's bias
        StandardDictionary unshifted =
                new StandardDictionary(relu.wEnc(), relu.bEnc(), relu.wDec(), relu.bDec(), false, relu.info());
        TopKDictionary topk = new TopKDictionary(unshifted, 16);
        String hookpoint = SparsifyWriter.hookpoint(HOOK, Architecture.GPT_NEOX, setDir);
        assertEquals("layers.2", hookpoint);
        Path run = tmp.resolve("run");
        SparsifyWriter.save(topk, setDir, run, hookpoint, null, "EleutherAI/pythia-70m", WINDOW);
        List<Dictionary> read = new SparsifyFormat().read(run);
        assertEquals(1, read.size());
        TopKDictionary back = (TopKDictionary) read.get(0);
        assertEquals(16, back.k());
        assertEquals(HOOK, back.info().provenance().hook());
        assertEquals("EleutherAI/pythia-70m", back.info().provenance().model());
        Map<String, Tensor> file = Safetensors.readAll(run.resolve("layers.2/sae.safetensors"));
        assertEquals(
                List.of("W_dec", "b_dec", "encoder.bias", "encoder.weight"),
                new ArrayList<>(new java.util.TreeSet<>(file.keySet())));
        assertArrayEquals(new long[] {1024, 256}, file.get("encoder.weight").shape());
        try (ActivationSet set = ActivationSet.open(setDir)) {
            float[] want = codes(topk, set), got = codes(back, set);
            double worst = 0;
            for (int i = 0; i < want.length; i++) {
                worst = Math.max(worst, Math.abs(want[i] - got[i]));
            }
            assertTrue(worst < 1e-4, "largest code difference " + worst);
        }
        var again = assertThrows(
                InvalidInputException.class, () -> SparsifyWriter.save(topk, setDir, run, hookpoint, null, null, null));
        assertTrue(again.getMessage().contains("exists"), again.getMessage());
    }

    @Test
    void aReluDictionaryNeedsItsKNamedForSparsify() throws Exception {
        var e = assertThrows(
                InvalidInputException.class,
                () -> SparsifyWriter.save(relu, setDir, tmp.resolve("relu-run"), "layers.2", null, null, null));
        assertTrue(e.getMessage().contains("give the k"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("relu-run").resolve("layers.2")));
        var gemma = assertThrows(
                InvalidInputException.class,
                () -> SparsifyWriter.hookpoint(HookPoint.parse("blocks.3.hook_mlp_out"), Architecture.GEMMA2, setDir));
        assertTrue(gemma.getMessage().contains("Gemma"), gemma.getMessage());
        assertEquals(
                "h.3.mlp",
                SparsifyWriter.hookpoint(HookPoint.parse("blocks.3.hook_mlp_out"), Architecture.GPT2, setDir));
    }

    @Test
    void delphisSplitBoundariesAreTorchLinspaceTruncated() {
        // i·width/splits truncated: 204.8 → 204 …; 26214.4·i → 26214, 52428, 78643, 104857
        assertArrayEquals(new long[] {0, 204, 409, 614, 819, 1024}, DelphiLatentCache.boundaries(1024, 5));
        assertArrayEquals(new long[] {0, 26214, 52428, 78643, 104857, 131072}, DelphiLatentCache.boundaries(131072, 5));
    }

    @Test
    void delphisCacheHoldsTheCodesAboveItsThresholdAndTheWindowsTokens() throws Exception {
        int splits = 5;
        try (ActivationSet set = ActivationSet.open(setDir)) {
            var r = DelphiLatentCache.export(
                    relu,
                    set,
                    tmp.resolve("latents"),
                    "layers.2",
                    "EleutherAI/pythia-70m",
                    "corpus/test.txt",
                    splits,
                    ai.djl.Device.cpu(),
                    ProgressListener.NONE,
                    Cancellation.none());
            assertEquals(6, r.windows());
            float[] dense = codes(relu, set);
            int n = relu.dSae();
            long[] edges = DelphiLatentCache.boundaries(n, splits);
            long total = 0;
            for (int s = 0; s < splits; s++) {
                Path f = r.moduleDir().resolve(edges[s] + "_" + (edges[s + 1] - 1) + ".safetensors");
                Map<String, Tensor> t = Safetensors.readAll(f);
                // the plain definition, row-major as torch.nonzero gives them
                List<int[]> wantLoc = new ArrayList<>();
                List<Short> wantAct = new ArrayList<>();
                for (int row = 0; row < set.rows(); row++) {
                    for (long j = edges[s]; j < edges[s + 1]; j++) {
                        float v = dense[row * n + (int) j];
                        if (Math.abs(v) > 1e-5f) {
                            wantLoc.add(new int[] {row / WINDOW, row % WINDOW, (int) (j - edges[s])});
                            wantAct.add(Half.fromFloat(v));
                        }
                    }
                }
                Tensor loc = t.get("locations"), act = t.get("activations");
                assertArrayEquals(new long[] {wantLoc.size(), 3}, loc.shape(), f.toString());
                var li = loc.data().asIntBuffer();
                var ai = act.data().asShortBuffer();
                for (int i = 0; i < wantLoc.size(); i++) {
                    assertArrayEquals(wantLoc.get(i), new int[] {li.get(), li.get(), li.get()}, "code " + i);
                    assertEquals((short) wantAct.get(i), ai.get(), "code " + i);
                }
                Tensor tokens = t.get("tokens");
                assertArrayEquals(new long[] {6, WINDOW}, tokens.shape());
                var ti = tokens.data().asIntBuffer();
                for (int w = 0; w < 6; w++) {
                    for (long id : set.context((long) w * WINDOW).orElseThrow().tokenIds()) {
                        assertEquals(id, ti.get());
                    }
                }
                total += wantLoc.size();
            }
            assertEquals(total, r.codes());
            String config = Files.readString(r.moduleDir().resolve("config.json"));
            assertTrue(config.contains("\"cache_ctx_len\": 32"), config);
            assertTrue(config.contains("\"model_name\": \"EleutherAI/pythia-70m\""), config);
        }
    }
}
