package org.sparsescope.viewmodels.features;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.transformation.FilteredList;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.stats.FeatureStats;

/**
 * The features of the open dictionary: every row, and the rows passing the density range (log10) and the
 * top-token text filter; the selected feature, shared with the density/kurtosis plot and the detail view.
 */
public final class FeatureTableViewModel {
    private final ObservableList<FeatureRow> rows = FXCollections.observableArrayList();
    private final FilteredList<FeatureRow> filtered = new FilteredList<>(rows);
    private final DoubleProperty minLog10Density = new SimpleDoubleProperty(-8);
    private final DoubleProperty maxLog10Density = new SimpleDoubleProperty(0);
    private final StringProperty tokenFilter = new SimpleStringProperty("");
    private final IntegerProperty selectedFeature = new SimpleIntegerProperty(-1);
    private final ReadOnlyObjectWrapper<FeatureReport> report = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<org.sparsescope.viewmodels.Bins> capacityHistogram =
            new ReadOnlyObjectWrapper<>();

    /** Bins of the capacity histogram over [0, 1]: 0.05 wide, so that 1/2, 1/4 … and 1 fall in bins of their own. */
    public static final int CAPACITY_BINS = 20;

    public FeatureTableViewModel() {
        minLog10Density.addListener((o, a, b) -> refilter());
        maxLog10Density.addListener((o, a, b) -> refilter());
        tokenFilter.addListener((o, a, b) -> refilter());
    }

    /** What the feature names are: each feature's strongest tokens. */
    public static final String TOP_TOKENS = "top tokens";
    /** What the feature names are on a synthetic set: each feature's nearest true feature and its cosine. */
    public static final String TRUE_MATCH = "best true match";

    private final javafx.beans.property.ReadOnlyStringWrapper namesHeading =
            new javafx.beans.property.ReadOnlyStringWrapper(TOP_TOKENS);

    /** The heading of the names column: {@link #TOP_TOKENS}, or {@link #TRUE_MATCH} for a synthetic set's dictionary. */
    public javafx.beans.property.ReadOnlyStringProperty namesHeadingProperty() {
        return namesHeading.getReadOnlyProperty();
    }

    /** Shows a dictionary's report; {@code topTokens[j]} is a short text of feature j's strongest tokens. */
    public void load(FeatureReport r, List<String> topTokens) {
        load(r, topTokens, TOP_TOKENS);
    }

    /** A feature's stored explanation and scores (balanced accuracies, NaN when not scored). */
    public record Explained(String explanation, double detection, double fuzzing) {}

    private final javafx.beans.property.ReadOnlyStringWrapper explainedBy =
            new javafx.beans.property.ReadOnlyStringWrapper("");

    /** Which explainer and setting the shown explanations come from; empty when the dictionary has none. */
    public javafx.beans.property.ReadOnlyStringProperty explainedByProperty() {
        return explainedBy.getReadOnlyProperty();
    }

    /** Shows a dictionary's report with a short name per feature, {@code heading} saying what the names are. */
    public void load(FeatureReport r, List<String> topTokens, String heading) {
        load(r, topTokens, heading, java.util.Map.of(), "");
    }

    /**
     * As above, with the features' stored explanations ({@code explained}, by feature) made by {@code explainedBy}
     * ("" when none).
     */
    public void load(
            FeatureReport r,
            List<String> topTokens,
            String heading,
            java.util.Map<Integer, Explained> explained,
            String explainedBy) {
        this.explainedBy.set(explainedBy);
        namesHeading.set(heading);
        this.topTokens = List.copyOf(topTokens);
        FeatureStats s = r.stats();
        List<FeatureRow> list = new ArrayList<>(s.features());
        for (int j = 0; j < s.features(); j++) {
            list.add(new FeatureRow(
                    j,
                    s.density()[j],
                    s.mean()[j],
                    s.max()[j],
                    s.std()[j],
                    s.skew()[j],
                    s.kurtosis()[j],
                    r.capacity()[j],
                    j < topTokens.size() ? topTokens.get(j) : "",
                    explained.containsKey(j) ? explained.get(j).explanation() : "",
                    explained.containsKey(j) ? explained.get(j).detection() : Double.NaN,
                    explained.containsKey(j) ? explained.get(j).fuzzing() : Double.NaN));
        }
        rows.setAll(list);
        capacityHistogram.set(org.sparsescope.viewmodels.Bins.of(
                org.sparsescope.compute.stats.Capacity.histogram(r.capacity(), CAPACITY_BINS)));
        selectedFeature.set(-1);
        setRows.set(s.rows());
        totalCapacity.set(r.totalCapacity());
        loads.set(loads.get() + 1);
        report.set(r); // last: listeners of the report see the new rows
    }

