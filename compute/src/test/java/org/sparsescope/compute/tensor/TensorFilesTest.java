package org.sparsescope.compute.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.Reference;

class TensorFilesTest {
    @TempDir
    Path tmp;

    /** A safetensors file written byte by byte: the header as given, then {@code dataBytes} zero bytes. */
    private Path rawSafetensors(String name, String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        Path f = tmp.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} is refused, naming the file")
    @org.junit.jupiter.params.provider.CsvSource(
            delimiter = '|',
            value = {
                // the safetensors project's test_json_attack: two tensors over the same bytes
                "overlapping offsets | {\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}} | 12 | overlaps 'a'",
                // test_metadata_incomplete_buffer: bytes that no tensor indexes
                "trailing bytes | {\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}} | 12 | 4 bytes after the last tensor",
                "a hole | {\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}} | 12 | a hole before 'b'",
                // test_whitespace_start_padded_header_is_not_allowed
                "leading padding | '   {}' | 0 | must start with '{'",
                // test_invalid_info: the shape disagrees with the offsets
                "invalid info | {\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,4]}} | 4 | needs 16 bytes",
                // a size product that wraps to 0 in 64 bits: [2^62] of F32 over no bytes
                "wrapping shape | {\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,0]}} | 0 | more bytes than any file",
                "wrong field type | {\"a\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}} | 4 | \"dtype\" should be a string",
                "negative offset | {\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}} | 4 | negative",
                "metadata not strings | {\"__metadata__\":{\"k\":[1]}} | 0 | should be a string",
                "named twice | {\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]},\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}} | 0 | twice",
                "text after the object | {}x | 0 | malformed header JSON",
                "nested too deep | {\"__metadata__\":{\"k\":[[[[[[[[[[1]]]]]]]]]]}} | 0 | should be a string"
            })
    void aSafetensorsFileMustIndexItsDataWholeAsTheFormatsOwnReaderRequires(
            String what, String header, int bytes, String expected) throws Exception {
        Path f = rawSafetensors(what.replace(' ', '_') + ".safetensors", header, bytes);
        TensorFileException e = assertThrows(
                TensorFileException.class, () -> SafetensorsFile.open(f).close());
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void aNonUtf8HeaderIsRefusedAndZeroSizedTensorsAreRead() throws Exception {
        byte[] json = "{\"\u00e9\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}"
                .getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length)
                .put(json);
        Path f = write("latin1.safetensors", b.array());
        assertNames(f, assertThrows(TensorFileException.class, () -> SafetensorsFile.open(f)), "not valid UTF-8");
        // test_zero_sized_tensor: a [2, 0] tensor over no bytes is valid
        Path g = rawSafetensors(
                "zero.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,0],\"data_offsets\":[0,0]}}", 0);
        try (SafetensorsFile s = SafetensorsFile.open(g)) {
            assertEquals(0, s.read("a").numel());
        }
    }

    @Test
    void aRowConvertedAloneEqualsTheSameRowOfTheWholeConversionForEveryHalfBitPattern() {
        ByteBuffer halves = ByteBuffer.allocate(2 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int h = 0; h < 1 << 16; h++) {
            halves.putShort((short) h); // every binary16 value: zeros, subnormals, normals, infinities, NaNs
        }
        Tensor t = new Tensor(DType.F16, new long[] {256, 256}, halves.flip());
        float[] all = t.floats();
        float[] row = new float[256];
        for (int r = 0; r < 256; r++) {
            t.floatsInto(r * 256L, 256, row, 0);
            for (int j = 0; j < 256; j++) {
                int h = r * 256 + j;
                assertEquals(
                        Float.floatToRawIntBits(Half.toFloat((short) h)),
                        Float.floatToRawIntBits(row[j]),
                        "bits " + Integer.toHexString(h));
                assertEquals(Float.floatToRawIntBits(all[h]), Float.floatToRawIntBits(row[j]));
            }
        }
        assertEquals(65504f, Half.toFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, Half.toFloat((short) 0x0001));
        assertThrows(IndexOutOfBoundsException.class, () -> t.floatsInto(65535, 2, row, 0));
    }

