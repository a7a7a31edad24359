package org.sparsescope.compute.export;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.sparsescope.compute.autointerp.AutointerpRun;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.stats.FeatureStats;
import org.sparsescope.compute.tensor.AtomicFile;

/** The feature table as CSV (RFC 4180, via commons-csv): one row per feature, the table's columns, full precision. */
public final class FeatureTableCsv {
    public static final String[] HEADER = {
        "feature",
        "density",
        "mean",
        "max",
        "std",
        "skew",
        "kurtosis",
        "capacity",
        "top_tokens",
        "explanation",
        "detection",
        "fuzzing",
        "explainer"
    };

    private FeatureTableCsv() {}

    public static void write(Path file, FeatureReport report, List<String> topTokens) throws IOException {
        write(file, report, topTokens, null);
    }

    /**
     * With the dictionary's stored autointerp results ({@code explained}, null when none): each explained feature's
     * explanation, its detection and fuzzing balanced accuracies and the explainer; empty cells elsewhere.
     */
    public static void write(Path file, FeatureReport report, List<String> topTokens, AutointerpRun.Stored explained)
            throws IOException {
        AtomicFile.writeString(file, csv(report, topTokens, explained));
    }

    public static String csv(FeatureReport report, List<String> topTokens) throws IOException {
        return csv(report, topTokens, null);
    }

    public static String csv(FeatureReport report, List<String> topTokens, AutointerpRun.Stored explained)
            throws IOException {
        FeatureStats s = report.stats();
        StringWriter out = new StringWriter();
        try (CSVPrinter p = new CSVPrinter(
                out, CSVFormat.RFC4180.builder().setHeader(HEADER).get())) {
            for (int j = 0; j < s.features(); j++) {
                p.printRecord(
                        j,
                        s.density()[j],
                        s.mean()[j],
                        s.max()[j],
                        s.std()[j],
                        s.skew()[j],
                        s.kurtosis()[j],
                        report.capacity()[j],
                        j < topTokens.size() ? topTokens.get(j) : "",
                        Explanations.text(explained, j),
                        Explanations.score(explained, j, true),
                        Explanations.score(explained, j, false),
                        Explanations.explainer(explained, j));
            }
        }
        return out.toString();
    }
}
