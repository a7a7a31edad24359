package org.sparsescope.compute.stats;

import java.util.PriorityQueue;
import org.sparsescope.compute.dictionary.NonZeroCodes;

/**
 * The k largest positive activations of every feature, found in one streaming pass over the non-zero codes, each
 * feature's heap holding its k strongest. Ties order by row.
 */
final class TopExamples {
    private final int k;
    private final PriorityQueue<long[]>[] heaps; // {valueBits-as-sortable, row}; the heap's head is the weakest kept
    private final float[] floor; // a full heap's weakest value: anything smaller cannot enter

    @SuppressWarnings("unchecked")
    TopExamples(int features, int k) {
        this.k = k;
        heaps = new PriorityQueue[features];
        floor = new float[features];
        java.util.Arrays.fill(floor, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < features; j++) {
            heaps[j] = new PriorityQueue<>(k + 1, TopExamples::weakerFirst);
        }
    }

    /** Greater value is stronger; among equal values the smaller row is stronger. */
    private static int weakerFirst(long[] a, long[] b) {
        int byValue = Float.compare(Float.intBitsToFloat((int) a[0]), Float.intBitsToFloat((int) b[0]));
        return byValue != 0 ? byValue : Long.compare(b[1], a[1]);
    }

    /**
     * A batch's non-zero codes, of rows firstRow … firstRow + B − 1, leaving out rows marked in {@code skip} (may be
     * null). A feature whose heap is full rejects anything below its weakest kept value without touching the heap:
     * most entries stop at that comparison.
     */
    void accept(NonZeroCodes codes, long firstRow, boolean[] skip) {
        int[] row = codes.row(), feature = codes.feature();
        float[] value = codes.value();
        for (int e = 0; e < value.length; e++) {
            float v = value[e];
            int j = feature[e];
            if (v <= 0 || v < floor[j] || (skip != null && skip[row[e]])) {
                continue;
            }
            offer(j, v, firstRow + row[e]);
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
        if (h.size() == k) {
            floor[j] = Float.intBitsToFloat((int) h.peek()[0]);
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
