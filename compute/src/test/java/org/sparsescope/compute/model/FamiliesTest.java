package org.sparsescope.compute.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.Tensor;

/**
 * The tiny Llama, Qwen2, Qwen3, Gemma 2 and Gemma 3 models of {@code tools/families/make_tiny.py} (Hugging Face
 * layout, bf16 weights, the Llama one sharded, Gemma 3 in its multimodal checkpoint's layout) against the logits
 * and hook values of that script's transcription of transformers' forward passes.
 */
class FamiliesTest {
    static Path family(String name) {
        return org.sparsescope.compute.Reference.testResource("families/" + name);
    }

    private static long[][] ids(Map<String, Tensor> expected) {
        return GenerationTest.rows(expected.get("ids"));
    }

    /** max |a − b| over max(1, max |b|): an absolute bound for small values, a relative one for large. */
    private static double relativeError(float[] actual, float[] expected) {
        assertEquals(expected.length, actual.length, "sizes");
        double diff = 0, scale = 1;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return diff / scale;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "qwen3", "gemma2", "gemma3"})
    void logitsHooksAndCrossEntropyMatchTheTranscriptionOfTransformers(String name) throws Exception {
        Path dir = family(name);
        Map<String, Tensor> expected = Safetensors.readAll(dir.resolve("expected.safetensors"));
        try (LanguageModel lm =
                LanguageModel.load(dir, ai.djl.Device.cpu(), LoadProgress.SILENT, WeightPrecision.FLOAT32)) {
            long[][] windows = ids(expected);
            String[] hooks = expected.keySet().stream()
                    .filter(k -> k.startsWith("hook/"))
                    .map(k -> k.substring(5))
                    .toArray(String[]::new);
            assertTrue(hooks.length == 7 * lm.config().nLayers() + 1, "every hook of every layer is checked");
            Map<HookPoint, Tensor> captured = lm.capture(
                    windows, Arrays.stream(hooks).map(HookPoint::parse).toArray(HookPoint[]::new));
            for (String h : hooks) {
                double err = relativeError(
                        captured.get(HookPoint.parse(h)).floats(),
                        expected.get("hook/" + h).floats());
                assertTrue(err <= 1e-4, name + " " + h + ": relative error " + err);
            }
            Tensor logits = lm.logits(windows);
            assertArrayEquals(expected.get("logits").shape(), logits.shape());
            float[] want = expected.get("logits").floats(), got = logits.floats();
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-4, name + " logit " + i);
            }
            float[][] losses = lm.tokenLosses(windows, Hooks.logitsOnly(), 4);
            double ce = Perplexity.of(losses, windows[0].length).meanCrossEntropy();
            assertEquals(expected.get("mean_cross_entropy").floats()[0], ce, 1e-4, name + " mean cross-entropy");
        }
    }

    /**
     * Compact weights (the bf16 fixtures' matrices held as float16, widened for each product) give the reference's
     * logits, hooks and cross-entropy within the float32 path's own tolerance; the model says how it holds them.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "qwen3", "gemma2", "gemma3"})
    void compactWeightsKeepTheReferenceNumbers(String name) throws Exception {
        Differences d = differencesFromReference(name, WeightPrecision.COMPACT);
        assertTrue(d.hook() <= 1e-4 && d.logits() <= 1e-4 && d.ce() <= 1e-4, name + ": " + d);
    }

    /**
     * bf16 products (the fixtures' bf16 matrices multiplied in bf16, float32 between products) stay within bf16's
     * rounding of the float32 reference: the differences printed are the parity cost the README states, and the bound
     * is a few times the largest measured over the five families, so a wrong product (a transposed or misplaced
     * matrix, a lost bias) fails by orders of magnitude.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "qwen3", "gemma2", "gemma3"})
    void bf16ProductsStayWithinBf16RoundingOfTheReference(String name) throws Exception {
        Differences d = differencesFromReference(name, WeightPrecision.BF16);
        assertTrue(d.hook() > 0, name + ": bf16 rounding shows (the products are not float32)");
        assertTrue(d.hook() <= BF16_BOUND && d.logits() <= BF16_BOUND && d.ce() <= BF16_BOUND, name + ": " + d);
    }

    /**
     * A float32 checkpoint asked for at 16 bits holds and multiplies everything in float32, and says float32: what a
     * set harvested from it records ("products") must not claim bf16 products that never ran.
     */
    @org.junit.jupiter.api.Test
    void aFloat32CheckpointAskedForSixteenBitsSaysFloat32AndKeepsTheReferenceNumbers(
            @org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("llama-f32");
        org.sparsescope.compute.Reference.copyFolder(family("llama"), dir);
        try (var files = java.nio.file.Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".safetensors")
                            && !f.getFileName().toString().equals("expected.safetensors"))
                    .toList()) {
                Map<String, Tensor> widened = new java.util.LinkedHashMap<>();
                Safetensors.readAll(f).forEach((name, t) -> widened.put(name, Tensor.ofFloats(t.shape(), t.floats())));
                Safetensors.write(f, widened);
            }
        }
        Map<String, Tensor> expected = Safetensors.readAll(dir.resolve("expected.safetensors"));
        for (WeightPrecision asked : new WeightPrecision[] {WeightPrecision.BF16, WeightPrecision.COMPACT}) {
            try (LanguageModel lm = LanguageModel.load(dir, ai.djl.Device.cpu(), LoadProgress.SILENT, asked)) {
                assertEquals(WeightPrecision.FLOAT32, lm.weightPrecision(), asked + " asked of a float32 checkpoint");
                assertEquals("float32", lm.weightPrecision().products());
                double logitErr = relativeError(
                        lm.logits(ids(expected)).floats(),
                        expected.get("logits").floats());
                assertTrue(logitErr <= 1e-4, asked + ": logits " + logitErr);
            }
        }
    }

    /** Relative differences of the last resid_post and the logits, and the absolute one of the mean CE (nats). */
    private record Differences(double hook, double logits, double ce) {}

    /** The family's fixture run with its matrices held as {@code precision}, against the float32 reference. */
    private static Differences differencesFromReference(String name, WeightPrecision precision) throws Exception {
        Path dir = family(name);
        Map<String, Tensor> expected = Safetensors.readAll(dir.resolve("expected.safetensors"));
        try (LanguageModel lm = LanguageModel.load(dir, ai.djl.Device.cpu(), LoadProgress.SILENT, precision)) {
            assertEquals(precision, lm.weightPrecision(), "the model says how it holds its matrices");
            long[][] windows = ids(expected);
            HookPoint hook = HookPoint.of(lm.config().nLayers() - 1, HookPoint.Kind.RESID_POST);
            double hookErr = relativeError(
                    lm.capture(windows, hook).get(hook).floats(),
                    expected.get("hook/" + hook).floats());
            double logitErr = relativeError(
                    lm.logits(windows).floats(), expected.get("logits").floats());
            double ce = Perplexity.of(lm.tokenLosses(windows, Hooks.logitsOnly(), 4), windows[0].length)
                    .meanCrossEntropy();
            Differences d = new Differences(
                    hookErr,
                    logitErr,
                    Math.abs(ce - expected.get("mean_cross_entropy").floats()[0]));
            System.out.printf(
                    "%s, %s: last resid_post %.2e, logits %.2e, CE %.2e against the float32 reference%n",
                    precision, name, d.hook(), d.logits(), d.ce());
            return d;
        }
    }

    private static final double BF16_BOUND = 0.04; // measured at most 1.3e-2 (llama logits)

    /**
     * Each step of a cached pass gives the logits a full pass over the whole sequence gives at that position,
     * well past Gemma's five-position sliding window, and greedy generation is the same either way.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "qwen3", "gemma2", "gemma3"})
    void theCachedPassEqualsRecomputationPastTheSlidingWindow(String name) throws Exception {
        try (LanguageModel lm = LanguageModel.load(family(name), ai.djl.Device.cpu());
                NDManager seq = lm.newScope()) {
            long[] sequence = new long[18];
            for (int i = 0; i < sequence.length; i++) {
                sequence[i] = (i * 37 + 11) % 256;
            }
            float[] full = lm.logits(new long[][] {sequence}).floats();
            int v = lm.config().vocabSize();
            KvCache cache = lm.newCache();
            int prompt = 4;
            for (int pos = 0; pos < sequence.length; ) {
                int n = pos == 0 ? prompt : 1;
                try (NDManager step = seq.newSubManager()) {
                    NDArray ids = lm.idsArray(step, new long[][] {Arrays.copyOfRange(sequence, pos, pos + n)});
                    float[] got = lm.runCached(ids, Hooks.builder().build(), cache)
                            .logits()
                            .toFloatArray();
                    cache.keepIn(seq);
                    for (int j = 0; j < n; j++) {
                        float[] want = Arrays.copyOfRange(full, (pos + j) * v, (pos + j + 1) * v);
                        float[] row = Arrays.copyOfRange(got, j * v, (j + 1) * v);
                        double err = relativeError(row, want);
                        assertTrue(err <= 1e-4, name + " position " + (pos + j) + ": " + err);
                    }
                }
                pos += n;
            }
            long[] p = Arrays.copyOf(sequence, 4);
            Generator.Result cached = Generator.generate(
                    lm, p, 14, Generator.Sampling.greedy(), Hooks.builder().build(), true);
            Generator.Result recomputed = Generator.generate(
                    lm, p, 14, Generator.Sampling.greedy(), Hooks.builder().build(), false);
            assertArrayEquals(recomputed.tokens(), cached.tokens(), name + ": the cache changes nothing");
        }
    }

    /** A tensor too large for one Java buffer in float32 is read in row pieces; joined, they are the tensor. */
    @org.junit.jupiter.api.Test
    void aTensorReadInRowPiecesEqualsTheTensorReadWhole() throws Exception {
        try (org.sparsescope.compute.tensor.Checkpoint c =
                        org.sparsescope.compute.tensor.Checkpoint.open(family("llama"));
                NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            WeightLoader w = new WeightLoader(c, m, ai.djl.Device.cpu(), LoadProgress.SILENT);
            long[] shape = {260, 64};
            float[] whole = w.read("model.embed_tokens.weight", shape, Integer.MAX_VALUE, 1 << 20)
                    .toFloatArray();
            // 260 rows of 256 bytes in pieces of 7 rows: 38 pieces, the last of 1 row
            NDArray pieced = w.read("model.embed_tokens.weight", shape, 1000, 7 * 64 * 4);
            assertArrayEquals(shape, pieced.getShape().getShape());
            assertArrayEquals(whole, pieced.toFloatArray());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "qwen3", "gemma2", "gemma3"})
    void aWindowStartsWithTheBosWhereTheTokenizerAddsOne(String name) throws Exception {
        try (LanguageModel lm = LanguageModel.load(family(name), ai.djl.Device.cpu())) {
            boolean bos = !name.startsWith("qwen");
            assertEquals(bos ? 257 : -1, lm.bosId(), name);
            long[] text = lm.tokenizer().encode("abcdefghij");
            assertEquals(10, text.length, "the byte-level fixture tokenizer: one token a byte");
            long[][] w = lm.windows(text, 4, 0);
            if (bos) {
                assertEquals(3, w.length, "a BOS and 3 text tokens a window");
                assertArrayEquals(new long[] {257, text[0], text[1], text[2]}, w[0]);
                assertArrayEquals(new long[] {257, text[3], text[4], text[5]}, w[1]);
            } else {
                assertEquals(2, w.length);
                assertArrayEquals(Arrays.copyOf(text, 4), w[0]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "qwen3", "gemma2", "gemma3"})
    void everyHookHasItsWidthAndBothSpellingsNameTheSamePoint(String name) throws Exception {
        try (LanguageModel lm = LanguageModel.load(family(name), ai.djl.Device.cpu())) {
            TransformerConfig c = lm.config();
            HookPoint z = lm.hook("blocks.1.attn.hook_z");
            assertEquals(c.nHeads() * c.headSize(), lm.width(z));
            Map<HookPoint, Tensor> got = lm.capture(new long[][] {{1, 2, 3, 4, 5}}, z);
            assertArrayEquals(new long[] {1, 5, lm.width(z)}, got.get(z).shape());
            assertEquals(lm.hook("blocks.1.hook_resid_post"), lm.hook("model.layers.1"));
            assertEquals(lm.hook("blocks.1.hook_resid_post"), lm.hook("model.layers.1.output"));
            assertEquals(z, lm.hook("model.layers.1.self_attn.o_proj.input"));
            boolean gemma = name.startsWith("gemma");
            assertEquals(
                    lm.hook(gemma ? "blocks.1.hook_attn_out" : "blocks.1.ln2.hook_normalized"),
                    lm.hook("model.layers.1.post_attention_layernorm.output"),
                    "post_attention_layernorm is after attention in Gemma, before the MLP elsewhere");
            for (HookPoint h : lm.hookPoints()) {
                String module = ModulePaths.name(h, c.architecture());
                if (module != null) {
                    assertEquals(h, lm.hook(module), module + " reads back as " + h);
                }
            }
        }
    }

    /**
     * hook_embed is the embedding the first block reads (on Gemma scaled by √d_model, rounded to the weights' dtype,
     * as the transcription's blocks.0.hook_resid_pre is), and a replacement there acts as one at resid_pre 0.
     * Gemma 2's embed_tokens module output is unscaled, so only the other families read it as hook_embed.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "qwen3", "gemma2", "gemma3"})
    void hookEmbedIsTheEmbeddingTheFirstBlockReads(String name) throws Exception {
        Path dir = family(name);
        Map<String, Tensor> expected = Safetensors.readAll(dir.resolve("expected.safetensors"));
        try (LanguageModel lm =
                LanguageModel.load(dir, ai.djl.Device.cpu(), LoadProgress.SILENT, WeightPrecision.FLOAT32)) {
            long[][] windows = ids(expected);
            HookPoint embed = lm.hook("hook_embed"), pre0 = lm.hook("blocks.0.hook_resid_pre");
            Map<HookPoint, Tensor> got = lm.capture(windows, embed, pre0);
            float[] reference = expected.get("hook/blocks.0.hook_resid_pre").floats();
            double err = relativeError(got.get(embed).floats(), reference);
            assertTrue(err <= 1e-4, name + " hook_embed: relative error " + err);
            assertArrayEquals(got.get(pre0).floats(), got.get(embed).floats(), "the same tensor");
            assertEquals(lm.config().dModel(), lm.width(embed));
            float[][] halvedEmbed = lm.tokenLosses(
                    windows,
                    Hooks.builder().logits().replace(embed, a -> a.mul(0.5f)).build(),
                    4);
            float[][] halvedPre = lm.tokenLosses(
                    windows,
                    Hooks.builder().logits().replace(pre0, a -> a.mul(0.5f)).build(),
                    4);
            float[][] clean = lm.tokenLosses(windows, Hooks.logitsOnly(), 4);
            for (int w = 0; w < windows.length; w++) {
                assertArrayEquals(halvedPre[w], halvedEmbed[w], "window " + w);
            }
            assertTrue(clean[0][1] != halvedEmbed[0][1], "halving the embedding changes the losses");
            if (name.equals("gemma2")) {
                var e = assertThrows(
                        org.sparsescope.compute.InvalidInputException.class, () -> lm.hook("model.embed_tokens"));
                assertTrue(e.getMessage().contains("scaled"), e.getMessage());
            } else {
                assertEquals(embed, lm.hook("model.embed_tokens"));
                assertEquals(embed, lm.hook("model.embed_tokens.output"));
            }
        }
    }
}
