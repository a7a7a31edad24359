package org.sparsescope.compute.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.Tensor;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LanguageModelTest {
    private LanguageModel neox;
    private LanguageModel gpt2;

    @BeforeAll
    void load() throws Exception {
        neox = LanguageModel.load(Reference.path("model"));
        gpt2 = LanguageModel.load(Reference.path("model-gpt2"));
    }

    @AfterAll
    void close() {
        neox.close();
        gpt2.close();
    }

    Stream<Arguments> models() {
        return Stream.of(Arguments.of("model", "forward"), Arguments.of("model-gpt2", "forward-gpt2"));
    }

    private LanguageModel model(String dir) {
        return dir.equals("model") ? neox : gpt2;
    }

    static long[][] rows(Tensor ids) {
        long[] flat = ids.longs();
        int b = (int) ids.shape()[0], t = (int) ids.shape()[1];
        long[][] out = new long[b][t];
        for (int i = 0; i < b; i++) {
            System.arraycopy(flat, i * t, out[i], 0, t);
        }
        return out;
    }

    static float maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length, "element count");
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @ParameterizedTest(name = "{0}: every hook and the logits match transformers within 1e-4")
    @MethodSource("models")
    void everyHookAndTheLogitsMatchTheFixture(String dir, String fixture) throws Exception {
        Map<String, Tensor> expected = Safetensors.readAll(Reference.path("fixtures/" + fixture + ".safetensors"));
        LanguageModel m = model(dir);
        long[][] ids = rows(expected.get("input_ids"));
        List<String> hooks = new ArrayList<>();
        for (String name : expected.keySet()) {
            if (name.startsWith("blocks.") || name.startsWith("ln_final")) {
                hooks.add(name);
            }
        }
        assertTrue(hooks.size() >= 17, "fixture lists its hooks");
        Map<HookPoint, Tensor> got =
                m.capture(ids, hooks.stream().map(HookPoint::parse).toArray(HookPoint[]::new));
        for (String h : hooks) {
            Tensor g = got.get(HookPoint.parse(h));
            assertArrayEquals(expected.get(h).shape(), g.shape(), h);
            float diff = maxAbsDiff(expected.get(h).floats(), g.floats());
            assertTrue(diff < 1e-4, h + " differs by " + diff);
        }
        Tensor logits = m.logits(ids);
        float diff = maxAbsDiff(expected.get("logits").floats(), logits.floats());
        assertTrue(diff < 1e-4, "logits differ by " + diff);

        float[][] losses = m.tokenLosses(ids, Hooks.logitsOnly(), 2);
        float[] expectedLoss = expected.get("token_loss").floats();
        float[] gotLoss = new float[expectedLoss.length];
        for (int i = 0; i < losses.length; i++) {
            System.arraycopy(losses[i], 0, gotLoss, i * losses[i].length, losses[i].length);
        }
        assertTrue(maxAbsDiff(expectedLoss, gotLoss) < 1e-4, "per-token loss");
    }

    @ParameterizedTest(name = "{0}: tokenizer gives the fixture's ids")
    @MethodSource("models")
    void tokenizerGivesTheFixtureIds(String dir, String fixture) throws Exception {
        JsonObject f = JsonParser.parseString(Files.readString(Reference.path("fixtures/" + fixture + ".json")))
                .getAsJsonObject();
        int n = f.get("n_tokens").getAsInt();
        JsonArray texts = f.getAsJsonArray("texts");
        JsonArray ids = f.getAsJsonArray("ids");
        for (int i = 0; i < texts.size(); i++) {
            long[] got = model(dir).tokenizer().encode(texts.get(i).getAsString());
            long[] want = new long[n];
            for (int j = 0; j < n; j++) {
                want[j] = ids.get(i).getAsJsonArray().get(j).getAsLong();
            }
            assertTrue(got.length >= n, "text " + i + " encodes to at least " + n + " tokens");
            assertArrayEquals(want, java.util.Arrays.copyOf(got, n), "text " + i);
        }
    }

    @Test
    void replacingAHookChangesEverythingDownstreamAndStopsEarlyWithoutLogits() throws Exception {
        Map<String, Tensor> expected = Safetensors.readAll(Reference.path("fixtures/forward.safetensors"));
        long[][] ids = rows(expected.get("input_ids"));
        try (NDManager scope = neox.newScope()) {
            NDArray x = neox.idsArray(scope, ids);
            // Zeroing resid_post of layer 1 makes resid_pre of layer 2 zero.
            ForwardPass pass = neox.run(
                    x,
                    Hooks.builder()
                            .replace("blocks.1.hook_resid_post", a -> a.zerosLike())
                            .capture("blocks.2.hook_resid_pre", "blocks.2.hook_resid_post")
                            .build());
            assertEquals(
                    0f,
                    pass.capture(HookPoint.parse("blocks.2.hook_resid_pre"))
                            .abs()
                            .max()
                            .getFloat());
            assertTrue(pass.capture(HookPoint.parse("blocks.2.hook_resid_post"))
                            .abs()
                            .max()
                            .getFloat()
                    > 0.1f);
            assertNull(pass.logits(), "no logits were asked for");
        }
    }

    @Test
    void hookListsFollowTheArchitecture() throws Exception {
        assertEquals(1 + 6 * 6 + 1, neox.hookPoints().size(), "hook_embed; parallel residual: no resid_mid");
        assertEquals(4 * 7 + 1, gpt2.hookPoints().size(), "GPT-2 has resid_mid, and no hook_embed");
        assertEquals(HookPoint.embed(), neox.hookPoints().get(0), "hook_embed comes first in forward order");
        var embed = org.junit.jupiter.api.Assertions.assertThrows(
                org.sparsescope.compute.InvalidInputException.class, () -> gpt2.hook("hook_embed"));
        assertTrue(embed.getMessage().contains("position embedding"), embed.getMessage());
        assertEquals(
                "blocks.3.hook_resid_mid", gpt2.hook("blocks.3.hook_resid_mid").name());
        var e = org.junit.jupiter.api.Assertions.assertThrows(
                org.sparsescope.compute.InvalidInputException.class, () -> neox.hook("blocks.6.hook_resid_post"));
        assertTrue(e.getMessage().contains("6 layers"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(
                org.sparsescope.compute.InvalidInputException.class, () -> neox.hook("blocks.1.hook_resid_mid"));
    }

    @Test
    void perplexityOnTheTestSplitMatchesTheReference() throws Exception {
        JsonObject ref = JsonParser.parseString(Files.readString(Reference.path("reference.json")))
                .getAsJsonObject();
        double cleanCe = ref.getAsJsonObject("splice").get("clean_ce").getAsDouble();
        Perplexity p = Perplexity.of(neox, Files.readString(Reference.path("corpus/test.txt")), 128, 64);
        assertEquals(64, p.windows());
        assertEquals(64 * 127, p.targets());
        assertEquals(cleanCe, p.meanCrossEntropy(), 1e-3);
        assertEquals(Math.exp(p.meanCrossEntropy()), p.perplexity(), 1e-9);
    }
}
