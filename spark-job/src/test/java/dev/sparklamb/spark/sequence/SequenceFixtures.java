package dev.sparklamb.spark.sequence;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Token data as import-text writes it (Parquet: input_ids array&lt;int&gt;, length int), and a tiny masked-LM network. */
public final class SequenceFixtures {

    public static final int V = 40;
    public static final int L = 8;
    public static final StructType SCHEMA = new StructType()
            .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
            .add("length", DataTypes.IntegerType, false);

    private SequenceFixtures() {
    }

    /** n sequences [CLS] t.. [SEP] [PAD]..., lengths 2..L, tokens from a simple bigram chain so there is something to learn. */
    public static List<int[]> sequences(int n, long seed) {
        return sequences(n, seed, L);
    }

    /** As above with sequences of {@code length} ids; element {@code length} of each array is the real length. */
    public static List<int[]> sequences(int n, long seed, int length) {
        int L = length;
        Random r = new Random(seed);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = 2 + r.nextInt(L - 1);
            int[] ids = new int[L + 1];
            int t = 5 + r.nextInt(V - 5);
            for (int p = 0; p < len; p++) {
                if (p == 0) {
                    ids[p] = 2;
                } else if (p == len - 1) {
                    ids[p] = 3;
                } else {
                    ids[p] = t;
                    t = r.nextInt(4) == 0 ? 5 + r.nextInt(V - 5) : 5 + (t - 5 + 1) % (V - 5);
                }
            }
            ids[L] = len;
            out.add(ids);
        }
        return out;
    }

    public static List<Row> rows(List<int[]> sequences) {
        List<Row> rows = new ArrayList<>();
        for (int[] s : sequences) {
            rows.add(RowFactory.create(java.util.Arrays.copyOf(s, s.length - 1), s[s.length - 1]));
        }
        return rows;
    }

    /** The network's configuration JSON in {@code dir}, for spark-lamb.model.config-file. */
    public static String networkFile(Path dir, MultiLayerConfiguration conf) {
        try {
            java.nio.file.Files.createDirectories(dir);
            Path f = dir.resolve("network.json");
            java.nio.file.Files.writeString(f, conf.toJson());
            return f.toUri().toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** One Parquet file (so example ids follow the list's order). */
    public static String write(SparkSession spark, Path dir, List<Row> rows, StructType schema) {
        String path = dir.toUri().toString();
        spark.createDataFrame(rows, schema).coalesce(1).write().mode(SaveMode.ErrorIfExists).parquet(path);
        return path;
    }

    /**
     * Embedding (V x 8) -> per-position softmax over V: the sequence layers the trainer supports with masks. (No dropout:
     * DL4J 1.0.0-M2's DropoutLayer fails on [mb, C, L] activations with a feature mask, and dropout on these two layers is
     * refused by NetworkCheck.)
     */
    public static MultiLayerConfiguration network(long seed) {
        return network(seed, V);
    }

    public static MultiLayerConfiguration network(long seed, int outputs) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new NoOp())
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new EmbeddingSequenceLayer.Builder().nIn(V).nOut(8).inputLength(L).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(outputs).activation(Activation.SOFTMAX)
                        .dataFormat(org.deeplearning4j.nn.conf.RNNFormat.NCW).build())
                .build();
    }
}
