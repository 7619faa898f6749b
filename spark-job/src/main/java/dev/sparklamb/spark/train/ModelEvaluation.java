package dev.sparklamb.spark.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.DatasetReader;
import dev.sparklamb.spark.evaluate.ClassificationReport;
import dev.sparklamb.spark.evaluate.EvaluationScore;
import dev.sparklamb.spark.io.HadoopFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/** Scores a saved model ({@code model.zip} in DL4J's format) on a data set, distributed like training. */
public final class ModelEvaluation {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelEvaluation() {
    }

    /**
     * @throws ConfigurationException when nothing exists at {@code modelPath} (a command-line error, as for predict)
     * @throws dev.sparklamb.spark.data.DataException when the model file is not a model or the data is unusable
     */
    public static EvaluationScore evaluate(SparkSession spark, RunConfig config, String modelPath, String dataPath) {
        SavedModel.requireExists(spark, "--model", modelPath);
        SavedModel model = SavedModel.load(spark, modelPath);
        DatasetReader reader = new DatasetReader(spark, config.data(), config.model().inputSize(), config.model().classes(), config.seed());
        CachedExamples data = reader.read(dataPath, "evaluation data");
        try {
            TrainingLoop loop = new TrainingLoop(JavaSparkContext.fromSparkContext(spark.sparkContext()), config, model.spec());
            return loop.evaluate(data, model.parameters());
        } finally {
            data.release();
        }
    }

    /** Accuracy, log loss, per-class metrics and confusion matrix of a saved model on a data set. */
    public static ClassificationReport report(SparkSession spark, RunConfig config, String modelPath, String dataPath) {
        return ClassificationReport.of(evaluate(spark, config, modelPath, dataPath), config.model().classes());
    }

    /** Refuses a report path that cannot take a file (an existing directory), before anything is computed. */
    public static void requireReportPath(SparkSession spark, String path) {
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (fs.exists(p) && fs.getFileStatus(p).isDirectory()) {
                throw new ConfigurationException("--report: '" + path + "' is a directory; expected a file path for the JSON report");
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigurationException("--report: cannot access '" + path + "': " + e.getMessage(), e);
        }
    }

    /**
     * Masked-language-model metrics of a saved model on token data ({@code data.format = tokens}), masked with the
     * held-out key as during training: masked tokens, masked-token accuracy, loss per masked token and perplexity.
     */
    public static java.util.Map<String, Object> maskedLanguageModelReport(EvaluationScore score) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("maskedTokens", score.examples());
        m.put("maskedTokenAccuracy", score.accuracy());
        m.put("loss", score.meanLoss());
        m.put("perplexity", Math.exp(score.meanLoss()));
        return m;
    }

    /** Writes {@code report}'s JSON form to {@code path} (any Hadoop URI), atomically. */
    public static void writeReport(SparkSession spark, ClassificationReport report, String path) {
        writeReport(spark, report.toJson(), path);
    }

    /** Writes {@code json} to {@code path} (any Hadoop URI), atomically. */
    public static void writeReport(SparkSession spark, Object json, String path) {
        try {
            byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json).getBytes(StandardCharsets.UTF_8);
            HadoopFiles.writeAtomically(path, bytes, spark.sparkContext().hadoopConfiguration());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("writing the evaluation report '" + path + "'", e);
        }
    }
}
