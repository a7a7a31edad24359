package org.sparsescope.viewmodels.workspace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.activations.Corpus;
import org.sparsescope.compute.activations.HarvestOptions;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.dictionary.LoadedDictionaries;
import org.sparsescope.compute.dictionary.format.Sidecar;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.model.ModelLocator;
import org.sparsescope.compute.model.TransformerConfig;
import org.sparsescope.compute.workspace.Evaluation;
import org.sparsescope.compute.workspace.ModelHook;
import org.sparsescope.compute.workspace.Placement;
import org.sparsescope.compute.workspace.Workspace;
import org.sparsescope.compute.workspace.WorkspaceFile;
import org.sparsescope.viewmodels.Background;

/**
 * The researcher's workspace as the window shows it: every dictionary opened, each placed at its own (model,
 * hook) and measured (FVU, L0) on the held-out rows of that pair's activation set, which is found in the
 * workspace or harvested in the background the first time; the pairs the frontier can show; and the questions
 * for the user (model and hook of a dictionary whose files do not say, or the folder of a model not found).
 */
public final class WorkspaceViewModel {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WorkspaceViewModel.class);

    /** Rows at the end of an activation set on which dictionaries are placed on the frontier. */
    /** Tokens harvested for a pair that has no activation set yet. */
    public static final long DEFAULT_HARVEST_TOKENS = Workspace.DEFAULT_HARVEST_TOKENS;

    private final Background background;
    private final Workspace workspace;
    private final ReadOnlyObjectWrapper<Path> workspaceDir = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<Path> corpus = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<Path> activations = new ReadOnlyObjectWrapper<>();
    private final ProvenanceQuestions questions = new ProvenanceQuestions();
    private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper();
    private final ReadOnlyStringWrapper errorTitle = new ReadOnlyStringWrapper("Sparsescope could not do that");
    private final ObservableList<DictionaryEntry> dictionaries = FXCollections.observableArrayList();
    private final ObservableList<HookPair> pairs = FXCollections.observableArrayList();
    private final Map<String, Placement> placements = new LinkedHashMap<>();
    private final RecentFiles recent;
    private final LoadedDictionaries loaded = new LoadedDictionaries();
    private long harvestTokens = DEFAULT_HARVEST_TOKENS;
    private Path fallbackCorpus;

    public WorkspaceViewModel(Background background, Workspace workspace) {
        this.background = background;
        this.workspace = workspace;
        this.workspaceDir.set(workspace.dir());
        this.recent = new RecentFiles(workspace.dir().resolve("recent.json"));
        this.corpus.set(workspace.corpus());
        dictionaries.addListener((ListChangeListener<DictionaryEntry>) c -> rebuildPairs());
        activations.addListener((o, was, set) -> readSite(set));
    }

    /** The compute-side workspace: placement, catalogue, cache. */
    public Workspace workspace() {
        return workspace;
    }

    /** Reopens every dictionary the workspace file lists, each at its own model and hook. */
    public void reopen() {
        for (WorkspaceFile.DictionaryRecord d : workspace.dictionaries()) {
            openDictionary(Path.of(d.path()), false);
        }
    }

    /** Tokens harvested for a pair's first activation set. */
    public void setHarvestTokens(long tokens) {
        this.harvestTokens = tokens;
    }

    /** The corpus used when the workspace names none (the demo's). */
    public void setFallbackCorpus(Path text) {
        this.fallbackCorpus = text;
        if (corpus.get() == null) {
            corpus.set(text);
        }
    }

    // Properties

    public ReadOnlyObjectProperty<Path> workspaceDirProperty() {
        return workspaceDir.getReadOnlyProperty();
    }

    /** The text harvests read and ablations run on. */
    public ReadOnlyObjectProperty<Path> corpusProperty() {
        return corpus.getReadOnlyProperty();
    }

    /** The activation set of the pair the frontier shows (training sweeps run on it). */
    public ReadOnlyObjectProperty<Path> activationsProperty() {
        return activations.getReadOnlyProperty();
    }

    /** A question for the user, or null; the view shows it as a dialog and calls {@link #answer}. */
    public ReadOnlyObjectProperty<ProvenanceRequest> provenanceRequestProperty() {
        return questions.current();
    }

    /** The last error, as a message naming the file and the problem; the view shows it in a dialog. */
    public ReadOnlyStringProperty errorProperty() {
        return error.getReadOnlyProperty();
    }

    /** What kind of failure the last error is, in words, for the dialog's header. */
    public ReadOnlyStringProperty errorTitleProperty() {
        return errorTitle.getReadOnlyProperty();
    }

    public ObservableList<DictionaryEntry> dictionaries() {
        return dictionaries;
    }

    /** The (model, hook) pairs of the dictionaries, each with its count. */
    public ObservableList<HookPair> pairs() {
        return pairs;
    }

    public ObservableList<Path> recentFiles() {
        return recent.files();
    }

    public Background background() {
        return background;
    }

    /** Hook names of a model folder, for the dialog's choice; empty when it cannot be read. */
    public List<String> hookNames(Path modelFolder) {
        try {
            return LanguageModel.hookPoints(TransformerConfig.read(modelFolder)).stream()
                    .map(h -> h.name())
                    .toList();
        } catch (IOException e) {
            LOG.warn("the hooks of {} cannot be listed: {}", modelFolder, e.getMessage());
            return List.of();
        }
    }

    // Commands

    /**
     * Opens the embedded demo: its corpus becomes the fallback, its model's names are learned, and its
     * dictionaries are opened (the set for their hook is harvested in the background the first time).
     */
    public void openDemo(Path demoDir) {
        setFallbackCorpus(demoDir.resolve("corpus/test.txt"));
        try {
            workspace.learnModelNames(demoDir.resolve("model-names.json"));
        } catch (IOException e) {
            fail(e);
        }
        List<Path> dicts;
        try (var s = Files.list(demoDir.resolve("dictionaries"))) {
            dicts = s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            error.set(demoDir.resolve("dictionaries") + ": " + e.getMessage());
            return;
        }
        for (Path d : dicts) {
            openDictionary(d, false);
        }
    }

    /** Opens a dictionary folder or file (any readable layout) and places it on its own pair's frontier. */
    public void openDictionary(Path path) {
        openDictionary(path, true);
    }

    private record Opened(Dictionary dictionary, Placement placement) {}

    private final java.util.Set<String> opening = new java.util.HashSet<>();

    private void openDictionary(Path path, boolean remember) {
        String id = path.toString();
        if (!remember
                && (opening.contains(id)
                        || (find(id) != null
                                && find(id).status() != DictionaryEntry.Status.NEEDS_PROVENANCE
                                && find(id).status() != DictionaryEntry.Status.MODEL_MISSING))) {
            return; // already listed (the demo and the workspace file name the same dictionaries)
        }
        opening.add(id);
        background.submit(
                "Open " + path.getFileName(),
                (p, c) -> {
                    Dictionary d = loaded.read(path);
                    return new Opened(d, workspace.place(path, d));
                },
                o -> {
                    opening.remove(id);
                    workspace.addDictionary(path);
                    if (remember) {
                        recent.add(path);
                    }
                    placed(path, o.dictionary(), o.placement());
                },
                t -> {
                    opening.remove(id);
                    fail(t);
                });
    }

    private static DictionaryEntry.Form formOf(Path path, Dictionary d) {
        return new DictionaryEntry.Form(
                Sidecar.architectureOf(path, d.architecture()),
                d.dIn(),
                d.dSae(),
                d.info().source());
    }

    /** Lists a placed dictionary and takes it on: asks what is unknown, or finds its set and measures it. */
    private void placed(Path path, Dictionary d, Placement pl) {
        String id = path.toString();
        placements.put(id, pl);
        String model = pl.at() != null
                ? pl.at().model()
                : pl.provenance().model() == null ? "unknown" : pl.provenance().model();
        HookPoint hook = pl.at() != null ? pl.at().hook() : pl.provenance().hook();
        DictionaryEntry.Status status = pl.ready()
                ? DictionaryEntry.Status.PREPARING
                : pl.at() == null ? DictionaryEntry.Status.NEEDS_PROVENANCE : DictionaryEntry.Status.MODEL_MISSING;
        String message = switch (status) {
            case NEEDS_PROVENANCE ->
                pl.provenance().model() != null && pl.provenance().hookName() != null
                        ? "its hook '" + pl.provenance().hookName() + "' is no place Sparsescope reads in "
                                + pl.provenance().model() + ": state it once"
                        : "its files name no " + (pl.provenance().model() == null ? "model" : "hook")
                                + ": state it once";
            case MODEL_MISSING -> pl.missingModel().getMessage();
            default -> "finding its activations";
        };
        DictionaryEntry e = new DictionaryEntry(
                id,
                DictionaryFiles.displayName(path),
                path,
                formOf(path, d),
                new DictionaryEntry.Where(
                        model,
                        hook,
                        pl.at() != null ? pl.at().key() : null,
                        pl.ready() ? pl.at().modelFolder() : null),
                status,
                message,
                DictionaryEntry.Measurement.NONE);
        put(e);
        switch (status) {
            case PREPARING -> measure(id);
            case NEEDS_PROVENANCE ->
                ask(new ProvenanceRequest(
                        ProvenanceRequest.Kind.DICTIONARY,
                        id,
                        e.name(),
                        null,
                        pl.provenance().hookName(),
                        List.copyOf(workspace.models().keySet()),
                        e.name() + " (read as " + d.info().source() + ") does not say which model and hook it reads. "
                                + "Choose them once; the workspace remembers."));
            case MODEL_MISSING ->
                ask(new ProvenanceRequest(
                        ProvenanceRequest.Kind.DICTIONARY,
                        id,
                        e.name(),
                        pl.provenance().model(),
                        hook == null ? null : hook.name(),
                        List.copyOf(workspace.models().keySet()),
                        e.name() + " needs the model '" + pl.provenance().model()
                                + "', which is not in this workspace or the Hugging Face cache. Where is its folder?"));
            default -> {}
        }
    }

    private void ask(ProvenanceRequest r) {
        questions.ask(r);
    }

    /**
     * The user's answer to a {@link ProvenanceRequest}: the model (a folder, or a name the workspace knows) and
     * the hook. Remembered by the workspace; the dictionary (or set) is then placed and measured.
     */
    public void answer(ProvenanceRequest r, String model, String hook) {
        questions.settle(r);
        try {
            answered(r, model, hook);
        } finally {
            questions.next();
        }
    }

    private void answered(ProvenanceRequest r, String model, String hookTyped) {
        if (r == null || model == null || model.isBlank()) {
            return;
        }
        try {
            HookPoint hook = hookTyped == null || hookTyped.isBlank() ? null : hookIn(model, hookTyped.strip());
            if (r.kind() == ProvenanceRequest.Kind.ACTIVATIONS) {
                if (hook == null) {
                    throw new IllegalArgumentException("choose the hook the set was read at");
                }
                workspace.confirmSet(Path.of(r.target()), model, hook);
                useActivations(Path.of(r.target()));
                return;
            }
            DictionaryEntry e = find(r.target());
            if (e == null) {
                return;
            }
            if (r.wantedModel() != null) {
                workspace.rememberModel(r.wantedModel(), Path.of(model));
            } else {
                if (hook == null) {
                    throw new IllegalArgumentException("choose the hook " + e.name() + " reads");
                }
                workspace.stateProvenance(e.path(), model, hook);
            }
            openDictionary(e.path(), false);
        } catch (RuntimeException | IOException ex) {
            fail(ex);
        }
    }

    /**
     * A hook the user typed, read in the named model's family when its folder is known here (a module path such as
     * {@code model.layers.3.post_attention_layernorm.output} means different places in Gemma and Llama).
     */
    private HookPoint hookIn(String model, String typed) throws IOException {
        Path folder = workspace.models().get(model);
        if (folder == null && ModelLocator.isModelFolder(Path.of(model))) {
            folder = Path.of(model);
        }
        if (folder == null) {
            return HookPoint.parse(typed);
        }
        return LanguageModel.hook(folder, typed);
    }

    /** The user declined to answer: the row stays, saying what it waits for. */
    public void dismiss(ProvenanceRequest r) {
        questions.settle(r);
        questions.next();
    }

    /**
     * A dictionary's name as the list shows it: its {@link DictionaryEntry#name()}, with the folders above it added
     * until no other listed dictionary reads the same ("run1/l1_4e-3" beside "run2/l1_4e-3").
     */
    public String listedName(DictionaryEntry e) {
        List<DictionaryEntry> namesake = dictionaries.stream()
                .filter(o -> o != e && o.name().equals(e.name()))
                .toList();
        if (namesake.isEmpty()) {
            return e.name();
        }
        Path mine = e.path().toAbsolutePath().normalize().getParent();
        for (int up = 1; mine != null && up <= mine.getNameCount(); up++) {
            String prefix =
                    mine.subpath(mine.getNameCount() - up, mine.getNameCount()).toString();
            int depth = up;
            boolean unique = namesake.stream().noneMatch(o -> {
                Path theirs = o.path().toAbsolutePath().normalize().getParent();
                return theirs != null
                        && theirs.getNameCount() >= depth
                        && theirs.subpath(theirs.getNameCount() - depth, theirs.getNameCount())
                                .toString()
                                .equals(prefix);
            });
            if (unique) {
                return prefix + "/" + e.name();
            }
        }
        return e.path().toString();
    }

    /**
     * Uses an existing activation set (any readable layout) for training and as the shown pair's set. A set
     * that does not say its model and hook is used only after the user confirms them.
     */
    public void useActivations(Path set) {
        background.submit(
                "Open " + set.getFileName(),
                (p, c) -> {
                    try (ActivationSet s = ActivationSet.open(set)) {
                        return workspace.siteOf(s).map(ModelHook::label).orElse(null);
                    }
                },
                site -> {
                    if (site == null) {
                        ask(new ProvenanceRequest(
                                ProvenanceRequest.Kind.ACTIVATIONS,
                                set.toString(),
                                set.getFileName().toString(),
                                null,
                                null,
                                List.copyOf(workspace.models().keySet()),
                                set + " does not say which model and hook it holds. Confirm them before "
                                        + "any dictionary is measured on it."));
                        return;
                    }
                    activations.set(set);
                },
                this::fail);
    }

    /**
     * Harvests an activation set into the workspace's catalogue from {@code modelDir} at {@code hook} over
     * {@code corpusPath}, in the background, and uses it (an unfinished harvest of the same set is resumed).
     */
    public void harvest(Path modelDir, String hookTyped, Path corpusPath, long tokens) {
        corpus.set(corpusPath);
        workspace.setCorpus(corpusPath);
        background.submit(
                "Harvest " + hookTyped,
                (p, c) -> workspace.harvest(
                        modelDir,
                        LanguageModel.hook(modelDir, hookTyped),
                        Corpus.open(corpusPath),
                        HarvestOptions.of(tokens, Workspace.DEFAULT_WINDOW).withRowsPerChunk(16_384),
                        p,
                        c),
                activations::set,
                this::fail);
    }

    /**
     * Makes the synthetic set the form describes in the workspace's catalogue ({@code synthetic-<id>-<rows>}, resumed
     * if a run of it was interrupted), in the background, and uses it for training. A field that does not parse is
     * reported by name and nothing starts.
     */
    public void synthesize(SyntheticSetForm form) {
        org.sparsescope.compute.synthetic.SyntheticSpec spec;
        long rows;
        try {
            spec = form.spec();
            rows = form.rows();
        } catch (IllegalArgumentException e) {
            fail(e);
            return;
        }
        Path out = workspace.catalogue().dir().resolve(spec.modelName().replace(':', '-') + "-" + rows);
        background.submit(
                "Synthetic set " + spec.modelName(),
                (p, c) -> org.sparsescope.compute.synthetic.SyntheticSets.write(
                                spec,
                                rows,
                                org.sparsescope.compute.synthetic.SyntheticSets.DEFAULT_ROWS_PER_CHUNK,
                                out,
                                p,
                                c)
                        .folder(),
                activations::set,
                this::fail);
    }

    private final ReadOnlyStringWrapper activationsSite = new ReadOnlyStringWrapper("");

    /** "model @ hook" of the set training uses, as its manifest (or the user) says; empty while unknown. */
    public ReadOnlyStringProperty activationsSiteProperty() {
        return activationsSite.getReadOnlyProperty();
    }

    private void readSite(Path set) {
        activationsSite.set("");
        if (set == null) {
            return;
        }
        background.submit(
                "Site of " + set.getFileName(),
                (p, c) -> {
                    try (ActivationSet s = ActivationSet.open(set)) {
                        return workspace.siteOf(s).map(ModelHook::label).orElse("");
                    }
                },
                site -> {
                    if (set.equals(activations.get())) {
                        activationsSite.set(site);
                    }
                },
                this::fail);
    }

    private record Measured(Path set, DictionaryMetrics metrics, DictionaryEntry.Scorecard scorecard) {
        static Measured of(Evaluation.Measured m) {
            return new Measured(m.set(), m.metrics(), DictionaryEntry.Scorecard.of(m.metrics(), m.spliced()));
        }
    }

    /** Loads a model folder's model, kept by whoever owns it (the window keeps one per folder). */
    @FunctionalInterface
    public interface ModelSource {
        LanguageModel of(Path folder) throws IOException;
    }

    private volatile ModelSource models;

    /** Where measuring finds models for KL and CE (none: those stay NaN). */
    public void setModels(ModelSource source) {
        models = source;
    }

    /** The windows KL and CE run on, as {@code eval} runs them (see {@link Evaluation}). */
    public static final int SPLICE_WINDOWS = Evaluation.SPLICE_WINDOWS;

    /** The most rows held out for FVU (see {@link Evaluation}). */
    public static final long MAX_HELD_OUT_ROWS = Evaluation.MAX_HELD_OUT_ROWS;

    private volatile int spliceWindows = Evaluation.SPLICE_WINDOWS;

    /** How many windows KL and CE run on ({@link Evaluation#SPLICE_WINDOWS} unless a test asks for fewer). */
    public void setSpliceWindows(int windows) {
        spliceWindows = windows;
    }

    /** FVU and L0 on a set's held-out rows and KL/CE on its windows, as {@code eval} measures ({@link Evaluation}). */
    private Measured heldOut(Placement pl, Dictionary d, Path dictionary, ActivationSet s) throws IOException {
        return Measured.of(Evaluation.measure(workspace, pl, d, dictionary, s, modelFor(pl, s), spliceWindows));
    }

    /** The placement's model for KL and CE, from the window's models; null when there is none or nothing to run. */
    private LanguageModel modelFor(Placement pl, ActivationSet s) throws IOException {
        ModelSource source = models;
        return source == null || !pl.ready() || !s.hasTokens()
                ? null
                : source.of(pl.at().modelFolder());
    }

    /**
     * The set a dictionary placed at {@code pl} is measured on, if it exists already: a synthetic set's own, else the
     * harvest {@link #measure} would use (same corpus, window and BOS policy), never harvested here.
     */
    public java.util.Optional<Path> existingSetFor(Placement pl) throws IOException {
        java.util.Optional<Path> synthetic = Workspace.syntheticSet(pl);
        if (synthetic.isPresent()) {
            return synthetic;
        }
        Path text = workspace.corpusFor(pl, null, corpus.get() != null ? corpus.get() : fallbackCorpus);
        if (text == null) {
            return java.util.Optional.empty();
        }
        return workspace.existingActivations(pl, Corpus.open(text), Workspace.harvestOptions(pl, harvestTokens));
    }

    /** Finds (or harvests) the set of a dictionary's own pair and measures it on the held-out rows. */
    void measure(String id) {
        DictionaryEntry e = find(id);
        Placement pl = placements.get(id);
        if (e == null || pl == null || !pl.ready()) {
            return;
        }
        Path text = workspace.corpusFor(pl, null, corpus.get() != null ? corpus.get() : fallbackCorpus);
        if (text == null) {
            replace(id, e.withStatus(DictionaryEntry.Status.FAILED, "no corpus to harvest its activations from"));
            return;
        }
        long tokens = harvestTokens;
        background.submit(
                "Activations for " + e.name(),
                (p, c) -> {
                    Dictionary d = loaded.read(e.path());
                    Path set =
                            workspace.activationsFor(pl, Corpus.open(text), Workspace.harvestOptions(pl, tokens), p, c);
                    try (ActivationSet s = ActivationSet.open(set)) {
                        return heldOut(pl, d, e.path(), s);
                    }
                },
                m -> {
                    DictionaryEntry now = find(id);
                    if (now != null) {
                        replace(
                                id,
                                now.withMetrics(m.metrics().fvu(), m.metrics().l0(), m.set(), m.scorecard()));
                        if (now.pairKey() != null && now.pairKey().equals(shownKey) && activations.get() == null) {
                            activations.set(m.set());
                        }
                    }
                },
                t -> {
                    DictionaryEntry now = find(id);
                    if (now != null) {
                        replace(
                                id,
                                now.withStatus(
                                        DictionaryEntry.Status.FAILED,
                                        t.getMessage() == null ? t.toString() : t.getMessage()));
                    }
                    fail(t);
                });
    }

    /**
     * Measures a listed dictionary on another activation set the user chose (a bigger harvest, a set made
     * elsewhere): accepted only when the set holds the dictionary's own (model, hook); a set that does not say is
     * confirmed by the user first; any other is refused with the typed error naming both sides.
     */
    public void measureOn(String id, Path set) {
        DictionaryEntry e = find(id);
        Placement pl = placements.get(id);
        if (e == null || pl == null) {
            return;
        }
        background.submit(
                "Measure " + e.name() + " on " + set.getFileName(),
                (p, c) -> {
                    Dictionary d = loaded.read(e.path());
                    try (ActivationSet s = ActivationSet.open(set)) {
                        if (workspace.siteOf(s).isEmpty()) {
                            return null; // nobody has said what it holds: ask first
                        }
                        return heldOut(pl, d, e.path(), s);
                    }
                },
                m -> {
                    if (m == null) {
                        ask(new ProvenanceRequest(
                                ProvenanceRequest.Kind.ACTIVATIONS,
                                set.toString(),
                                set.getFileName().toString(),
                                null,
                                null,
                                List.copyOf(workspace.models().keySet()),
                                set + " does not say which model and hook it holds. Confirm them before " + e.name()
                                        + " (" + e.site() + ") is measured on it."));
                        return;
                    }
                    DictionaryEntry now = find(id);
                    if (now != null) {
                        replace(
                                id,
                                now.withMetrics(m.metrics().fvu(), m.metrics().l0(), m.set(), m.scorecard()));
                    }
                },
                this::fail);
    }

    /**
     * Completes a trained dictionary's scorecard in the background: its trainer measured FVU, L0 and the
     * reconstruction's shape ({@code measured}); KL and CE need its model run on the held-out windows.
     */
    private void scoreWithModel(String id, DictionaryMetrics measured, Path set) {
        DictionaryEntry e = find(id);
        Placement pl = placements.get(id);
        if (models == null || e == null || pl == null || !pl.ready()) {
            return;
        }
        background.submit(
                "Scorecard of " + e.name(),
                (p, c) -> {
                    Dictionary d = loaded.read(e.path());
                    try (ActivationSet s = ActivationSet.open(set)) {
                        workspace.requireMatch(pl, s);
                        return DictionaryEntry.Scorecard.of(
                                measured, Evaluation.splice(workspace, pl, d, s, modelFor(pl, s), spliceWindows));
                    }
                },
                card -> {
                    DictionaryEntry now = find(id);
                    if (now != null) {
                        replace(id, now.withMetrics(now.fvu(), now.l0(), now.activations(), card));
                    }
                },
                this::fail);
    }

    /**
     * Adds a dictionary a training run saved, already measured on the set it trained on: read and placed in the
     * background, listed when placed.
     */
    public void addTrained(Path dir, DictionaryMetrics m, Path set) {
        background.submit(
                "Open " + dir.getFileName(),
                (p, c) -> {
                    Dictionary d = loaded.read(dir);
                    Placement pl = workspace.place(dir, d);
                    workspace.addDictionary(dir);
                    return new Opened(d, pl);
                },
                o -> listTrained(dir, o.dictionary(), o.placement(), m, set),
                this::fail);
    }

    private void listTrained(Path dir, Dictionary d, Placement pl, DictionaryMetrics m, Path set) {
        placements.put(dir.toString(), pl);
        put(new DictionaryEntry(
                dir.toString(),
                dir.getFileName().toString(),
                dir,
                formOf(dir, d),
                new DictionaryEntry.Where(
                        pl.at() != null ? pl.at().model() : d.info().model(),
                        d.info().hook(),
                        pl.at() != null ? pl.at().key() : null,
                        pl.ready() ? pl.at().modelFolder() : null),
                DictionaryEntry.Status.MEASURED,
                "",
                new DictionaryEntry.Measurement(set, m.fvu(), m.l0(), DictionaryEntry.Scorecard.of(m, null))));
        scoreWithModel(dir.toString(), m, set);
    }

    /** The dictionary at {@code path}, read once and then kept while its files are unchanged. Safe off the FX thread. */
    public Dictionary readDictionary(Path path) throws IOException {
        return loaded.read(path);
    }

    /** Where a listed dictionary sits, as placed when it was opened. */
    public Placement placement(String id) {
        return placements.get(id);
    }

    public DictionaryEntry find(String id) {
        return dictionaries.stream().filter(e -> e.id().equals(id)).findFirst().orElse(null);
    }

    private ModelHook.Key shownKey;

    /** Shows {@code pairKey}'s set as the one training uses, once one of its dictionaries is measured. */
    public void showPair(ModelHook.Key pairKey) {
        shownKey = pairKey;
        dictionaries.stream()
                .filter(e -> pairKey != null && pairKey.equals(e.pairKey()) && e.activations() != null)
                .findFirst()
                .ifPresent(e -> activations.set(e.activations()));
        pairs.stream().filter(p -> p.key().equals(pairKey)).findFirst().ifPresent(p -> workspace.setShown(p.label()));
    }

    private void put(DictionaryEntry e) {
        for (int i = 0; i < dictionaries.size(); i++) {
            if (dictionaries.get(i).id().equals(e.id())) {
                dictionaries.set(i, e);
                return;
            }
        }
        dictionaries.add(e);
    }

    private void replace(String id, DictionaryEntry updated) {
        for (int i = 0; i < dictionaries.size(); i++) {
            if (dictionaries.get(i).id().equals(id)) {
                dictionaries.set(i, updated);
                return;
            }
        }
    }

    private void rebuildPairs() {
        Map<ModelHook.Key, String> labels = new LinkedHashMap<>();
        Map<ModelHook.Key, Integer> counts = new LinkedHashMap<>();
        for (DictionaryEntry e : dictionaries) {
            if (e.pairKey() != null) {
                labels.putIfAbsent(e.pairKey(), e.site());
                counts.merge(e.pairKey(), 1, Integer::sum);
            }
        }
        List<HookPair> out = new ArrayList<>();
        labels.forEach((k, label) -> out.add(new HookPair(k, label, counts.get(k))));
        if (!out.equals(pairs)) {
            pairs.setAll(out);
        }
    }

    public void fail(Throwable t) {
        if (t instanceof org.sparsescope.compute.work.CancelledException) {
            return;
        }
        errorTitle.set(
                t instanceof org.sparsescope.compute.workspace.ProvenanceMismatchException
                        ? "Refused: another model or hook"
                        : t instanceof org.sparsescope.compute.model.ModelNotFoundException
                                ? "Model not found on this machine"
                                : t instanceof org.sparsescope.compute.WriteFailedException
                                        ? "A file could not be written"
                                        : t instanceof org.sparsescope.compute.InvalidInputException
                                                ? "A file could not be read"
                                                : "Sparsescope could not do that");
        error.set(null);
        error.set(t.getMessage() != null ? t.getMessage() : t.toString());
    }

    public void clearError() {
        error.set(null);
    }
}
