package org.sparsescope.viewmodels.comparison;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.collections.ListChangeListener;
import org.sparsescope.compute.Devices;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.stats.DictionaryComparison;
import org.sparsescope.compute.stats.McsMatrix;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.ProgressListener;
import org.sparsescope.viewmodels.Background;
import org.sparsescope.viewmodels.frontier.FrontierViewModel;
import org.sparsescope.viewmodels.workspace.DictionaryEntry;
import org.sparsescope.viewmodels.workspace.WorkspaceViewModel;

/**
 * The MCS matrix of the dictionaries selected on the frontier (two or more of one pair), recomputed as the
 * selection changes; a cell opened shows that pair's features side by side (each of the row dictionary's features,
 * its best match among the column's, their MCS and both top tokens), from which either feature opens.
 */
public final class McsViewModel {

    /** Top tokens per feature of a dictionary, from its cached statistics (computed if missing). */
    @FunctionalInterface
    public interface FeatureTokens {
        List<String> of(DictionaryEntry dictionary, ProgressListener progress, Cancellation cancel) throws Exception;
    }

    /** The matrix of these dictionaries, in this order (rows and columns alike). */
    public record Matrix(List<DictionaryEntry> dictionaries, McsMatrix values) {
        /** Cell (row, column): the mean over the row dictionary's features of the best cosine in the column's. */
        public double[][] mmcs() {
            return values.mmcs();
        }

        /** Cell (row, column): the share of the row's features with MCS ≥ {@code threshold} in the column. */
        public double[][] fractionAtLeast(double threshold) {
            return values.fractionAtLeast(threshold);
        }
    }

    /**
     * A feature of the row dictionary and its best match in the column dictionary; {@code detection} and
     * {@code fuzzing}: its stored autointerp scores (balanced accuracy, NaN when not explained or not scored).
     */
    public record MatchedFeature(
            int feature, String tokens, int match, double mcs, String matchTokens, double detection, double fuzzing) {}

    /** An opened cell: row → column, its features sorted by MCS (best first). */
    public record PairDetail(
            int row,
            int column,
            DictionaryEntry rowDictionary,
            DictionaryEntry columnDictionary,
            double mmcs,
            double fractionAtLeast,
            List<MatchedFeature> features) {
        /** The explained features' MCS against their detection scores (the seed's question: do shared features explain better?). */
        public double mcsScoreCorrelation() {
            double[] x = features.stream()
                    .filter(f -> !Double.isNaN(f.detection()))
                    .mapToDouble(MatchedFeature::mcs)
                    .toArray();
            double[] y = features.stream()
                    .filter(f -> !Double.isNaN(f.detection()))
                    .mapToDouble(MatchedFeature::detection)
                    .toArray();
            return x.length < 3
                    ? Double.NaN
                    : new org.apache.commons.math3.stat.correlation.PearsonsCorrelation().correlation(x, y);
        }

        /** How many of the row's features have a detection score. */
        public long explained() {
            return features.stream().filter(f -> !Double.isNaN(f.detection())).count();
        }
    }

    private final Background background;
    private final WorkspaceViewModel workspace;
    private final FrontierViewModel frontier;
    private final FeatureTokens tokens;
    private final ReadOnlyObjectWrapper<Matrix> matrix = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<PairDetail> detail = new ReadOnlyObjectWrapper<>();
    private final DoubleProperty threshold = new SimpleDoubleProperty(0.9);
    private final ReadOnlyStringWrapper status =
            new ReadOnlyStringWrapper("Select two or more dictionaries of one pair on the frontier.");
    private Background.Job running;
    private Background.Job runningDetail;

    public McsViewModel(
            Background background, WorkspaceViewModel workspace, FrontierViewModel frontier, FeatureTokens tokens) {
        this.background = background;
        this.workspace = workspace;
        this.frontier = frontier;
        this.tokens = tokens;
        frontier.selection().addListener((ListChangeListener<String>) c -> compute(List.copyOf(frontier.selection())));
        threshold.addListener((o, was, now) -> {
            PairDetail d = detail.get();
            if (d != null) { // the fraction follows the threshold; the matches do not change
                detail.set(new PairDetail(
                        d.row(),
                        d.column(),
                        d.rowDictionary(),
                        d.columnDictionary(),
                        d.mmcs(),
                        matrix.get().values().fractionAtLeast(d.row(), d.column(), now.doubleValue()),
                        d.features()));
            }
        });
    }

