package org.sparsescope.viewmodels.frontier;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.collections.FXCollections;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import org.sparsescope.compute.Devices;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.stats.BasisBaseline;
import org.sparsescope.compute.stats.DictionaryComparison;
import org.sparsescope.compute.stats.PcaBaseline;
import org.sparsescope.compute.stats.TruthRecovery;
import org.sparsescope.compute.synthetic.SyntheticSets;
import org.sparsescope.compute.workspace.ModelHook;
import org.sparsescope.viewmodels.Background;
import org.sparsescope.viewmodels.workspace.DictionaryEntry;
import org.sparsescope.viewmodels.workspace.HookPair;
import org.sparsescope.viewmodels.workspace.WorkspaceViewModel;

/**
 * The measured dictionaries of one (model, hook) pair at a time as points of L0 against FVU, plus the live points
 * of a running sweep at that pair; the pair is chosen from those the workspace holds (opening a dictionary shows
 * its own). The selection (drag a rectangle, or pick in the dictionary table) is shared with the table and the
 * comparison.
 */
public final class FrontierViewModel {
    private final ObservableList<FrontierPoint> points = FXCollections.observableArrayList();
    private final ObservableList<String> selection = FXCollections.observableArrayList();
    private final Map<String, FrontierPoint> live = new LinkedHashMap<>();
    private final ReadOnlyObjectWrapper<Comparison> comparison = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<HookPair> shownPair = new ReadOnlyObjectWrapper<>();
    private final Map<String, ModelHook.Key> livePairs = new LinkedHashMap<>();
    private final Background background;
    private final WorkspaceViewModel workspace;

    /**
     * Two dictionaries compared: MMCS is the mean over A's features of the best cosine similarity with B's decoder
     * rows (A the smaller, as the seed compared with the larger), and how many of A's features reach 0.9.
     */
    public record Comparison(String a, String b, double meanMaxCosine, long matchedAbove09) {}

    /**
     * The PCA baseline of the shown pair's activation set: FVU on its last {@code heldOutRows} rows (the rows its
     * dictionaries are measured on) with k components, L0 = k.
     */
    public record Baseline(
            ModelHook.Key pairKey,
            Path set,
            List<PcaBaseline.Point> points,
            long trainRows,
            long heldOutRows,
            List<BasisLine> basis,
            TruthPoint truth) {
        /** The number of components k of each vertex (its L0). */
        public int[] components() {
            return points.stream().mapToInt(PcaBaseline.Point::k).toArray();
        }

        /** The held-out FVU of each vertex. */
        public double[] fvu() {
            return points.stream().mapToDouble(PcaBaseline.Point::fvu).toArray();
        }
    }

    /**
     * One basis baseline as the plot draws it: each row's top {@code k[i]} coordinates kept, giving L0 {@code l0[i]}
     * and held-out FVU {@code fvu[i]}; {@code neurons} tells the neuron basis from random directions.
     */
    public record BasisLine(boolean neurons, String kind, int features, long rows, int[] k, double[] l0, double[] fvu) {
        static BasisLine of(BasisBaseline b) {
            return new BasisLine(
                    b.kind().equals(BasisBaseline.NEURONS),
                    b.kind(),
                    b.features(),
                    b.rows(),
                    b.points().stream().mapToInt(BasisBaseline.Point::k).toArray(),
                    b.points().stream().mapToDouble(BasisBaseline.Point::l0).toArray(),
                    b.points().stream().mapToDouble(BasisBaseline.Point::fvu).toArray());
        }
    }

    /** A synthetic set's ground truth as a point: its true L0 and the FVU of its noise (the floor). */
    public record TruthPoint(double trueL0, double noiseFloorFvu) {}

    private final ReadOnlyObjectWrapper<Baseline> baseline = new ReadOnlyObjectWrapper<>();
    private final BooleanProperty showBaseline = new SimpleBooleanProperty(true);
    private String baselinePending; // pair and set of the baseline being computed

    public FrontierViewModel(Background background, WorkspaceViewModel workspace) {
        this.background = background;
        this.workspace = workspace;
        workspace.dictionaries().addListener((ListChangeListener<DictionaryEntry>) c -> {
            while (c.next()) {
                c.getRemoved().forEach(e -> truthOf.remove(e.id())); // replaced (retrained) or gone: score again
            }
            rebuild();
        });
        workspace.pairs().addListener((ListChangeListener<HookPair>) c -> pairsChanged());
        workspace.activationsProperty().addListener((o, was, set) -> computeBaseline(set));
        recoveryThreshold.addListener((o, was, now) -> rebuild());
        showBaseline.addListener(
                (o, was, on) -> computeBaseline(workspace.activationsProperty().get()));
        pairsChanged();
    }

