package org.sparsescope.app.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsescope.compute.intervene.OutlierDimensions;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.work.Cancellation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "outliers",
        mixinStandardHelpOptions = true,
        description = {
            "The seed's outlier-dimension experiment: the basis dimensions of a hook with the largest mean |activation| over the "
                    + "text's tokens, each ablated alone and the top 1 … N together (set to zero, or to its mean), with the change of cross-entropy."
        })
public final class OutliersCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "Hugging Face model folder")
    Path model;

    @Option(
            names = "--hook",
            required = true,
            description = "hook whose dimensions to rank, e.g. blocks.2.hook_resid_post")
    String hook;

    @Option(names = "--top", defaultValue = "10", description = "dimensions to ablate (default ${DEFAULT-VALUE})")
    int top;

    @Option(
            names = "--fill",
            defaultValue = "zero",
            description = "zero or mean: what an ablated dimension is set to (default ${DEFAULT-VALUE})")
    String fill;

    @Mixin
    TextWindows text = new TextWindows();

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        OutlierDimensions.Fill f = switch (fill) {
            case "zero" -> OutlierDimensions.Fill.ZERO;
            case "mean" -> OutlierDimensions.Fill.MEAN;
            default -> throw new IllegalArgumentException("--fill must be zero or mean, not " + fill);
        };
        try (LanguageModel lm = ModelLoading.load(model)) {
            long[][] windows = text.cut(lm);
            TerminalProgress bar = new TerminalProgress(spec.commandLine().getErr());
            OutlierDimensions.Report r =
                    OutlierDimensions.run(lm, lm.hook(hook), windows, top, f, bar, new Cancellation());
            bar.done();
            var out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", model.toString());
                m.put("hook", r.hook());
                m.put("fill", fill);
                m.put("windows", r.windows());
                m.put("window", r.windowTokens());
                m.put("clean_ce", r.cleanCe());
                List<Map<String, Object>> dims = new ArrayList<>();
                for (int i = 0; i < r.top().size(); i++) {
                    OutlierDimensions.Dimension d = r.top().get(i);
                    Map<String, Object> dm = new LinkedHashMap<>();
                    dm.put("rank", i + 1);
                    dm.put("dimension", d.index());
                    dm.put("mean_abs", d.meanAbs());
                    dm.put("mean", d.mean());
                    dm.put("ce_alone", r.alone().get(i).ce());
                    dm.put("delta_ce_alone", r.alone().get(i).deltaCe());
                    dm.put("ce_top_" + (i + 1), r.cumulative().get(i).ce());
                    dm.put("delta_ce_cumulative", r.cumulative().get(i).deltaCe());
                    dims.add(dm);
                }
                m.put("dimensions", dims);
                Json.print(out, m);
                return 0;
            }
            out.printf(
                    Locale.ROOT,
                    "%s at %s, %d windows × %d tokens; clean CE %.6f; ablated dimensions set to %s%n",
                    model,
                    r.hook(),
                    r.windows(),
                    r.windowTokens(),
                    r.cleanCe(),
                    f == OutlierDimensions.Fill.ZERO ? "zero" : "their mean");
            out.printf(
                    Locale.ROOT,
                    "%4s %9s %11s %11s %12s %14s%n",
                    "rank",
                    "dimension",
                    "mean |x|",
                    "mean x",
                    "ΔCE alone",
                    "ΔCE top 1…rank");
            for (int i = 0; i < r.top().size(); i++) {
                OutlierDimensions.Dimension d = r.top().get(i);
                out.printf(
                        Locale.ROOT,
                        "%4d %9d %11.4f %+11.4f %+12.6f %+14.6f%n",
                        i + 1,
                        d.index(),
                        d.meanAbs(),
                        d.mean(),
                        r.alone().get(i).deltaCe(),
                        r.cumulative().get(i).deltaCe());
            }
            return 0;
        }
    }
}
