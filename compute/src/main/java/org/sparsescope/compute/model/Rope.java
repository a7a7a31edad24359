package org.sparsescope.compute.model;

/**
 * Rotary position embedding of one kind of layer, as transformers' {@code modeling_rope_utils} computes its
 * inverse frequencies: {@code default}, {@code linear} (positions divided by {@code factor}) and {@code llama3}
 * (long wavelengths divided by {@code factor}, short ones kept, the band between interpolated).
 *
 * @param theta                 the base of the frequencies ({@code rope_theta})
 * @param type                  {@code default}, {@code linear} or {@code llama3}
 * @param factor                the scaling factor (1 for default)
 * @param lowFreqFactor         llama3's {@code low_freq_factor}
 * @param highFreqFactor        llama3's {@code high_freq_factor}
 * @param originalMaxPositions  llama3's {@code original_max_position_embeddings}
 */
public record Rope(
        double theta,
        String type,
        double factor,
        double lowFreqFactor,
        double highFreqFactor,
        int originalMaxPositions) {

    public static Rope plain(double theta) {
        return new Rope(theta, "default", 1, 0, 0, 0);
    }

    /**
     * The inverse frequency of each of the {@code dims / 2} rotated pairs, in float32 as transformers computes
     * them ({@code 1 / base ** (arange(0, dim, 2).float() / dim)}) and then scales them by type.
     */
    public float[] inverseFrequencies(int dims) {
        float[] inv = new float[dims / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / dims;
            inv[i] = (float) (1.0 / (float) Math.pow(theta, exponent));
        }
        switch (type) {
            case "linear" -> {
                for (int i = 0; i < inv.length; i++) {
                    inv[i] = (float) (inv[i] / factor);
                }
            }
            case "llama3" -> {
                double lowWavelen = originalMaxPositions / lowFreqFactor;
                double highWavelen = originalMaxPositions / highFreqFactor;
                for (int i = 0; i < inv.length; i++) {
                    float wavelen = (float) (2 * Math.PI / inv[i]);
                    float scaled = wavelen > lowWavelen ? (float) (inv[i] / factor) : inv[i];
                    if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
                        float smooth = (float)
                                ((originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor));
                        scaled = (float) ((1 - smooth) * scaled / factor + smooth * scaled);
                    }
                    inv[i] = scaled;
                }
            }
            default -> {}
        }
        return inv;
    }

    /** A key naming these frequencies, for caching their tables. */
    String key(int dims) {
        return type + "/" + theta + "/" + factor + "/" + lowFreqFactor + "/" + highFreqFactor + "/"
                + originalMaxPositions + "/" + dims;
    }
}
