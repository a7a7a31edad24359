package org.sparsescope.viewmodels;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.autointerp.AutointerpRun;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.stats.FeatureAnalysis;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.ProgressListener;
import org.sparsescope.compute.workspace.AnalysisCache;
import org.sparsescope.compute.workspace.Placement;
import org.sparsescope.compute.workspace.Workspace;
import org.sparsescope.viewmodels.ablation.AblationViewModel;
import org.sparsescope.viewmodels.circuits.GraphViewModel;
import org.sparsescope.viewmodels.comparison.McsViewModel;
import org.sparsescope.viewmodels.features.FeatureDetailViewModel;
import org.sparsescope.viewmodels.features.FeatureTableViewModel;
import org.sparsescope.viewmodels.frontier.FrontierViewModel;
import org.sparsescope.viewmodels.inspect.GenerationViewModel;
import org.sparsescope.viewmodels.inspect.InspectorViewModel;
import org.sparsescope.viewmodels.training.RunWatchViewModel;
import org.sparsescope.viewmodels.training.TrainingViewModel;
import org.sparsescope.viewmodels.workspace.DictionaryEntry;
import org.sparsescope.viewmodels.workspace.WorkspaceViewModel;

/**
 * The window's state: the workspace and every view's model, linked. Opening a dictionary (from the table, the
 * frontier or the command line) shows its own (model, hook) pair on the frontier and loads its report, computed
 * on its own pair's activation set, into the feature table; selecting a feature there or on the density plot
 * shows it in the detail, with examples from that set; the ablation panel runs that dictionary's own model at its
 * own hook. Holds the loaded models; close it on exit.
 */
