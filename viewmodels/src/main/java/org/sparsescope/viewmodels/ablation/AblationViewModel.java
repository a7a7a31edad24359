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
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
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
import org.sparsescope.compute.intervene.OutlierDimensions;
import org.sparsescope.compute.intervene.TokenChange;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.viewmodels.Background;
import org.sparsescope.viewmodels.Choices;

/**
 * Remove features (or steer along them) on the live model over windows of a text, and report clean, spliced and
 * intervened perplexity with the change, and each token of the first windows tinted by its loss change.
 */
public final class AblationViewModel {
    private final Background background;
    private final StringProperty features = new SimpleStringProperty("");
    private final ObjectProperty<Choices.AblationMode> mode =
            new SimpleObjectProperty<>(Choices.AblationMode.KEEP_ERROR);
    private final BooleanProperty steering = new SimpleBooleanProperty(false);
    private final DoubleProperty steeringAlpha = new SimpleDoubleProperty(5.0);
    private final IntegerProperty window = new SimpleIntegerProperty(128);
    private final IntegerProperty windows = new SimpleIntegerProperty(16);
    private final ReadOnlyDoubleWrapper cleanPerplexity = new ReadOnlyDoubleWrapper(Double.NaN);
    private final ReadOnlyDoubleWrapper splicedPerplexity = new ReadOnlyDoubleWrapper(Double.NaN);
    private final ReadOnlyDoubleWrapper perplexity = new ReadOnlyDoubleWrapper(Double.NaN);
    private final ReadOnlyDoubleWrapper deltaPerplexity = new ReadOnlyDoubleWrapper(Double.NaN);
    private final ReadOnlyDoubleWrapper cleanCe = new ReadOnlyDoubleWrapper(Double.NaN);
    private final ReadOnlyDoubleWrapper splicedCe = new ReadOnlyDoubleWrapper(Double.NaN);
    private final ReadOnlyDoubleWrapper ce = new ReadOnlyDoubleWrapper(Double.NaN);
    private final ReadOnlyDoubleWrapper deltaCe = new ReadOnlyDoubleWrapper(Double.NaN);
    private final ReadOnlyBooleanWrapper againstSpliced = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyBooleanWrapper running = new ReadOnlyBooleanWrapper(false);
    private final ObservableList<TokenDelta> tokens = FXCollections.observableArrayList();
    private final ObjectProperty<TextSource> textSource = new SimpleObjectProperty<>(TextSource.CORPUS);
    private final IntegerProperty page = new SimpleIntegerProperty(0);
    private final ReadOnlyIntegerWrapper pages = new ReadOnlyIntegerWrapper(0);
    private final ReadOnlyDoubleWrapper ceLossRecovered = new ReadOnlyDoubleWrapper(Double.NaN);
    private final ObservableList<ChangedToken> largestChanges = FXCollections.observableArrayList();
    private List<List<TokenDelta>> windowDeltas = List.of();
    private final ObservableList<OutlierRow> outliers = FXCollections.observableArrayList();
    private final ObservableList<CostlyTokenRow> costlyTokens = FXCollections.observableArrayList();
    private final ObjectProperty<Choices.OutlierFill> outlierFill =
            new SimpleObjectProperty<>(Choices.OutlierFill.ZERO);
    private final IntegerProperty outlierCount = new SimpleIntegerProperty(10);
    private final ReadOnlyStringWrapper outlierSummary = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper costSummary = new ReadOnlyStringWrapper("");
    /** Counts {@link #reset}s: a run started before the last one shows nothing when it ends (UI thread only). */
    private long generation;
    /** The running job's own flag, taken when the work starts (a same-thread runner returns the job only after it ends). */
    private volatile org.sparsescope.compute.work.Cancellation cancellation;

    public AblationViewModel(Background background) {
        this.background = background;
        page.addListener((o, a, b) -> showPage());
    }

    /** Inputs from the main view-model: the model, the open dictionary and the texts it can run on. */
    public interface Source {
        LanguageModel model() throws java.io.IOException;

        /** The hook the dictionary reads and writes: its own. */
        HookPoint hook();

        Dictionary dictionary();

        /** The workspace's corpus. */
        Path text();

        /** The prompt inspector's text (empty when none). */
        default String prompt() {
            return "";
        }

        /** The token ids of the selected feature's top examples (none when no feature is shown). */
        default List<long[]> topContexts() {
            return List.of();
        }

        /** The open dictionary's one long-lived copy on the model's device, or null (then each run copies its own). */
        default org.sparsescope.compute.dictionary.DictionaryOnDevice onDevice() throws java.io.IOException {
            return null;
        }

        /** Interventions on the model at the dictionary's hook, through its device copy when there is one. */
        default Interventions interventions(LanguageModel lm) throws java.io.IOException {
            org.sparsescope.compute.dictionary.DictionaryOnDevice copy = onDevice();
            return copy != null ? new Interventions(lm, copy, hook()) : new Interventions(lm, dictionary(), hook());
        }
    }

