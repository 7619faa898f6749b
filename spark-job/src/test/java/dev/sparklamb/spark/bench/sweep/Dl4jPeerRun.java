package dev.sparklamb.spark.bench.sweep;

import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.ModelSettings;
import dev.sparklamb.spark.data.IdxFile;
import dev.sparklamb.spark.model.ModelFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;

/**
 * The peers of issue #7, each training the very network of our {@code mlp} preset (taken from {@link ModelFactory})
 * with DL4J's own Adam at a constant rate, for the same epochs on the same data, evaluated on the same test set
 * after every epoch:
 * <ul>
 *   <li>{@code dl4j-fit}: single-process {@code MultiLayerNetwork.fit}, minibatch = the run's batch;</li>
 *   <li>{@code dl4j-paramavg}: {@link ParameterAveragingTrainingMaster}, 2 workers of batch/2 each, parameters and
 *       updater state averaged every {@value #AVERAGING_FREQUENCY} minibatches, {@code RDDTrainingApproach.Direct};</li>
 *   <li>{@code dl4j-shared}: {@link SharedTrainingMaster} (asynchronous threshold-encoded gradient sharing over Aeron
 *       on 127.0.0.1), 2 workers of batch/2 each.</li>
 * </ul>
 */
final class Dl4jPeerRun {

    static final int AVERAGING_FREQUENCY = 5;
    static final int WORKERS = 2;

    private Dl4jPeerRun() {
    }

    /** The {@code mlp} preset with DL4J's Adam (constant {@code lr}) on every layer instead of the trainer's NoOp. */
    static MultiLayerConfiguration network(String model, double lr, long seed) {
        ModelSettings settings = ConfigLoader.load("", "sweep", List.of("spark-lamb.model.preset=" + model)).model();
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(
                (model.equals("mlp") ? ModelFactory.mlp(settings, seed) : ModelFactory.lenet(settings, seed)).toJson());
        for (NeuralNetConfiguration layer : conf.getConfs()) {
            if (layer.getLayer() instanceof BaseLayer b) {
                b.setIUpdater(new Adam(lr));
                b.setBiasUpdater(new Adam(lr));
            }
        }
        return conf;
    }

    static RunResult run(SparkSession spark, SweepRun run, DataFiles data, RunContext context, long seed) {
        var hadoop = spark.sparkContext().hadoopConfiguration();
        Examples train = Examples.of(IdxFile.read(data.images("train"), hadoop), IdxFile.read(data.labels("train"), hadoop));
        DataSet test = Examples.of(IdxFile.read(data.images("t10k"), hadoop), IdxFile.read(data.labels("t10k"), hadoop)).all();
        MultiLayerConfiguration conf = network(run.model(), run.baseLearningRate(), seed);
        long wallStart = System.nanoTime();
        Trainer trainer = switch (run.trainer()) {
            case SweepRun.DL4J_FIT -> new SingleProcess(conf, run.globalBatch(), seed);
            case SweepRun.DL4J_PARAM_AVG -> new OnSpark(spark, conf, paramAveraging(run.globalBatch() / WORKERS, seed), run.globalBatch() / WORKERS);
            case SweepRun.DL4J_SHARED -> new OnSpark(spark, conf, shared(run.globalBatch() / WORKERS, seed), run.globalBatch() / WORKERS);
            default -> throw new IllegalArgumentException("not a DL4J peer: " + run.trainer());
        };
        List<CurvePoint> curve = new ArrayList<>();
        double trainSeconds = 0;
        long examples = 0;
        try {
            for (int epoch = 0; epoch < run.epochs(); epoch++) {
                trainer.prepare(train, epoch);
                long t0 = System.nanoTime();
                double loss = trainer.fitEpoch();
                trainSeconds += (System.nanoTime() - t0) / 1e9;
                examples += (long) train.count() / run.globalBatch() * run.globalBatch();
                MultiLayerNetwork net = trainer.network();
                double testLoss = net.score(test, false);
                curve.add(new CurvePoint(epoch + 1, net.getIterationCount(), trainSeconds, loss, accuracy(net, test), testLoss));
            }
        } finally {
            trainer.close();
        }
        double wall = (System.nanoTime() - wallStart) / 1e9;
        double target = SweepPlan.TARGET.get(run.dataset());
        String settings = trainer.describe();
        return new RunResult(run.id(), run, "succeeded", null, run.baseLearningRate(), curve.isEmpty() ? 0 : curve.get(curve.size() - 1).step(),
                examples, Curves.finalAccuracy(curve), Curves.bestAccuracy(curve), trainSeconds, wall, examples / trainSeconds, target,
                Curves.secondsToTarget(curve, target), curve, settings, context.gitCommit(), context.startedAt(), context.host());
    }

