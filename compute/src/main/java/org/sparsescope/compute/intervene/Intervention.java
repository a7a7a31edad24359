package org.sparsescope.compute.intervene;

import java.util.Arrays;

/**
 * What to do to the activation x at a dictionary's hook during a forward pass. With c = encode(x) and
 * write(S) = decode(c restricted to features S) − decode(0), the direction the features S add:
 * <ul>
 * <li>{@link Clean}: nothing; {@link ZeroAblation}: x ← 0; {@link Splice}: x ← decode(c);</li>
 * <li>{@link Ablate} keeping the SAE error: x ← x − write(S); inside the reconstruction: x ← decode(c with c_S = 0);</li>
 * <li>{@link Steer}: x ← x + α·(decode(e_j) − decode(0)), i.e. α·W_dec[j] for a standard dictionary.</li>
 * </ul>
 */
public sealed interface Intervention {
    record Clean() implements Intervention {
    }

    record ZeroAblation() implements Intervention {
    }

    record Splice() implements Intervention {
    }

    enum AblationMode { KEEP_ERROR, RECONSTRUCTION }

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

    record Steer(int feature, double alpha) implements Intervention {
    }

    /** Whether this intervention needs a dictionary at all. */
    default boolean usesDictionary() {
        return !(this instanceof Clean) && !(this instanceof ZeroAblation);
    }
}