    /** The shown pair's PCA baseline, once computed (null before, or when hidden). */
    public ReadOnlyObjectProperty<Baseline> baselineProperty() {
        return baseline.getReadOnlyProperty();
    }

    /** Whether the PCA baseline is drawn (and so computed). */
    public BooleanProperty showBaselineProperty() {
        return showBaseline;
    }

    /** Computes (or reads from the workspace cache) the baseline of the set the shown pair's dictionaries are measured on. */
    private void computeBaseline(Path set) {
        HookPair shown = shownPair.get();
        if (set == null || shown == null || !showBaseline.get()) {
            baseline.set(null);
            return;
        }
        Baseline now = baseline.get();
        if (now != null && now.set().equals(set) && now.pairKey().equals(shown.key())) {
            return;
        }
        ModelHook.Key key = shown.key();
        String job = key + "\n" + set;
        if (job.equals(baselinePending)) {
            return; // already being computed
        }
        baseline.set(null);
        baselinePending = job;
        background.submit(
                "PCA baseline",
                (p, c) -> {
                    try (ActivationSet s = ActivationSet.open(set)) {
                        // the dictionaries' FVU is measured on the set's held-out rows: the baseline holds out the same
                        // ones
                        long held = org.sparsescope.compute.workspace.Evaluation.heldOutRows(s.rows());
                        PcaBaseline b = workspace.workspace().cache().pcaBaseline(s, held, Devices.preferred(), p, c);
                        List<BasisLine> basis =
                                workspace
                                        .workspace()
                                        .cache()
                                        .basisBaselines(s, held, Devices.preferred(), p, c)
                                        .stream()
                                        .map(BasisLine::of)
                                        .toList();
                        TruthPoint truth = SyntheticSets.of(s)
                                .map(SyntheticSets.SyntheticSet::summary)
                                .map(t -> new TruthPoint(t.trueL0(), t.noiseFloorFvu()))
                                .orElse(null);
                        return new Baseline(key, set, b.points(), b.trainRows(), b.heldOutRows(), basis, truth);
                    }
                },
                b -> {
                    baselinePending = null;
                    HookPair still = shownPair.get();
                    if (still != null
                            && still.key().equals(b.pairKey())
                            && set.equals(workspace.activationsProperty().get())
                            && showBaseline.get()) {
                        baseline.set(b);
                    }
                    if (b.truth() != null) {
                        computeTruth(set);
                    }
                },
                t -> {
                    baselinePending = null;
                    workspace.fail(t);
                });
    }

    /** Per dictionary id, its recovery of the shown synthetic set's truth, both ways. */
    private final Map<String, TruthRecovery> truthOf = new java.util.concurrent.ConcurrentHashMap<>();

    private final javafx.beans.property.DoubleProperty recoveryThreshold =
            new javafx.beans.property.SimpleDoubleProperty(TruthRecovery.DEFAULT_THRESHOLD);

    /** The MCS at which a true feature counts as found (0.9, the research code's, unless changed). */
    public javafx.beans.property.DoubleProperty recoveryThresholdProperty() {
        return recoveryThreshold;
    }

    private final ReadOnlyObjectWrapper<Boolean> synthetic = new ReadOnlyObjectWrapper<>(false);

    /** Whether the shown pair reads a synthetic set, whose ground truth the dictionaries can be scored against. */
    public ReadOnlyObjectProperty<Boolean> syntheticProperty() {
        return synthetic.getReadOnlyProperty();
    }

    /**
     * What the plot's vertical axis shows: FVU; (on a synthetic set) the MMCS of the truth to each dictionary; or a
     * dictionary's mean autointerp score (detection or fuzzing balanced accuracy), for those explained.
     */
    public enum YAxis {
        FVU,
        TRUTH_MMCS,
        DETECTION,
        FUZZING
    }

    private final javafx.beans.property.ObjectProperty<YAxis> yAxis =
            new javafx.beans.property.SimpleObjectProperty<>(YAxis.FVU);

    public javafx.beans.property.ObjectProperty<YAxis> yAxisProperty() {
        return yAxis;
    }

    private String truthPending;

