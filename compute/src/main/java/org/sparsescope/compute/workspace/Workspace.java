package org.sparsescope.compute.workspace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.activations.Corpus;
import org.sparsescope.compute.activations.HarvestOptions;
import org.sparsescope.compute.activations.Harvester;
import org.sparsescope.compute.activations.Manifest;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.dictionary.Provenance;
import org.sparsescope.compute.dictionary.format.Sidecar;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.model.ModelLocator;
import org.sparsescope.compute.model.ModelNotFoundException;
import org.sparsescope.compute.synthetic.SyntheticSets;
import org.sparsescope.compute.tensor.Checkpoint;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.ProgressListener;

/**
 * A researcher's workspace: a folder with its file ({@link WorkspaceFile}), the activation-set catalogue and the
 * analysis cache. It decides what goes with what: every dictionary is placed at its own (model, hook) from its
 * files or from what the user stated once, its activations are found or harvested for that pair, and any pairing
 * of a dictionary with activations or a model of another pair is refused. The window and the command line both
 * go through it. Thread-safe; every change is saved at once.
 */
public final class Workspace {
    private static final Logger LOG = LoggerFactory.getLogger(Workspace.class);
    /** Tokens harvested when a dictionary needs a set that does not exist yet. */
    public static final long DEFAULT_HARVEST_TOKENS = 200_000;
    /** The window when a dictionary's files state no context size. */
    public static final int DEFAULT_WINDOW = 128;

    private final Path dir;
    private final List<Path> hubCaches;
    private final ActivationCatalogue catalogue;
    private final AnalysisCache cache;
    private final FileFingerprints fingerprints;
    private final Map<String, Path> models = new LinkedHashMap<>();
    private final Map<String, WorkspaceFile.DictionaryRecord> dictionaries = new LinkedHashMap<>();
    private final Map<String, WorkspaceFile.SetStatement> foreignSets = new LinkedHashMap<>();
    private final Map<ActivationCatalogue.SetKey, Object> harvestLocks = new java.util.concurrent.ConcurrentHashMap<>();
    private Path corpus;
    private String shown;

    private Workspace(Path dir, List<Path> hubCaches) {
        this.dir = dir.toAbsolutePath().normalize();
        this.hubCaches = List.copyOf(hubCaches);
        this.catalogue = new ActivationCatalogue(this.dir.resolve("activations"));
        this.cache = new AnalysisCache(this.dir);
        this.fingerprints = new FileFingerprints(this.dir.resolve("cache").resolve("file-hashes.json"));
    }

    /** $SPARSESCOPE_WORKSPACE, else the user's data directory ($XDG_DATA_HOME or ~/.local/share)/sparsescope/workspace. */
    public static Path defaultLocation() {
        String env = System.getenv("SPARSESCOPE_WORKSPACE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String xdg = System.getenv("XDG_DATA_HOME");
        Path data = xdg != null && !xdg.isBlank()
                ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".local", "share");
        return data.resolve("sparsescope").resolve("workspace");
    }

    /**
     * The hub caches searched: the {@code sparsescope.hubCache} system property's folders first (path-separated;
     * how tests and packaged setups point at another cache), then Hugging Face's own default.
     */
    public static List<Path> defaultHubCaches() {
        List<Path> out = new ArrayList<>();
        String extra = System.getProperty("sparsescope.hubCache");
        if (extra != null && !extra.isBlank()) {
            for (String p : extra.split(java.io.File.pathSeparator)) {
                out.add(Path.of(p));
            }
        }
        out.add(ModelLocator.defaultHubCache());
        return out;
    }

    public static Workspace open(Path dir) throws IOException {
        return open(dir, defaultHubCaches());
    }

