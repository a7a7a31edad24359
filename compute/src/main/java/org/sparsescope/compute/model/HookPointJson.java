package org.sparsescope.compute.model;

import com.google.gson.JsonParseException;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;

/**
 * A hook point in the app's own JSON files (manifests, the workspace file): written as its TransformerLens name,
 * read by {@link HookPoint#parse}; "unknown" reads as null (a foreign set's hook nobody has stated). Registered
 * {@code nullSafe()}, so a JSON null never reaches it.
 */
public final class HookPointJson extends TypeAdapter<HookPoint> {
    public static final String UNKNOWN = "unknown";

    /** A point's name in a file, or "unknown" for none. */
    public static String name(HookPoint hook) {
        return hook == null ? UNKNOWN : hook.name();
    }

    /** The point a file names: null for "unknown" (or null); IllegalArgumentException for a name of no place. */
    public static HookPoint parse(String name) {
        return name == null || name.equals(UNKNOWN) ? null : HookPoint.parse(name);
    }

    @Override
    public void write(JsonWriter out, HookPoint hook) throws IOException {
        out.value(name(hook));
    }

    @Override
    public HookPoint read(JsonReader in) throws IOException {
        try {
            return parse(in.nextString());
        } catch (IllegalArgumentException e) {
            throw new JsonParseException(e.getMessage());
        }
    }
}
