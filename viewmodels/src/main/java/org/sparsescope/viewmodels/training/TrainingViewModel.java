package org.sparsescope.viewmodels.training;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.train.SweepGrid;
import org.sparsescope.compute.train.SweepMember;
import org.sparsescope.compute.train.TrainEvent;
import org.sparsescope.compute.train.TrainOptions;
import org.sparsescope.compute.train.Trainer;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.workspace.ModelHook;
import org.sparsescope.viewmodels.Background;
import org.sparsescope.viewmodels.frontier.FrontierViewModel;
import org.sparsescope.viewmodels.workspace.WorkspaceViewModel;

/**
 * A training sweep in the background: sizes (as multiples of d), l1 values, k values and tied l1 values; progress with ETA, live
 * loss/L0/FVU per member (and live frontier points); cancel keeps a checkpoint, and starting the same sweep again
 * resumes it; finished dictionaries join the workspace.
 */
public final class TrainingViewModel {
    private final Background background;
    private final WorkspaceViewModel workspace;
    private final FrontierViewModel frontier;
    private final StringProperty l1Values = new SimpleStringProperty("1e-3, 4e-3");
    private final StringProperty kValues = new SimpleStringProperty("");
    private final StringProperty tiedL1Values = new SimpleStringProperty("");
    private final StringProperty batchKValues = new SimpleStringProperty("");
    private final javafx.beans.property.DoubleProperty auxkAlpha = new javafx.beans.property.SimpleDoubleProperty(0);
    private final StringProperty ratios = new SimpleStringProperty("4");
    private final IntegerProperty epochs = new SimpleIntegerProperty(1);
    private final IntegerProperty batch = new SimpleIntegerProperty(1024);
    private final ReadOnlyDoubleWrapper progress = new ReadOnlyDoubleWrapper(0);
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper("");
    private final ReadOnlyBooleanWrapper running = new ReadOnlyBooleanWrapper(false);
    private final ObservableList<TrainPoint> points = FXCollections.observableArrayList();
    /** The running job's own flag, taken when the work starts (a same-thread runner returns the job only after it ends). */
    private volatile org.sparsescope.compute.work.Cancellation cancellation;

    /** Why a finished run says little (too few steps), or empty; written by the job, read on the FX thread after it. */
    private volatile String shortRun = "";

    public TrainingViewModel(Background background, WorkspaceViewModel workspace, FrontierViewModel frontier) {
        this.background = background;
        this.workspace = workspace;
        this.frontier = frontier;
    }

    /** The sweep the fields describe, for activations of width d (the same grid as the command line's). */
    public List<SweepMember> sweep(int d) {
        return grid().members(d);
    }

    /** The fields as a sweep grid; an empty field is no values, a malformed one an error naming it. */
    public SweepGrid grid() {
        return new SweepGrid(
                boxed(numbers(ratios.get(), "sizes")),
                boxed(numbers(l1Values.get(), "l1 values")),
                wholeNumbers(kValues.get(), "k values"),
                boxed(numbers(tiedL1Values.get(), "tied l1 values")),
                wholeNumbers(batchKValues.get(), "BatchTopK k values"));
    }

    private static List<Integer> wholeNumbers(String text, String what) {
        List<Integer> ks = new ArrayList<>();
        for (double k : numbers(text, what)) {
            if (k != Math.rint(k)) {
                throw new IllegalArgumentException(what + " are whole numbers, not " + k);
            }
            ks.add((int) k);
        }
        return ks;
    }

    private static List<Double> boxed(double[] v) {
        return Arrays.stream(v).boxed().toList();
    }

