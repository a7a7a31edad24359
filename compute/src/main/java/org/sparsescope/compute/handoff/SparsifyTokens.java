package org.sparsescope.compute.handoff;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.activations.Corpus;
import org.sparsescope.compute.activations.CorpusTokens;
import org.sparsescope.compute.activations.Harvester;
import org.sparsescope.compute.model.Tokenizer;
import org.sparsescope.compute.tensor.AtomicFile;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.Progress;
import org.sparsescope.compute.work.ProgressListener;

/**
 * A corpus tokenized for a model as sparsify's training data: a {@code datasets} directory whose one column,
 * {@code input_ids}, holds int32 rows of the context length (sparsify skips its own tokenization when that column
 * is there). int32 rather than sparsify's uint16 {@code .bin}, which cannot hold the ids of Llama 3, Gemma or Qwen
 * vocabularies. The rows are the windows a harvest reads: documents joined by the end-of-text id and packed, each row
 * starting with the tokenizer's BOS when it adds one (as sparsify's own tokenization, through {@code tokenizer(text)},
 * puts it first).
 */
public final class SparsifyTokens {
    private SparsifyTokens() {}

    public static final String COLUMN = "input_ids";

    /** @param tokens corpus tokens in the rows (BOS not counted) */
    public record Result(Path out, int context, long rows, long tokens, boolean bos, double seconds) {}

    /**
     * Tokenizes {@code corpus} with the model folder's tokenizer and writes {@code maxRows} rows (all whole rows when
     * ≤ 0) into {@code out} (new or empty).
     */
    public static Result export(
            Corpus corpus,
            Path modelDir,
            int context,
            long maxRows,
            Path out,
            ProgressListener progress,
            Cancellation cancel)
            throws IOException, CancelledException {
        if (context < 2) {
            throw new IllegalArgumentException("context " + context + ": at least 2 tokens");
        }
        long t0 = System.nanoTime();
        try (Tokenizer tokenizer = Tokenizer.load(modelDir)) {
            long bosId = tokenizer.bosId();
            Long bos = bosId >= 0 ? bosId : null;
            int stride = context - (bos != null ? 1 : 0);
            Path parent = out.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path encoded = Files.createTempFile(parent, "." + out.getFileName() + ".tokens", ".safetensors");
            try {
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put("end_of_text_id", Long.toString(tokenizer.endOfTextId()));
                CorpusTokens.write(
                        corpus, tokenizer, maxRows > 0 ? maxRows * stride : 0, encoded, meta, progress, cancel);
                try (CorpusTokens stream = CorpusTokens.open(encoded)) {
                    long rows = stream.size() / stride;
                    if (maxRows > 0) {
                        rows = Math.min(rows, maxRows);
                    }
                    if (rows == 0) {
                        throw new InvalidInputException(
                                corpus.path(), "too short: " + stream.size() + " tokens, not one row of " + context);
                    }
                    var column = new HfDataset.IntSequence(COLUMN, context);
                    int perBatch = (int) Math.min(rows, Math.max(1, (8 << 20) / column.bytesPerExample()));
                    try (HfDatasetWriter w = new HfDatasetWriter(out, List.of(column), rows)) {
                        for (long r = 0; r < rows; r += perBatch) {
                            cancel.check();
                            int n = (int) Math.min(perBatch, rows - r);
                            ByteBuffer ids =
                                    ByteBuffer.allocate(n * context * 4).order(ByteOrder.LITTLE_ENDIAN);
                            for (int i = 0; i < n; i++) {
                                for (long id : Harvester.windowIds(stream, (r + i) * stride, context, bos)) {
                                    ids.putInt(Math.toIntExact(id));
                                }
                            }
                            w.write(n, Map.of(COLUMN, ids.flip()));
                            progress.onProgress(Progress.of(
                                    r + n,
                                    rows,
                                    (System.nanoTime() - t0) / 1e9,
                                    "rows",
                                    "input_ids: " + (r + n) + " of " + rows + " rows"));
                        }
                        w.commit(String.format(
                                java.util.Locale.ROOT,
                                "%016x",
                                (long) corpus.contentHash().hashCode() * 0x9E3779B97F4A7C15L ^ rows ^ context));
                    }
                    return new Result(out, context, rows, rows * stride, bos != null, (System.nanoTime() - t0) / 1e9);
                }
            } finally {
                AtomicFile.deleteTree(encoded);
            }
        }
    }
}
