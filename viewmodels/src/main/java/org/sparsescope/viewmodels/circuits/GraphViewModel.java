package org.sparsescope.viewmodels.circuits;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.sparsescope.compute.circuits.FeatureGraph;
import org.sparsescope.compute.circuits.FeatureGraphJson;
import org.sparsescope.compute.circuits.FeatureGraphs;
import org.sparsescope.compute.intervene.Intervention.AblationMode;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.ProgressListener;
import org.sparsescope.compute.workspace.Placement;
import org.sparsescope.viewmodels.Background;
import org.sparsescope.viewmodels.Choices;
import org.sparsescope.viewmodels.ablation.AblationViewModel;
import org.sparsescope.viewmodels.workspace.DictionaryEntry;
import org.sparsescope.viewmodels.workspace.WorkspaceViewModel;

/**
 * A feature graph over a chain of the workspace's dictionaries at hooks of one model: which dictionaries, the
 * upstream features (typed, or the top N by a column of the first one's feature table), ablation or restoration,
 * with the error kept or inside the reconstruction; computed in the background (cached in the workspace), then
 * laid out under a threshold and a node limit that move without recomputing.
 */
public final class GraphViewModel {
    /** Where the first stage's upstream features come from. */
    public enum Upstream {
        FEATURES,
        TOP
    }

    /** A dictionary's statistics and top tokens per feature (cached, or computed in the calling job). */
    @FunctionalInterface
    public interface Reports {
        Labelled of(DictionaryEntry dictionary, ProgressListener progress, Cancellation cancel) throws Exception;
    }

    public record Labelled(FeatureReport report, List<String> topTokens) {}

    /** The models the window keeps, one per folder. */
    @FunctionalInterface
    public interface Models {
        LanguageModel model(Path folder) throws IOException;
    }

    /** Opens a feature of a workspace dictionary in the feature views. */
    @FunctionalInterface
    public interface Opener {
        void open(String dictionaryId, int feature);
    }

    private final Background background;
    private final WorkspaceViewModel workspace;
    private final Models models;
    private final Reports reports;
    private final Opener opener;
    private final ObservableList<String> chain = FXCollections.observableArrayList();
    private final StringProperty features = new SimpleStringProperty("");
    private final ObjectProperty<Upstream> upstream = new SimpleObjectProperty<>(Upstream.TOP);
    private final IntegerProperty top = new SimpleIntegerProperty(10);
    private final ObjectProperty<Choices.FeatureColumn> by = new SimpleObjectProperty<>(Choices.FeatureColumn.KURTOSIS);
    private final ObjectProperty<Choices.GraphMethod> method = new SimpleObjectProperty<>(Choices.GraphMethod.ABLATE);
    private final ObjectProperty<Choices.AblationMode> mode =
            new SimpleObjectProperty<>(Choices.AblationMode.KEEP_ERROR);
    private final IntegerProperty windows = new SimpleIntegerProperty(32);
    private final IntegerProperty window = new SimpleIntegerProperty(128);
    private final IntegerProperty follow = new SimpleIntegerProperty(0);
    private final DoubleProperty threshold = new SimpleDoubleProperty(0.01);
    private final IntegerProperty nodesPerColumn = new SimpleIntegerProperty(12);
    private final ReadOnlyObjectWrapper<FeatureGraph> graph = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<GraphLayout> layout = new ReadOnlyObjectWrapper<>(GraphLayout.empty());
    private final ReadOnlyStringWrapper status =
            new ReadOnlyStringWrapper("Tick dictionaries at two or more hooks of one model, then Compute.");
    private final ReadOnlyBooleanWrapper running = new ReadOnlyBooleanWrapper(false);
    private Map<Integer, List<String>> labels = Map.of();
    private List<String> graphIds = List.of();
    private Background.Job job;

    public GraphViewModel(
            Background background, WorkspaceViewModel workspace, Models models, Reports reports, Opener opener) {
        this.background = background;
        this.workspace = workspace;
        this.models = models;
        this.reports = reports;
        this.opener = opener;
        threshold.addListener((o, a, b) -> relayout());
        nodesPerColumn.addListener((o, a, b) -> relayout());
    }

    /** Adds or removes a dictionary from the chain, which stays in forward order of the hooks (unknown hooks last). */
    public void setInChain(String id, boolean in) {
        List<String> ids = new ArrayList<>(chain);
        ids.remove(id);
        if (in) {
            ids.add(id);
        }
        ids.sort(Comparator.comparing(this::hookOf, Comparator.nullsLast(HookPoint.FORWARD))
                .thenComparing(x -> x));
        chain.setAll(ids);
    }

