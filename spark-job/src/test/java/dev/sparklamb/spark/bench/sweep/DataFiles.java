package dev.sparklamb.spark.bench.sweep;

import dev.sparklamb.spark.data.IdxFile;
import dev.sparklamb.spark.data.MnistImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * A data set of the sweep: the raw IDX files (as {@code submit/fetch-data.sh <name>-raw} leaves them under
 * {@code data/<name>/raw}) and their Parquet conversion for our trainer, made here when missing.
 */
record DataFiles(String name, Path dir, String suffix, int trainCount) {

    static DataFiles of(SparkSession spark, String name, Path dataRoot) {
        Path dir = dataRoot.resolve(name.equals("fashion") ? "fashion-mnist" : name);
        String suffix = Files.exists(dir.resolve("raw/train-images-idx3-ubyte.gz")) ? ".gz" : "";
        if (!Files.exists(dir.resolve("raw/train-images-idx3-ubyte" + suffix))) {
            throw new IllegalStateException("no raw IDX files in " + dir.resolve("raw") + ": run submit/fetch-data.sh "
                    + name + "-raw first");
        }
        DataFiles d = new DataFiles(name, dir, suffix, 0);
        for (String split : new String[] {"train", "t10k"}) {
            if (!Files.exists(dir.resolve(split + ".parquet"))) {
                MnistImporter.convert(spark, d.images(split), d.labels(split), dir.resolve(split + ".parquet").toUri().toString(), 0);
            }
        }
        int n = IdxFile.read(d.labels("train"), spark.sparkContext().hadoopConfiguration()).count();
        return new DataFiles(name, dir, suffix, n);
    }

    String images(String split) {
        return dir.resolve("raw/" + split + "-images-idx3-ubyte" + suffix).toString();
    }

    String labels(String split) {
        return dir.resolve("raw/" + split + "-labels-idx1-ubyte" + suffix).toString();
    }

    String trainParquet() {
        return dir.resolve("train.parquet").toUri().toString();
    }

    String testParquet() {
        return dir.resolve("t10k.parquet").toUri().toString();
    }
}
