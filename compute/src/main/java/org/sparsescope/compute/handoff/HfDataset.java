package org.sparsescope.compute.handoff;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.List;
import java.util.Map;

/**
 * The layout of a Hugging Face {@code datasets} directory as {@code Dataset.save_to_disk} writes it
 * (datasets 5.0.1, commit b7cb10b of huggingface/datasets: {@code arrow_dataset.py} {@code save_to_disk},
 * {@code arrow_writer.py} {@code _build_metadata}, {@code features/features.py} {@code Array2D},
 * {@code _ArrayXDExtensionType}, {@code List}): each shard an Arrow IPC stream named
 * {@code data-0000i-of-0000n.arrow} whose schema carries the features as JSON under {@code huggingface}, beside
 * {@code dataset_info.json} and {@code state.json}.
 */
public final class HfDataset {
    private HfDataset() {}

    /** The schema metadata key under which {@code datasets} keeps the features of an Arrow file. */
    public static final String SCHEMA_METADATA_KEY = "huggingface";

    public static final String INFO_FILE = "dataset_info.json";
    public static final String STATE_FILE = "state.json";

    /** Arrow's field metadata naming an extension type, and its serialised parameters. */
    public static final String EXTENSION_NAME = "ARROW:extension:name";

    public static final String EXTENSION_METADATA = "ARROW:extension:metadata";

    /** The Python class {@code datasets} registers for its two-dimensional arrays. */
    public static final String ARRAY2D_EXTENSION = "datasets.features.features.Array2DExtensionType";

    /** {@code datasets} shards a save at 500 MB ({@code config.MAX_SHARD_SIZE}). */
    public static final long MAX_SHARD_BYTES = 500L << 20;

    /** One column's feature. */
    public sealed interface Feature permits Array2D, IntSequence {
        String name();

        /** The feature as {@code datasets} serialises it (dataclass fields in order, defaults left out). */
        JsonObject json();

        /** Bytes one example of this column takes. */
        long bytesPerExample();
    }

    /** {@code Array2D(shape=(rows, cols), dtype)}: float32 or float16, one [rows, cols] array per example. */
    public record Array2D(String name, int rows, int cols, String dtype) implements Feature {
        public Array2D {
            if (!dtype.equals("float32") && !dtype.equals("float16")) {
                throw new IllegalArgumentException("Array2D dtype " + dtype + ": float32 or float16");
            }
        }

        @Override
        public JsonObject json() {
            JsonObject o = new JsonObject();
            JsonArray shape = new JsonArray();
            shape.add(rows);
            shape.add(cols);
            o.add("shape", shape);
            o.addProperty("dtype", dtype);
            o.addProperty("_type", "Array2D");
            return o;
        }

        /** What {@code _ArrayXDExtensionType.__arrow_ext_serialize__} writes: {@code json.dumps((shape, dtype))}. */
        public String extensionMetadata() {
            return "[[" + rows + ", " + cols + "], \"" + dtype + "\"]";
        }

        @Override
        public long bytesPerExample() {
            return (long) rows * cols * (dtype.equals("float16") ? 2 : 4);
        }
    }

    /** {@code List(Value("int32"), length)}: a fixed-length list of int32 per example. */
    public record IntSequence(String name, int length) implements Feature {
        @Override
        public JsonObject json() {
            JsonObject value = new JsonObject();
            value.addProperty("dtype", "int32");
            value.addProperty("_type", "Value");
            JsonObject o = new JsonObject();
            o.add("feature", value);
            o.addProperty("length", length);
            o.addProperty("_type", "List");
            return o;
        }

        @Override
        public long bytesPerExample() {
            return 4L * length;
        }
    }

    /** The features in column order, as one JSON object. */
    static JsonObject features(List<Feature> columns) {
        JsonObject o = new JsonObject();
        for (Feature f : columns) {
            o.add(f.name(), f.json());
        }
        return o;
    }

    /** The Arrow schema's {@code huggingface} metadata: {@code json.dumps({"info": {"features": …}})}. */
    static String schemaMetadata(List<Feature> columns) {
        JsonObject info = new JsonObject();
        info.add("features", features(columns));
        JsonObject root = new JsonObject();
        root.add("info", info);
        return pythonJson(root);
    }

    /**
     * {@code dataset_info.json}: {@code asdict(DatasetInfo(features=…))} with the top level sorted, as
     * {@code json.dump(…, indent=2)} writes it. The fields left at None are left out by {@code datasets}' own
     * {@code asdict}; the empty strings stay.
     */
    static String datasetInfo(List<Feature> columns) {
        JsonObject o = new JsonObject();
        o.addProperty("citation", "");
        o.addProperty("description", "");
        o.add("features", features(columns));
        o.addProperty("homepage", "");
        o.addProperty("license", "");
        return new GsonBuilder()
                .setPrettyPrinting()
                .disableHtmlEscaping()
                .create()
                .toJson(o);
    }

    /** {@code state.json}: the shard files, a fingerprint, no format, sorted keys. */
    static String state(int shards, String fingerprint) {
        JsonObject o = new JsonObject();
        JsonArray files = new JsonArray();
        for (int i = 0; i < shards; i++) {
            JsonObject f = new JsonObject();
            f.addProperty("filename", shardName(i, shards));
            files.add(f);
        }
        o.add("_data_files", files);
        o.addProperty("_fingerprint", fingerprint);
        o.add("_format_columns", JsonNull.INSTANCE);
        o.add("_format_kwargs", new JsonObject());
        o.add("_format_type", JsonNull.INSTANCE);
        o.addProperty("_output_all_columns", false);
        o.add("_split", JsonNull.INSTANCE);
        return new GsonBuilder()
                .setPrettyPrinting()
                .serializeNulls()
                .disableHtmlEscaping()
                .create()
                .toJson(o);
    }

    /** {@code data-00000-of-00003.arrow}. */
    public static String shardName(int shard, int shards) {
        return String.format(java.util.Locale.ROOT, "data-%05d-of-%05d.arrow", shard, shards);
    }

    /**
     * JSON as Python's {@code json.dumps} writes it by default: {@code ", "} and {@code ": "} separators, non-ASCII
     * escaped as {@code \\uXXXX}. Written by hand because the bytes of the schema metadata are compared by readers
     * (datasets re-reads the features from them) and no JSON library here has Python's default spacing.
     */
    static String pythonJson(JsonElement e) {
        StringBuilder out = new StringBuilder();
        write(e, out);
        return out.toString();
    }

    private static void write(JsonElement e, StringBuilder out) {
        if (e == null || e.isJsonNull()) {
            out.append("null");
        } else if (e.isJsonObject()) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, JsonElement> en : e.getAsJsonObject().entrySet()) {
                if (!first) {
                    out.append(", ");
                }
                first = false;
                string(en.getKey(), out);
                out.append(": ");
                write(en.getValue(), out);
            }
            out.append('}');
        } else if (e.isJsonArray()) {
            out.append('[');
            boolean first = true;
            for (JsonElement x : e.getAsJsonArray()) {
                if (!first) {
                    out.append(", ");
                }
                first = false;
                write(x, out);
            }
            out.append(']');
        } else {
            JsonPrimitive p = e.getAsJsonPrimitive();
            if (p.isString()) {
                string(p.getAsString(), out);
            } else if (p.isBoolean()) {
                out.append(p.getAsBoolean() ? "true" : "false");
            } else {
                out.append(p.getAsNumber().toString());
            }
        }
    }

    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        out.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
