package org.sparsescope.app.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import org.sparsescope.app.Resources;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.activations.Corpus;
import org.sparsescope.compute.activations.HarvestOptions;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.workspace.ModelHook;
import org.sparsescope.compute.workspace.Placement;
import org.sparsescope.compute.workspace.ProvenanceMismatchException;
import org.sparsescope.compute.workspace.Workspace;
import picocli.CommandLine.Option;

/**
 * The options of every command that runs a dictionary: {@code --dict} alone is enough. Its model and hook come
 * from its files (or what the user stated once in this workspace), its model is found offline, and its
 * activations are found in the workspace or harvested there, as the window does. {@code --model},
 * {@code --hook} and {@code --activations} still win; one that contradicts the dictionary is refused unless
 * {@code --force}.
 */
final class DictionaryInWorkspace {
    @Option(
            names = "--dict",
            required = true,
            description = "dictionary folder or file (SAELens, sparsify, dictionary_learning, learned_dicts.pt#i)")
    Path dict;

    @Option(
            names = "--model",
            description =
                    "model folder (default: the model the dictionary names, found offline in the workspace or the Hugging Face cache)")
    Path model;

    @Option(
            names = "--hook",
            description =
                    "hook the dictionary reads (default: its own); for files that name none, stated once and remembered")
    String hook;

    @Option(
            names = "--activations",
            description =
                    "activation set to use (default: the workspace's set for the dictionary's model and hook, harvested if missing)")
    Path activations;

    @Option(
            names = "--corpus",
            description =
                    "text to harvest a missing set from (default: the dataset the dictionary names, when the Hugging Face cache holds it; else the workspace's corpus; else the demo corpus)")
    Path corpus;

    @Option(
            names = "--tokens",
            defaultValue = "200000",
            description = "tokens to harvest for a missing set (default ${DEFAULT-VALUE})")
    long tokens;

    @Option(
            names = "--workspace",
            description = "workspace (default: $SPARSESCOPE_WORKSPACE, else the user data directory)")
    Path workspaceDir;

    @Option(
            names = "--force",
            description =
                    "use --model/--hook/--activations even where they contradict the dictionary's provenance, or confirm a foreign set's")
    boolean force;

    /**
     * The options as a command that names them its own way sets them ({@code model} and {@code workspaceDir} may be
     * null: the dictionary's own, the default workspace); {@code tokens} to harvest for a missing set.
     */
    static DictionaryInWorkspace of(Path dict, Path model, Path workspaceDir, long tokens) {
        DictionaryInWorkspace t = new DictionaryInWorkspace();
        t.dict = dict;
        t.model = model;
        t.workspaceDir = workspaceDir;
        t.tokens = tokens;
        return t;
    }

    private Workspace workspace;
    private Dictionary dictionary;
    private Placement placement;

    Workspace workspace() throws IOException {
        if (workspace == null) {
            workspace = openWorkspace(workspaceDir);
        }
        return workspace;
    }

    /** A workspace for the command line: the one named, or the default, knowing the demo model's names. */
    static Workspace openWorkspace(Path dir) throws IOException {
        Workspace w = Workspace.open(dir != null ? dir : Workspace.defaultLocation());
        Resources.registerDemoModel(w);
        return w;
    }

    Dictionary dictionary() throws IOException {
        if (dictionary == null) {
            dictionary = DictionaryFiles.read(dict);
        }
        return dictionary;
    }

