package org.sparsescope.app.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsescope.compute.intervene.Intervention;
import org.sparsescope.compute.intervene.Interventions;
import org.sparsescope.compute.intervene.TokenChange;
import org.sparsescope.compute.model.LanguageModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "ablate",
        mixinStandardHelpOptions = true,
        description = {
            "Remove features (or steer along them) and report the change in cross-entropy and perplexity, with the "
                    + "tokens whose loss changed most."
        })
public final class AblateCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    DictionaryInWorkspace target = new DictionaryInWorkspace();

    @Option(names = "--features", required = true, split = ",", description = "features to ablate, e.g. 12,40")
    int[] features;

    @Option(
            names = "--mode",
            defaultValue = "keep-error",
            description =
                    "keep-error: x − Σ c_j·W_dec[j]; reconstruction: the reconstruction with c_j = 0 (default ${DEFAULT-VALUE})")
    String mode;

    @Option(
            names = "--steer",
            description =
                    "instead of ablating, add ALPHA × each feature's decoder direction (every feature of --features)")
    Double steer;

    @Option(
            names = "--steer-relative",
            description =
                    "with --steer: ALPHA × ‖x‖ at each position times the unit decoder direction (default: ALPHA × W_dec[j], SAELens's steering)")
    boolean steerRelative;

    @Mixin
    TextWindows text = new TextWindows();

    @Option(
            names = "--show",
            defaultValue = "10",
            description = "tokens with the largest loss change to list (default ${DEFAULT-VALUE})")
    int show;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        double[] alphas = new double[features.length];
        java.util.Arrays.fill(alphas, steer == null ? 0 : steer);
        Intervention intervention = steer != null
                ? new Intervention.Steer(
                        features,
                        alphas,
                        steerRelative ? Intervention.SteerUnits.NORM_RELATIVE : Intervention.SteerUnits.ABSOLUTE)
                : new Intervention.Ablate(
                        features,
                        switch (mode) {
                            case "keep-error" -> Intervention.AblationMode.KEEP_ERROR;
                            case "reconstruction" -> Intervention.AblationMode.RECONSTRUCTION;
                            default ->
                                throw new IllegalArgumentException(
                                        "--mode must be keep-error or reconstruction, not " + mode);
                        });
        try (LanguageModel lm = target.loadModel();
                Interventions iv = new Interventions(
                        lm, target.dictionary(), target.placement().at().hook())) {
            long[][] windows = text.cut(lm);
            float[][] clean = iv.tokenLosses(windows, new Intervention.Clean());
            Interventions.Effect e = iv.effect(windows, intervention, clean);
            List<Map<String, Object>> tokens =
                    asMaps(TokenChange.largest(lm.tokenizer(), windows, e.tokenLossDelta(), show, false));
            var out = spec.commandLine().getOut();
            String against = e.againstSpliced() ? "spliced" : "clean";
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("intervention", intervention.describe());
                m.put("model", target.placement().at().model());
                m.put("hook", iv.hook().name());
                m.put("clean_ce", e.cleanCe());
                if (e.againstSpliced()) {
                    m.put("spliced_ce", e.splicedCe());
                }
                m.put("ce", e.ce());
                m.put("delta_against", against);
                m.put("delta_ce", e.deltaCe());
                m.put("perplexity_clean", e.cleanPerplexity());
                if (e.againstSpliced()) {
                    m.put("perplexity_spliced", Math.exp(e.splicedCe()));
                }
                m.put("perplexity", e.perplexity());
                m.put("delta_perplexity", e.perplexity() - e.baselinePerplexity());
                m.put("largest_changes", tokens);
                Json.print(out, m);
            } else {
                out.printf(
                        Locale.ROOT,
                        "%s at %s over %d windows × %d tokens%n",
                        intervention.describe(),
                        iv.hook(),
                        windows.length,
                        windows[0].length);
                out.printf(Locale.ROOT, "clean      CE %.6f nats  perplexity %.4f%n", e.cleanCe(), e.cleanPerplexity());
                if (e.againstSpliced()) {
                    out.printf(
                            Locale.ROOT,
                            "spliced    CE %.6f nats  perplexity %.4f  (the dictionary's reconstruction in place of the hook)%n",
                            e.splicedCe(),
                            Math.exp(e.splicedCe()));
                }
                out.printf(Locale.ROOT, "intervened CE %.6f nats  perplexity %.4f%n", e.ce(), e.perplexity());
                out.printf(
                        Locale.ROOT,
                        "change     CE %+.6f nats  perplexity %+.4f  (against the %s run%s)%n",
                        e.deltaCe(),
                        e.perplexity() - e.baselinePerplexity(),
                        against,
                        e.againstSpliced() ? ": the feature's own effect" : "");
                out.println("largest per-token loss changes (against the " + against + " run):");
                for (Map<String, Object> t : tokens) {
                    out.printf(
                            Locale.ROOT,
                            "  %+8.4f  window %4d pos %3d  %s%n",
                            (Double) t.get("delta"),
                            t.get("window"),
                            t.get("position"),
                            printable((String) t.get("context")));
                }
            }
            return 0;
        }
    }

    static List<Map<String, Object>> asMaps(List<TokenChange> changes) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (TokenChange c : changes) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("window", c.window());
            m.put("position", c.position()); // the predicted token
            m.put("delta", c.delta());
            m.put("context", c.context());
            out.add(m);
        }
        return out;
    }

    static String printable(String s) {
        return s.replace("\n", "\\n").replace("\t", "\\t");
    }
}