    /** The hook a dictionary reads, or null when it is unknown or unreadable. */
    private HookPoint hookOf(String id) {
        DictionaryEntry e = workspace.find(id);
        return e == null ? null : e.hook();
    }

    /** Adds a feature (the one selected in the feature table, say) to the typed upstream features, once. */
    public void addFeature(int feature) {
        if (feature < 0) {
            return;
        }
        String t = features.get() == null ? "" : features.get().strip();
        for (String part : t.split("[,\\s]+")) {
            if (part.equals(Integer.toString(feature))) {
                return;
            }
        }
        features.set(t.isEmpty() ? Integer.toString(feature) : t + ", " + feature);
        upstream.set(Upstream.FEATURES);
    }

    /** Why the chain cannot be computed as it stands, or null when it can. */
    public String chainProblem() {
        if (chain.size() < 2) {
            return "tick dictionaries at two or more hooks of one model";
        }
        Placement first = null;
        HookPoint hook = null;
        for (String id : chain) {
            DictionaryEntry e = workspace.find(id);
            Placement p = workspace.placement(id);
            if (e == null || p == null || !p.ready()) {
                return (e == null ? id : e.name()) + " has no model and hook known here yet";
            }
            if (first == null) {
                first = p;
            } else if (!Objects.equals(first.at().modelHash(), p.at().modelHash())) {
                return e.name() + " reads " + p.describe() + " but "
                        + workspace.find(chain.get(0)).name() + " reads " + first.describe()
                        + ": a graph runs one model";
            }
            if (p.at().hook().sameActivations(hook)) {
                return "two dictionaries read " + hook + ": a chain has one dictionary per hook";
            }
            hook = p.at().hook();
        }
        return null;
    }

    /** Computes the graph in the background, replacing one still running. */
    public void run() {
        String problem = chainProblem();
        if (problem != null) {
            status.set("Cannot compute: " + problem + ".");
            workspace.fail(new IllegalStateException("Feature graph: " + problem));
            return;
        }
        int[] typed = null;
        if (upstream.get() == Upstream.FEATURES) {
            try {
                typed = AblationViewModel.parseFeatures(features.get());
            } catch (IllegalArgumentException e) {
                workspace.fail(e);
                return;
            }
        }
        cancel();
        List<String> ids = List.copyOf(chain);
        List<DictionaryEntry> entries = ids.stream().map(workspace::find).toList();
        List<Placement> places = ids.stream().map(workspace::placement).toList();
        Path text = workspace.corpusProperty().get();
        int[] chosen = typed;
        int n = windows.get(), w = window.get(), topN = top.get();
        FeatureReport.Column column = by.get().compute();
        FeatureGraphs.Options opts =
                new FeatureGraphs.Options(method.get().compute(), mode.get().compute(), Math.min(32, n), follow.get());
        running.set(true);
        status.set("computing the " + method.get().name().toLowerCase(Locale.ROOT) + " graph of " + ids.size()
                + " dictionaries");
        job = background.submit(
                "Feature graph",
                (p, c) -> {
                    Placement first = places.get(0);
                    LanguageModel lm = models.model(first.at().modelFolder());
                    workspace.workspace().requireMatch(first, lm);
                    int[] up = chosen != null
                            ? chosen
                            : reports.of(entries.get(0), p, c).report().ranked(column, topN);
                    long[][] ws = lm.windows(lm.tokenizer().encode(Files.readString(text)), w, n);
                    if (ws.length == 0) {
                        throw new IllegalArgumentException(text + ": fewer than " + w + " tokens; no window fits");
                    }
                    List<FeatureGraphs.Link> links = new ArrayList<>();
                    List<Path> paths = new ArrayList<>();
                    List<HookPoint> hooks = new ArrayList<>();
                    for (int i = 0; i < ids.size(); i++) {
                        DictionaryEntry e = entries.get(i);
                        links.add(new FeatureGraphs.Link(
                                workspace.readDictionary(e.path()),
                                lm.hook(places.get(i).at().hook()),
                                e.id(),
                                e.name()));
                        paths.add(e.path());
                        hooks.add(places.get(i).at().hook());
                    }
                    boolean[] computed = {false};
                    FeatureGraph g = workspace
                            .workspace()
                            .cache()
                            .graph(first.at().modelHash(), paths, hooks, up, ws, opts, () -> {
                                computed[0] = true;
                                return FeatureGraphs.compute(lm, first.at().model(), links, up, ws, opts, p, c);
                            });
                    Map<Integer, List<String>> tokens = new HashMap<>();
                    for (int i = 0; i < entries.size(); i++) {
                        if (entries.get(i).status() == DictionaryEntry.Status.MEASURED) {
                            c.check();
                            tokens.put(i, reports.of(entries.get(i), p, c).topTokens());
                        }
                    }
                    return new Computed(g, tokens, computed[0]);
                },
                r -> {
                    job = null;
                    running.set(false);
                    labels = r.labels();
                    graphIds = ids;
                    graph.set(r.graph());
                    relayout();
                    FeatureGraph g = r.graph();
                    status.set(String.format(
                            Locale.ROOT,
                            "%s, %d windows × %d tokens, %s%s",
                            describe(g),
                            g.windows(),
                            g.windowTokens(),
                            (r.fresh() ? "computed in " : "from the workspace cache (computed in ")
                                    + String.format(
                                            Locale.ROOT,
                                            "%.1f s, %.0f token-blocks/s",
                                            g.seconds(),
                                            g.tokenBlocksPerSecond())
                                    + (r.fresh() ? "" : ")"),
                            labels.size() < entries.size() ? "; top tokens only for measured dictionaries" : ""));
                },
                t -> {
                    job = null;
                    running.set(false);
                    if (t instanceof CancelledException) {
                        status.set("cancelled");
                    } else {
                        status.set("failed: " + t.getMessage());
                        workspace.fail(t);
                    }
                });
    }

