package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.optim.OptimizerConfig;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.ExampleBlock;
import dev.sparklamb.spark.data.IdxFile;
import dev.sparklamb.spark.data.MinibatchExamples;
import dev.sparklamb.spark.data.MnistImporter;
import dev.sparklamb.spark.dl4j.LambTrainingMaster;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import dev.sparklamb.spark.update.LocalTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The DL4J drop-in: real MNIST minibatches fitted through DL4J's own {@code SparkDl4jMultiLayer} /
 * {@code SparkComputationGraph} with {@link LambTrainingMaster} give the parameters of spark-lamb's own trainer on the
 * same examples in the same order with the same settings.
 */
@ExtendWith(LocalSpark.class)
@LocalSpark.Settings(conf = "spark.kryo.registrator=org.nd4j.kryo.Nd4jRegistrator")
class LambTrainingMasterTest {

    static final Path RAW = MnistRealDataTest.RAW;
    /** The first N training images, in 10 DataSets of 64 (the shape DL4J's MNIST iterator gives). */
    static final int N = 640;
    static final int MINIBATCH = 64;
    static final int STEPS = 5;

    static SparkSession spark;
    static JavaSparkContext jsc;
    static float[][] x;
    static int[] y;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        assertThat(RAW.resolve("train-images-idx3-ubyte")).as("real MNIST (fetched by the build)").exists();
        IdxFile images = IdxFile.read(RAW.resolve("train-images-idx3-ubyte").toString(), new Configuration());
        IdxFile labels = IdxFile.read(RAW.resolve("train-labels-idx1-ubyte").toString(), new Configuration());
        int d = images.itemSize();
        x = new float[N][d];
        y = new int[N];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] = (images.values()[i * d + j] & 0xff) / 255f;
            }
            y[i] = labels.values()[i] & 0xff;
        }
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    static MultiLayerConfiguration mlp() {
        return mlp(42);
    }

    static MultiLayerConfiguration mlp(long seed) {
        return new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT).updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(32).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(32).nOut(10).activation(Activation.SOFTMAX).build())
                .build();
    }

    static ComputationGraphConfiguration graph() {
        return new NeuralNetConfiguration.Builder().seed(43).dataType(DataType.FLOAT).weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .addLayer("dense", new DenseLayer.Builder().nIn(784).nOut(32).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(32).nOut(10)
                        .activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("out")
                .build();
    }

    /** 640 examples, batch 192: 3 steps per epoch; 5 steps cross into the second epoch's shuffle. */
    static LambTrainingMaster.Builder options() {
        return LambTrainingMaster.builder().globalBatch(192).microBatch(48).epochs(2).maxSteps(STEPS).seed(7).partitions(2)
                .learningRate(0.02).warmupFraction(0.2).weightDecay(0.01).excludeFromWeightDecay("_b$");
    }

    /** The same settings as {@link #options()}, as a run configuration for {@link SparkTrainer}. */
    RunConfig referenceConfig(String modelFile) {
        return TestSpark.config(tmp.resolve("reference"), "model.config-file=\"" + modelFile + "\"", "data.partitions=2", "seed=7",
                "training.global-batch=192", "training.micro-batch=48", "training.epochs=2", "training.max-steps=" + STEPS,
                "optimizer.learning-rate.base=0.02", "optimizer.learning-rate.warmup-fraction=0.2", "optimizer.weight-decay=0.01",
                "optimizer.exclude-from-weight-decay=[\"_b$\"]");
    }

    /** Consecutive minibatches of {@link #MINIBATCH} examples, one-hot labels, in example order. */
    static List<DataSet> dataSets() {
        List<DataSet> out = new ArrayList<>();
        for (int from = 0; from < N; from += MINIBATCH) {
            float[][] f = Arrays.copyOfRange(x, from, from + MINIBATCH);
            float[][] l = new float[MINIBATCH][10];
            for (int i = 0; i < MINIBATCH; i++) {
                l[i][y[from + i]] = 1f;
            }
            out.add(new DataSet(Nd4j.create(f), Nd4j.create(l)));
        }
        return out;
    }

    /** 3 RDD partitions, on purpose not the 2 training partitions: ids follow the RDD's order, not its partitioning. */
    static JavaRDD<DataSet> rdd() {
        return jsc.parallelize(dataSets(), 3);
    }

    /** All examples as one block with ids 0..N-1: what a single process training on the same order holds. */
    static ExampleBlock block() {
        long[] ids = new long[N];
        float[] flat = new float[N * 784];
        for (int i = 0; i < N; i++) {
            ids[i] = i;
            System.arraycopy(x[i], 0, flat, i * 784, 784);
        }
        return new ExampleBlock(0, 784, ids, flat, y.clone());
    }

    static float[] singleProcess(ModelSpec spec, RunConfig config) {
        BatchPlan plan = new BatchPlan(N, config.training().globalBatch(), config.training().epochs(), config.training().maxSteps(),
                config.seed());
        OptimizerConfig opt = config.optimizer().create(plan.totalSteps(), plan.globalBatch());
        return new LocalTrainer(spec, config.training().microBatch(), 10).train(block(), plan, opt, plan.totalSteps()).parameters();
    }

    @Test
    void multiLayerFitEqualsSparkTrainerAndSingleProcessOnTheSameExamples() throws Exception {
        LambTrainingMaster tm = options().build();
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(jsc, mlp(), tm);
        float[] initial = sparkNet.getNetwork().params().toFloatVector();
        DataSet all = DataSet.merge(dataSets());
        double initialScore = sparkNet.getNetwork().score(all);

        MultiLayerNetwork trained = sparkNet.fit(rdd());
        float[] dropIn = trained.params().toFloatVector();

        assertThat(trained).isSameAs(sparkNet.getNetwork());
        assertThat(tm.history()).hasSize(STEPS);
        assertThat(trained.getIterationCount()).isEqualTo(STEPS);
        assertThat(sparkNet.getScore()).isEqualTo(tm.history().get(STEPS - 1).loss());
        assertThat(TestFiles.relativeDifference(dropIn, initial)).as("parameters moved").isGreaterThan(1e-3);
        assertThat(trained.score(all)).as("mean loss after training").isLessThan(initialScore);

        // spark-lamb's own trainer, from a DataFrame holding the same examples in the same order, with the same settings.
        Path modelFile = Files.writeString(tmp.resolve("mlp.json"), mlp().toJson());
        RunConfig reference = referenceConfig(modelFile.toUri().toString());
        assertThat(tm.configuration().training()).isEqualTo(reference.training());
        assertThat(tm.configuration().optimizer()).isEqualTo(reference.optimizer());
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            rows.add(RowFactory.create(x[i], y[i]));
        }
        TrainedModel viaTrainer = new SparkTrainer(spark, reference).fit(spark.createDataFrame(rows, MnistImporter.SCHEMA), null);
        double vsTrainer = TestFiles.relativeDifference(dropIn, viaTrainer.parameters());
        // Same example ids and partitions: the same gradients summed in the same order.
        assertThat(vsTrainer).as("relative difference to SparkTrainer").isLessThanOrEqualTo(1e-5);
        assertThat(dropIn).as("bitwise equal to SparkTrainer").isEqualTo(viaTrainer.parameters());

        float[] local = singleProcess(ModelSpec.of(mlp(), "mlp"), reference);
        double vsLocal = TestFiles.relativeDifference(dropIn, local);
        System.out.printf("LambTrainingMaster vs SparkTrainer: %.3g, vs single process: %.3g (relative)%n", vsTrainer, vsLocal);
        assertThat(vsLocal).as("relative difference to one process training on the whole batches").isLessThanOrEqualTo(1e-5);

        // DL4J's evaluation sees the trained parameters.
        MultiLayerNetwork check = new MultiLayerNetwork(mlp());
        check.init();
        check.setParams(Nd4j.createFromArray(viaTrainer.parameters()).reshape(1, viaTrainer.parameters().length));
        Evaluation expected = new Evaluation(10);
        for (DataSet d : dataSets()) {
            expected.eval(d.getLabels(), check.output(d.getFeatures()));
        }
        Evaluation e = sparkNet.evaluate(rdd());
        assertThat(e.getNumRowCounter()).isEqualTo(N);
        assertThat(e.accuracy()).isEqualTo(expected.accuracy());
    }

    @Test
    void trainingStartsFromTheParametersTheNetworkHoldsNotFromItsConfiguration() {
        MultiLayerNetwork other = new MultiLayerNetwork(mlp(99));
        other.init();
        MultiLayerNetwork net = new MultiLayerNetwork(mlp(42));
        net.init();
        net.setParams(other.params()); // e.g. a pretrained network: the configuration's seed no longer describes its parameters
        LambTrainingMaster tm = options().build();
        float[] trained = new SparkDl4jMultiLayer(jsc, net, tm).fit(rdd()).params().toFloatVector();

        float[] fromSeed99 = singleProcess(ModelSpec.of(mlp(99), "mlp seed 99"), tm.configuration());
        float[] fromSeed42 = singleProcess(ModelSpec.of(mlp(42), "mlp seed 42"), tm.configuration());
        assertThat(TestFiles.relativeDifference(trained, fromSeed99)).isLessThanOrEqualTo(1e-5);
        assertThat(TestFiles.relativeDifference(trained, fromSeed42)).isGreaterThan(1e-2);
    }

    @Test
    void aDiskCacheTrainsBitwiseAsTheMemoryCache() {
        // Real MNIST pixels (b / 255): the disk cache stores one byte per value and decodes the same floats.
        float[] memory = new SparkDl4jMultiLayer(jsc, mlp(), options().dataCache("memory").build()).fit(rdd()).params().toFloatVector();
        LambTrainingMaster onDisk = options().dataCache("disk").build();
        float[] disk = new SparkDl4jMultiLayer(jsc, mlp(), onDisk).fit(rdd()).params().toFloatVector();
        assertThat(onDisk.history()).hasSize(STEPS);
        assertThat(Arrays.mismatch(disk, memory)).as("first differing parameter (-1: none)").isEqualTo(-1);
        // What the drop-in caches with that setting: byte-encoded files, not heap blocks.
        MinibatchExamples.Unpacker<DataSet> unpack = d -> MinibatchExamples.Minibatch.of(d.getFeatures(), d.getLabels());
        CachedExamples cached = MinibatchExamples.cache(spark, rdd(), unpack, MinibatchExamples.shapeOfFirst(rdd(), unpack, "mnist"), 2,
                onDisk.configuration().data().cache(), 7, "mnist");
        try {
            assertThat(cached.blocks().map(ExampleBlock::storage).collect()).allMatch(st -> st.startsWith("disk scaled"));
        } finally {
            cached.release();
        }
    }

    @Test
    void computationGraphFromDataSetsAndMultiDataSetsEqualsSingleProcess() {
        SparkComputationGraph viaDataSets = new SparkComputationGraph(jsc, graph(), options().build());
        float[] fromDataSets = viaDataSets.fit(rdd()).params().toFloatVector();

        LambTrainingMaster tm = options().build();
        SparkComputationGraph viaMulti = new SparkComputationGraph(jsc, graph(), tm);
        ComputationGraph trained = viaMulti.fitMultiDataSet(rdd().map(d -> new MultiDataSet(d.getFeatures(), d.getLabels())));
        assertThat(tm.history()).hasSize(STEPS);
        assertThat(trained.params().toFloatVector()).as("MultiDataSet path equals DataSet path").isEqualTo(fromDataSets);

        float[] local = singleProcess(ModelSpec.of(graph(), "graph"), tm.configuration());
        double vsLocal = TestFiles.relativeDifference(fromDataSets, local);
        System.out.printf("LambTrainingMaster (ComputationGraph) vs single process: %.3g (relative)%n", vsLocal);
        assertThat(vsLocal).isLessThanOrEqualTo(1e-5);
    }
}
