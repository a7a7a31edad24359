package org.sparsescope.viewmodels.workspace;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.sparsescope.compute.Devices;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.activations.Corpus;
import org.sparsescope.compute.activations.HarvestOptions;
import org.sparsescope.compute.activations.Harvester;
import org.sparsescope.compute.activations.Manifest;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.LoadedDictionaries;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.viewmodels.Background;

/**
 * The researcher's workspace: a folder holding activation sets, the analysis cache and recent files; the model,
 * corpus and activation set in use; and the dictionaries opened, each measured (FVU, L0) on the set's held-out
 * rows as soon as both are known.
 */
public final class WorkspaceViewModel {
    /** Rows at the end of the activation set on which dictionaries are placed on the frontier. */
    public static final int HELD_OUT_ROWS = 16_384;
    /** Tokens harvested for a workspace that has a model and corpus but no activations yet. */
    public static final long DEFAULT_HARVEST_TOKENS = 200_000;

    private final Background background;
    private final ReadOnlyObjectWrapper<Path> workspaceDir = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<Path> model = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<Path> corpus = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<Path> activations = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper();
    private final ObservableList<DictionaryEntry> dictionaries = FXCollections.observableArrayList();
    private final RecentFiles recent;
    private final LoadedDictionaries loaded = new LoadedDictionaries();
    private long harvestTokens = DEFAULT_HARVEST_TOKENS;

    public WorkspaceViewModel(Background background, Path workspace) {
        this.background = background;
        this.workspaceDir.set(workspace);
        this.recent = new RecentFiles(workspace.resolve("recent.json"));
        dictionaries.addListener((javafx.collections.ListChangeListener<DictionaryEntry>) c -> save());
        activations.addListener((o, a, b) -> save());
    }

    /** Keeps {@code workspace.sparsescope} up to date; a workspace that cannot be written still works. */
    private void save() {
        try {
            new WorkspaceFile(1, str(model.get()), str(corpus.get()), str(activations.get()),
                    dictionaries.stream().map(e -> e.path().toString()).toList()).write(workspaceDir.get().resolve(WorkspaceFile.NAME));
        } catch (java.io.IOException e) {
            // read-only workspace: nothing to remember
        }
    }

    private static String str(Path p) {
        return p == null ? null : p.toString();
    }

    /** Reopens a workspace file: its model, corpus and activation set, and every dictionary it lists. */
    public void openWorkspaceFile(Path file) {
        try {
            WorkspaceFile w = WorkspaceFile.read(file);
            if (w.model() != null) {
                model.set(Path.of(w.model()));
            }
            if (w.corpus() != null) {
                corpus.set(Path.of(w.corpus()));
            }
            for (String d : w.dictionaries() == null ? List.<String>of() : w.dictionaries()) {
                openDictionary(Path.of(d), false);
            }
            if (w.activations() != null) {
                useActivations(Path.of(w.activations()));
            }
            recent.add(file);
        } catch (java.io.IOException e) {
            fail(e);
        }
    }

    /** Tokens a new workspace harvests from its model and corpus. */
    public void setHarvestTokens(long tokens) {
        this.harvestTokens = tokens;
    }

    // Properties

    public ReadOnlyObjectProperty<Path> workspaceDirProperty() {
        return workspaceDir.getReadOnlyProperty();
    }

    public ReadOnlyObjectProperty<Path> modelProperty() {
        return model.getReadOnlyProperty();
    }

    public ReadOnlyObjectProperty<Path> corpusProperty() {
        return corpus.getReadOnlyProperty();
    }

    public ReadOnlyObjectProperty<Path> activationsProperty() {
        return activations.getReadOnlyProperty();
    }

    /** The last error, as a message naming the file and the problem; the view shows it in a dialog. */
    public ReadOnlyStringProperty errorProperty() {
        return error.getReadOnlyProperty();
    }

    public ObservableList<DictionaryEntry> dictionaries() {
        return dictionaries;
    }

    public ObservableList<Path> recentFiles() {
        return recent.files();
    }

    public Background background() {
        return background;
    }

    // Commands

    /**
     * Opens the embedded demo: its model, corpus and dictionaries; harvests an activation set into the workspace
     * in the background where there is none yet, then measures every dictionary on it.
     */
    public void openDemo(Path demoDir) {
        model.set(demoDir.resolve("model"));
        corpus.set(demoDir.resolve("corpus/test.txt"));
        List<Path> dicts;
        try (var s = Files.list(demoDir.resolve("dictionaries"))) {
            dicts = s.filter(Files::isDirectory).sorted().toList();
        } catch (java.io.IOException e) {
            error.set(demoDir.resolve("dictionaries") + ": " + e.getMessage());
            return;
        }
        for (Path d : dicts) {
            openDictionary(d, false);
        }
        ensureActivations("blocks.2.hook_resid_post");
    }

    /** Opens a dictionary folder or file (any readable layout) and places it on the frontier. */
    public void openDictionary(Path path) {
        openDictionary(path, true);
    }

