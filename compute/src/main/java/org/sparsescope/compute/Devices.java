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

    /** What computes, in words for an About box: the device, the engine and its version, and its CPU threads. */
    public static String describe() {
        Engine e = Engine.getInstance();
        String threads;
        try {
            threads = ai.djl.pytorch.jni.JniUtils.getNumThreads() + " CPU threads";
        } catch (RuntimeException | UnsatisfiedLinkError ex) {
            threads = Runtime.getRuntime().availableProcessors() + " CPUs";
        }
        return (e.getGpuCount() > 0 ? "GPU (" + e.getGpuCount() + " found), " : "CPU, ") + e.getEngineName() + " " + e.getVersion() + ", " + threads;
    }

    /** The preferred device's name ("cpu()", "gpu(0)"), for reports outside compute. */
    public static String preferredName() {
        return preferred().toString();
    }

    /**
     * Turns off autograd recording for the calling thread. PyTorch's grad mode is per thread and on by default;
     * DJL turns it off only on the thread that started the engine, so every other thread that runs inference
     * (or updates weights in place) must say so, or it records graphs it never uses.
     */
    public static void noGradOnThisThread() {
        Engine.getInstance(); // the engine loads first, so its native library is there
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
    }
}
