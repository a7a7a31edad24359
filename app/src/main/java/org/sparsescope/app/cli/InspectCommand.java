package org.sparsescope.app.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.stats.FeatureAnalysis;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.stats.PromptFeatures;
import org.sparsescope.compute.work.Cancellation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = {
            "The prompt inspector on the command line: the text's tokens as the model sees them and, at each, the dictionary's most "
                    + "active features with their activation and its quantile in the feature's distribution over the dictionary's own set "
                    + "(statistics cached in the workspace, computed once), and the text's features ranked by max activation."
        })
public final class InspectCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    DictionaryInWorkspace target = new DictionaryInWorkspace();

    @Option(names = "--text", required = true, description = "the text to inspect")
    String text;

    @Option(
            names = "--top",
            defaultValue = "10",
            description = "features per token, and of the text (default ${DEFAULT-VALUE})")
    int top;

    @Option(names = "--no-quantiles", description = "skip the statistics (no harvest, no quantiles)")
    boolean noQuantiles;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        FeatureReport report = null;
        if (!noQuantiles) {
            try (ActivationSet s =
                    ActivationSet.open(target.activations(spec.commandLine().getErr()))) {
                DictionaryMetrics.requireSameWidth(target.dictionary(), target.dict, s);
                TerminalProgress bar = new TerminalProgress(spec.commandLine().getErr());
                report = target.workspace()
                        .cache()
                        .report(
                                target.dict,
                                target.dictionary(),
                                s,
                                0,
                                s.rows(),
                                FeatureAnalysis.Options.defaults(),
                                bar,
                                new Cancellation());
                bar.done();
            }
        }
        try (LanguageModel lm = target.loadModel()) {
            long[] ids = lm.tokenizer().encode(text);
            long t0 = System.nanoTime();
            PromptFeatures.Inspection in = PromptFeatures.inspect(
                    lm,
                    ids,
                    List.of(new PromptFeatures.Site(
                            target.dictionary(), lm.hook(target.placement().at().hook()), report)));
            double ms = (System.nanoTime() - t0) / 1e6;
            PromptFeatures.Reading r = in.readings().get(0);
            var out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", target.placement().at().model());
                m.put("hook", target.placement().at().hook());
                m.put("milliseconds", ms);
                List<Map<String, Object>> tokens = new ArrayList<>();
                for (int t = 0; t < ids.length; t++) {
                    Map<String, Object> tm = new LinkedHashMap<>();
                    tm.put("position", t);
                    tm.put("id", ids[t]);
                    tm.put("text", in.tokens()[t]);
                    tm.put("features", activations(r.at(t, top)));
                    tokens.add(tm);
                }
                m.put("tokens", tokens);
                m.put("top_features", activations(r.ranked(PromptFeatures.Rank.MAX_ACTIVATION, top)));
                Json.print(out, m);
                return 0;
            }
            out.printf(
                    Locale.ROOT,
                    "%s (%s), %d tokens, inspected in %.0f ms%s%n",
                    target.dict,
                    target.site(),
                    ids.length,
                    ms,
                    report == null ? " (no quantiles)" : "; q = quantile of the activation over the dictionary's set");
            for (int t = 0; t < ids.length; t++) {
                StringBuilder b = new StringBuilder();
                for (PromptFeatures.Activation a : r.at(t, top)) {
                    b.append(String.format(Locale.ROOT, "  %d %.2f", a.feature(), a.value()));
                    if (!Double.isNaN(a.quantile())) {
                        b.append(String.format(Locale.ROOT, " (q %.4f)", a.quantile()));
                    }
                }
                out.printf(Locale.ROOT, "%4d %-16s%s%n", t, "'" + AblateCommand.printable(in.tokens()[t]) + "'", b);
            }
            out.println("features of the text, by max activation:");
            for (PromptFeatures.Activation a : r.ranked(PromptFeatures.Rank.MAX_ACTIVATION, top)) {
                out.printf(
                        Locale.ROOT,
                        "  %6d  %8.3f%s%n",
                        a.feature(),
                        a.value(),
                        Double.isNaN(a.quantile()) ? "" : String.format(Locale.ROOT, "  q %.4f", a.quantile()));
            }
            return 0;
        }
    }

    private static List<Map<String, Object>> activations(List<PromptFeatures.Activation> as) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (PromptFeatures.Activation a : as) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("feature", a.feature());
            m.put("activation", (double) a.value());
            m.put("quantile", Double.isNaN(a.quantile()) ? null : a.quantile());
            out.add(m);
        }
        return out;
    }
}
