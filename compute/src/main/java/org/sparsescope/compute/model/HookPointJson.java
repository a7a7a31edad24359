package org.sparsescope.compute.model;

import com.google.gson.JsonParseException;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;

/**
 * A hook point in the app's own JSON files (manifests, the workspace file): written as its TransformerLens name,
 * read by {@link HookPoint#parse}. "unknown" and null read as null (a foreign set's hook nobody has stated).
 */
public final class HookPointJson extends TypeAdapter<HookPoint> {
    public static final String UNKNOWN = "unknown";

    /** A point's name in a file, or "unknown" for none. */
    public static String name(HookPoint hook) {
        return hook == null ? UNKNOWN : hook.name();
    }

    @Override
    public void write(JsonWriter out, HookPoint hook) throws IOException {
        out.value(hook == null ? UNKNOWN : hook.name());
    }

    @Override
    public HookPoint read(JsonReader in) throws IOException {
        if (in.peek() == JsonToken.NULL) {
            in.nextNull();
            return null;
        }
        String name = in.nextString();
        if (name.equals(UNKNOWN)) {
            return null;
        }
        try {
            return HookPoint.parse(name);
        } catch (IllegalArgumentException e) {
            throw new JsonParseException(e.getMessage());
        }
    }
}