    /** Computes the matrix of these dictionaries (ids), replacing a computation still running. */
    public void compute(List<String> ids) {
        if (running != null) {
            running.cancel();
            running = null;
        }
        List<DictionaryEntry> entries = new ArrayList<>();
        for (String id : ids) {
            DictionaryEntry e = workspace.find(id);
            if (e != null) {
                entries.add(e);
            }
        }
        if (entries.size() < 2) {
            status.set("Select two or more dictionaries of one pair on the frontier.");
            return;
        }
        var pair = entries.get(0).pairKey();
        if (pair == null || entries.stream().anyMatch(e -> !pair.equals(e.pairKey()))) {
            status.set(
                    "The selection spans several models or hooks: decoder directions of different hooks are not comparable.");
            return;
        }
        // the seed's order: smaller dictionaries first (as it compared with larger ones), then denser first (its l1
        // values ascending), so that a sweep's neighbours sit side by side
        entries.sort(Comparator.comparingInt(DictionaryEntry::dSae)
                .thenComparing(Comparator.comparingDouble(DictionaryEntry::l0).reversed()));
        status.set("computing the MCS matrix of " + entries.size() + " dictionaries");
        running = background.submit(
                "MCS matrix",
                (p, c) -> {
                    List<Dictionary> dicts = new ArrayList<>();
                    for (DictionaryEntry e : entries) {
                        dicts.add(workspace.readDictionary(e.path()));
                    }
                    return McsMatrix.of(dicts, Devices.preferred(), p, c);
                },
                m -> {
                    running = null;
                    matrix.set(new Matrix(List.copyOf(entries), m));
                    detail.set(null);
                    status.set(entries.size() + " dictionaries of "
                            + entries.get(0).site() + "; click a cell to see its features matched");
                },
                t -> {
                    if (!(t instanceof CancelledException)) {
                        running = null;
                        status.set("failed");
                        workspace.fail(t);
                    }
                });
    }

    /** Opens cell (row, column): the row dictionary's features against the column's, with both top tokens. */
    public void openCell(int row, int column) {
        Matrix m = matrix.get();
        if (m == null
                || row < 0
                || column < 0
                || row >= m.dictionaries().size()
                || column >= m.dictionaries().size()) {
            return;
        }
        if (runningDetail != null) {
            runningDetail.cancel();
        }
        DictionaryEntry a = m.dictionaries().get(row), b = m.dictionaries().get(column);
        double mmcs = m.values().mmcs(row, column), fraction = m.values().fractionAtLeast(row, column, threshold.get());
        status.set("matching " + a.name() + " → " + b.name() + " (statistics of both, from the cache or computed)");
        runningDetail = background.submit(
                "Matched features",
                (p, c) -> {
                    DictionaryComparison cmp = DictionaryComparison.of(
                            workspace.readDictionary(a.path()), workspace.readDictionary(b.path()));
                    List<String> ta = tokens.of(a, p, c), tb = row == column ? ta : tokens.of(b, p, c);
                    var explained = workspace
                            .workspace()
                            .explanations(a.path())
                            .map(org.sparsescope.compute.autointerp.AutointerpRun.Stored::byFeature)
                            .orElse(java.util.Map.of());
                    List<MatchedFeature> out = new ArrayList<>();
                    for (int f = 0; f < cmp.maxCosine().length; f++) {
                        int g = cmp.match()[f];
                        var r = explained.get(f);
                        out.add(new MatchedFeature(
                                f,
                                f < ta.size() ? ta.get(f) : "",
                                g,
                                cmp.maxCosine()[f],
                                g < tb.size() ? tb.get(g) : "",
                                r == null ? Double.NaN : r.detectionAccuracy(),
                                r == null ? Double.NaN : r.fuzzingAccuracy()));
                    }
                    out.sort(Comparator.comparingDouble(MatchedFeature::mcs).reversed());
                    return out;
                },
                features -> {
                    runningDetail = null;
                    detail.set(new PairDetail(row, column, a, b, mmcs, fraction, List.copyOf(features)));
                    status.set(String.format(java.util.Locale.ROOT, "%s → %s: MMCS %.3f", a.name(), b.name(), mmcs));
                },
                t -> {
                    if (!(t instanceof CancelledException)) {
                        runningDetail = null;
                        workspace.fail(t);
                    }
                });
    }

    public ReadOnlyObjectProperty<Matrix> matrixProperty() {
        return matrix.getReadOnlyProperty();
    }

    public ReadOnlyObjectProperty<PairDetail> detailProperty() {
        return detail.getReadOnlyProperty();
    }

    /** MCS at which a feature counts as matched (the seed's 0.9). */
    public DoubleProperty thresholdProperty() {
        return threshold;
    }

    public ReadOnlyStringProperty statusProperty() {
        return status.getReadOnlyProperty();
    }
}