    /**
     * Replaces the explanations and scores shown (after an autointerp run), every other column and the selection
     * kept.
     */
    public void explain(java.util.Map<Integer, Explained> explained, String by) {
        explainedBy.set(by);
        List<FeatureRow> list = new ArrayList<>(rows.size());
        for (FeatureRow r : rows) {
            Explained e = explained.get(r.index());
            list.add(new FeatureRow(
                    r.index(),
                    r.density(),
                    r.mean(),
                    r.max(),
                    r.std(),
                    r.skew(),
                    r.kurtosis(),
                    r.capacity(),
                    r.topTokens(),
                    e != null ? e.explanation() : "",
                    e != null ? e.detection() : Double.NaN,
                    e != null ? e.fuzzing() : Double.NaN));
        }
        int selected = selectedFeature.get();
        rows.setAll(list);
        selectedFeature.set(selected);
    }

    private List<String> topTokens = List.of();
    private final javafx.beans.property.ReadOnlyLongWrapper setRows = new javafx.beans.property.ReadOnlyLongWrapper(0);
    private final javafx.beans.property.ReadOnlyDoubleWrapper totalCapacity =
            new javafx.beans.property.ReadOnlyDoubleWrapper(Double.NaN);

    private final javafx.beans.property.ReadOnlyIntegerWrapper loads =
            new javafx.beans.property.ReadOnlyIntegerWrapper(0);

    /** Counts the reports loaded: a view that must redraw from scratch for each new dictionary listens to it. */
    public javafx.beans.property.ReadOnlyIntegerProperty loadsProperty() {
        return loads.getReadOnlyProperty();
    }

    /** The rows of the loaded dictionary's set its statistics are over (0 before one is loaded). */
    public javafx.beans.property.ReadOnlyLongProperty setRowsProperty() {
        return setRows.getReadOnlyProperty();
    }

    /** The loaded dictionary's total capacity Σ C_i (at most d). */
    public javafx.beans.property.ReadOnlyDoubleProperty totalCapacityProperty() {
        return totalCapacity.getReadOnlyProperty();
    }

    /** The loaded dictionary's top tokens per feature (as the table's column shows them). */
    public List<String> topTokens() {
        return topTokens;
    }

    private void refilter() {
        double lo = minLog10Density.get(), hi = maxLog10Density.get();
        String text = tokenFilter.get() == null
                ? ""
                : tokenFilter.get().toLowerCase(Locale.ROOT).strip();
        filtered.setPredicate(r -> {
            double ld = r.log10Density();
            boolean inRange = (ld >= lo || (r.density() == 0 && lo <= -8)) && ld <= hi;
            return inRange
                    && (text.isEmpty()
                            || r.topTokens().toLowerCase(Locale.ROOT).contains(text)
                            || r.explanation().toLowerCase(Locale.ROOT).contains(text));
        });
    }

    public ObservableList<FeatureRow> rows() {
        return rows;
    }

    /** Rows passing the filters; the view wraps them in a SortedList bound to its columns. */
    public FilteredList<FeatureRow> filteredRows() {
        return filtered;
    }

    public DoubleProperty minLog10DensityProperty() {
        return minLog10Density;
    }

    public DoubleProperty maxLog10DensityProperty() {
        return maxLog10Density;
    }

    public StringProperty tokenFilterProperty() {
        return tokenFilter;
    }

    public IntegerProperty selectedFeatureProperty() {
        return selectedFeature;
    }

    /** The open dictionary's capacities C_i, counted in {@link #CAPACITY_BINS} bins over [0, 1]. */
    public ReadOnlyObjectProperty<org.sparsescope.viewmodels.Bins> capacityHistogramProperty() {
        return capacityHistogram.getReadOnlyProperty();
    }

    public ReadOnlyObjectProperty<FeatureReport> reportProperty() {
        return report.getReadOnlyProperty();
    }
}
