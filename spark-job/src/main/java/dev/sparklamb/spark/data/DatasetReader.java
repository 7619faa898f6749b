package dev.sparklamb.spark.data;

import dev.sparklamb.spark.config.DataCache;
import dev.sparklamb.spark.config.DataFormat;
import dev.sparklamb.spark.config.DataSettings;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Reads Parquet or CSV from any Hadoop FileSystem URI (or takes a {@code Dataset<Row>}), checks every row, assigns
 * examples to partitions pseudo-randomly by id, and caches them as {@link ExampleBlock}s. Nothing is cached, and the
 * caller gets a {@link DataException} naming the file, row and column, if any row is unusable.
 */
public final class DatasetReader {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DatasetReader.class);
    static final String FILE_COLUMN = "__spark_lamb_source_file";
    private static final String BLOCK_COLUMN = "__spark_lamb_block_start";
    private static final String ORDER_COLUMN = "__spark_lamb_order";
    /** Spark's messages that name the file a read failed on. */
    private static final java.util.regex.Pattern FILE_ERROR =
            java.util.regex.Pattern.compile("(Encountered error while reading file|Could not read footer for file)[^\\n]*");

    private final SparkSession spark;
    private final DataSettings settings;
    private final int featureCount;
    private final int classes;
    private final long seed;
    private final boolean labelsRequired;
    /** Time steps per row of labelled sequences ({@link #forSequences}), else 0. */
    private final int sequenceLength;

    public DatasetReader(SparkSession spark, DataSettings settings, int featureCount, int classes, long seed) {
        this(spark, settings, featureCount, classes, seed, true);
    }

    private DatasetReader(SparkSession spark, DataSettings settings, int featureCount, int classes, long seed, boolean labelsRequired) {
        this(spark, settings, featureCount, classes, seed, labelsRequired, 0);
    }

    private DatasetReader(SparkSession spark, DataSettings settings, int featureCount, int classes, long seed, boolean labelsRequired,
                          int sequenceLength) {
        this.spark = spark;
        this.settings = settings;
        this.featureCount = featureCount;
        this.classes = classes;
        this.seed = seed;
        this.labelsRequired = labelsRequired;
        this.sequenceLength = sequenceLength;
    }

    /**
     * A reader whose {@link #cache} takes labelled sequence rows ({@link DecodedRow#sequence}) of {@code featureSize x length}
     * features and caches them as {@link ExampleBlock#ofSequences} blocks (DL4J's drop-in, {@link MinibatchExamples}).
     */
    static DatasetReader forSequences(SparkSession spark, DataSettings settings, int featureSize, int length, int classes, long seed) {
        return new DatasetReader(spark, settings, Math.multiplyExact(featureSize, length), classes, seed, true, length);
    }

    /**
     * A reader for data that may lack the label column (prediction): when the data has no column named
     * {@code spark-lamb.data.label-column}, every example gets label 0, which nothing downstream may use; when it has
     * one, it is checked and kept as for training (and, with one column per feature, is not a feature).
     */
    public DatasetReader labelsOptional() {
        return new DatasetReader(spark, settings, featureCount, classes, seed, false);
    }

    /**
     * @param what "training data" or "test data", for messages
     */
    public CachedExamples read(String path, String what) {
        requireDataAt(path, what);
        Dataset<Row> df;
        try {
            df = settings.format() == DataFormat.CSV
                    ? spark.read().option("header", "true").option("inferSchema", "true").option("mode", "FAILFAST").csv(path)
                    : spark.read().parquet(path);
        } catch (Exception e) { // SparkException is checked but undeclared in Scala code
            throw new DataException(what + ": could not read '" + path + "' as " + settings.format() + ": " + rootMessage(e)
                    + firstUnreadableFile(path), e);
        }
        return fromDataFrame(df, what + " '" + path + "'");
    }

    /** Decodes, validates and caches {@code df} (a notebook's Dataset, or what {@link #read} loaded). */
    public CachedExamples fromDataFrame(Dataset<Row> df, String what) {
        boolean empty;
        try {
            empty = df.isEmpty();
        } catch (Exception e) { // SparkException is checked but undeclared in Scala code
            throw new DataException(what + ": could not be read: " + rootMessage(e), e);
        }
        if (empty) {
            throw new DataException(what + ": contains no rows");
        }
        // Example ids follow (file path, position in the file): sorting by file, split start and the row's position in
        // its split gives the same order however Spark cuts the files into partitions (which depends on the cluster's
        // parallelism), so the same data gives the same ids, batches and results on any cluster. Sources without
        // files (in-memory DataFrames) keep their partition order.
        Dataset<Row> withFile = df.withColumn(FILE_COLUMN, functions.input_file_name())
                .withColumn(BLOCK_COLUMN, functions.input_file_block_start())
                .withColumn(ORDER_COLUMN, functions.monotonically_increasing_id())
                .orderBy(FILE_COLUMN, BLOCK_COLUMN, ORDER_COLUMN)
                .drop(BLOCK_COLUMN, ORDER_COLUMN);
        JavaRDD<DecodedRow> decoded;
        try { // zipWithIndex already runs jobs (the sort's sampling, partition sizes) that read the data
            if (settings.isTokens()) {
                TokenRowDecoder tokens = TokenRowDecoder.of(withFile.schema(), what, FILE_COLUMN, settings.tokens(), classes);
                decoded = withFile.javaRDD().zipWithIndex().map(t -> tokens.decode(t._1(), t._2()));
            } else {
                String label = labelsRequired || hasColumn(df, settings.labelColumn()) ? settings.labelColumn() : null;
                RowDecoder decoder = settings.format() == DataFormat.CSV && !hasColumn(df, settings.featuresColumn())
                        ? RowDecoder.forScalarColumns(withFile.schema(), what, label, FILE_COLUMN, featureCount, classes)
                        : RowDecoder.forArrayColumn(withFile.schema(), what, settings.featuresColumn(), label, FILE_COLUMN,
                        featureCount, classes);
                decoded = withFile.javaRDD().zipWithIndex().map(t -> decoder.decode(t._1(), t._2()));
            }
        } catch (Exception e) { // SparkException is checked but undeclared in Scala code
            throw new DataException(what + ": could not be read: " + rootMessage(e), e);
        }
        // read and sorted once, not once per check below; kept out of the heap when the examples are cached on disk
        decoded.persist(settings.cache() == DataCache.DISK ? StorageLevel.DISK_ONLY() : StorageLevel.MEMORY_AND_DISK());
        try {
            return cache(decoded, what);
        } finally {
            decoded.unpersist(false);
        }
    }

    /**
     * Checks every decoded row, then assigns rows to partitions and caches them as blocks. Package-private for
     * {@link MinibatchExamples}, which decodes ND4J minibatches into the same rows.
     */
    CachedExamples cache(JavaRDD<DecodedRow> decoded, String what) {
        List<DecodedRow> bad;
        long count;
        try {
            bad = decoded.filter(r -> r.problem() != null).take(1);
            count = bad.isEmpty() ? decoded.count() : 0;
        } catch (Exception e) { // SparkException is checked but undeclared in Scala code
            throw new DataException(what + ": could not be read: " + rootMessage(e), e);
        }
        if (!bad.isEmpty()) {
            DecodedRow b = bad.get(0);
            String file = b.file();
            long id = b.id();
            // Ids follow (file, position in file), so a file's rows have consecutive ids.
            long rowInFile = decoded.filter(r -> r.file().equals(file) && r.id() < id).count();
            throw new DataException(what + ": file " + file + ", row " + rowInFile + " (0-based, in file order): " + b.problem());
        }
        if (count == 0) {
            throw new DataException(what + ": contains no rows");
        }
        int partitions = settings.partitions() > 0 ? settings.partitions() : spark.sparkContext().defaultParallelism();
        int p = partitions;
        long s = seed;
        boolean tok = settings.isTokens();
        int d = tok ? settings.tokens().sequenceLength() : featureCount;
        int steps = sequenceLength;
        boolean disk = settings.cache() == DataCache.DISK;
        if (disk && steps > 0) {
            throw new dev.sparklamb.spark.config.ConfigurationException("spark-lamb.data.cache = disk "
                    + "does not hold labelled sequences with masks (the DL4J drop-in's sequence DataSets); use data.cache = memory");
        }
        if (!disk) { // a disk cache has long offsets: no per-partition limit
            PartitionCapacity.require(decoded, count, settings.partitions(), p, d, s, what, PartitionCapacity.MAX_VALUES);
        }
        // disk: the rows go to their partitions sorted by id through Spark's shuffle (whose sort spills to disk)
        JavaPairRDD<Long, DecodedRow> sorted = disk
                ? decoded.mapToPair(r -> new Tuple2<>(r.id(), r)).repartitionAndSortWithinPartitions(new ExamplePartitioner(p, s))
                : null;
        JavaRDD<ExampleBlock> blocks = disk ? diskBlocks(sorted, d, tok)
                : decoded.mapToPair(r -> new Tuple2<>(partitionOf(r.id(), s, p), r))
                .partitionBy(new HashPartitioner(p))
                .mapPartitionsWithIndex((index, rows) -> List.of(steps > 0 ? PartitionBlocks.sequences(index, d / steps, steps, rows)
                        : PartitionBlocks.inMemory(index, d, tok, rows)).iterator(), true);
        blocks.persist(disk ? StorageLevel.MEMORY_ONLY() : StorageLevel.MEMORY_AND_DISK());
        blocks.setName("spark-lamb examples (" + settings.cache() + " cache): " + what);
        List<Tuple2<Integer, String>> stored = blocks.map(b -> new Tuple2<>(b.size(), b.storage())).collect();
        long cached = stored.stream().mapToLong(Tuple2::_1).sum();
        LOG.info("{}: {} examples cached in {} partitions ({} cache): {}", what, cached, p, settings.cache(),
                String.join("; ", stored.stream().map(t -> t._1() + " rows, " + t._2()).toList()));
        if (cached != count) {
            blocks.unpersist(false);
            throw new IllegalStateException(what + ": cached " + cached + " examples but decoded " + count);
        }
        if (disk) {
            JavaRDD<ExampleBlock> local = new JavaRDD<>(new DiskBlocksRDD(blocks.rdd(), diskBlocks(sorted, d, tok).rdd()),
                    blocks.classTag());
            return new CachedExamples(local, count, p, what, blocks);
        }
        return new CachedExamples(blocks, count, p, what);
    }

    /**
     * {@code spark-lamb.data.cache = disk}: each partition streams its sorted rows into its file; the heap holds only
     * ids and labels. Each call gives a new RDD over the same shuffle, which runs once.
     */
    private static JavaRDD<ExampleBlock> diskBlocks(JavaPairRDD<Long, DecodedRow> sorted, int width, boolean tokens) {
        return sorted.mapPartitionsWithIndex((index, rows) -> List.of(PartitionBlocks.written(index, width, tokens, rows)).iterator(), true);
    }

    /** Places example ids in partitions as {@link #partitionOf} does (the memory cache's assignment). */
    private static final class ExamplePartitioner extends org.apache.spark.Partitioner {

        private static final long serialVersionUID = 1L;
        private final int partitions;
        private final long seed;

        ExamplePartitioner(int partitions, long seed) {
            this.partitions = partitions;
            this.seed = seed;
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object id) {
            return partitionOf((Long) id, seed, partitions);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ExamplePartitioner e && e.partitions == partitions && e.seed == seed;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(seed) * 31 + partitions;
        }
    }

    /** On a failed read of a Parquet directory, tries its files one by one to name the first unreadable one. */
    private String firstUnreadableFile(String path) {
        if (settings.format() != DataFormat.PARQUET) {
            return "";
        }
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.getFileStatus(p).isDirectory()) {
                return "";
            }
            for (FileStatus f : fs.listStatus(p)) {
                String name = f.getPath().getName();
                if (f.isDirectory() || name.startsWith("_") || name.startsWith(".")) {
                    continue;
                }
                try {
                    spark.read().parquet(f.getPath().toString()).schema();
                } catch (Exception bad) {
                    return "; first unreadable file: " + f.getPath() + " (" + rootMessage(bad) + ")";
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // diagnosis only
        }
        return "";
    }

    private static boolean hasColumn(Dataset<Row> df, String name) {
        return Arrays.asList(df.columns()).contains(name);
    }

    /** Pseudo-random, seed-dependent, timing-independent assignment of example ids to partitions. */
    static int partitionOf(long id, long seed, int partitions) {
        long z = id * 0x9E3779B97F4A7C15L + seed;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (int) Math.floorMod(z, (long) partitions);
    }

    private void requireDataAt(String path, String what) {
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(p)) {
                throw new DataException(what + ": path '" + path + "' does not exist");
            }
            FileStatus status = fs.getFileStatus(p);
            if (status.isDirectory()) {
                boolean anyData = Arrays.stream(fs.listStatus(p)).anyMatch(f -> !f.getPath().getName().startsWith("_")
                        && !f.getPath().getName().startsWith("."));
                if (!anyData) {
                    throw new DataException(what + ": directory '" + path + "' contains no data files");
                }
            } else if (status.getLen() == 0) {
                throw new DataException(what + ": file '" + path + "' is empty");
            }
        } catch (IOException | IllegalArgumentException e) {
            if (e instanceof DataException de) {
                throw de;
            }
            throw new DataException(what + ": cannot access '" + path + "': " + e.getMessage(), e);
        }
    }

    /**
     * The innermost cause's first line, preceded by Spark's "Encountered error while reading file ..." when the chain
     * has one (it names the file; the innermost cause usually does not).
     */
    static String rootMessage(Throwable e) {
        String fileLine = null;
        Throwable t = e;
        while (true) {
            String m = t.getMessage();
            java.util.regex.Matcher file = m == null ? null : FILE_ERROR.matcher(m);
            if (fileLine == null && file != null && file.find()) {
                fileLine = file.group().replaceAll("\\.?\\s*Details:?\\s*$", "");
            }
            if (t.getCause() == null || t.getCause() == t) {
                break;
            }
            t = t.getCause();
        }
        String m = t.getMessage();
        String inner = m == null ? t.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
        return fileLine == null ? inner : fileLine + " (" + inner + ")";
    }
}
