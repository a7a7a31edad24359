package org.sparsescope.viewmodels;

import org.sparsescope.compute.stats.Histogram;

/** A histogram as the views draw it: equal-width bins over [lo, hi] with their counts. */
public record Bins(double lo, double hi, long[] counts) {
    public Bins {
        counts = counts.clone();
    }

    @Override
    public long[] counts() {
        return counts.clone();
    }

    public int bins() {
        return counts.length;
    }

    /** From compute's histogram (null: none). */
    public static Bins of(Histogram h) {
        return h == null ? null : new Bins(h.lo(), h.hi(), h.counts());
    }
}