    /** Opens (or starts) the workspace in {@code dir}; its file, if there, is read and upgraded. */
    public static Workspace open(Path dir, List<Path> hubCaches) throws IOException {
        Workspace w = new Workspace(dir, hubCaches);
        Path file = w.dir.resolve(WorkspaceFile.NAME);
        if (Files.isRegularFile(file)) {
            WorkspaceFile f = WorkspaceFile.read(file);
            f.models().forEach((k, v) -> w.models.put(k, Path.of(v)));
            f.dictionaries().forEach(d -> w.dictionaries.put(d.path(), d));
            w.foreignSets.putAll(f.foreignSets());
            w.corpus = f.corpus() == null ? null : Path.of(f.corpus());
            w.shown = f.shown();
        }
        return w;
    }

    private synchronized void save() {
        Map<String, String> m = new LinkedHashMap<>();
        models.forEach((k, v) -> m.put(k, v.toString()));
        try {
            Files.createDirectories(dir);
            new WorkspaceFile(
                            WorkspaceFile.VERSION,
                            corpus == null ? null : corpus.toString(),
                            m,
                            new ArrayList<>(dictionaries.values()),
                            foreignSets,
                            shown)
                    .write(dir.resolve(WorkspaceFile.NAME));
        } catch (IOException e) {
            LOG.warn(
                    "workspace {} not saved: {}",
                    dir,
                    e.getMessage()); // a read-only workspace still works, it only forgets
        }
    }

    // ---------------------------------------------------------------- what it holds

    public Path dir() {
        return dir;
    }

    public Path file() {
        return dir.resolve(WorkspaceFile.NAME);
    }

    public ActivationCatalogue catalogue() {
        return catalogue;
    }

    public AnalysisCache cache() {
        return cache;
    }

    /**
     * A dictionary's most recent autointerp results stored here (under its content hash, whichever explainer and
     * setting made them); empty when it was never explained.
     */
    public java.util.Optional<org.sparsescope.compute.autointerp.AutointerpRun.Stored> explanations(Path dictionary)
            throws IOException {
        return org.sparsescope.compute.autointerp.AutointerpRun.latest(dir, cache.dictionaryHash(dictionary));
    }

    public synchronized ModelLocator locator() {
        return new ModelLocator(hubCaches, models);
    }

    public synchronized Map<String, Path> models() {
        return Map.copyOf(models);
    }

    public synchronized Path corpus() {
        return corpus;
    }

    public synchronized void setCorpus(Path text) {
        this.corpus = text == null ? null : text.toAbsolutePath().normalize();
        save();
    }

    public synchronized String shown() {
        return shown;
    }

    /** Remembers the (model, hook) pair the frontier shows. */
    public synchronized void setShown(String pairLabel) {
        if (!java.util.Objects.equals(shown, pairLabel)) {
            shown = pairLabel;
            save();
        }
    }

    /** Binds a model name to a folder, so dictionaries naming it find it from now on. */
    public synchronized void rememberModel(String name, Path folder) {
        Path abs = folder.toAbsolutePath().normalize();
        if (!abs.equals(models.get(name))) {
            models.put(name, abs);
            save();
        }
    }

    public synchronized List<WorkspaceFile.DictionaryRecord> dictionaries() {
        return List.copyOf(dictionaries.values());
    }

    /** Adds a dictionary to the workspace (keeping a statement made earlier). */
    public synchronized void addDictionary(Path path) {
        String key = path.toString();
        if (!dictionaries.containsKey(key)) {
            dictionaries.put(key, new WorkspaceFile.DictionaryRecord(key, null, null));
            save();
        }
    }

    /** The user's statement of a dictionary's model and hook, for files that say nothing; remembered. */
    public synchronized void stateProvenance(Path dictionary, String model, HookPoint hook) {
        if (model == null || model.isBlank() || hook == null) {
            throw new IllegalArgumentException("state both the model and the hook");
        }
        dictionaries.put(dictionary.toString(), new WorkspaceFile.DictionaryRecord(dictionary.toString(), model, hook));
        save();
    }

