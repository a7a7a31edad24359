package org.sparsescope.compute.stats;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.PriorityQueue;

/**
 * The k largest positive activations of every feature, found in one streaming pass: each batch's own top k per
 * feature comes from the engine, and only those candidates meet the per-feature heaps. Ties order by row.
 */
final class TopExamples {
    private final int k;
    private final PriorityQueue<long[]>[] heaps; // {valueBits-as-sortable, row}; the heap's head is the weakest kept

    @SuppressWarnings("unchecked")
    TopExamples(int features, int k) {
        this.k = k;
        heaps = new PriorityQueue[features];
        for (int j = 0; j < features; j++) {
            heaps[j] = new PriorityQueue<>(k + 1, TopExamples::weakerFirst);
        }
    }

    /** Greater value is stronger; among equal values the smaller row is stronger. */
    private static int weakerFirst(long[] a, long[] b) {
        int byValue = Float.compare(Float.intBitsToFloat((int) a[0]), Float.intBitsToFloat((int) b[0]));
        return byValue != 0 ? byValue : Long.compare(b[1], a[1]);
    }

    /** Codes [B, n] of rows firstRow … firstRow + B − 1. */
    void accept(NDArray codes, long firstRow) {
        int b = (int) codes.getShape().get(0);
        int n = heaps.length;
        int kk = Math.min(k, b);
        if (kk == 0) {
            return;
        }
        NDList top = codes.topK(kk, 0, true, true); // values [kk, n], batch row indices [kk, n]
        float[] values = top.get(0).toFloatArray();
        long[] idx = top.get(1).toLongArray();
        for (int i = 0; i < kk; i++) {
            for (int j = 0; j < n; j++) {
                float v = values[i * n + j];
                if (v > 0) {
                    offer(j, v, firstRow + idx[i * n + j]);
                }
            }
        }
    }

    private void offer(int j, float v, long row) {
        long[] e = {Float.floatToIntBits(v), row};
        PriorityQueue<long[]> h = heaps[j];
        if (h.size() < k) {
            h.add(e);
        } else if (weakerFirst(e, h.peek()) > 0) {
            h.poll();
            h.add(e);
        }
    }

    Examples result() {
        int n = heaps.length;
        long[][] rows = new long[n][];
        float[][] values = new float[n][];
        for (int j = 0; j < n; j++) {
            long[][] sorted = heaps[j].toArray(new long[0][]);
            java.util.Arrays.sort(sorted, (a, b) -> weakerFirst(b, a));
            rows[j] = new long[sorted.length];
            values[j] = new float[sorted.length];
            for (int i = 0; i < sorted.length; i++) {
                rows[j][i] = sorted[i][1];
                values[j][i] = Float.intBitsToFloat((int) sorted[i][0]);
            }
        }
        return new Examples(rows, values);
    }
}
