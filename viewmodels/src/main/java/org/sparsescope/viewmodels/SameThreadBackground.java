package org.sparsescope.viewmodels;

import java.util.function.Consumer;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;

/** Runs work at once on the calling thread: deterministic view-model tests without a display. */
public final class SameThreadBackground implements Background {
    private final ObservableList<Job> jobs = FXCollections.observableArrayList();

    @Override
    public <T> Job submit(String title, Work<T> work, Consumer<T> onSuccess, Consumer<Throwable> onFailure) {
        ReadOnlyDoubleWrapper progress = new ReadOnlyDoubleWrapper();
        ReadOnlyStringWrapper message = new ReadOnlyStringWrapper("");
        ReadOnlyBooleanWrapper running = new ReadOnlyBooleanWrapper(true);
        Cancellation cancel = new Cancellation();
        Job job = new BackgroundJob(
                title,
                progress.getReadOnlyProperty(),
                message.getReadOnlyProperty(),
                running.getReadOnlyProperty(),
                cancel::cancel);
        jobs.add(job);
        try {
            T result = work.run(
                    p -> {
                        progress.set(p.fraction());
                        message.set(p.message());
                    },
                    cancel);
            jobs.remove(job);
            running.set(false);
            onSuccess.accept(result);
        } catch (CancelledException e) {
            jobs.remove(job);
            running.set(false);
            onFailure.accept(e);
        } catch (Exception e) {
            jobs.remove(job);
            running.set(false);
            onFailure.accept(e);
        }
        return job;
    }

    @Override
    public void onUi(Runnable update) {
        update.run();
    }

    @Override
    public ObservableList<Job> jobs() {
        return jobs;
    }

    /** Every job has ended before {@link #submit} returned. */
    @Override
    public boolean stop(java.time.Duration wait) {
        return true;
    }
}
