package org.sparsescope.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.activations.Manifest;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.model.TransformerConfig;
import org.sparsescope.compute.tensor.Checkpoint;
import org.sparsescope.compute.tensor.HostileFiles;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.SafetensorsFile;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.tensor.TorchFile;

/**
 * The reliability issue's failure classes outside the pickle: JSON of the wrong type, non-UTF-8 or nested too deep,
 * sizes that divide by zero, names holding a NUL, window starts outside the token stream, a 1-D W_enc, a lying zip
 * size behind an activation set, a state dict kept under a key, a huge header. Each is a typed error naming the file
 * (and the field), or the right reading.
 */
class HostileInputsTest {
    @TempDir
    Path tmp;

    private static void assertTyped(Path file, String phrase, org.junit.jupiter.api.function.Executable read) {
        InvalidInputException e = assertThrows(InvalidInputException.class, read);
        assertEquals(file, e.file(), e.getMessage());
        assertTrue(e.getMessage().contains(phrase), "expected '" + phrase + "' in: " + e.getMessage());
    }

    private Path modelConfig(String name, String from, String to) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        String c = Files.readString(Reference.path("model/config.json"));
        assertTrue(c.contains(from), from);
        Files.writeString(dir.resolve(TransformerConfig.FILE), c.replace(from, to));
        return dir;
    }

    @Test
    void aModelConfigOfTheWrongTypesIsATypedErrorNamingTheField() throws Exception {
        Path heads = modelConfig("heads-text", "\"num_attention_heads\": 8", "\"num_attention_heads\": \"8\"");
        assertTyped(
                heads.resolve("config.json"),
                "field \"num_attention_heads\" should be an integer",
                () -> TransformerConfig.read(heads));
        Path zero = modelConfig("heads-zero", "\"num_attention_heads\": 8", "\"num_attention_heads\": 0");
        assertTyped(
                zero.resolve("config.json"),
                "\"num_attention_heads\" is 0 (expected 1 to",
                () -> TransformerConfig.read(zero));
        Path parallel =
                modelConfig("parallel-null", "\"use_parallel_residual\": true", "\"use_parallel_residual\": \"yes\"");
        assertTyped(
                parallel.resolve("config.json"),
                "\"use_parallel_residual\" should be true or false",
                () -> TransformerConfig.read(parallel));
        Path latin = Files.createDirectories(tmp.resolve("latin1"));
        Files.write(
                latin.resolve("config.json"),
                "{\"model_type\": \"gpt2\", \"n\u00e9\": 1}".getBytes(StandardCharsets.ISO_8859_1));
        assertTyped(latin.resolve("config.json"), "not UTF-8 text", () -> TransformerConfig.read(latin));
        Path deep = Files.createDirectories(tmp.resolve("deep"));
        Files.writeString(deep.resolve("config.json"), "{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}");
        assertTyped(deep.resolve("config.json"), "nested more than 64 levels deep", () -> TransformerConfig.read(deep));
    }

    private Path saeLens(String name, String cfgFrom, String cfgTo, Map<String, Tensor> weights) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        String cfg = Files.readString(Reference.path("saes/l1_4.11e-03/cfg.json"));
        Files.writeString(dir.resolve("cfg.json"), cfg.replace(cfgFrom, cfgTo));
        if (weights == null) {
            Files.copy(
                    Reference.path("saes/l1_4.11e-03/sae_weights.safetensors"), dir.resolve("sae_weights.safetensors"));
        } else {
            Safetensors.write(dir.resolve("sae_weights.safetensors"), weights);
        }
        return dir;
    }

    @Test
    void dictionaryConfigsAndParametersOfTheWrongShapeAreTypedErrors() throws Exception {
        Path list = saeLens("d-in-list", "\"d_in\": 256", "\"d_in\": [256]", null);
        assertTyped(list.resolve("cfg.json"), "field \"d_in\" should be an integer", () -> DictionaryFiles.read(list));
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("W_enc", Tensor.ofFloats(new long[] {4}, new float[4])); // 1-D
        w.put("b_enc", Tensor.ofFloats(new long[] {4}, new float[4]));
        w.put("W_dec", Tensor.ofFloats(new long[] {4, 1}, new float[4]));
        w.put("b_dec", Tensor.ofFloats(new long[] {1}, new float[1]));
        Path oneD = saeLens("one-d", "\"d_in\": 256", "\"d_in\": 1", w);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> DictionaryFiles.read(oneD));
        assertTrue(
                e.getMessage().contains(oneD.toString())
                        && (e.getMessage().contains("W_enc") || e.getMessage().contains("d_sae")),
                e.getMessage());
    }

    @Test
    void aCheckpointIndexOfTheWrongTypeOrNamingANulIsATypedError() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("index"));
        Path index = dir.resolve(Checkpoint.INDEX);
        Files.writeString(index, "{\"weight_map\": [1, 2]}");
        assertTyped(
                index,
                "field \"weight_map\" should be an object",
                () -> Checkpoint.open(dir).close());
        Files.writeString(index, "{\"weight_map\": {\"a\": \"x\\u0000y.safetensors\"}}");
        assertTyped(
                index, "should name a shard file", () -> Checkpoint.open(dir).close());
    }

    /** A native set of one chunk of 4 rows (window 2), its corpus of `corpusTokens` tokens, the chunk's window starts as given. */
    private Path nativeSet(String name, Tensor windowStarts, int corpusTokens, String chunkName) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        org.sparsescope.compute.fuzz.FuzzSeeds.oneChunkManifest(chunkName).write(dir);
        if (chunkName.indexOf('\0') < 0) {
            Map<String, Tensor> chunk = new LinkedHashMap<>();
            chunk.put(ActivationSet.ACTIVATIONS, Tensor.ofFloats(new long[] {4, 3}, new float[12]));
            chunk.put(ActivationSet.WINDOW_STARTS, windowStarts);
            Safetensors.write(dir.resolve(chunkName), chunk);
        }
        int[] ids = new int[corpusTokens];
        ByteBuffer b = ByteBuffer.allocate(4 * corpusTokens).order(ByteOrder.LITTLE_ENDIAN);
        for (int id : ids) {
            b.putInt(id);
        }
        Map<String, Tensor> tokens = new LinkedHashMap<>();
        tokens.put("ids", new Tensor(org.sparsescope.compute.tensor.DType.I32, new long[] {corpusTokens}, b.flip()));
        tokens.put(
                "documents",
                new Tensor(org.sparsescope.compute.tensor.DType.I32, new long[] {corpusTokens}, b.duplicate()));
        Safetensors.write(dir.resolve("tokens.safetensors"), tokens);
        return dir;
    }

    @Test
    void windowStartsOutsideTheTokenStreamOrNotIntegersAreTypedErrors() throws Exception {
        Path out = nativeSet(
                "outside", Tensor.ofLongs(new long[] {2}, new long[] {0, 1_000_000}), 8, "chunk-0.safetensors");
        try (ActivationSet set = ActivationSet.open(out)) {
            assertTyped(out.resolve("chunk-0.safetensors"), "outside the corpus's 8 tokens", () -> set.context(3));
        }
        Path f64 = nativeSet("f64", Tensor.ofDoubles(new long[] {2}, new double[] {0, 2}), 8, "chunk-0.safetensors");
        try (ActivationSet set = ActivationSet.open(f64)) {
            assertTyped(
                    f64.resolve("chunk-0.safetensors"),
                    "should be a list of integers, found F64",
                    () -> set.context(0));
        }
        Path good = nativeSet("good", Tensor.ofLongs(new long[] {2}, new long[] {0, 2}), 8, "chunk-0.safetensors");
        try (ActivationSet set = ActivationSet.open(good)) {
            assertEquals(2, set.context(3).orElseThrow().windowStart());
        }
    }

    @Test
    void aManifestNamingAChunkWithANulOrOfTheWrongTypeIsATypedError() throws Exception {
        Path nul = nativeSet("nul", null, 8, "chunk\u00000.safetensors");
        assertTyped(
                nul.resolve(Manifest.FILE),
                "lacks its file name",
                () -> ActivationSet.open(nul).close());
        Path wrong = nativeSet("wrong", Tensor.ofLongs(new long[] {2}, new long[] {0, 2}), 8, "chunk-0.safetensors");
        Files.writeString(
                wrong.resolve(Manifest.FILE),
                Files.readString(wrong.resolve(Manifest.FILE)).replace("\"d\": 3", "\"d\": \"three\""));
        assertTyped(
                wrong.resolve(Manifest.FILE),
                "a field has the wrong type",
                () -> ActivationSet.open(wrong).close());
    }

    @Test
    void aPtChunkWhoseZipClaimsTerabytesIsRefusedNotCountedAsRows() throws Exception {
        long rows = 1L << 36;
        byte[] pickle = new HostileFiles.Pickle()
                .tensor("FloatStorage", "0", rows * 4, 0, new Long[] {rows, 4L}, new Long[] {4L, 1L})
                .stop();
        Path f = HostileFiles.torchZip(tmp.resolve("0.pt"), pickle, Map.of("0", HostileFiles.floats(1, 2, 3, 4)), true);
        HostileFiles.claimSize(f, "archive/data/0", Integer.MAX_VALUE);
        assertTyped(f, "claims 2147483647 bytes", () -> ActivationSet.open(f).close());
        Path g = HostileFiles.torchZip(
                tmp.resolve("honest.pt"), pickle, Map.of("0", HostileFiles.floats(1, 2, 3, 4)), true);
        assertTyped(
                g,
                "holds 16 bytes, but the pickle declares",
                () -> ActivationSet.open(g).close());
    }

    @Test
    void aStateDictKeptUnderOneKeyIsReadAndADictWithoutTensorsIsATypedError() throws Exception {
        HostileFiles.Pickle p = new HostileFiles.Pickle()
                .op('}')
                .unicode("model_state_dict")
                .op('}')
                .unicode("w")
                .tensor("FloatStorage", "0", 4, 0, new Long[] {4L}, new Long[] {1L})
                .op('s', 's')
                .unicode("epoch")
                .integer(3)
                .op('s');
        Path f = HostileFiles.torchZip(
                tmp.resolve("with_key.pt"), p.stop(), Map.of("0", HostileFiles.floats(1, 2, 3, 4)), false);
        assertEquals(List.of("w"), List.copyOf(TorchFile.readStateDict(f).keySet()));
        Path g = HostileFiles.torchZip(
                tmp.resolve("empty.pt"),
                new HostileFiles.Pickle()
                        .op('}')
                        .unicode("epoch")
                        .integer(3)
                        .op('s')
                        .stop(),
                Map.of(),
                false);
        assertTyped(g, "holds no tensors at its top level", () -> TorchFile.readStateDict(g));
    }

    @Test
    void aHugeSafetensorsHeaderFailsAtItsFirstBadEntryWithoutBeingReadWhole() throws Exception {
        String head = "{\"a\":{\"dtype\":\"Q9\",\"shape\":[1],\"data_offsets\":[0,1]}";
        byte[] json = (head + " ".repeat(40 << 20) + "}").getBytes(StandardCharsets.UTF_8);
        Path f = tmp.resolve("huge.safetensors");
        Files.write(
                f,
                ByteBuffer.allocate(8 + json.length)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(json.length)
                        .put(json)
                        .array());
        InvalidInputException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                Duration.ofSeconds(1), () -> assertThrows(InvalidInputException.class, () -> SafetensorsFile.open(f)));
        assertTrue(e.getMessage().contains("unknown dtype 'Q9'"), e.getMessage());
    }
}
