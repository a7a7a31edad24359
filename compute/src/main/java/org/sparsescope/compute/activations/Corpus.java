package org.sparsescope.compute.activations;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.work.ContentHash;
import org.tukaani.xz.XZInputStream;

/**
 * Text to harvest from, read as a stream of documents with bounded memory: a text file whose documents are
 * separated by the line {@code <|endoftext|>} (one document if it has none), a JSONL file with a {@code text}
 * field per line, either of them xz-compressed, a Parquet file with a {@code text} column (the Hugging Face hub's
 * dataset format), or a folder of such files (in name order; a hub dataset snapshot's subfolders too).
 */
public final class Corpus {
    public static final String SEPARATOR = "<|endoftext|>";

    private final Path path;
    private final List<Path> files;

    private Corpus(Path path, List<Path> files) {
        this.path = path;
        this.files = files;
    }

    public static Corpus open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            List<Path> files;
            // a hub dataset keeps its shards in subfolders (data/train-00000-of-00002.parquet)
            try (Stream<Path> s = Files.walk(path, 4)) {
                files = s.filter(Files::isRegularFile)
                        .filter(Corpus::isTextName)
                        .sorted()
                        .toList();
            }
            if (files.isEmpty()) {
                throw new InvalidInputException(
                        path, "empty corpus: the folder holds no .txt, .jsonl, .parquet or .xz files");
            }
            return new Corpus(path, files);
        }
        if (!Files.isRegularFile(path)) {
            throw new InvalidInputException(path, "corpus not found");
        }
        return new Corpus(path, List.of(path));
    }

    private static boolean isTextName(Path p) {
        String n = p.getFileName().toString();
        return n.endsWith(".txt")
                || n.endsWith(".jsonl")
                || n.endsWith(".txt.xz")
                || n.endsWith(".jsonl.xz")
                || n.endsWith(".parquet");
    }

    public Path path() {
        return path;
    }

    public List<Path> files() {
        return files;
    }

    /** SHA-256 over the corpus files, so a resumed harvest can tell it reads the same text. */
    public String contentHash() throws IOException {
        return ContentHash.sha256(files);
    }

    /** Reads documents one at a time; close it when done. */
    public Documents documents() {
        return new Documents();
    }

    /** A cursor over the corpus's documents. */
    public final class Documents implements AutoCloseable {
        private int fileIndex = -1;
        private BufferedReader reader;
        private ParquetTexts parquet;
        private Path current;
        private boolean jsonl;
        private long lineNumber;

        /** The next document's text, or null at the end of the corpus. */
        public String next() throws IOException {
            while (true) {
                if (reader == null && parquet == null && !openNext()) {
                    return null;
                }
                if (parquet != null) {
                    String doc = parquet.next();
                    if (doc != null) {
                        return doc;
                    }
                    parquet.close();
                    parquet = null;
                    continue;
                }
                String doc = jsonl ? nextJson() : nextText();
                if (doc != null) {
                    return doc;
                }
                reader.close();
                reader = null;
            }
        }

        private boolean openNext() throws IOException {
            if (++fileIndex >= files.size()) {
                return false;
            }
            current = files.get(fileIndex);
            String name = current.getFileName().toString();
            if (name.endsWith(".parquet")) {
                parquet = ParquetTexts.open(current);
                return true;
            }
            InputStream in = Files.newInputStream(current);
            if (name.endsWith(".xz")) {
                try {
                    in = new XZInputStream(in);
                } catch (IOException e) {
                    in.close();
                    throw new InvalidInputException(current, "not a readable .xz file: " + e.getMessage(), e);
                }
            }
            var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
            reader = new BufferedReader(new InputStreamReader(in, decoder), 1 << 16);
            jsonl = name.endsWith(".jsonl") || name.endsWith(".jsonl.xz");
            lineNumber = 0;
            return true;
        }

        private String readLine() throws IOException {
            try {
                String line = reader.readLine();
                lineNumber++;
                return line;
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new InvalidInputException(current, "not UTF-8 text near line " + lineNumber);
            } catch (IOException e) {
                throw new InvalidInputException(
                        current, "unreadable near line " + lineNumber + " (truncated?): " + e.getMessage(), e);
            }
        }

        /** Lines up to the next separator line, joined by newlines (the separator's own newlines are not text). */
        private String nextText() throws IOException {
            StringBuilder doc = null;
            String line;
            while ((line = readLine()) != null) {
                if (line.equals(SEPARATOR)) {
                    if (doc != null && doc.length() > 0) {
                        return doc.toString();
                    }
                    doc = null; // an empty document holds no text to read
                    continue;
                }
                if (doc == null) {
                    doc = new StringBuilder(line);
                } else {
                    doc.append('\n').append(line);
                }
            }
            return doc == null || doc.length() == 0 ? null : doc.toString();
        }

        private String nextJson() throws IOException {
            String line;
            while ((line = readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonElement e = JsonParser.parseString(line);
                    if (e.isJsonObject()
                            && e.getAsJsonObject().has("text")
                            && e.getAsJsonObject().get("text").isJsonPrimitive()) {
                        return e.getAsJsonObject().get("text").getAsString();
                    }
                    throw new InvalidInputException(current, "line " + lineNumber + " has no string field \"text\"");
                } catch (JsonParseException ex) {
                    throw new InvalidInputException(
                            current, "line " + lineNumber + " is not JSON: " + ex.getMessage(), ex);
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            if (reader != null) {
                reader.close();
            }
            if (parquet != null) {
                parquet.close();
            }
        }
    }

    /** All documents at once; for small corpora and tests. */
    public List<String> readAll() throws IOException {
        List<String> out = new ArrayList<>();
        try (Documents d = documents()) {
            for (String s = d.next(); s != null; s = d.next()) {
                out.add(s);
            }
        }
        return out;
    }
}
