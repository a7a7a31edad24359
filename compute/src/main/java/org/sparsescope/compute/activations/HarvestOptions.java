package org.sparsescope.compute.activations;

import org.sparsescope.compute.tensor.DType;

/**
 * How to harvest: target {@code tokens}, windows of {@code window} tokens, stored as {@code dtype} (F16 or F32) in
 * chunks of {@code rowsPerChunk} rows (0: about 64 MiB each, a whole number of windows), {@code batchWindows}
 * windows per forward pass, windows taken in corpus order or shuffled by {@code seed}.
 *
 * @param documentStarts windows start where documents start (one per document long enough, the rest of it unread)
 *                       instead of packing the joined token stream into consecutive windows
 * @param prependBos     each window is the model's BOS token followed by window − 1 corpus tokens, as SAELens
 *                       harvests for a dictionary trained with {@code prepend_bos}
 */
public record HarvestOptions(
        long tokens,
        int window,
        DType dtype,
        int rowsPerChunk,
        int batchWindows,
        boolean shuffle,
        long seed,
        boolean documentStarts,
        boolean prependBos) {

    public HarvestOptions {
        if (tokens <= 0) {
            throw new IllegalArgumentException("tokens must be positive, got " + tokens);
        }
        if (window < 1) {
            throw new IllegalArgumentException("window must be positive, got " + window);
        }
        if (dtype != DType.F16 && dtype != DType.F32) {
            throw new IllegalArgumentException("activations are stored as F16 or F32, not " + dtype);
        }
        if (rowsPerChunk < 0 || (rowsPerChunk > 0 && rowsPerChunk % window != 0)) {
            throw new IllegalArgumentException(
                    "rows per chunk must be a positive multiple of the window (" + window + "), got " + rowsPerChunk);
        }
        if (prependBos && window < 2) {
            throw new IllegalArgumentException("a window with a prepended BOS needs at least 2 tokens");
        }
        if (batchWindows < 1) {
            throw new IllegalArgumentException("batch must hold at least one window");
        }
    }

    public static HarvestOptions of(long tokens, int window) {
        return new HarvestOptions(tokens, window, DType.F16, 0, 16, false, 0, false, false);
    }

    public HarvestOptions withDtype(DType t) {
        return new HarvestOptions(
                tokens, window, t, rowsPerChunk, batchWindows, shuffle, seed, documentStarts, prependBos);
    }

    public HarvestOptions withRowsPerChunk(int rows) {
        return new HarvestOptions(tokens, window, dtype, rows, batchWindows, shuffle, seed, documentStarts, prependBos);
    }

    public HarvestOptions withBatchWindows(int b) {
        return new HarvestOptions(tokens, window, dtype, rowsPerChunk, b, shuffle, seed, documentStarts, prependBos);
    }

    public HarvestOptions shuffled(long s) {
        return new HarvestOptions(
                tokens, window, dtype, rowsPerChunk, batchWindows, true, s, documentStarts, prependBos);
    }

    public HarvestOptions atDocumentStarts() {
        return new HarvestOptions(tokens, window, dtype, rowsPerChunk, batchWindows, shuffle, seed, true, prependBos);
    }

    public HarvestOptions withPrependBos(boolean bos) {
        return new HarvestOptions(
                tokens, window, dtype, rowsPerChunk, batchWindows, shuffle, seed, documentStarts, bos);
    }

    /** Corpus tokens each window reads: the window, less the prepended BOS. */
    public int corpusTokensPerWindow() {
        return prependBos ? window - 1 : window;
    }

    /** Rows per chunk for activations of width d: as asked, or about 64 MiB rounded down to whole windows. */
    public int rowsPerChunk(int d) {
        if (rowsPerChunk > 0) {
            return rowsPerChunk;
        }
        long rows = (64L << 20) / ((long) d * dtype.byteSize());
        return (int) Math.max(window, rows / window * window);
    }
}
