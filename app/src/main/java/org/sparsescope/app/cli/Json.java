package org.sparsescope.app.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.PrintWriter;

/** How every command prints --json: pretty, with NaN and infinities written out (kurtosis of a dead feature is NaN). */
final class Json {
    private static final Gson GSON = new GsonBuilder()
            .setPrettyPrinting()
            .serializeSpecialFloatingPointValues()
            // a hook is printed by its TransformerLens name, as the files and the other tools name it
            .registerTypeAdapter(
                    org.sparsescope.compute.model.HookPoint.class,
                    new org.sparsescope.compute.model.HookPointJson().nullSafe())
            .create();

    private Json() {}

    static void print(PrintWriter out, Object value) {
        out.println(GSON.toJson(value));
    }

    static String text(Object value) {
        return GSON.toJson(value);
    }
}
