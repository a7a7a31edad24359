package org.sparsescope.app.cli;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsescope.compute.intervene.Interventions;
import org.sparsescope.compute.model.LanguageModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "splice",
        mixinStandardHelpOptions = true,
        description =
                "Cross-entropy clean, with the hook zero-ablated, and with the dictionary's reconstruction spliced in; the CE loss recovered.")
public final class SpliceCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    DictionaryInWorkspace target = new DictionaryInWorkspace();

    @Mixin
    TextWindows text = new TextWindows();

    @Option(
            names = "--worst",
            defaultValue = "0",
            description =
                    "also list the N tokens (and windows) whose loss the splice raises most, with the features active there")
    int worst;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (LanguageModel lm = target.loadModel();
                Interventions iv = new Interventions(
                        lm, target.dictionary(), target.placement().at().hook())) {
            long[][] windows = text.cut(lm);
            Interventions.SpliceReport r = iv.splice(windows);
            Interventions.SpliceCosts costs =
                    worst > 0 ? iv.spliceCosts(windows, worst, Math.min(worst, windows.length), 5) : null;
            var out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", target.placement().at().model());
                m.put("hook", iv.hook().name());
                m.put("windows", windows.length);
                m.put("window", windows[0].length);
                m.put("clean_ce", r.cleanCe());
                m.put("zero_ablation_ce", r.zeroAblationCe());
                m.put("spliced_ce", r.splicedCe());
                m.put("ce_loss_recovered", r.ceLossRecovered());
                m.put("ce_loss_recovered_standard_error", r.ceLossRecoveredStandardError());
                m.put("kl_div_with_sae", r.klSpliced());
                m.put("kl_div_with_ablation", r.klZeroAblation());
                m.put("kl_div_score", r.klScore());
                m.put("perplexity_clean", Math.exp(r.cleanCe()));
                m.put("perplexity_spliced", Math.exp(r.splicedCe()));
                if (costs != null) {
                    m.put("worst_tokens", worstTokens(costs));
                    m.put("worst_windows", worstWindows(costs));
                }
                Json.print(out, m);
            } else {
                out.printf(
                        Locale.ROOT,
                        "%s at %s, %d windows × %d tokens%n",
                        target.dict,
                        iv.hook(),
                        windows.length,
                        windows[0].length);
                out.printf(
                        Locale.ROOT, "clean CE          %.6f  (perplexity %.4f)%n", r.cleanCe(), Math.exp(r.cleanCe()));
                out.printf(Locale.ROOT, "zero-ablation CE  %.6f%n", r.zeroAblationCe());
                out.printf(
                        Locale.ROOT,
                        "spliced CE        %.6f  (perplexity %.4f)%n",
                        r.splicedCe(),
                        Math.exp(r.splicedCe()));
                out.printf(
                        Locale.ROOT,
                        "CE loss recovered %.6f ± %.6f (standard error over the %d windows)%n",
                        r.ceLossRecovered(),
                        r.ceLossRecoveredStandardError(),
                        r.windows());
                out.printf(
                        Locale.ROOT,
                        "KL spliced %.6f  zero-ablated %.6f  KL score %.6f (mean over every position's next-token distribution)%n",
                        r.klSpliced(),
                        r.klZeroAblation(),
                        r.klScore());
                if (costs != null) {
                    out.printf(
                            Locale.ROOT,
                            "%ntokens whose loss the splice raises most (clean → spliced, nats; features active where it is predicted):%n");
                    for (Interventions.CostlyToken t : costs.tokens()) {
                        StringBuilder f = new StringBuilder();
                        for (int i = 0; i < t.features().length; i++) {
                            f.append(i == 0 ? "" : ", ")
                                    .append(t.features()[i])
                                    .append(String.format(Locale.ROOT, " (%.2f)", t.activations()[i]));
                        }
                        out.printf(
                                Locale.ROOT,
                                "  %+8.4f  %6.3f → %6.3f  window %4d pos %3d  %s  features %s%n",
                                t.change().delta(),
                                t.cleanLoss(),
                                t.splicedLoss(),
                                t.change().window(),
                                t.change().position(),
                                AblateCommand.printable(t.change().context()),
                                f);
                    }
                    out.printf(Locale.ROOT, "windows whose mean loss rises most:%n");
                    for (Interventions.CostlyWindow w : costs.windows()) {
                        String head = AblateCommand.printable(w.text());
                        out.printf(
                                Locale.ROOT,
                                "  %+8.4f  window %4d  CE %.4f → %.4f  %s%n",
                                w.delta(),
                                w.window(),
                                w.cleanCe(),
                                w.splicedCe(),
                                head.length() > 80 ? head.substring(0, 80) + "…" : head);
                    }
                }
            }
            return 0;
        }
    }

    private static java.util.List<Map<String, Object>> worstTokens(Interventions.SpliceCosts costs) {
        java.util.List<Map<String, Object>> out = new java.util.ArrayList<>();
        for (Interventions.CostlyToken t : costs.tokens()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("window", t.change().window());
            m.put("position", t.change().position());
            m.put("delta", t.change().delta());
            m.put("clean_loss", t.cleanLoss());
            m.put("spliced_loss", t.splicedLoss());
            m.put("context", t.change().context());
            m.put("features", t.features());
            m.put("activations", t.activations());
            out.add(m);
        }
        return out;
    }

    private static java.util.List<Map<String, Object>> worstWindows(Interventions.SpliceCosts costs) {
        java.util.List<Map<String, Object>> out = new java.util.ArrayList<>();
        for (Interventions.CostlyWindow w : costs.windows()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("window", w.window());
            m.put("clean_ce", w.cleanCe());
            m.put("spliced_ce", w.splicedCe());
            m.put("delta", w.delta());
            m.put("text", w.text());
            out.add(m);
        }
        return out;
    }
}
