package org.sparsescope.compute.activations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import blue.strategic.parquet.ParquetWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.workspace.Placement;
import org.sparsescope.compute.workspace.ResearcherWorld;
import org.sparsescope.compute.workspace.Workspace;

/** Corpora as the Hugging Face hub stores datasets: Parquet files with a text column, found in the local cache. */
class ParquetCorpusTest {
    @TempDir
    Path tmp;

    record Row(long id, String text) {}

    static void writeParquet(Path file, List<Row> rows) throws Exception {
        Files.createDirectories(file.getParent());
        MessageType schema = Types.buildMessage()
                .required(PrimitiveType.PrimitiveTypeName.INT64)
                .named("id")
                .required(PrimitiveType.PrimitiveTypeName.BINARY)
                .as(LogicalTypeAnnotation.stringType())
                .named("text")
                .named("row");
        try (ParquetWriter<Row> w = ParquetWriter.writeFile(schema, file.toFile(), (r, v) -> {
            v.write("id", r.id());
            v.write("text", r.text());
        })) {
            for (Row r : rows) {
                w.write(r);
            }
        }
    }

    @Test
    void aParquetFilesTextColumnIsReadAsDocumentsInOrderSkippingEmptyOnes() throws Exception {
        Path f = tmp.resolve("train-00000-of-00001.parquet");
        writeParquet(
                f,
                List.of(
                        new Row(0, "The first document.\nIts second line."),
                        new Row(1, ""),
                        new Row(2, "Ünïcödé — and more")));
        assertEquals(
                List.of("The first document.\nIts second line.", "Ünïcödé — and more"),
                Corpus.open(f).readAll());
    }

    @Test
    void aParquetFileWithoutATextColumnOrCutShortIsATypedErrorNamingIt() throws Exception {
        Path f = tmp.resolve("ids.parquet");
        MessageType schema = Types.buildMessage()
                .required(PrimitiveType.PrimitiveTypeName.INT64)
                .named("id")
                .named("row");
        try (ParquetWriter<Long> w = ParquetWriter.writeFile(schema, f.toFile(), (r, v) -> v.write("id", r))) {
            w.write(7L);
        }
        InvalidInputException e =
                assertThrows(InvalidInputException.class, () -> Corpus.open(f).readAll());
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("text"), e.getMessage());

        Path good = tmp.resolve("good.parquet");
        writeParquet(good, List.of(new Row(0, "x".repeat(1000))));
        byte[] bytes = Files.readAllBytes(good);
        Path cut = tmp.resolve("cut.parquet");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        InvalidInputException c =
                assertThrows(InvalidInputException.class, () -> Corpus.open(cut).readAll());
        assertTrue(c.getMessage().contains(cut.toString()), c.getMessage());
    }

    @Test
    void aDictionaryNamingADatasetInTheHubCacheIsHarvestedFromIt() throws Exception {
        ResearcherWorld world = new ResearcherWorld(tmp.resolve("world"));
        Path snapshot = world.hub.resolve("datasets--someorg--tiny-texts/snapshots/r1");
        List<String> docs = Corpus.open(org.sparsescope.compute.Reference.path("corpus/val.txt"))
                .readAll();
        List<Row> rows = new java.util.ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            rows.add(new Row(i, docs.get(i)));
        }
        writeParquet(snapshot.resolve("data/train-00000-of-00001.parquet"), rows);
        Path dict = tmp.resolve("dict");
        ResearcherWorld.writeSaeLens(dict, ResearcherWorld.NEOX_ID, "blocks.1.hook_resid_post", false, 32, 3);
        Files.writeString(
                dict.resolve("cfg.json"),
                Files.readString(dict.resolve("cfg.json")).replace("\"reference corpus\"", "\"someorg/tiny-texts\""));
        Workspace ws = Workspace.open(tmp.resolve("ws"), List.of(world.hub));
        Placement p = ws.place(dict, DictionaryFiles.read(dict));
        Path fallback = org.sparsescope.compute.Reference.path("corpus/test.txt");
        assertEquals(
                snapshot.toAbsolutePath().normalize(),
                ws.corpusFor(p, null, fallback),
                "the dataset it was trained on");
        assertEquals(fallback, ws.corpusFor(p, fallback, null), "an explicit corpus wins");
        Path set = ws.activationsFor(
                p,
                Corpus.open(ws.corpusFor(p, null, fallback)),
                Workspace.harvestOptions(p, 2048),
                x -> {},
                new org.sparsescope.compute.work.Cancellation());
        try (ActivationSet s = ActivationSet.open(set)) {
            assertEquals(2048, s.rows());
            assertTrue(s.manifest().corpus().endsWith("r1"), s.manifest().corpus());
            // the first window's text is the first document's start, as the Parquet file holds it
            String first = ws.locator()
                    .find(ResearcherWorld.NEOX_ID)
                    .map(m -> {
                        try (org.sparsescope.compute.model.Tokenizer t =
                                org.sparsescope.compute.model.Tokenizer.load(m)) {
                            return t.decode(s.context(0).orElseThrow().tokenIds());
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .orElseThrow();
            assertTrue(docs.get(0).startsWith(first.substring(0, Math.min(20, first.length()))), first);
        }
    }
}
