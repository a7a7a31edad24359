package org.sparsescope.compute.stats;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * One named daemon thread for a pass's side work (reading rows ahead, collecting on the host). Closing interrupts it
 * and waits for the task under way (a minute at most), so that the caller may then close what that task reads.
 */
final class PassThread implements AutoCloseable {
    private final String name;
    private final ExecutorService executor;

    PassThread(String name) {
        this.name = name;
        executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    <T> Future<T> submit(Callable<T> task) {
        return executor.submit(task);
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(1, TimeUnit.MINUTES)) {
                LoggerFactory.getLogger(PassThread.class).warn("{}: the task under way did not end in a minute", name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
