package org.sparsescope.viewmodels.workspace;

import org.sparsescope.compute.workspace.ModelHook;

/** A (model, hook) pair of the workspace, with how many of its dictionaries sit there; the frontier shows one at a time. */
public record HookPair(ModelHook.Key key, String label, int dictionaries) {
    /** Whether {@code other} is the same (model, hook) pair. */
    public boolean samePair(HookPair other) {
        return other != null && key.equals(other.key);
    }

    /** As the selector lists it: "model @ hook (n)". */
    public String display() {
        return label + " (" + dictionaries + ")";
    }
}
