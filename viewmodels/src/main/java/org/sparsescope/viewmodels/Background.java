package org.sparsescope.viewmodels;

import java.util.function.Consumer;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.collections.ObservableList;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.ProgressListener;

/**
 * Where view-models send long work: off the UI thread, cancellable, with progress; callbacks return on the UI
 * thread. The app runs it on javafx.concurrent tasks; tests inject {@link SameThreadBackground}.
 */
public interface Background {

    @FunctionalInterface
    interface Work<T> {
        T run(ProgressListener progress, Cancellation cancel) throws Exception;
    }

    /** A running job, as the status bar lists it. */
    interface Job {
        String title();

        ReadOnlyDoubleProperty progressProperty();

        ReadOnlyStringProperty messageProperty();

        ReadOnlyBooleanProperty runningProperty();

        void cancel();
    }

    <T> Job submit(String title, Work<T> work, Consumer<T> onSuccess, Consumer<Throwable> onFailure);

    /** Runs {@code update} on the UI thread (at once where there is none): for progress that work reports midway. */
    void onUi(Runnable update);

    /** Jobs still running, for the status bar. */
    ObservableList<Job> jobs();

    /**
     * Cancels every job still running and waits up to {@code wait} for all of them to end; no job starts after.
     * True when none is left running: only then may what jobs compute with (models, device copies of dictionaries)
     * be freed, as a job still inside a matmul would read freed native memory and bring the process down.
     */
    boolean stop(java.time.Duration wait);
}
