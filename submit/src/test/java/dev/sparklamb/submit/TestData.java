package dev.sparklamb.submit;

import dev.sparklamb.spark.data.MnistImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/** Writes examples (features and labels) as Spark rows, Parquet and CSV tables, for tests that need data files. */
final class TestData {

    private TestData() {
    }

    static List<Row> rows(float[][] features, int[] labels) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            rows.add(RowFactory.create(features[i], labels[i]));
        }
        return rows;
    }

    /** One Parquet file (row order kept, MNIST's schema) in the new directory {@code dir}. */
    static Path parquet(SparkSession spark, Path dir, List<Row> rows) {
        spark.createDataFrame(rows, MnistImporter.SCHEMA).coalesce(1).write().parquet(dir.toUri().toString());
        return dir;
    }

    /** Header row (label, f0, f1, ...: one column a feature) then one row per example, floats written with Float.toString. */
    static List<String[]> table(float[][] features, int[] labels) {
        int width = features[0].length;
        List<String[]> t = new ArrayList<>();
        String[] header = new String[width + 1];
        header[0] = "label";
        for (int j = 0; j < width; j++) {
            header[j + 1] = "f" + j;
        }
        t.add(header);
        for (int i = 0; i < labels.length; i++) {
            String[] row = new String[width + 1];
            row[0] = Integer.toString(labels[i]);
            for (int j = 0; j < width; j++) {
                row[j + 1] = Float.toString(features[i][j]);
            }
            t.add(row);
        }
        return t;
    }

    static Path csv(Path file, List<String[]> table) throws IOException {
        StringBuilder s = new StringBuilder();
        for (String[] row : table) {
            s.append(String.join(",", row)).append('\n');
        }
        Files.writeString(file, s);
        return file;
    }

    static float[][] copy(float[][] a) {
        float[][] c = new float[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }
}