    /** Where the dictionary sits, with the explicit options applied and checked. */
    Placement placement() throws IOException {
        if (placement == null) {
            // a mistyped hook is a mistake to name, not a provenance to override with --force
            HookPoint hookPoint = hookAsked();
            Placement p = workspace().place(dict, dictionary());
            if (model != null) {
                p = workspace().withExplicitModel(p, model, hookPoint, force);
            } else if (hookPoint != null) {
                if (p.provenance().hook() == null && p.provenance().model() == null) {
                    throw new ProvenanceMismatchException(dict, "names no model; give --model as well as --hook");
                }
                p = workspace()
                        .withExplicitModel(
                                p,
                                p.ready()
                                        ? p.at().modelFolder()
                                        : workspace()
                                                .locator()
                                                .locate(p.provenance().model(), dict),
                                hookPoint,
                                force);
            }
            if (hookPoint != null && p.ready()) {
                // a layer past the model's depth is refused here, before any harvest starts
                LanguageModel.hook(p.at().modelFolder(), hookPoint);
            }
            placement = p;
        }
        return placement;
    }

    /** {@code --hook} read as a place: in the family of {@code --model} when given (module paths), else on its own. */
    private HookPoint hookAsked() throws IOException {
        if (hook == null) {
            return null;
        }
        if (model != null) {
            return LanguageModel.hook(model, hook);
        }
        try {
            return HookPoint.parse(hook);
        } catch (IllegalArgumentException e) {
            throw new org.sparsescope.compute.InvalidInputException(dict, "--hook: " + e.getMessage());
        }
    }

    /** The set to measure on: the one given (checked against the dictionary), or the workspace's for its pair. */
    Path activations(PrintWriter err) throws Exception {
        Placement p = placement();
        if (activations != null) {
            try (ActivationSet set = ActivationSet.open(activations)) {
                Optional<ModelHook> site = workspace().siteOf(set);
                if (site.isEmpty() && force && p.ready()) {
                    workspace().confirmSet(activations, p.at().model(), p.at().hook());
                    err.println("sparsescope: remembered that " + activations + " holds " + p.at().label());
                } else if (force) {
                    try {
                        workspace().requireMatch(p, set);
                    } catch (ProvenanceMismatchException e) {
                        err.println("sparsescope: warning (--force): " + e.getMessage());
                    }
                } else {
                    workspace().requireMatch(p, set);
                }
            }
            return activations;
        }
        if (!p.ready()) {
            Workspace.requireReady(p);
        }
        Optional<Path> made = Workspace.syntheticSet(p);
        if (made.isPresent()) {
            return made.get();
        }
        Corpus text =
                Corpus.open(workspace().corpusFor(p, corpus, Resources.demo().corpus()));
        HarvestOptions opts = Workspace.harvestOptions(p, tokens);
        Optional<Path> existing = workspace().existingActivations(p, text, opts);
        if (existing.isPresent()) {
            return existing.get();
        }
        err.println("sparsescope: harvesting " + tokens + " tokens of " + p.at().label() + " from " + text.path()
                + " into " + workspace().catalogue().dir());
        TerminalProgress bar = new TerminalProgress(err);
        Path out = workspace().activationsFor(p, text, opts, bar, new Cancellation());
        bar.done();
        return out;
    }

    /**
     * The dictionary's feature report on the whole of {@code set} (checked to be as wide as the dictionary), from the
     * workspace cache or computed with a progress bar on {@code err}.
     */
    org.sparsescope.compute.stats.FeatureReport report(ActivationSet set, PrintWriter err) throws Exception {
        TerminalProgress bar = new TerminalProgress(err);
        var r = workspace().cache().wholeSetReport(dict, dictionary(), set, bar, new Cancellation());
        bar.done();
        return r;
    }

    /** The dictionary's own model, checked against it. */
    LanguageModel loadModel() throws IOException {
        Placement p = placement();
        if (!p.ready()) {
            Workspace.requireReady(p);
        }
        LanguageModel lm = ModelLoading.load(p.at().modelFolder());
        try {
            if (!force) {
                workspace().requireMatch(p, lm);
            }
            return lm;
        } catch (IOException | RuntimeException e) {
            lm.close();
            throw e;
        }
    }

    /** "model @ hook" as the output's header shows it. */
    String site() throws IOException {
        return placement().describe();
    }
}
