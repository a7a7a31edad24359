package org.sparsescope.compute.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.Reference;

class ModelFolderErrorsTest {
    @TempDir
    Path tmp;

    private Path copyOfReferenceModel() throws Exception {
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json"}) {
            Files.copy(Reference.path("model/" + f), dir.resolve(f));
        }
        return dir;
    }

    @Test
    void unsupportedArchitectureIsRefusedNamingConfigJson() throws Exception {
        Path dir = copyOfReferenceModel();
        Files.writeString(
                dir.resolve("config.json"),
                Files.readString(dir.resolve("config.json")).replace("\"gpt_neox\"", "\"mamba\""));
        var e = assertThrows(UnsupportedModelException.class, () -> LanguageModel.load(dir));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("'mamba'"), e.getMessage());
    }

    @Test
    void aModelWhoseWeightsAndPassExceedFreeMemoryIsRefusedBeforeLoading() throws Exception {
        Path dir = FamiliesTest.family("llama");
        try (org.sparsescope.compute.tensor.Checkpoint c = org.sparsescope.compute.tensor.Checkpoint.open(dir)) {
            long bf16Bytes = 0, matrixBf16Bytes = 0, largest = 0;
            for (String n : c.names()) {
                var t = c.info(n).orElseThrow();
                bf16Bytes += 2 * t.numel();
                matrixBf16Bytes += t.shape().length == 2 ? 2 * t.numel() : 0;
                largest = Math.max(largest, 4 * t.numel());
            }
            // the weights as held (float32 twice the bf16 file; compact keeps matrices at 2 bytes), a twentieth more,
            // 5.5 GB for the engine and a pass, and in float32 twice the largest tensor (read in pieces, then joined)
            long float32 = 2 * bf16Bytes * 21 / 20 + 5_500_000_000L + 2 * largest;
            long compact = (2 * bf16Bytes - matrixBf16Bytes) * 21 / 20 + 5_500_000_000L;
            LanguageModel.requireMemory(dir, c, float32, false); // exactly enough
            var e = assertThrows(
                    UnsupportedModelException.class, () -> LanguageModel.requireMemory(dir, c, float32 - 1, false));
            assertTrue(e.getMessage().contains("float32") && e.getMessage().contains("GB"), e.getMessage());
            LanguageModel.requireMemory(dir, c, compact, true);
            var f = assertThrows(
                    UnsupportedModelException.class, () -> LanguageModel.requireMemory(dir, c, compact - 1, true));
            assertTrue(f.getMessage().contains("16 bits"), f.getMessage());
        }
    }

    /**
     * How matrices are held: as asked for a Llama/Qwen/Gemma on the CPU; with AUTO, bf16 products once the float32
     * weights and a pass would not fit in the memory free (and float32 when the free memory is unknown); GPT-2 and
     * GPT-NeoX, and anything on a GPU, always float32.
     */
    @Test
    void autoHoldsALargeDecoderInBf16WhereBf16IsFasterCompactWhereItIsSlowerAndEverythingElseInFloat32()
            throws Exception {
        TransformerConfig llama = TransformerConfig.read(FamiliesTest.family("llama"));
        TransformerConfig neox = TransformerConfig.read(copyOfReferenceModel());
        ai.djl.Device cpu = ai.djl.Device.cpu();
        long need = 10_000_000_000L;
        java.util.function.DoubleSupplier fast = () -> 4.0, slow = () -> 0.2, unavailable = () -> 0;
        java.util.function.DoubleSupplier notAsked = () -> {
            throw new AssertionError("the speeds are measured only when the float32 weights would not fit");
        };
        WeightPrecision auto = WeightPrecision.AUTO;
        assertEquals(WeightPrecision.FLOAT32, LanguageModel.held(llama, cpu, auto, need, need, notAsked));
        assertEquals(WeightPrecision.FLOAT32, LanguageModel.held(llama, cpu, auto, need, 0, notAsked), "unknown");
        assertEquals(WeightPrecision.BF16, LanguageModel.held(llama, cpu, auto, need, need - 1, fast));
        assertEquals(WeightPrecision.COMPACT, LanguageModel.held(llama, cpu, auto, need, need - 1, slow));
        assertEquals(WeightPrecision.COMPACT, LanguageModel.held(llama, cpu, auto, need, need - 1, unavailable));
        for (WeightPrecision asked : List.of(WeightPrecision.FLOAT32, WeightPrecision.COMPACT, WeightPrecision.BF16)) {
            assertEquals(asked, LanguageModel.held(llama, cpu, asked, need, 1, notAsked), "asked by name");
            assertEquals(WeightPrecision.FLOAT32, LanguageModel.held(neox, cpu, asked, need, 1, notAsked));
            assertEquals(
                    WeightPrecision.FLOAT32, LanguageModel.held(llama, ai.djl.Device.gpu(), asked, need, 1, notAsked));
        }
    }

    @Test
    void missingTokenizerIsRefusedNamingTheFile() throws Exception {
        Path dir = copyOfReferenceModel();
        Files.delete(dir.resolve("tokenizer.json"));
        var e = assertThrows(InvalidInputException.class, () -> LanguageModel.load(dir));
        assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void missingConfigAndMissingWeightsAreRefused() throws Exception {
        Path dir = copyOfReferenceModel();
        Files.delete(dir.resolve("model.safetensors"));
        var e = assertThrows(InvalidInputException.class, () -> LanguageModel.load(dir));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
        Files.delete(dir.resolve("config.json"));
        var e2 = assertThrows(InvalidInputException.class, () -> LanguageModel.load(dir));
        assertTrue(e2.getMessage().contains("config.json"), e2.getMessage());
    }

    @Test
    void weightOfTheWrongShapeIsRefusedNamingTheTensor() throws Exception {
        Path dir = copyOfReferenceModel();
        Files.writeString(
                dir.resolve("config.json"),
                Files.readString(dir.resolve("config.json"))
                        .replace("\"intermediate_size\": 1024", "\"intermediate_size\": 512"));
        var e = assertThrows(InvalidInputException.class, () -> LanguageModel.load(dir));
        assertTrue(e.getMessage().contains("dense_h_to_4h.weight"), e.getMessage());
    }

    @Test
    void newerRopeParametersSpellingIsRead() throws Exception {
        Path dir = copyOfReferenceModel();
        String cfg = Files.readString(dir.resolve("config.json"))
                .replace("\"rotary_emb_base\": 10000,", "")
                .replace(
                        "\"rotary_pct\": 0.25,",
                        "\"rope_parameters\": {\"rope_theta\": 10000, \"partial_rotary_factor\": 0.25, \"rope_type\": \"default\"},");
        Files.writeString(dir.resolve("config.json"), cfg);
        TransformerConfig c = TransformerConfig.read(dir);
        assertTrue(c.rotaryDims() == 8 && c.rotaryBase() == 10000.0, c.toString());
    }
}
