package dev.sparklamb.spark.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.spark.LocalSpark;
import dev.sparklamb.spark.TestSpark;
import dev.sparklamb.spark.train.SparkTrainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** LambClassifier / LambClassificationModel against the invariants: SparkTrainer's parameters, the driver's DL4J output. */
@ExtendWith(LocalSpark.class)
class LambClassifierTest {

    static SparkSession spark;
    @TempDir
    static Path dir;

    static final TestSpark.Synthetic DATA = TestSpark.synthetic(192, 8, 16);
    static final StructType WITH_ID = new StructType().add("id", DataTypes.IntegerType, false)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false).add("label", DataTypes.IntegerType, false);
    static LambClassificationModel model;

    static LambClassifier estimator() {
        return new LambClassifier().setInputHeight(8).setInputWidth(8).setPartitions(2).setGlobalBatch(64).setMicroBatch(32)
                .setMaxSteps(3).setLearningRate(0.01).setWeightDecay(0.01).setExcludeFromWeightDecay(new String[] {"_b$"})
                .setConfigOverrides(new String[] {"optimizer.beta2=0.99", "checkpoint.every-steps=0"});
    }

    static Dataset<Row> withIds() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < DATA.labels().length; i++) {
            rows.add(RowFactory.create(i, DATA.features()[i], DATA.labels()[i]));
        }
        return spark.createDataFrame(rows, WITH_ID);
    }

    @BeforeAll
    static void train() {
        model = estimator().setOutputDir(dir.resolve("estimator").toUri().toString()).fit(DATA.frame(spark));
    }

    @Test
    void estimatorEqualsSparkTrainerBitwise() {
        float[] expected = new SparkTrainer(spark, TestSpark.config(dir.resolve("trainer"), "model.input-height=8", "model.input-width=8",
                "data.partitions=2", "training.global-batch=64", "training.micro-batch=32", "training.max-steps=3",
                "optimizer.learning-rate.base=0.01", "optimizer.weight-decay=0.01", "optimizer.exclude-from-weight-decay=[\"_b$\"]",
                "optimizer.beta2=0.99", "checkpoint.every-steps=0")).fit(DATA.frame(spark), null).parameters();
        assertThat(model.parameters()).isEqualTo(expected);
        assertThat(model.parameters()).isNotEqualTo(model.spec().build().parameters()); // it did train
        assertThat(model.numClasses()).isEqualTo(10);
        assertThat(model.numFeatures()).isEqualTo(64);
    }

    /**
     * One micro-batch holding all rows in their order: the same computation as the driver's, so bitwise the same output.
     * Other batchings change the matrix products' blocking, hence the last float bits: there, outputs agree to 1e-6 and
     * predictions exactly (no two top classes are that close in this data, checked).
     */
    @Test
    void transformEqualsDriverOutputOnOneAndThreePartitions() {
        INDArray x = Nd4j.createFromArray(DATA.features());
        float[][] expected = ((MultiLayerNetwork) model.network()).output(x, false).toFloatMatrix();
        int n = DATA.labels().length;
        check(model.copy(ParamMap.empty()).setMicroBatch(n).transform(withIds().coalesce(1)), expected, 1, 0);
        for (int p : new int[] {1, 3}) {
            check(model.copy(ParamMap.empty()).setMicroBatch(20).transform(withIds().repartition(p)), expected, p, 1e-6);
        }
    }

    private static void check(Dataset<Row> scored, float[][] expected, int partitions, double tolerance) {
        assertThat(scored.rdd().getNumPartitions()).isEqualTo(partitions);
        List<Row> rows = scored.select("id", "rawPrediction", "probability", "prediction").collectAsList();
        assertThat(rows).hasSize(expected.length);
        for (Row r : rows) {
            int id = r.getInt(0);
            double[] want = new double[expected[id].length];
            int argmax = 0;
            for (int c = 0; c < want.length; c++) {
                want[c] = expected[id][c];
                argmax = expected[id][c] > expected[id][argmax] ? c : argmax;
            }
            for (int c = 0; c < want.length; c++) {
                assertThat(c == argmax || want[argmax] - want[c] > 1e-4).as("row %d: a near tie would make the check fragile", id).isTrue();
            }
            double[] raw = ((Vector) r.get(1)).toArray();
            if (tolerance == 0) {
                assertThat(raw).as("partitions %d, row %d", partitions, id).containsExactly(want);
            } else {
                assertThat(raw).as("partitions %d, row %d", partitions, id).containsExactly(want, org.assertj.core.data.Offset.offset(tolerance));
            }
            assertThat(((Vector) r.get(2)).toArray()).containsExactly(want, org.assertj.core.data.Offset.offset(1e-6 + tolerance));
            assertThat(r.getDouble(3)).as("partitions %d, row %d", partitions, id).isEqualTo(argmax);
        }
    }

    @Test
    void modelAndEstimatorSaveAndLoad() throws Exception {
        String path = dir.resolve("saved-model").toUri().toString();
        model.copy(ParamMap.empty()).setMicroBatch(7).setPredictionCol("pred").write().save(path);
        LambClassificationModel back = LambClassificationModel.load(path);
        assertThat(back.uid()).isEqualTo(model.uid());
        assertThat(back.parameters()).isEqualTo(model.parameters());
        assertThat(back.getMicroBatch()).isEqualTo(7);
        assertThat(back.getPredictionCol()).isEqualTo("pred");
        assertThat(predictions(back.setPredictionCol("prediction"), withIds())).isEqualTo(predictions(model, withIds()));

        String estimatorPath = dir.resolve("saved-estimator").toUri().toString();
        LambClassifier e = estimator();
        e.write().save(estimatorPath);
        LambClassifier e2 = LambClassifier.load(estimatorPath);
        assertThat(e2.uid()).isEqualTo(e.uid());
        for (org.apache.spark.ml.param.Param<?> q : e.params()) {
            @SuppressWarnings("unchecked")
            org.apache.spark.ml.param.Param<Object> p = (org.apache.spark.ml.param.Param<Object>) q;
            assertThat(e2.isDefined(e2.getParam(p.name()))).as(p.name()).isEqualTo(e.isDefined(p));
            if (e.isDefined(p)) {
                assertThat(e2.getParam(p.name()).jsonEncode(e2.getOrDefault(e2.getParam(p.name())))).as(p.name())
                        .isEqualTo(p.jsonEncode(e.getOrDefault(p)));
            }
        }
        assertThat(e2.getConfigOverrides()).containsExactly("optimizer.beta2=0.99", "checkpoint.every-steps=0");
        assertThat(e2.runConfig("file:/x")).isEqualTo(e.runConfig("file:/x"));
    }

    @Test
    void pipelineWithAssemblerAndIndexerSavesLoadsAndPredictsIdentically() throws Exception {
        List<Row> rows = new ArrayList<>();
        StructType schema = new StructType();
        String[] columns = new String[64];
        for (int j = 0; j < 64; j++) {
            columns[j] = "x" + j;
            schema = schema.add(columns[j], DataTypes.DoubleType, false);
        }
        schema = schema.add("class", DataTypes.StringType, false);
        for (int i = 0; i < DATA.labels().length; i++) {
            Object[] v = new Object[65];
            for (int j = 0; j < 64; j++) {
                v[j] = (double) DATA.features()[i][j];
            }
            v[64] = "c" + DATA.labels()[i];
            rows.add(RowFactory.create(v));
        }
        Dataset<Row> df = spark.createDataFrame(rows, schema);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
                new StringIndexer().setInputCol("class").setOutputCol("label"),
                new VectorAssembler().setInputCols(columns).setOutputCol("features"),
                estimator().setMaxSteps(2)});
        PipelineModel fitted = pipeline.fit(df);
        String path = dir.resolve("pipeline").toUri().toString();
        fitted.write().save(path);
        PipelineModel back = PipelineModel.load(path);
        assertThat(((LambClassificationModel) back.stages()[2]).parameters())
                .isEqualTo(((LambClassificationModel) fitted.stages()[2]).parameters());
        List<Row> a = fitted.transform(df).select("label", "probability", "prediction").collectAsList();
        List<Row> b = back.transform(df).select("label", "probability", "prediction").collectAsList();
        assertThat(b).isEqualTo(a);
    }

    @Test
    void crossValidatorTunesLearningRateAndGlobalBatch() {
        LambClassifier e = estimator().setMaxSteps(1).setPartitions(1);
        ParamMap[] grid = new ParamGridBuilder().addGrid(e.learningRate(), new double[] {0.05, 0.0001})
                .addGrid(e.globalBatch(), new int[] {32, 64}).build();
        CrossValidatorModel cv = new CrossValidator().setEstimator(e).setEstimatorParamMaps(grid).setNumFolds(2).setSeed(3)
                .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy")).fit(DATA.frame(spark));
        double[] metrics = cv.avgMetrics();
        assertThat(metrics).hasSize(4);
        int best = 0;
        for (int i = 1; i < 4; i++) {
            best = metrics[i] > metrics[best] ? i : best;
        }
        LambClassifier parent = (LambClassifier) cv.bestModel().parent();
        assertThat(parent.getLearningRate()).isEqualTo(grid[best].apply(e.learningRate()));
        assertThat(parent.getGlobalBatch()).isEqualTo(grid[best].apply(e.globalBatch()));
        assertThat(cv.bestModel()).isInstanceOf(LambClassificationModel.class);
    }

    @Test
    void badColumnsAreNamed() {
        Dataset<Row> df = DATA.frame(spark);
        assertThatThrownBy(() -> estimator().setFeaturesCol("pixels").fit(df))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'pixels' (featuresCol)");
        assertThatThrownBy(() -> estimator().setLabelCol("digit").fit(df)).hasMessageContaining("'digit' (labelCol)");
        Dataset<Row> strings = df.withColumn("features", df.col("label").cast("string"));
        assertThatThrownBy(() -> estimator().fit(strings)).hasMessageContaining("features column 'features' (featuresCol) has type string");
        assertThatThrownBy(() -> model.transform(strings)).hasMessageContaining("features column 'features' (featuresCol) has type string");
        assertThatThrownBy(() -> estimator().fit(df.withColumn("label", df.col("label").cast("string"))))
                .hasMessageContaining("label column 'label' (labelCol) has type string");
        assertThatThrownBy(() -> model.transform(df.withColumn("prediction", df.col("label"))))
                .hasMessageContaining("output column 'prediction' (predictionCol) already exists");
        assertThatThrownBy(() -> model.transform(df.drop("features"))).hasMessageContaining("no column 'features' (featuresCol)");
        Dataset<Row> wide = spark.createDataFrame(List.of(RowFactory.create(new float[65], 1)), df.schema());
        assertThatThrownBy(() -> model.transform(wide).collectAsList()).hasMessageContaining("features column 'features': a row has 65 values");
    }

    @Test
    void badSettingsNameTheKeyAndParam() {
        assertThatThrownBy(() -> estimator().setGlobalBatch(0).runConfig("file:/x"))
                .hasMessageContaining("spark-lamb.training.global-batch").hasMessageContaining("Param 'globalBatch'");
        assertThatThrownBy(() -> estimator().setConfigOverrides(new String[] {"training.epochs=3"}).runConfig("file:/x"))
                .hasMessageContaining("'training.epochs' is the typed Param 'epochs'");
        assertThatThrownBy(() -> estimator().setConfigOverrides(new String[] {"optimizer.betta=1"}).runConfig("file:/x"))
                .hasMessageContaining("spark-lamb.optimizer.betta");
        assertThat(estimator().explainParams()).contains("globalBatch: examples per global step", "default: 8192",
                "configOverrides", "spark-lamb.optimizer.learning-rate.base");
    }

    private static Map<Integer, Double> predictions(LambClassificationModel m, Dataset<Row> df) {
        Map<Integer, Double> out = new HashMap<>();
        for (Row r : m.transform(df).select("id", "prediction").collectAsList()) {
            out.put(r.getInt(0), r.getDouble(1));
        }
        return out;
    }
}
