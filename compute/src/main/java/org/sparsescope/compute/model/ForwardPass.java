package org.sparsescope.compute.model;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * The engine-side result of one forward pass, owned by the caller's NDManager scope: captured hooks
 * [B, T, D] and, when asked for, logits [B, T, V]. Stays inside {@code compute}.
 */
public record ForwardPass(Map<HookPoint, NDArray> captures, NDArray logits) {
    public NDArray capture(HookPoint hook) {
        NDArray a = captures.get(hook);
        if (a == null) {
            throw new IllegalArgumentException("hook " + hook + " was not captured in this pass");
        }
        return a;
    }
}
