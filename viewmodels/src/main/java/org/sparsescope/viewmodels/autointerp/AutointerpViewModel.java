package org.sparsescope.viewmodels.autointerp;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.sparsescope.compute.autointerp.AutointerpRun;
import org.sparsescope.compute.autointerp.ChatClient;
import org.sparsescope.compute.autointerp.FeatureInterpreter;
import org.sparsescope.compute.autointerp.OpenAiCompatibleClient;
import org.sparsescope.compute.chat.LocalChatModel;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.stats.BasisBaseline;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.viewmodels.Background;
import org.sparsescope.viewmodels.OpenDictionary;

/**
 * Autointerp in the window: the form of a run (an OpenAI-compatible server, or a model folder the app runs itself;
 * which features; how examples are sampled), the run as a background job with progress and cancel, and the open
 * dictionary's stored results — per feature its explanation, scores, and every prompt and raw answer, for the
 * detail and its viewer. The API key typed here lives in this object only: never saved, logged or shown.
 */
public final class AutointerpViewModel {
    /** Where the explainer runs. */
    public enum Backend {
        SERVER("an OpenAI-compatible server"),
        LOCAL("a model folder, run here");

        private final String label;

        Backend(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** What a run explains: the open dictionary, or a baseline at its hook, for comparison. */
    public enum Target {
        DICTIONARY("the open dictionary", null),
        NEURONS("the neuron basis at its hook (baseline)", BasisBaseline.NEURONS),
        RANDOM_DIRECTIONS("random directions at its hook (baseline)", BasisBaseline.RANDOM);

        private final String label;
        private final String kind;

        Target(String label, String kind) {
            this.label = label;
            this.kind = kind;
        }

        public String label() {
            return label;
        }
    }

    /** Which features a run explains. */
    public enum Which {
        RANDOM("features chosen at random (seeded)"),
        SELECTED("the selected feature"),
        ALL("every feature that fires");

        private final String label;

        Which(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** How the explainer's examples are drawn (delphi's names). */
    public enum Sampling {
        TOP_RANDOM("top-random", FeatureInterpreter.Sampling.TOP_RANDOM),
        TOP("top", FeatureInterpreter.Sampling.TOP),
        RANDOM("random", FeatureInterpreter.Sampling.RANDOM);

        private final String label;
        private final FeatureInterpreter.Sampling compute;

        Sampling(String label, FeatureInterpreter.Sampling compute) {
            this.label = label;
            this.compute = compute;
        }

        public String label() {
            return label;
        }

        FeatureInterpreter.Sampling compute() {
            return compute;
        }
    }

    public final ObjectProperty<Backend> backend = new SimpleObjectProperty<>(Backend.SERVER);
    public final StringProperty serverUrl = new SimpleStringProperty("http://127.0.0.1:11434/v1");
    public final StringProperty serverModel = new SimpleStringProperty("");
    /** Typed once per session; never written anywhere. Empty: the environment's SPARSESCOPE_API_KEY, if set. */
    public final StringProperty apiKey = new SimpleStringProperty("");

    public final StringProperty localModel = new SimpleStringProperty("");
    public final ObjectProperty<Target> target = new SimpleObjectProperty<>(Target.DICTIONARY);
    public final ObjectProperty<Which> which = new SimpleObjectProperty<>(Which.RANDOM);
    public final StringProperty count = new SimpleStringProperty("50");
    public final StringProperty seed = new SimpleStringProperty("0");
    public final ObjectProperty<Sampling> sampling = new SimpleObjectProperty<>(Sampling.TOP_RANDOM);
    public final StringProperty examples = new SimpleStringProperty("40");
    public final BooleanProperty logprobs = new SimpleBooleanProperty(true);

    /** One exchange, as the viewer shows it: what was asked (each message with its role), what came back. */
    public record ExchangeView(String purpose, String prompt, String answer, String failure) {}

    /** A feature's stored result for the detail: its explanation, scores in words, and its exchanges. */
    public record FeatureResult(
            int feature, String explanation, String scores, String explainer, List<ExchangeView> exchanges) {}

    private final Background background;
    /** The open dictionary's stored results, by feature (UI thread). */
    private Map<Integer, FeatureInterpreter.Interpretation> stored = Map.of();

    private final ReadOnlyStringWrapper summary = new ReadOnlyStringWrapper("");
    private final ReadOnlyObjectWrapper<FeatureResult> shown = new ReadOnlyObjectWrapper<>();
    private int shownFeature = -1;

    public AutointerpViewModel(Background background) {
        this.background = background;
    }

    /** The stored results' means in words ("detection 0.71 ± 0.08 · fuzzing … over 40 features"), or empty. */
    public ReadOnlyStringProperty summaryProperty() {
        return summary.getReadOnlyProperty();
    }

    /** The shown feature's result (null when it has none). */
    public ReadOnlyObjectProperty<FeatureResult> shownProperty() {
        return shown.getReadOnlyProperty();
    }

    /** The open dictionary's results as stored (replacing what another dictionary had). */
    public void showStored(Map<Integer, FeatureInterpreter.Interpretation> results) {
        stored = Map.copyOf(results);
        summary.set(describe(results.values()));
        show(shownFeature);
    }

    /** Shows feature {@code j}'s stored result in the detail (−1: none). */
    public void show(int j) {
        shownFeature = j;
        FeatureInterpreter.Interpretation r = stored.get(j);
        shown.set(r == null ? null : result(r));
    }

    static FeatureResult result(FeatureInterpreter.Interpretation r) {
        List<ExchangeView> ex = new ArrayList<>();
        for (FeatureInterpreter.Exchange e : r.exchanges()) {
            StringBuilder prompt = new StringBuilder();
            for (ChatClient.Message m : e.prompt()) {
                prompt.append("── ")
                        .append(m.role())
                        .append(" ──\n")
                        .append(m.content())
                        .append("\n\n");
            }
            ex.add(new ExchangeView(e.purpose(), prompt.toString().strip(), e.answer(), e.failure()));
        }
        String scores = r.explanation() == null
                ? "no explanation: "
                        + (r.exchanges().isEmpty()
                                ? "no answer"
                                : r.exchanges().get(0).failure())
                : String.format(
                        Locale.ROOT,
                        "detection %s · fuzzing %s (balanced accuracy)",
                        r.detection() == null
                                ? "–"
                                : String.format(
                                        Locale.ROOT, "%.2f", r.detection().balancedAccuracy()),
                        r.fuzzing() == null
                                ? "–"
                                : String.format(Locale.ROOT, "%.2f", r.fuzzing().balancedAccuracy()));
        return new FeatureResult(
                r.feature(), r.explanation() == null ? "" : r.explanation(), scores, r.explainer(), ex);
    }

    /** Mean ± standard deviation of each score over the explained features, in words. */
    static String describe(java.util.Collection<FeatureInterpreter.Interpretation> results) {
        if (results.isEmpty()) {
            return "";
        }
        AutointerpRun.Scores s = AutointerpRun.Scores.of("", "", results);
        return String.format(
                Locale.ROOT,
                "detection %s · fuzzing %s · %d features explained%s",
                s.words(true),
                s.words(false),
                s.explained(),
                s.features() > s.explained() ? ", " + (s.features() - s.explained()) + " without an explanation" : "");
    }

    /** The run the form describes, checked: an {@link IllegalArgumentException} names the field that is wrong. */
    record Plan(
            Backend backend,
            URI server,
            String model,
            Path localModel,
            Target target,
            Which which,
            int count,
            long seed,
            FeatureInterpreter.Options options) {}

    Plan plan(int selectedFeature) {
        Backend b = backend.get();
        URI url = null;
        String name = null;
        Path local = null;
        if (b == Backend.SERVER) {
            try {
                url = URI.create(serverUrl.get().strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("server URL is not a URL: " + serverUrl.get());
            }
            if (url.getScheme() == null || !url.getScheme().startsWith("http") || url.getHost() == null) {
                throw new IllegalArgumentException("server URL must be http(s)://host:port/v1, not " + serverUrl.get());
            }
            name = serverModel.get().strip();
            if (name.isEmpty()) {
                throw new IllegalArgumentException("give the model name the server knows (e.g. qwen2.5:7b)");
            }
        } else {
            String folder = localModel.get().strip();
            if (folder.isEmpty() || !Files.isDirectory(Path.of(folder))) {
                throw new IllegalArgumentException("local model: choose a model folder (an instruct model)");
            }
            local = Path.of(folder);
        }
        int n = positive("features", count.get());
        long s = whole("seed", seed.get());
        int ex = positive("examples", examples.get());
        if (which.get() == Which.SELECTED && target.get() != Target.DICTIONARY) {
            throw new IllegalArgumentException("a baseline's features are chosen at random or all, not selected");
        }
        if (which.get() == Which.SELECTED && selectedFeature < 0) {
            throw new IllegalArgumentException("select a feature in the table first");
        }
        var d = FeatureInterpreter.Options.defaults();
        var options = new FeatureInterpreter.Options(
                ex,
                d.perPrompt(),
                d.activating(),
                d.nonActivating(),
                sampling.get().compute(),
                s,
                logprobs.get(),
                d.tokensBefore(),
                d.tokensAfter());
        return new Plan(b, url, name, local, target.get(), which.get(), n, s, options);
    }

    /** The features a plan asks for; random and all take those that fire (a dead feature has nothing to explain). */
    static int[] features(Plan p, FeatureReport report, int selected) {
        if (p.which() == Which.SELECTED) {
            return new int[] {selected};
        }
        return p.which() == Which.ALL
                ? AutointerpRun.firing(report)
                : AutointerpRun.atRandom(report, p.count(), p.seed());
    }

    /** What a finished run hands back: the dictionary's results as now stored, by whom. */
    public record Finished(
            OpenDictionary dictionary,
            boolean baseline,
            Map<Integer, FeatureInterpreter.Interpretation> results,
            String by,
            AutointerpRun.Summary summary) {}

    /**
     * Explains and scores the chosen features of {@code open} in the background, storing each as it ends (a
     * cancelled or failed run keeps what finished); {@code onFinished} gets the results (the window reloads the
     * table's explanations when the dictionary is still the open one).
     */
    public void run(
            OpenDictionary open,
            Path workspace,
            java.util.concurrent.Callable<String> dictionaryHash,
            int selectedFeature,
            Consumer<Finished> onFinished,
            Consumer<Throwable> onFailure) {
        if (open == null) {
            onFailure.accept(new IllegalStateException("open a dictionary first"));
            return;
        }
        if (open.synthetic()) {
            onFailure.accept(new IllegalStateException(
                    open.name() + " reads a synthetic set: its features have no text to explain"));
            return;
        }
        Plan plan;
        try {
            plan = plan(selectedFeature);
        } catch (IllegalArgumentException e) {
            onFailure.accept(e);
            return;
        }
        String key = apiKey.get().isBlank()
                ? System.getenv("SPARSESCOPE_API_KEY")
                : apiKey.get().strip();
        background.submit(
                "Autointerp of " + open.name(),
                (progress, cancel) -> {
                    boolean baseline = plan.target() != Target.DICTIONARY;
                    LanguageModel model = open.model();
                    FeatureReport report = open.report();
                    org.sparsescope.compute.dictionary.DictionaryOnDevice onDevice = open.onDevice(), own = null;
                    String hash;
                    if (baseline) {
                        // the baseline at the open dictionary's own hook, on its own set, explained the same way
                        var set = open.activations();
                        var dictionary = BasisBaseline.asDictionary(
                                plan.target().kind,
                                set,
                                org.sparsescope.compute.workspace.Evaluation.heldOutRows(set.rows()),
                                BasisBaseline.SEED,
                                open.dictionary().info(),
                                cancel);
                        report = org.sparsescope.compute.stats.FeatureAnalysis.run(
                                dictionary,
                                set,
                                0,
                                set.rows(),
                                org.sparsescope.compute.stats.FeatureAnalysis.Options.defaults(),
                                progress,
                                cancel);
                        own = org.sparsescope.compute.dictionary.DictionaryOnDevice.beside(dictionary, model);
                        onDevice = own;
                        hash = AutointerpRun.baselineHash(
                                plan.target().kind,
                                open.placement().provenance().model(),
                                open.placement().provenance().hook());
                    } else {
                        hash = dictionaryHash.call(); // reads the files: off the UI thread
                    }
                    int[] features = features(plan, report, selectedFeature);
                    LanguageModel explainerModel =
                            plan.backend() == Backend.LOCAL ? LanguageModel.load(plan.localModel()) : null;
                    try {
                        ChatClient client = explainerModel != null
                                ? LocalChatModel.of(explainerModel)
                                : new OpenAiCompatibleClient(new OpenAiCompatibleClient.Settings(
                                        plan.server(),
                                        plan.model(),
                                        key,
                                        4,
                                        Duration.ofSeconds(120),
                                        3,
                                        Duration.ofSeconds(1)));
                        AutointerpRun run = new AutointerpRun(workspace, hash, client.modelName(), plan.options());
                        AutointerpRun.Summary s = run.run(
                                client,
                                open.activations(),
                                onDevice,
                                model.tokenizer(),
                                report,
                                features,
                                plan.options(),
                                explainerModel != null ? 1 : 4,
                                progress,
                                cancel);
                        return new Finished(
                                open,
                                baseline,
                                run.storedAll(),
                                client.modelName() + " · " + run.dir().getFileName(),
                                s);
                    } finally {
                        if (explainerModel != null) {
                            explainerModel.close();
                        }
                        if (own != null) {
                            own.close();
                        }
                    }
                },
                onFinished,
                onFailure);
    }

    private static int positive(String field, String text) {
        long v = whole(field, text);
        if (v < 1 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(field + " must be a whole number of at least 1, not " + text);
        }
        return (int) v;
    }

    private static long whole(String field, String text) {
        return org.sparsescope.viewmodels.Numbers.whole(field, text);
    }
}
