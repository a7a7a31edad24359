package org.sparsescope.app.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.model.Tokenizer;
import org.sparsescope.compute.stats.ExampleContext;
import org.sparsescope.compute.stats.FeatureAnalysis;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.stats.FeatureStats;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.workspace.AnalysisCache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "stats",
        mixinStandardHelpOptions = true,
        description = {
            "Per-feature statistics (density, mean, max, std, skew, kurtosis, capacity), metrics and examples of a "
                    + "dictionary on an activation set; cached in the workspace, so a second run is a file read."
        })
public final class StatsCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    DictionaryInWorkspace target = new DictionaryInWorkspace();

    @Option(
            names = "--rows",
            defaultValue = "0",
            description = "use the last N rows (0: all; default ${DEFAULT-VALUE})")
    long rows;

    @Option(
            names = "--top",
            defaultValue = "20",
            description = "top examples kept per feature (default ${DEFAULT-VALUE})")
    int top;

    @Option(
            names = "--sort",
            defaultValue = "kurtosis",
            description = "column for the feature table: kurtosis, density, max, mean, std, skew, capacity")
    String sort;

    @Option(
            names = "--limit",
            defaultValue = "15",
            description = "feature table rows to print (default ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--examples", split = ",", description = "features whose examples to print in context, e.g. 12,40")
    int[] examples = new int[0];

    @Option(
            names = "--include-special-tokens",
            description = "keep BOS/EOT/padding positions among the examples (default: excluded, as SAEDashboard does)")
    boolean includeSpecialTokens;

    @Option(
            names = "--exclude-special-tokens-from-stats",
            description =
                    "also leave BOS/EOT/padding positions out of density, moments and histograms (default: every token counts)")
    boolean statsExcludeSpecialTokens;

    @Option(names = "--json", description = "print everything as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path dict = target.dict;
        Dictionary d = target.dictionary();
        Path activations = target.activations(spec.commandLine().getErr());
        try (ActivationSet set = ActivationSet.open(activations)) {
            DictionaryMetrics.requireSameWidth(d, dict, set);
            long count = rows <= 0 || rows > set.rows() ? set.rows() : rows;
            AnalysisCache cache = target.workspace().cache();
            FeatureAnalysis.Options opts = new FeatureAnalysis.Options(top, 10, 5, 32, 4096, 0)
                    .withSpecialTokens(!includeSpecialTokens, statsExcludeSpecialTokens);
            TerminalProgress bar = new TerminalProgress(spec.commandLine().getErr());
            long t0 = System.nanoTime();
            FeatureReport r = cache.report(dict, d, set, set.rows() - count, count, opts, bar, new Cancellation());
            double seconds = (System.nanoTime() - t0) / 1e9;
            bar.done();
            boolean computed = bar.reported();
            FeatureStats s = r.stats();
            Integer[] order = order(r);
            Tokenizer tokenizer = tokenizer(set);
            var out = spec.commandLine().getOut();
            try {
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("dictionary", dict.toString());
                    m.put("model", target.placement().at().model());
                    m.put("hook", target.placement().at().hook());
                    m.put("activations", activations.toString());
                    m.put("special_tokens_excluded_from_examples", opts.excludeSpecialTokens());
                    m.put("special_tokens_excluded_from_statistics", opts.statisticsExcludeSpecialTokens());
                    m.put("rows", s.rows());
                    m.put("seconds", seconds);
                    m.put("from_cache", !computed);
                    m.put(
                            "metrics",
                            Map.of(
                                    "fvu",
                                    r.metrics().fvu(),
                                    "mse",
                                    r.metrics().mse(),
                                    "l0",
                                    r.metrics().l0(),
                                    "dead_fraction",
                                    r.metrics().deadFraction(),
                                    "dense_fraction",
                                    r.metrics().denseFraction()));
                    m.put("density", s.density());
                    m.put("mean", s.mean());
                    m.put("max", s.max());
                    m.put("std", s.std());
                    m.put("skew", s.skew());
                    m.put("kurtosis", s.kurtosis());
                    m.put("capacity", r.capacity());
                    m.put("total_capacity", r.totalCapacity());
                    List<Object> ex = new ArrayList<>();
                    for (int f : examples) {
                        ex.add(Map.of(
                                "feature",
                                f,
                                "top_rows",
                                r.top().rows()[f],
                                "top_values",
                                r.top().values()[f],
                                "quantile_rows",
                                r.quantiles().rows()[f],
                                "quantile_values",
                                r.quantiles().values()[f]));
                    }
                    m.put("examples", ex);
                    Json.print(out, m);
                    return 0;
                }
                out.printf(
                        Locale.ROOT,
                        "%s (%s) on %d rows of %s: %s in %.2f s%n",
                        dict,
                        target.site(),
                        s.rows(),
                        activations,
                        computed ? "computed" : "read from the cache",
                        seconds);
                out.printf(
                        Locale.ROOT,
                        "examples %s BOS/EOT/padding positions; statistics %s them%n",
                        opts.excludeSpecialTokens() ? "exclude" : "include",
                        opts.statisticsExcludeSpecialTokens() ? "exclude" : "include");
                out.printf(
                        Locale.ROOT,
                        "FVU %.5f  MSE %.5g  L0 %.2f  dead %.4f  dense %.4f%n",
                        r.metrics().fvu(),
                        r.metrics().mse(),
                        r.metrics().l0(),
                        r.metrics().deadFraction(),
                        r.metrics().denseFraction());
                out.printf(
                        Locale.ROOT,
                        "capacity %.2f of d = %d (Σ over features of C_i = (W_i·W_i)² / Σ_j (W_i·W_j)², decoder rows)%n",
                        r.totalCapacity(),
                        d.dIn());
                out.printf(
                        Locale.ROOT,
                        "%7s %10s %10s %10s %10s %10s %10s %9s  %s%n",
                        "feature",
                        "density",
                        "mean",
                        "max",
                        "std",
                        "skew",
                        "kurtosis",
                        "capacity",
                        "top tokens");
                for (int i = 0; i < Math.min(limit, order.length); i++) {
                    int j = order[i];
                    out.printf(
                            Locale.ROOT,
                            "%7d %10.3e %10.4f %10.4f %10.4f %10.3f %10.3f %9.4f  %s%n",
                            j,
                            s.density()[j],
                            s.mean()[j],
                            s.max()[j],
                            s.std()[j],
                            s.skew()[j],
                            s.kurtosis()[j],
                            r.capacity()[j],
                            topTokens(set, tokenizer, r, j));
                }
                for (int f : examples) {
                    out.printf(Locale.ROOT, "%nfeature %d, top examples:%n", f);
                    for (int i = 0; i < Math.min(8, r.top().count(f)); i++) {
                        out.printf(
                                Locale.ROOT,
                                "  %8.4f  %s%n",
                                r.top().values()[f][i],
                                context(set, d, tokenizer, r.top().rows()[f][i], f));
                    }
                    out.printf(Locale.ROOT, "feature %d, examples across its range:%n", f);
                    for (int i = 0;
                            i < r.quantiles().count(f);
                            i += Math.max(1, r.quantiles().count(f) / 8)) {
                        out.printf(
                                Locale.ROOT,
                                "  %8.4f  %s%n",
                                r.quantiles().values()[f][i],
                                context(set, d, tokenizer, r.quantiles().rows()[f][i], f));
                    }
                }
                return 0;
            } finally {
                if (tokenizer != null) {
                    tokenizer.close();
                }
            }
        }
    }

    private Integer[] order(org.sparsescope.compute.stats.FeatureReport r) {
        return java.util.Arrays.stream(r.ranked(FeatureReport.Column.parse(sort), Integer.MAX_VALUE))
                .boxed()
                .toArray(Integer[]::new);
    }

    private Tokenizer tokenizer(ActivationSet set) throws java.io.IOException {
        Path dir = target.placement().ready() ? target.placement().at().modelFolder() : null;
        return dir != null && Files.isRegularFile(dir.resolve(Tokenizer.FILE)) ? Tokenizer.load(dir) : null;
    }

    private static String topTokens(ActivationSet set, Tokenizer tokenizer, FeatureReport r, int feature)
            throws java.io.IOException {
        return org.sparsescope.compute.stats.TopTokens.of(set, tokenizer, r, feature);
    }

    private static String context(ActivationSet set, Dictionary d, Tokenizer tokenizer, long row, int feature)
            throws java.io.IOException {
        if (tokenizer == null) {
            return "row " + row;
        }
        Optional<ExampleContext> c = ExampleContext.of(set, d, tokenizer, row, feature, 12, 4);
        if (c.isEmpty()) {
            return "row " + row;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < c.get().tokens().length; i++) {
            String t = AblateCommand.printable(c.get().tokens()[i]);
            sb.append(i == c.get().position() ? "[[" + t + "]]" : t);
        }
        return sb.toString();
    }
}
