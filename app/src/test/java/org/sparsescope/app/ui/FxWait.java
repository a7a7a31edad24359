package org.sparsescope.app.ui;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.testfx.util.WaitForAsyncUtils;

/** Waiting in window tests for a condition checked on the FX thread, failing with what was awaited and the last error. */
final class FxWait {
    private FxWait() {}

    static void waitFor(String what, int seconds, Callable<Boolean> condition, Supplier<String> lastError)
            throws Exception {
        try {
            WaitForAsyncUtils.waitFor(
                    seconds,
                    TimeUnit.SECONDS,
                    () -> WaitForAsyncUtils.asyncFx(condition).get());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("timed out waiting for " + what + "; last error: " + lastError.get());
        }
    }
}
