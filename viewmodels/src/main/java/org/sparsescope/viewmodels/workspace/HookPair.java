package org.sparsescope.viewmodels.workspace;

/** A (model, hook) pair of the workspace, with how many of its dictionaries sit there; the frontier shows one at a time. */
public record HookPair(String key, String label, int dictionaries) {
    /** As the selector lists it: "model @ hook (n)". */
    public String display() {
        return label + " (" + dictionaries + ")";
    }
}
