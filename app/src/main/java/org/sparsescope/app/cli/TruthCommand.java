package org.sparsescope.app.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsescope.compute.Devices;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.stats.TruthRecovery;
import org.sparsescope.compute.synthetic.SyntheticSets;
import org.sparsescope.compute.workspace.Evaluation;
import org.sparsescope.compute.workspace.Placement;
import org.sparsescope.compute.workspace.Workspace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "truth",
        mixinStandardHelpOptions = true,
        description = {
            "How much of a synthetic set's ground truth each dictionary recovers: MMCS of the true directions to its "
                    + "decoder (truth found) and of its decoder to the truth (dictionary true), the fraction of true "
                    + "features found at MCS ≥ the threshold, beside its held-out L0 and FVU. One row per dictionary, "
                    + "by L0: a sweep's MMCS-to-truth against L0 and its l1 coefficient or k."
        })
public final class TruthCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", description = "dictionaries trained on a synthetic set (folders or files)")
    List<Path> dictionaries;

    @Option(
            names = "--activations",
            description =
                    "the synthetic set (default: the set each dictionary was trained on, or one of its generator in the workspace)")
    Path activations;

    @Option(
            names = "--threshold",
            defaultValue = "0.9",
            description = "MCS at which a true feature counts as found (default ${DEFAULT-VALUE})")
    double threshold;

    @Option(
            names = "--workspace",
            description = "workspace (default: $SPARSESCOPE_WORKSPACE, else the user data directory)")
    Path workspaceDir;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    record Row(
            String name,
            String architecture,
            int dSae,
            String setting,
            double l0,
            double fvu,
            double truthMmcs,
            double dictionaryMmcs,
            double recovered) {}

    @Override
    public Integer call() throws Exception {
        Workspace ws = DictionaryInWorkspace.openWorkspace(workspaceDir);
        List<Row> rows = new ArrayList<>();
        SyntheticSets.SyntheticSet truthOf = null;
        for (Path path : dictionaries) {
            Dictionary d = DictionaryFiles.read(path);
            Placement p = ws.place(path, d);
            Path setPath = activations != null
                    ? activations
                    : Workspace.syntheticSet(p)
                            .orElseThrow(() -> new InvalidInputException(
                                    path,
                                    "was not trained on a synthetic set this workspace knows (it reads "
                                            + (p.at() != null ? p.at().label() : "an unknown model and hook")
                                            + "); pass the set with --activations"));
            try (ActivationSet set = ActivationSet.open(setPath)) {
                SyntheticSets.SyntheticSet synthetic = SyntheticSets.of(set)
                        .orElseThrow(() -> new InvalidInputException(
                                setPath, "is not a synthetic set: it has no ground truth (make one with `synth`)"));
                ws.requireMatch(p, set);
                DictionaryMetrics m = Evaluation.heldOut(d, set);
                TruthRecovery r = TruthRecovery.of(d, synthetic.truth(), Devices.preferred());
                rows.add(new Row(
                        path.getFileName().toString(),
                        org.sparsescope.compute.dictionary.format.Sidecar.architectureOf(
                                DictionaryFiles.Location.of(path).path(), d.architecture()),
                        d.dSae(),
                        org.sparsescope.compute.dictionary.format.Sidecar.sweepSetting(
                                        DictionaryFiles.Location.of(path).path())
                                .orElse(""),
                        m.l0(),
                        m.fvu(),
                        r.truthMmcs(),
                        r.dictionaryMmcs(),
                        r.recovered(threshold)));
                truthOf = synthetic;
            }
        }
        rows.sort(Comparator.comparingDouble(Row::l0));
        var out = spec.commandLine().getOut();
        SyntheticSets.Summary s = truthOf.summary();
        if (json) {
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("model", truthOf.model());
            all.put("truth", truthOf.spec().parameters());
            all.put("true_l0", s == null ? null : s.trueL0());
            all.put("noise_floor_fvu", s == null ? null : s.noiseFloorFvu());
            all.put("threshold", threshold);
            all.put("dictionaries", rows);
            Json.print(out, all);
            return 0;
        }
        out.printf(
                Locale.ROOT,
                "ground truth %s: %s%n",
                truthOf.model(),
                truthOf.spec().describe());
        if (s != null) {
            out.printf(
                    Locale.ROOT,
                    "the truth itself: L0 %.3f, FVU %.5f (the noise floor)%n",
                    s.trueL0(),
                    s.noiseFloorFvu());
        }
        out.printf(
                Locale.ROOT,
                "%-28s %-9s %7s %-12s %9s %9s %11s %11s %10s%n",
                "dictionary",
                "arch",
                "d_sae",
                "l1 / k",
                "L0",
                "FVU",
                "MMCS found",
                "MMCS true",
                String.format(Locale.ROOT, "≥ %.2f", threshold));
        for (Row r : rows) {
            out.printf(
                    Locale.ROOT,
                    "%-28s %-9s %7d %-12s %9.3f %9.5f %11.4f %11.4f %9.1f%%%n",
                    r.name(),
                    r.architecture(),
                    r.dSae(),
                    r.setting(),
                    r.l0(),
                    r.fvu(),
                    r.truthMmcs(),
                    r.dictionaryMmcs(),
                    100 * r.recovered());
        }
        return 0;
    }
}
