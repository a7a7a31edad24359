package org.sparsescope.compute.dictionary;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.sparsescope.compute.dictionary.format.DictionaryFormat;
import org.sparsescope.compute.dictionary.format.DictionaryLearningFormat;
import org.sparsescope.compute.dictionary.format.GemmaScopeFormat;
import org.sparsescope.compute.dictionary.format.LlamaScopeFormat;
import org.sparsescope.compute.dictionary.format.SaeLensFormat;
import org.sparsescope.compute.dictionary.format.SeedFormat;
import org.sparsescope.compute.dictionary.format.Sidecar;
import org.sparsescope.compute.dictionary.format.SparsifyFormat;

/**
 * Where a dictionary is and which {@link DictionaryFormat} reads it: a path (a folder, one of its files, or
 * {@code file#i} for one entry of a file holding several) resolved to the format that recognises it.
 */
public final class DictionaryFiles {
    private DictionaryFiles() {}

    /** Where a dictionary is: a file or folder, and which entry of a file holding several ({@code path#i}; -1 for none). */
    public record Location(Path path, int entry) {
        public static Location of(Path path) {
            String s = path.toString();
            int hash = s.lastIndexOf('#');
            if (hash > 0 && s.substring(hash + 1).matches("\\d+")) {
                return new Location(Path.of(s.substring(0, hash)), Integer.parseInt(s.substring(hash + 1)));
            }
            return new Location(path, -1);
        }
    }

    /** A file a dictionary is read from, named relative to the dictionary's folder (or by its own name). */
    public record SourceFile(String name, Path file) {}