    /** The user's confirmation of a foreign activation set's model and hook; remembered. */
    public synchronized void confirmSet(Path set, String model, HookPoint hook) {
        foreignSets.put(set.toAbsolutePath().normalize().toString(), new WorkspaceFile.SetStatement(model, hook));
        save();
    }

    // ---------------------------------------------------------------- provenance

    /** What the dictionary's files say, overlaid by the user's statement where the files say nothing. */
    public Provenance provenance(Path path, Dictionary d) {
        return provenance(path, d.info().provenance());
    }

    private Provenance provenance(Path path, Provenance files) {
        WorkspaceFile.DictionaryRecord r;
        synchronized (this) {
            r = dictionaries.get(path.toString());
        }
        if (r != null && r.model() != null && r.hook() != null && !files.complete()) {
            return files.statedByUser(
                    files.model() != null ? files.model() : r.model(), files.hook() != null ? files.hook() : r.hook());
        }
        return files;
    }

    /** Places a dictionary: resolves its model offline. Never throws for a missing model; the placement says so. */
    public Placement place(Path path, Dictionary d) throws IOException {
        return place(path, d.info().provenance());
    }

    /** Places a dictionary from what its files say ({@link DictionaryFiles#provenanceOf}), for listings that need no weights. */
    public Placement place(Path path, Provenance files) throws IOException {
        Provenance p = provenance(path, files);
        if (p.hook() == null && p.hookName() != null && p.model() != null) {
            p = readHookInItsModel(p);
        }
        if (!p.complete()) {
            return new Placement(path, p, null, null);
        }
        if (SyntheticSets.isSyntheticModel(p.model())) {
            return placeSynthetic(path, p);
        }
        ModelLocator locator = locator();
        Optional<Path> folder = locator.find(p.model());
        String hash = folder.isPresent() ? modelHash(folder.get()) : null;
        Optional<Sidecar.TrainedOn> trainedOn = sidecarTrainedOn(path);
        if (trainedOn.isPresent()) {
            // the app trained it: the weights it was trained on decide, found by name or where they were then
            String want = trainedOn.get().modelSha256();
            if (!want.equals(hash)) {
                Path then = trainedOn.get().modelFolder();
                boolean there = then != null
                        && ModelLocator.isModelFolder(then)
                        && modelHash(then).equals(want);
                folder = there ? Optional.of(then) : Optional.empty();
                hash = there ? want : null;
            }
            if (folder.isEmpty()) {
                return new Placement(
                        path,
                        p,
                        new ModelHook(p.model(), null, null, p.hook()),
                        new ModelNotFoundException(
                                path,
                                p.model() + "' with the weights it was trained on (sha256 " + want.substring(0, 12)
                                        + "…)",
                                locator.searched(p.model())));
            }
        }
        if (folder.isEmpty()) {
            return new Placement(
                    path,
                    p,
                    new ModelHook(p.model(), null, null, p.hook()),
                    new ModelNotFoundException(path, p.model(), locator.searched(p.model())));
        }
        return new Placement(
                path, p, new ModelHook(label(p.model(), folder.get()), folder.get(), hash, p.hook()), null);
    }

    /**
     * A hook the files name in a way only its model can read (a module path whose place depends on the family):
     * read in the model's family once the model is found here; left unread (the placement asks) otherwise.
     */
    private Provenance readHookInItsModel(Provenance p) {
        Optional<Path> folder = locator().find(p.model());
        if (folder.isEmpty()) {
            return p;
        }
        try {
            return p.readAs(LanguageModel.hook(folder.get(), p.hookName()));
        } catch (IOException e) {
            LOG.warn("the hook '{}' is no place in {}: {}", p.hookName(), folder.get(), e.getMessage());
            return p;
        }
    }

