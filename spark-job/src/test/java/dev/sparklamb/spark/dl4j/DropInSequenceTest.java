package dev.sparklamb.spark.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.spark.LocalSpark;
import dev.sparklamb.spark.TestFiles;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.DataException;
import dev.sparklamb.spark.data.EpochPermutation;
import dev.sparklamb.spark.data.MinibatchExamples;
import dev.sparklamb.spark.gradient.GradientPart;
import dev.sparklamb.spark.gradient.StepTasks;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.ParameterRoles;
import dev.sparklamb.spark.model.transformer.LayerNormalization;
import dev.sparklamb.spark.model.transformer.MultiHeadSelfAttention;
import dev.sparklamb.spark.model.transformer.TokenFeedForward;
import dev.sparklamb.spark.output.StepMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Sequence minibatches with features and labels masks through the DL4J drop-in ({@link LambTrainingMaster}): DataSets
 * of {@code [examples, size, L]} features, one-hot {@code [examples, classes, L]} labels and arbitrary 0/1 masks
 * {@code [examples, L]}, on a tiny multi-layer network (token ids, embedding, spark-lamb's attention and layer norm) and a
 * tiny graph (real-valued per-step features). Checked: P = 1 and P = 3 give the same parameters; the first step's
 * gradient, per tensor, is DL4J's own single-process gradient of the whole global batch with the same masks, rescaled
 * from DL4J's divisor (sequences) to the number of steps whose labels mask is 1; bad input is refused naming the
 * minibatch and the array.
 */
@ExtendWith(LocalSpark.class)
@LocalSpark.Settings(conf = "spark.kryo.registrator=org.nd4j.kryo.Nd4jRegistrator")
class DropInSequenceTest {

    static final int N = 48;
    static final int MINIBATCH = 8;
    static final int L = 6;
    static final int VOCABULARY = 20;
    static final int CLASSES = 5;
    static final int SIZE = 3;
    static final int GLOBAL_BATCH = 24;
    static final long SEED = 7;
    static final String WHAT = "training data (JavaRDD<DataSet>): ";

    static SparkSession spark;
    static JavaSparkContext jsc;

    @BeforeAll
    static void start() {
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    /** Token ids {@code [N, 1, L]} (or real features {@code [N, SIZE, L]}), labels, masks; arbitrary 0/1 patterns. */
    record Sequences(INDArray features, INDArray labels, INDArray featuresMask, INDArray labelsMask) {

        static Sequences random(boolean tokens, long seed) {
            Random r = new Random(seed);
            int size = tokens ? 1 : SIZE;
            INDArray x = Nd4j.zeros(DataType.FLOAT, N, size, L);
            INDArray y = Nd4j.zeros(DataType.FLOAT, N, CLASSES, L);
            INDArray fm = Nd4j.zeros(DataType.FLOAT, N, L);
            INDArray lm = Nd4j.zeros(DataType.FLOAT, N, L);
            for (int i = 0; i < N; i++) {
                for (int t = 0; t < L; t++) {
                    for (int f = 0; f < size; f++) {
                        x.putScalar(new int[] {i, f, t}, tokens ? r.nextInt(VOCABULARY) : (float) r.nextGaussian());
                    }
                    boolean counted = t == 1 || r.nextInt(2) == 0;
                    lm.putScalar(i, t, counted ? 1f : 0f);
                    fm.putScalar(i, t, t == 0 || r.nextInt(4) != 0 ? 1f : 0f);
                    if (counted) {
                        y.putScalar(new int[] {i, r.nextInt(CLASSES), t}, 1f);
                    } else if (r.nextBoolean()) {
                        y.putScalar(new int[] {i, 0, t}, 0.5f); // not one-hot, but its step does not count: unused (as in DL4J)
                    }
                }
            }
            return new Sequences(x, y, fm, lm);
        }

        /**
         * Minibatches of {@link #MINIBATCH} in example order; the fifth has no labels mask (every step counts: its label
         * steps are made one-hot) and the sixth no features mask.
         */
        List<DataSet> dataSets() {
            List<DataSet> out = new ArrayList<>();
            for (int from = 0; from < N; from += MINIBATCH) {
                DataSet d = slice(from, from + MINIBATCH);
                if (out.size() == 4) {
                    d.setLabelsMaskArray(null);
                } else if (out.size() == 5) {
                    d.setFeaturesMaskArray(null);
                }
                out.add(d);
            }
            return out;
        }

        DataSet slice(int from, int to) {
            return new DataSet(features.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all()).dup(),
                    labels.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all()).dup(),
                    featuresMask.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup(),
                    labelsMask.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup());
        }

        /** The minibatch without a labels mask counts every step: give those steps one-hot labels. */
        Sequences withEveryStepCountedIn(int minibatch) {
            Sequences s = new Sequences(features.dup(), labels.dup(), featuresMask.dup(), labelsMask.dup());
            Random r = new Random(minibatch);
            for (int i = minibatch * MINIBATCH; i < (minibatch + 1) * MINIBATCH; i++) {
                for (int t = 0; t < L; t++) {
                    if (s.labelsMask.getDouble(i, t) == 0) {
                        for (int c = 0; c < CLASSES; c++) {
                            s.labels.putScalar(new int[] {i, c, t}, 0f);
                        }
                        s.labels.putScalar(new int[] {i, r.nextInt(CLASSES), t}, 1f);
                        s.labelsMask.putScalar(i, t, 1f);
                    }
                }
            }
            // the sixth minibatch has no features mask: every step is real
            s.featuresMask.get(NDArrayIndex.interval(5 * MINIBATCH, 6 * MINIBATCH), NDArrayIndex.all()).assign(1f);
            return s;
        }
    }

    static final Sequences TOKENS = Sequences.random(true, 1).withEveryStepCountedIn(4);
    static final Sequences REAL = Sequences.random(false, 2).withEveryStepCountedIn(4);

    /** Token ids {@code [examples, 1, L]} -> embedding 8 -> attention (2 heads) -> layer norm -> softmax over 5 classes per step. */
    static MultiLayerConfiguration tokenNetwork() {
        return new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT).updater(new Sgd(1.0)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new EmbeddingSequenceLayer.Builder().nIn(VOCABULARY).nOut(8).outputDataFormat(RNNFormat.NCW).build())
                .layer(new MultiHeadSelfAttention(8, 2, 0.5))
                .layer(new LayerNormalization(8, 1e-5))
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(CLASSES).activation(Activation.SOFTMAX)
                        .dataFormat(RNNFormat.NCW).build())
                .build();
    }

    /** Real-valued features {@code [examples, 3, L]} -> feed-forward per step -> attention -> softmax over 5 classes per step. */
    static ComputationGraphConfiguration realGraph() {
        return new NeuralNetConfiguration.Builder().seed(4).dataType(DataType.FLOAT).updater(new Sgd(1.0)).weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .addLayer("ffn", new TokenFeedForward(SIZE, 8, 0.5), "in")
                .addLayer("attn", new MultiHeadSelfAttention(SIZE, 1, 0.5), "ffn")
                .addLayer("out", new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(SIZE).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).dataFormat(RNNFormat.NCW).build(), "attn")
                .setOutputs("out")
                .build();
    }

    static LambTrainingMaster master(int partitions, int steps) {
        return LambTrainingMaster.builder().globalBatch(GLOBAL_BATCH).microBatch(5).epochs(1).maxSteps(steps).seed(SEED)
                .partitions(partitions).learningRate(0.01).warmupFraction(0).weightDecay(0.01).build();
    }

    /** The RDD in 3 slices (not the training partitions: ids follow the RDD's order). */
    static JavaRDD<DataSet> rdd(List<DataSet> data) {
        return jsc.parallelize(data, 3);
    }

    static JavaRDD<org.nd4j.linalg.dataset.api.MultiDataSet> multiRdd(List<DataSet> data) {
        List<org.nd4j.linalg.dataset.api.MultiDataSet> out = new ArrayList<>();
        for (DataSet d : data) {
            out.add(new MultiDataSet(new INDArray[] {d.getFeatures()}, new INDArray[] {d.getLabels()},
                    d.getFeaturesMaskArray() == null ? null : new INDArray[] {d.getFeaturesMaskArray()},
                    d.getLabelsMaskArray() == null ? null : new INDArray[] {d.getLabelsMaskArray()}));
        }
        return jsc.parallelize(out, 3);
    }

    record Fit(float[] parameters, List<StepMetrics> history) {
    }

    static Fit fitTokens(int partitions, int steps) {
        LambTrainingMaster tm = master(partitions, steps);
        MultiLayerNetwork trained = new SparkDl4jMultiLayer(jsc, tokenNetwork(), tm).fit(rdd(TOKENS.dataSets()));
        return new Fit(trained.params().toFloatVector(), tm.history());
    }

    static Fit fitGraph(int partitions, int steps) {
        LambTrainingMaster tm = master(partitions, steps);
        ComputationGraph trained = new SparkComputationGraph(jsc, realGraph(), tm).fitMultiDataSet(multiRdd(REAL.dataSets()));
        return new Fit(trained.params().toFloatVector(), tm.history());
    }

    @Test
    void oneAndThreePartitionsGiveTheSameParameters() {
        float[] initialTokens = initial(tokenNetwork());
        Fit one = fitTokens(1, 2);
        Fit three = fitTokens(3, 2);
        assertThat(one.history()).hasSize(2);
        assertThat(TestFiles.relativeDifference(one.parameters(), initialTokens)).as("training moved the parameters").isGreaterThan(1e-3);
        assertThat(TestFiles.relativeDifference(three.parameters(), one.parameters())).as("P = 3 vs P = 1").isLessThanOrEqualTo(1e-5);
        for (int s = 0; s < 2; s++) {
            assertThat(three.history().get(s).loss()).isCloseTo(one.history().get(s).loss(),
                    org.assertj.core.data.Offset.offset(1e-5 * one.history().get(s).loss()));
            assertThat(three.history().get(s).sequence().maskedTokens()).isEqualTo(one.history().get(s).sequence().maskedTokens());
        }

        Fit graphOne = fitGraph(1, 2);
        Fit graphThree = fitGraph(3, 2);
        assertThat(TestFiles.relativeDifference(graphOne.parameters(), initialGraph())).as("training moved the parameters")
                .isGreaterThan(1e-3);
        assertThat(TestFiles.relativeDifference(graphThree.parameters(), graphOne.parameters())).as("graph: P = 3 vs P = 1")
                .isLessThanOrEqualTo(1e-5);
    }

    static float[] initial(MultiLayerConfiguration conf) {
        MultiLayerNetwork n = new MultiLayerNetwork(conf);
        n.init();
        return n.params().toFloatVector();
    }

    static float[] initialGraph() {
        ComputationGraph g = new ComputationGraph(realGraph());
        g.init();
        return g.params().toFloatVector();
    }

    /** The examples of the first global batch (epoch-0 positions below the batch; ids are the RDD order), in position order. */
    static DataSet firstGlobalBatch(Sequences s) {
        EpochPermutation epoch0 = new EpochPermutation(N, SEED, 0);
        List<DataSet> rows = new ArrayList<>();
        DataSet[] byPosition = new DataSet[GLOBAL_BATCH];
        for (int id = 0; id < N; id++) {
            long p = epoch0.position(id);
            if (p < GLOBAL_BATCH) {
                byPosition[(int) p] = s.slice(id, id + 1);
            }
        }
        rows.addAll(List.of(byPosition));
        return DataSet.merge(rows);
    }

    @Test
    void theFirstStepsGradientIsDl4jsWholeBatchGradientPerCountedStep() {
        // DL4J, one process, the whole first global batch with the same masks (every mask given explicitly: the minibatch
        // without a labels mask counts every step, the one without a features mask has every step real), plain SGD with
        // learning rate 1: its update is its gradient, which DL4J divides by the number of sequences.
        DataSet batch = firstGlobalBatch(TOKENS);
        double counted = batch.getLabelsMaskArray().sumNumber().doubleValue();
        MultiLayerNetwork dl4j = new MultiLayerNetwork(tokenNetwork());
        dl4j.init();
        float[] before = dl4j.params().toFloatVector();
        dl4j.fit(batch);
        double dl4jScore = dl4j.score();
        float[] after = dl4j.params().toFloatVector();
        float[] expected = new float[before.length];
        for (int i = 0; i < before.length; i++) {
            expected[i] = (float) (((double) before[i] - after[i]) * GLOBAL_BATCH / counted);
        }

        // spark-lamb: the drop-in's data path (decoded, checked, cached in 3 partitions) and the gradient the step engines
        // all-reduce, summed over the partitions and micro-batches of 5, divided by the counted steps.
        MinibatchExamples.Shape shape = MinibatchExamples.shapeOfFirst(rdd(TOKENS.dataSets()), Minibatches::of, "tokens");
        assertThat(shape).isEqualTo(new MinibatchExamples.Shape(1, CLASSES, L));
        CachedExamples cached = MinibatchExamples.cache(spark, rdd(TOKENS.dataSets()), Minibatches::of, shape, 3,
                dev.sparklamb.spark.config.DataCache.MEMORY, SEED, "tokens");
        float[] ours;
        GradientPart sum;
        try {
            ModelSpec spec = ModelSpec.of(tokenNetwork(), "tokens");
            ParameterRoles roles = spec.build().roles();
            BatchPlan plan = new BatchPlan(N, GLOBAL_BATCH, 1, 1, SEED);
            var parameters = jsc.broadcast(before);
            sum = GradientPart.sumInOrder(0, new StepTasks(spec, roles, 5, CLASSES).gradients(cached.blocks(), parameters, plan, 0).collect());
            parameters.destroy();
            ours = sum.gradient().clone();
            for (int i = 0; i < ours.length; i++) {
                ours[i] /= sum.lossDivisor();
            }
            assertThat(ours).hasSize(roles.optimizedLength()).hasSameSizeAs(expected); // nothing frozen: every tensor, in DL4J's order
        } finally {
            cached.release();
        }
        assertThat(sum.examples()).isEqualTo(GLOBAL_BATCH);
        assertThat(sum.lossCount()).as("steps whose labels mask is 1").isEqualTo((long) counted);
        double vsDl4j = TestFiles.relativeDifference(ours, expected);
        System.out.printf("drop-in sequence gradient vs DL4J (rescaled to per counted step): %.3g (relative)%n", vsDl4j);
        assertThat(vsDl4j).isLessThanOrEqualTo(1e-5);
        assertThat(sum.lossSum() / counted).isCloseTo(dl4jScore * GLOBAL_BATCH / counted,
                org.assertj.core.data.Offset.offset(1e-5 * dl4jScore * GLOBAL_BATCH / counted));

        // and the step LambTrainingMaster runs: its loss and gradient norm are the same numbers
        StepMetrics first = fitTokens(3, 1).history().get(0);
        double norm = 0;
        for (float g : expected) {
            norm += (double) g * g;
        }
        norm = Math.sqrt(norm);
        assertThat(first.gradientNorm()).isCloseTo(norm, org.assertj.core.data.Offset.offset(1e-5 * norm));
        assertThat(first.loss()).isCloseTo(dl4jScore * GLOBAL_BATCH / counted,
                org.assertj.core.data.Offset.offset(1e-5 * dl4jScore * GLOBAL_BATCH / counted));
        assertThat(first.sequence().maskedTokens()).isEqualTo((long) counted);
    }

    // ---- refusals: each names the minibatch and the array, and leaves the network as it was ----

    static Throwable refusal(List<DataSet> data) {
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(jsc, tokenNetwork(), master(2, 1));
        float[] before = sparkNet.getNetwork().params().toFloatVector();
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> sparkNet.fit(rdd(data)));
        assertThat(sparkNet.getNetwork().params().toFloatVector()).as("parameters unchanged").isEqualTo(before);
        return t;
    }

    static List<DataSet> changed(int k, UnaryOperator<DataSet> change) {
        List<DataSet> data = TOKENS.dataSets();
        data.set(k, change.apply(data.get(k)));
        return data;
    }

    @Test
    void aMaskWhoseShapeDoesNotMatchTheSequencesIsRefused() {
        assertThat(refusal(changed(2, d -> {
            d.setFeaturesMaskArray(Nd4j.ones(DataType.FLOAT, MINIBATCH, L + 1));
            return d;
        }))).isInstanceOf(DataException.class).hasMessage(WHAT + "partition 1, minibatch 0: features mask has shape [8, 7]; expected "
                + "[8, 6] [examples, L], one value per example and time step");
        assertThat(refusal(changed(0, d -> {
            d.setLabelsMaskArray(Nd4j.ones(DataType.FLOAT, MINIBATCH, CLASSES, L));
            return d;
        }))).isInstanceOf(DataException.class).hasMessage(WHAT + "partition 0, minibatch 0: labels mask has shape [8, 5, 6]; expected "
                + "[8, 6] [examples, L], one value per example and time step (per-output masks are not supported)");
    }

    @Test
    void aMaskWithValuesOtherThanZeroAndOneIsRefused() {
        assertThat(refusal(changed(3, d -> {
            d.getLabelsMaskArray().putScalar(2, 4, 0.5f);
            return d;
        }))).isInstanceOf(DataException.class).hasMessage(WHAT + "partition 1, minibatch 1: labels mask has value 0.5 at example 2, "
                + "step 4 (0-based); expected 0 or 1");
    }

    @Test
    void sequenceLabelsWithRankTwoFeaturesAndLabelsThatAreNotOneHotAreRefused() {
        assertThat(refusal(changed(1, d -> new DataSet(d.getFeatures().reshape(MINIBATCH, L), d.getLabels(), d.getFeaturesMaskArray(),
                d.getLabelsMaskArray())))).isInstanceOf(DataException.class).hasMessage(WHAT + "partition 0, minibatch 1: labels have "
                + "rank 3 (shape [8, 5, 6]) but features have rank 2 (shape [8, 6]); sequence minibatches need features [examples, size, L] "
                + "(token ids for an EmbeddingSequenceLayer: [examples, 1, L]), one-hot labels [examples, classes, L] and masks "
                + "[examples, L]");
        assertThat(refusal(changed(5, d -> {
            d.getLabels().putScalar(new int[] {3, 2, 1}, 0.5f); // step 1 always counts: its labels are no longer one-hot
            return d;
        }))).isInstanceOf(DataException.class).hasMessageStartingWith(WHAT + "partition 2, minibatch 1, example 3 (0-based, in the "
                + "minibatch): labels at step 1 [").hasMessageEndingWith("] is not one-hot; expected exactly one 1 and zeros elsewhere "
                + "(class labels) (only steps whose labels mask is 1 are checked)");
    }

    /** Token ids -> embedding 8 -> softmax over {@code classes} per step, both layers in {@code format}. */
    static MultiLayerConfiguration embeddingAndOutput(RNNFormat format, int classes) {
        return new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT).list()
                .layer(new EmbeddingSequenceLayer.Builder().nIn(VOCABULARY).nOut(8).outputDataFormat(format).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(classes).activation(Activation.SOFTMAX)
                        .dataFormat(format).build())
                .build();
    }

    @Test
    void networksThatDoNotFitTheSequencesAreRefused() {
        // NWC layers would read the NCW DataSets' steps as features
        MultiLayerConfiguration nwc = embeddingAndOutput(RNNFormat.NWC, CLASSES);
        assertThatThrownBy(() -> new SparkDl4jMultiLayer(jsc, nwc, master(2, 1)).fit(rdd(TOKENS.dataSets())))
                .isInstanceOf(dev.sparklamb.spark.config.ConfigurationException.class)
                .hasMessage("LambTrainingMaster: layer 0 ('layer0', EmbeddingSequenceLayer) of the MultiLayerNetwork uses RNNFormat.NWC; "
                        + "sequence DataSets are taken as NCW ([examples, size, L]): configure the sequence layers with RNNFormat.NCW");
        MultiLayerConfiguration sixClasses = embeddingAndOutput(RNNFormat.NCW, CLASSES + 1);
        assertThatThrownBy(() -> new SparkDl4jMultiLayer(jsc, sixClasses, master(2, 1)).fit(rdd(TOKENS.dataSets())))
                .isInstanceOf(dev.sparklamb.spark.config.ConfigurationException.class)
                .hasMessage("LambTrainingMaster: the MultiLayerNetwork gives output of shape [1, 6, 6] for one sequence of the DataSets; "
                        + "their labels need [1, 5, 6]: 5 outputs per step (an RnnOutputLayer in NCW format)");
    }

    @Test
    void aDiskCacheIsRefusedForSequencesNamingTheOption() {
        LambTrainingMaster onDisk = LambTrainingMaster.builder().globalBatch(GLOBAL_BATCH).microBatch(5).epochs(1).maxSteps(1).seed(SEED)
                .partitions(2).dataCache("disk").build();
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(jsc, tokenNetwork(), onDisk);
        float[] before = sparkNet.getNetwork().params().toFloatVector();
        assertThatThrownBy(() -> sparkNet.fit(rdd(TOKENS.dataSets())))
                .isInstanceOf(dev.sparklamb.spark.config.ConfigurationException.class)
                .hasMessage("LambTrainingMaster.Builder.dataCache: \"disk\" holds classification examples only; " + WHAT.replace(": ", "")
                        + " holds sequences ([examples, 1, " + L + "] with masks): use \"memory\"");
        assertThat(sparkNet.getNetwork().params().toFloatVector()).as("parameters unchanged").isEqualTo(before);
    }

    @Test
    void aDl4jDropoutLayerOnMaskedSequencesIsRefusedNamingTheLayer() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT).list()
                .layer(new EmbeddingSequenceLayer.Builder().nIn(VOCABULARY).nOut(8).outputDataFormat(RNNFormat.NCW).build())
                .layer(new org.deeplearning4j.nn.conf.layers.DropoutLayer.Builder(0.9).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(CLASSES).activation(Activation.SOFTMAX)
                        .dataFormat(RNNFormat.NCW).build())
                .build();
        assertThatThrownBy(() -> new SparkDl4jMultiLayer(jsc, conf, master(2, 1)).fit(rdd(TOKENS.dataSets())))
                .isInstanceOf(dev.sparklamb.spark.config.ConfigurationException.class)
                .hasMessageStartingWith("LambTrainingMaster: the MultiLayerNetwork fails on a sequence with a features mask ([1, 1, 6] with "
                        + "mask [1, 6]): ")
                .hasMessageContaining("fails on sequence activations [examples, size, L] (DL4J's own fit fails the same way): "
                        + "layer 1 ('layer1', DropoutLayer). For dropout on sequences use spark-lamb's TokenDropout");
    }

    @Test
    void multiDataSetsWithSeveralArraysStayRefused() {
        List<org.nd4j.linalg.dataset.api.MultiDataSet> pairs = new ArrayList<>();
        for (DataSet d : REAL.dataSets()) {
            pairs.add(new MultiDataSet(new INDArray[] {d.getFeatures(), d.getFeatures()}, new INDArray[] {d.getLabels()},
                    new INDArray[] {d.getFeaturesMaskArray(), d.getFeaturesMaskArray()}, new INDArray[] {d.getLabelsMaskArray()}));
        }
        SparkComputationGraph graph = new SparkComputationGraph(jsc, realGraph(), master(2, 1));
        assertThatThrownBy(() -> graph.fitMultiDataSet(jsc.parallelize(pairs, 2))).isInstanceOf(DataException.class)
                .hasMessage("training data (JavaRDD<MultiDataSet>): partition 0, minibatch 0: has 2 feature arrays and 1 label arrays; "
                        + "expected one of each (graphs with one input and one output)");
    }
}