public final class MainViewModel implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MainViewModel.class);
    private final Background background;
    private final WorkspaceViewModel workspace;
    private final FrontierViewModel frontier;
    private final RunWatchViewModel runWatch;
    /** How often a watched run folder is polled: a checkpoint shows about two polls after its copy ends. */
    static final long RUN_WATCH_POLL_MILLIS = 3000;

    private final FeatureTableViewModel features = new FeatureTableViewModel();
    private final FeatureDetailViewModel detail;
    private final AblationViewModel ablation;
    private final TrainingViewModel training;
    private final McsViewModel mcs;
    private final GraphViewModel graph;
    private final InspectorViewModel inspector;
    private final GenerationViewModel generation;
    private final org.sparsescope.viewmodels.features.ExportsViewModel exports;
    private final org.sparsescope.viewmodels.autointerp.AutointerpViewModel autointerp;
    private final org.sparsescope.viewmodels.autointerp.AutointerpScores scores;
    private final Map<String, InspectorViewModel.Column> inspectorColumns =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final List<org.sparsescope.compute.dictionary.DictionaryOnDevice> retiredCopies =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<String, org.sparsescope.compute.dictionary.DictionaryOnDevice> deviceCopies = new HashMap<>();

    /**
     * The one device copy of a workspace dictionary, made on first use and kept while its files are unchanged (the
     * same dictionary object); a replaced copy is retired, closed with the window, as a job may still be reading it.
     */
    private synchronized org.sparsescope.compute.dictionary.DictionaryOnDevice deviceCopy(
            String id, Dictionary d, LanguageModel model) {
        var copy = deviceCopies.get(id);
        if (copy != null && copy.dictionary() == d) {
            return copy;
        }
        if (copy != null) {
            retiredCopies.add(copy);
        }
        copy = model == null
                ? new org.sparsescope.compute.dictionary.DictionaryOnDevice(
                        d, org.sparsescope.compute.Devices.preferred())
                : org.sparsescope.compute.dictionary.DictionaryOnDevice.beside(d, model);
        deviceCopies.put(id, copy);
        return copy;
    }

    private final AnalysisCache cache;
    private final ReadOnlyObjectWrapper<DictionaryEntry> openDictionary = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<String> openSite = new ReadOnlyObjectWrapper<>();
    /** The dictionary open in the feature views; jobs capture it, so it is replaced whole, never changed. */
    private volatile OpenDictionary open;
    /** Counts open requests (UI thread): only the latest one's statistics are shown when several are under way. */
    private long openRequests;

    private final Map<Path, LanguageModel> models = new java.util.LinkedHashMap<>();
    private final javafx.beans.property.ReadOnlyStringWrapper loadedModels =
            new javafx.beans.property.ReadOnlyStringWrapper("");
    /** Activation sets opened for open dictionaries, by folder; kept (a job may still read one) and closed with the window. */
    private final Map<Path, ActivationSet> sets = new HashMap<>();

    public MainViewModel(Background background, Workspace workspaceFiles) {
        this.background = background;
        this.workspace = new WorkspaceViewModel(background, workspaceFiles);
        this.frontier = new FrontierViewModel(background, workspace);
        this.detail = new FeatureDetailViewModel(background);
        this.ablation = new AblationViewModel(background);
        this.training = new TrainingViewModel(background, workspace, frontier);
        this.runWatch = new RunWatchViewModel(background, workspace, frontier, RUN_WATCH_POLL_MILLIS);
        this.cache = workspaceFiles.cache();
        workspace.setModels(this::model); // the list's KL and CE run on the models the window keeps
        this.mcs = new McsViewModel(
                background, workspace, frontier, (e, p, c) -> report(e, p, c).topTokens());
        this.graph = new GraphViewModel(
                background,
                workspace,
                this::model,
                (e, p, c) -> {
                    Report r = report(e, p, c);
                    return new GraphViewModel.Labelled(r.report(), r.topTokens());
                },
                this::open);
        this.inspector = new InspectorViewModel(background);
        this.generation = new GenerationViewModel(background);
        this.exports = new org.sparsescope.viewmodels.features.ExportsViewModel(background);
        exports.setExplanations(d -> explanations(d.entry()));
        this.autointerp = new org.sparsescope.viewmodels.autointerp.AutointerpViewModel(background);
        this.scores = new org.sparsescope.viewmodels.autointerp.AutointerpScores(background);
        workspace.dictionaries().addListener((javafx.collections.ListChangeListener<DictionaryEntry>)
                c -> refreshScores());
        // a feature picked in the inspector shows in the detail when it is the open dictionary's
        inspector.highlightProperty().addListener((o, a, line) -> {
            DictionaryEntry e = openDictionary.get();
            if (line != null && e != null && e.id().equals(inspector.dictionaryId(line))) {
                features.selectedFeatureProperty().set(line.feature());
            }
        });
        features.selectedFeatureProperty().addListener((o, a, b) -> {
            detail.show(b.intValue(), open, workspace::fail);
            autointerp.show(b.intValue());
        });
    }

    public Background background() {
        return background;
    }

    /** The window's views, one per tab; which is shown decides what an export of "the current plot" writes. */
    public enum View {
        FRONTIER,
        FEATURES,
        MCS,
        ABLATION,
        TRAINING,
        CIRCUITS,
        PROMPT;

        /** The plot an export of the shown view writes: the features' scatter, the feature graph, else the frontier. */
        public View plotShown() {
            return this == FEATURES || this == CIRCUITS ? this : FRONTIER;
        }
    }

    private final javafx.beans.property.ObjectProperty<View> shownView =
            new javafx.beans.property.SimpleObjectProperty<>(View.FRONTIER);

    /** The view the window shows now (the window keeps it in step with its tabs). */
    public javafx.beans.property.ObjectProperty<View> shownViewProperty() {
        return shownView;
    }

    public WorkspaceViewModel workspace() {
        return workspace;
    }

    public FrontierViewModel frontier() {
        return frontier;
    }

    public FeatureTableViewModel features() {
        return features;
    }

    public FeatureDetailViewModel detail() {
        return detail;
    }

    public AblationViewModel ablation() {
        return ablation;
    }

    public McsViewModel mcs() {
        return mcs;
    }

    public InspectorViewModel inspector() {
        return inspector;
    }

    public GenerationViewModel generation() {
        return generation;
    }

    /** Puts an example's text (its tokens decoded) into the prompt inspector. */
    public void inspectExample(org.sparsescope.viewmodels.features.ExampleLine example) {
        if (example.tokenIds().length == 0) {
            workspace.fail(
                    new IllegalStateException("this example's set records no tokens, so it has no text to inspect"));
            return;
        }
        background.submit(
                "Inspect an example",
                (p, c) -> model().tokenizer().decode(example.tokenIds()),
                inspector.textProperty()::set,
                workspace::fail);
    }

    /** Continues the generation panel's prompt with the open dictionary's model, clean and steered. */
    public void runGeneration() {
        AblationViewModel.Source s = ablationSource();
        if (s != null) {
            generation.run(s, workspace::fail);
        }
    }

    public org.sparsescope.viewmodels.autointerp.AutointerpViewModel autointerp() {
        return autointerp;
    }

    /** Every dictionary's stored autointerp scores, and the baselines' per pair. */
    public org.sparsescope.viewmodels.autointerp.AutointerpScores autointerpScores() {
        return scores;
    }

    /** Reads the stored scores again (the list changed, or a run ended). */
    private void refreshScores() {
        scores.refresh(List.copyOf(workspace.dictionaries()), workspace::placement, workspace.workspace());
    }

    /**
     * Explains and scores the open dictionary's features as the autointerp form says; when it ends, the table and
     * the detail show the dictionary's results, if it is still the open one.
     */
    public void runAutointerp() {
        OpenDictionary o = open;
        autointerp.run(
                o,
                workspace.workspace().dir(),
                () -> cache.dictionaryHash(o.entry().path()),
                features.selectedFeatureProperty().get(),
                finished -> {
                    refreshScores();
                    if (finished.dictionary() == open && !finished.baseline()) {
                        features.explain(explained(finished.results()), finished.by());
                        autointerp.showStored(finished.results());
                    }
                },
                workspace::fail);
    }

    public org.sparsescope.viewmodels.features.ExportsViewModel exports() {
        return exports;
    }

    /** The open dictionary for an export; null (with the reason shown) when none is open. */
    public OpenDictionary exportSource() {
        OpenDictionary o = open;
        if (o == null) {
            workspace.fail(new IllegalStateException("open a dictionary first"));
        }
        return o;
    }

    /** The dictionary open in the feature views, or null. */
    public OpenDictionary openDictionary() {
        return open;
    }

    public GraphViewModel graph() {
        return graph;
    }

    public TrainingViewModel training() {
        return training;
    }

    /** A cluster run's folder, watched. */
    public RunWatchViewModel runWatch() {
        return runWatch;
    }

    public ReadOnlyObjectProperty<DictionaryEntry> openDictionaryProperty() {
        return openDictionary.getReadOnlyProperty();
    }

    /** Where compute runs, for the About box: device, engine and version, CPU threads. */
    public String computeDescription() {
        return org.sparsescope.compute.Devices.describe();
    }

    /** How the C heap behind the engine's CPU arrays is set up, for the About box. */
    public String heapDescription() {
        return org.sparsescope.compute.NativeHeap.describe();
    }

    /** "model @ hook" of the open dictionary, for the feature views' headers. */
    public ReadOnlyObjectProperty<String> openSiteProperty() {
        return openSite.getReadOnlyProperty();
    }

    /** Whether the open dictionary's examples leave out BOS/EOT/padding positions (the statistics never do). */
    public boolean examplesExcludeSpecialTokens() {
        return FeatureAnalysis.Options.defaults().excludeSpecialTokens();
    }

    /**
     * @param topTokens    a short name per feature: its top tokens, or on a synthetic set its best true match
     * @param namesHeading what those names are, as the feature table heads them
     */
    private record Report(Dictionary dictionary, FeatureReport report, List<String> topTokens, String namesHeading) {}

    /** A report with the dictionary's stored explanations, by feature, and who made them ("" when none). */
    private record Opened(
            Report report,
            Map<Integer, org.sparsescope.compute.autointerp.FeatureInterpreter.Interpretation> results,
            String explainedBy) {
        Opened(Report report, Optional<AutointerpRun.Stored> stored) {
            this(
                    report,
                    stored.map(AutointerpRun.Stored::byFeature).orElse(Map.of()),
                    stored.map(st -> st.explainer() + " · " + st.setting()).orElse(""));
        }

        Map<Integer, FeatureTableViewModel.Explained> explained() {
            return MainViewModel.explained(results);
        }
    }

    /** Results as the feature table shows them: explanation and balanced accuracies (NaN when not scored). */
    static Map<Integer, FeatureTableViewModel.Explained> explained(
            Map<Integer, org.sparsescope.compute.autointerp.FeatureInterpreter.Interpretation> results) {
        Map<Integer, FeatureTableViewModel.Explained> m = new java.util.HashMap<>();
        results.forEach((j, r) -> m.put(
                j,
                new FeatureTableViewModel.Explained(
                        r.explanation() == null ? "" : r.explanation(), r.detectionAccuracy(), r.fuzzingAccuracy())));
        return m;
    }

    /** The dictionary's most recent stored autointerp results (a file read; none when it was never explained). */
    private Optional<AutointerpRun.Stored> explanations(DictionaryEntry e) {
        try {
            return workspace.workspace().explanations(e.path());
        } catch (IOException ex) {
            LOG.warn(e.path() + ": its stored explanations could not be read: " + ex.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Opens a workspace dictionary in the feature views: its pair is shown on the frontier, and its report on
     * its own pair's set comes from the cache or is computed in the background.
     */
    public void open(String id) {
        open(id, -1);
    }

    /** Opens a workspace dictionary and, once its features are shown, selects {@code feature} (−1: none). */
    public void open(String id, int feature) {
        DictionaryEntry e = workspace.find(id);
        if (e == null) {
            return;
        }
        if (e.pairKey() != null) {
            frontier.showPair(e.pairKey());
        }
        Placement pl = workspace.placement(id);
        if (!hasStatistics(e, pl)) {
            workspace.fail(new IllegalStateException(
                    e.name() + " (" + e.site() + ") cannot be opened yet: " + e.statusMessage()));
            return;
        }
        long request = ++openRequests;
        background.submit(
                "Statistics of " + e.name(),
                (p, c) -> {
                    Report rep = report(e, p, c);
                    return new Opened(rep, explanations(e));
                },
                opened -> {
                    Report r = opened.report();
                    if (request != openRequests) {
                        return; // another dictionary was asked for since: it is the one to show
                    }
                    OpenDictionary o = new OpenDictionary(e, r.dictionary(), pl, r.report(), r.topTokens(), lender);
                    open = o;
                    ablation.reset(); // what the panel showed was the last dictionary's
                    openDictionary.set(e);
                    openSite.set(e.site());
                    features.load(
                            r.report(), r.topTokens(), r.namesHeading(), opened.explained(), opened.explainedBy());
                    autointerp.showStored(opened.results());
                    if (o.hook() != null) {
                        inspectorColumns.put(
                                e.id(),
                                new InspectorViewModel.Column(
                                        e.id(), e.name(), o.hook(), r.dictionary(), r.report(), r.topTokens(), null));
                    }
                    inspector.setSource(inspectorSource(e.id()));
                    if (feature >= 0 && feature < r.report().stats().features()) {
                        features.selectedFeatureProperty().set(feature);
                    }
                },
                workspace::fail);
    }

    /** The inspector reads the open dictionary and, when asked, every other measured one of its model. */
    private InspectorViewModel.Source inspectorSource(String openId) {
        return new InspectorViewModel.Source() {
            @Override
            public List<InspectorViewModel.Column> columns(boolean allHooks) throws IOException {
                List<InspectorViewModel.Column> out = new ArrayList<>();
                out.add(inspectorColumns.get(openId));
                LanguageModel lm = model();
                if (allHooks) {
                    Placement open = workspace.placement(openId);
                    List<DictionaryEntry> others = workspace.dictionaries().stream()
                            .filter(e -> !e.id().equals(openId)
                                    && e.measured()
                                    && workspace.placement(e.id()) != null
                                    && workspace.placement(e.id()).ready()
                                    && java.util.Objects.equals(
                                            workspace.placement(e.id()).at().modelHash(),
                                            open.at().modelHash()))
                            .toList();
                    for (DictionaryEntry e : others) {
                        InspectorViewModel.Column c = inspectorColumns.get(e.id());
                        if (c == null) {
                            try {
                                Report r = report(e, ProgressListener.NONE, new Cancellation());
                                c = new InspectorViewModel.Column(
                                        e.id(),
                                        e.name(),
                                        workspace.placement(e.id()).at().hook(),
                                        r.dictionary(),
                                        r.report(),
                                        r.topTokens(),
                                        null);
                                inspectorColumns.put(e.id(), c);
                            } catch (CancelledException ex) {
                                continue;
                            }
                        }
                        out.add(c);
                    }
                    out.sort(java.util.Comparator.comparing(
                            InspectorViewModel.Column::hook, org.sparsescope.compute.model.HookPoint.FORWARD));
                }
                // each dictionary's one device copy (deviceCopy keeps it), not its weights copied on every edit
                return out.stream()
                        .map(c -> new InspectorViewModel.Column(
                                c.id(),
                                c.name(),
                                c.hook(),
                                c.dictionary(),
                                c.report(),
                                c.topTokens(),
                                deviceCopy(c.id(), c.dictionary(), lm)))
                        .toList();
            }

            @Override
            public LanguageModel model() throws IOException {
                return MainViewModel.this.model();
            }
        };
    }

    /** Whether a dictionary is measured on a set of its own pair, so that its statistics can be had. */
    private static boolean hasStatistics(DictionaryEntry e, Placement pl) {
        return e.status() == DictionaryEntry.Status.MEASURED && e.activations() != null && pl != null;
    }

    /** A measured dictionary's report on its own pair's set (cached or computed) and its features' top tokens. */
    private Report report(DictionaryEntry e, ProgressListener p, Cancellation c)
            throws IOException, CancelledException {
        Placement pl = workspace.placement(e.id());
        if (!hasStatistics(e, pl)) {
            throw new IllegalStateException(
                    e.name() + " (" + e.site() + ") has no statistics yet: " + e.statusMessage());
        }
        Dictionary d = workspace.readDictionary(e.path());
        try (ActivationSet s = ActivationSet.open(e.activations())) {
            workspace.workspace().requireMatch(pl, s); // never another pair's activations
            FeatureReport r = cache.wholeSetReport(e.path(), d, s, p, c);
            java.util.Optional<org.sparsescope.compute.synthetic.SyntheticSets.SyntheticSet> synthetic =
                    org.sparsescope.compute.synthetic.SyntheticSets.of(s);
            if (synthetic.isPresent()) {
                // no tokens to name a feature by: its nearest true feature says what it is
                return new Report(
                        d,
                        r,
                        org.sparsescope.compute.stats.TruthRecovery.of(
                                        d, synthetic.get().truth(), org.sparsescope.compute.Devices.preferred())
                                .featureNames(),
                        FeatureTableViewModel.TRUE_MATCH);
            }
            return new Report(d, r, topTokens(s, r, pl.at().modelFolder(), p), FeatureTableViewModel.TOP_TOKENS);
        }
    }

    private List<String> topTokens(ActivationSet set, FeatureReport r, Path modelFolder, ProgressListener p)
            throws IOException {
        return org.sparsescope.compute.stats.TopTokens.ofAll(
                set, set.hasTokens() ? model(modelFolder, p).tokenizer() : null, r);
    }

    /** A model folder's model, loaded once and kept while the window is open. */
    public LanguageModel model(Path folder) throws IOException {
        return model(folder, ProgressListener.NONE);
    }

    /**
     * As {@link #model(Path)}, telling the job that asked how many blocks have loaded: a 2B model takes tens of
     * seconds, which the status bar shows as "loading gemma-2-2b: 12 of 26 blocks" rather than a still bar.
     */
    public synchronized LanguageModel model(Path folder, ProgressListener progress) throws IOException {
        LanguageModel lm = models.get(folder);
        if (lm == null) {
            long t0 = System.nanoTime();
            String name = folder.getFileName().toString();
            lm = LanguageModel.load(
                    folder,
                    org.sparsescope.compute.Devices.preferred(),
                    (done, total) -> progress.onProgress(org.sparsescope.compute.work.Progress.of(
                            done,
                            total,
                            (System.nanoTime() - t0) / 1e9,
                            "blocks",
                            "loading " + name + ": " + done + " of " + total + " blocks")));
            models.put(folder, lm);
            String line = loadedModelsLine();
            background.onUi(() -> loadedModels.set(line));
        }
        return lm;
    }

    /**
     * The models the window has loaded and what each computes in, in load order: "gemma-2-2b: bf16 products ·
     * pythia-70m: float32", empty before any has loaded. A perplexity or ablation figure depends on it (bf16 products
     * differ from the float32 reference by bf16 rounding), so it stays in sight.
     */
    public javafx.beans.property.ReadOnlyStringProperty loadedModelsProperty() {
        return loadedModels.getReadOnlyProperty();
    }

    private synchronized String loadedModelsLine() {
        return models.entrySet().stream()
                .map(e -> workspace.workspace().displayName(e.getKey()) + ": "
                        + e.getValue().weightPrecision().heldAs())
                .collect(java.util.stream.Collectors.joining(" · "));
    }

    /** Placements whose model was checked: a loaded model's weights cannot change, so once each is enough. */
    private final java.util.Set<Placement> checkedModels = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** What an open dictionary borrows from the window: the models, sets and device copies it owns. */
    private final OpenDictionary.Lender lender = new OpenDictionary.Lender() {
        @Override
        public LanguageModel model(Placement pl) throws IOException {
            LanguageModel lm = MainViewModel.this.model(pl.at().modelFolder());
            // marked checked only once it passed: no other job may use the model before the check ends
            if (!checkedModels.contains(pl)) {
                workspace.workspace().requireMatch(pl, lm);
                checkedModels.add(pl);
            }
            return lm;
        }

        @Override
        public ActivationSet activations(Path set) throws IOException {
            synchronized (MainViewModel.this) {
                ActivationSet s = sets.get(set);
                if (s == null) {
                    s = ActivationSet.open(set);
                    sets.put(set, s);
                }
                return s;
            }
        }

        @Override
        public org.sparsescope.compute.dictionary.DictionaryOnDevice deviceCopy(
                String id, Dictionary d, LanguageModel model) {
            return MainViewModel.this.deviceCopy(id, d, model);
        }
    };

    /** The open dictionary's own model, checked against its provenance. */
    public LanguageModel model() throws IOException {
        OpenDictionary o = open;
        if (o == null) {
            throw new IllegalStateException("open a dictionary first");
        }
        return o.model();
    }

    /** The open dictionary's own activation set (reads are safe from several threads). */
    public ActivationSet activations() throws IOException {
        OpenDictionary o = open;
        if (o == null) {
            throw new IllegalStateException("open a dictionary first");
        }
        return o.activations();
    }

    /** Runs the ablation panel on the open dictionary over the workspace's text. */
    public void runAblation() {
        AblationViewModel.Source s = ablationSource();
        if (s != null) {
            ablation.run(s, workspace::fail);
        }
    }

    /** The outlier-dimension experiment at the open dictionary's hook, on its model, over the workspace's text. */
    public void runOutliers() {
        AblationViewModel.Source s = ablationSource();
        if (s != null) {
            ablation.runOutliers(s, workspace::fail);
        }
    }

    /** The tokens where splicing the open dictionary in costs its model most. */
    public void runSpliceCosts(int tokens) {
        AblationViewModel.Source s = ablationSource();
        if (s != null) {
            ablation.runCosts(s, tokens, workspace::fail);
        }
    }

    /** The open dictionary, its own model and hook, and the texts as they are now; null (with the reason shown) when none is open. */
    private AblationViewModel.Source ablationSource() {
        OpenDictionary o = open;
        if (o == null) {
            workspace.fail(new IllegalStateException("open a dictionary first"));
            return null;
        }
        // taken now, on the UI thread: the work reads them later on its own
        List<long[]> contexts = detail.topExamples().stream()
                .map(org.sparsescope.viewmodels.features.ExampleLine::tokenIds)
                .filter(t -> t.length > 0)
                .toList();
        return o.ablationSource(
                workspace.corpusProperty().get(), inspector.textProperty().get(), contexts);
    }

    /** How long closing waits for cancelled jobs to reach their next check before it gives up freeing memory. */
    static final java.time.Duration JOBS_STOP_WAIT = java.time.Duration.ofSeconds(30);

    /**
     * Stops the background jobs, then frees the models, the dictionaries' device copies and the activation set. A
     * job that does not end in {@link #JOBS_STOP_WAIT} may still be computing with them: then nothing native is
     * freed (the process's exit frees it), since freeing it under a running matmul would crash the process.
     */
    @Override
    public void close() {
        // waited for outside this object's lock, which a job may need (model(), deviceCopy()) on its way to the end
        if (!background.stop(JOBS_STOP_WAIT)) {
            LOG.warn(
                    "background jobs still running {} s after they were cancelled; their models and dictionaries are left for the process's exit to free",
                    JOBS_STOP_WAIT.toSeconds());
            return;
        }
        freeNative();
    }

    private synchronized void freeNative() {
        inspectorColumns.clear();
        deviceCopies.values().forEach(org.sparsescope.compute.dictionary.DictionaryOnDevice::close);
        deviceCopies.clear();
        retiredCopies.forEach(org.sparsescope.compute.dictionary.DictionaryOnDevice::close);
        retiredCopies.clear();
        models.values().forEach(LanguageModel::close);
        models.clear();
        for (ActivationSet set : sets.values()) {
            try {
                set.close();
            } catch (IOException e) {
                LOG.warn(
                        "closing the activation set {}: {}",
                        set.location(),
                        e.getMessage()); // read-only: nothing is lost
            }
        }
        sets.clear();
    }
}
