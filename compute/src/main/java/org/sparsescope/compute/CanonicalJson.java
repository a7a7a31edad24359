package org.sparsescope.compute;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Values about to be written as JSON, in a canonical order: a map whose order is chosen (LinkedHashMap, a sorted
 * map) keeps it, any other is sorted by key. {@code Map.of} iterates in a different order in each JVM, so without
 * this the same content gives different bytes from one run to the next, and a resumed run differs from an
 * uninterrupted one.
 */
public final class CanonicalJson {
    private CanonicalJson() {}

    public static Object ordered(Object value) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out =
                    m instanceof LinkedHashMap || m instanceof SortedMap ? new LinkedHashMap<>() : new TreeMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), ordered(v)));
            return out;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(v -> out.add(ordered(v)));
            return out;
        }
        return value;
    }
}