    /** What the panel runs on. */
    public enum TextSource {
        CORPUS,
        PROMPT,
        TOP_CONTEXTS
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

    /**
     * Runs the intervention in the background on the chosen text: the corpus's windows, the inspector's prompt (one
     * window), or the shown feature's top contexts (one window each); every window can then be read, a page each.
     */
    public void run(Source source, java.util.function.Consumer<Throwable> onError) {
        int[] f;
        try {
            f = parseFeatures(features.get());
        } catch (IllegalArgumentException e) {
            onError.accept(e);
            return;
        }
        double[] alphas = new double[f.length];
        java.util.Arrays.fill(alphas, steeringAlpha.get());
        // every feature named is steered, by the same α
        Intervention intervention = steering.get()
                ? new Intervention.Steer(f, alphas, Intervention.SteerUnits.ABSOLUTE)
                : new Intervention.Ablate(f, mode.get().compute());
        TextSource from = textSource.get();
        long asked = generation;
        running.set(true);
        background.submit(
                capitalised(intervention.describe()),
                (p, c) -> {
                    cancellation = c;
                    LanguageModel lm = source.model();
                    List<long[][]> groups = windowGroups(lm, source, from);
                    try (Interventions iv = source.interventions(lm)) {
                        List<long[]> all = new ArrayList<>();
                        List<float[]> clean = new ArrayList<>(),
                                spliced = new ArrayList<>(),
                                zero = new ArrayList<>(),
                                after = new ArrayList<>();
                        // windows of one length run together; contexts of several lengths run as groups
                        for (long[][] g : groups) {
                            c.check();
                            all.addAll(Arrays.asList(g));
                            clean.addAll(Arrays.asList(iv.tokenLosses(g, new Intervention.Clean())));
                            spliced.addAll(Arrays.asList(iv.tokenLosses(g, new Intervention.Splice())));
                            zero.addAll(Arrays.asList(iv.tokenLosses(g, new Intervention.ZeroAblation())));
                            after.addAll(Arrays.asList(iv.tokenLosses(g, intervention)));
                        }
                        long[][] ws = all.toArray(new long[0][]);
                        // inside the reconstruction the feature's own effect is against the spliced run, not the clean
                        // one
                        List<float[]> base = intervention.measuredAgainstSplice() ? spliced : clean;
                        float[][] delta =
                                Interventions.difference(after.toArray(new float[0][]), base.toArray(new float[0][]));
                        List<List<TokenDelta>> perWindow = new ArrayList<>();
                        for (int i = 0; i < ws.length; i++) {
                            List<TokenDelta> d = new ArrayList<>();
                            d.add(new TokenDelta(lm.tokenizer().tokenText(ws[i][0]), 0f));
                            for (int t = 1; t < ws[i].length; t++) {
                                d.add(new TokenDelta(lm.tokenizer().tokenText(ws[i][t]), delta[i][t - 1]));
                            }
                            perWindow.add(d);
                        }
                        double cleanCe = mean(clean), splicedCe = mean(spliced), zeroCe = mean(zero), ce = mean(after);
                        return new Ran(
                                intervention,
                                cleanCe,
                                splicedCe,
                                zeroCe,
                                ce,
                                perWindow,
                                TokenChange.largest(lm.tokenizer(), ws, delta, 15, false));
                    }
                },
                r -> {
                    if (asked != generation) {
                        return; // asked of a dictionary no longer open
                    }
                    cleanPerplexity.set(Math.exp(r.cleanCe()));
                    splicedPerplexity.set(Math.exp(r.splicedCe()));
                    perplexity.set(Math.exp(r.ce()));
                    deltaPerplexity.set(Math.exp(r.ce()) - Math.exp(r.baselineCe()));
                    cleanCe.set(r.cleanCe());
                    splicedCe.set(r.splicedCe());
                    ce.set(r.ce());
                    deltaCe.set(r.ce() - r.baselineCe());
                    againstSpliced.set(r.againstSpliced());
                    ceLossRecovered.set((r.zeroCe() - r.splicedCe()) / (r.zeroCe() - r.cleanCe()));
                    windowDeltas = r.windows();
                    pages.set(windowDeltas.size());
                    largestChanges.setAll(
                            r.largest().stream().map(ChangedToken::of).toList());
                    if (page.get() == 0) {
                        showPage();
                    } else {
                        page.set(0);
                    }
                    running.set(false);
                },
                t -> {
                    if (asked == generation) {
                        running.set(false);
                        onError.accept(t);
                    }
                });
    }

