package org.sparsescope.compute.workspace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsescope.compute.activations.Manifest;
import org.sparsescope.compute.model.HookPoint;

/**
 * The workspace's activation sets, {@code activations/<model>-<hook>-…/}: one per (model weights, hook, corpus,
 * window, BOS policy), found by reading their manifests, so a set harvested once serves every dictionary at that
 * hook and survives a restart.
 */
public final class ActivationCatalogue {
    private static final Logger LOG = LoggerFactory.getLogger(ActivationCatalogue.class);
    private final Path dir;

    /** What makes two harvests the same set. */
    public record SetKey(String modelHash, HookPoint hook, String corpusHash, int window, String bosPolicy) {
        public boolean matches(Manifest m) {
            return modelHash.equals(m.modelHash())
                    && hook.sameActivations(m.hook())
                    && corpusHash.equals(m.corpusHash())
                    && window == m.window()
                    && bosPolicy.equals(m.bosPolicy());
        }
    }

    /** A set in the catalogue. */
    public record Entry(Path folder, Manifest manifest) {
        /** Whether this is a complete set of that (model, hook) pair, whatever its corpus or window. */
        public boolean holds(String modelHash, HookPoint hook) {
            return manifest.complete()
                    && modelHash.equals(manifest.modelHash())
                    && hook.sameActivations(manifest.hook());
        }
    }

    public ActivationCatalogue(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** Every set in the workspace whose manifest reads; a damaged one is logged and skipped, never removed. */
    public List<Entry> list() {
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> Files.isRegularFile(p.resolve(Manifest.FILE)))
                    .sorted()
                    .toList()) {
                try {
                    out.add(new Entry(p, Manifest.read(p)));
                } catch (IOException e) {
                    LOG.warn("skipping activation set {}: {}", p, e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot list {}: {}", dir, e.getMessage());
        }
        return out;
    }

    /** The set for {@code key}: a complete one if there is one, else an unfinished one to resume. */
    public Optional<Entry> find(SetKey key) {
        List<Entry> matching =
                list().stream().filter(e -> key.matches(e.manifest())).toList();
        return matching.stream()
                .filter(e -> e.manifest().complete())
                .findFirst()
                .or(() -> matching.stream().findFirst());
    }

    /** A new folder for {@code key}: readable names, and the corpus hash so two corpora never share one. */
    public Path folderFor(SetKey key, String modelName) {
        String base = String.format(
                Locale.ROOT,
                "%s-%s-%s-w%d%s",
                safe(modelName),
                safe(key.hook().name()),
                key.corpusHash().substring(0, 8),
                key.window(),
                key.bosPolicy().equals("bos") ? "-bos" : "");
        Path p = dir.resolve(base);
        for (int i = 2; Files.exists(p) && !matches(p, key); i++) {
            p = dir.resolve(base + "-" + i);
        }
        return p;
    }

    private static boolean matches(Path folder, SetKey key) {
        try {
            return key.matches(Manifest.read(folder));
        } catch (IOException e) {
            LOG.warn("activation set {} skipped: its manifest is unreadable ({})", folder, e.getMessage());
            return false;
        }
    }

    private static String safe(String s) {
        String name = s.contains("/") || s.contains(java.io.File.separator)
                ? s.substring(Math.max(s.lastIndexOf('/'), s.lastIndexOf(java.io.File.separatorChar)) + 1)
                : s;
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
