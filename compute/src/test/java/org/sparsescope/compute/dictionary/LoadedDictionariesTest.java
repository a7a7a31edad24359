package org.sparsescope.compute.dictionary;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.dictionary.format.SaeLensFormat;
import org.sparsescope.compute.dictionary.format.SaeLensWriter;

class LoadedDictionariesTest {
    @TempDir
    Path tmp;

    @Test
    void anUnchangedDictionaryIsReadOnceAndAChangedOneAgain() throws Exception {
        Path dir = tmp.resolve("d");
        SaeLensWriter.save(DictionaryFiles.read(Reference.path("saes/l1_4.11e-03")), dir, Map.of());
        LoadedDictionaries loaded = new LoadedDictionaries();
        Dictionary first = loaded.read(dir);
        assertSame(first, loaded.read(dir), "the same object while nothing changed");
        Files.createDirectories(tmp.resolve("x"));
        assertSame(
                first,
                loaded.read(tmp.resolve("x").resolve("..").resolve("d")),
                "the same dictionary by another spelling of its path");
        Path weights = dir.resolve(SaeLensFormat.WEIGHTS);
        Files.setLastModifiedTime(
                weights, FileTime.fromMillis(Files.getLastModifiedTime(weights).toMillis() + 5_000));
        assertNotSame(first, loaded.read(dir), "a touched weights file is read again");
    }

    @Test
    void aMissingDictionaryGetsTheReadersErrorNamingIt() {
        Path missing = tmp.resolve("nowhere");
        Exception e = assertThrows(Exception.class, () -> new LoadedDictionaries().read(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }
}
