package dev.sparklamb.spark.bench.sweep;

import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.ModelSettings;
import dev.sparklamb.spark.data.IdxFile;
import dev.sparklamb.spark.model.ModelFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
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
        DataSet train = dataSet(IdxFile.read(data.images("train"), hadoop), IdxFile.read(data.labels("train"), hadoop));
        DataSet test = dataSet(IdxFile.read(data.images("t10k"), hadoop), IdxFile.read(data.labels("t10k"), hadoop));
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
                examples += train.numExamples();
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

    /** Pixels scaled to [0, 1] exactly as our importer does; one-hot labels. */
    static DataSet dataSet(IdxFile images, IdxFile labels) {
        int n = images.count();
        int d = images.itemSize();
        float[] x = new float[n * d];
        byte[] px = images.values();
        for (int i = 0; i < x.length; i++) {
            x[i] = (px[i] & 0xff) / 255f;
        }
        float[] y = new float[n * 10];
        for (int i = 0; i < n; i++) {
            y[i * 10 + (labels.values()[i] & 0xff)] = 1f;
        }
        INDArray features = Nd4j.create(x, new long[] {n, d}, DataType.FLOAT);
        INDArray oneHot = Nd4j.create(y, new long[] {n, 10}, DataType.FLOAT);
        return new DataSet(features, oneHot);
    }

    /** Minibatches of one epoch in a seeded shuffled order; the remainder is dropped, as in our trainer. */
    static List<DataSet> minibatches(DataSet all, int size, long seed) {
        int n = all.numExamples();
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
        List<DataSet> batches = new ArrayList<>();
        for (int start = 0; start + size <= n; start += size) {
            int[] idx = java.util.Arrays.copyOfRange(order, start, start + size);
            batches.add(new DataSet(all.getFeatures().getRows(idx), all.getLabels().getRows(idx)));
        }
        return batches;
    }

    private interface Trainer extends AutoCloseable {
        /** Shuffles and batches the epoch's data (not timed). */
        void prepare(DataSet train, int epoch);

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
        public void prepare(DataSet train, int epoch) {
            batches = minibatches(train, batch, seed + epoch);
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

        @Override
        public void prepare(DataSet train, int epoch) {
            rdd = jsc.parallelize(minibatches(train, perWorker, seed + epoch), WORKERS);
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
                    + "; DL4J Adam constant lr; the epoch's minibatches are shuffled and cut outside the timed part; fit() includes shipping them to the workers (parallelize)";
        }

        @Override
        public void close() {
            master.deleteTempFiles(jsc);
        }
    }
}
