package org.sparsescope.compute.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds a model folder, offline, from the name a dictionary gives it: a folder path as written; a Hugging Face
 * hub id (or a TransformerLens/SAELens short name such as {@code gpt2-small} or {@code pythia-70m-deduped}) in the
 * local hub cache ({@code models--ORG--NAME/snapshots/REV/}, the revision {@code refs/main} names first); or a name
 * the workspace already knows. Nothing is downloaded.
 */
public final class ModelLocator {
    private final List<Path> hubCaches;
    private final Map<String, Path> known;

    /** @param known names the workspace has bound to folders (the user's statements and earlier finds) */
    public ModelLocator(List<Path> hubCaches, Map<String, Path> known) {
        this.hubCaches = List.copyOf(hubCaches);
        this.known = Map.copyOf(known);
    }

    /** The hub cache where Hugging Face's own tools keep it: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub. */
    public static Path defaultHubCache() {
        String hub = System.getenv("HF_HUB_CACHE");
        if (hub != null && !hub.isBlank()) {
            return Path.of(hub);
        }
        String home = System.getenv("HF_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home, "hub");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub");
    }

    public List<Path> hubCaches() {
        return hubCaches;
    }

    /**
     * The hub ids a name may stand for: itself, and for TransformerLens's short names the hub id they load
     * ({@code gpt2-small} → {@code gpt2}, {@code pythia-70m-deduped} → {@code EleutherAI/pythia-70m-deduped}).
     */
    public static List<String> hubIds(String name) {
        List<String> ids = new ArrayList<>();
        ids.add(name);
        String n = name.toLowerCase(Locale.ROOT);
        switch (n) {
            case "gpt2-small", "gpt2", "openai-community/gpt2" -> {
                ids.add("gpt2");
                ids.add("openai-community/gpt2");
            }
            case "gpt2-medium", "gpt2-large", "gpt2-xl" -> ids.add("openai-community/" + n);
            case "distilgpt2", "distil-gpt2" -> {
                ids.add("distilgpt2");
                ids.add("distilbert/distilgpt2");
            }
            default -> {
                if (n.startsWith("pythia-")) {
                    ids.add("EleutherAI/" + name);
                }
            }
        }
        return ids.stream().distinct().toList();
    }

    /** The folder for {@code name}, if any place holds it. */
    public Optional<Path> find(String name) {
        if (name == null || name.isBlank()) {
            return Optional.empty();
        }
        Path asPath = pathOrNull(name);
        if (asPath != null && isModelFolder(asPath)) {
            return Optional.of(asPath.toAbsolutePath().normalize());
        }
        for (String id : hubIds(name)) {
            Path k = known.get(id);
            if (k != null && isModelFolder(k)) {
                return Optional.of(k);
            }
        }
        for (String id : hubIds(name)) {
            for (Path cache : hubCaches) {
                Optional<Path> snap = snapshot(cache, id);
                if (snap.isPresent()) {
                    return snap;
                }
            }
        }
        return Optional.empty();
    }

    /** The folder for {@code name}, or the typed error naming it and every place searched. */
    public Path locate(String name, Path wantedBy) throws ModelNotFoundException {
        return find(name).orElseThrow(() -> new ModelNotFoundException(wantedBy, name, searched(name)));
    }

    /** Every place {@link #find} looks for {@code name}, as shown to the user. */
    public List<String> searched(String name) {
        List<String> out = new ArrayList<>();
        Path asPath = pathOrNull(name);
        if (asPath != null) {
            out.add("the folder " + asPath.toAbsolutePath().normalize());
        }
        out.add("the models this workspace knows (" + (known.isEmpty() ? "none" : String.join(", ", known.keySet()))
                + ")");
        for (String id : hubIds(name)) {
            if (id.contains("/") || !id.contains(java.io.File.separator)) {
                for (Path cache : hubCaches) {
                    out.add(cache.resolve(folderName(id)).toString());
                }
            }
        }
        return out;
    }

