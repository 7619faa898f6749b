package dev.sparklamb.spark.train;

import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.model.Replica;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.network.util.JavaUtils;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryType;
import org.deeplearning4j.nn.conf.memory.MemoryUseMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Checks on the driver, before anything is written, that an executor can hold one micro-batch: what one task needs
 * for a forward/backward pass of {@code training.micro-batch} examples, estimated from the configuration, times the
 * tasks an executor runs at once, against the executor's memory.
 *
 * <p>ND4J keeps its arrays off the Java heap, bounded by JavaCPP's {@code org.bytedeco.javacpp.maxbytes}, which is the
 * heap size ({@code -Xmx}) unless set. So two budgets are compared: off the heap, DL4J's own memory report for a training
 * pass (parameters, parameter gradients, activations, activation gradients, working memory; not the updater state, which
 * replicas never allocate) plus the ND4J copies of the micro-batch's features and labels; on the heap, the micro-batch's
 * features and labels as assembled, and four parameter-sized float arrays (the step's parameters, the replica's full
 * gradient, the summed gradient and its serialized task result). The cached data and Spark's own memory come on top,
 * so passing the check does not promise that a run fits; failing it means that it cannot.
 */
final class MicroBatchMemory {

    private static final Pattern MAX_BYTES = Pattern.compile("-Dorg\\.bytedeco\\.javacpp\\.maxbytes=(\\S+)");
    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\d+)?\\])?");

    /** An executor's budgets: heap and off-heap bytes, the tasks it runs at once, and the setting that sizes it (value "" in local mode). */
    record Executor(long heapBytes, long offHeapBytes, int tasks, String memoryKey, String memoryValue) {
    }

    /** What one task needs, in bytes; {@code networkReported} is false when DL4J could not report activations. */
    record Need(long network, long batchValues, long parameters, boolean networkReported, String reportProblem) {

        long offHeap() {
            return network + 4 * batchValues;
        }

        long heap() {
            return 4 * batchValues + 4 * 4 * parameters;
        }
    }

    private MicroBatchMemory() {
    }

    /**
     * The executors' budgets under {@code conf}: in local mode the driver's JVM runs the tasks ({@code spark.driver.memory}),
     * otherwise {@code spark.executor.memory} (default 1g) with {@code spark.executor.cores / spark.task.cpus} tasks at
     * once (1 when the cores are not set), at most {@code partitions}.
     */
    static Executor executor(SparkConf conf, int partitions) {
        String master = conf.get("spark.master", "local");
        Matcher local = LOCAL.matcher(master);
        if (local.matches()) {
            String threads = local.group(1);
            int n = threads == null ? 1 : threads.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(threads);
            long heap = Runtime.getRuntime().maxMemory();
            String maxBytes = System.getProperty("org.bytedeco.javacpp.maxbytes");
            return new Executor(heap, maxBytes == null ? heap : JavaUtils.byteStringAsBytes(maxBytes), Math.min(n, partitions),
                    "spark.driver.memory", "");
        }
        String value = conf.get("spark.executor.memory", "1g");
        long heap = JavaUtils.byteStringAsBytes(value.matches("\\d+") ? value + "m" : value);
        Matcher m = MAX_BYTES.matcher(conf.get("spark.executor.extraJavaOptions", ""));
        long offHeap = m.find() ? JavaUtils.byteStringAsBytes(m.group(1)) : heap;
        int tasks = conf.contains("spark.executor.cores") ? conf.getInt("spark.executor.cores", 1) / conf.getInt("spark.task.cpus", 1) : 1;
        return new Executor(heap, offHeap, Math.max(1, Math.min(tasks, partitions)), "spark.executor.memory", value);
    }

    /**
     * One task's need for a pass of {@code examples} examples of {@code inputValues} values each, with
     * {@code labelValues} label values each (one-hot classes, or vocabulary x length for masked-language-model data).
     *
     * @param input the network's input type as the trainer feeds it
     */
    static Need need(Replica model, InputType input, int examples, long inputValues, long labelValues) {
        long parameters = model.parameterCount();
        long batch = examples * (inputValues + labelValues);
        try {
            MemoryReport report = model.network() instanceof MultiLayerNetwork n ? n.getLayerWiseConfigurations().getMemoryReport(input)
                    : ((ComputationGraph) model.network()).getConfiguration().getMemoryReport(input);
            long network = 0;
            for (MemoryType type : MemoryType.values()) {
                if (type != MemoryType.UPDATER_STATE) {
                    network += report.getMemoryBytes(type, examples, MemoryUseMode.TRAINING, CacheMode.NONE, DataType.FLOAT);
                }
            }
            return new Need(network, batch, parameters, true, null);
        } catch (RuntimeException e) { // a layer DL4J cannot report on (custom or SameDiff layers): parameters and gradients only
            return new Need(2 * 4 * parameters, batch, parameters, false, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** Refuses a micro-batch that cannot fit, naming the settings to change. */
    static void require(Need need, Executor executor, int microBatch) {
        require(need, executor, microBatch, "spark-lamb.training.micro-batch");
    }

    /** As above, for the micro-batch set by {@code key} (a later stage's {@code next-stages[i].micro-batch}). */
    static void require(Need need, Executor executor, int microBatch, String key) {
        long offHeap = executor.tasks() * need.offHeap();
        long heap = executor.tasks() * need.heap();
        if (offHeap <= executor.offHeapBytes() && heap <= executor.heapBytes()) {
            return;
        }
        String tasks = executor.tasks() == 1 ? "one task" : executor.tasks() + " tasks at once";
        throw new ConfigurationException(String.format(Locale.ROOT, "%s = %d: an executor running %s "
                        + "needs about %s off the heap (ND4J: %s per task for a training pass%s, plus %s of features and labels) and %s on "
                        + "the heap, but %s%s gives it %s of heap and %s for ND4J (org.bytedeco.javacpp.maxbytes, the heap size "
                        + "unless set): lower %s (each task accumulates its share's gradient over micro-batches) or raise %s", key, microBatch, tasks, mb(offHeap), mb(need.network()),
                need.networkReported() ? " from DL4J's memory report" : " (parameters and gradients only: DL4J could not report the "
                        + "activations, " + need.reportProblem() + ")", mb(4 * need.batchValues()), mb(heap), executor.memoryKey(),
                executor.memoryValue().isEmpty() ? " (local mode: the tasks run in the driver's JVM)" : " = " + executor.memoryValue(),
                mb(executor.heapBytes()), mb(executor.offHeapBytes()), key, executor.memoryKey()));
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%,.0f MB", bytes / 1048576.0);
    }
}