    private static ParameterAveragingTrainingMaster paramAveraging(int perWorker, long seed) {
        return new ParameterAveragingTrainingMaster.Builder(perWorker)
                .batchSizePerWorker(perWorker)
                .averagingFrequency(AVERAGING_FREQUENCY)
                .workerPrefetchNumBatches(0)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .storageLevel(StorageLevel.MEMORY_ONLY())
                .repartionData(Repartition.Never)
                .rngSeed(seed)
                .collectTrainingStats(false)
                .build();
    }

    private static SharedTrainingMaster shared(int perWorker, long seed) {
        VoidConfiguration voidConfiguration = VoidConfiguration.builder()
                .unicastPort(40123)
                .networkMask("127.0.0.0/8")
                .controllerAddress("127.0.0.1")
                .build();
        return new SharedTrainingMaster.Builder(voidConfiguration, perWorker)
                .batchSizePerWorker(perWorker)
                .workersPerNode(1)
                .workerPrefetchNumBatches(0)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .storageLevel(StorageLevel.MEMORY_ONLY())
                .repartitionData(Repartition.Never)
                .rngSeed(seed)
                .build();
    }

    static double accuracy(MultiLayerNetwork net, DataSet test) {
        INDArray predicted = net.output(test.getFeatures(), false).argMax(1);
        INDArray actual = test.getLabels().argMax(1);
        return predicted.eq(actual).castTo(DataType.INT).sumNumber().doubleValue() / test.numExamples();
    }

    /** Pixels scaled to [0, 1] exactly as our importer does; {@code d} features per example. */
    record Examples(float[] features, int[] labels, int d) {

        static Examples of(IdxFile images, IdxFile labels) {
            float[] x = new float[images.count() * images.itemSize()];
            byte[] px = images.values();
            for (int i = 0; i < x.length; i++) {
                x[i] = (px[i] & 0xff) / 255f;
            }
            int[] y = new int[labels.count()];
            for (int i = 0; i < y.length; i++) {
                y[i] = labels.values()[i] & 0xff;
            }
            return new Examples(x, y, images.itemSize());
        }

        int count() {
            return labels.length;
        }

        DataSet all() {
            int[] rows = new int[count()];
            Arrays.setAll(rows, i -> i);
            return minibatch(features, labels, d, rows);
        }
    }

    /** Example indices of one epoch's minibatches, in a seeded shuffled order; the remainder is dropped, as in our trainer. */
    static List<int[]> minibatchIndices(int n, int size, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random random = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        List<int[]> batches = new ArrayList<>();
        for (int start = 0; start + size <= n; start += size) {
            batches.add(Arrays.copyOfRange(order, start, start + size));
        }
        return batches;
    }

