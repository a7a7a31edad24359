package org.sparsescope.compute.circuits;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.intervene.Intervention.AblationMode;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.Progress;
import org.sparsescope.compute.work.ProgressListener;

/**
 * Builds a {@link FeatureGraph} over a chain of dictionaries at successive hooks of one model: edges between each
 * consecutive pair. The first stage starts from the features asked for; each later stage starts from the features
 * of its upstream dictionary that the previous stage reached most strongly (as many as the first stage had, unless
 * told otherwise), so that a chain follows paths rather than unrelated features.
 */
public final class FeatureGraphs {
    private FeatureGraphs() {}

    /** A dictionary in the chain, at the hook it reads. */
    public record Link(Dictionary dictionary, HookPoint hook, String id, String name) {
        FeatureGraph.Layer layer() {
            return new FeatureGraph.Layer(id, name, hook, dictionary.dSae());
        }
    }

    /**
     * @param windowsPerPass windows batched into one model pass (the result does not depend on it beyond rounding)
     * @param follow         upstream features of each later stage; 0: as many as {@code firstUpstream}
     */
    public record Options(FeatureGraph.Method method, AblationMode mode, int windowsPerPass, int follow) {
        public Options {
            if (windowsPerPass < 1) {
                throw new IllegalArgumentException("windows per pass must be at least 1, not " + windowsPerPass);
            }
        }

        public static Options of(FeatureGraph.Method method, AblationMode mode) {
            return new Options(method, mode, 32, 0);
        }
    }

    public static FeatureGraph compute(
            LanguageModel model,
            String modelLabel,
            List<Link> chain,
            int[] firstUpstream,
            long[][] windows,
            Options opts,
            ProgressListener progress,
            Cancellation cancel)
            throws InvalidInputException, CancelledException {
        if (chain.size() < 2) {
            throw new IllegalArgumentException("a graph needs dictionaries at two or more hooks");
        }
        if (firstUpstream.length == 0) {
            throw new IllegalArgumentException("choose at least one upstream feature");
        }
        if (windows.length == 0) {
            throw new IllegalArgumentException("no windows of text to run on");
        }
        int follow = opts.follow() > 0 ? opts.follow() : firstUpstream.length;
        int chunks = (windows.length + opts.windowsPerPass() - 1) / opts.windowsPerPass();
        long totalPasses = (long) chunks * (firstUpstream.length + (long) (chain.size() - 2) * follow);
        long[] passes = {0};
        long t0 = System.nanoTime();
        long tokenBlocks = 0;
        List<FeatureGraph.Stage> stages = new ArrayList<>();
        int[] upstream = firstUpstream.clone();
        for (int k = 0; k + 1 < chain.size(); k++) {
            Link a = chain.get(k), b = chain.get(k + 1);
            List<int[]> units = new ArrayList<>();
            for (int f : upstream) {
                units.add(new int[] {f});
            }
            String what = a.hook() + " → " + b.hook();
            try (FeatureEdges edges = new FeatureEdges(model, a.dictionary(), a.hook(), b.dictionary(), b.hook())) {
                FeatureEdges.Sums sums = edges.newSums(units.size());
                for (int start = 0; start < windows.length; start += opts.windowsPerPass()) {
                    long[][] chunk =
                            Arrays.copyOfRange(windows, start, Math.min(windows.length, start + opts.windowsPerPass()));
                    edges.add(
                            chunk,
                            units,
                            opts.method(),
                            opts.mode(),
                            sums,
                            () -> {
                                passes[0]++;
                                Progress at = Progress.of(
                                        passes[0], totalPasses, (System.nanoTime() - t0) / 1e9, "passes/s", "");
                                progress.onProgress(new Progress(
                                        at.fraction(),
                                        what + ": " + passes[0] + " of " + totalPasses + " passes"
                                                + (Double.isNaN(at.etaSeconds())
                                                        ? ""
                                                        : String.format(
                                                                java.util.Locale.ROOT,
                                                                ", about %.0f s left",
                                                                at.etaSeconds())),
                                        at.perSecond(),
                                        at.unit(),
                                        at.etaSeconds()));
                            },
                            cancel);
                }
                tokenBlocks += edges.tokenBlocks();
                FeatureGraph.Stage stage = new FeatureGraph.Stage(
                        opts.method(),
                        a.layer(),
                        b.layer(),
                        upstream,
                        sums.weights(opts.method()),
                        sums.effects(opts.method()));
                stages.add(stage);
                upstream = stage.strongestDownstream(follow);
                if (upstream.length == 0 && k + 2 < chain.size()) {
                    throw new IllegalArgumentException("no feature of " + b.name() + " at " + b.hook()
                            + " responds to the chosen features, so the chain stops there");
                }
            }
        }
        return new FeatureGraph(
                modelLabel,
                opts.method(),
                opts.mode(),
                windows.length,
                windows[0].length,
                stages,
                (System.nanoTime() - t0) / 1e9,
                tokenBlocks);
    }
}
