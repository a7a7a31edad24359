package org.sparsescope.compute.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * One trained array of an ensemble, stacked over members, with its gradient and Adam's moments. The name is the
 * saved dictionary's (W_enc, b_dec, encoder, …), and the moments are named as PyTorch's Adam state is (exp_avg,
 * exp_avg_sq), so a checkpoint's keys say what each array is.
 */
final class Parameter {
    final String name;
    final NDArray value, grad, expAvg, expAvgSq;

    Parameter(NDManager manager, String name, float[] initial, Shape shape) {
        this.name = name;
        this.value = manager.create(initial, shape);
        this.grad = manager.zeros(shape);
        this.expAvg = manager.zeros(shape);
        this.expAvgSq = manager.zeros(shape);
    }
}
