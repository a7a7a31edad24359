package org.sparsescope.viewmodels.workspace;

import java.util.Locale;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.sparsescope.compute.synthetic.SyntheticSpec;

/**
 * The window's form for a synthetic activation set: each field as typed, parsed and checked here (the view only
 * binds), with the same defaults and meaning as {@code sparsescope synth}.
 */
public final class SyntheticSetForm {
    public final StringProperty d = new SimpleStringProperty("256");
    public final StringProperty features = new SimpleStringProperty("1024");
    public final StringProperty active = new SimpleStringProperty("8");
    public final StringProperty decay = new SimpleStringProperty("0.99");
    /** 0 for independent firing; a rank for the Gaussian copula's random correlation. */
    public final StringProperty correlationRank = new SimpleStringProperty("0");

    public final StringProperty correlationScale = new SimpleStringProperty("0.5");
    public final StringProperty noise = new SimpleStringProperty("0");
    public final StringProperty magnitudes = new SimpleStringProperty("uniform-product");
    public final StringProperty rows = new SimpleStringProperty("200000");
    public final StringProperty seed = new SimpleStringProperty("0");

    /** The generator the fields describe; an {@link IllegalArgumentException} names the field that is wrong. */
    public SyntheticSpec spec() {
        int rank = integer("correlation rank", correlationRank.get());
        return new SyntheticSpec(
                integer("d", d.get()),
                integer("features", features.get()),
                number("active", active.get()),
                number("decay", decay.get()),
                rank,
                rank > 0 ? number("correlation scale", correlationScale.get()) : 0,
                number("noise", noise.get()),
                SyntheticSpec.Magnitudes.parse(magnitudes.get()),
                whole("seed", seed.get()));
    }

    /** How many rows to make. */
    public long rows() {
        long n = whole("rows", rows.get());
        if (n < 1) {
            throw new IllegalArgumentException("rows must be at least 1, got " + n);
        }
        return n;
    }

    private static int integer(String field, String text) {
        long v = whole(field, text);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(field + " is out of range: " + text);
        }
        return (int) v;
    }

    private static long whole(String field, String text) {
        return org.sparsescope.viewmodels.Numbers.whole(field, text);
    }

    private static double number(String field, String text) {
        try {
            double v = Double.parseDouble(text.strip());
            if (!Double.isFinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException(
                    String.format(Locale.ROOT, "%s must be a number, not '%s'", field, text));
        }
    }
}