    private void openDictionary(Path path, boolean remember) {
        background.submit("Open " + path.getFileName(), (p, c) -> loaded.read(path), d -> {
            String id = path.toString();
            dictionaries.removeIf(e -> e.id().equals(id));
            dictionaries.add(new DictionaryEntry(id, name(path), path, d.architecture(), d.dIn(), d.dSae(), d.info().hook(), d.info().source(),
                    Double.NaN, Double.NaN));
            if (remember) {
                recent.add(path);
            }
            measure(id);
        }, this::fail);
    }

    private static String name(Path path) {
        String n = path.getFileName().toString();
        return n.equals("cfg.json") || n.equals("sae_weights.safetensors") ? path.toAbsolutePath().getParent().getFileName().toString() : n;
    }

    /** Uses an existing activation set (any readable layout). */
    public void useActivations(Path set) {
        activations.set(set);
        dictionaries.forEach(e -> measure(e.id()));
    }

    /**
     * Harvests a new activation set into the workspace from {@code modelDir} at {@code hook} over {@code corpusPath},
     * in the background, and uses it (the model and corpus become the workspace's). A folder for the same harvest
     * that a cancelled run left is resumed.
     */
    public void harvest(Path modelDir, String hook, Path corpusPath, long tokens) {
        model.set(modelDir);
        corpus.set(corpusPath);
        String name = modelDir.getFileName() + "-" + hook + "-" + tokens;
        Path out = workspaceDir.get().resolve("activations").resolve(name);
        background.submit("Harvest " + hook, (p, c) -> {
            try (LanguageModel lm = LanguageModel.load(modelDir)) {
                new Harvester(lm).harvest(hook, Corpus.open(corpusPath), out, HarvestOptions.of(tokens, 128).withRowsPerChunk(16_384), p, c);
            }
            return out;
        }, this::useActivations, this::fail);
    }

    /** Harvests the workspace's activation set at {@code hook} from its model and corpus, unless it exists. */
    public void ensureActivations(String hook) {
        Path out = workspaceDir.get().resolve("activations").resolve("demo-" + hook);
        if (Files.isRegularFile(out.resolve(Manifest.FILE))) {
            try (ActivationSet s = ActivationSet.open(out)) {
                if (s.manifest().complete()) {
                    useActivations(out);
                    return;
                }
            } catch (java.io.IOException e) {
                // resumed below
            }
        }
        Path m = model.get(), text = corpus.get();
        long tokens = harvestTokens;
        background.submit("Harvest " + hook, (p, c) -> {
            try (LanguageModel lm = LanguageModel.load(m)) {
                new Harvester(lm).harvest(hook, Corpus.open(text), out, HarvestOptions.of(tokens, 128).withRowsPerChunk(16_384), p, c);
            }
            return out;
        }, this::useActivations, this::fail);
    }

    /** Measures a dictionary's FVU and L0 on the held-out rows of the activation set in use. */
    void measure(String id) {
        Path set = activations.get();
        DictionaryEntry e = find(id);
        if (set == null || e == null) {
            return;
        }
        background.submit("Measure " + e.name(), (p, c) -> {
            Dictionary d = loaded.read(e.path());
            try (ActivationSet s = ActivationSet.open(set)) {
                if (d.dIn() != s.d()) {
                    return null; // another model's dictionary: listed, but not placed on this set's frontier
                }
                long rows = Math.min(HELD_OUT_ROWS, s.rows());
                return DictionaryMetrics.evaluate(d, s, s.rows() - rows, rows, Devices.preferred());
            }
        }, m -> {
            if (m != null && find(id) != null) {
                replace(id, find(id).withMetrics(m.fvu(), m.l0()));
            }
        }, this::fail);
    }

    /** Adds dictionaries a training run saved. */
    public void addTrained(Path dir, double fvu, double l0) {
        String id = dir.toString();
        try {
            Dictionary d = loaded.read(dir);
            dictionaries.removeIf(e -> e.id().equals(id));
            dictionaries.add(new DictionaryEntry(id, dir.getFileName().toString(), dir, d.architecture(), d.dIn(), d.dSae(), d.info().hook(),
                    d.info().source(), fvu, l0));
        } catch (java.io.IOException ex) {
            fail(ex);
        }
    }

    /** The dictionary at {@code path}, read once and then kept while its files are unchanged. Safe off the FX thread. */
    public Dictionary readDictionary(Path path) throws java.io.IOException {
        return loaded.read(path);
    }

    public DictionaryEntry find(String id) {
        return dictionaries.stream().filter(e -> e.id().equals(id)).findFirst().orElse(null);
    }

    private void replace(String id, DictionaryEntry updated) {
        for (int i = 0; i < dictionaries.size(); i++) {
            if (dictionaries.get(i).id().equals(id)) {
                dictionaries.set(i, updated);
                return;
            }
        }
    }

    public void fail(Throwable t) {
        if (t instanceof org.sparsescope.compute.work.CancelledException) {
            return;
        }
        error.set(null);
        error.set(t.getMessage() != null ? t.getMessage() : t.toString());
    }

    public void clearError() {
        error.set(null);
    }
}
