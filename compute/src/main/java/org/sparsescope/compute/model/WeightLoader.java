package org.sparsescope.compute.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.tensor.Checkpoint;
import org.sparsescope.compute.tensor.TensorInfo;

/** Takes checkpoint tensors by explicit name with a shape check each, so a wrong checkpoint fails naming the tensor. */
final class WeightLoader {
    private final Checkpoint checkpoint;
    private final NDManager manager;
    private final Device device;
    private final LoadProgress progress;

    WeightLoader(Checkpoint checkpoint, NDManager manager, Device device, LoadProgress progress) {
        this.checkpoint = checkpoint;
        this.manager = manager;
        this.device = device;
        this.progress = progress;
    }

    boolean has(String name) {
        return checkpoint.info(name).isPresent();
    }

    InvalidInputException missing(String name) {
        return new InvalidInputException(checkpoint.location(), "missing tensor '" + name + "'");
    }

    /** Reports that {@code done} of {@code total} blocks are loaded. */
    void progress(int done, int total) {
        progress.blocksLoaded(done, total);
    }

    /** A float32 array of the tensor called {@code name} (or the first alias present), checked against {@code shape}. */
    NDArray take(String[] names, long... shape) throws IOException {
        for (String name : names) {
            Optional<TensorInfo> info = checkpoint.info(name);
            if (info.isPresent()) {
                if (!Arrays.equals(info.get().shape(), shape)) {
                    throw new InvalidInputException(
                            checkpoint.location(),
                            "tensor '" + name + "' has shape "
                                    + Arrays.toString(info.get().shape()) + ", but config.json implies "
                                    + Arrays.toString(shape));
                }
                NDArray a = checkpoint.read(name).toFloat32(manager);
                if (!device.equals(a.getDevice())) {
                    NDArray moved = a.toDevice(device, false);
                    a.close();
                    a = moved;
                }
                a.setName(name);
                return a;
            }
        }
        throw new InvalidInputException(
                checkpoint.location(),
                "missing tensor '" + names[0] + "'"
                        + (names.length > 1
                                ? " (or " + String.join(", ", Arrays.copyOfRange(names, 1, names.length)) + ")"
                                : ""));
    }

    NDArray take(String name, long... shape) throws IOException {
        return take(new String[] {name}, shape);
    }

    /** A GPT-2 Conv1D weight stored [in, out], returned as [out, in] for {@link Nn#linear}. */
    NDArray takeConv1D(String name, long in, long out) throws IOException {
        NDArray w = take(name, in, out);
        NDArray t = w.transpose().duplicate(); // contiguous [out, in]
        w.close();
        return t;
    }
}
