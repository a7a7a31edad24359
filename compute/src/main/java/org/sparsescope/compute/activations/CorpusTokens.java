package org.sparsescope.compute.activations;

import com.google.gson.Gson;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.model.Tokenizer;
import org.sparsescope.compute.tensor.AtomicFile;
import org.sparsescope.compute.tensor.SafetensorsFile;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.Progress;
import org.sparsescope.compute.work.ProgressListener;

/**
 * The encoded corpus behind an activation set ({@code tokens.safetensors}): every document's token ids followed by
 * the end-of-text id, as one stream ({@code ids}, int32), with the index of the document each token belongs to
 * ({@code documents}, int32). A window is named by the position of its first token. Memory-mapped when read.
 */
public final class CorpusTokens implements AutoCloseable {
    public static final String FILE = "tokens.safetensors";

    private final SafetensorsFile file;
    private final long size;
    private final IntBuffer ids;
    private final IntBuffer documents;

    private CorpusTokens(SafetensorsFile file) throws IOException {
        this.file = file;
        Tensor idTensor = file.read("ids");
        Tensor docTensor = file.read("documents");
        for (Tensor t : new Tensor[] {idTensor, docTensor}) {
            if (t.dtype() != org.sparsescope.compute.tensor.DType.I32 || t.rank() != 1) {
                throw new InvalidInputException(
                        file.location(),
                        "'ids' and 'documents' must be lists of I32, found " + t.dtype() + " "
                                + java.util.Arrays.toString(t.shape()));
            }
        }
        this.size = idTensor.numel();
        if (docTensor.numel() != size) {
            throw new InvalidInputException(file.location(), "ids and documents differ in length");
        }
        this.ids = idTensor.data().asIntBuffer();
        this.documents = docTensor.data().asIntBuffer();
    }

    public static CorpusTokens open(Path file) throws IOException {
        SafetensorsFile f = SafetensorsFile.open(file);
        try {
            return new CorpusTokens(f);
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    public long size() {
        return size;
    }

    public Map<String, String> metadata() {
        return file.metadata();
    }

    /** How many whole windows of {@code window} tokens the stream holds. */
    public long windows(int window) {
        return size / window;
    }

    /** The ids of tokens [start, start + window). */
    public long[] window(long start, int window) {
        long[] out = new long[window];
        int from = Math.toIntExact(start);
        for (int i = 0; i < window; i++) {
            out[i] = ids.get(from + i);
        }
        return out;
    }

    /** Start positions of consecutive windows packed from the stream's start: 0, T, 2T, … */
    public long[] packedWindowStarts(int window) {
        long n = windows(window);
        long[] out = new long[Math.toIntExact(n)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) i * window;
        }
        return out;
    }

    /** Start positions of the documents whose own tokens (before the end-of-text id) fill a window. */
    public long[] documentWindowStarts(int window) {
        java.util.List<Long> out = new java.util.ArrayList<>();
        long start = 0;
        for (long p = 1; p <= size; p++) {
            if (p == size || documents.get((int) p) != documents.get((int) start)) {
                if (p - start - 1 >= window) {
                    out.add(start);
                }
                start = p;
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    public int id(long position) {
        return ids.get(Math.toIntExact(position));
    }

    public int document(long position) {
        return documents.get(Math.toIntExact(position));
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    /**
     * Encodes the corpus document by document into {@code out}, stopping once {@code maxTokens} are written
     * (all of it when maxTokens ≤ 0). Bounded memory: one document at a time, streamed through temporary files.
     */
    public static long write(
            Corpus corpus,
            Tokenizer tokenizer,
            long maxTokens,
            Path out,
            Map<String, String> metadata,
            ProgressListener progress,
            Cancellation cancel)
            throws IOException, CancelledException {
        long eot = tokenizer.endOfTextId();
        if (eot < 0) {
            throw new InvalidInputException(
                    tokenizer.file(),
                    "the vocabulary has no " + Tokenizer.END_OF_TEXT + " token to join documents with");
        }
        Path idsTmp = null;
        Path docsTmp = null;
        long count = 0;
        int docIndex = 0;
        long t0 = System.nanoTime();
        try {
            idsTmp = Files.createTempFile(out.toAbsolutePath().getParent(), ".ids", ".tmp");
            docsTmp = Files.createTempFile(out.toAbsolutePath().getParent(), ".docs", ".tmp");
            try (var idOut = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(idsTmp), 1 << 20));
                    var docOut =
                            new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(docsTmp), 1 << 20));
                    Corpus.Documents docs = corpus.documents()) {
                for (String doc = docs.next();
                        doc != null && (maxTokens <= 0 || count < maxTokens);
                        doc = docs.next()) {
                    long[] enc = tokenizer.encode(doc);
                    for (long id : enc) {
                        writeIntLE(idOut, (int) id);
                        writeIntLE(docOut, docIndex);
                    }
                    writeIntLE(idOut, (int) eot);
                    writeIntLE(docOut, docIndex);
                    count += enc.length + 1;
                    docIndex++;
                    if (docIndex % 64 == 0) {
                        cancel.check();
                        progress.onProgress(Progress.of(
                                count,
                                maxTokens > 0 ? maxTokens : count,
                                (System.nanoTime() - t0) / 1e9,
                                "tokens",
                                "encoding the corpus: " + docIndex + " documents"));
                    }
                }
            }
            if (count == 0) {
                throw new InvalidInputException(corpus.path(), "empty corpus: no documents with text");
            }
            writeSafetensors(out, idsTmp, docsTmp, count, metadata);
            return count;
        } catch (IOException e) {
            // the encoded stream is written beside the set; a full disk there names the file the user will look for
            throw org.sparsescope.compute.WriteFailedException.of(out, e);
        } finally {
            if (idsTmp != null) {
                Files.deleteIfExists(idsTmp);
            }
            if (docsTmp != null) {
                Files.deleteIfExists(docsTmp);
            }
        }
    }

    private static Map<String, Object> entry(long count, long begin) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("dtype", "I32");
        e.put("shape", List.of(count));
        e.put("data_offsets", List.of(begin, begin + 4 * count));
        return e;
    }

    private static void writeIntLE(DataOutputStream out, int v) throws IOException {
        out.writeInt(Integer.reverseBytes(v));
    }

    /** Assembles the safetensors header and the two raw int32 streams into one file, atomically. */
    private static void writeSafetensors(Path out, Path ids, Path docs, long count, Map<String, String> metadata)
            throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", new java.util.TreeMap<>(metadata));
        header.put("ids", entry(count, 0L));
        header.put("documents", entry(count, 4 * count));
        // fixed key order: the same corpus gives the same bytes in any JVM (a resumed harvest equals an uninterrupted
        // one)
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(padded)
                .put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        AtomicFile.write(out, ch -> {
            while (head.hasRemaining()) {
                ch.write(head);
            }
            for (Path part : List.of(ids, docs)) {
                try (FileChannel in = FileChannel.open(part, StandardOpenOption.READ)) {
                    long pos = 0, n = in.size();
                    while (pos < n) {
                        pos += in.transferTo(pos, n - pos, ch);
                    }
                }
            }
        });
    }
}
