package org.sparsescope.viewmodels.features;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.stats.ExampleContext;
import org.sparsescope.compute.stats.FeatureNeighbours;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.stats.LogitEffects;
import org.sparsescope.viewmodels.Background;
import org.sparsescope.viewmodels.Bins;
import org.sparsescope.viewmodels.OpenDictionary;

/**
 * One feature in depth, as SAEDashboard shows it: its density, the activation histogram, every top example and
 * examples of each quantile band (equal-width bands of (0, max], several each) in their text, its direct logit
 * effects with their histogram over the vocabulary, and its neighbours: the features most correlated with it over
 * the set and the decoder-nearest ones.
 */
public final class FeatureDetailViewModel {
    /** Neighbours listed of each kind. */
    public static final int NEIGHBOURS = 8;

    /** A quantile band of the feature's activations: its interval and its sampled examples, lowest band first. */
    public record Band(int index, double lo, double hi, List<ExampleLine> examples) {}

    /** A neighbouring feature with its correlation or cosine and its top tokens. */
    public record NeighbourLine(int feature, double value, String topTokens) {}

    private final Background background;
    private final ReadOnlyIntegerWrapper feature = new ReadOnlyIntegerWrapper(-1);
    private final ObservableList<ExampleLine> topExamples = FXCollections.observableArrayList();
    private final ObservableList<TokenLogit> raised = FXCollections.observableArrayList();
    private final ObservableList<TokenLogit> lowered = FXCollections.observableArrayList();
    private final ReadOnlyObjectWrapper<Bins> histogram = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<Bins> logitHistogram = new ReadOnlyObjectWrapper<>();
    private final ObservableList<Band> bands = FXCollections.observableArrayList();
    private final ObservableList<NeighbourLine> correlated = FXCollections.observableArrayList();
    private final ObservableList<NeighbourLine> nearest = FXCollections.observableArrayList();
    private final javafx.beans.property.ReadOnlyStringWrapper summary =
            new javafx.beans.property.ReadOnlyStringWrapper("");
    private Background.Job pending;
    /** The open dictionary whose feature is shown (read and written on the UI thread). */
    private OpenDictionary shownOf;

    public FeatureDetailViewModel(Background background) {
        this.background = background;
    }

    /**
     * Shows feature {@code j} of the open dictionary {@code source} (null: none): the histogram at once, examples and
     * logits from a background job, whose result is shown only while the same feature of the same open dictionary is.
     */
    public void show(int j, OpenDictionary source, java.util.function.Consumer<Throwable> onError) {
        feature.set(j);
        shownOf = source;
        if (pending != null) {
            pending.cancel();
        }
        if (j < 0 || source == null || source.report() == null) {
            topExamples.clear();
            raised.clear();
            lowered.clear();
            histogram.set(null);
            logitHistogram.set(null);
            bands.clear();
            correlated.clear();
            nearest.clear();
            summary.set("");
            return;
        }
        FeatureReport r = source.report();
        histogram.set(Bins.of(r.histogram(j)));
        var st = r.stats();
        summary.set(String.format(
                java.util.Locale.ROOT,
                "density %.3g%% of %,d tokens · max %.3f · mean %.4f · kurtosis %.1f",
                100 * st.density()[j],
                st.rows(),
                st.max()[j],
                st.mean()[j],
                st.kurtosis()[j]));
        List<String> names = source.topTokens();
        if (source.synthetic()) {
            // a generator's rows: no text to show, no model to read logits from; its geometry and its truth remain
            summary.set(summary.get() + " · " + (j < names.size() ? names.get(j) : "")
                    + " · synthetic set: no text and no model, so no examples or logits");
            pending = background.submit(
                    "Feature " + j,
                    (p, c) -> {
                        ActivationSet set = source.activations();
                        var onDevice = source.onDevice();
                        var near = FeatureNeighbours.nearestDecoders(onDevice, j, NEIGHBOURS);
                        c.check();
                        var corr = FeatureNeighbours.correlated(onDevice, set, 0, st.rows(), st, j, NEIGHBOURS, c);
                        return List.of(near, corr);
                    },
                    shown -> {
                        if (feature.get() != j || shownOf != source) {
                            return;
                        }
                        topExamples.clear();
                        bands.clear();
                        raised.clear();
                        lowered.clear();
                        logitHistogram.set(null);
                        nearest.setAll(named(shown.get(0), names));
                        correlated.setAll(named(shown.get(1), names));
                    },
                    onError);
            return;
        }
        pending = background.submit(
                "Feature " + j,
                (p, c) -> {
                    LanguageModel lm = source.model();
                    ActivationSet set = source.activations();
                    // the open dictionary's one device copy: every example, the logits and the neighbours read it
                    var onDevice = source.onDevice();
                    List<ExampleLine> top = lines(
                            set,
                            onDevice,
                            lm,
                            r.top().rows()[j],
                            r.top().values()[j],
                            j,
                            r.top().count(j));
                    c.check();
                    List<ExampleLine> sampled = lines(
                            set,
                            onDevice,
                            lm,
                            r.quantiles().rows()[j],
                            r.quantiles().values()[j],
                            j,
                            r.quantiles().count(j));
                    // the bands the statistics sampled from, highest first, each band's examples strongest first
                    List<Band> bandList = org.sparsescope.compute.stats.QuantileBand.group(
                                    sampled,
                                    ExampleLine::value,
                                    st.max()[j],
                                    org.sparsescope.compute.stats.FeatureAnalysis.Options.defaults()
                                            .bands())
                            .stream()
                            .map(b -> new Band(
                                    b.index(),
                                    b.lo(),
                                    b.hi(),
                                    b.items().stream()
                                            .sorted((x, y) -> Float.compare(y.value(), x.value()))
                                            .toList()))
                            .toList();
                    c.check();
                    LogitEffects.FeatureLogits logits =
                            LogitEffects.of(lm, onDevice, new int[] {j}, 10).get(0);
                    var near = FeatureNeighbours.nearestDecoders(onDevice, j, NEIGHBOURS);
                    c.check();
                    var corr = FeatureNeighbours.correlated(onDevice, set, 0, st.rows(), st, j, NEIGHBOURS, c);
                    return new Shown(top, bandList, logits, near, corr);
                },
                shown -> {
                    if (feature.get() != j || shownOf != source) {
                        return; // another feature, or another dictionary, is shown now
                    }
                    topExamples.setAll(shown.top());
                    bands.setAll(shown.bands());
                    raised.setAll(
                            shown.logits().raised().stream().map(TokenLogit::of).toList());
                    lowered.setAll(shown.logits().lowered().stream()
                            .map(TokenLogit::of)
                            .toList());
                    logitHistogram.set(Bins.of(shown.logits().all()));
                    nearest.setAll(named(shown.nearest(), names));
                    correlated.setAll(named(shown.correlated(), names));
                },
                onError);
    }

