package org.sparsescope.compute.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.InvalidInputException;

/** The decoder families' config.json in the spellings checkpoints use, old and new, and what is refused by name. */
class DecoderConfigTest {
    @TempDir
    Path dir;

    private TransformerConfig read(String json) throws Exception {
        Files.writeString(dir.resolve("config.json"), json);
        return TransformerConfig.read(dir);
    }

    private static final String GEMMA3_BASE =
            "\"hidden_size\": 64, \"num_hidden_layers\": 6, \"num_attention_heads\": 4,"
                    + " \"num_key_value_heads\": 1, \"head_dim\": 256, \"intermediate_size\": 128, \"vocab_size\": 300,"
                    + " \"query_pre_attn_scalar\": 256, \"sliding_window\": 512";

    @Test
    void gemma3sRopeReadsTheSameFromRopeScalingAndFromTransformers5sPerLayerTypeParameters() throws Exception {
        TransformerConfig old = read("{\"model_type\": \"gemma3_text\", " + GEMMA3_BASE + ", \"rope_theta\": 1000000.0,"
                + " \"rope_local_base_freq\": 10000.0, \"rope_scaling\": {\"type\": \"linear\", \"factor\": 8.0},"
                + " \"torch_dtype\": \"bfloat16\"}");
        TransformerConfig v5 = read(
                "{\"model_type\": \"gemma3_text\", " + GEMMA3_BASE + ", \"rope_parameters\": {"
                        + "\"full_attention\": {\"rope_type\": \"linear\", \"factor\": 8.0, \"rope_theta\": 1000000.0},"
                        + "\"sliding_attention\": {\"rope_type\": \"default\", \"rope_theta\": 10000.0}}, \"dtype\": \"bfloat16\"}");
        assertEquals(old.decoder(), v5.decoder());
        Decoder d = old.decoder();
        assertEquals(new Rope(1e6, "linear", 8, 0, 0, 0), d.rope());
        assertEquals(Rope.plain(1e4), d.localRope());
        // sliding_window_pattern's default 6: layer 5 is global, the other five slide
        assertEquals(Set.of(0, 1, 2, 3, 4), d.slidingLayers());
        assertEquals(d.localRope(), d.ropeOf(0));
        assertEquals(d.rope(), d.ropeOf(5));
        assertEquals(1 / 16.0, d.attentionScale(), 1e-12, "query_pre_attn_scalar^-1/2");
        // √64 = 8 is exact in bf16; the normaliser of a width whose root is not shows the rounding
        assertEquals(8.0, d.embedScale());
        assertEquals(
                45.25, DecoderConfigs.roundedToStoredType(Math.sqrt(2048), "bfloat16"), "√2048 = 45.2548… in bf16");
        assertEquals((float) Math.sqrt(2048), DecoderConfigs.roundedToStoredType(Math.sqrt(2048), "float32"));
    }

    @Test
    void mistralRunsAsTheLlamaLayoutWithItsWindowOnEveryLayer() throws Exception {
        TransformerConfig c = read("{\"model_type\": \"mistral\", \"hidden_size\": 64, \"num_hidden_layers\": 3,"
                + " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"intermediate_size\": 128,"
                + " \"vocab_size\": 300, \"sliding_window\": 4096, \"rope_theta\": 10000.0, \"hidden_act\": \"silu\"}");
        assertEquals(TransformerConfig.Architecture.LLAMA, c.architecture());
        assertEquals(Set.of(0, 1, 2), c.decoder().slidingLayers());
        assertEquals(4096, c.decoder().slidingWindow());
        assertFalse(c.tiedEmbeddings(), "Llama-layout models have an lm_head unless they say otherwise");
    }

    /** modeling_rope_utils' llama3 rule, written out: long wavelengths ÷ factor, short kept, the band between blended. */
    @Test
    void llama3RopeScalesLongWavelengthsKeepsShortOnesAndBlendsTheBandBetween() {
        Rope r = new Rope(500000, "llama3", 8, 1, 4, 8192);
        float[] scaled = r.inverseFrequencies(16);
        float[] plain = Rope.plain(500000).inverseFrequencies(16);
        for (int i = 0; i < 8; i++) {
            double wavelen = 2 * Math.PI / plain[i];
            double want;
            if (wavelen < 8192 / 4.0) {
                want = plain[i];
            } else if (wavelen > 8192 / 1.0) {
                want = plain[i] / 8;
            } else {
                double smooth = (8192 / wavelen - 1) / (4 - 1);
                want = (1 - smooth) * plain[i] / 8 + smooth * plain[i];
            }
            assertEquals(want, scaled[i], 1e-6 * plain[i], "pair " + i);
        }
        assertEquals(1.0f, plain[0], "the first pair turns once a position");
        assertEquals(plain[0], scaled[0], "short wavelengths are kept");
        assertTrue(scaled[7] < plain[7], "long wavelengths are stretched");
    }

    @Test
    void mixtureOfExpertsAndGatedDeltaNetModelsAreRefusedByName() throws Exception {
        var moe = assertThrows(
                UnsupportedModelException.class, () -> read("{\"model_type\": \"qwen3_moe\", \"hidden_size\": 64}"));
        assertTrue(moe.getMessage().contains("mixture-of-experts"), moe.getMessage());
        var hybrid = assertThrows(
                UnsupportedModelException.class, () -> read("{\"model_type\": \"qwen3_next\", \"hidden_size\": 64}"));
        assertTrue(hybrid.getMessage().contains("Gated DeltaNet"), hybrid.getMessage());
        var scaling = assertThrows(
                UnsupportedModelException.class,
                () -> read("{\"model_type\": \"llama\","
                        + " \"hidden_size\": 64, \"num_hidden_layers\": 1, \"num_attention_heads\": 4,"
                        + " \"intermediate_size\": 8, \"vocab_size\": 10, \"rope_scaling\": {\"rope_type\": \"yarn\","
                        + " \"factor\": 4.0}}"));
        assertTrue(scaling.getMessage().contains("'yarn'"), scaling.getMessage());
        var types = assertThrows(
                InvalidInputException.class,
                () -> read("{\"model_type\": \"qwen3\","
                        + " \"hidden_size\": 64, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
                        + " \"intermediate_size\": 8, \"vocab_size\": 10, \"rope_parameters\": \"fast\"}"));
        assertTrue(types.getMessage().contains("rope_parameters"), types.getMessage());
    }

    @Test
    void aConfigsKeyValueHeadsMustDivideItsHeads() {
        var e = assertThrows(
                InvalidInputException.class,
                () -> read("{\"model_type\": \"llama\", \"hidden_size\": 64,"
                        + " \"num_hidden_layers\": 1, \"num_attention_heads\": 4, \"num_key_value_heads\": 3,"
                        + " \"intermediate_size\": 8, \"vocab_size\": 10}"));
        assertTrue(e.getMessage().contains("key/value heads"), e.getMessage());
        assertArrayEquals(new float[] {1f}, Rope.plain(10000).inverseFrequencies(2));
    }
}
