package org.sparsescope.app.ui;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javafx.application.Platform;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.concurrent.Task;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.viewmodels.Background;
import org.sparsescope.viewmodels.BackgroundJob;

/** Background work on javafx.concurrent tasks: progress and results come back on the FX thread, which never waits. */
public final class FxBackground implements Background {
    private final ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(
                () -> {
                    org.sparsescope.compute.Devices.noGradOnThisThread(); // inference only on these threads
                    r.run();
                },
                "sparsescope-background");
        t.setDaemon(true);
        return t;
    });
    private final ObservableList<Job> jobs = FXCollections.observableArrayList();
    /** Cancellations of the jobs not yet ended, kept off the FX thread so that {@link #stop} can reach them at once. */
    private final Set<Cancellation> live = ConcurrentHashMap.newKeySet();

    @Override
    public <T> Job submit(String title, Work<T> work, Consumer<T> onSuccess, Consumer<Throwable> onFailure) {
        Cancellation cancellation = new Cancellation();
        Task<T> task = new Task<>() {
            @Override
            protected T call() throws Exception {
                try {
                    cancellation.check(); // stopped before it started
                    updateMessage(title);
                    return work.run(
                            p -> {
                                updateProgress(p.fraction(), 1.0);
                                updateMessage(p.message());
                            },
                            cancellation);
                } finally {
                    live.remove(cancellation);
                }
            }
        };
        Job job = new BackgroundJob(
                title, task.progressProperty(), task.messageProperty(), task.runningProperty(), cancellation::cancel);
        task.setOnSucceeded(e -> {
            jobs.remove(job);
            onSuccess.accept(task.getValue());
        });
        task.setOnFailed(e -> {
            jobs.remove(job);
            onFailure.accept(task.getException());
        });
        live.add(cancellation);
        onUi(() -> jobs.add(job));
        try {
            executor.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            live.remove(cancellation);
            onUi(() -> jobs.remove(job)); // submitted while the window closes: it never runs
        }
        return job;
    }

    @Override
    public void onUi(Runnable update) {
        if (Platform.isFxApplicationThread()) {
            update.run();
        } else {
            Platform.runLater(update);
        }
    }

    @Override
    public ObservableList<Job> jobs() {
        return jobs;
    }

    @Override
    public boolean stop(Duration wait) {
        live.forEach(Cancellation::cancel);
        executor.shutdownNow(); // interrupts waits on files and queues; a matmul runs to its end
        try {
            return executor.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return executor.isTerminated();
        }
    }

    public void shutdown() {
        executor.shutdownNow();
    }
}
