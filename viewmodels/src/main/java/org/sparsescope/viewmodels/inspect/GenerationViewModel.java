package org.sparsescope.viewmodels.inspect;

import java.util.Locale;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.sparsescope.compute.intervene.Intervention;
import org.sparsescope.compute.intervene.Interventions;
import org.sparsescope.compute.model.Generator;
import org.sparsescope.compute.model.Hooks;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.viewmodels.Background;
import org.sparsescope.viewmodels.ablation.AblationViewModel;

/**
 * Steered generation: a prompt continued by the open dictionary's model, once clean and once with features steered
 * (α per feature, absolute or relative to ‖x‖) or clamped, from the same seed, side by side.
 */
public final class GenerationViewModel {
    private final Background background;
    private final StringProperty prompt = new SimpleStringProperty("The committee will");
    private final IntegerProperty tokens = new SimpleIntegerProperty(40);
    private final DoubleProperty temperature = new SimpleDoubleProperty(0);
    private final LongProperty seed = new SimpleLongProperty(0);
    private final StringProperty steering = new SimpleStringProperty("");
    private final ObjectProperty<org.sparsescope.viewmodels.Choices.SteerUnits> units =
            new SimpleObjectProperty<>(org.sparsescope.viewmodels.Choices.SteerUnits.ABSOLUTE);
    private final BooleanProperty clamp = new SimpleBooleanProperty(false);
    private final ReadOnlyStringWrapper continued = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper clean = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper steered = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper("");
    private final ReadOnlyBooleanWrapper running = new ReadOnlyBooleanWrapper(false);

    public GenerationViewModel(Background background) {
        this.background = background;
    }

    /** The intervention the steering field names: feature:α pairs (or feature:value when clamping). */
    public Intervention intervention() {
        return clamp.get()
                ? Intervention.clamp(steering.get())
                : Intervention.steer(steering.get(), units.get().compute());
    }

    /** Generates both continuations in the background (the clean one alone when no feature is named). */
    public void run(AblationViewModel.Source source, java.util.function.Consumer<Throwable> onError) {
        Intervention how;
        try {
            how = steering.get() == null || steering.get().isBlank() ? null : intervention();
        } catch (IllegalArgumentException e) {
            onError.accept(e);
            return;
        }
        String p = prompt.get();
        int n = tokens.get();
        Generator.Sampling sampling;
        try {
            sampling = new Generator.Sampling(temperature.get(), seed.get());
        } catch (IllegalArgumentException e) {
            onError.accept(e);
            return;
        }
        running.set(true);
        background.submit(
                "Generate",
                (pr, c) -> {
                    LanguageModel lm = source.model();
                    long[] ids = lm.tokenizer().encode(p);
                    Generator.Result a = Generator.generate(
                            lm, ids, n, sampling, Hooks.builder().build(), true);
                    c.check();
                    Generator.Result b = null;
                    if (how != null) {
                        try (Interventions iv = source.interventions(lm)) {
                            b = Generator.generate(lm, ids, n, sampling, iv.replacing(how), true);
                        }
                    }
                    return new Object[] {
                        lm.tokenizer().decode(a.tokens()),
                        b == null ? "" : lm.tokenizer().decode(b.tokens()),
                        a,
                        b
                    };
                },
                r -> {
                    running.set(false);
                    continued.set(p);
                    clean.set((String) r[0]);
                    steered.set((String) r[1]);
                    Generator.Result a = (Generator.Result) r[2], b = (Generator.Result) r[3];
                    status.set(String.format(
                            Locale.ROOT,
                            "%d tokens each, %s; clean %.0f tokens/s%s",
                            n,
                            sampling.isGreedy()
                                    ? "greedy"
                                    : "temperature " + sampling.temperature() + ", seed " + sampling.seed(),
                            a.tokensPerSecond(),
                            b == null
                                    ? "; name features to steer"
                                    : String.format(
                                            Locale.ROOT,
                                            ", steered (%s at %s) %.0f tokens/s",
                                            how.describe(),
                                            source.hook(),
                                            b.tokensPerSecond())));
                },
                e -> {
                    running.set(false);
                    onError.accept(e);
                });
    }

    public StringProperty promptProperty() {
        return prompt;
    }

    public IntegerProperty tokensProperty() {
        return tokens;
    }

    public DoubleProperty temperatureProperty() {
        return temperature;
    }

    public LongProperty seedProperty() {
        return seed;
    }

    /** "12:4.0, 40:-2.0": features and their α (or values, when clamping). */
    public StringProperty steeringProperty() {
        return steering;
    }

    public ObjectProperty<org.sparsescope.viewmodels.Choices.SteerUnits> unitsProperty() {
        return units;
    }

    public BooleanProperty clampProperty() {
        return clamp;
    }

    /** The prompt the shown continuations follow. */
    public ReadOnlyStringProperty continuedProperty() {
        return continued.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty cleanProperty() {
        return clean.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty steeredProperty() {
        return steered.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty statusProperty() {
        return status.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty runningProperty() {
        return running.getReadOnlyProperty();
    }
}
