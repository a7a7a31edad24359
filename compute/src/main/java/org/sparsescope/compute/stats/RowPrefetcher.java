package org.sparsescope.compute.stats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.sparsescope.compute.dictionary.DictionaryMetrics;

/**
 * Reads {@code count} rows batch by batch, each batch (rows and their special-token marks) read on a thread of its own
 * while the caller encodes the one before: the activation set is read once per pass, overlapped with the matmul.
 */
final class RowPrefetcher implements AutoCloseable {
    /** One batch: rows x [rows, d] on the host, and which sit on special tokens (null: none known). */
    record Batch(float[] x, int rows, boolean[] special) {}

    private final DictionaryMetrics.RowSource source;
    private final FeatureAnalysis.SpecialRows special;
    private final long count;
    private final int batchRows;
    private final PassThread reader = new PassThread("statistics-reader");
    private long nextFrom;
    private Future<Batch> ahead;

    RowPrefetcher(DictionaryMetrics.RowSource source, FeatureAnalysis.SpecialRows special, long count, int batchRows) {
        this.source = source;
        this.special = special;
        this.count = count;
        this.batchRows = batchRows;
        ahead = readAhead();
    }

    private Future<Batch> readAhead() {
        if (nextFrom >= count) {
            return null;
        }
        long from = nextFrom;
        int b = (int) Math.min(batchRows, count - from);
        nextFrom += b;
        return reader.submit(() -> {
            try {
                return new Batch(source.read(from, b), b, special == null ? null : special.of(from, b));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The next batch, its successor already being read. */
    Batch next() throws IOException {
        if (ahead == null) {
            throw new IllegalStateException("all " + count + " rows have been read");
        }
        Future<Batch> current = ahead;
        try {
            Batch b = current.get();
            ahead = readAhead();
            return b;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("reading rows failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading rows");
        }
    }

    /** Waits for a read still under way (at most one batch), so that the caller may close the set behind it. */
    @Override
    public void close() {
        reader.close();
    }
}