    @Test
    void seedChunkPtEqualsItsNpyExactly() throws Exception {
        Tensor pt = TorchFile.readTensor(Reference.path("chunks/0.pt"));
        Tensor npy = NpyFile.read(Reference.path("chunks/0.npy"));
        assertEquals(DType.F16, pt.dtype());
        assertArrayEquals(new long[] {8192, 256}, pt.shape());
        assertEquals(npy, pt, "same dtype, shape and bytes");
    }

    @Test
    void stateDictPtEqualsTheSafetensorsDictionaryBitForBit() throws Exception {
        Map<String, Tensor> pt = TorchFile.readStateDict(Reference.path("chunks/sae_state_dict.pt"));
        Map<String, Tensor> st = Safetensors.readAll(Reference.path("saes/l1_5.01e-04/sae_weights.safetensors"));
        assertEquals(st.keySet(), pt.keySet());
        for (String k : st.keySet()) {
            assertEquals(st.get(k), pt.get(k), k);
        }
    }

    @Test
    void bf16WrittenByUsReadsBackAsTheRightFloatsAndReachesTheEngine() throws Exception {
        float[] values = {1.0f, -2.5f, 3.140625f, 0f, 65280f, -0.0078125f};
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort((short) (Float.floatToRawIntBits(v) >>> 16)); // all exactly representable in bf16
        }
        Path f = tmp.resolve("bf16.safetensors");
        Safetensors.write(f, Map.of("w", new Tensor(DType.BF16, new long[] {2, 3}, b.flip())));
        Tensor back = Safetensors.readAll(f).get("w");
        assertEquals(DType.BF16, back.dtype());
        assertArrayEquals(values, back.floats());
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = back.toNDArray(m);
            assertEquals(DataType.FLOAT32, a.getDataType(), "widened in Java, never a BF16 engine array");
            assertArrayEquals(values, a.toFloatArray());
        }
    }

    @Test
    void safetensorsRoundTripKeepsOrderMetadataAndReadsRowSlices() throws Exception {
        float[] v = new float[12];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 0.5f;
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("b", Tensor.ofFloats(new long[] {4, 3}, v));
        tensors.put("a", Tensor.ofLongs(new long[] {2}, new long[] {7, -9}));
        tensors.put("h", Tensor.ofHalves(new long[] {3}, new float[] {0.5f, -1.25f, 1000f}));
        Path f = tmp.resolve("x.safetensors");
        Safetensors.write(f, tensors, Map.of("note", "hi"));
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertEquals(java.util.List.of("b", "a", "h"), java.util.List.copyOf(s.names()));
            assertEquals("hi", s.metadata().get("note"));
            assertArrayEquals(
                    new float[] {1.5f, 2f, 2.5f, 3f, 3.5f, 4f},
                    s.readRows("b", 1, 2).reshape(6).floats(),
                    0f);
            assertArrayEquals(new long[] {7, -9}, s.read("a").longs());
            assertArrayEquals(new float[] {0.5f, -1.25f, 1000f}, s.read("h").floats());
        }
        assertEquals(0, readHeaderLength(f) % 8, "header padded to 8 bytes");
    }

    private static long readHeaderLength(Path f) throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(f), 0, 8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .getLong();
    }

    @Test
    void halfConversionRoundsToNearestEven() {
        assertEquals(1.0f, Half.toFloat(Half.fromFloat(1.0f)));
        assertEquals(65504f, Half.toFloat(Half.fromFloat(65504f)));
        assertEquals(Float.POSITIVE_INFINITY, Half.toFloat(Half.fromFloat(70000f)));
        assertEquals(5.9604645e-8f, Half.toFloat(Half.fromFloat(5.9604645e-8f)), "smallest subnormal");
        assertEquals(1.0f, Half.toFloat(Half.fromFloat(1.0f + 0x1p-11f)), "tie rounds to even");
        assertEquals(1.0f + 0x1p-9f, Half.toFloat(Half.fromFloat(1.0f + 0x1p-10f + 0x1p-11f)), "tie rounds up to even");
        assertTrue(Float.isNaN(Half.toFloat(Half.fromFloat(Float.NaN))));
    }

    @Test
    void npzArchiveReadsEveryArray() throws Exception {
        Path npz = tmp.resolve("a.npz");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(npz))) {
            z.putNextEntry(new ZipEntry("chunk.npy"));
            z.write(Files.readAllBytes(Reference.path("chunks/0.npy")));
            z.closeEntry();
        }
        Map<String, Tensor> all = NpyFile.readNpz(npz);
        assertEquals(NpyFile.read(Reference.path("chunks/0.npy")), all.get("chunk"));
    }

    @Test
    void shardedCheckpointReadsTensorsFromTheirShards() throws Exception {
        Path dir = tmp.resolve("sharded");
        Map<String, Tensor> all = Safetensors.readAll(Reference.path("model/model.safetensors"));
        Map<String, Tensor> first = new LinkedHashMap<>();
        Map<String, Tensor> second = new LinkedHashMap<>();
        StringBuilder map = new StringBuilder();
        int i = 0;
        for (var e : all.entrySet()) {
            String shard = (i++ % 2 == 0) ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
            (shard.contains("00001-") ? first : second).put(e.getKey(), e.getValue());
            map.append(map.length() == 0 ? "" : ",")
                    .append('"')
                    .append(e.getKey())
                    .append("\":\"")
                    .append(shard)
                    .append('"');
        }
        Safetensors.write(dir.resolve("model-00001-of-00002.safetensors"), first);
        Safetensors.write(dir.resolve("model-00002-of-00002.safetensors"), second);
        Files.writeString(dir.resolve(Checkpoint.INDEX), "{\"metadata\":{},\"weight_map\":{" + map + "}}");
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(all.keySet(), c.names());
            assertEquals(2, c.files().size());
            for (String k : all.keySet()) {
                assertEquals(all.get(k), c.read(k), k);
            }
        }
    }

    // ---- bad input: typed errors that name the file, never a crash ----

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private static byte[] safetensors(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    private static void assertNames(Path file, Exception e, String problem) {
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(problem), "says '" + problem + "': " + e.getMessage());
    }

    @Test
    void truncatedSafetensorsIsRefused() throws Exception {
        Path f = write("short.safetensors", new byte[] {1, 2, 3});
        assertNames(f, assertThrows(TensorFileException.class, () -> SafetensorsFile.open(f)), "truncated");
        byte[] whole = Files.readAllBytes(Reference.path("saes/l1_4.11e-03/sae_weights.safetensors"));
        Path cut = write("cut.safetensors", java.util.Arrays.copyOf(whole, whole.length - 100));
        assertNames(cut, assertThrows(TensorFileException.class, () -> SafetensorsFile.open(cut)), "truncated");
    }

    @Test
    void headerLengthPastTheEndIsRefused() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(16)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(1_000_000L)
                .putLong(0);
        Path f = write("long-header.safetensors", b.array());
        assertNames(f, assertThrows(TensorFileException.class, () -> SafetensorsFile.open(f)), "runs past the end");
    }

    @Test
    void malformedHeaderJsonIsRefused() throws Exception {
        Path f = write("bad-json.safetensors", safetensors("{\"w\": {\"dtype\": ", 0));
        assertNames(f, assertThrows(TensorFileException.class, () -> SafetensorsFile.open(f)), "malformed header JSON");
    }

    @Test
    void unknownDtypeIsRefused() throws Exception {
        Path f = write(
                "q9.safetensors", safetensors("{\"w\":{\"dtype\":\"Q9\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2));
        assertNames(f, assertThrows(TensorFileException.class, () -> SafetensorsFile.open(f)), "unknown dtype 'Q9'");
    }

    @Test
    void shapeThatDisagreesWithOffsetsIsRefused() throws Exception {
        Path f = write(
                "mismatch.safetensors",
                safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[0,40]}}", 40));
        assertNames(f, assertThrows(TensorFileException.class, () -> SafetensorsFile.open(f)), "needs 48 bytes");
    }

    @Test
    void missingFileIsRefused() {
        Path f = tmp.resolve("nope.safetensors");
        assertNames(f, assertThrows(TensorFileException.class, () -> SafetensorsFile.open(f)), "not found");
    }

    @Test
    void truncatedNpyIsRefused() throws Exception {
        byte[] whole = Files.readAllBytes(Reference.path("chunks/0.npy"));
        Path f = write("cut.npy", java.util.Arrays.copyOf(whole, 5000));
        assertNames(f, assertThrows(TensorFileException.class, () -> NpyFile.open(f)), "truncated");
    }

    /** A torch-style zip whose data.pkl is the given pickle. */
    private Path torchZip(String name, byte[] pickle) throws IOException {
        Path p = tmp.resolve(name);
        try (OutputStream out = Files.newOutputStream(p);
                ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry("archive/data.pkl"));
            z.write(pickle);
            z.closeEntry();
        }
        return p;
    }

    @Test
    void pickleNamingAGlobalOutsideTheWhitelistIsRefusedAndNothingRuns() throws Exception {
        Path marker = tmp.resolve("pwned");
        // os.system("touch <marker>") as protocol-0 GLOBAL + REDUCE
        String pickle = "cos\nsystem\n(V" + "touch " + marker + "\ntR.";
        Path f = torchZip("evil.pt", pickle.getBytes(StandardCharsets.ISO_8859_1));
        UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> TorchFile.read(f));
        assertNames(f, e, "os.system");
        assertTrue(!Files.exists(marker), "nothing was executed");
        // the same refusal for STACK_GLOBAL (protocol 4)
        byte[] p4 = {
            (byte) 0x80,
            4,
            (byte) 0x8c,
            8,
            'b',
            'u',
            'i',
            'l',
            't',
            'i',
            'n',
            's',
            (byte) 0x8c,
            4,
            'e',
            'v',
            'a',
            'l',
            (byte) 0x93,
            (byte) 0x8c,
            1,
            '1',
            (byte) 0x85,
            'R',
            '.'
        };
        Path g = torchZip("evil4.pt", p4);
        assertNames(g, assertThrows(UnsafePickleException.class, () -> TorchFile.read(g)), "builtins.eval");
        Path h = torchZip("inst.pt", "(ios\nsystem\nV\n.".getBytes(StandardCharsets.ISO_8859_1));
        assertNames(h, assertThrows(UnsafePickleException.class, () -> TorchFile.read(h)), "INST");
    }

    @Test
    void truncatedOrNonZipPtIsRefused() throws Exception {
        byte[] whole = Files.readAllBytes(Reference.path("chunks/sae_state_dict.pt"));
        Path f = write("cut.pt", java.util.Arrays.copyOf(whole, whole.length / 2));
        assertNames(f, assertThrows(TensorFileException.class, () -> TorchFile.read(f)), "");
        Path g = write("text.pt", "hello".getBytes(StandardCharsets.UTF_8));
        assertNames(g, assertThrows(TensorFileException.class, () -> TorchFile.read(g)), "zip");
    }

    @Test
    void failedAtomicWriteLeavesTheOldFileIntact() throws Exception {
        Path f = tmp.resolve("keep.txt");
        Files.writeString(f, "precious");
        assertThrows(
                IOException.class,
                () -> AtomicFile.write(f, ch -> {
                    ch.write(ByteBuffer.wrap("partial".getBytes(StandardCharsets.UTF_8)));
                    throw new IOException("disk full");
                }));
        assertEquals("precious", Files.readString(f));
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }
}
