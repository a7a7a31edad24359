package org.sparsescope.compute;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** Where compute runs: the first GPU when the engine finds one, else the CPU. */
public final class Devices {
    private Devices() {
    }

    public static Device preferred() {
        return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }
}
