package org.sparsescope.app.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsescope.compute.synthetic.SyntheticSets;
import org.sparsescope.compute.synthetic.SyntheticSpec;
import org.sparsescope.compute.work.Cancellation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "synth",
        mixinStandardHelpOptions = true,
        description = {
            "Make a synthetic activation set whose features are known: rows are sparse sums of random unit directions, "
                    + "each firing with a probability that decays with its index (the research code's RandomDatasetGenerator), "
                    + "optionally correlated and noisy. The ground truth is saved beside the set (truth.safetensors), so "
                    + "`truth` and the window can say how much of it a dictionary recovers.",
            "Re-running the same command resumes an interrupted set."
        })
public final class SynthCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--d", required = true, description = "dimensions of a row (the hook's width)")
    int d;

    @Option(names = "--features", required = true, description = "ground-truth features (directions)")
    int features;

    @Option(
            names = "--active",
            defaultValue = "8",
            description =
                    "features firing per row on average (the research code's feature_num_nonzero; default ${DEFAULT-VALUE})")
    double active;

    @Option(
            names = "--decay",
            defaultValue = "0.99",
            description =
                    "feature i fires in proportion to decay^i (feature_prob_decay; 1 for equal frequencies; default ${DEFAULT-VALUE})")
    double decay;

    @Option(
            names = "--correlated",
            description = "features co-fire through a Gaussian copula with a random low-rank correlation " + "(rank "
                    + DEFAULT_RANK + ", scale " + DEFAULT_SCALE + " unless given)")
    boolean correlated;

    @Option(names = "--correlation-rank", description = "rank of the random correlation (implies --correlated)")
    Integer rank;

    @Option(
            names = "--correlation-scale",
            description = "share of each feature's latent variance that is shared, in (0, 1) (implies --correlated)")
    Double scale;

    @Option(
            names = "--noise",
            defaultValue = "0",
            description = "standard deviation of Gaussian noise added to every dimension (default ${DEFAULT-VALUE})")
    double noise;

    @Option(
            names = "--magnitudes",
            defaultValue = "uniform-product",
            description = "a firing feature's magnitude: uniform-product (the research code's U·U) or MEAN,STD "
                    + "(SynthSAEBench's ReLU(mean + std·N(0,1))); default ${DEFAULT-VALUE}")
    String magnitudes;

    @Option(names = "--rows", required = true, description = "rows to make")
    long rows;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "seed of the truth and the rows (default ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--out",
            required = true,
            description = "folder to write the set into (new, empty, or this run's to resume)")
    Path out;

    @Option(names = "--rows-per-chunk", defaultValue = "16384", hidden = true)
    int rowsPerChunk;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    static final int DEFAULT_RANK = 16;
    static final double DEFAULT_SCALE = 0.5;

    @Override
    public Integer call() throws Exception {
        boolean corr = correlated || rank != null || scale != null;
        SyntheticSpec s;
        try {
            s = new SyntheticSpec(
                    d,
                    features,
                    active,
                    decay,
                    corr ? (rank != null ? rank : Math.min(DEFAULT_RANK, features)) : 0,
                    corr ? (scale != null ? scale : DEFAULT_SCALE) : 0,
                    noise,
                    SyntheticSpec.Magnitudes.parse(magnitudes),
                    seed);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        TerminalProgress bar = new TerminalProgress(spec.commandLine().getErr());
        long t0 = System.nanoTime();
        SyntheticSets.SyntheticSet set = SyntheticSets.write(s, rows, rowsPerChunk, out, bar, new Cancellation());
        double seconds = (System.nanoTime() - t0) / 1e9;
        bar.done();
        var o = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("activations", out.toAbsolutePath().toString());
            m.put("model", set.model());
            m.put("hook", SyntheticSets.HOOK);
            m.put("parameters", s.parameters());
            m.put("rows", set.summary().rows());
            m.put("true_l0", set.summary().trueL0());
            m.put("noise_floor_fvu", set.summary().noiseFloorFvu());
            m.put(
                    "truth",
                    out.resolve(org.sparsescope.compute.synthetic.GroundTruth.FILE)
                            .toAbsolutePath()
                            .toString());
            m.put("seconds", seconds);
            Json.print(o, m);
        } else {
            o.printf(Locale.ROOT, "synthetic set %s: %s%n", set.model(), s.describe());
            o.printf(
                    Locale.ROOT,
                    "%,d rows in %s (%.1f s); true L0 %.3f features per row; noise-floor FVU %.5f%n",
                    set.summary().rows(),
                    out,
                    seconds,
                    set.summary().trueL0(),
                    set.summary().noiseFloorFvu());
            o.printf(
                    Locale.ROOT,
                    "ground truth (directions, probabilities, frequencies): %s%n",
                    out.resolve(org.sparsescope.compute.synthetic.GroundTruth.FILE));
        }
        return 0;
    }
}
