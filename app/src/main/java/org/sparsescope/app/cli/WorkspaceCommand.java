package org.sparsescope.app.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsescope.compute.activations.Manifest;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.model.ModelLocator;
import org.sparsescope.compute.workspace.ActivationCatalogue;
import org.sparsescope.compute.workspace.Placement;
import org.sparsescope.compute.workspace.Workspace;
import org.sparsescope.compute.workspace.WorkspaceFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "workspace",
        mixinStandardHelpOptions = true,
        description = {
            "What a workspace holds: models (where found), activation sets (model, hook, rows, corpus) and "
                    + "dictionaries with their model, hook and set."
        })
public final class WorkspaceCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--workspace",
            description = "workspace (default: $SPARSESCOPE_WORKSPACE, else the user data directory)")
    Path workspace;

    @Option(names = "--json", description = "print it as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Workspace ws = DictionaryInWorkspace.openWorkspace(workspace);
        ModelLocator locator = ws.locator();
        // each dictionary placed once, from its configs alone (its weights are not read for a listing)
        Map<String, Placement> placed = new LinkedHashMap<>();
        Map<String, String> problems = new LinkedHashMap<>();
        for (WorkspaceFile.DictionaryRecord r : ws.dictionaries()) {
            try {
                placed.put(r.path(), ws.place(Path.of(r.path()), DictionaryFiles.provenanceOf(Path.of(r.path()))));
            } catch (java.io.IOException e) {
                problems.put(r.path(), e.getMessage());
            }
        }
        // every model the workspace binds a name to, and every model its dictionaries name, with where it was found
        Map<String, Path> named = new LinkedHashMap<>(ws.models());
        for (Placement p : placed.values()) {
            if (p.provenance().model() != null) {
                named.putIfAbsent(p.provenance().model(), p.ready() ? p.at().modelFolder() : null);
            }
        }
        // one row per model folder: names bound to the same folder are one model, listed once with its other names
        List<Map<String, Object>> models = new ArrayList<>();
        Map<String, Map<String, Object>> byFolder = new LinkedHashMap<>();
        named.forEach((name, folder) -> {
            var found = locator.find(name);
            String where = found.map(p -> p.toAbsolutePath().normalize().toString())
                    .orElse(
                            folder == null
                                    ? null
                                    : folder.toAbsolutePath().normalize().toString());
            Map<String, Object> same = where == null ? null : byFolder.get(where);
            if (same != null) {
                @SuppressWarnings("unchecked")
                List<String> aliases = (List<String>) same.get("also_named");
                aliases.add(name);
                return;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("folder", where);
            m.put("found", found.isPresent());
            m.put("also_named", new ArrayList<String>());
            models.add(m);
            if (where != null) {
                byFolder.put(where, m);
            }
        });
        List<Map<String, Object>> sets = new ArrayList<>();
        List<ActivationCatalogue.Entry> catalogue = ws.catalogue().list();
        for (ActivationCatalogue.Entry e : catalogue) {
            Manifest m = e.manifest();
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("folder", e.folder().toString());
            s.put("model", ws.displayName(Path.of(m.model())));
            s.put("model_sha256", m.modelHash());
            s.put("hook", m.hook());
            s.put("rows", m.rows());
            s.put("complete", m.complete());
            s.put("window", m.window());
            s.put("bos", m.bosPolicy());
            s.put("corpus", m.corpus());
            sets.add(s);
        }
        List<Map<String, Object>> dictionaries = new ArrayList<>();
        for (WorkspaceFile.DictionaryRecord r : ws.dictionaries()) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("path", r.path());
            Placement p = placed.get(r.path());
            if (p == null) {
                d.put("problem", problems.get(r.path()));
            } else {
                d.put("model", p.provenance().model());
                d.put("hook", p.provenance().hook());
                d.put("stated_by", p.provenance().statedBy().name().toLowerCase(Locale.ROOT));
                d.put("model_folder", p.ready() ? p.at().modelFolder().toString() : null);
                d.put(
                        "activations",
                        p.ready()
                                ? catalogue.stream()
                                        .filter(e -> e.holds(p.at().modelHash(), p.at().hook()))
                                        .map(e -> e.folder().toString())
                                        .findFirst()
                                        .orElse(null)
                                : null);
                d.put(
                        "problem",
                        p.missingModel() != null
                                ? p.missingModel().getMessage()
                                : p.at() == null ? "model or hook unknown: state them once" : null);
            }
            dictionaries.add(d);
        }
        var out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workspace", ws.dir().toString());
            m.put("corpus", ws.corpus() == null ? null : ws.corpus().toString());
            m.put("hub_caches", locator.hubCaches().stream().map(Path::toString).toList());
            m.put("models", models);
            m.put("activation_sets", sets);
            m.put("dictionaries", dictionaries);
            Json.print(out, m);
            return 0;
        }
        out.println("workspace " + ws.dir());
        out.println("hub caches searched: "
                + String.join(
                        ", ", locator.hubCaches().stream().map(Path::toString).toList()));
        out.println("models:");
        for (Map<String, Object> m : models) {
            List<?> aliases = (List<?>) m.get("also_named");
            out.printf(
                    Locale.ROOT,
                    "  %-28s %s%s%s%n",
                    m.get("name"),
                    m.get("folder"),
                    Boolean.TRUE.equals(m.get("found")) ? "" : "  (missing)",
                    aliases.isEmpty()
                            ? ""
                            : "  (also named "
                                    + String.join(
                                            ", ",
                                            aliases.stream()
                                                    .map(String::valueOf)
                                                    .toList()) + ")");
        }
        out.println("activation sets:");
        for (Map<String, Object> s : sets) {
            out.printf(
                    Locale.ROOT,
                    "  %s @ %s  %,d rows%s  window %s, %s  from %s%n    %s%n",
                    s.get("model"),
                    s.get("hook"),
                    (Long) s.get("rows"),
                    Boolean.TRUE.equals(s.get("complete")) ? "" : " (unfinished)",
                    s.get("window"),
                    "bos".equals(s.get("bos")) ? "BOS prepended" : "no BOS",
                    s.get("corpus"),
                    s.get("folder"));
        }
        out.println("dictionaries:");
        for (Map<String, Object> d : dictionaries) {
            out.printf(
                    Locale.ROOT,
                    "  %s%n    %s @ %s%s%n    %s%n",
                    d.get("path"),
                    d.get("model"),
                    d.get("hook"),
                    "user".equals(d.get("stated_by")) ? " (stated by the user)" : "",
                    d.get("problem") != null
                            ? d.get("problem")
                            : d.get("activations") != null
                                    ? "measured on " + d.get("activations")
                                    : "no set harvested yet");
        }
        return 0;
    }
}
