package org.sparsescope.compute.tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An instance of a whitelisted Python class, reconstructed as data only: the class's dotted name, the arguments
 * it was created with, and the state its BUILD gave it. No Python code is ever run; readers of a format
 * (such as the original research code's {@code learned_dicts.pt}) interpret the state themselves.
 */
public record PickledObject(String className, List<Object> args, Map<String, Object> state) {
    public PickledObject {
        args = Collections.unmodifiableList(args);
        state = Collections.unmodifiableMap(new LinkedHashMap<>(state));
    }
}
