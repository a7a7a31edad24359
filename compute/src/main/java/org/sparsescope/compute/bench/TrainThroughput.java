package org.sparsescope.compute.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.train.SweepMember;
import org.sparsescope.compute.train.TrainOptions;
import org.sparsescope.compute.train.Trainer;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;

/**
 * Training throughput of the real trainer (batches streamed from the activation set, every step's Adam update)
 * for one sweep, counted as the issue counts it: 6·d·n FLOPs per token per dictionary (forward and backward of
 * encoder and decoder). The true work of a step is 10·d·n: five matmuls of 2·d·n each.
 */
public final class TrainThroughput {
    private TrainThroughput() {}

    public record Result(String what, int dictionaries, long steps, double tokensPerSecond, double flopsPerToken) {
        public double gflopsPerSecond() {
            return tokensPerSecond * flopsPerToken / 1e9;
        }
    }

    /** Trains {@code sweep} for {@code opts.epochs()} on {@code set} in a scratch folder under {@code work}, then removes it. */
    public static Result measure(String what, ActivationSet set, List<SweepMember> sweep, TrainOptions opts, Path work)
            throws IOException, CancelledException {
        Path dir = Files.createTempDirectory(Files.createDirectories(work), "train-bench");
        try {
            Trainer.Result r = new Trainer(set, opts)
                    .train(sweep, dir.resolve("out"), dir.resolve("run"), e -> {}, Cancellation.none());
            double flops = 0;
            for (SweepMember m : sweep) {
                flops += 6.0 * set.d() * m.dSae();
            }
            return new Result(what, sweep.size(), r.steps(), r.tokensPerSecond(), flops);
        } finally {
            ai.djl.util.Utils.deleteQuietly(dir);
        }
    }
}
