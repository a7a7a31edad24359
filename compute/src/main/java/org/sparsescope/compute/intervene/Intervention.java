package org.sparsescope.compute.intervene;

import java.util.Arrays;

/**
 * What to do to the activation x at a dictionary's hook during a forward pass. With c = encode(x) and
 * write(S) = decode(c restricted to features S) − decode(0), the direction the features S add:
 * <ul>
 * <li>{@link Clean}: nothing; {@link ZeroAblation}: x ← 0; {@link Splice}: x ← decode(c);</li>
 * <li>{@link Ablate} keeping the SAE error: x ← x − write(S); inside the reconstruction: x ← decode(c with c_S = 0);</li>
 * <li>{@link Steer}: x ← x + Σ_j α_j·(decode(e_j) − decode(0)), i.e. α·W_dec[j] for a standard dictionary (SAELens's
 * steering); with {@link SteerUnits#NORM_RELATIVE}, α_j·‖x‖ times the unit decoder direction, at every position;</li>
 * <li>{@link Clamp}: each feature's code set to a value, the SAE error kept: x ← x + Σ_j (v_j − c_j)·W_dec[j].</li>
 * </ul>
 */
public sealed interface Intervention {
    record Clean() implements Intervention {}

    record ZeroAblation() implements Intervention {}

    record Splice() implements Intervention {}

    enum AblationMode {
        KEEP_ERROR,
        RECONSTRUCTION
    }

    record Ablate(int[] features, AblationMode mode) implements Intervention {
        public Ablate {
            features = features.clone();
            if (features.length == 0) {
                throw new IllegalArgumentException("name at least one feature to ablate");
            }
        }

        @Override
        public int[] features() {
            return features.clone();
        }

        @Override
        public String toString() {
            return "Ablate" + Arrays.toString(features) + " " + mode;
        }
    }

    /** What a steering coefficient multiplies: the decoder row as it is, or ‖x‖ at the position times the unit direction. */
    enum SteerUnits {
        ABSOLUTE,
        NORM_RELATIVE
    }

    /** Several features steered at once, each with its own coefficient, in one unit. */
    record Steer(int[] features, double[] alphas, SteerUnits units) implements Intervention {
        public Steer {
            features = features.clone();
            alphas = alphas.clone();
            if (features.length == 0 || features.length != alphas.length) {
                throw new IllegalArgumentException(
                        "steering needs one coefficient per feature, and at least one feature");
            }
        }

        /** A coefficient as typed: 8 rather than 8.0, 0.25 as it is. */
        static String number(double v) {
            return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
        }

        /** One feature by α·W_dec[j]. */
        public Steer(int feature, double alpha) {
            this(new int[] {feature}, new double[] {alpha}, SteerUnits.ABSOLUTE);
        }

        @Override
        public int[] features() {
            return features.clone();
        }

        @Override
        public double[] alphas() {
            return alphas.clone();
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("Steer[");
            for (int i = 0; i < features.length; i++) {
                b.append(i == 0 ? "" : ", ").append(features[i]).append(':').append(alphas[i]);
            }
            return b.append(units == SteerUnits.NORM_RELATIVE ? " ×‖x‖]" : "]").toString();
        }
    }

    /** Features' codes set to values at every position, the SAE error kept. */
    record Clamp(int[] features, double[] values) implements Intervention {
        public Clamp {
            features = features.clone();
            values = values.clone();
            if (features.length == 0 || features.length != values.length) {
                throw new IllegalArgumentException("clamping needs one value per feature, and at least one feature");
            }
        }

        @Override
        public int[] features() {
            return features.clone();
        }

        @Override
        public double[] values() {
            return values.clone();
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("Clamp[");
            for (int i = 0; i < features.length; i++) {
                b.append(i == 0 ? "" : ", ").append(features[i]).append('=').append(values[i]);
            }
            return b.append(']').toString();
        }
    }

    /**
     * "12:4.0,40:-2.0" as features and numbers, the CLI's and the window's spelling of steering and clamping; an
     * IllegalArgumentException naming what is wrong otherwise.
     */
    static double[][] parsePairs(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("give feature:value pairs, e.g. 12:4.0,40:-2.0");
        }
        String[] parts = t.split("[,\\s]+");
        double[][] out = new double[2][parts.length];
        for (int i = 0; i < parts.length; i++) {
            String[] fv = parts[i].split(":");
            try {
                if (fv.length != 2) {
                    throw new NumberFormatException();
                }
                out[0][i] = Integer.parseInt(fv[0].strip());
                out[1][i] = Double.parseDouble(fv[1].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + parts[i] + "' is not feature:value (e.g. 12:4.0)");
            }
        }
        return out;
    }

    /** Steering parsed from "12:4.0,40:-2.0". */
    static Steer steer(String pairs, SteerUnits units) {
        double[][] p = parsePairs(pairs);
        return new Steer(java.util.Arrays.stream(p[0]).mapToInt(d -> (int) d).toArray(), p[1], units);
    }

    /** Clamping parsed from "12:5.0". */
    static Clamp clamp(String pairs) {
        double[][] p = parsePairs(pairs);
        return new Clamp(java.util.Arrays.stream(p[0]).mapToInt(d -> (int) d).toArray(), p[1]);
    }

    /**
     * What this intervention's effect is measured against: inside the reconstruction, the reconstruction spliced in
     * (so the change is the feature's own, not what the dictionary costs); otherwise the clean run.
     */
    default Intervention baseline() {
        return this instanceof Ablate a && a.mode() == AblationMode.RECONSTRUCTION ? new Splice() : new Clean();
    }

    /** Whether its baseline is the reconstruction spliced in (an ablation inside the reconstruction). */
    default boolean measuredAgainstSplice() {
        return baseline() instanceof Splice;
    }

    /** The intervention in the researcher's words, e.g. "ablate features 12, 40 (SAE error kept)". */
    default String describe() {
        if (this instanceof Ablate a) {
            return (a.features().length == 1 ? "ablate feature " : "ablate features ")
                    + list(a.features())
                    + (a.mode() == AblationMode.KEEP_ERROR ? " (SAE error kept)" : " (inside the reconstruction)");
        }
        if (this instanceof Steer s) {
            StringBuilder b = new StringBuilder("steer ");
            for (int i = 0; i < s.features().length; i++) {
                b.append(i == 0 ? "" : ", ")
                        .append("feature ")
                        .append(s.features()[i])
                        .append(" by ")
                        .append(Steer.number(s.alphas()[i]));
            }
            return b.append(s.units() == SteerUnits.NORM_RELATIVE ? " × ‖x‖ along its unit direction" : " × W_dec")
                    .toString();
        }
        if (this instanceof Clamp c) {
            StringBuilder b = new StringBuilder("clamp ");
            for (int i = 0; i < c.features().length; i++) {
                b.append(i == 0 ? "" : ", ")
                        .append("feature ")
                        .append(c.features()[i])
                        .append(" to ")
                        .append(Steer.number(c.values()[i]));
            }
            return b.append(" (SAE error kept)").toString();
        }
        if (this instanceof Splice) {
            return "reconstruction spliced in";
        }
        if (this instanceof ZeroAblation) {
            return "hook zero-ablated";
        }
        return "clean run";
    }

    private static String list(int[] features) {
        return Arrays.stream(features).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(", "));
    }

    /** Whether this intervention needs a dictionary at all. */
    default boolean usesDictionary() {
        return !(this instanceof Clean) && !(this instanceof ZeroAblation);
    }
}
