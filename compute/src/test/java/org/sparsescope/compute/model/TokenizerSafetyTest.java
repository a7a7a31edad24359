package org.sparsescope.compute.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.Reference;

/** Tokenizer files on which the native library panics (aborting the JVM) or stalls: typed errors, this JVM alive. */
class TokenizerSafetyTest {
    @TempDir
    Path tmp;

    private Path modelWith(String name, java.util.function.Consumer<JsonObject> change) throws Exception {
        JsonObject t = JsonParser.parseString(Files.readString(Reference.path("model/tokenizer.json")))
                .getAsJsonObject();
        change.accept(t);
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.writeString(dir.resolve(Tokenizer.FILE), t.toString());
        return dir;
    }

    @Test
    void aContinuingSubwordPrefixTheMergesDoNotFitIsRefusedBeforeTheNativeLibrarySeesIt() throws Exception {
        Path dir = modelWith("prefix", t -> t.getAsJsonObject("model").addProperty("continuing_subword_prefix", "##"));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Tokenizer.load(dir));
        assertEquals(dir.resolve(Tokenizer.FILE), e.file());
        assertTrue(e.getMessage().contains("continuing_subword_prefix '##'"), e.getMessage());
    }

    @Test
    void aDecoderNested200DeepIsRefusedByTheNestingBound() throws Exception {
        Path dir = modelWith("deep", t -> {
            JsonObject d = t.getAsJsonObject("decoder");
            for (int i = 0; i < 200; i++) {
                JsonObject s = new JsonObject();
                s.addProperty("type", "Sequence");
                com.google.gson.JsonArray a = new com.google.gson.JsonArray();
                a.add(d);
                s.add("decoders", a);
                d = s;
            }
            t.add("decoder", d);
        });
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().contains("nested more than 64"), e.getMessage());
    }

    @Test
    void aHugeAddedTokenIsRefusedAtOnce() throws Exception {
        Path dir = modelWith(
                "huge",
                t -> t.getAsJsonArray("added_tokens")
                        .get(0)
                        .getAsJsonObject()
                        .addProperty("content", "x".repeat(49_000)));
        InvalidInputException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                Duration.ofSeconds(2), () -> assertThrows(InvalidInputException.class, () -> Tokenizer.load(dir)));
        assertTrue(e.getMessage().contains("49000 characters"), e.getMessage());
    }

    @Test
    void aPanicTheChecksMissDiesInTheChildProcessAndIsATypedErrorHere() throws Exception {
        // the same panicking file, handed straight to the isolation step as if the checks had missed it
        Path dir = modelWith("panic", t -> t.getAsJsonObject("model").addProperty("continuing_subword_prefix", "##"));
        Path file = dir.resolve(Tokenizer.FILE);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> TokenizerProbe.ensureSafe(file));
        assertEquals(file, e.file());
        assertTrue(
                e.getMessage().contains("crashed on (exit 134)")
                        && e.getMessage().contains("panicked at"),
                e.getMessage());
        // this JVM is alive, and a good tokenizer still loads
        try (Tokenizer ok = Tokenizer.load(Reference.path("model"))) {
            assertTrue(ok.encode("hello").length > 0);
        }
    }
}
