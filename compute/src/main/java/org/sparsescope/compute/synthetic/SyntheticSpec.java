package org.sparsescope.compute.synthetic;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How a synthetic activation set is made: {@code features} ground-truth unit directions in {@code d} dimensions, each
 * firing in a row with a probability that decays geometrically with its index ({@code decay}^i, the research code's
 * {@code feature_prob_decay}), scaled so that {@code active} fire per row on average ({@code feature_num_nonzero});
 * a row is the sum of its firing directions times their magnitudes, plus isotropic Gaussian noise of standard
 * deviation {@code noise} per dimension.
 *
 * @param correlationRank  0 for independent firing; otherwise firing is correlated through a Gaussian copula whose
 *                         correlation matrix is a random rank-{@code correlationRank} factor model
 * @param correlationScale how strongly: each feature's latent Gaussian takes this share of its variance from the
 *                         shared factors (0 &lt; scale &lt; 1)
 * @param magnitudes       how large a firing feature is
 */
public record SyntheticSpec(
        int d,
        int features,
        double active,
        double decay,
        int correlationRank,
        double correlationScale,
        double noise,
        Magnitudes magnitudes,
        long seed) {

    /** The most a generator may hold: features × d directions in memory. */
    public static final long MAX_DIRECTION_VALUES = 1L << 28;

    /**
     * A firing feature's magnitude: the research code's product of two uniforms on [0, 1) ({@code dataset_values *
     * feature_strengths}), or SynthSAEBench's ReLU(mean + std · N(0, 1)).
     */
    public record Magnitudes(String kind, double mean, double std) {
        public static final Magnitudes RESEARCH = new Magnitudes("uniform-product", 0.25, Math.sqrt(7.0 / 144));

        public static Magnitudes normal(double mean, double std) {
            return new Magnitudes("normal", mean, std);
        }

        public boolean research() {
            return "uniform-product".equals(kind);
        }

        /** "uniform-product", or "MEAN,STD" as {@code --magnitudes} takes it. */
        public static Magnitudes parse(String s) {
            if (s == null || s.isBlank() || s.equals("uniform-product") || s.equals("research")) {
                return RESEARCH;
            }
            String[] parts = s.split(",");
            if (parts.length != 2) {
                throw new IllegalArgumentException(
                        "magnitudes must be 'uniform-product' or MEAN,STD (for example 1.0,0.2), got '" + s + "'");
            }
            double mean = Double.parseDouble(parts[0].trim()), std = Double.parseDouble(parts[1].trim());
            if (!(mean > 0) || !(std >= 0) || Double.isInfinite(mean) || Double.isInfinite(std)) {
                throw new IllegalArgumentException("magnitudes need a positive mean and a non-negative std, got " + s);
            }
            return normal(mean, std);
        }

        public String describe() {
            return research() ? "uniform-product" : fmt(mean) + "," + fmt(std);
        }
    }

    public SyntheticSpec {
        if (d < 1 || d > 1 << 16) {
            throw new IllegalArgumentException("d must be 1 to 65536, got " + d);
        }
        if (features < 1 || (long) features * d > MAX_DIRECTION_VALUES) {
            throw new IllegalArgumentException("features must be at least 1 and features × d at most "
                    + MAX_DIRECTION_VALUES + ", got " + features);
        }
        if (!(active > 0) || active > features) {
            throw new IllegalArgumentException(
                    "active (features firing per row on average) must be in (0, " + features + "], got " + active);
        }
        if (!(decay > 0) || decay > 1) {
            throw new IllegalArgumentException("decay must be in (0, 1], got " + decay);
        }
        if (correlationRank < 0 || correlationRank > features) {
            throw new IllegalArgumentException(
                    "correlation rank must be 0 to " + features + ", got " + correlationRank);
        }
        if (correlationRank > 0 && !(correlationScale > 0 && correlationScale < 1)) {
            throw new IllegalArgumentException("correlation scale must be in (0, 1), got " + correlationScale);
        }
        if (!(noise >= 0) || Double.isInfinite(noise)) {
            throw new IllegalArgumentException("noise must be a non-negative standard deviation, got " + noise);
        }
        if (magnitudes == null) {
            magnitudes = Magnitudes.RESEARCH;
        }
        if (correlationRank == 0) {
            correlationScale = 0;
        }
    }

    public boolean correlated() {
        return correlationRank > 0;
    }

    /**
     * Each feature's firing probability: decay^i scaled so that they sum to {@code active}, none above 1 (a feature
     * that would exceed 1 fires always and the rest are scaled up to keep the sum). The research code scales the
     * uncorrelated case by active / features only, so its rows average fewer than {@code active} features whenever
     * decay &lt; 1 (its own FIXME); its correlated case rescales to the mean, as here.
     */
    public double[] probabilities() {
        double[] shape = new double[features];
        for (int i = 0; i < features; i++) {
            shape[i] = Math.pow(decay, i);
        }
        double[] p = new double[features];
        boolean[] capped = new boolean[features];
        for (int round = 0; round <= features; round++) {
            double want = active, free = 0;
            for (int i = 0; i < features; i++) {
                if (capped[i]) {
                    want -= 1;
                } else {
                    free += shape[i];
                }
            }
            boolean changed = false;
            for (int i = 0; i < features; i++) {
                p[i] = capped[i] ? 1 : shape[i] * want / free;
                if (!capped[i] && p[i] >= 1) {
                    capped[i] = true;
                    changed = true;
                }
            }
            if (!changed) {
                break;
            }
        }
        for (int i = 0; i < features; i++) {
            p[i] = Math.min(1, p[i]);
        }
        return p;
    }

    /** Everything that decides the rows (not how many): the set's identity and its truth's. */
    public Map<String, Object> parameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("d", d);
        m.put("features", features);
        m.put("active", active);
        m.put("decay", decay);
        m.put("correlation_rank", correlationRank);
        m.put("correlation_scale", correlationScale);
        m.put("noise", noise);
        m.put("magnitudes", magnitudes.describe());
        m.put("seed", seed);
        return m;
    }

    /** SHA-256 of the parameters written canonically. */
    public String sha256() {
        StringBuilder s = new StringBuilder();
        parameters().forEach((k, v) -> s.append(k).append('=').append(v).append('\n'));
        return org.sparsescope.compute.work.ContentHash.sha256(s.toString());
    }

    /** The set's "model" name: {@code synthetic:} and the first 12 hex digits of {@link #sha256()}. */
    public String modelName() {
        return SyntheticSets.MODEL_PREFIX + sha256().substring(0, 12);
    }

    /** One line for lists and plots: "d 256, 1024 features, 8 active, decay 0.99, …". */
    public String describe() {
        StringBuilder s = new StringBuilder();
        s.append("d ")
                .append(d)
                .append(", ")
                .append(features)
                .append(" features, ")
                .append(fmt(active))
                .append(" active, decay ")
                .append(fmt(decay));
        if (correlated()) {
            s.append(", correlated (rank ")
                    .append(correlationRank)
                    .append(", scale ")
                    .append(fmt(correlationScale))
                    .append(')');
        }
        if (noise > 0) {
            s.append(", noise σ ").append(fmt(noise));
        }
        if (!magnitudes.research()) {
            s.append(", magnitudes ").append(magnitudes.describe());
        }
        return s.append(", seed ").append(seed).toString();
    }

    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15
                ? Long.toString((long) v)
                : String.format(Locale.ROOT, "%.6g", v).replaceAll("0+$", "").replaceAll("\\.$", "");
    }
}