    /** The hub cache's folder name for a repo id: models--ORG--NAME. */
    public static String folderName(String hubId) {
        return "models--" + hubId.replace("/", "--");
    }

    /** The hub id a snapshot folder belongs to (models--ORG--NAME/snapshots/REV), if it is one. */
    public static Optional<String> hubIdOf(Path folder) {
        Path abs = folder.toAbsolutePath().normalize();
        Path snapshots = abs.getParent();
        if (snapshots == null
                || !snapshots.getFileName().toString().equals("snapshots")
                || snapshots.getParent() == null) {
            return Optional.empty();
        }
        String repo = snapshots.getParent().getFileName().toString();
        return repo.startsWith("models--")
                ? Optional.of(repo.substring("models--".length()).replace("--", "/"))
                : Optional.empty();
    }

    private static Optional<Path> snapshot(Path cache, String id) {
        return snapshot(cache.resolve(folderName(id)), ModelLocator::isModelFolder);
    }

    /**
     * The snapshot of a hub cache repo folder ({@code models--…} or {@code datasets--…}) that {@code refs/main}
     * names, else (a copied cache without refs) the newest one that {@code holds} accepts.
     */
    public static Optional<Path> snapshot(Path repo, java.util.function.Predicate<Path> holds) {
        Path snapshots = repo.resolve("snapshots");
        if (!Files.isDirectory(snapshots)) {
            return Optional.empty();
        }
        try {
            Path ref = repo.resolve("refs").resolve("main");
            if (Files.isRegularFile(ref)) {
                Path s = snapshots.resolve(Files.readString(ref).trim()).normalize();
                if (s.startsWith(snapshots) && holds.test(s)) {
                    return Optional.of(s.toAbsolutePath().normalize());
                }
            }
            try (Stream<Path> all = Files.list(snapshots)) {
                return all.filter(holds)
                        .max(Comparator.comparing(p -> {
                            try {
                                return Files.getLastModifiedTime(p).toMillis();
                            } catch (IOException e) {
                                return 0L;
                            }
                        }))
                        .map(p -> p.toAbsolutePath().normalize());
            }
        } catch (IOException | java.nio.file.InvalidPathException e) {
            return Optional.empty();
        }
    }

    /**
     * The local snapshot of a hub dataset ({@code datasets--ORG--NAME/snapshots/REV/}) holding Parquet files, for
     * a dictionary whose {@code dataset_path} names one; nothing is downloaded.
     */
    public Optional<Path> findDataset(String datasetId) {
        if (datasetId == null || !datasetId.matches("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?")) {
            return Optional.empty();
        }
        for (Path cache : hubCaches) {
            Optional<Path> s =
                    snapshot(cache.resolve("datasets--" + datasetId.replace("/", "--")), ModelLocator::holdsParquet);
            if (s.isPresent()) {
                return s;
            }
        }
        return Optional.empty();
    }

    private static boolean holdsParquet(Path folder) {
        try (Stream<Path> s = Files.walk(folder, 4)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".parquet"));
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether a folder holds a model (its config.json). */
    public static boolean isModelFolder(Path p) {
        return Files.isDirectory(p) && Files.isRegularFile(p.resolve(TransformerConfig.FILE));
    }

    private static Path pathOrNull(String name) {
        try {
            return Path.of(name);
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    /** Names a folder goes by: its path, its hub id when it is a cache snapshot, and the names bound to it. */
    public List<String> namesOf(Path folder) {
        Path abs = folder.toAbsolutePath().normalize();
        List<String> names = new ArrayList<>();
        names.add(abs.toString());
        hubIdOf(abs).ifPresent(names::add);
        Map<String, Path> byName = new LinkedHashMap<>(known);
        byName.forEach((k, v) -> {
            if (v.toAbsolutePath().normalize().equals(abs)) {
                names.add(k);
            }
        });
        return names;
    }
}
