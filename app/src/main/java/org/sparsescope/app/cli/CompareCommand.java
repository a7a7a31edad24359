package org.sparsescope.app.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.stats.DictionaryComparison;
import org.sparsescope.compute.stats.McsMatrix;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.ProgressListener;
import org.sparsescope.compute.workspace.Placement;
import org.sparsescope.compute.workspace.ProvenanceMismatchException;
import org.sparsescope.compute.workspace.Workspace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "compare",
        mixinStandardHelpOptions = true,
        description = {
            "Max cosine similarity of each feature of A to B's decoder directions (MCS), their mean (MMCS), histogram and matches.",
            "With three or more --dict: the sweep's MCS matrix (row → column: mean over the row dictionary's features of the best match "
                    + "among the column's), and the fraction of each row's features with MCS ≥ --threshold."
        })
public final class CompareCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--dict",
            required = true,
            arity = "1",
            description = "give twice (A, then B), or more times for the MCS matrix")
    List<Path> dicts;

    @Option(
            names = "--threshold",
            defaultValue = "0.9",
            description =
                    "MCS at which a feature counts as matched (default ${DEFAULT-VALUE}, as the seed's run_mmcs_with_larger)")
    double threshold;

    @Option(
            names = "--show",
            defaultValue = "10",
            description = "best and worst matches to list (default ${DEFAULT-VALUE})")
    int show;

    @Option(names = "--json", description = "print the result as JSON (per-feature MCS and matches included)")
    boolean json;

    @Option(
            names = "--workspace",
            description =
                    "workspace whose statements of model and hook apply (default: $SPARSESCOPE_WORKSPACE, else the user data directory)")
    Path workspace;

    @Option(names = "--force", description = "compare dictionaries of different models or hooks anyway")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if (dicts.size() < 2) {
            throw new IllegalArgumentException("give at least two --dict options");
        }
        List<Dictionary> read = new ArrayList<>();
        for (Path p : dicts) {
            read.add(DictionaryFiles.read(p));
        }
        Workspace ws = DictionaryInWorkspace.openWorkspace(workspace);
        List<Placement> placed = new ArrayList<>();
        for (int i = 0; i < dicts.size(); i++) {
            placed.add(ws.place(dicts.get(i), read.get(i)));
        }
        // every dictionary against the first: decoder directions of different hooks live in different spaces
        for (int i = 1; i < dicts.size(); i++) {
            Placement pa = placed.get(0), pb = placed.get(i);
            if (pa.at() != null && pb.at() != null && !pa.at().sameAs(pb.at())) {
                String why = dicts.get(0) + " reads " + pa.describe() + " but " + dicts.get(i) + " reads "
                        + pb.describe() + ": their decoder directions live in different spaces";
                if (!force) {
                    throw new ProvenanceMismatchException(
                            dicts.get(i), why + "; refused (pass --force to compare anyway)");
                }
                spec.commandLine().getErr().println("sparsescope: warning (--force): " + why);
            }
        }
        for (int i = 0; i < dicts.size(); i++) {
            if (placed.get(i).at() == null) {
                spec.commandLine()
                        .getErr()
                        .println(
                                "sparsescope: warning: " + dicts.get(i)
                                        + " names no model or hook, so nothing says it reads the same activations as the others");
            }
        }
        var out = spec.commandLine().getOut();
        McsMatrix matrix = McsMatrix.of(
                read, org.sparsescope.compute.Devices.preferred(), ProgressListener.NONE, new Cancellation());
        Map<String, Object> matrixJson = new LinkedHashMap<>();
        matrixJson.put("dictionaries", dicts.stream().map(Path::toString).toList());
        matrixJson.put("site", placed.get(0).describe());
        matrixJson.put(
                "direction",
                "row → column: mean over the row dictionary's features of the best cosine among the column dictionary's decoder rows");
        matrixJson.put("threshold", threshold);
        matrixJson.put("mmcs", matrix.mmcs());
        matrixJson.put("fraction_at_least_threshold", matrix.fractionAtLeast(threshold));
        if (dicts.size() > 2) {
            if (json) {
                Json.print(out, matrixJson);
                return 0;
            }
            printMatrix(out, matrix, read);
            return 0;
        }
        Dictionary a = read.get(0), b = read.get(1);
        Placement pa = placed.get(0), pb = placed.get(1);
        DictionaryComparison c = DictionaryComparison.of(a, b);
        Integer[] order = new Integer[c.maxCosine().length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(c.maxCosine()[y], c.maxCosine()[x]));
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("a", dicts.get(0).toString());
            m.put("b", dicts.get(1).toString());
            m.put("a_site", pa.describe());
            m.put("b_site", pb.describe());
            m.put("direction", "mean over A's features of the best match in B");
            m.put("mmcs", c.meanMaxCosine());
            m.put("histogram", Map.of("lo", 0, "hi", 1, "counts", c.histogram().counts()));
            m.put("mcs", c.maxCosine());
            m.put("match", c.match());
            m.put("matrix", matrixJson);
            Json.print(out, m);
            return 0;
        }
        out.printf(
                Locale.ROOT,
                "A %s (%d features, %s)  B %s (%d features, %s)%n",
                dicts.get(0),
                a.dSae(),
                pa.describe(),
                dicts.get(1),
                b.dSae(),
                pb.describe());
        out.printf(
                Locale.ROOT,
                "MMCS A → B %.4f (mean over A's features of the best match in B; give the smaller dictionary first for the seed's direction)%n",
                c.meanMaxCosine());
        out.printf(
                Locale.ROOT,
                "%.1f%% of A's features have MCS ≥ %.2f in B%n",
                100 * matrix.fractionAtLeast(0, 1, threshold),
                threshold);
        long max = java.util.Arrays.stream(c.histogram().counts()).max().orElse(1);
        for (int i = 0; i < c.histogram().bins(); i++) {
            double lo = c.histogram().lo() + i * c.histogram().binWidth();
            out.printf(
                    Locale.ROOT,
                    "  %.2f–%.2f %6d %s%n",
                    lo,
                    lo + c.histogram().binWidth(),
                    c.histogram().counts()[i],
                    "#".repeat((int) (40.0 * c.histogram().counts()[i] / Math.max(1, max))));
        }
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < Math.min(show, order.length); i++) {
            rows.add(String.format(
                    Locale.ROOT, "A#%d ~ B#%d  %.4f", order[i], c.match()[order[i]], c.maxCosine()[order[i]]));
        }
        out.println("best matched: " + String.join(", ", rows));
        rows.clear();
        for (int i = 0; i < Math.min(show, order.length); i++) {
            int f = order[order.length - 1 - i];
            rows.add(String.format(Locale.ROOT, "A#%d ~ B#%d  %.4f", f, c.match()[f], c.maxCosine()[f]));
        }
        out.println("least matched: " + String.join(", ", rows));
        return 0;
    }

    private void printMatrix(java.io.PrintWriter out, McsMatrix m, List<Dictionary> read) {
        out.printf(
                Locale.ROOT,
                "MCS matrix of %d dictionaries (row → column: mean over the row's features of the best match in the column)%n",
                m.size());
        for (int i = 0; i < m.size(); i++) {
            out.printf(
                    Locale.ROOT,
                    "  [%d] %s (%d features)%n",
                    i,
                    dicts.get(i),
                    read.get(i).dSae());
        }
        for (String what : new String[] {"MMCS", "fraction ≥ threshold"}) {
            out.println(
                    what.equals("MMCS")
                            ? "MMCS"
                            : String.format(Locale.ROOT, "fraction of the row's features with MCS ≥ %.2f", threshold));
            StringBuilder head = new StringBuilder("      ");
            for (int j = 0; j < m.size(); j++) {
                head.append(String.format(Locale.ROOT, "%7s", "[" + j + "]"));
            }
            out.println(head);
            for (int i = 0; i < m.size(); i++) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%6s", "[" + i + "]"));
                for (int j = 0; j < m.size(); j++) {
                    row.append(String.format(
                            Locale.ROOT,
                            "%7.3f",
                            what.equals("MMCS") ? m.mmcs(i, j) : m.fractionAtLeast(i, j, threshold)));
                }
                out.println(row);
            }
        }
    }
}
