package org.sparsescope.compute.stats;

/** Counts in equal-width bins over [lo, hi]; the last bin includes hi. */
public record Histogram(double lo, double hi, long[] counts) {

    public int bins() {
        return counts.length;
    }

    public double binWidth() {
        return (hi - lo) / counts.length;
    }

    /** The counts of {@code values} in {@code bins} equal bins over [lo, hi] (values outside go to the end bins). */
    public static Histogram of(double[] values, double lo, double hi, int bins) {
        long[] counts = new long[bins];
        for (double v : values) {
            counts[bin(v, lo, hi, bins)]++;
        }
        return new Histogram(lo, hi, counts);
    }

    static int bin(double v, double lo, double hi, int bins) {
        int b = (int) ((v - lo) / (hi - lo) * bins);
        return Math.max(0, Math.min(bins - 1, b));
    }
}
