package org.sparsescope.compute.model;

import ai.djl.ndarray.NDArray;

/**
 * Replaces a hook's activation [batch, pos, d_model] with a function of it. Runs inside the forward pass's
 * NDManager scope; what it returns must have the same shape.
 */
@FunctionalInterface
public interface HookFunction {
    NDArray apply(NDArray activation);
}
