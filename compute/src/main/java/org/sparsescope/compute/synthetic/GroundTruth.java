package org.sparsescope.compute.synthetic;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.SafetensorsFile;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.tensor.TensorFileException;

/**
 * The features a synthetic set was made of, saved beside it as {@code truth.safetensors}: the unit directions
 * [features, d] (the research code's {@code generate_rand_feats}: Gaussian rows divided by their norms), each
 * feature's firing probability, the copula's factor loadings when firing is correlated, and — once the set is
 * complete — the frequencies each feature actually fired with.
 *
 * @param directions  row-major [features, d], unit rows
 * @param loadings    row-major [features, rank]: feature i's latent Gaussian is loadings_i · g + √(1 − ‖loadings_i‖²) ε_i
 *                    with g ~ N(0, I_rank); empty when independent
 * @param frequencies empirical firing frequency per feature over the whole set; null until the set is complete
 */
public record GroundTruth(
        int d, int features, float[] directions, double[] probabilities, float[] loadings, double[] frequencies) {

    public static final String FILE = "truth.safetensors";

    /** The truth a spec makes: the same directions and loadings for the same parameters, on any machine. */
    public static GroundTruth of(SyntheticSpec spec) {
        SplittableRandom directionsRandom = new SplittableRandom(spec.seed());
        SplittableRandom loadingsRandom = directionsRandom.split();
        int d = spec.d(), n = spec.features();
        float[] dirs = randomUnitRows(directionsRandom, n, d, 1.0);
        // each loading row a random direction of length √scale: correlation ρ_ij = scale · cos(u_i, u_j)
        int rank = spec.correlationRank();
        float[] loadings =
                rank > 0 ? randomUnitRows(loadingsRandom, n, rank, Math.sqrt(spec.correlationScale())) : new float[0];
        return new GroundTruth(d, n, dirs, spec.probabilities(), loadings, null);
    }

    /** {@code n} rows of {@code d}: Gaussian vectors scaled to {@code length} (directions uniform on the sphere). */
    public static float[] randomUnitRows(SplittableRandom random, int n, int d, double length) {
        float[] out = new float[n * d];
        double[] row = new double[d];
        for (int i = 0; i < n; i++) {
            double norm = 0;
            for (int j = 0; j < d; j++) {
                row[j] = random.nextGaussian();
                norm += row[j] * row[j];
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < d; j++) {
                out[i * d + j] = (float) (row[j] / norm * length);
            }
        }
        return out;
    }

    public int rank() {
        return features == 0 ? 0 : loadings.length / features;
    }

    /** The correlation of features i and j's latent Gaussians (1 on the diagonal). */
    public double latentCorrelation(int i, int j) {
        if (i == j) {
            return 1;
        }
        int r = rank();
        double s = 0;
        for (int k = 0; k < r; k++) {
            s += (double) loadings[i * r + k] * loadings[j * r + k];
        }
        return s;
    }

    public GroundTruth withFrequencies(double[] f) {
        return new GroundTruth(d, features, directions, probabilities, loadings, f);
    }

    public void write(Path dir) throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("directions", Tensor.ofFloats(new long[] {features, d}, directions));
        t.put("probabilities", Tensor.ofDoubles(new long[] {features}, probabilities));
        if (rank() > 0) {
            t.put("loadings", Tensor.ofFloats(new long[] {features, rank()}, loadings));
        }
        if (frequencies != null) {
            t.put("frequencies", Tensor.ofDoubles(new long[] {features}, frequencies));
        }
        Safetensors.write(dir.resolve(FILE), t, Map.of("format", "sparsescope-ground-truth"));
    }

    /** Reads a set's truth, checked against the shape its spec promises. */
    public static GroundTruth read(Path dir, SyntheticSpec spec) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(file, "missing: the synthetic set's ground truth is not beside it");
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            float[] dirs = tensor(f, file, "directions", new long[] {spec.features(), spec.d()})
                    .floats();
            double[] probs = tensor(f, file, "probabilities", new long[] {spec.features()})
                    .doubles();
            float[] loadings = spec.correlated()
                    ? tensor(f, file, "loadings", new long[] {spec.features(), spec.correlationRank()})
                            .floats()
                    : new float[0];
            double[] freq = f.names().contains("frequencies")
                    ? tensor(f, file, "frequencies", new long[] {spec.features()})
                            .doubles()
                    : null;
            return new GroundTruth(spec.d(), spec.features(), dirs, probs, loadings, freq);
        }
    }

    private static Tensor tensor(SafetensorsFile f, Path file, String name, long[] shape) throws IOException {
        if (!f.names().contains(name)) {
            throw new InvalidInputException(file, "lacks the tensor '" + name + "'");
        }
        Tensor t = f.read(name).onHeap();
        if (!java.util.Arrays.equals(t.shape(), shape)) {
            throw new TensorFileException(
                    file,
                    "'" + name + "' has shape " + java.util.Arrays.toString(t.shape()) + ", expected "
                            + java.util.Arrays.toString(shape));
        }
        return t;
    }
}
