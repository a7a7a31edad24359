package org.sparsescope.app.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.circuits.FeatureGraph;
import org.sparsescope.compute.circuits.FeatureGraphJson;
import org.sparsescope.compute.circuits.FeatureGraphs;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.intervene.Intervention;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.stats.FeatureAnalysis;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.workspace.Placement;
import org.sparsescope.compute.workspace.ProvenanceMismatchException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "graph",
        mixinStandardHelpOptions = true,
        description = {
            "Feature-to-feature graph across hooks of one model: for each chosen feature of the first dictionary, remove it (or, with "
                    + "--mode restore, remove every feature and put it back) and measure every feature of the next dictionary; with three or more "
                    + "dictionaries, each later stage starts from the features the previous one reached most. Cached in the workspace.",
            "ablate: weight = mean over windows of the L2 norm over positions of a_j(reference) − a_j(ablated) (the seed's "
                    + "build_ablation_graph_non_positional); restore: Σ a_j(restored) / Σ a_j(reference) over the tokens where j is active. "
                    + "The reference is the clean run, or with --in-reconstruction the first dictionary's reconstruction spliced in."
        })
public class GraphCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", description = "model folder (default: the model the dictionaries name, found offline)")
    Path model;

    @Option(
            names = "--dict",
            required = true,
            arity = "1",
            description = "dictionaries in forward order, each at its own hook of the one model; give two or more")
    List<Path> dicts;

    static final class Upstream {
        @Option(
                names = "--features",
                split = ",",
                description = "upstream features of the first dictionary, e.g. 12,40")
        int[] features;

        @Option(names = "--top", description = "instead: the first dictionary's top N features by --by")
        Integer top;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Upstream upstream;

    @Option(
            names = "--by",
            defaultValue = "kurtosis",
            description =
                    "column for --top: kurtosis, density, max, mean, std, skew, capacity (default ${DEFAULT-VALUE})")
    String by;

    @Option(names = "--mode", defaultValue = "ablate", description = "ablate or restore (default ${DEFAULT-VALUE})")
    String mode;

    @Option(
            names = "--in-reconstruction",
            description = "ablate or restore inside the first dictionary's reconstruction (dropping its error term)")
    boolean inReconstruction;

    @Option(
            names = "--follow",
            defaultValue = "0",
            description = "upstream features of each later stage (default: as many as the first stage's)")
    int follow;

    @Option(
            names = "--batch",
            defaultValue = "32",
            description = "windows per model pass (default ${DEFAULT-VALUE}; the result does not depend on it)")
    int batch;

    @Option(
            names = "--threshold",
            defaultValue = "0.01",
            description =
                    "list edges of at least this fraction of the largest edge into their node (default ${DEFAULT-VALUE}, as the seed pruned)")
    double threshold;

    @Mixin
    TextWindows text = new TextWindows();

    @Option(
            names = "--show",
            defaultValue = "15",
            description = "strongest edges per stage to print (default ${DEFAULT-VALUE})")
    int show;

    @Option(names = "--out", description = "also write the graph as JSON to this file")
    Path out;

    @Option(
            names = "--json",
            description = "print the graph as JSON (every stage's weights, and the edges the threshold shows)")
    boolean json;

    @Option(
            names = "--workspace",
            description = "workspace (default: $SPARSESCOPE_WORKSPACE, else the user data directory)")
    Path workspaceDir;

    @Option(
            names = "--tokens",
            defaultValue = "200000",
            description =
                    "tokens to harvest when --top needs the first dictionary's statistics and its set is missing (default ${DEFAULT-VALUE})")
    long tokens;

    @Override
    public Integer call() throws Exception {
        if (dicts.size() < 2) {
            throw new IllegalArgumentException("give at least two --dict options, in forward order");
        }
        FeatureGraph.Method method = switch (mode) {
            case "ablate" -> FeatureGraph.Method.ABLATE;
            case "restore" -> FeatureGraph.Method.RESTORE;
            default -> throw new IllegalArgumentException("--mode must be ablate or restore, not " + mode);
        };
        PrintWriter err = spec.commandLine().getErr();
        List<DictionaryInWorkspace> targets = new ArrayList<>();
        for (Path p : dicts) {
            targets.add(DictionaryInWorkspace.of(p, model, workspaceDir, tokens));
        }
        // one model: every dictionary must read a hook of the same weights
        Placement first = targets.get(0).placement();
        for (DictionaryInWorkspace t : targets) {
            Placement p = t.placement();
            if (!p.ready()) {
                org.sparsescope.compute.workspace.Workspace.requireReady(p);
            }
            if (!java.util.Objects.equals(p.at().modelHash(), first.at().modelHash())) {
                throw new ProvenanceMismatchException(
                        t.dict,
                        "reads " + p.describe() + " but " + dicts.get(0) + " reads " + first.describe()
                                + ": a graph runs one model");
            }
        }
        int[] features = upstream.features;
        if (upstream.top != null) {
            features = topFeatures(targets.get(0), err);
        }
        FeatureGraphs.Options opts = new FeatureGraphs.Options(
                method,
                inReconstruction ? Intervention.AblationMode.RECONSTRUCTION : Intervention.AblationMode.KEEP_ERROR,
                batch,
                follow);
        try (LanguageModel lm = targets.get(0).loadModel()) {
            long[][] windows = text.cut(lm);
            List<FeatureGraphs.Link> chain = new ArrayList<>();
            List<Path> paths = new ArrayList<>();
            List<HookPoint> hooks = new ArrayList<>();
            for (DictionaryInWorkspace t : targets) {
                HookPoint hook = t.placement().at().hook();
                chain.add(new FeatureGraphs.Link(
                        t.dictionary(),
                        lm.hook(hook),
                        t.dict.toString(),
                        t.dict.getFileName().toString()));
                paths.add(t.dict);
                hooks.add(hook);
            }
            TerminalProgress bar = new TerminalProgress(err);
            int[] up = features;
            FeatureGraph g = benchmark()
                    ? FeatureGraphs.compute(lm, first.at().model(), chain, up, windows, opts, bar, new Cancellation())
                    : targets.get(0)
                            .workspace()
                            .cache()
                            .graph(
                                    first.at().modelHash(),
                                    paths,
                                    hooks,
                                    up,
                                    windows,
                                    opts,
                                    () -> FeatureGraphs.compute(
                                            lm, first.at().model(), chain, up, windows, opts, bar, new Cancellation()));
            bar.done();
            if (benchmark()) {
                report(lm, g, chain);
                return 0;
            }
            if (out != null) {
                FeatureGraphJson.write(out, g, threshold);
            }
            var o = spec.commandLine().getOut();
            if (json) {
                var m = FeatureGraphJson.toMap(g, threshold);
                m.put("from_cache", !bar.reported());
                Json.print(o, m);
                return 0;
            }
            o.printf(
                    Locale.ROOT,
                    "%s graph of %s over %d windows × %d tokens (%s), %s%n",
                    method.name().toLowerCase(Locale.ROOT),
                    first.at().model(),
                    g.windows(),
                    g.windowTokens(),
                    opts.mode() == Intervention.AblationMode.KEEP_ERROR
                            ? "error term kept, reference clean"
                            : "inside the reconstruction, reference spliced",
                    bar.reported()
                            ? String.format(
                                    Locale.ROOT, "%.2f s, %.0f token-blocks/s", g.seconds(), g.tokenBlocksPerSecond())
                            : "read from the cache");
            for (FeatureGraph.Stage s : g.stages()) {
                o.printf(
                        Locale.ROOT,
                        "%n%s (%s) → %s (%s): %d upstream features × %d downstream%n",
                        s.upstream().name(),
                        s.upstream().hook(),
                        s.downstream().name(),
                        s.downstream().hook(),
                        s.upstreamFeatures().length,
                        s.downstream().features());
                List<int[]> edges = new ArrayList<>();
                for (int r = 0; r < s.upstreamFeatures().length; r++) {
                    for (int j = 0; j < s.downstream().features(); j++) {
                        if (s.visible(r, j, threshold)) {
                            edges.add(new int[] {r, j});
                        }
                    }
                }
                edges.sort((a, b) -> Float.compare(s.strength(b[0], b[1]), s.strength(a[0], a[1])));
                o.printf(Locale.ROOT, "  %d edges at threshold %.3g; the strongest:%n", edges.size(), threshold);
                for (int[] e : edges.subList(0, Math.min(show, edges.size()))) {
                    o.printf(
                            Locale.ROOT,
                            "  %10s → %-10s weight %10.5f  effect %+10.5f%n",
                            FeatureGraphJson.nodeName(s.upstream().hook(), s.upstreamFeatures()[e[0]]),
                            FeatureGraphJson.nodeName(s.downstream().hook(), e[1]),
                            s.weight(e[0], e[1]),
                            s.effect(e[0], e[1]));
                }
            }
            return 0;
        }
    }

    /** Whether this run measures speed (computed afresh, never from the cache) instead of printing the graph. */
    boolean benchmark() {
        return false;
    }

    /** What a benchmark prints once the graph is computed. */
    void report(LanguageModel lm, FeatureGraph g, List<FeatureGraphs.Link> chain) {}

    /** The first dictionary's top features by --by, from its statistics on its own set (cached, or computed and cached). */
    private int[] topFeatures(DictionaryInWorkspace t, PrintWriter err) throws Exception {
        FeatureReport.Column column = FeatureReport.Column.parse(by);
        Path set = t.activations(err);
        try (ActivationSet s = ActivationSet.open(set)) {
            DictionaryMetrics.requireSameWidth(t.dictionary(), t.dict, s);
            TerminalProgress bar = new TerminalProgress(err);
            FeatureReport r = t.workspace()
                    .cache()
                    .report(
                            t.dict,
                            t.dictionary(),
                            s,
                            0,
                            s.rows(),
                            FeatureAnalysis.Options.defaults(),
                            bar,
                            new Cancellation());
            bar.done();
            return r.ranked(column, upstream.top);
        }
    }
}