    private record Computed(FeatureGraph graph, Map<Integer, List<String>> labels, boolean fresh) {}

    /** "ablate (error kept)" and so on, as the view's header says it. */
    public static String describe(FeatureGraph g) {
        String m = g.method() == FeatureGraph.Method.ABLATE ? "ablation" : "restoration";
        return m
                + (g.mode() == AblationMode.KEEP_ERROR
                        ? " with the SAE error kept (reference: clean run)"
                        : " inside the reconstruction (reference: spliced run)");
    }

    public void cancel() {
        Background.Job j = job;
        if (j != null) {
            j.cancel();
        }
    }

    private void relayout() {
        FeatureGraph g = graph.get();
        layout.set(g == null ? GraphLayout.empty() : GraphLayout.of(g, labels, threshold.get(), nodesPerColumn.get()));
    }

    /** Opens a node's feature (its own dictionary) in the feature views. */
    public void open(GraphLayout.Node node) {
        if (node != null && node.column() < graphIds.size()) {
            opener.open(graphIds.get(node.column()), node.feature());
        }
    }

    /** Writes the graph as JSON, with the edges the current threshold shows listed. */
    public void exportJson(Path file) throws IOException {
        FeatureGraph g = graph.get();
        if (g == null) {
            throw new IllegalStateException("compute a graph first");
        }
        FeatureGraphJson.write(file, g, threshold.get());
    }

    public ObservableList<String> chain() {
        return chain;
    }

    public StringProperty featuresProperty() {
        return features;
    }

    public ObjectProperty<Upstream> upstreamProperty() {
        return upstream;
    }

    public IntegerProperty topProperty() {
        return top;
    }

    public ObjectProperty<Choices.FeatureColumn> byProperty() {
        return by;
    }

    public ObjectProperty<Choices.GraphMethod> methodProperty() {
        return method;
    }

    public ObjectProperty<Choices.AblationMode> modeProperty() {
        return mode;
    }

    public IntegerProperty windowsProperty() {
        return windows;
    }

    public IntegerProperty followProperty() {
        return follow;
    }

    /** Edges below this fraction of the largest edge into their node are hidden (the seed pruned at 1%). */
    public DoubleProperty thresholdProperty() {
        return threshold;
    }

    public IntegerProperty nodesPerColumnProperty() {
        return nodesPerColumn;
    }

    public ReadOnlyObjectProperty<FeatureGraph> graphProperty() {
        return graph.getReadOnlyProperty();
    }

    /** Whether a graph has been computed (or read from the cache) and is shown. */
    public javafx.beans.binding.BooleanBinding hasGraph() {
        return graph.isNotNull();
    }

    /** The shown graph's heading: model, method, windows and the threshold; empty when none is shown. */
    public String title() {
        FeatureGraph g = graph.get();
        return g == null
                ? ""
                : g.model() + " · " + describe(g)
                        + String.format(
                                Locale.ROOT,
                                " · %d windows × %d tokens · edges ≥ %.2g%% of the largest into their node",
                                g.windows(),
                                g.windowTokens(),
                                100 * threshold.get());
    }

    public ReadOnlyObjectProperty<GraphLayout> layoutProperty() {
        return layout.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty statusProperty() {
        return status.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty runningProperty() {
        return running.getReadOnlyProperty();
    }
}
