package org.sparsescope.app.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.PrintWriter;

/** How every command prints --json: pretty, with NaN and infinities written out (kurtosis of a dead feature is NaN). */
final class Json {
    private static final Gson GSON = new GsonBuilder()
            .setPrettyPrinting()
            .serializeSpecialFloatingPointValues()
            .create();

    private Json() {}

    static void print(PrintWriter out, Object value) {
        out.println(GSON.toJson(value));
    }
}
