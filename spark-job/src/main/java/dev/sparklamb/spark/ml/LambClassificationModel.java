package dev.sparklamb.spark.ml;

import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.Replica;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A trained spark-lamb classifier: the DL4J network's architecture ({@link ModelSpec}) and its flat parameters.
 * {@link #transform} scores on the executors: the parameters are broadcast once per call, each partition's rows go
 * through an executor-resident replica in micro-batches of {@code microBatch} rows, and the non-empty output columns are
 * appended as Spark's probabilistic classifiers do: {@code rawPredictionCol} (the network's output, e.g. softmax
 * probabilities), {@code probabilityCol} (that output normalised to sum 1) and {@code predictionCol} (the most probable
 * class, or the largest probability/threshold with {@code thresholds}). Saves with {@code write().save(path)} (Spark's
 * params metadata plus {@code model.zip}, DL4J's {@code ModelSerializer} format, and {@code network.json}) to any Hadoop URI.
 */
public final class LambClassificationModel extends ProbabilisticClassificationModel<Vector, LambClassificationModel>
        implements MLWritable {

    private static final long serialVersionUID = 1L;

    private final String uid;
    private final ModelSpec spec;
    private final float[] parameters;
    private final int featureCount;
    private final int classes;
    /** Identifies these parameters to executor replicas, so a replica copies them only once. */
    private final long version = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
    private final IntParam microBatch;
    private transient Replica driverReplica;

    LambClassificationModel(String uid, ModelSpec spec, float[] parameters, int featureCount, int classes) {
        this(PendingUid.stash(uid), spec, parameters, featureCount, classes);
    }

    private LambClassificationModel(Void stashed, ModelSpec spec, float[] parameters, int featureCount, int classes) {
        this.uid = PendingUid.take();
        this.spec = spec;
        this.parameters = parameters;
        this.featureCount = featureCount;
        this.classes = classes;
        this.microBatch = new IntParam(this, "microBatch", "most rows a replica scores at once in transform (configuration key "
                + ConfigParams.ROOT + "training.micro-batch)");
        setDefault(microBatch, ConfigParams.defaultInt("training.micro-batch"));
    }

    @Override
    public String uid() {
        return uid != null ? uid : PendingUid.peek();
    }

    public IntParam microBatch() {
        return microBatch;
    }

    public int getMicroBatch() {
        return (Integer) getOrDefault(microBatch);
    }

    public LambClassificationModel setMicroBatch(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("microBatch must be >= 1, got " + value);
        }
        set(microBatch, value);
        return this;
    }

    @Override
    public int numClasses() {
        return classes;
    }

    @Override
    public int numFeatures() {
        return featureCount;
    }

    /** The network's architecture (DL4J configuration JSON) and where executors run it. */
    public ModelSpec spec() {
        return spec;
    }

    /** A copy of the flat parameter vector (DL4J's flattening order). */
    public float[] parameters() {
        return parameters.clone();
    }

    /** The trained DL4J network ({@code MultiLayerNetwork} or {@code ComputationGraph}) on the driver. */
    public synchronized org.deeplearning4j.nn.api.Model network() {
        if (driverReplica == null) {
            Replica r = spec.build();
            r.setParameters(parameters, -1);
            driverReplica = r;
        }
        return driverReplica.network();
    }

    @Override
    public StructType transformSchema(StructType schema) {
        Columns.requireFeatures(schema, getFeaturesCol());
        return Columns.withOutputs(schema, getRawPredictionCol(), getProbabilityCol(), getPredictionCol(), classes);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema(), true);
        Dataset<Row> df = dataset.toDF();
        int features = df.schema().fieldIndex(getFeaturesCol());
        Broadcast<float[]> b = JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext()).broadcast(parameters);
        BatchScorer scorer = new BatchScorer(spec, b, version, features, df.schema().fields()[features].dataType(), getFeaturesCol(),
                featureCount, getMicroBatch(), !getRawPredictionCol().isEmpty(), !getProbabilityCol().isEmpty(),
                !getPredictionCol().isEmpty(), isDefined(thresholds()) ? getThresholds() : null);
        JavaRDD<InternalRow> scored = df.queryExecution().toRdd().toJavaRDD().mapPartitions(scorer);
        // Spark's internal rows in and out (see BatchScorer); the scan of this RDD turns them into unsafe rows.
        return df.sparkSession().internalCreateDataFrame(scored.rdd(), out, false);
    }

    /** One row's raw prediction on the driver (Spark's single-instance path; {@link #transform} is the distributed one). */
    @Override
    public synchronized Vector predictRaw(Vector features) {
        float[] x = new float[featureCount];
        Columns.features(org.apache.spark.sql.RowFactory.create(features), 0, getFeaturesCol(), x, 0, featureCount);
        network();
        float[] o = driverReplica.output(Nd4j.createFromArray(x).reshape(1, featureCount)).toFloatVector();
        double[] raw = new double[o.length];
        for (int c = 0; c < o.length; c++) {
            raw[c] = o[c];
        }
        return Vectors.dense(raw);
    }

    @Override
    public Vector raw2probabilityInPlace(Vector raw) {
        double[] p = BatchScorer.probabilities(raw.toArray());
        if (raw instanceof DenseVector d) {
            System.arraycopy(p, 0, d.values(), 0, p.length);
            return d;
        }
        return Vectors.dense(p);
    }

    /**
     * Spark's summary hook (no training summary is kept here). Raw return type: Java cannot otherwise reconcile the two
     * Scala declarations it inherits.
     */
    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public scala.Tuple3 findSummaryModel() {
        return new scala.Tuple3(this, getProbabilityCol(), getPredictionCol());
    }

    @Override
    public LambClassificationModel copy(ParamMap extra) {
        LambClassificationModel copy = new LambClassificationModel(uid, spec, parameters, featureCount, classes);
        return copyValues(copy, extra).setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new ModelPersistence.Writer(this);
    }

    public static MLReader<LambClassificationModel> read() {
        return new ModelPersistence.Reader();
    }

    public static LambClassificationModel load(String path) {
        return read().load(path);
    }

    @Override
    public String toString() {
        return "LambClassificationModel: uid=" + uid + ", network=" + spec.name() + ", numClasses=" + classes + ", numFeatures="
                + featureCount;
    }
}
