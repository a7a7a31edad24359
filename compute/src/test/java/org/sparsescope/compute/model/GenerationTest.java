package org.sparsescope.compute.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.intervene.Intervention;
import org.sparsescope.compute.intervene.Interventions;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.Tensor;

/** Generation with the key/value cache against full recomputation and the fixture logits, and steering while generating. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GenerationTest {
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

    /** The fixture's prompts: each text's first 48 token ids, with the reference's logits after them. */
    static long[][] prompts(Map<String, Tensor> fixture) {
        return rows(fixture.get("input_ids"));
    }

    /** An int64 tensor [n, T] as n windows of T token ids. */
    static long[][] rows(Tensor ids) {
        int b = (int) ids.shape()[0], t = (int) ids.shape()[1];
        long[] flat = ids.longs();
        long[][] out = new long[b][];
        for (int i = 0; i < b; i++) {
            out[i] = Arrays.copyOfRange(flat, i * t, (i + 1) * t);
        }
        return out;
    }

    @Test
    void greedyWithTheCacheEqualsRecomputingEveryStepAndStartsAtTheFixtureArgmax() throws Exception {
        for (String[] m : new String[][] {{"model", "forward"}, {"model-gpt2", "forward-gpt2"}}) {
            LanguageModel lm = m[0].equals("model") ? neox : gpt2;
            Map<String, Tensor> fixture = Safetensors.readAll(Reference.path("fixtures/" + m[1] + ".safetensors"));
            long[][] prompts = prompts(fixture);
            Tensor logits = fixture.get("logits");
            int t = (int) logits.shape()[1], v = (int) logits.shape()[2];
            float[] all = logits.floats();
            for (int i = 0; i < prompts.length; i++) {
                Generator.Result cached = Generator.generate(
                        lm,
                        prompts[i],
                        24,
                        Generator.Sampling.greedy(),
                        Hooks.builder().build(),
                        true);
                Generator.Result full = Generator.generate(
                        lm,
                        prompts[i],
                        24,
                        Generator.Sampling.greedy(),
                        Hooks.builder().build(),
                        false);
                assertArrayEquals(
                        full.tokens(), cached.tokens(), m[0] + " prompt " + i + ": the cache changes nothing");
                int best = 0;
                int base = (i * t + t - 1) * v;
                for (int j = 1; j < v; j++) {
                    if (all[base + j] > all[base + best]) {
                        best = j;
                    }
                }
                assertEquals(
                        best,
                        cached.tokens()[0],
                        m[0] + " prompt " + i + ": the first token is the argmax of the reference's last logits");
            }
        }
    }

    @Test
    void sampledGenerationRepeatsFromItsSeedWithOrWithoutTheCache() throws Exception {
        long[] prompt = neox.tokenizer().encode("The committee will meet");
        Generator.Sampling s = new Generator.Sampling(0.9, 42);
        Generator.Result a =
                Generator.generate(neox, prompt, 30, s, Hooks.builder().build(), true);
        Generator.Result b =
                Generator.generate(neox, prompt, 30, s, Hooks.builder().build(), false);
        assertArrayEquals(a.tokens(), b.tokens());
        Generator.Result other = Generator.generate(
                neox,
                prompt,
                30,
                new Generator.Sampling(0.9, 43),
                Hooks.builder().build(),
                true);
        assertFalse(Arrays.equals(a.tokens(), other.tokens()), "another seed, another continuation");
        assertThrows(IllegalArgumentException.class, () -> new Generator.Sampling(-1, 0));
    }

    @Test
    void steeringByZeroIsTheCleanContinuationAndTwoFeaturesSteerBoth() throws Exception {
        long[] prompt = neox.tokenizer().encode("The activities will focus on promoting and strengthening cooperation");
        Generator.Result clean = Generator.generate(
                neox, prompt, 20, Generator.Sampling.greedy(), Hooks.builder().build(), true);
        try (Interventions iv =
                new Interventions(neox, DictionaryFiles.read(Reference.path("saes/l1_4.11e-03")), null)) {
            Hooks zero = iv.replacing(new Intervention.Steer(
                    new int[] {519, 796}, new double[] {0, 0}, Intervention.SteerUnits.ABSOLUTE));
            assertArrayEquals(
                    clean.tokens(),
                    Generator.generate(neox, prompt, 20, Generator.Sampling.greedy(), zero, true)
                            .tokens());
            long[] both = steered(iv, prompt, new int[] {519, 796}, new double[] {12, 12});
            long[] first = steered(iv, prompt, new int[] {519}, new double[] {12});
            long[] second = steered(iv, prompt, new int[] {796}, new double[] {12});
            assertFalse(Arrays.equals(both, first), "dropping 796 changes the continuation");
            assertFalse(Arrays.equals(both, second), "dropping 519 changes the continuation");
            // the same steering recomputed at every step: the cache holds the steered keys and values
            Hooks h = iv.replacing(new Intervention.Steer(
                    new int[] {519, 796}, new double[] {12, 12}, Intervention.SteerUnits.ABSOLUTE));
            assertArrayEquals(
                    both,
                    Generator.generate(neox, prompt, 20, Generator.Sampling.greedy(), h, false)
                            .tokens());
        }
    }

    private long[] steered(Interventions iv, long[] prompt, int[] features, double[] alphas) {
        Hooks h = iv.replacing(new Intervention.Steer(features, alphas, Intervention.SteerUnits.ABSOLUTE));
        return Generator.generate(neox, prompt, 20, Generator.Sampling.greedy(), h, true)
                .tokens();
    }

    @Test
    void aContinuationPastGpt2sPositionsIsRefusedNamingTheLimit() throws Exception {
        long[] prompt = new long[gpt2.config().maxPositions() - 2];
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> Generator.generate(
                        gpt2,
                        prompt,
                        5,
                        Generator.Sampling.greedy(),
                        Hooks.builder().build(),
                        true));
        assertEquals(
                true, e.getMessage().contains(Integer.toString(gpt2.config().maxPositions())), e.getMessage());
    }
}
