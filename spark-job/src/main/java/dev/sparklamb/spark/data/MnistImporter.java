package dev.sparklamb.spark.data;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converts MNIST-format IDX files (MNIST, Fashion-MNIST) into the trainer's Parquet layout: {@code features}
 * {@code array<float>} (pixel / 255, row-major) and {@code label} {@code int}, in the files' order.
 */
public final class MnistImporter {

    private static final Logger LOG = LoggerFactory.getLogger(MnistImporter.class);

    /** The schema written. */
    public static final StructType SCHEMA = new StructType()
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("label", DataTypes.IntegerType, false);

    private MnistImporter() {
    }

    /**
     * @param limit at most this many examples (0: all)
     * @return the number of examples written
     */
    public static long convert(SparkSession spark, String images, String labels, String output, int limit) {
        var hadoop = spark.sparkContext().hadoopConfiguration();
        IdxFile x = IdxFile.read(images, hadoop);
        IdxFile y = IdxFile.read(labels, hadoop);
        if (x.dims().length != 3) {
            throw new DataException("'" + images + "' holds a " + x.dims().length + "-dimensional tensor; expected images [count, rows, columns]");
        }
        if (y.dims().length != 1) {
            throw new DataException("'" + labels + "' holds a " + y.dims().length + "-dimensional tensor; expected labels [count]");
        }
        if (x.count() != y.count()) {
            throw new DataException("'" + images + "' has " + x.count() + " images but '" + labels + "' has " + y.count() + " labels");
        }
        int n = limit > 0 ? Math.min(limit, x.count()) : x.count();
        int size = x.itemSize();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int slices = Math.max(1, Math.min(8, n / 5000));
        List<int[]> ranges = new ArrayList<>();
        for (int s = 0; s < slices; s++) {
            ranges.add(new int[] {(int) ((long) n * s / slices), (int) ((long) n * (s + 1) / slices)});
        }
        byte[] pixels = x.values();
        byte[] classes = y.values();
        var bPixels = jsc.broadcast(pixels);
        var bClasses = jsc.broadcast(classes);
        try {
            JavaRDD<Row> rows = jsc.parallelize(ranges, slices).flatMap(r -> {
                byte[] px = bPixels.value();
                byte[] lb = bClasses.value();
                List<Row> out = new ArrayList<>(r[1] - r[0]);
                for (int i = r[0]; i < r[1]; i++) {
                    float[] f = new float[size];
                    for (int j = 0; j < size; j++) {
                        f[j] = (px[i * size + j] & 0xff) / 255f;
                    }
                    out.add(RowFactory.create(f, lb[i] & 0xff));
                }
                return out.iterator();
            });
            spark.createDataFrame(rows, SCHEMA).write().mode(SaveMode.ErrorIfExists).parquet(output);
        } finally {
            bPixels.destroy();
            bClasses.destroy();
        }
        LOG.info("wrote {} examples ({} features each) from {} to {}", n, size, images, output);
        return n;
    }
}
