package org.sparsescope.app.ui;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import javafx.scene.control.TableColumn;
import org.sparsescope.compute.dictionary.DictionaryInfo;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.dictionary.format.SaeLensWriter;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.viewmodels.features.FeatureRow;

/**
 * Measures the window with a large dictionary: opening a 16,384-feature dictionary whose report is cached, sorting
 * its feature table by kurtosis, and the frame time of the density/kurtosis plot while panning over every feature.
 */
public final class UiBench {
    private UiBench() {}

    public static void run(Path workDir, int features, long harvestTokens, PrintWriter out) throws Exception {
        Path dict = workDir.resolve("random-" + features);
        if (!Files.exists(dict)) {
            SaeLensWriter.save(
                    randomDictionary(256, features), dict, Map.of("note", "random weights, for measuring the UI"));
        }
        Screenshots s = new Screenshots(workDir.resolve("shots"), harvestTokens);
        s.start(workDir.resolve("workspace"), List.of(dict));
        try {
            var vm = s.app().vm();
            String id = dict.toString();
            Screenshots.waitFor(
                    "the dictionary and activations",
                    600,
                    () -> vm.workspace().find(id) != null
                            && vm.workspace().activationsProperty().get() != null);
            s.idle(600);
            // fill the cache once (a cold open), then time the warm one
            long t0 = System.nanoTime();
            Screenshots.onFx(() -> {
                vm.open(id);
                return null;
            });
            Screenshots.waitFor(
                    "the first (cold) open", 1800, () -> vm.features().rows().size() == features);
            double cold = (System.nanoTime() - t0) / 1e9;
            Screenshots.onFx(() -> {
                vm.features().load(vm.features().reportProperty().get(), List.of()); // empty the table
                vm.open(vm.workspace().dictionaries().get(0).id());
                return null;
            });
            s.idle(600);
            long t1 = System.nanoTime();
            Screenshots.onFx(() -> {
                vm.open(id);
                return null;
            });
            Screenshots.waitFor(
                    "the warm open",
                    600,
                    () -> vm.features().rows().size() == features
                            && vm.openDictionaryProperty().get() != null
                            && vm.openDictionaryProperty().get().id().equals(id));
            double warm = (System.nanoTime() - t1) / 1e9;

            double sortMs = Screenshots.onFx(() -> {
                var table = s.app().window().features.table;
                @SuppressWarnings("unchecked")
                TableColumn<FeatureRow, ?> kurt = (TableColumn<FeatureRow, ?>) table.getColumns().stream()
                        .filter(c -> "kurtosis".equals(c.getText()))
                        .findFirst()
                        .orElseThrow();
                long a = System.nanoTime();
                kurt.setSortType(TableColumn.SortType.DESCENDING);
                table.getSortOrder().setAll(List.of(kurt));
                table.sort();
                table.layout();
                return (System.nanoTime() - a) / 1e6;
            });

            int points = Screenshots.onFx(
                    () -> s.app().window().features.plot.points().size());
            long[] frames = new long[120];
            for (int i = 0; i < frames.length; i++) {
                final int k = i;
                frames[i] = Screenshots.onFx(() -> {
                    var plot = s.app().window().features.plot;
                    plot.pan(k % 40 < 20 ? 0.01 : -0.01, 0.005);
                    return plot.lastDrawNanos();
                });
            }
            Arrays.sort(frames);
            double mean = Arrays.stream(frames).average().orElse(0) / 1e6;
            // the prompt inspector: a 128-token prompt, a feature highlighted, then edits timed to the result on screen
            String prompt = Screenshots.onFx(() -> {
                var lm = vm.model();
                long[] ids = lm.tokenizer()
                        .encode(Files.readString(vm.workspace().corpusProperty().get()));
                return lm.tokenizer().decode(Arrays.copyOf(ids, 128));
            });
            var in = vm.inspector();
            Screenshots.onFx(() -> {
                s.app().window().tabs.getSelectionModel().select(6);
                in.textProperty().set(prompt);
                return null;
            });
            Screenshots.waitFor(
                    "the first inspection",
                    300,
                    () -> in.inspectionProperty().get() != null && !in.ranked().isEmpty());
            Screenshots.onFx(() -> {
                in.highlightProperty().set(in.ranked().get(0));
                return null;
            });
            s.idle(120);
            double[] latency = new double[12];
            int tokensShown = 0;
            for (int i = 0; i < latency.length; i++) {
                var before = Screenshots.onFx(in.inspectionProperty()::get);
                String edited = prompt + (i % 2 == 0 ? " " : ""); // a keystroke, and its undo
                java.util.concurrent.CompletableFuture<Long> shown = new java.util.concurrent.CompletableFuture<>();
                long a = System.nanoTime();
                Screenshots.onFx(() -> {
                    var scene = s.app().window().root.getScene();
                    // the first layout pulse after the result arrived: the tinted tokens as the screen gets them
                    Runnable[] listener = new Runnable[1];
                    listener[0] = () -> {
                        if (in.inspectionProperty().get() != before
                                && in.tokens().size() > 0) {
                            shown.complete(System.nanoTime());
                            javafx.application.Platform.runLater(
                                    () -> scene.removePostLayoutPulseListener(listener[0]));
                        }
                    };
                    scene.addPostLayoutPulseListener(listener[0]);
                    in.textProperty().set(edited);
                    return null;
                });
                latency[i] = (shown.get(60, java.util.concurrent.TimeUnit.SECONDS) - a) / 1e6;
                tokensShown = Screenshots.onFx(() -> in.tokens().size());
                s.idle(60);
            }
            Arrays.sort(latency);
            out.printf(
                    Locale.ROOT,
                    "dictionary with %d features on %d activation rows%n",
                    features,
                    Screenshots.onFx(
                            () -> vm.features().reportProperty().get().stats().rows()));
            out.printf(Locale.ROOT, "open, cold (statistics computed and cached): %.2f s%n", cold);
            out.printf(Locale.ROOT, "open, warm cache:                            %.3f s%n", warm);
            out.printf(Locale.ROOT, "sort the feature table by kurtosis:          %.1f ms%n", sortMs);
            out.printf(
                    Locale.ROOT,
                    "pan the density/kurtosis plot (%d points): frame draw mean %.2f ms, median %.2f ms, p95 %.2f ms%n",
                    points,
                    mean,
                    frames[frames.length / 2] / 1e6,
                    frames[(int) (frames.length * 0.95)] / 1e6);
            out.printf(
                    Locale.ROOT,
                    "prompt inspector, %d tokens, a feature highlighted: edit to the layout pulse that shows the tinted tokens, median %.0f ms, min %.0f, max %.0f (of %d edits)%n",
                    tokensShown,
                    latency[latency.length / 2],
                    latency[0],
                    latency[latency.length - 1],
                    latency.length);
        } finally {
            s.close();
        }
    }

