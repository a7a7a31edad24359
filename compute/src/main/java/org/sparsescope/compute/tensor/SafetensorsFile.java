package org.sparsescope.compute.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A safetensors file opened for reading. The header is checked whole on open; tensors are memory-mapped on
 * demand, and {@link #readRows} maps only a slice, so files larger than memory are read piece by piece.
 * Written by hand (not DJL's NDList.decode) because that reads the whole file onto the heap and stops at 2 GiB.
 */
public final class SafetensorsFile implements TensorSource {
    /** Real headers are kilobytes; anything this large is corruption, not a header. */
    private static final long MAX_HEADER_BYTES = 100L << 20;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(
            Path path,
            FileChannel channel,
            long dataStart,
            Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path path) throws IOException {
        FileChannel ch = MappedTensors.openRead(path);
        try {
            return parse(path, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static SafetensorsFile parse(Path path, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new TensorFileException(
                    path, "truncated: " + size + " bytes, but a safetensors file starts with an 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long headerLen = lenBuf.flip().getLong();
        if (headerLen < 2 || headerLen > size - 8) {
            throw new TensorFileException(
                    path,
                    "header length " + headerLen + " runs past the end of the file (" + size
                            + " bytes); the file is truncated or not safetensors");
        }
        if (headerLen > MAX_HEADER_BYTES) {
            throw new TensorFileException(
                    path, "header length " + headerLen + " is implausibly large; not a safetensors file");
        }
        ByteBuffer first = ByteBuffer.allocate(1);
        readFully(ch, first, 8);
        if (first.get(0) != '{') {
            // as the format's own reader: padding may follow the header object, never precede it
            throw new TensorFileException(path, "malformed header JSON: the header must start with '{'");
        }
        long dataStart = 8 + headerLen;
        long dataLength = size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        // Streamed, entry by entry: a huge or hostile header fails at its first bad entry, and memory stays
        // proportional to the tensors really described (no JSON tree of the whole header).
        java.io.InputStream raw = java.nio.channels.Channels.newInputStream(ch.position(8));
        java.io.Reader text = new java.io.InputStreamReader(
                new java.io.BufferedInputStream(new BoundedInput(raw, headerLen), 1 << 16),
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT));
        try (com.google.gson.stream.JsonReader r = new com.google.gson.stream.JsonReader(text)) {
            r.setStrictness(com.google.gson.Strictness.STRICT);
            r.setNestingLimit(8);
            if (r.peek() != com.google.gson.stream.JsonToken.BEGIN_OBJECT) {
                throw new TensorFileException(path, "malformed header JSON: expected an object, found " + r.peek());
            }
            r.beginObject();
            while (r.hasNext()) {
                String name = r.nextName();
                if (tensors.containsKey(name) || (name.equals("__metadata__") && !metadata.isEmpty())) {
                    throw new TensorFileException(path, "the header names '" + name + "' twice");
                }
                if (name.equals("__metadata__")) {
                    readMetadata(path, r, metadata);
                } else {
                    tensors.put(name, parseEntry(path, name, r, dataLength));
                }
            }
            r.endObject();
            if (r.peek() != com.google.gson.stream.JsonToken.END_DOCUMENT) {
                throw new TensorFileException(path, "malformed header JSON: text after the header object");
            }
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new TensorFileException(path, "the header is not valid UTF-8", e);
        } catch (java.io.EOFException
                | com.google.gson.stream.MalformedJsonException
                | IllegalStateException
                | NumberFormatException e) {
            throw new TensorFileException(path, "malformed header JSON: " + e.getMessage(), e);
        }
        Map<String, TensorInfo> byOffset = new LinkedHashMap<>();
        tensors.values().stream()
                .sorted(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end))
                .forEach(t -> byOffset.put(t.name(), t));
        // as the format's own reader requires: the data is indexed whole, with no tensor overlapping another, no hole
        // between them and no byte after the last (two of the safetensors project's test vectors break exactly this)
        long expected = 0;
        String previous = null;
        for (TensorInfo t : byOffset.values()) {
            if (t.begin() < expected) {
                throw new TensorFileException(
                        path,
                        "tensor '" + t.name() + "' (data bytes " + t.begin() + "–" + t.end() + ") overlaps '" + previous
                                + "', which ends at " + expected);
            }
            if (t.begin() > expected) {
                throw new TensorFileException(
                        path,
                        "data bytes " + expected + "–" + t.begin() + " belong to no tensor (a hole before '" + t.name()
                                + "')");
            }
            expected = t.end();
            previous = t.name();
        }
        if (expected != dataLength) {
            throw new TensorFileException(
                    path,
                    (dataLength - expected)
                            + " bytes after the last tensor belong to no tensor; not a whole safetensors file");
        }
        return new SafetensorsFile(
                path, ch, dataStart, Collections.unmodifiableMap(byOffset), Collections.unmodifiableMap(metadata));
    }

    private static void readMetadata(Path path, com.google.gson.stream.JsonReader r, Map<String, String> metadata)
            throws IOException {
        if (r.peek() != com.google.gson.stream.JsonToken.BEGIN_OBJECT) {
            throw new TensorFileException(path, "\"__metadata__\" should be an object of strings, found " + r.peek());
        }
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            if (r.peek() != com.google.gson.stream.JsonToken.STRING) {
                throw new TensorFileException(
                        path, "\"__metadata__." + key + "\" should be a string, found " + r.peek());
            }
            metadata.put(key, r.nextString());
        }
        r.endObject();
    }

    /** One tensor's entry: {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, each field checked. */
    private static TensorInfo parseEntry(Path path, String name, com.google.gson.stream.JsonReader r, long dataLength)
            throws IOException {
        String where = "tensor '" + name + "'";
        if (r.peek() != com.google.gson.stream.JsonToken.BEGIN_OBJECT) {
            throw new TensorFileException(path, where + ": expected an object, found " + r.peek());
        }
        String dtypeName = null;
        long[] shape = null;
        long[] offsets = null;
        r.beginObject();
        while (r.hasNext()) {
            switch (r.nextName()) {
                case "dtype" -> {
                    if (r.peek() != com.google.gson.stream.JsonToken.STRING) {
                        throw new TensorFileException(
                                path, where + ": \"dtype\" should be a string, found " + r.peek());
                    }
                    dtypeName = r.nextString();
                }
                case "shape" -> shape = longs(path, where, "shape", r, 64);
                case "data_offsets" -> offsets = longs(path, where, "data_offsets", r, 2);
                default -> r.skipValue();
            }
        }
        r.endObject();
        if (dtypeName == null || shape == null || offsets == null || offsets.length != 2) {
            throw new TensorFileException(
                    path,
                    where + " lacks "
                            + (dtypeName == null
                                    ? "\"dtype\""
                                    : shape == null ? "\"shape\"" : "\"data_offsets\" [begin, end]"));
        }
        String dn = dtypeName;
        DType dtype = DType.fromSafetensors(dtypeName)
                .orElseThrow(() -> new TensorFileException(
                        path,
                        where + " has unknown dtype '" + dn
                                + "' (expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)"));
        long begin = offsets[0];
        long end = offsets[1];
        long need = Sizes.bytes(path, where, shape, dtype);
        if (end < begin || end - begin != need) {
            throw new TensorFileException(
                    path,
                    where + ": shape " + Arrays.toString(shape) + " of " + dtype + " needs " + need
                            + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        if (end > dataLength) {
            throw new TensorFileException(
                    path,
                    where + " ends at data byte " + end + " but the file holds only " + dataLength
                            + " bytes of data; the file is truncated");
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /** An array of non-negative integers (at most {@code max} of them). */
    private static long[] longs(Path path, String where, String field, com.google.gson.stream.JsonReader r, int max)
            throws IOException {
        if (r.peek() != com.google.gson.stream.JsonToken.BEGIN_ARRAY) {
            throw new TensorFileException(
                    path, where + ": \"" + field + "\" should be a list of integers, found " + r.peek());
        }
        java.util.List<Long> out = new java.util.ArrayList<>();
        r.beginArray();
        while (r.hasNext()) {
            if (r.peek() != com.google.gson.stream.JsonToken.NUMBER || out.size() == max) {
                throw new TensorFileException(
                        path,
                        where + ": \"" + field + "\" should be a list of at most " + max + " non-negative integers");
            }
            String v = r.nextString();
            long x;
            try {
                x = Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new TensorFileException(
                        path,
                        where + ": \"" + field + "\" holds " + abbreviate(v) + ", not a non-negative 64-bit integer");
            }
            if (x < 0) {
                throw new TensorFileException(path, where + ": \"" + field + "\" holds the negative " + x);
            }
            out.add(x);
        }
        r.endArray();
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * Reads no more than {@code remaining} bytes of the underlying stream (the header, not the data after it), and
     * leaves the file's channel open when the JSON reader is closed.
     */
    private static final class BoundedInput extends java.io.FilterInputStream {
        private long remaining;

        BoundedInput(java.io.InputStream in, long remaining) {
            super(in);
            this.remaining = remaining;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public void close() {
            // the channel stays open: the tensors are mapped from it
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "…" : s;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new java.io.EOFException();
            }
            pos += n;
        }
    }

    @Override
    public Path location() {
        return path;
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public Optional<TensorInfo> info(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    @Override
    public Tensor read(String name) throws IOException {
        TensorInfo t = require(name);
        return readRows(name, 0, t.shape().length == 0 ? 1 : t.shape()[0]);
    }

    /** Rows [start, start+count) along the first dimension, mapped from the file without reading the rest. */
    public Tensor readRows(String name, long start, long count) throws IOException {
        TensorInfo t = require(name);
        return MappedTensors.rows(
                channel, path, "tensor '" + name + "'", t.dtype(), t.shape(), dataStart + t.begin(), start, count);
    }

    private TensorInfo require(String name) throws TensorFileException {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new TensorFileException(
                    path,
                    "no tensor named '" + name + "' (it has " + tensors.size() + " tensors"
                            + (tensors.isEmpty()
                                    ? ""
                                    : ", e.g. '" + tensors.keySet().iterator().next() + "'") + ")");
        }
        return t;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
