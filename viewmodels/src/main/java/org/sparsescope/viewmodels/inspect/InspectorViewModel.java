package org.sparsescope.viewmodels.inspect;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.intervene.Interventions;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.stats.LogitEffects;
import org.sparsescope.compute.stats.PromptFeatures;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.viewmodels.Background;

/**
 * The prompt inspector: text in, features out. Every edit runs the model once to the deepest hook of the chosen
 * dictionaries (the open one, or every one of its model) in the background; the tokens as the model sees them,
 * each token's features with activation and quantile, the prompt's features ranked by max activation, max quantile
 * or loss effect, and one feature highlighted over the text with its per-token loss effect (ablated, error kept) and
 * its direct logit effect at the chosen token.
 */
public final class InspectorViewModel {
    /** How the prompt's features are ranked; LOSS_EFFECT runs the model once per candidate. */
    public enum Rank {
        MAX_ACTIVATION,
        MAX_QUANTILE,
        LOSS_EFFECT
    }

    /** Candidates for the loss-effect ranking: the strongest by max activation. */
    public static final int LOSS_CANDIDATES = 16;

    /**
     * A dictionary the inspector reads: its workspace id and name, where it reads, its statistics and top tokens
     * (either may be null), and its weights kept on the model's device (null: copied per edit).
     */
    public record Column(
            String id,
            String name,
            HookPoint hook,
            Dictionary dictionary,
            FeatureReport report,
            List<String> topTokens,
            org.sparsescope.compute.dictionary.DictionaryOnDevice onDevice) {
        String tokens(int feature) {
            return topTokens != null && feature < topTokens.size() ? topTokens.get(feature) : "";
        }
    }

    /** What the main view-model provides: the columns and their model. */
    public interface Source {
        /** The open dictionary first; with {@code allHooks}, then every other measured dictionary of its model, in forward order. */
        List<Column> columns(boolean allHooks) throws IOException;

        LanguageModel model() throws IOException;
    }

    /** A feature at the selected token, or ranked for the prompt. */
    /** {@code quantile}: among the feature's non-zero activations over its set; {@code density}: how often it is active there. */
    public record FeatureLine(
            int column,
            String dictionary,
            String hook,
            int feature,
            double activation,
            double quantile,
            double density,
            double lossEffect,
            String topTokens) {}

    /** A token as shown: its text, the highlighted feature's activation there and, once computed, the loss change with it ablated. */
    public record TokenLine(int position, String text, float activation, float lossEffect) {}

    /** The tokens whose logits the highlighted feature raises or lowers at the selected token: activation × direct effect. */
    public record LogitLine(String token, double logit) {}

    private final Background background;
    private Source source;
    private final StringProperty text = new SimpleStringProperty("");
    private final BooleanProperty allHooks = new SimpleBooleanProperty(false);
    private final ObjectProperty<Rank> rank = new SimpleObjectProperty<>(Rank.MAX_ACTIVATION);
    private final IntegerProperty selectedToken = new SimpleIntegerProperty(-1);
    private final ObjectProperty<FeatureLine> highlight = new SimpleObjectProperty<>();
    private final ReadOnlyObjectWrapper<PromptFeatures.Inspection> inspection = new ReadOnlyObjectWrapper<>();
    private final ObservableList<TokenLine> tokens = FXCollections.observableArrayList();
    private final ObservableList<FeatureLine> tokenFeatures = FXCollections.observableArrayList();
    private final ObservableList<FeatureLine> ranked = FXCollections.observableArrayList();
    private final ObservableList<LogitLine> raised = FXCollections.observableArrayList();
    private final ObservableList<LogitLine> lowered = FXCollections.observableArrayList();
    private final ReadOnlyStringWrapper status =
            new ReadOnlyStringWrapper("Type or paste text; open a dictionary first.");
    private List<Column> columns = List.of();
    private float[] lossEffect;
    private LogitEffects.FeatureLogits logits;
    private long requested; // the edit a result answers; older results are dropped
    private volatile long lastLatencyNanos;

    public InspectorViewModel(Background background) {
        this.background = background;
        text.addListener((o, a, b) -> inspect());
        allHooks.addListener((o, a, b) -> inspect());
        rank.addListener((o, a, b) -> rerank());
        selectedToken.addListener((o, a, b) -> showToken());
        highlight.addListener((o, a, b) -> highlightChanged());
    }

    /** Where the dictionaries and the model come from; set by the main view-model when a dictionary opens. */
    public void setSource(Source s) {
        this.source = s;
        inspect();
    }

