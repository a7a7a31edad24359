package org.sparsescope.app.cli;

import org.sparsescope.compute.dictionary.format.Sidecar;
import com.google.gson.GsonBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.tensor.AtomicFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "FVU, L0, MSE, dead and dense fractions of a dictionary on the held-out rows of an activation set.")
public final class EvalCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    DictionaryInWorkspace target = new DictionaryInWorkspace();

    @Option(names = "--held-out", defaultValue = "65536", description = "evaluate the last N rows (0: all rows; default ${DEFAULT-VALUE})")
    long heldOut;

    @Option(names = "--save", description = "also save the metrics to this JSON file (a dictionary saved by Sparsescope always records them in its sparsescope.json)")
    Path save;

    @Option(names = "--json", description = "print the metrics as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path dict = target.dict;
        Dictionary d = target.dictionary();
        Path activations = target.activations(spec.commandLine().getErr());
        try (ActivationSet set = ActivationSet.open(activations)) {
            DictionaryMetrics.requireSameWidth(d, dict, set);
            long rows = heldOut <= 0 || heldOut > set.rows() ? set.rows() : heldOut;
            DictionaryMetrics m = DictionaryMetrics.evaluate(d, set, set.rows() - rows, rows);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("dictionary", dict.toString());
            out.put("model", target.placement().at().model());
            out.put("hook", target.placement().at().hook());
            out.put("activations", activations.toString());
            out.put("rows", m.rows());
            out.put("fvu", m.fvu());
            out.put("mse", m.mse());
            out.put("l0", m.l0());
            out.put("dead_fraction", m.deadFraction());
            out.put("dense_fraction", m.denseFraction());
            String text = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(out);
            // a foreign dictionary's folder is the user's: nothing is written there
            Path dictDir = Files.isDirectory(dict) ? dict : dict.toAbsolutePath().getParent();
            boolean recorded = Sidecar.recordEvaluation(dictDir, activations.toAbsolutePath().toString(), out);
            if (save != null) {
                AtomicFile.writeString(save, text);
            }
            var o = spec.commandLine().getOut();
            if (json) {
                o.println(text);
            } else {
                o.printf(Locale.ROOT, "%s (%s) on the last %d rows of %s%n", dict, target.site(), m.rows(), activations);
                o.printf(Locale.ROOT, "FVU %.6f  MSE %.6g  L0 %.3f  dead %.4f  dense %.4f%n", m.fvu(), m.mse(), m.l0(), m.deadFraction(), m.denseFraction());
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
