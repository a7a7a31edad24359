package org.sparsescope.compute.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * A quantile band of a feature's activations, as the statistics sample examples across its range: one of
 * {@code bands} equal-width bands of (0, max], with the items whose value falls in it.
 */
public record QuantileBand<T>(int index, double lo, double hi, List<T> items) {

    /** {@code items} by band, highest band first, bands without items left out; items keep their order. */
    public static <T> List<QuantileBand<T>> group(List<T> items, ToDoubleFunction<T> value, double max, int bands) {
        List<List<T>> by = new ArrayList<>();
        for (int b = 0; b < bands; b++) {
            by.add(new ArrayList<>());
        }
        for (T item : items) {
            by.get(max > 0 ? (int) Math.min(bands - 1, Math.floor(value.applyAsDouble(item) / max * bands)) : 0)
                    .add(item);
        }
        List<QuantileBand<T>> out = new ArrayList<>();
        for (int b = bands - 1; b >= 0; b--) {
            if (!by.get(b).isEmpty()) {
                out.add(new QuantileBand<>(b, b * max / bands, (b + 1) * max / bands, List.copyOf(by.get(b))));
            }
        }
        return out;
    }
}