    static StandardDictionary randomDictionary(int d, int n) {
        Random rnd = new Random(1);
        float[] wEnc = new float[d * n], wDec = new float[n * d], bEnc = new float[n], bDec = new float[d];
        for (int j = 0; j < n; j++) {
            double norm = 0;
            float[] row = new float[d];
            for (int i = 0; i < d; i++) {
                row[i] = (float) rnd.nextGaussian();
                norm += row[i] * row[i];
            }
            for (int i = 0; i < d; i++) {
                wDec[j * d + i] = (float) (row[i] / Math.sqrt(norm));
                wEnc[i * n + j] = wDec[j * d + i];
            }
            bEnc[j] =
                    -0.5f - (float) rnd.nextDouble(); // mostly off, as in a trained dictionary, yet every feature fires
            // somewhere
        }
        return new StandardDictionary(
                Tensor.ofFloats(new long[] {d, n}, wEnc),
                Tensor.ofFloats(new long[] {n}, bEnc),
                Tensor.ofFloats(new long[] {n, d}, wDec),
                Tensor.ofFloats(new long[] {d}, bDec),
                true,
                new DictionaryInfo(
                        org.sparsescope.compute.model.HookPoint.parse("blocks.2.hook_resid_post"),
                        "reference-neox-6l",
                        "random",
                        Map.of()));
    }
}
