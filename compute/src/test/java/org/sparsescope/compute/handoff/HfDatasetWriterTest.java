package org.sparsescope.compute.handoff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.tensor.Half;

/**
 * The directories {@link HfDatasetWriter} writes against ones {@code datasets} itself wrote (src/test/resources/handoff,
 * made by make_fixtures.py there with datasets 5.0.1, the layout of huggingface/datasets commit b7cb10b): the same
 * Arrow schema with the same field and schema metadata, the same JSON files, the same values bit for bit.
 */
class HfDatasetWriterTest {
    static final int CTX = 4, D = 3, N = 5;
    static final String HOOK = "blocks.0.hook_mlp_out";

    @TempDir
    Path tmp;

    static Path fixture(String name) throws URISyntaxException {
        return Path.of(HfDatasetWriterTest.class.getResource("/handoff/" + name).toURI());
    }

    /** make_fixtures.py's values: k/7 − 2 for the activations, 37k mod 50257 for the tokens. */
    static ByteBuffer activations(String dtype) {
        int n = N * CTX * D;
        ByteBuffer b =
                ByteBuffer.allocate(n * (dtype.equals("float16") ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < n; k++) {
            float v = (float) (k / 7.0 - 2.0);
            if (dtype.equals("float16")) {
                b.putShort(Half.fromFloat(v));
            } else {
                b.putFloat(v);
            }
        }
        return b.flip();
    }

    static ByteBuffer tokenIds() {
        ByteBuffer b = ByteBuffer.allocate(N * CTX * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < N * CTX; k++) {
            b.putInt((int) ((long) k * 37 % 50257));
        }
        return b.flip();
    }

    /** Written in two batches (2 + 3 examples), so record batches need not match the fixture's to read the same. */
    Path write(List<HfDataset.Feature> features, Map<String, ByteBuffer> values) throws IOException {
        Path out = tmp.resolve("out");
        try (HfDatasetWriter w = new HfDatasetWriter(out, features, N)) {
            Map<String, ByteBuffer> first = new java.util.HashMap<>(), rest = new java.util.HashMap<>();
            for (HfDataset.Feature f : features) {
                ByteBuffer all = values.get(f.name());
                int cut = (int) (2 * f.bytesPerExample());
                first.put(f.name(), all.duplicate().limit(cut).slice().order(ByteOrder.LITTLE_ENDIAN));
                rest.put(f.name(), all.duplicate().position(cut).slice().order(ByteOrder.LITTLE_ENDIAN));
            }
            w.write(2, first);
            w.write(3, rest);
            w.commit("0123456789abcdef");
        }
        return out;
    }

    /** What a reader sees: the schema, and each column's buffers concatenated over all record batches. */
    record Read(Schema schema, Map<String, byte[]> leafValues, Map<String, int[]> offsets, long rows) {}

    static Read read(Path arrow) throws IOException {
        Map<String, ByteArrayOutputStream> leaves = new java.util.LinkedHashMap<>();
        Map<String, java.util.List<Integer>> offsets = new java.util.LinkedHashMap<>();
        long rows = 0;
        Schema schema;
        try (RootAllocator a = new RootAllocator();
                FileChannel ch = FileChannel.open(arrow);
                ArrowStreamReader r = new ArrowStreamReader(ch, a)) {
            VectorSchemaRoot root = r.getVectorSchemaRoot();
            schema = root.getSchema();
            while (r.loadNextBatch()) {
                rows += root.getRowCount();
                for (FieldVector v : root.getFieldVectors()) {
                    collect(v.getName(), v, leaves, offsets);
                }
            }
        }
        Map<String, byte[]> bytes = new java.util.LinkedHashMap<>();
        leaves.forEach((k, v) -> bytes.put(k, v.toByteArray()));
        Map<String, int[]> offs = new java.util.LinkedHashMap<>();
        offsets.forEach(
                (k, v) -> offs.put(k, v.stream().mapToInt(Integer::intValue).toArray()));
        return new Read(schema, bytes, offs, rows);
    }

    /** Leaf values as bytes; of each list level, the lengths of its lists (offsets differ per batch, lengths do not). */
    private static void collect(
            String path,
            FieldVector v,
            Map<String, ByteArrayOutputStream> leaves,
            Map<String, java.util.List<Integer>> lengths) {
        List<FieldVector> children = v.getChildrenFromFields();
        if (children.isEmpty()) {
            int bytes = v.getValueCount()
                    * (v.getField().getType() instanceof org.apache.arrow.vector.types.pojo.ArrowType.FloatingPoint fp
                                    && fp.getPrecision() == org.apache.arrow.vector.types.FloatingPointPrecision.HALF
                            ? 2
                            : 4);
            byte[] b = new byte[bytes];
            v.getDataBuffer().getBytes(0, b);
            leaves.computeIfAbsent(path, k -> new ByteArrayOutputStream()).writeBytes(b);
            for (int i = 0; i < v.getValueCount(); i++) {
                assertFalse(v.isNull(i), path + " value " + i + " is null");
            }
            return;
        }
        if (v instanceof org.apache.arrow.vector.complex.ListVector list) {
            var l = lengths.computeIfAbsent(path, k -> new java.util.ArrayList<>());
            for (int i = 0; i < list.getValueCount(); i++) {
                assertFalse(list.isNull(i), path + " list " + i + " is null");
                l.add(list.getElementEndIndex(i) - list.getElementStartIndex(i));
            }
        }
        for (FieldVector c : children) {
            collect(path + "/" + c.getName(), c, leaves, lengths); // Arrow names list children $data$
        }
    }

    static void assertSameDirectory(Path datasets, Path ours) throws IOException {
        String shard = HfDataset.shardName(0, 1);
        Read want = read(datasets.resolve(shard));
        Read got = read(ours.resolve(shard));
        assertEquals(want.schema(), got.schema()); // fields, types, nullability, field metadata
        assertEquals(
                want.schema().getCustomMetadata(),
                got.schema().getCustomMetadata()); // the huggingface JSON, byte for byte
        for (int i = 0; i < want.schema().getFields().size(); i++) {
            assertEquals(
                    want.schema().getFields().get(i).getMetadata(),
                    got.schema().getFields().get(i).getMetadata());
        }
        assertEquals(want.rows(), got.rows());
        assertEquals(want.leafValues().keySet(), got.leafValues().keySet());
        for (String k : want.leafValues().keySet()) {
            assertArrayEquals(want.leafValues().get(k), got.leafValues().get(k), k);
        }
        assertEquals(want.offsets().keySet(), got.offsets().keySet());
        for (String k : want.offsets().keySet()) {
            assertArrayEquals(want.offsets().get(k), got.offsets().get(k), k);
        }
        assertEquals(
                Files.readString(datasets.resolve(HfDataset.INFO_FILE)),
                Files.readString(ours.resolve(HfDataset.INFO_FILE)));
        JsonObject wantState = JsonParser.parseString(Files.readString(datasets.resolve(HfDataset.STATE_FILE)))
                .getAsJsonObject();
        JsonObject gotState = JsonParser.parseString(Files.readString(ours.resolve(HfDataset.STATE_FILE)))
                .getAsJsonObject();
        wantState.remove("_fingerprint");
        assertEquals("0123456789abcdef", gotState.remove("_fingerprint").getAsString());
        assertEquals(wantState, gotState);
    }

    @Test
    void saeLensCachedActivationsInFloat32MatchWhatDatasetsWrites() throws Exception {
        List<HfDataset.Feature> f =
                List.of(new HfDataset.Array2D(HOOK, CTX, D, "float32"), new HfDataset.IntSequence("token_ids", CTX));
        Path ours = write(f, Map.of(HOOK, activations("float32"), "token_ids", tokenIds()));
        assertSameDirectory(fixture("saelens-float32"), ours);
    }

    @Test
    void saeLensCachedActivationsInFloat16MatchWhatDatasetsWrites() throws Exception {
        List<HfDataset.Feature> f =
                List.of(new HfDataset.Array2D(HOOK, CTX, D, "float16"), new HfDataset.IntSequence("token_ids", CTX));
        Path ours = write(f, Map.of(HOOK, activations("float16"), "token_ids", tokenIds()));
        assertSameDirectory(fixture("saelens-float16"), ours);
    }

    @Test
    void sparsifyInputIdsMatchWhatDatasetsWrites() throws Exception {
        Path ours = write(List.of(new HfDataset.IntSequence("input_ids", CTX)), Map.of("input_ids", tokenIds()));
        assertSameDirectory(fixture("sparsify-tokens"), ours);
    }

    @Test
    void aLargeDatasetIsShardedAsDatasetsWouldAndContiguously() throws Exception {
        // 3 examples of 300 MB announced: 900 MB → 2 shards of 2 and 1 examples (no data is written for this check)
        var big = new HfDataset.Array2D("x", 1024, 76_800, "float32");
        try (HfDatasetWriter w = new HfDatasetWriter(tmp.resolve("big"), List.of(big), 3)) {
            assertEquals(2, w.shards());
        }
        assertFalse(Files.exists(tmp.resolve("big")), "closed without a commit: nothing left");
    }

    @Test
    void aFolderThatHoldsSomethingIsNeverWrittenInto() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        var e = assertThrows(
                InvalidInputException.class,
                () -> new HfDatasetWriter(out, List.of(new HfDataset.IntSequence("input_ids", 4)), 1));
        assertTrue(e.getMessage().contains("taken"), e.getMessage());
        assertEquals("mine", Files.readString(out.resolve("notes.txt")));
    }

    @Test
    void pythonJsonSpacingAndEscapes() {
        JsonObject o = new JsonObject();
        o.addProperty("a\"b", "é\n");
        var arr = new com.google.gson.JsonArray();
        arr.add(1);
        arr.add(2.5);
        o.add("l", arr);
        assertEquals("{\"a\\\"b\": \"\\u00e9\\n\", \"l\": [1, 2.5]}", HfDataset.pythonJson(o));
    }
}