    private static double[] numbers(String text, String what) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty()) {
            return new double[0];
        }
        try {
            return Arrays.stream(t.split("[,\\s]+"))
                    .mapToDouble(Double::parseDouble)
                    .toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " are numbers separated by commas, not '" + t + "'");
        }
    }

    /**
     * This sweep for the cluster, as files in {@code dir}: sparsify command lines and a SAELens script at the
     * workspace set's model and hook, the same grid (see {@link org.sparsescope.compute.handoff.RunRecipe}).
     * Nothing is launched.
     */
    public void writeRecipe(Path dir) {
        Path set = workspace.activationsProperty().get();
        if (set == null) {
            workspace.fail(new IllegalStateException("no activation set yet: the recipe is for its model and hook"));
            return;
        }
        SweepGrid g;
        try {
            g = grid();
        } catch (IllegalArgumentException e) {
            workspace.fail(e);
            return;
        }
        background.submit(
                "Write the cluster recipe",
                (p, c) -> {
                    try (ActivationSet s = ActivationSet.open(set)) {
                        Path folder = Path.of(s.manifest().model());
                        if (!java.nio.file.Files.isDirectory(folder)
                                || org.sparsescope.compute.synthetic.SyntheticSets.isSyntheticModel(
                                        s.manifest().model())) {
                            throw new org.sparsescope.compute.InvalidInputException(
                                    set,
                                    "was not harvested from a model folder: there is no model for the cluster to run");
                        }
                        var family = org.sparsescope.compute.model.TransformerConfig.read(folder)
                                .architecture();
                        var hook = s.hook();
                        if (hook == null) {
                            throw new org.sparsescope.compute.InvalidInputException(
                                    set, "does not record the hook its rows were read at");
                        }
                        String hookpoint =
                                org.sparsescope.compute.dictionary.format.SparsifyWriter.hookpoint(hook, family, set);
                        var recipe = new org.sparsescope.compute.handoff.RunRecipe(
                                workspace.workspace().displayName(folder),
                                List.of(hook),
                                List.of(hookpoint),
                                s.d(),
                                g,
                                s.manifest().window(),
                                null,
                                java.util.Map.of(),
                                100_000_000L,
                                0);
                        recipe.write(dir);
                        return dir;
                    }
                },
                d -> status.set("wrote the cluster recipe to " + d),
                workspace::fail);
    }

    /** Starts (or resumes) the sweep on the workspace's activation set, saving under {@code outDir}. */
    public void start(Path outDir) {
        Path set = workspace.activationsProperty().get();
        if (set == null) {
            workspace.fail(new IllegalStateException("no activation set yet: harvest or open one first"));
            return;
        }
        int e = epochs.get(), b = batch.get();
        double alpha = auxkAlpha.get();
        livePair = frontier.shownPairProperty().get() == null
                ? null
                : frontier.shownPairProperty().get().key();
        points.clear();
        progress.set(0);
        running.set(true);
        status.set("starting");
        background.submit(
                "Train sweep",
                (p, c) -> {
                    cancellation = c;
                    try (ActivationSet s = ActivationSet.open(set)) {
                        List<SweepMember> sweep = sweep(s.d());
                        long heldOut = org.sparsescope.compute.workspace.Evaluation.heldOutRows(s.rows());
                        TrainOptions opts = TrainOptions.reference(heldOut)
                                .withBatch(b)
                                .withEpochs(e)
                                .withEvents(10, 200)
                                .withAuxK(alpha, TrainOptions.DEAD_TOKENS);
                        long steps = TrainOptions.steps(s.rows() - heldOut, e, b);
                        if (steps < TrainOptions.MIN_USEFUL_STEPS) {
                            shortRun = String.format(
                                    java.util.Locale.ROOT,
                                    "only %d steps (%,d training rows, batch %d): too short to mean much; "
                                            + "harvest more rows, or raise epochs or lower the batch",
                                    steps,
                                    s.rows() - heldOut,
                                    b);
                        } else {
                            shortRun = "";
                        }
                        String folder = s.manifest().model();
                        String model = java.nio.file.Files.isDirectory(Path.of(folder))
                                ? workspace.workspace().displayName(Path.of(folder))
                                : null;
                        return new Trainer(s, opts)
                                .namingModel(model)
                                .train(
                                        sweep,
                                        outDir,
                                        outDir.resolve(".run"),
                                        ev -> background.onUi(() -> onEvent(ev, sweep)),
                                        c);
                    }
                },
                r -> {
                    running.set(false);
                    progress.set(1);
                    status.set(String.format(
                                    java.util.Locale.ROOT,
                                    "done: %d dictionaries, %,.0f tokens/s",
                                    r.dictionaries().size(),
                                    r.tokensPerSecond())
                            + (shortRun.isEmpty() ? "" : "; " + shortRun));
                    frontier.clearLive();
                    for (Trainer.Trained t : r.dictionaries()) {
                        workspace.addTrained(t.dir(), t.heldOut(), set);
                    }
                },
                t -> {
                    running.set(false);
                    frontier.clearLive();
                    if (t instanceof CancelledException) {
                        status.set("cancelled at " + Math.round(progress.get() * 100)
                                + "%; start the same sweep again to resume");
                    } else {
                        status.set("failed");
                        workspace.fail(t);
                    }
                });
    }

    /** The pair the running sweep trains at, so its live points show on that pair's frontier only. */
    private ModelHook.Key livePair;

    private void onEvent(TrainEvent ev, List<SweepMember> sweep) {
        progress.set(ev.fraction());
        status.set(String.format(
                java.util.Locale.ROOT,
                "step %d / %d, %,.0f tokens/s, ETA %.0f s",
                ev.step(),
                ev.totalSteps(),
                ev.tokensPerSecond(),
                ev.etaSeconds()));
        for (int i = 0; i < ev.members().size(); i++) {
            TrainEvent.MemberStats m = ev.members().get(i);
            points.add(new TrainPoint(ev.step(), m.name(), m.loss(), m.l0(), m.fvu(), m.deadFraction()));
            SweepMember member = sweep.stream()
                    .filter(s -> s.name().equals(m.name()))
                    .findFirst()
                    .orElse(null);
            if (member != null) {
                frontier.updateLive(
                        "live:" + m.name(),
                        m.name(),
                        m.l0(),
                        m.fvu(),
                        member.dSae(),
                        switch (member.kind()) {
                            case TOPK -> "topk";
                            case TIED_L1 -> "tied";
                            case BATCH_TOPK -> "jumprelu";
                            case RELU_L1 -> "standard";
                        },
                        livePair);
            }
        }
    }

    public void cancel() {
        var c = cancellation;
        if (c != null) {
            c.cancel();
        }
    }

    public StringProperty l1ValuesProperty() {
        return l1Values;
    }

    /** The AuxK coefficient of TopK and BatchTopK members (0: none; sparsify uses 1/32). */
    public javafx.beans.property.DoubleProperty auxkAlphaProperty() {
        return auxkAlpha;
    }

    /** k values of BatchTopK members (k·B kept over each batch; saved as JumpReLU). */
    public StringProperty batchKValuesProperty() {
        return batchKValues;
    }

    public StringProperty kValuesProperty() {
        return kValues;
    }

    public StringProperty tiedL1ValuesProperty() {
        return tiedL1Values;
    }

    public StringProperty ratiosProperty() {
        return ratios;
    }

    public IntegerProperty epochsProperty() {
        return epochs;
    }

    public IntegerProperty batchProperty() {
        return batch;
    }

    public ReadOnlyDoubleProperty progressProperty() {
        return progress.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty statusProperty() {
        return status.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty runningProperty() {
        return running.getReadOnlyProperty();
    }

    public ObservableList<TrainPoint> points() {
        return points;
    }
}
