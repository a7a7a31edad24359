package org.sparsescope.compute.handoff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.model.Tokenizer;
import org.sparsescope.compute.tensor.DType;
import org.sparsescope.compute.tensor.Half;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.ProgressListener;

/**
 * The exports read back with Arrow's own reader give the set's rows bit for bit, its windows' token ids, and the
 * corpus as the tokenizer encodes it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatasetExportsTest {
    static final HookPoint HOOK = HookPoint.parse("blocks.1.hook_resid_post");
    static final int WINDOW = 16;

    Path tmp;
    Path f32, f16;

    @BeforeAll
    void harvest(@TempDir Path dir) throws Exception {
        tmp = dir;
        f32 = dir.resolve("set-f32");
        f16 = dir.resolve("set-f16");
        try (LanguageModel model = LanguageModel.load(Reference.path("model"))) {
            // 7 windows in chunks of 2: a batch reads across chunks
            for (var t : List.of(DType.F32, DType.F16)) {
                new Harvester(model)
                        .harvest(
                                HOOK,
                                Corpus.open(Reference.path("corpus/test.txt")),
                                t == DType.F32 ? f32 : f16,
                                HarvestOptions.of(7 * WINDOW, WINDOW)
                                        .withDtype(t)
                                        .withRowsPerChunk(32),
                                ProgressListener.NONE,
                                Cancellation.none());
            }
        }
    }

    static byte[] leaf(HfDatasetWriterTest.Read read, String path) {
        assertTrue(
                read.leafValues().containsKey(path),
                path + " not among " + read.leafValues().keySet());
        return read.leafValues().get(path);
    }

    @Test
    void cachedActivationsHoldTheSetsRowsAndWindowsBitForBit() throws Exception {
        for (Path setDir : List.of(f32, f16)) {
            Path out = tmp.resolve("cache-" + setDir.getFileName());
            try (ActivationSet set = ActivationSet.open(setDir)) {
                var r = SaeLensCachedActivations.export(set, out, null, 0, ProgressListener.NONE, Cancellation.none());
                assertEquals(WINDOW, r.context());
                assertEquals(7, r.examples());
                assertEquals(0, r.rowsLeftOut());
                assertTrue(r.tokenIds());
                assertEquals(set.dtype() == DType.F16 ? "float16" : "float32", r.dtype());

                var read = HfDatasetWriterTest.read(out.resolve(HfDataset.shardName(0, 1)));
                assertEquals(7, read.rows());
                var field = read.schema().findField(HOOK.name());
                assertEquals(
                        "[[" + WINDOW + ", " + set.d() + "], \"" + r.dtype() + "\"]",
                        field.getMetadata().get(HfDataset.EXTENSION_METADATA));
                byte[] values = leaf(read, HOOK + "/$data$/$data$");
                ByteBuffer b = ByteBuffer.wrap(values).order(ByteOrder.LITTLE_ENDIAN);
                float[] rows = set.readRows(0, (int) set.rows());
                for (int i = 0; i < rows.length; i++) {
                    float got = set.dtype() == DType.F16 ? Half.toFloat(b.getShort()) : b.getFloat();
                    assertEquals(Float.floatToRawIntBits(rows[i]), Float.floatToRawIntBits(got), "value " + i);
                }
                ByteBuffer ids = ByteBuffer.wrap(leaf(read, "token_ids/$data$")).order(ByteOrder.LITTLE_ENDIAN);
                for (int w = 0; w < 7; w++) {
                    long[] want = set.context((long) w * WINDOW).orElseThrow().tokenIds();
                    for (long id : want) {
                        assertEquals(id, ids.getInt());
                    }
                }
            }
        }
    }

    @Test
    void aForeignSetNeedsItsHookAndContextNamed() throws Exception {
        Path npy = tmp.resolve("foreign.safetensors");
        try (ActivationSet set = ActivationSet.open(f32)) {
            org.sparsescope.compute.tensor.Safetensors.write(
                    npy,
                    java.util.Map.of(
                            "activations",
                            org.sparsescope.compute.tensor.Tensor.ofFloats(
                                    new long[] {50, set.d()}, set.readRows(0, 50))));
        }
        try (ActivationSet foreign = ActivationSet.open(npy)) {
            var noHook = assertThrows(
                    InvalidInputException.class,
                    () -> SaeLensCachedActivations.export(
                            foreign, tmp.resolve("x"), null, 16, ProgressListener.NONE, Cancellation.none()));
            assertTrue(noHook.getMessage().contains("hook"), noHook.getMessage());
            var noContext = assertThrows(
                    InvalidInputException.class,
                    () -> SaeLensCachedActivations.export(
                            foreign, tmp.resolve("x"), HOOK, 0, ProgressListener.NONE, Cancellation.none()));
            assertTrue(noContext.getMessage().contains("context"), noContext.getMessage());
            var r = SaeLensCachedActivations.export(
                    foreign, tmp.resolve("foreign-cache"), HOOK, 16, ProgressListener.NONE, Cancellation.none());
            assertEquals(3, r.examples());
            assertEquals(2, r.rowsLeftOut());
            assertFalse(r.tokenIds());
            assertFalse(Files.exists(tmp.resolve("x")), "a refused export leaves nothing");
        }
    }

    @Test
    void sparsifyRowsAreTheCorpusAsTheTokenizerEncodesIt() throws Exception {
        Path corpusFile = Reference.path("corpus/test.txt");
        int ctx = 32;
        var r = SparsifyTokens.export(
                Corpus.open(corpusFile),
                Reference.path("model"),
                ctx,
                20,
                tmp.resolve("tokens"),
                ProgressListener.NONE,
                Cancellation.none());
        assertEquals(20, r.rows());
        // the plain definition: each document encoded, followed by <|endoftext|>, concatenated, cut into rows
        List<Long> stream = new ArrayList<>();
        boolean bos;
        try (Tokenizer t = Tokenizer.load(Reference.path("model"))) {
            bos = t.bosId() >= 0;
            for (String doc : Corpus.open(corpusFile).readAll()) {
                for (long id : t.encode(doc)) {
                    stream.add(id);
                }
                stream.add(t.endOfTextId());
                if (stream.size() > 40 * ctx) {
                    break;
                }
            }
        }
        assertFalse(bos, "the reference tokenizer (Pythia's) adds no BOS");
        var read = HfDatasetWriterTest.read(tmp.resolve("tokens").resolve(HfDataset.shardName(0, 1)));
        assertEquals(20, read.rows());
        ByteBuffer ids = ByteBuffer.wrap(leaf(read, "input_ids/$data$")).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 20 * ctx; i++) {
            assertEquals((long) stream.get(i), ids.getInt(), "token " + i);
        }
    }
}
