package org.sparsescope.app.ui;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;

/** Stopping the background cancels its jobs and says whether all of them have ended. */
@ExtendWith(ApplicationExtension.class) // the FX toolkit, which tasks report their progress through
class FxBackgroundTest {

    @Test
    void stopCancelsARunningJobAndWaitsForItToEnd() throws Exception {
        FxBackground background = new FxBackground();
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean sawCancellation = new AtomicBoolean();
        background.submit(
                "until cancelled",
                (progress, cancel) -> {
                    started.countDown();
                    while (!cancel.isCancelled()) {
                        Thread.onSpinWait();
                    }
                    sawCancellation.set(true);
                    return null;
                },
                r -> {},
                e -> {});
        assertTrue(started.await(10, TimeUnit.SECONDS), "the job started");
        assertTrue(background.stop(Duration.ofSeconds(10)), "the cancelled job ended within the wait");
        assertTrue(sawCancellation.get());
    }

    @Test
    void aJobThatIgnoresItsCancellationIsReportedStillRunning() throws Exception {
        FxBackground background = new FxBackground();
        CountDownLatch started = new CountDownLatch(1), release = new CountDownLatch(1);
        background.submit(
                "deaf",
                (progress, cancel) -> {
                    started.countDown();
                    while (release.getCount() > 0) {
                        try {
                            release.await();
                        } catch (InterruptedException ignored) {
                            // deaf to interrupts too: a matmul in native code is
                        }
                    }
                    return null;
                },
                r -> {},
                e -> {});
        assertTrue(started.await(10, TimeUnit.SECONDS), "the job started");
        assertFalse(background.stop(Duration.ofMillis(300)), "still running after the wait");
        release.countDown();
        assertTrue(background.stop(Duration.ofSeconds(10)), "ended once released");
    }
}
