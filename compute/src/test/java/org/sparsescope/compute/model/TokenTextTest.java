package org.sparsescope.compute.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparsescope.compute.Reference;

/** Byte-level pieces of a character show as their bytes, not as "�", and whole tokens as their text. */
class TokenTextTest {
    @Test
    void partialUtf8TokensShowTheirBytesAndTheRestTheirText() throws Exception {
        try (Tokenizer t = Tokenizer.load(Reference.path("model"))) {
            long[] euro = t.encode("€"); // three bytes e2 82 ac: in a 4096-token vocabulary, more than one token
            int partial = 0;
            StringBuilder bytes = new StringBuilder();
            for (long id : euro) {
                String shown = t.tokenText(id);
                assertTrue(shown.indexOf('\uFFFD') < 0, "no replacement character: " + shown);
                if (shown.startsWith("‹")) {
                    partial++;
                    bytes.append(shown, 1, shown.length() - 1).append(' ');
                }
            }
            assertTrue(euro.length == 1 || partial > 0, "a split character shows its bytes");
            if (euro.length > 1) {
                assertEquals(
                        "e2 82 ac",
                        bytes.toString().strip().replaceAll("\\s+", " "),
                        "the pieces' bytes are the character's");
            }
            assertEquals(" the", t.tokenText(t.encode(" the")[0]));
        }
    }
}
