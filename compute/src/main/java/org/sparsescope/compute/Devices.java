package org.sparsescope.compute;

import ai.djl.Device;
import ai.djl.engine.Engine;

/**
 * Where compute runs: the first GPU when the engine finds one, else the CPU; {@link #choose} narrows that for the
 * whole process ({@code --device cpu|gpu}).
 */
public final class Devices {
    private Devices() {}

    /** What the user asked for. */
    public enum Choice {
        AUTO,
        CPU,
        GPU
    }

    private static volatile Choice choice = Choice.AUTO;

    /**
     * Uses {@code c} from now on. Returns the one-line notice to show when it cannot be had — a GPU asked for, or a
     * CUDA build, on a machine where the engine finds none: it then runs on the CPU — or null.
     */
    public static String choose(Choice c) {
        choice = c;
        return fallbackNotice();
    }

    /** The notice of a GPU asked for (or built for) and not found, or null. */
    public static String fallbackNotice() {
        if (choice == Choice.CPU || gpuCount() > 0) {
            return null;
        }
        if (choice == Choice.GPU) {
            return "no GPU found"
                    + (cudaBuild()
                            ? ""
                            : " (this is the CPU build of libtorch; a GPU needs the build made with -Pcuda)")
                    + ": running on the CPU";
        }
        return cudaBuild() ? "CUDA build, but no GPU found: running on the CPU" : null;
    }

    private static int gpuCount() {
        return Engine.getInstance().getGpuCount();
    }

    public static Device preferred() {
        return choice != Choice.CPU && gpuCount() > 0 ? Device.gpu() : Device.cpu();
    }

    /** The libtorch this build ships ("cpu", "cu124"), from its native jar's properties; "unknown" without one. */
    public static String libtorchFlavor() {
        return nativeProperties().getProperty("flavor", "unknown");
    }

    private static java.util.Properties nativeProperties;

    /** The native jar's native/lib/pytorch.properties (version, flavor, classifier, libraries), read once; empty without one. */
    private static synchronized java.util.Properties nativeProperties() {
        if (nativeProperties == null) {
            java.util.Properties p = new java.util.Properties();
            try (java.io.InputStream in =
                    Devices.class.getClassLoader().getResourceAsStream("native/lib/pytorch.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (java.io.IOException e) {
                org.slf4j.LoggerFactory.getLogger(Devices.class).warn("cannot read the libtorch build's properties", e);
            }
            nativeProperties = p;
        }
        return nativeProperties;
    }

    /**
     * Lets a CUDA build start where the machine has no GPU. DJL accepts a bundled libtorch only when its flavour matches
     * the machine's (a CUDA one needs CUDA) and would otherwise download the CPU one, which offline it cannot; so its
     * libraries are unpacked once into the engine cache — all but libcaffe2_nvrtc, the GPU's runtime compiler, the one
     * that needs the driver's libcuda — and DJL is pointed at them as an override. libtorch then runs on the CPU. Call
     * before the engine loads; does nothing in a CPU build, with a GPU, or when PYTORCH_LIBRARY_PATH is set.
     */
    public static void prepareCudaBuildWithoutGpu() throws java.io.IOException {
        if (!cudaBuild()
                || ai.djl.util.Utils.getEnvOrSystemProperty("PYTORCH_LIBRARY_PATH") != null
                || ai.djl.util.cuda.CudaUtils.getGpuCount() > 0) {
            return;
        }
        java.util.Properties p = nativeProperties();
        String version = p.getProperty("version").replaceFirst("-.*", ""),
                flavor = p.getProperty("flavor"),
                classifier = p.getProperty("classifier");
        java.nio.file.Path dir = ai.djl.util.Utils.getEngineCacheDir("pytorch")
                .resolve(version + "-" + flavor + "-" + classifier + "-without-gpu");
        if (!java.nio.file.Files.exists(dir.resolve("libtorch.so"))) {
            java.nio.file.Files.createDirectories(dir.getParent());
            java.nio.file.Path tmp = java.nio.file.Files.createTempDirectory(dir.getParent(), "unpacking");
            for (String lib : p.getProperty("libraries").split(",")) {
                if (lib.startsWith("libcaffe2_nvrtc")) {
                    continue;
                }
                String at = "pytorch/" + flavor + "/" + classifier + "/" + lib;
                try (java.io.InputStream in = Devices.class.getClassLoader().getResourceAsStream(at)) {
                    if (in == null) {
                        throw new java.io.IOException("the CUDA build lacks " + at);
                    }
                    java.nio.file.Files.copy(in, tmp.resolve(lib));
                }
            }
            java.nio.file.Files.move(tmp, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        System.setProperty(
                "PYTORCH_LIBRARY_PATH", dir.toString()); // DJL reads the override from the environment or a property
        System.setProperty("PYTORCH_FLAVOR", flavor);
        System.setProperty("PYTORCH_VERSION", version);
    }

    /** Whether this build ships a CUDA libtorch. */
    public static boolean cudaBuild() {
        return libtorchFlavor().startsWith("cu");
    }

    /**
     * What computes, in words for the status bar, About and every bench: the device (the GPU with its compute
     * capability and memory, or the CPU), the engine, its version and libtorch build, and its CPU threads.
     */
    public static String describe() {
        Engine e = Engine.getInstance();
        String threads;
        try {
            threads = ai.djl.pytorch.jni.JniUtils.getNumThreads() + " CPU threads";
        } catch (RuntimeException | UnsatisfiedLinkError ex) {
            threads = Runtime.getRuntime().availableProcessors() + " CPUs";
        }
        String device = cudaBuild() && e.getGpuCount() == 0 ? "CPU (CUDA build, no GPU found)" : "CPU";
        if (preferred().isGpu()) {
            device = "GPU 0 of " + e.getGpuCount();
            try {
                String cc = ai.djl.util.cuda.CudaUtils.getComputeCapability(0);
                java.lang.management.MemoryUsage mem = ai.djl.util.cuda.CudaUtils.getGpuMemory(Device.gpu());
                device += " (compute capability " + cc.charAt(0) + "." + cc.substring(1) + ", "
                        + mem.getMax() / (1L << 30) + " GiB)";
            } catch (RuntimeException | UnsatisfiedLinkError ex) {
                device += " (no details from CUDA: " + ex.getMessage() + ")";
            }
        }
        return device + ", " + e.getEngineName() + " " + e.getVersion() + " (" + libtorchFlavor() + " build), "
                + threads;
    }

    /** The preferred device's name ("cpu()", "gpu(0)"), for reports outside compute. */
    public static String preferredName() {
        return preferred().toString();
    }

    /**
     * Waits until {@code a} is computed (asynchronous devices return before): reads its first element through a view
     * that is closed at once, since a view left open keeps the whole array's storage alive after it is closed.
     */
    public static void awaitCompletion(ai.djl.ndarray.NDArray a) {
        try (ai.djl.ndarray.NDArray flat = a.reshape(-1);
                ai.djl.ndarray.NDArray first = flat.get(0)) {
            first.getFloat();
        }
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
