package org.sparsescope.compute.activations;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.tensor.DType;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.ProgressListener;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HarvestTest {
    @TempDir
    Path tmp;

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

    Stream<Arguments> modelsAndDtypes() {
        return Stream.of(
                Arguments.of("model", "forward", DType.F16),
                Arguments.of("model", "forward", DType.F32),
                Arguments.of("model-gpt2", "forward-gpt2", DType.F16),
                Arguments.of("model-gpt2", "forward-gpt2", DType.F32));
    }

    /** The fixture texts as a JSONL corpus, one document each. */
    private Path fixtureCorpus(String fixture) throws Exception {
        JsonObject f = JsonParser.parseString(Files.readString(Reference.path("fixtures/" + fixture + ".json")))
                .getAsJsonObject();
        JsonArray texts = f.getAsJsonArray("texts");
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < texts.size(); i++) {
            JsonObject o = new JsonObject();
            o.add("text", texts.get(i));
            jsonl.append(o).append('\n');
        }
        Path p = tmp.resolve(fixture + ".jsonl");
        Files.writeString(p, jsonl.toString());
        return p;
    }

    @ParameterizedTest(name = "{0} {2}: harvesting the fixture texts at every hook reproduces transformers")
    @MethodSource("modelsAndDtypes")
    void harvestReproducesEveryFixtureHook(String dir, String fixture, DType dtype) throws Exception {
        LanguageModel m = dir.equals("model") ? neox : gpt2;
        Map<String, Tensor> expected = Safetensors.readAll(Reference.path("fixtures/" + fixture + ".safetensors"));
        Corpus corpus = Corpus.open(fixtureCorpus(fixture));
        Harvester h = new Harvester(m);
        // one 48-token window at the start of each document: exactly the fixture's rows
        HarvestOptions opts = HarvestOptions.of(4 * 48, 48)
                .withDtype(dtype)
                .atDocumentStarts()
                .withRowsPerChunk(96);
        int hooks = 0;
        for (String hook : expected.keySet()) {
            if (!hook.startsWith("blocks.") && !hook.startsWith("ln_final")) {
                continue;
            }
            hooks++;
            Path out = tmp.resolve(dir + "-" + dtype + "-" + hook);
            h.harvest(HookPoint.parse(hook), corpus, out, opts, ProgressListener.NONE, Cancellation.none());
            try (ActivationSet set = ActivationSet.open(out)) {
                assertEquals(4 * 48, set.rows());
                assertEquals(2, set.chunkCount());
                assertEquals(HookPoint.parse(hook), set.hook());
                float[] got = set.readRows(0, 4 * 48);
                float[] want = expected.get(hook).floats();
                for (int i = 0; i < want.length; i++) {
                    // fp16 keeps 11 significant bits: 1e-3, or the rounding of the value itself where that is larger
                    double tol = dtype == DType.F32 ? 1e-4 : Math.max(1e-3, Math.abs(want[i]) * 0x1p-11 + 1e-4);
                    if (Math.abs(got[i] - want[i]) > tol) {
                        throw new AssertionError(hook + " element " + i + ": " + got[i] + " vs " + want[i]);
                    }
                }
                var ctx = set.context(48 + 5).orElseThrow();
                assertEquals(5, ctx.position());
                assertArrayEquals(
                        java.util.Arrays.copyOfRange(expected.get("input_ids").longs(), 48, 96),
                        ctx.tokenIds(),
                        "row traces back to its text");
            }
        }
        assertTrue(hooks >= 17);
    }

    private Path referenceCorpus() {
        return Reference.path("corpus/test.txt");
    }

    private static List<byte[]> chunkBytes(Path set) throws Exception {
        List<byte[]> out = new ArrayList<>();
        try (ActivationSet s = ActivationSet.open(set)) {
            for (int c = 0; c < s.chunkCount(); c++) {
                out.add(Files.readAllBytes(s.chunkFile(c)));
            }
        }
        return out;
    }

    @Test
    void cancelledAndKilledHarvestResumesToTheSameSetAsAnUninterruptedRun() throws Exception {
        Harvester h = new Harvester(neox);
        Corpus corpus = Corpus.open(referenceCorpus());
        HarvestOptions opts = HarvestOptions.of(16 * 128, 128)
                .withRowsPerChunk(2 * 128)
                .withBatchWindows(2)
                .shuffled(7);
        Path whole = tmp.resolve("whole");
        h.harvest(
                HookPoint.parse("blocks.2.hook_resid_post"),
                corpus,
                whole,
                opts,
                ProgressListener.NONE,
                Cancellation.none());

        Path resumed = tmp.resolve("resumed");
        Cancellation cancel = new Cancellation();
        assertThrows(
                CancelledException.class,
                () -> h.harvest(
                        HookPoint.parse("blocks.2.hook_resid_post"),
                        corpus,
                        resumed,
                        opts,
                        p -> {
                            if (p.fraction() > 0.4 && p.message().startsWith("harvesting")) cancel.cancel();
                        },
                        cancel));
        try (ActivationSet partial = ActivationSet.open(resumed)) {
            assertTrue(
                    partial.chunkCount() > 0 && partial.chunkCount() < 8,
                    "some whole chunks, not all: " + partial.chunkCount());
            assertFalse(partial.manifest().complete());
        }
        // what a kill leaves: a half-written temporary, and a chunk renamed into place but not yet in the manifest
        Files.writeString(resumed.resolve(".chunk-00007.safetensors.tmp-dead"), "half");
        Files.writeString(resumed.resolve("chunk-00006.safetensors"), "garbage from a kill");
        Harvester.Result r = new Harvester(neox)
                .harvest(
                        HookPoint.parse("blocks.2.hook_resid_post"),
                        corpus,
                        resumed,
                        opts,
                        ProgressListener.NONE,
                        Cancellation.none());
        assertTrue(r.rowsWritten() < 16 * 128, "resumed, not restarted");
        List<byte[]> a = chunkBytes(whole), b = chunkBytes(resumed);
        assertEquals(8, a.size());
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i), "chunk " + i);
        }
        try (Stream<Path> s = Files.list(resumed)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".tmp")), "no temporaries left");
        }
    }

    @Test
    void seedStyleChunkFolderReadsAsAOneChunkSet() throws Exception {
        try (ActivationSet set = ActivationSet.open(Reference.path("chunks"))) {
            assertEquals(1, set.chunkCount());
            assertEquals(8192, set.rows());
            assertEquals(256, set.d());
            assertNull(set.hook());
            assertEquals(org.sparsescope.compute.tensor.NpyFile.read(Reference.path("chunks/0.npy")), set.readChunk(0));
        }
        try (ActivationSet one = ActivationSet.open(
                Reference.path("chunks/0.npy"), HookPoint.parse("blocks.2.hook_resid_post"), "model")) {
            assertEquals(HookPoint.parse("blocks.2.hook_resid_post"), one.hook());
            assertEquals(8192, one.rows());
        }
    }

    @Test
    void chunkOfAnotherWidthIsRefusedNamingIt() throws Exception {
        Path dir = tmp.resolve("npys");
        Files.createDirectories(dir);
        Files.copy(Reference.path("chunks/0.npy"), dir.resolve("a.npy"));
        Path wide = dir.resolve("b.npy");
        Files.write(wide, npy(new long[] {4, 8}));
        var e = assertThrows(InvalidInputException.class, () -> ActivationSet.open(dir));
        assertTrue(
                e.getMessage().contains("b.npy")
                        && e.getMessage().contains("d=8")
                        && e.getMessage().contains("256"),
                e.getMessage());
    }

    private static byte[] npy(long[] shape) {
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape[0] + ", " + shape[1] + "), }";
        while ((10 + header.length() + 1) % 64 != 0) {
            header += " ";
        }
        header += "\n";
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(10 + header.length() + (int) (shape[0] * shape[1] * 4))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0})
                .putShort((short) header.length())
                .put(header.getBytes());
        return b.array();
    }

    private Path smallSet(String name) throws Exception {
        Path out = tmp.resolve(name);
        harvestSmallSetInto(out);
        return out;
    }

    /** Four windows of 64 at blocks.1.hook_mlp_out, two chunks: made, or resumed where {@code out} holds them. */
    private void harvestSmallSetInto(Path out) throws Exception {
        new Harvester(neox)
                .harvest(
                        HookPoint.parse("blocks.1.hook_mlp_out"),
                        Corpus.open(referenceCorpus()),
                        out,
                        HarvestOptions.of(4 * 64, 64).withRowsPerChunk(128),
                        ProgressListener.NONE,
                        Cancellation.none());
    }

    /**
     * A set says in what precision the model's products computed its rows; a harvest resumed with other products
     * (bf16 where the set was float32) is refused rather than mixing the two, and a manifest naming a precision that
     * does not exist is a typed error naming the file.
     */
    @Test
    void aSetRecordsItsProductPrecisionAndAResumeWithOtherProductsIsRefused() throws Exception {
        Path set = smallSet("precision");
        Manifest written = Manifest.read(set);
        assertEquals("float32", written.products(), "the reference model runs float32 products");

        // as if an earlier, interrupted harvest had run with bf16 products
        written.toBuilder().products("bf16").complete(false).build().write(set);
        byte[] before = Files.readAllBytes(set.resolve("chunk-00000.safetensors"));
        var e = assertThrows(InvalidInputException.class, () -> harvestSmallSetInto(set));
        assertTrue(e.getMessage().contains("bf16 products, not float32"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(set.resolve("chunk-00000.safetensors")));

        written.toBuilder().products("fp8").build().write(set);
        var bad = assertThrows(InvalidInputException.class, () -> Manifest.read(set));
        assertTrue(
                bad.getMessage().contains("manifest.json") && bad.getMessage().contains("'fp8'"), bad.getMessage());

        // a set written before the field existed reads as float32 products
        com.google.gson.JsonObject json = com.google.gson.JsonParser.parseString(
                        Files.readString(set.resolve(Manifest.FILE)))
                .getAsJsonObject();
        json.remove("products");
        Files.writeString(set.resolve(Manifest.FILE), json.toString());
        assertEquals("float32", Manifest.read(set).productPrecision());
    }

    @Test
    void truncatedChunkAndMissingChunkAreRefusedNamingTheFile() throws Exception {
        Path set = smallSet("broken");
        Path chunk = set.resolve("chunk-00001.safetensors");
        byte[] bytes = Files.readAllBytes(chunk);
        Files.write(chunk, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        var e = assertThrows(InvalidInputException.class, () -> ActivationSet.open(set));
        assertTrue(
                e.getMessage().contains("chunk-00001.safetensors")
                        && e.getMessage().contains("truncated"),
                e.getMessage());
        Files.delete(chunk);
        var e2 = assertThrows(InvalidInputException.class, () -> ActivationSet.open(set));
        assertTrue(
                e2.getMessage().contains("manifest.json")
                        && e2.getMessage().contains("chunk-00001.safetensors")
                        && e2.getMessage().contains("missing"),
                e2.getMessage());
    }

    @Test
    void emptyCorpusUnknownHookAndOccupiedFolderAreRefusedAndNothingIsLost() throws Exception {
        Path empty = tmp.resolve("empty.txt");
        Files.writeString(empty, "<|endoftext|>\n\n<|endoftext|>\n");
        Harvester h = new Harvester(neox);
        HarvestOptions opts = HarvestOptions.of(256, 64);
        var e = assertThrows(
                InvalidInputException.class,
                () -> h.harvest(
                        HookPoint.parse("blocks.0.hook_resid_post"),
                        Corpus.open(empty),
                        tmp.resolve("e"),
                        opts,
                        ProgressListener.NONE,
                        Cancellation.none()));
        assertTrue(e.getMessage().contains("empty.txt") && e.getMessage().contains("empty corpus"), e.getMessage());

        var e2 = assertThrows(
                InvalidInputException.class,
                () -> h.harvest(
                        HookPoint.parse("blocks.9.hook_resid_post"),
                        Corpus.open(referenceCorpus()),
                        tmp.resolve("h"),
                        opts,
                        ProgressListener.NONE,
                        Cancellation.none()));
        assertTrue(
                e2.getMessage().contains("blocks.9.hook_resid_post")
                        && e2.getMessage().contains("model"),
                e2.getMessage());
        assertFalse(Files.exists(tmp.resolve("h")), "nothing written for a bad hook");

        Path occupied = tmp.resolve("mine");
        Files.createDirectories(occupied);
        Files.writeString(occupied.resolve("notes.txt"), "my notes");
        var e3 = assertThrows(
                InvalidInputException.class,
                () -> h.harvest(
                        HookPoint.parse("blocks.0.hook_resid_post"),
                        Corpus.open(referenceCorpus()),
                        occupied,
                        opts,
                        ProgressListener.NONE,
                        Cancellation.none()));
        assertTrue(e3.getMessage().contains("not an activation set"), e3.getMessage());
        assertEquals("my notes", Files.readString(occupied.resolve("notes.txt")));
        try (Stream<Path> s = Files.list(occupied)) {
            assertEquals(1, s.count());
        }

        Path set = smallSet("kept");
        byte[] before = Files.readAllBytes(set.resolve("chunk-00000.safetensors"));
        var e4 = assertThrows(
                InvalidInputException.class,
                () -> h.harvest(
                        HookPoint.parse("blocks.0.hook_resid_post"),
                        Corpus.open(referenceCorpus()),
                        set,
                        HarvestOptions.of(4 * 64, 64).withRowsPerChunk(128),
                        ProgressListener.NONE,
                        Cancellation.none()));
        assertTrue(e4.getMessage().contains("holds another set"), e4.getMessage());
        assertArrayEquals(before, Files.readAllBytes(set.resolve("chunk-00000.safetensors")));
    }
}