    /** The minibatch of the given rows of {@code features} ({@code d} values each) with one-hot {@code labels}. */
    static DataSet minibatch(float[] features, int[] labels, int d, int[] rows) {
        float[] x = new float[rows.length * d];
        float[] y = new float[rows.length * 10];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(features, rows[i] * d, x, i * d, d);
            y[i * 10 + labels[rows[i]]] = 1f;
        }
        return new DataSet(Nd4j.create(x, new long[] {rows.length, d}, DataType.FLOAT),
                Nd4j.create(y, new long[] {rows.length, 10}, DataType.FLOAT));
    }

    private interface Trainer extends AutoCloseable {
        /** Shuffles and batches the epoch's data (not timed). */
        void prepare(Examples train, int epoch);

        /** Trains one epoch, returns the training loss (DL4J's score). */
        double fitEpoch();

        MultiLayerNetwork network();

        String describe();

        @Override
        void close();
    }

    private static final class SingleProcess implements Trainer {
        private final MultiLayerNetwork net;
        private final int batch;
        private final long seed;

        SingleProcess(MultiLayerConfiguration conf, int batch, long seed) {
            this.net = new MultiLayerNetwork(conf);
            this.net.init();
            this.batch = batch;
            this.seed = seed;
        }

        private List<DataSet> batches = List.of();

        @Override
        public void prepare(Examples train, int epoch) {
            batches = minibatchIndices(train.count(), batch, seed + epoch).stream()
                    .map(rows -> minibatch(train.features(), train.labels(), train.d(), rows)).toList();
        }

        @Override
        public double fitEpoch() {
            double sum = 0;
            for (DataSet b : batches) {
                net.fit(b);
                sum += net.score();
            }
            double mean = sum / batches.size();
            batches = List.of();
            return mean;
        }

        @Override
        public MultiLayerNetwork network() {
            return net;
        }

        @Override
        public String describe() {
            return "MultiLayerNetwork.fit(DataSet) per minibatch of " + batch + ", DL4J Adam constant lr, seeded shuffle per epoch";
        }

        @Override
        public void close() {
        }
    }

    private static final class OnSpark implements Trainer {
        private final SparkDl4jMultiLayer net;
        private final TrainingMaster<?, ?> master;
        private final JavaSparkContext jsc;
        private final int perWorker;
        private final long seed;

        OnSpark(SparkSession spark, MultiLayerConfiguration conf, TrainingMaster<?, ?> master, int perWorker) {
            this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            this.net = new SparkDl4jMultiLayer(jsc, conf, master);
            this.master = master;
            this.perWorker = perWorker;
            this.seed = conf.getConf(0).getSeed();
        }

        private JavaRDD<DataSet> rdd;
        private Broadcast<float[]> features;
        private Broadcast<int[]> labels;

        /**
         * The epoch's minibatches are built on the workers from a broadcast of the whole training set and cached
         * deserialized: an RDD parallelized from DataSets would re-serialize them through ND4J's slow Kryo
         * serializer with every task of every averaging round.
         */
        @Override
        public void prepare(Examples train, int epoch) {
            if (features == null) {
                features = jsc.broadcast(train.features());
                labels = jsc.broadcast(train.labels());
            }
            if (rdd != null) {
                rdd.unpersist(true);
            }
            Broadcast<float[]> x = features;
            Broadcast<int[]> y = labels;
            int d = train.d();
            rdd = jsc.parallelize(minibatchIndices(train.count(), perWorker, seed + epoch), WORKERS)
                    .map(rows -> minibatch(x.value(), y.value(), d, rows))
                    .persist(StorageLevel.MEMORY_ONLY());
            rdd.count();
        }

        @Override
        public double fitEpoch() {
            net.fit(rdd);
            return net.getScore();
        }

        @Override
        public MultiLayerNetwork network() {
            return net.getNetwork();
        }

        @Override
        public String describe() {
            return master.getClass().getSimpleName() + ": " + WORKERS + " workers x " + perWorker + " examples per minibatch; "
                    + (master instanceof ParameterAveragingTrainingMaster ? "averaging every " + AVERAGING_FREQUENCY
                    + " minibatches" : "threshold-encoded asynchronous gradient sharing on 127.0.0.1")
                    + ", RDDTrainingApproach.Direct, storage MEMORY_ONLY (DL4J's default MEMORY_ONLY_SER re-reads every float through Kryo), no repartitioning"
                    + "; DL4J Adam constant lr; the epoch's minibatches are shuffled and cut outside the timed part; the minibatches are built from a broadcast and cached on the workers before the timed fit()";
        }

        @Override
        public void close() {
            if (rdd != null) {
                rdd.unpersist(true);
            }
            if (features != null) {
                features.destroy();
                labels.destroy();
            }
            master.deleteTempFiles(jsc);
        }
    }
}
