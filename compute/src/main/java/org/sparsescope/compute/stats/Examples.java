package org.sparsescope.compute.stats;

/**
 * Example rows per feature: for feature j, {@code rows[j][i]} activated it with {@code values[j][i]}. Top examples
 * are sorted by value, largest first (ties by row); quantile examples are grouped by activation band, lowest first.
 */
public record Examples(long[][] rows, float[][] values) {
    public int features() {
        return rows.length;
    }

    public int count(int feature) {
        return rows[feature].length;
    }
}