    /** What a feature's background work found. */
    private record Shown(
            List<ExampleLine> top,
            List<Band> bands,
            LogitEffects.FeatureLogits logits,
            List<FeatureNeighbours.Neighbour> nearest,
            List<FeatureNeighbours.Neighbour> correlated) {}

    private static List<NeighbourLine> named(List<FeatureNeighbours.Neighbour> ns, List<String> names) {
        return ns.stream()
                .map(n -> new NeighbourLine(
                        n.feature(), n.value(), n.feature() < names.size() ? names.get(n.feature()) : ""))
                .toList();
    }

    private static List<ExampleLine> lines(
            ActivationSet set,
            org.sparsescope.compute.dictionary.DictionaryOnDevice d,
            LanguageModel lm,
            long[] rows,
            float[] values,
            int feature,
            int max)
            throws java.io.IOException {
        List<ExampleLine> out = new ArrayList<>();
        for (int i = 0; i < Math.min(max, rows.length); i++) {
            Optional<ExampleContext> c = ExampleContext.of(set, d, lm.tokenizer(), rows[i], feature, 24, 8);
            if (c.isPresent()) {
                out.add(new ExampleLine(
                        rows[i],
                        values[i],
                        c.get().tokens(),
                        c.get().activations(),
                        c.get().position(),
                        c.get().tokenIds()));
            } else {
                out.add(new ExampleLine(
                        rows[i], values[i], new String[] {"row " + rows[i]}, new float[] {values[i]}, 0, new long[0]));
            }
        }
        return out;
    }

    public ReadOnlyIntegerProperty featureProperty() {
        return feature.getReadOnlyProperty();
    }

    public ObservableList<ExampleLine> topExamples() {
        return topExamples;
    }

    public ObservableList<TokenLogit> raisedTokens() {
        return raised;
    }

    public ObservableList<TokenLogit> loweredTokens() {
        return lowered;
    }

    /** Every quantile band that holds examples, highest first. */
    public ObservableList<Band> bands() {
        return bands;
    }

    /** The features most correlated with this one over the set (Pearson). */
    public ObservableList<NeighbourLine> correlated() {
        return correlated;
    }

    /** The features whose decoder directions are nearest this one's (cosine). */
    public ObservableList<NeighbourLine> nearest() {
        return nearest;
    }

    /** The direct logit effect on every token of the vocabulary, binned. */
    public ReadOnlyObjectProperty<Bins> logitHistogramProperty() {
        return logitHistogram.getReadOnlyProperty();
    }

    /** "density 0.42% of 200,000 tokens · max …" for the header. */
    public javafx.beans.property.ReadOnlyStringProperty summaryProperty() {
        return summary.getReadOnlyProperty();
    }

    public ReadOnlyObjectProperty<Bins> histogramProperty() {
        return histogram.getReadOnlyProperty();
    }
}
