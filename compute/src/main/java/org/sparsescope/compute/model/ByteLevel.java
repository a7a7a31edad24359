package org.sparsescope.compute.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.sparsescope.compute.JsonInput;

/**
 * GPT-2's byte-level alphabet (bytes_to_unicode: printable bytes stand for themselves, the rest for U+0100 …), turned
 * back into bytes, so that a token holding part of a UTF-8 character can be shown by its bytes. Written here as it is
 * the tokenizer's own small fixed table; the tokenizers binding exposes no id-to-piece lookup.
 */
final class ByteLevel {
    private static final Map<Character, Integer> BYTE_OF = new HashMap<>();

    static {
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
            BYTE_OF.put(printable ? (char) b : (char) (256 + extra++), b);
        }
    }

    private ByteLevel() {}

    /** The piece as text when its bytes are whole UTF-8, else its bytes in hex: "‹e2 80›" (a leading space kept as " "). */
    static String readable(String piece) {
        byte[] bytes = new byte[piece.length()];
        for (int i = 0; i < piece.length(); i++) {
            Integer b = BYTE_OF.get(piece.charAt(i));
            if (b == null) {
                return piece; // not a byte-level piece
            }
            bytes[i] = (byte) (int) b;
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            StringBuilder s = new StringBuilder();
            int start = 0;
            if (bytes.length > 0 && bytes[0] == ' ') {
                s.append(' ');
                start = 1;
            }
            s.append('‹');
            for (int i = start; i < bytes.length; i++) {
                s.append(i > start ? " " : "").append(String.format("%02x", bytes[i] & 0xff));
            }
            return s.append('›').toString();
        }
    }

    /** model.vocab of a tokenizer.json: piece → id, inverted. */
    static Map<Long, String> vocabulary(Path tokenizerJson) throws IOException {
        JsonInput in = JsonInput.of(tokenizerJson);
        JsonObject root = in.readObject();
        JsonObject vocab = in.object(in.object(root, "model"), "vocab");
        Map<Long, String> out = new HashMap<>();
        for (Map.Entry<String, JsonElement> e : vocab.entrySet()) {
            if (e.getValue().isJsonPrimitive()
                    && e.getValue().getAsJsonPrimitive().isNumber()) {
                out.put(e.getValue().getAsLong(), e.getKey());
            }
        }
        return Map.copyOf(out);
    }
}
