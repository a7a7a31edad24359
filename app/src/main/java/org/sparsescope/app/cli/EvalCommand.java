package org.sparsescope.app.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.dictionary.format.Sidecar;
import org.sparsescope.compute.intervene.Interventions;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.tensor.AtomicFile;
import org.sparsescope.compute.workspace.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description = {
            "FVU, L0, MSE, dead and dense fractions, L1, cosine, L2 ratio and relative reconstruction bias of a dictionary on the held-out "
                    + "rows of an activation set (the rows training leaves out: a tenth of the set, at most 65,536);",
            "and, run through its model on windows spread across the set (when it records its tokens), the KL divergence of the next-token "
                    + "distribution with the reconstruction spliced in, the KL score and the CE loss recovered with its standard error, as SAELens and "
                    + "SAEBench report them. The window's dictionary list uses the same rows and windows."
        })
public final class EvalCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    DictionaryInWorkspace target = new DictionaryInWorkspace();

    @Option(
            names = "--held-out",
            defaultValue = "0",
            description = "evaluate the last N rows (default: the held-out rows, a tenth of the set, "
                    + "at most 65,536; -1: all rows)")
    long heldOut;

    @Option(
            names = "--save",
            description =
                    "also save the metrics to this JSON file (a dictionary saved by Sparsescope always records them in its sparsescope.json)")
    Path save;

    @Option(names = "--json", description = "print the metrics as JSON")
    boolean json;

    @Option(
            names = "--kl-windows",
            defaultValue = "" + Evaluation.SPLICE_WINDOWS,
            description =
                    "windows spread across the set run through the "
                            + "model for KL and CE (0: skip; default ${DEFAULT-VALUE}, where CE loss recovered's standard error is below 0.01 on the reference world)")
    int klWindows;

    @Override
    public Integer call() throws Exception {
        Path dict = target.dict;
        Dictionary d = target.dictionary();
        Path activations = target.activations(spec.commandLine().getErr());
        try (ActivationSet set = ActivationSet.open(activations)) {
            DictionaryMetrics.requireSameWidth(d, dict, set);
            long rows = heldOut < 0 ? set.rows() : Evaluation.heldOutRows(set, heldOut, "--held-out");
            DictionaryMetrics m = DictionaryMetrics.evaluate(d, set, set.rows() - rows, rows);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("dictionary", dict.toString());
            out.put("model", target.placement().at().model());
            out.put("hook", target.placement().at().hook());
            out.put("activations", activations.toString());
            out.putAll(m.summary());
            long[][] windows = Evaluation.spliceWindows(set, klWindows);
            Interventions.SpliceReport spliced = null;
            if (windows.length > 0) {
                try (LanguageModel lm = target.loadModel();
                        Interventions iv =
                                new Interventions(lm, d, target.placement().at().hook())) {
                    spliced = iv.splice(windows);
                }
                out.put("kl_windows", windows.length);
                out.put("kl_positions", spliced.klPositions());
                out.put("kl_div_with_sae", spliced.klSpliced());
                out.put("kl_div_with_ablation", spliced.klZeroAblation());
                out.put("kl_div_score", spliced.klScore());
                out.put("ce_loss_clean", spliced.cleanCe());
                out.put("ce_loss_with_sae", spliced.splicedCe());
                out.put("ce_loss_with_ablation", spliced.zeroAblationCe());
                out.put("ce_loss_recovered", spliced.ceLossRecovered());
                out.put("ce_loss_recovered_standard_error", spliced.ceLossRecoveredStandardError());
            } else if (klWindows > 0) {
                spec.commandLine()
                        .getErr()
                        .println("sparsescope: " + activations
                                + " does not record its tokens, so KL and CE (which run the model) are left out");
            }
            String text = Json.text(out);
            // a foreign dictionary's folder is the user's: nothing is written there
            Path dictDir =
                    Files.isDirectory(dict) ? dict : dict.toAbsolutePath().getParent();
            boolean recorded = Sidecar.recordEvaluation(
                    dictDir, activations.toAbsolutePath().toString(), out);
            if (save != null) {
                AtomicFile.writeString(save, text);
            }
            var o = spec.commandLine().getOut();
            if (json) {
                o.println(text);
            } else {
                o.printf(
                        Locale.ROOT, "%s (%s) on the last %d rows of %s%n", dict, target.site(), m.rows(), activations);
                o.printf(
                        Locale.ROOT,
                        "FVU %.6f  MSE %.6g  L0 %.3f  dead %.4f  dense %.4f%n",
                        m.fvu(),
                        m.mse(),
                        m.l0(),
                        m.deadFraction(),
                        m.denseFraction());
                o.printf(
                        Locale.ROOT,
                        "L1 %.4f  cosine %.4f  L2 ratio %.4f  relative reconstruction bias %.4f%n",
                        m.l1(),
                        m.cosine(),
                        m.l2Ratio(),
                        m.relativeBias());
                if (spliced != null) {
                    o.printf(
                            Locale.ROOT,
                            "on %d windows across the set: KL spliced %.5f  KL zero-ablated %.5f  KL score %.4f%n",
                            windows.length,
                            spliced.klSpliced(),
                            spliced.klZeroAblation(),
                            spliced.klScore());
                    o.printf(
                            Locale.ROOT,
                            "CE clean %.4f  spliced %.4f  zero-ablated %.4f nats  CE loss recovered %.4f ± %.4f (standard error over "
                                    + "the windows)%n",
                            spliced.cleanCe(),
                            spliced.splicedCe(),
                            spliced.zeroAblationCe(),
                            spliced.ceLossRecovered(),
                            spliced.ceLossRecoveredStandardError());
                }
                if (recorded) {
                    o.println("recorded in " + dictDir.resolve(Sidecar.FILE));
                }
                if (save != null) {
                    o.println("saved " + save);
                }
            }
            return 0;
        }
    }
}