    /**
     * Scores every measured dictionary of the shown pair against the synthetic set's truth (decoder cosines, no pass
     * over the rows), in the background; each is scored once.
     */
    private void computeTruth(Path set) {
        HookPair shown = shownPair.get();
        if (shown == null) {
            return;
        }
        List<DictionaryEntry> todo = workspace.dictionaries().stream()
                .filter(e -> e.measured() && shown.key().equals(e.pairKey()) && !truthOf.containsKey(e.id()))
                .toList();
        String job = set + "\n" + todo.stream().map(DictionaryEntry::id).toList();
        if (todo.isEmpty() || job.equals(truthPending)) {
            return;
        }
        truthPending = job;
        background.submit(
                "Ground truth recovery",
                (p, c) -> {
                    Map<String, TruthRecovery> out = new LinkedHashMap<>();
                    try (ActivationSet s = ActivationSet.open(set)) {
                        SyntheticSets.SyntheticSet syn = SyntheticSets.of(s).orElseThrow();
                        for (DictionaryEntry e : todo) {
                            c.check();
                            TruthRecovery r = TruthRecovery.of(
                                    workspace.readDictionary(e.path()), syn.truth(), Devices.preferred());
                            out.put(e.id(), r);
                        }
                    }
                    return out;
                },
                scored -> {
                    truthPending = null;
                    truthOf.putAll(scored);
                    rebuild();
                },
                t -> {
                    truthPending = null;
                    workspace.fail(t);
                });
    }

    /** The pairs there are to show, each with its number of dictionaries. */
    public ObservableList<HookPair> pairs() {
        return workspace.pairs();
    }

    /** The (model, hook) pair the frontier shows. */
    public ReadOnlyObjectProperty<HookPair> shownPairProperty() {
        return shownPair.getReadOnlyProperty();
    }

    /** Shows {@code pair}, as the selector offers it. */
    public void showPair(HookPair pair) {
        showPair(pair.key());
    }

    /** Shows the pair with this key (a dictionary's {@link DictionaryEntry#pairKey}). */
    public void showPair(ModelHook.Key key) {
        workspace.pairs().stream().filter(p -> p.key().equals(key)).findFirst().ifPresent(p -> {
            if (!p.equals(shownPair.get())) {
                shownPair.set(p);
                selection.clear();
            }
            workspace.showPair(key);
            rebuild();
            computeBaseline(workspace.activationsProperty().get());
        });
    }

    /** Keeps the shown pair (its count may change), else the one shown last time, else the first. */
    private void pairsChanged() {
        HookPair now = shownPair.get();
        HookPair next = now == null
                ? null
                : workspace.pairs().stream()
                        .filter(p -> p.key().equals(now.key()))
                        .findFirst()
                        .orElse(null);
        if (next == null) {
            String last = workspace.workspace().shown();
            next = workspace.pairs().stream()
                    .filter(p -> p.label().equals(last))
                    .findFirst()
                    .orElse(
                            workspace.pairs().isEmpty()
                                    ? null
                                    : workspace.pairs().get(0));
        }
        shownPair.set(next);
        if (next != null) {
            workspace.showPair(next.key());
        }
        rebuild();
    }

    public ObservableList<FrontierPoint> points() {
        return points;
    }

    /** Ids of the selected dictionaries. */
    public ObservableList<String> selection() {
        return selection;
    }

    /** Selects the points inside the rectangle (either corner order), replacing the selection. */
    public void selectRectangle(double l0a, double l0b, double fvuA, double fvuB) {
        double l0Lo = Math.min(l0a, l0b),
                l0Hi = Math.max(l0a, l0b),
                fLo = Math.min(fvuA, fvuB),
                fHi = Math.max(fvuA, fvuB);
        List<String> inside = points.stream()
                .filter(p -> p.l0() >= l0Lo && p.l0() <= l0Hi && p.fvu() >= fLo && p.fvu() <= fHi)
                .map(FrontierPoint::id)
                .toList();
        selection.setAll(inside);
    }

    public void select(List<String> ids) {
        selection.setAll(ids);
    }

    /** The last comparison of two selected dictionaries. */
    public ReadOnlyObjectProperty<Comparison> comparisonProperty() {
        return comparison.getReadOnlyProperty();
    }

