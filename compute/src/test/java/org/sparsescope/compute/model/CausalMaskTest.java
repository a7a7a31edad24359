package org.sparsescope.compute.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

/** The causal masks, kept (short) or made per pass (long), against the definition written out. */
class CausalMaskTest {
    @Test
    void shortAndLongMasksHideLaterKeysAndKeysOutsideTheWindow() {
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            Nn.Constants constants = new Nn.Constants(m);
            for (int t : new int[] {5, Nn.Constants.CACHED_MASK_LENGTH, Nn.Constants.CACHED_MASK_LENGTH + 44}) {
                for (int window : new int[] {0, 7}) {
                    float[] mask = constants.causalMask(t, window, m).toFloatArray();
                    assertEquals(t * t, mask.length);
                    for (int i = 0; i < t; i++) {
                        for (int j = 0; j < t; j++) {
                            boolean hidden = j > i || (window > 0 && i - j >= window);
                            assertEquals(
                                    hidden ? Float.NEGATIVE_INFINITY : 0f,
                                    mask[i * t + j],
                                    "t " + t + " window " + window + " at " + i + "," + j);
                        }
                    }
                }
            }
        }
    }
}
