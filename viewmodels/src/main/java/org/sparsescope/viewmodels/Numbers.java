package org.sparsescope.viewmodels;

import java.util.Locale;

/** How the views write numbers, so that one figure reads the same everywhere, and how typed ones are read. */
public final class Numbers {
    private Numbers() {}

    /**
     * A signed figure with {@code decimals} places: "+0.0140", "−0.2310"; a value that rounds to zero is "0.0000"
     * (never "−0.0000", which reads as a loss where there is none); "—" for NaN.
     */
    public static String signed(double v, int decimals) {
        if (Double.isNaN(v)) {
            return "—";
        }
        String plain = String.format(Locale.ROOT, "%." + decimals + "f", Math.abs(v));
        if (plain.matches("[0.]*")) {
            return plain;
        }
        return (v > 0 ? "+" : "−") + plain;
    }

    /** A figure with {@code decimals} places, "—" for NaN. */
    public static String plain(double v, int decimals) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** A whole number as typed in a form (spaces, "_" and "," allowed); a typed error naming the field otherwise. */
    public static long whole(String field, String text) {
        try {
            return Long.parseLong(text.strip().replace("_", "").replace(",", ""));
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException(field + " must be a whole number, not '" + text + "'");
        }
    }
}
