package org.sparsescope.compute.dictionary;

import ai.djl.ndarray.NDArray;

/**
 * How a dictionary normalises each activation row before encoding, and returns its reconstruction to activation
 * space: x' = (x − μ) / s_in, x̂ = y · s_out + μ, with μ and the scales computed from the row itself. A per-row map
 * cannot be folded into the weights (a constant scale can, and the readers fold those), so it travels with the
 * dictionary and every reconstruction of a row needs that row.
 */
public sealed interface InputNormalization {
    /** No normalisation: x' = x, x̂ = y. */
    None NONE = new None();

    /** Row x [B, d] into the dictionary's space. */
    NDArray in(NDArray x);

    /** The decoder's output y [B or 1, d] for rows x [B, d] back into activation space. */
    NDArray out(NDArray y, NDArray x);

    /** The factor [B, 1] by which whatever a feature writes at row x is scaled on the way out (s_out). */
    NDArray outputScale(NDArray x);

    /**
     * The same as {@link #out} on the host, in place on one row's reconstruction; x is the row at {@code base} of
     * {@code rows}. Sums in double, as the host-side metrics take theirs.
     */
    void outOnHost(float[] rows, int base, float[] recon);

    /** SAELens's {@code normalize_activations} value for this normalisation. */
    String saeLensName();

    record None() implements InputNormalization {
        @Override
        public NDArray in(NDArray x) {
            return x;
        }

        @Override
        public NDArray out(NDArray y, NDArray x) {
            return y;
        }

        @Override
        public NDArray outputScale(NDArray x) {
            return x.getManager()
                    .ones(new ai.djl.ndarray.types.Shape(x.getShape().get(0), 1));
        }

        @Override
        public void outOnHost(float[] rows, int base, float[] recon) {}

        @Override
        public String saeLensName() {
            return "none";
        }
    }

    /**
     * SAELens's {@code constant_norm_rescale} (Anthropic's February 2024 update): each row scaled to norm √d on the
     * way in, x' = x · √d / ‖x‖, and the reconstruction divided by the same factor on the way out.
     */
    record ConstantNormRescale() implements InputNormalization {
        @Override
        public NDArray in(NDArray x) {
            return x.mul(coefficient(x));
        }

        @Override
        public NDArray out(NDArray y, NDArray x) {
            return y.div(coefficient(x));
        }

        @Override
        public NDArray outputScale(NDArray x) {
            return coefficient(x).pow(-1f);
        }

        private static NDArray coefficient(NDArray x) {
            long d = x.getShape().get(x.getShape().dimension() - 1);
            return x.norm(new int[] {-1}, true).pow(-1f).mul((float) Math.sqrt(d));
        }

        @Override
        public void outOnHost(float[] rows, int base, float[] recon) {
            int d = recon.length;
            double sq = 0;
            for (int j = 0; j < d; j++) {
                sq += (double) rows[base + j] * rows[base + j];
            }
            float coefficient = (float) (Math.sqrt(d) / Math.sqrt(sq));
            for (int j = 0; j < d; j++) {
                recon[j] /= coefficient;
            }
        }

        @Override
        public String saeLensName() {
            return "constant_norm_rescale";
        }
    }

    /**
     * A layer norm without weights, as OpenAI's GPT-2 autoencoders (sparse_autoencoder/model.py, {@code LN}) and
     * SAELens's {@code layer_norm} apply it: μ the row's mean, σ the unbiased standard deviation of x − μ (torch's
     * default {@code std}), x' = (x − μ) / (σ + ε) in, x̂ = y · σ + μ out — σ, not σ + ε, on the way out, as both do.
     */
    record LayerNorm(double eps) implements InputNormalization {
        @Override
        public NDArray in(NDArray x) {
            NDArray centred = x.sub(x.mean(new int[] {-1}, true));
            return centred.div(std(centred).add((float) eps));
        }

        @Override
        public NDArray out(NDArray y, NDArray x) {
            NDArray mean = x.mean(new int[] {-1}, true);
            return y.mul(std(x.sub(mean))).add(mean);
        }

        @Override
        public NDArray outputScale(NDArray x) {
            return std(x.sub(x.mean(new int[] {-1}, true)));
        }

        private static NDArray std(NDArray centred) {
            long d = centred.getShape().get(centred.getShape().dimension() - 1);
            return centred.square()
                    .sum(new int[] {-1}, true)
                    .div((float) (d - 1))
                    .sqrt();
        }

        @Override
        public void outOnHost(float[] rows, int base, float[] recon) {
            int d = recon.length;
            double sum = 0;
            for (int j = 0; j < d; j++) {
                sum += rows[base + j];
            }
            double mean = sum / d, sq = 0;
            for (int j = 0; j < d; j++) {
                double c = rows[base + j] - mean;
                sq += c * c;
            }
            float std = (float) Math.sqrt(sq / (d - 1));
            for (int j = 0; j < d; j++) {
                recon[j] = recon[j] * std + (float) mean;
            }
        }

        @Override
        public String saeLensName() {
            return "layer_norm";
        }
    }
}