    /**
     * A dictionary trained on a synthetic set reads that set's generator: placed at the set (the one it was trained
     * on, else any complete set of the same generator in the catalogue), whose folder stands where a model's would.
     */
    private Placement placeSynthetic(Path path, Provenance p) throws IOException {
        List<Path> candidates = new ArrayList<>();
        Path dirOf = DictionaryFiles.Location.of(path).path();
        Path folder = Files.isDirectory(dirOf) ? dirOf : dirOf.toAbsolutePath().getParent();
        try {
            Sidecar.trainingSet(folder).ifPresent(candidates::add);
        } catch (IOException e) {
            LOG.warn("unreadable sidecar in {}: {}", folder, e.getMessage());
        }
        catalogue.list().stream()
                .filter(e ->
                        e.manifest().complete() && p.model().equals(e.manifest().model()))
                .map(ActivationCatalogue.Entry::folder)
                .forEach(candidates::add);
        for (Path c : candidates) {
            if (Files.isRegularFile(c.resolve(Manifest.FILE))) {
                Manifest m = Manifest.read(c);
                if (SyntheticSets.isSynthetic(m) && m.model().equals(p.model()) && m.complete()) {
                    return new Placement(path, p, new ModelHook(p.model(), c, m.modelHash(), p.hook()), null);
                }
            }
        }
        return new Placement(
                path,
                p,
                new ModelHook(p.model(), null, null, p.hook()),
                new ModelNotFoundException(
                        path,
                        p.model() + "' (a synthetic generator)",
                        List.of("the set it was trained on", catalogue.dir() + " (synthetic sets there)")));
    }

    /** A hub id or a name bound here is shown as written; a path or a bare folder name by {@link #displayName}. */
    private String label(String named, Path folder) {
        boolean hubId =
                named.matches("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*") && !Files.exists(Path.of(named));
        return hubId || models().containsKey(named) ? named : displayName(folder);
    }

    private static Optional<Sidecar.TrainedOn> sidecarTrainedOn(Path dictionaryPath) {
        Path dirOf = DictionaryFiles.Location.of(dictionaryPath).path();
        Path folder = Files.isDirectory(dirOf) ? dirOf : dirOf.toAbsolutePath().getParent();
        try {
            return Sidecar.trainedOn(folder);
        } catch (IOException e) {
            LOG.warn("unreadable sidecar in {}: {}", folder, e.getMessage());
            return Optional.empty();
        }
    }

