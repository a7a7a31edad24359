package org.sparsescope.app.plot;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An axis's ticks over a visible range, in plot coordinates (log10 of the value on a log axis): 1-2-5 steps, and
 * labels of one precision along the axis, so that 0.05 and 0.30 read as "0.05" and "0.30". Knows nothing of
 * drawing, so its ticks are tested without a display.
 */
public record Axis(double lo, double hi, boolean log) {

    /** A tick at plot coordinate {@code at}, with its label; {@code major} ticks are labelled, minor ones only gridded. */
    public record Tick(double at, String label, boolean major) {}

    /** The value a plot coordinate stands for. */
    public double value(double at) {
        return log ? Math.pow(10, at) : at;
    }

    public List<Tick> ticks() {
        double span = hi - lo;
        if (!(span > 0) || !Double.isFinite(span)) {
            return List.of();
        }
        return log ? logTicks() : linearTicks();
    }

    /** About six ticks at 1, 2 or 5 × 10^k, labelled with the decimals that step needs. */
    private List<Tick> linearTicks() {
        double step = niceStep((hi - lo) / 6);
        int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
        boolean scientific = step >= 1e5 || step < 1e-4;
        List<Tick> out = new ArrayList<>();
        for (long i = (long) Math.ceil(lo / step - 1e-9); i * step <= hi + 1e-9 * step; i++) {
            double t = i * step;
            String label = scientific
                    ? String.format(Locale.ROOT, "%.1e", t)
                    : String.format(Locale.ROOT, "%." + decimals + "f", Math.abs(t) < step / 2 ? 0.0 : t);
            out.add(new Tick(t, label, true));
        }
        return out;
    }

    /**
     * 1-2-5 within each decade over up to three decades; each decade up to twelve; beyond, every k-th decade.
     * Decades are major; 2 and 5 are labelled too while there is room (under two decades).
     */
    private List<Tick> logTicks() {
        double span = hi - lo;
        List<Tick> out = new ArrayList<>();
        if (span <= 3.2) {
            boolean labelAll = span <= 2.2;
            for (double decade = Math.floor(lo); decade <= hi; decade++) {
                for (double m : new double[] {1, 2, 5}) {
                    double t = decade + Math.log10(m);
                    if (t >= lo - 1e-9 && t <= hi + 1e-9) {
                        boolean major = m == 1 || labelAll;
                        out.add(new Tick(t, major ? logLabel(m, (int) decade) : "", major));
                    }
                }
            }
            if (out.stream().filter(Tick::major).count() < 2) {
                // a range inside one decade: label its 2 and 5 ticks after all
                out.replaceAll(t -> new Tick(
                        t.at(),
                        logLabel(Math.round(Math.pow(10, t.at() - Math.floor(t.at() + 1e-9))), (int)
                                Math.floor(t.at() + 1e-9)),
                        true));
            }
            return out;
        }
        int every = (int) Math.max(1, Math.ceil(span / 12));
        for (double decade = Math.ceil(lo - 1e-9); decade <= hi + 1e-9; decade++) {
            boolean major = Math.floorMod((long) decade, every) == 0;
            out.add(new Tick(decade, major ? logLabel(1, (int) decade) : "", major));
        }
        return out;
    }

    /** m × 10^e written as a researcher writes it: 1, 20, 500, 0.05 inside 1e-3..1e5, else 1e-4, 2e-4, 5e6. */
    static String logLabel(double m, int e) {
        double v = m * Math.pow(10, e);
        if (e >= -3 && e < 5) {
            return e >= 0 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%." + (-e) + "f", v);
        }
        return String.format(Locale.ROOT, "%.0fe%d", m, e);
    }

    /** 1, 2 or 5 × 10^k nearest above {@code raw}. */
    public static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double m = raw / p;
        return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
    }
}