    /** Compares the two selected dictionaries' decoders (MMCS) in the background; does nothing unless two are selected. */
    public void compareSelected() {
        if (selection.size() != 2) {
            return;
        }
        DictionaryEntry first = workspace.find(selection.get(0)), second = workspace.find(selection.get(1));
        if (first == null || second == null) {
            return;
        }
        // the seed's direction (run_mmcs_with_larger): A is the smaller dictionary; equal sizes keep the list's order
        boolean swap = second.dSae() < first.dSae()
                || (second.dSae() == first.dSae()
                        && workspace.dictionaries().indexOf(second)
                                < workspace.dictionaries().indexOf(first));
        DictionaryEntry a = swap ? second : first, b = swap ? first : second;
        if (a.pairKey() == null || !a.pairKey().equals(b.pairKey())) {
            workspace.fail(new IllegalArgumentException(a.name() + " reads " + a.site() + " and " + b.name() + " reads "
                    + b.site() + ": decoder directions of different hooks or models are not comparable"));
            return;
        }
        background.submit(
                "Compare",
                (p, c) ->
                        DictionaryComparison.of(workspace.readDictionary(a.path()), workspace.readDictionary(b.path())),
                r -> comparison.set(new Comparison(
                        a.name(),
                        b.name(),
                        r.meanMaxCosine(),
                        Arrays.stream(r.maxCosine()).filter(v -> v >= 0.9).count())),
                workspace::fail);
    }

    /** A running sweep's member moved; it trains at {@code pairKey} (null: the pair shown). */
    public void updateLive(
            String id, String label, double l0, double fvu, int dSae, String architecture, ModelHook.Key pairKey) {
        live.put(id, new FrontierPoint(id, label, l0, fvu, dSae, architecture, true, "training"));
        livePairs.put(id, pairKey);
        rebuild();
    }

    /** The sweep ended: its points become the saved dictionaries' own (a watched run's stay). */
    public void clearLive() {
        clearLiveWithPrefix("live:");
    }

    /**
     * A watched cluster run's member measured at a new checkpoint, at {@code pairKey}; {@code site} says which (run,
     * step) for the tooltip. Its id starts with "watch:" so that a local sweep's end leaves it.
     */
    public void updateWatched(
            String id,
            String label,
            double l0,
            double fvu,
            int dSae,
            String architecture,
            ModelHook.Key pairKey,
            String site) {
        live.put(id, new FrontierPoint(id, label, l0, fvu, dSae, architecture, true, site));
        livePairs.put(id, pairKey);
        rebuild();
    }

    /** The watch stopped: its points leave. */
    public void clearWatched() {
        clearLiveWithPrefix("watch:");
    }

    private void clearLiveWithPrefix(String prefix) {
        live.keySet().removeIf(id -> id.startsWith(prefix));
        livePairs.keySet().removeIf(id -> id.startsWith(prefix));
        rebuild();
    }

    private void rebuild() {
        List<FrontierPoint> all = new java.util.ArrayList<>();
        HookPair shown = shownPair.get();
        for (DictionaryEntry e : workspace.dictionaries()) {
            if (e.measured() && shown != null && shown.key().equals(e.pairKey())) {
                TruthRecovery r = truthOf.get(e.id());
                double mmcs = r == null ? Double.NaN : r.truthMmcs(),
                        found = r == null ? Double.NaN : r.recovered(recoveryThreshold.get()),
                        isTrue = r == null ? Double.NaN : r.dictionaryMmcs();
                all.add(new FrontierPoint(
                        e.id(),
                        e.name(),
                        e.l0(),
                        e.fvu(),
                        e.dSae(),
                        e.architecture(),
                        false,
                        e.site(),
                        mmcs,
                        found,
                        isTrue));
            }
        }
        live.forEach((id, p) -> {
            ModelHook.Key key = livePairs.get(id);
            if (key == null || (shown != null && shown.key().equals(key))) {
                all.add(p);
            }
        });
        boolean isSynthetic =
                shown != null && SyntheticSets.isSyntheticModel(shown.key().model());
        synthetic.set(isSynthetic);
        if (!isSynthetic && yAxis.get() == YAxis.TRUTH_MMCS) {
            yAxis.set(YAxis.FVU);
        } else if (isSynthetic
                && workspace.activationsProperty().get() != null
                && all.stream().anyMatch(p -> !p.live() && Double.isNaN(p.truthMmcs()))) {
            computeTruth(workspace.activationsProperty().get());
        }
        points.setAll(all);
        selection.removeIf(id -> all.stream().noneMatch(p -> p.id().equals(id)));
    }
}