    /** SHA-256 of a model folder's weight files, as the harvester records it; remembered by size and time. */
    public String modelHash(Path modelFolder) throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(modelFolder)) {
            return fingerprints.sha256(new ArrayList<>(ckpt.files()));
        }
    }

    /** The (model, hook) an activation set holds: from its manifest, or from what the user confirmed; empty when nobody knows. */
    public Optional<ModelHook> siteOf(ActivationSet set) throws IOException {
        Manifest m = set.manifest();
        if (SyntheticSets.isSynthetic(m)) {
            return Optional.of(new ModelHook(m.model(), set.location(), m.modelHash(), m.hook()));
        }
        if (!Manifest.UNKNOWN.equals(m.modelHash()) && m.hook() != null) {
            Path folder = Path.of(m.model());
            return Optional.of(new ModelHook(displayName(folder), folder, m.modelHash(), m.hook()));
        }
        WorkspaceFile.SetStatement s;
        synchronized (this) {
            s = foreignSets.get(set.location().toAbsolutePath().normalize().toString());
        }
        if (s == null) {
            return Optional.empty();
        }
        Optional<Path> folder = locator().find(s.model());
        return Optional.of(
                folder.isPresent()
                        ? new ModelHook(s.model(), folder.get(), modelHash(folder.get()), s.hook())
                        : new ModelHook(s.model(), null, null, s.hook()));
    }

    /** A model folder's name as shown: a name bound to it here, else its hub id, else the folder's own name. */
    public String displayName(Path folder) {
        Path abs = folder.toAbsolutePath().normalize();
        List<String> names = locator().namesOf(abs);
        java.util.Optional<String> hub = ModelLocator.hubIdOf(abs);
        for (String n : names.subList(1, names.size())) {
            if (hub.isEmpty() || !n.equals(hub.get())) {
                return n; // a name bound here
            }
        }
        if (hub.isPresent()) {
            return hub.get();
        }
        // the same weights elsewhere under a name bound here (a copy of a model the workspace knows)
        try {
            String hash = modelHash(abs);
            for (Map.Entry<String, Path> e : models().entrySet()) {
                if (Files.isDirectory(e.getValue()) && modelHash(e.getValue()).equals(hash)) {
                    return e.getKey();
                }
            }
        } catch (IOException e) {
            LOG.debug("no weights to compare in {}: {}", abs, e.getMessage());
        }
        return abs.getFileName() == null ? abs.toString() : abs.getFileName().toString();
    }

    /** Refuses a set of another (model, hook), or one nobody has said the model and hook of. */
    public void requireMatch(Placement p, ActivationSet set) throws IOException {
        requireReady(p);
        Optional<ModelHook> site = siteOf(set);
        if (site.isEmpty()) {
            throw new ProvenanceMismatchException(
                    p.dictionary(),
                    "reads " + p.at().label() + ", but the activation set " + set.location()
                            + " does not say which model and hook it holds; confirm them first (in the window when asked; on the command line with --force, which the workspace remembers)");
        }
        if (!site.get().sameAs(p.at())) {
            String why =
                    site.get().modelHash() != null && !site.get().modelHash().equals(p.at().modelHash())
                            ? "another model"
                            : "another hook";
            throw new ProvenanceMismatchException(
                    p.dictionary(),
                    "reads " + p.at().label() + ", but the activation set " + set.location() + " holds "
                            + site.get().label() + " (" + why + "); refused");
        }
    }

    /** Refuses a model other than the one the dictionary was trained on. */
    public void requireMatch(Placement p, LanguageModel model) throws IOException {
        requireReady(p);
        String hash = modelHash(model.dir());
        if (!hash.equals(p.at().modelHash())) {
            throw new ProvenanceMismatchException(
                    p.dictionary(),
                    "reads " + p.at().label() + " (" + p.at().modelFolder() + "), but the model " + model.dir()
                            + " has other weights; refused");
        }
        model.hook(p.at().hook()); // a typed error when the model has no such hook
    }

    /** Refuses a placement whose model or hook is unknown, or whose model is not on this machine, with the reason. */
    public static void requireReady(Placement p) throws IOException {
        if (p.at() == null) {
            boolean noModel = p.provenance().model() == null,
                    noHook = p.provenance().hook() == null;
            // ask only for what the files leave out: a sparsify hookpoint names its hook, so only --model is wanted
            String missing = noModel && noHook ? "--model and --hook" : noModel ? "--model" : "--hook";
            throw new ProvenanceMismatchException(
                    p.dictionary(),
                    "its files name "
                            + (noModel
                                    ? "no model"
                                    : "the model " + p.provenance().model())
                            + " and "
                            + (noHook
                                    ? p.provenance().hookName() != null
                                            ? "the hook '" + p.provenance().hookName()
                                                    + "', which is no place Sparsescope can read in that model"
                                            : "no hook"
                                    : "the hook " + p.provenance().hook())
                            + "; state " + (noModel && noHook ? "them" : "the " + (noModel ? "model" : "hook"))
                            + " once (in the window when asked; on the command line "
                            + missing + ") and the workspace remembers");
        }
        if (p.missingModel() != null) {
            throw p.missingModel();
        }
    }

    /**
     * The user's explicit model for a dictionary ({@code --model} on the command line): accepted when it is the
     * model the dictionary names; a model named but not found here is bound to the folder only with {@code force};
     * a model that is found and differs is refused unless {@code force}.
     */
    public Placement withExplicitModel(Placement p, Path folder, HookPoint hookOverride, boolean force)
            throws IOException {
        Path abs = folder.toAbsolutePath().normalize();
        HookPoint hook = hookOverride != null ? hookOverride : p.provenance().hook();
        if (p.provenance().model() == null) {
            if (hook == null) {
                throw new ProvenanceMismatchException(p.dictionary(), "names no hook; give --hook as well as --model");
            }
            stateProvenance(p.dictionary(), abs.toString(), hook); // the user stated both: remembered
            return new Placement(
                    p.dictionary(),
                    p.provenance().statedByUser(abs.toString(), hook),
                    new ModelHook(displayName(abs), abs, modelHash(abs), hook),
                    null);
        }
        if (hookOverride != null
                && p.provenance().hook() != null
                && !hookOverride.sameActivations(p.provenance().hook())
                && !force) {
            throw new ProvenanceMismatchException(
                    p.dictionary(),
                    "was trained at " + p.provenance().hook() + ", not " + hookOverride
                            + "; pass --force to use it there anyway");
        }
        if (hook == null) {
            throw new ProvenanceMismatchException(p.dictionary(), "names no hook; give --hook");
        }
        String hash = modelHash(abs);
        ModelHook at = new ModelHook(p.provenance().model(), abs, hash, hook);
        if (p.at() != null && p.at().modelFound()) {
            if (!hash.equals(p.at().modelHash()) && !force) {
                throw new ProvenanceMismatchException(
                        p.dictionary(),
                        "reads " + p.at().label() + " (" + p.at().modelFolder() + "), but --model " + abs
                                + " holds other weights; refused (pass --force to run it anyway)");
            }
            return new Placement(p.dictionary(), p.provenance(), at, null);
        }
        if (!locator().namesOf(abs).contains(p.provenance().model())) {
            if (!force) {
                throw new ProvenanceMismatchException(
                        p.dictionary(),
                        "names the model '" + p.provenance().model() + "', and nothing says " + abs
                                + " is that model; if it is, pass --force once and the workspace remembers '"
                                + p.provenance().model() + "' → " + abs);
            }
            rememberModel(p.provenance().model(), abs);
        }
        return new Placement(p.dictionary(), p.provenance(), at, null);
    }

    // ---------------------------------------------------------------- activations for a dictionary

    /** How a placement's set is harvested: its training window and BOS policy where its files state them. */
    public static HarvestOptions harvestOptions(Placement p, long tokens) {
        int window = p.provenance().contextSize() > 0 ? p.provenance().contextSize() : DEFAULT_WINDOW;
        return HarvestOptions.of(tokens, window)
                .withRowsPerChunk(Math.max(window, 16_384 / window * window))
                .withPrependBos(p.provenance().prependBos());
    }

    /** The corpus a dictionary's set is harvested from: {@code requested}, else the workspace's, else {@code fallback}. */
    public Path corpusFor(Path requested, Path fallback) {
        Path c = requested != null ? requested : corpus();
        return c != null ? c : fallback;
    }

    /**
     * The corpus for a placement: {@code requested}; else the dataset its {@code dataset_path} names, when the
     * local hub cache holds it (SAELens records the hub id it trained on); else the workspace's; else
     * {@code fallback}.
     */
    public Path corpusFor(Placement p, Path requested, Path fallback) {
        if (requested != null) {
            return requested;
        }
        Optional<Path> dataset = locator().findDataset(p.provenance().datasetPath());
        return dataset.orElseGet(() -> corpusFor(null, fallback));
    }

    /** The synthetic set a placement reads, when it reads a generator's rather than a model's activations. */
    public static Optional<Path> syntheticSet(Placement p) {
        return p.ready() && SyntheticSets.isSyntheticModel(p.at().model())
                ? Optional.of(p.at().modelFolder())
                : Optional.empty();
    }

    /** The key of the set a placement needs from {@code corpus}. */
    public ActivationCatalogue.SetKey keyFor(Placement p, Corpus corpus, HarvestOptions opts) throws IOException {
        requireReady(p);
        return new ActivationCatalogue.SetKey(
                p.at().modelHash(),
                p.at().hook(),
                fingerprints.sha256(corpus.files()),
                opts.window(),
                opts.prependBos() ? "bos" : "none");
    }

    /** The complete set a placement would use from {@code corpus}, if it was harvested already. */
    public Optional<Path> existingActivations(Placement p, Corpus corpus, HarvestOptions opts) throws IOException {
        return catalogue
                .find(keyFor(p, corpus, opts))
                .filter(e -> e.manifest().complete())
                .map(ActivationCatalogue.Entry::folder);
    }

    /**
     * The activation set for a placement from {@code corpus}: found in the catalogue, or harvested into it (an
     * unfinished one is resumed), at the dictionary's own model and hook.
     */
    public Path activationsFor(
            Placement p, Corpus corpus, HarvestOptions opts, ProgressListener progress, Cancellation cancel)
            throws IOException, CancelledException {
        Optional<Path> made = syntheticSet(p);
        if (made.isPresent()) {
            return made.get(); // a generator's set is made, not harvested: it is its own source
        }
        ActivationCatalogue.SetKey key = keyFor(p, corpus, opts);
        // two dictionaries at one hook may ask at once: one harvests, the other waits and reuses its set
        synchronized (harvestLocks.computeIfAbsent(key, k -> new Object())) {
            Optional<ActivationCatalogue.Entry> found = catalogue.find(key);
            if (found.isPresent() && found.get().manifest().complete()) {
                return found.get().folder();
            }
            Path out = found.map(ActivationCatalogue.Entry::folder)
                    .orElseGet(() -> catalogue.folderFor(key, p.at().model()));
            try (LanguageModel lm = LanguageModel.load(p.at().modelFolder())) {
                requireMatch(p, lm);
                new Harvester(lm).harvest(p.at().hook(), corpus, out, opts, progress, cancel);
            }
            return out;
        }
    }

    /**
     * Harvests (or resumes, or finds) the set of {@code modelFolder} at {@code hook} from {@code corpus} in the
     * catalogue, for a harvest the user asks for without a dictionary.
     */
    public Path harvest(
            Path modelFolder,
            HookPoint hook,
            Corpus corpus,
            HarvestOptions opts,
            ProgressListener progress,
            Cancellation cancel)
            throws IOException, CancelledException {
        Path abs = modelFolder.toAbsolutePath().normalize();
        Placement p = new Placement(
                abs,
                new Provenance(
                        abs.toString(), hook, null, opts.prependBos(), opts.window(), null, Provenance.StatedBy.USER),
                new ModelHook(displayName(abs), abs, modelHash(abs), hook),
                null);
        return activationsFor(p, corpus, opts, progress, cancel);
    }

    /**
     * Learns model names from a JSON object of name → folder (relative to the file), as the demo ships them; a name
     * already bound is left alone.
     */
    public void learnModelNames(Path namesFile) throws IOException {
        if (!Files.isRegularFile(namesFile)) {
            return;
        }
        org.sparsescope.compute.JsonInput in = org.sparsescope.compute.JsonInput.of(namesFile);
        com.google.gson.JsonObject root = in.readObject();
        for (var e : root.entrySet()) {
            if (!e.getValue().isJsonPrimitive()) {
                throw new org.sparsescope.compute.InvalidInputException(
                        namesFile, "\"" + e.getKey() + "\" should name a folder");
            }
            Path folder = namesFile.toAbsolutePath().resolveSibling(e.getValue().getAsString());
            boolean known;
            synchronized (this) {
                known = models.containsKey(e.getKey());
            }
            if (!known && Files.isDirectory(folder)) {
                rememberModel(e.getKey(), folder);
            }
        }
    }
}