    /**
     * The files a dictionary at {@code path} (a {@link Location}'s path) is read from, sorted: a folder's files two
     * levels down but our sidecar and hidden ones, or a file and the config.json beside it.
     */
    public static List<SourceFile> sourceFiles(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            try (Stream<Path> files = Files.walk(path, 2)) {
                return files.filter(Files::isRegularFile)
                        .filter(f -> {
                            String name = f.getFileName().toString();
                            return !name.equals(Sidecar.FILE) && !name.startsWith(".");
                        })
                        .sorted()
                        .map(f -> new SourceFile(path.relativize(f).toString(), f))
                        .toList();
            }
        }
        Path cfg = path.resolveSibling("config.json");
        SourceFile self = new SourceFile(path.getFileName().toString(), path);
        return Files.isRegularFile(cfg) && !cfg.equals(path)
                ? List.of(self, new SourceFile("config.json", cfg))
                : List.of(self);
    }

    /** The one dictionary at {@code path}; a file holding several (learned_dicts.pt) must be read with {@link #readAll}. */
    public static Dictionary read(Path path) throws IOException {
        return one(path, readAll(path));
    }

    /** What the files say of the one dictionary at {@code path}, without reading its weights (where the format allows). */
    public static Provenance provenanceOf(Path path) throws IOException {
        return one(path, provenance(path));
    }

    private static <T> T one(Path path, List<T> all) throws DictionaryFormatException {
        if (all.size() != 1) {
            throw new DictionaryFormatException(
                    path, "holds " + all.size() + " dictionaries; pick one (e.g. " + path + "#0)");
        }
        return all.get(0);
    }

    /** Every dictionary at {@code path}: a folder or a file of any known layout; {@code #i} picks one entry. */
    public static List<Dictionary> readAll(Path path) throws IOException {
        Location at = locate(path);
        List<Dictionary> all;
        try {
            all = format(at.path()).read(folderOrFile(at.path()));
        } catch (IllegalArgumentException e) {
            // a dictionary's parameters disagree in shape (the records check their invariants as they are made)
            throw new DictionaryFormatException(at.path(), "inconsistent parameters: " + e.getMessage());
        }
        return pick(at, all);
    }

    /** What the files say of model and hook for the dictionary at {@code path} (one entry when {@code #i} is given). */
    public static List<Provenance> provenance(Path path) throws IOException {
        Location at = locate(path);
        return pick(at, format(at.path()).provenance(folderOrFile(at.path())));
    }

    /** {@link Location#of}, refusing an entry that is not a number ("learned_dicts.pt#x") by name rather than as a missing file. */
    private static Location locate(Path path) throws DictionaryFormatException {
        Location at = Location.of(path);
        String s = path.toString();
        int hash = s.lastIndexOf('#');
        if (at.entry() < 0 && hash > 0 && !Files.exists(path) && Files.exists(Path.of(s.substring(0, hash)))) {
            throw new DictionaryFormatException(
                    Path.of(s.substring(0, hash)),
                    "entry '#" + s.substring(hash + 1) + "' is not a number; entries are picked as "
                            + s.substring(0, hash) + "#0, #1, …");
        }
        return at;
    }

    private static <T> List<T> pick(Location at, List<T> all) throws DictionaryFormatException {
        if (at.entry() < 0) {
            return all;
        }
        if (at.entry() >= all.size()) {
            throw new DictionaryFormatException(at.path(), "has " + all.size() + " dictionaries, no #" + at.entry());
        }
        return List.of(all.get(at.entry()));
    }

    /** The format that reads {@code path}, or a typed error saying what was expected. */
    public static DictionaryFormat format(Path path) throws DictionaryFormatException {
        if (!Files.exists(path)) {
            throw new DictionaryFormatException(path, "not found");
        }
        Path p = folderOrFile(path);
        for (DictionaryFormat f : DictionaryFormat.all()) {
            if (f.recognises(p)) {
                return f;
            }
        }
        if (Files.isDirectory(p) && Files.isRegularFile(p.resolve(SaeLensFormat.CFG))) {
            throw new DictionaryFormatException(
                    p.resolve(SaeLensFormat.WEIGHTS), "missing: cfg.json is there but not its weights");
        }
        if (Files.isRegularFile(p)) {
            throw new DictionaryFormatException(
                    p,
                    "is " + whatItIs(p) + ", not a dictionary (expected a SAELens folder with cfg.json and "
                            + SaeLensFormat.WEIGHTS
                            + ", a sparsify folder, dictionary_learning's ae.pt, a Gemma Scope, Llama Scope, Qwen-Scope, Goodfire or"
                            + " OpenAI release file, learned_dicts.pt or a torch state dict of W_enc/W_dec)");
        }
        throw new DictionaryFormatException(
                p,
                "no dictionary here: expected cfg.json with " + SaeLensFormat.WEIGHTS + " (SAELens), "
                        + SparsifyFormat.WEIGHTS + " (sparsify), " + DictionaryLearningFormat.WEIGHTS
                        + " (dictionary_learning), " + GemmaScopeFormat.NPZ + " or " + GemmaScopeFormat.SAFETENSORS
                        + " (Gemma Scope), " + LlamaScopeFormat.HYPERPARAMS + " (Llama Scope), layerN.sae.pt"
                        + " (Qwen-Scope), autoencoders/N.pt (OpenAI) or learned_dicts.pt");
    }

    /** What a file that no dictionary reader takes seems to be, so the message says more than "unknown". */
    private static String whatItIs(Path file) {
        String name = file.getFileName().toString();
        Path cfg = file.resolveSibling("config.json");
        if (name.endsWith(".safetensors") || name.endsWith(".bin") || name.equals("model.safetensors.index.json")) {
            if (Files.isRegularFile(cfg)) {
                try {
                    String text = Files.readString(cfg);
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"model_type\"\\s*:\\s*\"([^\"]+)\"")
                            .matcher(text);
                    if (m.find()) {
                        return "a " + m.group(1)
                                + " model's weights (config.json beside it; open it as a model to harvest from, not as a dictionary)";
                    }
                } catch (IOException e) {
                    // fall through to the tensors it holds
                }
            }
            try (org.sparsescope.compute.tensor.SafetensorsFile st =
                    org.sparsescope.compute.tensor.SafetensorsFile.open(file)) {
                java.util.List<String> names =
                        st.tensors().keySet().stream().sorted().limit(6).toList();
                return "a safetensors file of " + st.tensors().size() + " tensors (" + String.join(", ", names)
                        + (st.tensors().size() > 6 ? ", …" : "") + ")";
            } catch (IOException | RuntimeException e) {
                return "a file that does not read as safetensors (" + e.getMessage() + ")";
            }
        }
        if (name.endsWith(".npy") || name.endsWith(".npz")) {
            return "a numpy array file (activations? open it as an activation set)";
        }
        return "a file of no layout the app reads";
    }

    /** A file that only belongs to a folder layout (its cfg or weights) stands for the folder. */
    private static Path folderOrFile(Path path) {
        if (Files.isRegularFile(path)) {
            String name = path.getFileName().toString();
            if (name.equals(SaeLensFormat.CFG)
                    || name.equals(SaeLensFormat.WEIGHTS)
                    || name.equals(SparsifyFormat.WEIGHTS)
                    || name.equals(GemmaScopeFormat.NPZ)
                    || name.equals(GemmaScopeFormat.SAFETENSORS)
                    || name.equals(LlamaScopeFormat.HYPERPARAMS)
                    || name.equals("config.json")
                    || name.equals(Sidecar.FILE)) {
                return path.toAbsolutePath().getParent();
            }
        }
        return path;
    }

    /**
     * A dictionary's name as a researcher calls it: its folder (or hookpoint) rather than a file every dictionary of
     * its format has ({@code cfg.json}, {@code sae.safetensors}, {@code ae.pt}, …); an entry of a file of several
     * keeps its {@code #i}.
     */
    public static String displayName(Path path) {
        String n = path.getFileName().toString();
        String entry = "";
        int hash = n.lastIndexOf('#');
        if (hash > 0) {
            entry = n.substring(hash);
            n = n.substring(0, hash);
        }
        java.util.Set<String> generic = java.util.Set.of(
                SaeLensFormat.CFG,
                SaeLensFormat.WEIGHTS,
                SparsifyFormat.WEIGHTS,
                DictionaryLearningFormat.WEIGHTS,
                DictionaryLearningFormat.CONFIG,
                Sidecar.FILE,
                SeedFormat.FILE);
        Path parent = path.toAbsolutePath().getParent();
        if (generic.contains(n) && parent != null && parent.getFileName() != null) {
            String folder = parent.getFileName().toString();
            return (n.equals(SeedFormat.FILE) ? folder + "/" + SeedFormat.FILE : folder) + entry;
        }
        return n + entry;
    }
}