    /** Runs the inspection of the current text in the background; the latest edit wins. */
    public void inspect() {
        Source s = source;
        String t = text.get();
        if (s == null || t == null || t.isBlank()) {
            return;
        }
        long id = ++requested;
        long t0 = System.nanoTime();
        boolean all = allHooks.get();
        background.submit(
                "Inspect the prompt",
                (p, c) -> {
                    List<Column> cols = s.columns(all);
                    LanguageModel lm = s.model();
                    long[] ids = lm.tokenizer().encode(t);
                    List<PromptFeatures.Site> sites = new ArrayList<>();
                    for (Column col : cols) {
                        sites.add(new PromptFeatures.Site(col.dictionary(), col.hook(), col.report(), col.onDevice()));
                    }
                    c.check();
                    return new Inspected(cols, PromptFeatures.inspect(lm, ids, sites));
                },
                r -> {
                    if (id != requested) {
                        return; // a later edit is on its way
                    }
                    columns = r.columns();
                    inspection.set(r.inspection());
                    lossEffect = null;
                    logits = null;
                    if (selectedToken.get() >= r.inspection().tokens().length) {
                        selectedToken.set(-1);
                    }
                    FeatureLine h = highlight.get();
                    if (h != null && h.column() >= columns.size()) {
                        highlight.set(null);
                    }
                    rerank();
                    showToken();
                    highlightChanged();
                    lastLatencyNanos = System.nanoTime() - t0;
                    status.set(String.format(
                            Locale.ROOT,
                            "%d tokens, %d dictionar%s, in %.0f ms from the edit",
                            r.inspection().tokens().length,
                            columns.size(),
                            columns.size() == 1 ? "y" : "ies",
                            lastLatencyNanos / 1e6));
                },
                e -> {
                    if (!(e instanceof CancelledException)) {
                        status.set("failed: " + e.getMessage());
                    }
                });
    }

    private record Inspected(List<Column> columns, PromptFeatures.Inspection inspection) {}

    /** Nanoseconds from the last edit to its result on screen (the inspector's latency). */
    public long lastLatencyNanos() {
        return lastLatencyNanos;
    }

    private void rerank() {
        PromptFeatures.Inspection in = inspection.get();
        if (in == null) {
            return;
        }
        List<FeatureLine> out = new ArrayList<>();
        Rank by = rank.get();
        for (int k = 0; k < in.readings().size(); k++) {
            PromptFeatures.Reading r = in.readings().get(k);
            Column col = columns.get(k);
            PromptFeatures.Rank compute =
                    by == Rank.MAX_QUANTILE ? PromptFeatures.Rank.MAX_QUANTILE : PromptFeatures.Rank.MAX_ACTIVATION;
            for (PromptFeatures.Activation a : r.ranked(compute, by == Rank.LOSS_EFFECT ? LOSS_CANDIDATES : 30)) {
                out.add(new FeatureLine(
                        k,
                        col.name(),
                        col.hook().name(),
                        a.feature(),
                        a.value(),
                        a.quantile(),
                        a.density(),
                        Double.NaN,
                        col.tokens(a.feature())));
            }
        }
        ranked.setAll(out);
        if (by == Rank.LOSS_EFFECT) {
            rankByLossEffect(in, List.copyOf(out));
        }
    }

    /** The candidates' mean loss change over the prompt when each is ablated: a model pass per candidate. */
    private void rankByLossEffect(PromptFeatures.Inspection in, List<FeatureLine> candidates) {
        long id = requested;
        List<Column> cols = columns;
        background.submit(
                "Loss effects of the prompt's features",
                (p, c) -> {
                    LanguageModel lm = source.model();
                    List<FeatureLine> out = new ArrayList<>();
                    for (int k = 0; k < cols.size(); k++) {
                        int col = k;
                        int[] fs = candidates.stream()
                                .filter(f -> f.column() == col)
                                .mapToInt(FeatureLine::feature)
                                .toArray();
                        if (fs.length == 0) {
                            continue;
                        }
                        try (Interventions iv = interventions(lm, cols.get(k))) {
                            float[][] effects = PromptFeatures.lossEffects(iv, in.tokenIds(), fs);
                            for (int i = 0; i < fs.length; i++) {
                                c.check();
                                double mean = 0;
                                for (float e : effects[i]) {
                                    mean += e / effects[i].length;
                                }
                                FeatureLine f = candidates.stream()
                                        .filter(x -> x.column() == col)
                                        .toList()
                                        .get(i);
                                out.add(new FeatureLine(
                                        f.column(),
                                        f.dictionary(),
                                        f.hook(),
                                        f.feature(),
                                        f.activation(),
                                        f.quantile(),
                                        f.density(),
                                        mean,
                                        f.topTokens()));
                            }
                        }
                    }
                    out.sort((a, b) -> Double.compare(b.lossEffect(), a.lossEffect()));
                    return out;
                },
                out -> {
                    if (id == requested && rank.get() == Rank.LOSS_EFFECT) {
                        ranked.setAll(out);
                    }
                },
                e -> status.set("loss effects failed: " + e.getMessage()));
    }

