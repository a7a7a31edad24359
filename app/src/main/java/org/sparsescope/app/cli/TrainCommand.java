package org.sparsescope.app.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.bench.MatmulSpeed;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.train.SweepGrid;
import org.sparsescope.compute.train.SweepMember;
import org.sparsescope.compute.train.TrainOptions;
import org.sparsescope.compute.train.Trainer;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.Progress;
import org.sparsescope.compute.workspace.Evaluation;
import org.sparsescope.compute.workspace.Workspace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        description = {
            "Train a sweep of dictionaries (untied ReLU with L1, TopK, tied ReLU with L1, BatchTopK) over the same batches.",
            "Re-running the same command resumes from the run folder's checkpoint."
        })
public final class TrainCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--activations", required = true, description = "activation set folder or file")
    Path activations;

    @picocli.CommandLine.Mixin
    SweepGridOptions sweepGrid = new SweepGridOptions();

    @Option(
            names = "--batch",
            defaultValue = "0",
            description = "rows per step (default 2048, smaller on a set too small for " + TrainOptions.MIN_USEFUL_STEPS
                    + " steps: a power of two, at least 64)")
    int batch;

    @Option(
            names = "--epochs",
            defaultValue = "3",
            description = "passes over the training rows (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default ${DEFAULT-VALUE})")
    double lr;

    @Option(
            names = "--held-out",
            defaultValue = "0",
            description = "rows at the end of the set kept for evaluation (default: a tenth of the set, "
                    + "at most 65,536, the rows `eval` and the window measure on)")
    long heldOut;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "seed of initialisation and batch order (default ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--l1-warmup",
            defaultValue = "0",
            description = "steps over which the L1 coefficient ramps up from 0")
    int l1Warmup;

    @Option(
            names = "--lr-warmup",
            defaultValue = "0",
            description = "steps over which the learning rate ramps up from 0")
    int lrWarmup;

    @Option(
            names = "--lr-decay-start",
            defaultValue = "1.0",
            description = "fraction of training after which the learning rate decays linearly to 0")
    double lrDecayStart;

    @Option(
            names = "--resample-every",
            defaultValue = "0",
            description = "re-initialise features dead over this many steps (0: never)")
    int resampleEvery;

    @Option(
            names = "--auxk-alpha",
            defaultValue = "0",
            description = "TopK and BatchTopK members: coefficient of sparsify's AuxK loss on dead latents "
                    + "(0: none; sparsify uses 0.03125)")
    double auxkAlpha;

    @Option(
            names = "--dead-tokens",
            defaultValue = "10000000",
            description = "with --auxk-alpha: a latent is dead when it has not fired for this many tokens "
                    + "(default ${DEFAULT-VALUE}, sparsify's)")
    long deadTokens;

    @Option(
            names = "--checkpoint-every",
            defaultValue = "500",
            description = "steps between checkpoints (default ${DEFAULT-VALUE})")
    int checkpointEvery;

    @Option(names = "--from", description = "fine-tune: start every member from this dictionary (any readable format)")
    Path from;

    @Option(
            names = "--out",
            required = true,
            description = "folder for the trained dictionaries (one SAELens folder each)")
    Path out;

    @Option(names = "--run", description = "folder for checkpoints (default: OUT/.run)")
    Path run;

    @Option(names = "--json", description = "print the results as JSON")
    boolean json;

    @Option(
            names = "--workspace",
            description =
                    "workspace whose statements of model and hook apply to --from (default: $SPARSESCOPE_WORKSPACE, else the user data directory)")
    Path workspace;

    @Option(
            names = "--force",
            description = "fine-tune --from on this set even where its model or hook differs from the dictionary's")
    boolean force;

    /** The set's model as the workspace names it (its id), or null where the set does not say which model it holds. */
    private String modelName(ActivationSet set) throws java.io.IOException {
        String folder = set.manifest().model();
        if (folder == null
                || org.sparsescope.compute.activations.Manifest.UNKNOWN.equals(folder)
                || !java.nio.file.Files.isDirectory(Path.of(folder))) {
            return null;
        }
        return DictionaryInWorkspace.openWorkspace(workspace).displayName(Path.of(folder));
    }

    @Override
    public Integer call() throws Exception {
        try (ActivationSet set = ActivationSet.open(activations)) {
            Dictionary start = from == null ? null : DictionaryFiles.read(from);
            if (start != null) {
                DictionaryMetrics.requireSameWidth(start, from, set);
                if (!force) {
                    // fine-tuning on another model's or hook's activations would silently retarget the dictionary
                    Workspace ws = DictionaryInWorkspace.openWorkspace(workspace);
                    ws.requireMatch(ws.place(from, start), set);
                }
            }
            long held = Evaluation.heldOutRows(set, heldOut, "--held-out");
            long trainingRows = set.rows() - held;
            int rowsPerStep = batch > 0 ? batch : TrainOptions.defaultBatch(trainingRows, epochs);
            long steps = TrainOptions.steps(trainingRows, epochs, rowsPerStep);
            if (steps == 0) {
                throw new org.sparsescope.compute.InvalidInputException(
                        activations,
                        "has " + trainingRows + " training rows, fewer than one batch of " + rowsPerStep
                                + "; give a smaller --batch (at most " + trainingRows + ")");
            }
            if (steps < TrainOptions.MIN_USEFUL_STEPS) {
                spec.commandLine()
                        .getErr()
                        .printf(
                                Locale.ROOT,
                                "sparsescope: only %d steps (%,d training rows, batch %d, %d epochs): too short for the "
                                        + "dictionaries to mean much; harvest more rows, or give more --epochs or a smaller --batch%n",
                                steps,
                                trainingRows,
                                rowsPerStep,
                                epochs);
            }
            SweepGrid grid = sweepGrid.grid();
            List<SweepMember> sweep = start == null ? grid.members(set.d()) : grid.fineTuning(start);
            TrainOptions opts = TrainOptions.reference(held)
                    .withBatch(rowsPerStep)
                    .withEpochs(epochs)
                    .withLearningRate(lr)
                    .withSeed(seed)
                    .withSchedule(l1Warmup, lrWarmup, lrDecayStart)
                    .withResampleEvery(resampleEvery)
                    .withEvents(50, checkpointEvery)
                    .withAuxK(auxkAlpha, deadTokens);
            Cancellation cancel = new Cancellation();
            Thread hook = new Thread(cancel::cancel);
            Runtime.getRuntime().addShutdownHook(hook); // Ctrl-C checkpoints before exiting
            TerminalProgress bar = new TerminalProgress(spec.commandLine().getErr());
            double matmulBefore = MatmulSpeed.gflopsPerSecond(org.sparsescope.compute.Devices.preferred(), 15);
            Trainer.Result r = new Trainer(set, opts)
                    .namingModel(modelName(set))
                    .train(
                            sweep,
                            out,
                            run != null ? run : out.resolve(".run"),
                            e -> {
                                String worst = e.members().isEmpty()
                                        ? ""
                                        : String.format(
                                                Locale.ROOT,
                                                "  %s loss %.4f L0 %.1f FVU %.3f",
                                                e.members().get(0).name(),
                                                e.members().get(0).loss(),
                                                e.members().get(0).l0(),
                                                e.members().get(0).fvu());
                                bar.onProgress(new Progress(
                                        e.fraction(),
                                        "step " + e.step() + "/" + e.totalSteps() + worst,
                                        e.tokensPerSecond(),
                                        "tokens/s",
                                        e.etaSeconds()));
                            },
                            cancel);
            bar.done();
            Runtime.getRuntime().removeShutdownHook(hook);
            double matmul =
                    (matmulBefore + MatmulSpeed.gflopsPerSecond(org.sparsescope.compute.Devices.preferred(), 15)) / 2;
            double flopsPerToken = 0;
            for (SweepMember m : sweep) {
                flopsPerToken += 6.0 * set.d() * m.dSae();
            }
            double achieved = r.tokensPerSecond() * flopsPerToken / 1e9;
            var o = spec.commandLine().getOut();
            if (json) {
                List<Map<String, Object>> rows = new ArrayList<>();
                for (Trainer.Trained t : r.dictionaries()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("name", t.member().name());
                    m.put("dir", t.dir().toString());
                    m.put("l1", t.member().l1());
                    m.put("k", t.member().k());
                    m.put("tied", t.member().kind() == SweepMember.Kind.TIED_L1);
                    m.put("d_sae", t.member().dSae());
                    m.put("fvu", t.heldOut().fvu());
                    m.put("l0", t.heldOut().l0());
                    m.put("mse", t.heldOut().mse());
                    m.put("dead_fraction", t.heldOut().deadFraction());
                    m.put("dense_fraction", t.heldOut().denseFraction());
                    rows.add(m);
                }
                Map<String, Object> all = new LinkedHashMap<>();
                all.put("dictionaries", rows);
                all.put("steps", r.steps());
                all.put("seconds", r.seconds());
                all.put("tokens_per_second", r.tokensPerSecond());
                all.put("gflops_6dn", achieved);
                all.put("matmul_gflops", matmul);
                o.println(Json.text(all));
            } else {
                o.printf("%-22s %8s %10s %9s %8s %8s%n", "dictionary", "d_sae", "FVU", "L0", "dead", "dense");
                for (Trainer.Trained t : r.dictionaries()) {
                    DictionaryMetrics h = t.heldOut();
                    o.printf(
                            Locale.ROOT,
                            "%-22s %8d %10.5f %9.3f %8.4f %8.4f%n",
                            t.member().name(),
                            t.member().dSae(),
                            h.fvu(),
                            h.l0(),
                            h.deadFraction(),
                            h.denseFraction());
                }
                o.printf(
                        Locale.ROOT,
                        "%d steps in %.1f s: %,.0f tokens/s for %d dictionaries = %.1f GFLOP/s (6·d·n per token each); matmul %.1f GFLOP/s (ratio %.2f)%n",
                        r.steps(),
                        r.seconds(),
                        r.tokensPerSecond(),
                        sweep.size(),
                        achieved,
                        matmul,
                        achieved / matmul);
                o.println("saved under " + out);
            }
            return 0;
        }
    }
}
