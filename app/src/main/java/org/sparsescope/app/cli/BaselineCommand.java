package org.sparsescope.app.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.sparsescope.compute.Devices;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.stats.BasisBaseline;
import org.sparsescope.compute.stats.PcaBaseline;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.workspace.Workspace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Baselines a dictionary's frontier is read against. */
@Command(
        name = "baseline",
        mixinStandardHelpOptions = true,
        subcommands = {BaselineCommand.Pca.class, BaselineCommand.Basis.class},
        description = "Baselines for the L0–FVU frontier.")
public final class BaselineCommand implements Runnable {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a baseline: pca or basis");
    }

    @Command(
            name = "pca",
            mixinStandardHelpOptions = true,
            description = {
                "PCA of an activation set's training rows (mean and covariance in float64) and the FVU on its held-out rows of keeping "
                        + "k = 1, 2, 4, …, d components (L0 = k): the line a dictionary must beat at equal L0.",
                "Cached in the workspace per set, so a second run is a file read."
            })
    public static final class Pca implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--activations", required = true, description = "activation set folder or file")
        Path activations;

        @Option(
                names = "--held-out",
                defaultValue = "0",
                description =
                        "rows at the end of the set the FVU is measured on (default: the held-out rows `train` and `eval` use, a tenth of "
                                + "the set, at most 65,536)")
        long heldOut;

        @Option(names = "--k", split = ",", description = "further numbers of components to report, e.g. 192")
        List<Integer> extraK = new ArrayList<>();

        @Option(
                names = "--workspace",
                description =
                        "workspace whose cache keeps the result (default: $SPARSESCOPE_WORKSPACE, else the user data directory)")
        Path workspace;

        @Option(names = "--json", description = "print the result as JSON")
        boolean json;

        @Override
        public Integer call() throws Exception {
            try (ActivationSet set = ActivationSet.open(activations)) {
                long held = org.sparsescope.compute.workspace.Evaluation.heldOutRows(set, heldOut, "--held-out");
                Workspace ws = DictionaryInWorkspace.openWorkspace(workspace);
                TerminalProgress bar = new TerminalProgress(spec.commandLine().getErr());
                long t0 = System.nanoTime();
                PcaBaseline b = ws.cache().pcaBaseline(set, held, Devices.preferred(), bar, new Cancellation());
                double seconds = (System.nanoTime() - t0) / 1e9;
                bar.done();
                boolean computed = bar.reported();
                TreeSet<Integer> ks = new TreeSet<>();
                b.points().forEach(p -> ks.add(p.k()));
                for (int k : extraK) {
                    if (k < 1 || k > b.d()) {
                        throw new IllegalArgumentException("--k values are in [1, " + b.d() + "], got " + k);
                    }
                    ks.add(k);
                }
                var out = spec.commandLine().getOut();
                if (json) {
                    List<Map<String, Object>> points = new ArrayList<>();
                    for (int k : ks) {
                        Map<String, Object> p = new LinkedHashMap<>();
                        p.put("k", k);
                        p.put("l0", k);
                        p.put("fvu", b.fvu(k));
                        points.add(p);
                    }
                    Map<String, Object> all = new LinkedHashMap<>();
                    all.put("activations", set.location().toAbsolutePath().toString());
                    all.put("model", set.manifest().model());
                    all.put("hook", set.hook());
                    all.put("d", b.d());
                    all.put("train_rows", b.trainRows());
                    all.put("held_out_rows", b.heldOutRows());
                    all.put("points", points);
                    all.put("eigenvalues", b.eigenvalues());
                    all.put("cached", !computed);
                    all.put("seconds", seconds);
                    Json.print(out, all);
                } else {
                    out.printf(
                            Locale.ROOT,
                            "PCA baseline of %s (%s): mean and covariance of %,d training rows, FVU on the last %,d%n",
                            set.location().getFileName(),
                            set.hook(),
                            b.trainRows(),
                            b.heldOutRows());
                    out.printf(Locale.ROOT, "%8s %10s%n", "k = L0", "FVU");
                    for (int k : ks) {
                        out.printf(Locale.ROOT, "%8d %10.6f%n", k, b.fvu(k));
                    }
                    out.printf(
                            Locale.ROOT,
                            "%s in %.1f s%n",
                            computed ? "computed" : "read from the workspace cache",
                            seconds);
                }
                return 0;
            }
        }
    }

    @Command(
            name = "basis",
            mixinStandardHelpOptions = true,
            description = {
                "The \"no learning\" lines beside PCA: the neuron basis (each row's k largest centred coordinates; at k = d "
                        + "exact, its L0 the number of non-zero dimensions) and " + BasisBaseline.RANDOM_RATIO
                        + "·d random unit directions with ReLU (each row's k largest codes, one least-squares scale per k), "
                        + "FVU on the held-out rows (at most " + BasisBaseline.MAX_ROWS + ") for k = 1, 2, 4, ….",
                "Cached in the workspace per set."
            })
    public static final class Basis implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--activations", required = true, description = "activation set folder or file")
        Path activations;

        @Option(
                names = "--held-out",
                defaultValue = "0",
                description = "rows at the end of the set held out (default: those `train` and `eval` use)")
        long heldOut;

        @Option(names = "--workspace", description = "workspace whose cache keeps the result")
        Path workspace;

        @Option(names = "--json", description = "print the result as JSON")
        boolean json;

        @Override
        public Integer call() throws Exception {
            try (ActivationSet set = ActivationSet.open(activations)) {
                long held = org.sparsescope.compute.workspace.Evaluation.heldOutRows(set, heldOut, "--held-out");
                Workspace ws = DictionaryInWorkspace.openWorkspace(workspace);
                TerminalProgress bar = new TerminalProgress(spec.commandLine().getErr());
                List<BasisBaseline> lines =
                        ws.cache().basisBaselines(set, held, Devices.preferred(), bar, new Cancellation());
                bar.done();
                var out = spec.commandLine().getOut();
                if (json) {
                    Map<String, Object> all = new LinkedHashMap<>();
                    all.put("activations", set.location().toAbsolutePath().toString());
                    all.put("hook", set.hook());
                    all.put("lines", lines);
                    Json.print(out, all);
                    return 0;
                }
                for (BasisBaseline b : lines) {
                    out.printf(
                            Locale.ROOT,
                            "%s (%,d features), FVU on %,d held-out rows of %s%n",
                            b.kind(),
                            b.features(),
                            b.rows(),
                            set.location().getFileName());
                    out.printf(Locale.ROOT, "%8s %10s %10s%n", "k", "L0", "FVU");
                    for (BasisBaseline.Point p : b.points()) {
                        out.printf(Locale.ROOT, "%8d %10.3f %10.6f%n", p.k(), p.l0(), p.fvu());
                    }
                }
                return 0;
            }
        }
    }
}
