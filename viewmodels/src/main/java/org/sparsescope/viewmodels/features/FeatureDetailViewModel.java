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
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.stats.ExampleContext;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.stats.Histogram;
import org.sparsescope.compute.stats.LogitEffects;
import org.sparsescope.viewmodels.Background;

/** One feature in depth: top and range-sampled examples in their text, its activation histogram, and its logit effects. */
public final class FeatureDetailViewModel {
    private static final int EXAMPLES = 10;
    private final Background background;
    private final ReadOnlyIntegerWrapper feature = new ReadOnlyIntegerWrapper(-1);
    private final ObservableList<ExampleLine> topExamples = FXCollections.observableArrayList();
    private final ObservableList<ExampleLine> rangeExamples = FXCollections.observableArrayList();
    private final ObservableList<LogitEffects.TokenEffect> raised = FXCollections.observableArrayList();
    private final ObservableList<LogitEffects.TokenEffect> lowered = FXCollections.observableArrayList();
    private final ReadOnlyObjectWrapper<Histogram> histogram = new ReadOnlyObjectWrapper<>();
    private Background.Job pending;

    public FeatureDetailViewModel(Background background) {
        this.background = background;
    }

    /** Inputs the detail needs, supplied by the main view-model. */
    public interface Source {
        Dictionary dictionary();

        FeatureReport report();

        ActivationSet activations() throws java.io.IOException;

        LanguageModel model() throws java.io.IOException;
    }

    /** Shows feature {@code j}: the histogram at once, examples and logits from a background job. */
    public void show(int j, Source source, java.util.function.Consumer<Throwable> onError) {
        feature.set(j);
        if (pending != null) {
            pending.cancel();
        }
        if (j < 0 || source.report() == null) {
            topExamples.clear();
            rangeExamples.clear();
            raised.clear();
            lowered.clear();
            histogram.set(null);
            return;
        }
        FeatureReport r = source.report();
        histogram.set(r.histogram(j));
        pending = background.submit("Feature " + j, (p, c) -> {
            LanguageModel lm = source.model();
            ActivationSet set = source.activations();
            List<ExampleLine> top = lines(set, source.dictionary(), lm, r.top().rows()[j], r.top().values()[j], j, EXAMPLES);
            long[] qRows = r.quantiles().rows()[j];
            float[] qValues = r.quantiles().values()[j];
            // one example per band, lowest to highest
            List<Long> pickRows = new ArrayList<>();
            List<Float> pickValues = new ArrayList<>();
            for (int i = 0; i < qRows.length; i += Math.max(1, qRows.length / EXAMPLES)) {
                pickRows.add(qRows[i]);
                pickValues.add(qValues[i]);
            }
            long[] rows = pickRows.stream().mapToLong(Long::longValue).toArray();
            float[] values = new float[pickValues.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = pickValues.get(i);
            }
            List<ExampleLine> range = lines(set, source.dictionary(), lm, rows, values, j, EXAMPLES);
            LogitEffects.FeatureLogits logits = LogitEffects.of(lm, source.dictionary(), new int[] {j}, 10).get(0);
            return new Object[] {top, range, logits};
        }, result -> {
            if (feature.get() != j) {
                return;
            }
            @SuppressWarnings("unchecked")
            List<ExampleLine> top = (List<ExampleLine>) result[0];
            @SuppressWarnings("unchecked")
            List<ExampleLine> range = (List<ExampleLine>) result[1];
            LogitEffects.FeatureLogits logits = (LogitEffects.FeatureLogits) result[2];
            topExamples.setAll(top);
            rangeExamples.setAll(range);
            raised.setAll(logits.raised());
            lowered.setAll(logits.lowered());
        }, onError);
    }

    private static List<ExampleLine> lines(ActivationSet set, Dictionary d, LanguageModel lm, long[] rows, float[] values, int feature, int max)
            throws java.io.IOException {
        List<ExampleLine> out = new ArrayList<>();
        for (int i = 0; i < Math.min(max, rows.length); i++) {
            Optional<ExampleContext> c = ExampleContext.of(set, d, lm.tokenizer(), rows[i], feature, 24, 8);
            if (c.isPresent()) {
                out.add(new ExampleLine(rows[i], values[i], c.get().tokens(), c.get().activations(), c.get().position(), c.get().tokenIds()));
            } else {
                out.add(new ExampleLine(rows[i], values[i], new String[] {"row " + rows[i]}, new float[] {values[i]}, 0, new long[0]));
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

    public ObservableList<ExampleLine> rangeExamples() {
        return rangeExamples;
    }

    public ObservableList<LogitEffects.TokenEffect> raisedTokens() {
        return raised;
    }

    public ObservableList<LogitEffects.TokenEffect> loweredTokens() {
        return lowered;
    }

    public ReadOnlyObjectProperty<Histogram> histogramProperty() {
        return histogram.getReadOnlyProperty();
    }
}
