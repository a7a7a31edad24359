package org.sparsescope.compute.train;

import java.nio.file.Path;
import java.util.List;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;

/**
 * A training run in a JVM of its own, for {@link TrainerResumeTest}: {@code stop RUN OUT} trains until step 24
 * and stops there as Ctrl-C or closing the window does (a checkpoint stays); {@code finish RUN OUT} trains to the
 * end, resuming whatever RUN holds.
 */
public final class ResumeInAnotherJvm {
    static final int STOP_AT = 24;

    private ResumeInAnotherJvm() {}

    static List<SweepMember> sweep() {
        return List.of(SweepMember.l1(256, 3e-3), SweepMember.topK(256, 16));
    }

    /** Small, with dead-feature resampling every 8 steps, so that resuming must also redraw what resampling drew. */
    static TrainOptions options() {
        return TrainOptions.reference(1024)
                .withBatch(256)
                .withEpochs(2)
                .withSeed(3)
                .withResampleEvery(8)
                .withEvents(4, 0);
    }

    static ActivationSet set(Path chunk) throws Exception {
        return ActivationSet.open(chunk, HookPoint.parse("blocks.2.hook_resid_post"), "reference");
    }

    public static void main(String[] args) throws Exception {
        Path chunk = Path.of(args[1]), run = Path.of(args[2]), out = Path.of(args[3]);
        try (ActivationSet set = set(chunk)) {
            Cancellation cancel = new Cancellation();
            try {
                new Trainer(set, options())
                        .train(
                                sweep(),
                                out,
                                run,
                                e -> {
                                    if (args[0].equals("stop") && e.step() >= STOP_AT) {
                                        cancel.cancel();
                                    }
                                },
                                cancel);
            } catch (CancelledException e) {
                System.out.println("stopped with a checkpoint");
            }
        }
        System.exit(0);
    }
}