    private record Ran(
            Intervention intervention,
            double cleanCe,
            double splicedCe,
            double zeroCe,
            double ce,
            List<List<TokenDelta>> windows,
            List<TokenChange> largest) {
        boolean againstSpliced() {
            return intervention.measuredAgainstSplice();
        }

        double baselineCe() {
            return againstSpliced() ? splicedCe : cleanCe;
        }
    }

    private static String capitalised(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** The mean over every target of windows' per-token losses (windows of several lengths weigh by their targets). */
    private static double mean(List<float[]> losses) {
        double s = 0;
        long n = 0;
        for (float[] w : losses) {
            for (float v : w) {
                s += v;
                n++;
            }
        }
        return s / n;
    }

    /** The chosen text as groups of windows of one length. */
    private List<long[][]> windowGroups(LanguageModel lm, Source source, TextSource from) throws java.io.IOException {
        switch (from) {
            case PROMPT -> {
                long[] ids = lm.tokenizer().encode(source.prompt() == null ? "" : source.prompt());
                if (ids.length < 2) {
                    throw new IllegalArgumentException(
                            "the inspector's prompt needs two tokens or more: type one in the Prompt tab");
                }
                return List.<long[][]>of(new long[][] {ids});
            }
            case TOP_CONTEXTS -> {
                java.util.Map<Integer, List<long[]>> byLength = new java.util.TreeMap<>();
                for (long[] c : source.topContexts()) {
                    if (c.length >= 2) {
                        byLength.computeIfAbsent(c.length, k -> new ArrayList<>())
                                .add(c);
                    }
                }
                if (byLength.isEmpty()) {
                    throw new IllegalArgumentException(
                            "select a feature whose examples have tokens: its top contexts are the text");
                }
                List<long[][]> out = new ArrayList<>();
                byLength.values().forEach(l -> out.add(l.toArray(new long[0][])));
                return out;
            }
            default -> {
                return List.<long[][]>of(windowsOf(lm, source.text()));
            }
        }
    }

    private void showPage() {
        int p = page.get();
        tokens.setAll(p >= 0 && p < windowDeltas.size() ? windowDeltas.get(p) : List.of());
    }

    /** Cuts the source's text into this panel's windows. */
    private long[][] windowsOf(LanguageModel lm, Path text) throws java.io.IOException {
        long[][] ws =
                lm.windows(lm.tokenizer().encode(java.nio.file.Files.readString(text)), window.get(), windows.get());
        if (ws.length == 0) {
            throw new IllegalArgumentException(text + ": fewer than " + window.get() + " tokens");
        }
        return ws;
    }

    /**
     * The seed's outlier-dimension experiment at the dictionary's hook, over this panel's windows: the top dimensions
     * by mean |x|, each ablated alone and cumulatively (to zero or to its mean).
     */
    public void runOutliers(Source source, java.util.function.Consumer<Throwable> onError) {
        int top = outlierCount.get();
        OutlierDimensions.Fill fill = outlierFill.get().compute();
        long asked = generation;
        running.set(true);
        background.submit(
                "Outlier dimensions",
                (p, c) -> {
                    cancellation = c;
                    LanguageModel lm = source.model();
                    return OutlierDimensions.run(
                            lm, lm.hook(source.hook()), windowsOf(lm, source.text()), top, fill, p, c);
                },
                r -> {
                    if (asked != generation) {
                        return;
                    }
                    List<OutlierRow> rows = new ArrayList<>();
                    for (int i = 0; i < r.top().size(); i++) {
                        OutlierDimensions.Dimension d = r.top().get(i);
                        rows.add(new OutlierRow(
                                i + 1,
                                d.index(),
                                d.meanAbs(),
                                d.mean(),
                                r.alone().get(i).deltaCe(),
                                r.cumulative().get(i).deltaCe()));
                    }
                    outliers.setAll(rows);
                    outlierSummary.set(String.format(
                            java.util.Locale.ROOT,
                            "%s, %d windows × %d tokens: clean CE %.4f; ablated dimensions set to %s",
                            r.hook(),
                            r.windows(),
                            r.windowTokens(),
                            r.cleanCe(),
                            fill == OutlierDimensions.Fill.ZERO ? "zero" : "their mean"));
                    running.set(false);
                },
                t -> {
                    if (asked == generation) {
                        running.set(false);
                        onError.accept(t);
                    }
                });
    }

    /** The tokens whose loss splicing the open dictionary in raises most, with the features active there. */
    public void runCosts(Source source, int topTokens, java.util.function.Consumer<Throwable> onError) {
        long asked = generation;
        running.set(true);
        background.submit(
                "Where the dictionary costs",
                (p, c) -> {
                    cancellation = c;
                    LanguageModel lm = source.model();
                    try (Interventions iv = source.interventions(lm)) {
                        return iv.spliceCosts(windowsOf(lm, source.text()), topTokens, 5, 6);
                    }
                },
                r -> {
                    if (asked != generation) {
                        return;
                    }
                    List<CostlyTokenRow> rows = new ArrayList<>();
                    for (Interventions.CostlyToken t : r.tokens()) {
                        StringBuilder f = new StringBuilder();
                        for (int i = 0; i < t.features().length; i++) {
                            f.append(i == 0 ? "" : ", ")
                                    .append(t.features()[i])
                                    .append(String.format(java.util.Locale.ROOT, " (%.2f)", t.activations()[i]));
                        }
                        rows.add(new CostlyTokenRow(
                                t.change().window(),
                                t.change().position(),
                                t.cleanLoss(),
                                t.splicedLoss(),
                                t.change().context(),
                                f.toString()));
                    }
                    costlyTokens.setAll(rows);
                    StringBuilder w = new StringBuilder(String.format(
                            java.util.Locale.ROOT,
                            "CE clean %.4f, spliced %.4f; windows that rise most:",
                            r.cleanCe(),
                            r.splicedCe()));
                    for (Interventions.CostlyWindow cw : r.windows()) {
                        w.append(String.format(java.util.Locale.ROOT, "  #%d %+.3f", cw.window(), cw.delta()));
                    }
                    costSummary.set(w.toString());
                    running.set(false);
                },
                t -> {
                    if (asked == generation) {
                        running.set(false);
                        onError.accept(t);
                    }
                });
    }

    /**
     * Another dictionary was opened: what was shown belonged to the last one, so it is cleared, a run still going is
     * cancelled, and whatever such a run returns is not shown.
     */
    public void reset() {
        generation++;
        cancel();
        running.set(false);
        for (ReadOnlyDoubleWrapper w : List.of(
                cleanPerplexity,
                splicedPerplexity,
                perplexity,
                deltaPerplexity,
                cleanCe,
                splicedCe,
                ce,
                deltaCe,
                ceLossRecovered)) {
            w.set(Double.NaN);
        }
        againstSpliced.set(false);
        windowDeltas = List.of();
        pages.set(0);
        page.set(0);
        tokens.clear();
        largestChanges.clear();
        outliers.clear();
        costlyTokens.clear();
        outlierSummary.set("");
        costSummary.set("");
    }

    public ObservableList<OutlierRow> outliers() {
        return outliers;
    }

    public ObservableList<CostlyTokenRow> costlyTokens() {
        return costlyTokens;
    }

    public ObjectProperty<Choices.OutlierFill> outlierFillProperty() {
        return outlierFill;
    }

    public IntegerProperty outlierCountProperty() {
        return outlierCount;
    }

    public ReadOnlyStringProperty outlierSummaryProperty() {
        return outlierSummary.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty costSummaryProperty() {
        return costSummary.getReadOnlyProperty();
    }

    public void cancel() {
        var c = cancellation;
        if (c != null) {
            c.cancel();
        }
    }

    public ObjectProperty<TextSource> textSourceProperty() {
        return textSource;
    }

    /** The window shown (0-based); {@link #pagesProperty} says how many there are. */
    public IntegerProperty pageProperty() {
        return page;
    }

    public ReadOnlyIntegerProperty pagesProperty() {
        return pages.getReadOnlyProperty();
    }

    /** (zero-ablation CE − spliced CE) / (zero-ablation CE − clean CE) over the same windows. */
    public ReadOnlyDoubleProperty ceLossRecoveredProperty() {
        return ceLossRecovered.getReadOnlyProperty();
    }

    /** The tokens whose loss the intervention changed most, over every window, as the CLI lists them. */
    public ObservableList<ChangedToken> largestChanges() {
        return largestChanges;
    }

    public StringProperty featuresProperty() {
        return features;
    }

    public ObjectProperty<Choices.AblationMode> modeProperty() {
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

    /** Mean cross-entropy of the clean run, in nats per token. */
    public ReadOnlyDoubleProperty cleanCeProperty() {
        return cleanCe.getReadOnlyProperty();
    }

    /** Mean cross-entropy with the open dictionary's reconstruction spliced in, in nats per token. */
    public ReadOnlyDoubleProperty splicedCeProperty() {
        return splicedCe.getReadOnlyProperty();
    }

    /** Mean cross-entropy under the intervention, in nats per token. */
    public ReadOnlyDoubleProperty ceProperty() {
        return ce.getReadOnlyProperty();
    }

    /**
     * The intervention's own change of the mean cross-entropy in nats: against the spliced run for an ablation inside
     * the reconstruction ({@link #againstSplicedProperty}), against the clean run otherwise; the tokens are tinted
     * by the same difference.
     */
    public ReadOnlyDoubleProperty deltaCeProperty() {
        return deltaCe.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty againstSplicedProperty() {
        return againstSpliced.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty runningProperty() {
        return running.getReadOnlyProperty();
    }

    public ObservableList<TokenDelta> tokens() {
        return tokens;
    }
}