    private void showToken() {
        PromptFeatures.Inspection in = inspection.get();
        int t = selectedToken.get();
        List<FeatureLine> out = new ArrayList<>();
        if (in != null && t >= 0 && t < in.tokens().length) {
            for (int k = 0; k < in.readings().size(); k++) {
                Column col = columns.get(k);
                for (PromptFeatures.Activation a : in.readings().get(k).at(t, 20)) {
                    out.add(new FeatureLine(
                            k,
                            col.name(),
                            col.hook().name(),
                            a.feature(),
                            a.value(),
                            a.quantile(),
                            a.density(),
                            Double.NaN,
                            col.tokens(a.feature())));
                }
            }
        }
        tokenFeatures.setAll(out);
        showLogits();
    }

    private void highlightChanged() {
        PromptFeatures.Inspection in = inspection.get();
        FeatureLine h = highlight.get();
        lossEffect = null;
        logits = null;
        showTokens();
        showLogits();
        if (in == null || h == null || h.column() >= columns.size()) {
            return;
        }
        long id = requested;
        Column col = columns.get(h.column());
        background.submit(
                "Loss effect of feature " + h.feature(),
                (p, c) -> {
                    LanguageModel lm = source.model();
                    try (Interventions iv = interventions(lm, col)) {
                        float[] effect = in.tokenIds().length > 1
                                ? PromptFeatures.lossEffect(iv, in.tokenIds(), h.feature())
                                : new float[0];
                        LogitEffects.FeatureLogits l = (col.onDevice() != null
                                        ? LogitEffects.of(lm, col.onDevice(), new int[] {h.feature()}, 8)
                                        : LogitEffects.of(lm, col.dictionary(), new int[] {h.feature()}, 8))
                                .get(0);
                        return new Object[] {effect, l};
                    }
                },
                r -> {
                    if (id == requested && h.equals(highlight.get())) {
                        lossEffect = (float[]) r[0];
                        logits = (LogitEffects.FeatureLogits) r[1];
                        showTokens();
                        showLogits();
                    }
                },
                e -> status.set("loss effect failed: " + e.getMessage()));
    }

    /** Interventions on a column's device copy when it has one. */
    private static Interventions interventions(LanguageModel lm, Column col)
            throws org.sparsescope.compute.InvalidInputException {
        return col.onDevice() != null
                ? new Interventions(lm, col.onDevice(), col.hook())
                : new Interventions(lm, col.dictionary(), col.hook());
    }

    private void showTokens() {
        PromptFeatures.Inspection in = inspection.get();
        if (in == null) {
            tokens.clear();
            return;
        }
        FeatureLine h = highlight.get();
        float[] act = h == null || h.column() >= in.readings().size()
                ? new float[in.tokens().length]
                : in.readings().get(h.column()).of(h.feature());
        List<TokenLine> out = new ArrayList<>();
        for (int t = 0; t < in.tokens().length; t++) {
            // the loss at token t is the prediction made at t − 1: the first token has none
            float effect = lossEffect != null && t >= 1 && t - 1 < lossEffect.length ? lossEffect[t - 1] : Float.NaN;
            out.add(new TokenLine(t, in.tokens()[t], act[t], effect));
        }
        tokens.setAll(out);
    }

    private void showLogits() {
        PromptFeatures.Inspection in = inspection.get();
        FeatureLine h = highlight.get();
        int t = selectedToken.get();
        if (logits == null || in == null || h == null || t < 0 || t >= in.tokens().length) {
            raised.clear();
            lowered.clear();
            return;
        }
        float a = in.readings().get(h.column()).codes()[t][h.feature()];
        raised.setAll(logits.raised().stream()
                .map(e -> new LogitLine(e.text(), a * e.logit()))
                .toList());
        lowered.setAll(logits.lowered().stream()
                .map(e -> new LogitLine(e.text(), a * e.logit()))
                .toList());
    }

    public StringProperty textProperty() {
        return text;
    }

    public BooleanProperty allHooksProperty() {
        return allHooks;
    }

    public ObjectProperty<Rank> rankProperty() {
        return rank;
    }

    public IntegerProperty selectedTokenProperty() {
        return selectedToken;
    }

    /** The feature drawn over the text (set from either list). */
    public ObjectProperty<FeatureLine> highlightProperty() {
        return highlight;
    }

    public ReadOnlyObjectProperty<PromptFeatures.Inspection> inspectionProperty() {
        return inspection.getReadOnlyProperty();
    }

    public ObservableList<TokenLine> tokens() {
        return tokens;
    }

    public ObservableList<FeatureLine> tokenFeatures() {
        return tokenFeatures;
    }

    public ObservableList<FeatureLine> ranked() {
        return ranked;
    }

    public ObservableList<LogitLine> raised() {
        return raised;
    }

    public ObservableList<LogitLine> lowered() {
        return lowered;
    }

    /** The workspace id of a line's dictionary, to open its feature. */
    public String dictionaryId(FeatureLine line) {
        return line.column() < columns.size() ? columns.get(line.column()).id() : null;
    }

    public ReadOnlyStringProperty statusProperty() {
        return status.getReadOnlyProperty();
    }
}
