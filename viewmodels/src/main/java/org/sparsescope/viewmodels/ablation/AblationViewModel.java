package org.sparsescope.viewmodels.ablation;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.intervene.Intervention;
import org.sparsescope.compute.intervene.Interventions;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.model.TokenWindows;
import org.sparsescope.viewmodels.Background;

/**
 * Remove features (or steer along one) on the live model over windows of a text, and report clean, spliced and
 * intervened perplexity with the change, and each token of the first windows tinted by its loss change.
 */
public final class AblationViewModel {
    private final Background background;
    private final StringProperty features = new SimpleStringProperty("");
    private final ObjectProperty<Intervention.AblationMode> mode = new SimpleObjectProperty<>(Intervention.AblationMode.KEEP_ERROR);
    private final BooleanProperty steering = new SimpleBooleanProperty(false);
    private final DoubleProperty steeringAlpha = new SimpleDoubleProperty(5.0);
    private final IntegerProperty window = new SimpleIntegerProperty(128);
    private final IntegerProperty windows = new SimpleIntegerProperty(16);
    private final ReadOnlyDoubleWrapper cleanPerplexity = new ReadOnlyDoubleWrapper(Double.NaN);
    private final ReadOnlyDoubleWrapper splicedPerplexity = new ReadOnlyDoubleWrapper(Double.NaN);
    private final ReadOnlyDoubleWrapper perplexity = new ReadOnlyDoubleWrapper(Double.NaN);
    private final ReadOnlyDoubleWrapper deltaPerplexity = new ReadOnlyDoubleWrapper(Double.NaN);
    private final ReadOnlyBooleanWrapper running = new ReadOnlyBooleanWrapper(false);
    private final ObservableList<TokenDelta> tokens = FXCollections.observableArrayList();
    /** The running job's own flag, taken when the work starts (a same-thread runner returns the job only after it ends). */
    private volatile org.sparsescope.compute.work.Cancellation cancellation;

    public AblationViewModel(Background background) {
        this.background = background;
    }

    /** Inputs from the main view-model: the model, the open dictionary and the text. */
    public interface Source {
        LanguageModel model() throws java.io.IOException;

        /** The hook the dictionary reads and writes: its own. */
        String hook();

        Dictionary dictionary();

        Path text();
    }

    /** Parses "12, 40" into feature indices; throws IllegalArgumentException on anything else. */
    public static int[] parseFeatures(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("name at least one feature, e.g. 12 or 12, 40");
        }
        try {
            return Arrays.stream(t.split("[,\\s]+")).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("features are integers separated by commas, not '" + t + "'");
        }
    }

    /** Runs the intervention in the background. */
    public void run(Source source, java.util.function.Consumer<Throwable> onError) {
        int[] f;
        try {
            f = parseFeatures(features.get());
        } catch (IllegalArgumentException e) {
            onError.accept(e);
            return;
        }
        Intervention intervention = steering.get() ? new Intervention.Steer(f[0], steeringAlpha.get()) : new Intervention.Ablate(f, mode.get());
        int w = window.get(), n = windows.get();
        running.set(true);
        background.submit("Ablate " + Arrays.toString(f), (p, c) -> {
            cancellation = c;
            LanguageModel lm = source.model();
            long[][] ws = TokenWindows.consecutive(lm.tokenizer().encode(java.nio.file.Files.readString(source.text())), w, n);
            if (ws.length == 0) {
                throw new IllegalArgumentException(source.text() + ": fewer than " + w + " tokens");
            }
            try (Interventions iv = new Interventions(lm, source.dictionary(), source.hook())) {
                float[][] clean = iv.tokenLosses(ws, new Intervention.Clean());
                c.check();
                double spliced = Interventions.mean(iv.tokenLosses(ws, new Intervention.Splice()));
                c.check();
                Interventions.Effect e = iv.effect(ws, intervention, clean);
                List<TokenDelta> deltas = new ArrayList<>();
                for (int i = 0; i < Math.min(2, ws.length); i++) {
                    deltas.add(new TokenDelta(lm.tokenizer().tokenText(ws[i][0]), 0f));
                    for (int t = 1; t < ws[i].length; t++) {
                        deltas.add(new TokenDelta(lm.tokenizer().tokenText(ws[i][t]), e.tokenLossDelta()[i][t - 1]));
                    }
                }
                return new Object[] {e, Math.exp(spliced), deltas};
            }
        }, r -> {
            Interventions.Effect e = (Interventions.Effect) r[0];
            cleanPerplexity.set(e.cleanPerplexity());
            splicedPerplexity.set((Double) r[1]);
            perplexity.set(e.perplexity());
            deltaPerplexity.set(e.perplexity() - e.cleanPerplexity());
            @SuppressWarnings("unchecked")
            List<TokenDelta> d = (List<TokenDelta>) r[2];
            tokens.setAll(d);
            running.set(false);
        }, t -> {
            running.set(false);
            onError.accept(t);
        });
    }

    public void cancel() {
        var c = cancellation;
        if (c != null) {
            c.cancel();
        }
    }

    public StringProperty featuresProperty() {
        return features;
    }

    public ObjectProperty<Intervention.AblationMode> modeProperty() {
        return mode;
    }

    public BooleanProperty steeringProperty() {
        return steering;
    }

    public DoubleProperty steeringAlphaProperty() {
        return steeringAlpha;
    }

    public IntegerProperty windowProperty() {
        return window;
    }

    public IntegerProperty windowsProperty() {
        return windows;
    }

    public ReadOnlyDoubleProperty cleanPerplexityProperty() {
        return cleanPerplexity.getReadOnlyProperty();
    }

    public ReadOnlyDoubleProperty splicedPerplexityProperty() {
        return splicedPerplexity.getReadOnlyProperty();
    }

    public ReadOnlyDoubleProperty perplexityProperty() {
        return perplexity.getReadOnlyProperty();
    }

    public ReadOnlyDoubleProperty deltaPerplexityProperty() {
        return deltaPerplexity.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty runningProperty() {
        return running.getReadOnlyProperty();
    }

    public ObservableList<TokenDelta> tokens() {
        return tokens;
    }
}
