package org.sparsescope.compute.activations;

import blue.strategic.parquet.Hydrator;
import blue.strategic.parquet.HydratorSupplier;
import blue.strategic.parquet.ParquetReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.io.api.Binary;
import org.sparsescope.compute.InvalidInputException;

/** The {@code text} column of a Parquet file, one row at a time (only that column is decoded). */
final class ParquetTexts implements AutoCloseable {
    static final String COLUMN = "text";
    private final Path file;
    private final Stream<String> rows;
    private final Iterator<String> it;
    private long row;

    private ParquetTexts(Path file, Stream<String> rows) {
        this.file = file;
        this.rows = rows;
        this.it = rows.iterator();
    }

    static ParquetTexts open(Path file) throws IOException {
        HydratorSupplier<String[], String> text = columns -> {
            if (columns.stream().map(ColumnDescriptor::getPath).noneMatch(p -> p.length == 1 && p[0].equals(COLUMN))) {
                throw new IllegalArgumentException("has no column \"" + COLUMN + "\" (it has "
                        + columns.stream()
                                .map(c -> String.join(".", c.getPath()))
                                .toList() + ")");
            }
            return new Hydrator<>() {
                @Override
                public String[] start() {
                    return new String[1];
                }

                @Override
                public String[] add(String[] target, String heading, Object value) {
                    if (COLUMN.equals(heading)) {
                        target[0] = value instanceof Binary b
                                ? b.toStringUsingUTF8()
                                : value == null ? null : value.toString();
                    }
                    return target;
                }

                @Override
                public String finish(String[] target) {
                    return target[0] == null ? "" : target[0];
                }
            };
        };
        try {
            return new ParquetTexts(file, ParquetReader.streamContent(file.toFile(), text, List.of(COLUMN)));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(file, e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException(file, "not a readable Parquet file: " + e.getMessage(), e);
        }
    }

    /** The next non-empty text, or null after the last row. */
    String next() throws IOException {
        try {
            while (it.hasNext()) {
                String t = it.next();
                row++;
                if (!t.isEmpty()) {
                    return t;
                }
            }
            return null;
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(file, e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new InvalidInputException(file, "unreadable near row " + row + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        rows.close();
    }
}
