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

@Command(name = "splice", mixinStandardHelpOptions = true,
        description = "Cross-entropy clean, with the hook zero-ablated, and with the dictionary's reconstruction spliced in; the CE loss recovered.")
public final class SpliceCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    DictionaryInWorkspace target = new DictionaryInWorkspace();


    @Mixin
    TextWindows text = new TextWindows();

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (LanguageModel lm = target.loadModel(); Interventions iv = new Interventions(lm, target.dictionary(), target.placement().at().hook())) {
            long[][] windows = text.cut(lm);
            Interventions.SpliceReport r = iv.splice(windows);
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
                m.put("kl_div_with_sae", r.klSpliced());
                m.put("kl_div_with_ablation", r.klZeroAblation());
                m.put("kl_div_score", r.klScore());
                m.put("perplexity_clean", Math.exp(r.cleanCe()));
                m.put("perplexity_spliced", Math.exp(r.splicedCe()));
                Json.print(out, m);
            } else {
                out.printf(Locale.ROOT, "%s at %s, %d windows × %d tokens%n", target.dict, iv.hook(), windows.length, windows[0].length);
                out.printf(Locale.ROOT, "clean CE          %.6f  (perplexity %.4f)%n", r.cleanCe(), Math.exp(r.cleanCe()));
                out.printf(Locale.ROOT, "zero-ablation CE  %.6f%n", r.zeroAblationCe());
                out.printf(Locale.ROOT, "spliced CE        %.6f  (perplexity %.4f)%n", r.splicedCe(), Math.exp(r.splicedCe()));
                out.printf(Locale.ROOT, "CE loss recovered %.6f%n", r.ceLossRecovered());
                out.printf(Locale.ROOT, "KL spliced %.6f  zero-ablated %.6f  KL score %.6f (mean over every position's next-token distribution)%n",
                        r.klSpliced(), r.klZeroAblation(), r.klScore());
            }
            return 0;
        }
    }

}
