package org.sparsescope.compute.tensor;

import com.google.gson.Gson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reading and atomic writing of safetensors files. */
public final class Safetensors {
    private Safetensors() {}

    /**
     * Every tensor of a file, copied into Java memory. Not left mapped: a file another program rewrites in place (as
     * Python's savers do) would otherwise kill the JVM with SIGBUS the next time a mapped page is touched.
     */
    public static Map<String, Tensor> readAll(Path path) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String name : f.names()) {
                out.put(name, f.read(name).onHeap());
            }
            return out;
        }
    }

    /**
     * Writes the tensors to a temporary file, then renames it over {@code path}, so that the same content gives the
     * same bytes in any JVM: tensors in the order of an ordered map (a LinkedHashMap or a sorted one), else sorted
     * by name, since {@code Map.of}'s iteration order differs from one run to the next; metadata sorted by key; each
     * tensor's fields in a fixed order.
     */
    public static void write(Path path, Map<String, Tensor> given, Map<String, String> metadata) throws IOException {
        Map<String, Tensor> tensors = given instanceof LinkedHashMap || given instanceof java.util.SortedMap
                ? given
                : new java.util.TreeMap<>(given);
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            header.put("__metadata__", new java.util.TreeMap<>(metadata));
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            long bytes = t.numel() * t.dtype().byteSize();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", t.dtype().safetensorsName());
            entry.put("shape", t.shape());
            entry.put("data_offsets", List.of(offset, offset + bytes));
            header.put(e.getKey(), entry);
            offset += bytes;
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // the format pads the header with spaces to an 8-byte boundary
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        AtomicFile.write(path, ch -> {
            while (head.hasRemaining()) {
                ch.write(head);
            }
            for (Tensor t : tensors.values()) {
                ByteBuffer d = t.data();
                while (d.hasRemaining()) {
                    ch.write(d);
                }
            }
        });
    }

    public static void write(Path path, Map<String, Tensor> tensors) throws IOException {
        write(path, tensors, Map.of());
    }
}
