package org.sparsescope.compute.handoff;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.dictionary.format.SaeLensFormat;
import org.sparsescope.compute.dictionary.format.SparsifyFormat;
import org.sparsescope.compute.tensor.TorchFile;

/**
 * A folder where a cluster run's checkpoints arrive (synced by the user's rsync or a shared file system), scanned
 * on each {@link #poll()}: sparsify's {@code {run}/{hookpoint}/sae.safetensors} (rewritten in place at every save;
 * the step from the run's {@code state.pt}) and SAELens's {@code {checkpoints}/{run}/{tokens}/sae_weights.safetensors}
 * (one folder per save, named by the tokens trained on). A checkpoint is read only once its files have stood
 * unchanged (size and modification time) for one whole poll, and then only if it reads whole: a file still being
 * copied is never read as a dictionary. One that does not read is reported once as skipped and read again when its
 * files change. Polling rather than a file-system watch: change notifications do not cross NFS or sshfs mounts.
 */
public final class RunFolderWatch {
    /** A member of the run (one per hookpoint, or per SAELens run) and where its latest checkpoint stands. */
    public sealed interface Event permits Arrived, Skipped {
        Path dir();
    }

    /**
     * A complete checkpoint, read. {@code member} names what moves (the same for each of a member's saves); {@code
     * step} is sparsify's global step or SAELens's tokens trained on, -1 when the run says none.
     */
    public record Arrived(Path dir, String member, long step, String stepUnit, Dictionary dictionary)
            implements Event {}

    /** A checkpoint whose files stopped changing but do not read as a dictionary; {@code reason} says why. */
    public record Skipped(Path dir, String reason) implements Event {}

    private static final Pattern SAELENS_STEP = Pattern.compile("(?:final_)?(\\d+)");
    private static final int MAX_DEPTH = 6;

    private final Path root;
    /** Per checkpoint folder: the fingerprint seen at the last poll, and the one last reported. */
    private final Map<Path, String> seen = new HashMap<>();

    private final Map<Path, String> reported = new HashMap<>();

    public RunFolderWatch(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** One scan: the checkpoints that became complete (or changed and settled) since the last. */
    public List<Event> poll() throws IOException {
        if (!Files.isDirectory(root)) {
            throw new org.sparsescope.compute.InvalidInputException(root, "is not a folder (moved or unmounted?)");
        }
        List<Event> out = new ArrayList<>();
        for (Path dir : checkpointFolders()) {
            String now = fingerprint(dir);
            String before = seen.put(dir, now);
            if (now == null || !now.equals(before) || now.equals(reported.get(dir))) {
                continue; // still changing (or just appeared), or already reported as it is
            }
            reported.put(dir, now);
            try {
                Dictionary d = DictionaryFiles.read(dir);
                out.add(arrival(dir, d));
            } catch (IOException | RuntimeException e) {
                out.add(new Skipped(dir, e.getMessage() == null ? e.toString() : e.getMessage()));
            }
        }
        return out;
    }

    private Arrived arrival(Path dir, Dictionary d) {
        if (Files.isRegularFile(dir.resolve(SparsifyFormat.WEIGHTS))) {
            Path run = dir.getParent();
            return new Arrived(dir, root.relativize(dir).toString(), sparsifyStep(run.resolve("state.pt")), "step", d);
        }
        Matcher m = SAELENS_STEP.matcher(dir.getFileName().toString());
        Path run = dir.getParent();
        String member = run == null || run.equals(root)
                ? dir.getFileName().toString()
                : root.relativize(run).toString();
        return new Arrived(dir, member, m.matches() ? Long.parseLong(m.group(1)) : -1, "tokens", d);
    }

    /** sparsify's {@code state.pt}: {@code {"global_step": n}}; -1 when absent or unreadable (it is written after the weights). */
    static long sparsifyStep(Path statePt) {
        if (!Files.isRegularFile(statePt)) {
            return -1;
        }
        try {
            Object o = TorchFile.read(statePt);
            if (o instanceof Map<?, ?> m && m.get("global_step") instanceof Number n) {
                return n.longValue();
            }
        } catch (IOException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(RunFolderWatch.class).debug(statePt + ": " + e.getMessage());
        }
        return -1;
    }

    /** Folders holding a sparsify or SAELens checkpoint's weights and cfg.json, skipping hidden (partial) ones. */
    private List<Path> checkpointFolders() throws IOException {
        try (Stream<Path> s = Files.walk(root, MAX_DEPTH, FileVisitOption.FOLLOW_LINKS)) {
            return s.filter(p -> {
                        String name = p.getFileName().toString();
                        return (name.equals(SparsifyFormat.WEIGHTS) || name.equals(SaeLensFormat.WEIGHTS))
                                && !hidden(root.relativize(p));
                    })
                    .map(Path::getParent)
                    .filter(Objects::nonNull)
                    .sorted()
                    .distinct()
                    .toList();
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true; // rsync's .name.XXXX temporaries, our own .tmp folders
            }
        }
        return false;
    }

    /** Sizes and modification times of the checkpoint's files; null when one is missing. */
    private static String fingerprint(Path dir) {
        StringBuilder b = new StringBuilder();
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.filter(Files::isRegularFile).sorted().toList();
            boolean cfg = false;
            for (Path f : files) {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                b.append(f.getFileName())
                        .append(':')
                        .append(a.size())
                        .append(':')
                        .append(a.lastModifiedTime().toMillis())
                        .append(';');
                cfg |= f.getFileName().toString().equals(SaeLensFormat.CFG);
            }
            return cfg ? b.toString() : null;
        } catch (IOException e) {
            return null;
        }
    }
}
