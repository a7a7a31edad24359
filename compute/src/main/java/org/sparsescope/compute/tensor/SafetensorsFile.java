package org.sparsescope.compute.tensor;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
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

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
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
            throw new TensorFileException(path, "truncated: " + size + " bytes, but a safetensors file starts with an 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long headerLen = lenBuf.flip().getLong();
        if (headerLen < 2 || headerLen > size - 8) {
            throw new TensorFileException(path, "header length " + headerLen + " runs past the end of the file (" + size
                    + " bytes); the file is truncated or not safetensors");
        }
        if (headerLen > MAX_HEADER_BYTES) {
            throw new TensorFileException(path, "header length " + headerLen + " is implausibly large; not a safetensors file");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
        readFully(ch, hb, 8);
        String json = new String(hb.array(), StandardCharsets.UTF_8).strip();
        JsonObject header;
        try {
            JsonElement el = JsonParser.parseString(json);
            if (!el.isJsonObject()) {
                throw new TensorFileException(path, "malformed header JSON: expected an object, found " + abbreviate(json));
            }
            header = el.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new TensorFileException(path, "malformed header JSON: " + e.getMessage(), e);
        }
        long dataStart = 8 + headerLen;
        long dataLength = size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                if (e.getValue().isJsonObject()) {
                    e.getValue().getAsJsonObject().entrySet().forEach(m -> metadata.put(m.getKey(),
                            m.getValue().isJsonPrimitive() ? m.getValue().getAsString() : m.getValue().toString()));
                }
                continue;
            }
            tensors.put(name, parseEntry(path, name, e.getValue(), dataLength));
        }
        Map<String, TensorInfo> byOffset = new LinkedHashMap<>();
        tensors.values().stream().sorted(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end))
                .forEach(t -> byOffset.put(t.name(), t));
        // as the format's own reader requires: the data is indexed whole, with no tensor overlapping another, no hole
        // between them and no byte after the last (two of the safetensors project's test vectors break exactly this)
        long expected = 0;
        String previous = null;
        for (TensorInfo t : byOffset.values()) {
            if (t.begin() < expected) {
                throw new TensorFileException(path, "tensor '" + t.name() + "' (data bytes " + t.begin() + "–" + t.end() + ") overlaps '" + previous
                        + "', which ends at " + expected);
            }
            if (t.begin() > expected) {
                throw new TensorFileException(path, "data bytes " + expected + "–" + t.begin() + " belong to no tensor (a hole before '" + t.name() + "')");
            }
            expected = t.end();
            previous = t.name();
        }
        if (expected != dataLength) {
            throw new TensorFileException(path, (dataLength - expected) + " bytes after the last tensor belong to no tensor; not a whole safetensors file");
        }
        return new SafetensorsFile(path, ch, dataStart, Collections.unmodifiableMap(byOffset), Collections.unmodifiableMap(metadata));
    }

    private static TensorInfo parseEntry(Path path, String name, JsonElement value, long dataLength) throws TensorFileException {
        try {
            JsonObject o = value.getAsJsonObject();
            String dtypeName = o.get("dtype").getAsString();
            DType dtype = DType.fromSafetensors(dtypeName).orElseThrow(() -> new TensorFileException(path,
                    "tensor '" + name + "' has unknown dtype '" + dtypeName + "' (expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)"));
            JsonArray shapeJson = o.getAsJsonArray("shape");
            long[] shape = new long[shapeJson.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeJson.get(i).getAsLong();
                if (shape[i] < 0) {
                    throw new TensorFileException(path, "tensor '" + name + "' has a negative dimension in shape " + shapeJson);
                }
            }
            JsonArray off = o.getAsJsonArray("data_offsets");
            if (off == null || off.size() != 2) {
                throw new TensorFileException(path, "tensor '" + name + "' lacks data_offsets [begin, end]");
            }
            long begin = off.get(0).getAsLong();
            long end = off.get(1).getAsLong();
            long need = Tensor.numel(shape) * dtype.byteSize();
            if (begin < 0 || end < begin || end - begin != need) {
                throw new TensorFileException(path, "tensor '" + name + "': shape " + Arrays.toString(shape) + " of " + dtype
                        + " needs " + need + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
            }
            if (end > dataLength) {
                throw new TensorFileException(path, "tensor '" + name + "' ends at data byte " + end + " but the file holds only "
                        + dataLength + " bytes of data; the file is truncated");
            }
            return new TensorInfo(name, dtype, shape, begin, end);
        } catch (IllegalStateException | UnsupportedOperationException | NullPointerException | ClassCastException
                | NumberFormatException | ArithmeticException e) {
            throw new TensorFileException(path, "malformed header entry for tensor '" + name + "': " + abbreviate(value.toString()), e);
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
        return MappedTensors.rows(channel, path, "tensor '" + name + "'", t.dtype(), t.shape(), dataStart + t.begin(), start, count);
    }

    private TensorInfo require(String name) throws TensorFileException {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new TensorFileException(path, "no tensor named '" + name + "' (it has " + tensors.size() + " tensors"
                    + (tensors.isEmpty() ? "" : ", e.g. '" + tensors.keySet().iterator().next() + "'") + ")");
        }
        return t;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
