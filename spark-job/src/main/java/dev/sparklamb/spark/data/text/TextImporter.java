package dev.sparklamb.spark.data.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.data.DataException;
import dev.sparklamb.spark.io.HadoopFiles;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * {@code import-text}: plain-text files -> WordPiece ids (DL4J's BERT tokenizer) -> fixed-length sequences -> Parquet,
 * with a held-out split by document. The output directory (docs/bert.md, "Output layout"):
 * <pre>
 * OUT/seq-L/train/, OUT/seq-L/heldout/   Parquet: input_ids array&lt;int&gt; (exactly L ids, [PAD] after the real ones),
 *                                        length int (real ids incl. [CLS]/[SEP], 1..L); document order, then position
 * OUT/vocab.txt                          one token per line, line number = id
 * OUT/text-import.json                   the settings and the counts per split and length
 * </pre>
 * Everything is written under a hidden temporary sibling of OUT that is renamed to OUT at the end; on any failure it is
 * deleted, so OUT appears complete or not at all.
 */
public final class TextImporter {

    private static final Logger LOG = LoggerFactory.getLogger(TextImporter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final String VOCAB_FILE = "vocab.txt";
    public static final String REPORT_FILE = "text-import.json";
    public static final String TRAIN = "train";
    public static final String HELDOUT = "heldout";
    /** The Parquet schema of every sequence directory. */
    public static final StructType SCHEMA = new StructType()
            .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
            .add("length", DataTypes.IntegerType, false);

    private TextImporter() {
    }

    /** The sequences of one split at one length, relative to the output directory. */
    public static String sequencesPath(int length, String split) {
        return "seq-" + length + "/" + split;
    }

    /**
     * Runs the import. Options, input files and the vocabulary file are all checked before any Spark work.
     *
     * @return the content written to {@link #REPORT_FILE}
     * @throws ConfigurationException naming the option (output exists, sizes, lengths, a held-out split that leaves a split empty)
     * @throws DataException          naming the file and line (missing input, empty or non-UTF-8 file, bad vocab.txt)
     */
    public static Map<String, Object> run(SparkSession spark, TextImportSettings s) {
        long startNanos = System.nanoTime();
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Path out = qualified(s.output(), hadoop);
        FileSystem fs = requireNew(out, hadoop);
        Vocabulary given = s.vocabulary() == null ? null : readVocabulary(s.vocabulary(), hadoop);
        List<TextDocument> docs = TextCorpus.list(s.inputs(), hadoop, s.seed(), s.heldOutFraction());
        List<TextDocument> train = docs.stream().filter(d -> !d.heldOut()).toList();
        List<TextDocument> heldOut = docs.stream().filter(TextDocument::heldOut).toList();
        if (train.isEmpty()) {
            throw new ConfigurationException("--heldout-fraction: " + s.heldOutFraction() + " with --seed " + s.seed() + " holds out all "
                    + docs.size() + " documents; no training documents remain (use a smaller fraction or another seed)");
        }
        if (s.heldOutFraction() > 0 && heldOut.isEmpty()) {
            throw new ConfigurationException("--heldout-fraction: " + s.heldOutFraction() + " with --seed " + s.seed() + " holds out none of the "
                    + docs.size() + " documents (use a larger fraction, another seed, or 0 for no held-out split)");
        }
        LOG.info("import-text: {} documents ({} MB): {} training, {} held out; vocabulary: {}", docs.size(),
                String.format("%.1f", docs.stream().mapToLong(TextDocument::bytes).sum() / 1e6), train.size(), heldOut.size(),
                given != null ? s.vocabulary() + " (" + given.size() + " tokens)" : "built, " + s.vocabSize() + " tokens");

        Path tmp = new Path(out.getParent(), "." + out.getName() + ".importing-" + UUID.randomUUID());
        Path created = firstMissing(fs, tmp);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<SerializableConfiguration> conf = jsc.broadcast(new SerializableConfiguration(hadoop));
        int maxSlices = s.partitions() > 0 ? s.partitions() : 4 * jsc.defaultParallelism();
        try (ImportProgress progress = new ImportProgress(spark.sparkContext(), s.progressEverySeconds())) {
            createDirectory(fs, tmp, out);
            Vocabulary vocabulary = given != null ? given : buildVocabulary(jsc, conf, TextCorpus.slices(train, maxSlices), s, progress);
            Map<String, Object> splits = new LinkedHashMap<>();
            List<Map<String, Object>> outputs = new ArrayList<>();
            for (String split : List.of(TRAIN, HELDOUT)) {
                List<TextDocument> part = split.equals(TRAIN) ? train : heldOut;
                splits.put(split, writeSplit(spark, jsc, conf, part, split, vocabulary, s, tmp, progress, outputs));
            }
            writeText(fs, new Path(tmp, VOCAB_FILE), vocabulary.toText());
            Map<String, Object> report = report(s, vocabulary, given != null, docs, splits, outputs, (System.nanoTime() - startNanos) / 1e9);
            writeText(fs, new Path(tmp, REPORT_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report) + "\n");
            if (fs.exists(out)) {
                throw new ConfigurationException("--output: '" + s.output() + "' appeared while importing; the import is left out (nothing was written)");
            }
            if (!fs.rename(tmp, out)) {
                throw new IOException("rename " + tmp + " -> " + out + " failed");
            }
            LOG.info("import-text: wrote {} in {}", s.output(), ImportProgress.duration((System.nanoTime() - startNanos) / 1e9));
            return report;
        } catch (Exception e) { // SparkException is checked but undeclared in Scala code
            deleteQuietly(fs, created);
            if (e instanceof IOException io) {
                throw new UncheckedIOException("import-text: writing '" + s.output() + "' failed: " + e.getMessage(), io);
            }
            throw own(e);
        } finally {
            conf.destroy();
        }
    }

    /** The vocabulary built from the training documents ({@link VocabularyBuilder}). */
    private static Vocabulary buildVocabulary(JavaSparkContext jsc, Broadcast<SerializableConfiguration> conf, List<List<TextDocument>> slices,
                                              TextImportSettings s, ImportProgress progress) {
        boolean lowerCase = s.lowerCase();
        LongAccumulator docsDone = progress.documents;
        LongAccumulator bytesDone = progress.bytes;
        JavaPairRDD<String, Long> words = jsc.parallelize(slices, slices.size()).flatMapToPair(slice -> {
            var pre = WordPieceEncoder.preProcessor(lowerCase);
            Map<String, Long> counts = new HashMap<>();
            for (TextDocument doc : slice) {
                long[] n = {0};
                TextCorpus.read(doc, conf.value().value(), line -> {
                    for (String w : WordPieceEncoder.basicWords(pre, line)) {
                        counts.merge(w, 1L, Long::sum);
                        n[0]++;
                    }
                });
                if (n[0] == 0) {
                    throw TextCorpus.noText(doc);
                }
                docsDone.add(1);
                bytesDone.add(doc.bytes());
            }
            List<Tuple2<String, Long>> list = new ArrayList<>(counts.size());
            counts.forEach((k, v) -> list.add(new Tuple2<>(k, v)));
            return list.iterator();
        }).reduceByKey(Long::sum, slices.size());
        words.persist(StorageLevel.MEMORY_AND_DISK());
        try {
            progress.start("vocabulary: counting words", slices.stream().mapToLong(List::size).sum(),
                    slices.stream().flatMap(List::stream).mapToLong(TextDocument::bytes).sum());
            words.count();
            progress.finish();
            return VocabularyBuilder.build(words, s.vocabSize(), lowerCase, LOG::info);
        } finally {
            words.unpersist(false);
        }
    }

    /** Tokenises one split's documents once and writes its sequences at every length; returns the split's counts. */
    private static Map<String, Object> writeSplit(SparkSession spark, JavaSparkContext jsc, Broadcast<SerializableConfiguration> conf,
                                                  List<TextDocument> docs, String split, Vocabulary vocabulary, TextImportSettings s, Path tmp,
                                                  ImportProgress progress, List<Map<String, Object>> outputs) {
        List<List<TextDocument>> slices = TextCorpus.slices(docs, s.partitions() > 0 ? s.partitions() : 4 * jsc.defaultParallelism());
        boolean lowerCase = s.lowerCase();
        Broadcast<Vocabulary> vocab = jsc.broadcast(vocabulary);
        LongAccumulator docsDone = progress.documents;
        LongAccumulator bytesDone = progress.bytes;
        JavaRDD<DocumentTokens> tokens = jsc.parallelize(slices, Math.max(1, slices.size())).flatMap(slice -> {
            WordPieceEncoder encoder = new WordPieceEncoder(vocab.value(), lowerCase); // once per partition
            List<DocumentTokens> list = new ArrayList<>(slice.size());
            for (TextDocument doc : slice) {
                IntList ids = new IntList();
                TextCorpus.read(doc, conf.value().value(), line -> ids.addAll(encoder.ids(line)));
                if (ids.size() == 0) {
                    throw TextCorpus.noText(doc);
                }
                list.add(new DocumentTokens(doc.index(), ids.toArray()));
                docsDone.add(1);
                bytesDone.add(doc.bytes());
            }
            return list.iterator();
        });
        tokens.persist(StorageLevel.MEMORY_AND_DISK());
        try {
            progress.start("tokenising " + split, docs.size(), docs.stream().mapToLong(TextDocument::bytes).sum());
            List<Integer> perDocument = tokens.map(t -> t.ids.length).collect(); // document order
            progress.finish();
            long total = perDocument.stream().mapToLong(Integer::longValue).sum();
            Map<String, Object> counts = new LinkedHashMap<>();
            counts.put("documents", docs.size());
            counts.put("bytes", docs.stream().mapToLong(TextDocument::bytes).sum());
            counts.put("tokens", total);
            for (int length : new TreeSet<>(s.sequenceLengths())) {
                String relative = sequencesPath(length, split);
                long sequences = perDocument.stream().mapToLong(n -> SequencePacker.sequenceCount(n, length)).sum();
                int cls = vocabulary.cls();
                int sep = vocabulary.sep();
                int pad = vocabulary.pad();
                JavaRDD<Row> rows = tokens.flatMap(t -> {
                    List<Row> r = new ArrayList<>();
                    for (SequencePacker.Sequence q : new SequencePacker(length, cls, sep, pad).pack(t.ids, t.ids.length)) {
                        r.add(RowFactory.create(q.ids(), q.realTokens()));
                    }
                    return r.iterator();
                });
                long started = System.nanoTime();
                spark.createDataFrame(rows, SCHEMA).write().parquet(new Path(tmp, relative).toString());
                LOG.info(String.format("wrote %s: %d sequences in %.1f s", relative, sequences, (System.nanoTime() - started) / 1e9));
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("path", relative);
                o.put("split", split);
                o.put("sequenceLength", length);
                o.put("documents", docs.size());
                o.put("sequences", sequences);
                o.put("realTokens", total + 2 * sequences);
                outputs.add(o);
            }
            return counts;
        } finally {
            tokens.unpersist(false);
            vocab.destroy();
        }
    }

    private static Map<String, Object> report(TextImportSettings s, Vocabulary v, boolean given, List<TextDocument> docs, Map<String, Object> splits,
                                              List<Map<String, Object>> outputs, double seconds) {
        Map<String, Object> r = new LinkedHashMap<>();
        Map<String, Object> vocab = new LinkedHashMap<>();
        vocab.put("file", VOCAB_FILE);
        vocab.put("size", v.size());
        vocab.put("source", given ? s.vocabulary() : "built from the training split");
        if (!given) {
            vocab.put("requestedSize", s.vocabSize());
        }
        vocab.put("specialTokens", v.specialIds());
        r.put("vocabulary", vocab);
        r.put("lowerCase", s.lowerCase());
        r.put("stripAccents", s.lowerCase());
        r.put("sequenceLengths", new ArrayList<>(new TreeSet<>(s.sequenceLengths())));
        r.put("sources", s.inputs());
        r.put("documents", docs.size());
        Map<String, Object> held = new LinkedHashMap<>();
        held.put("fraction", s.heldOutFraction());
        held.put("seed", s.seed());
        held.put("rule", "held out when SHA-256(seed + \":\" + file name) as a fraction of 2^64 < fraction");
        r.put("heldOut", held);
        r.put("splits", splits);
        r.put("outputs", outputs);
        r.put("seconds", Math.round(seconds * 10) / 10.0);
        return r;
    }

    private static Path qualified(String output, Configuration hadoop) {
        try {
            Path p = new Path(output);
            return p.getFileSystem(hadoop).makeQualified(p);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigurationException("--output: cannot access '" + output + "': " + e.getMessage(), e);
        }
    }

    private static FileSystem requireNew(Path out, Configuration hadoop) {
        try {
            FileSystem fs = out.getFileSystem(hadoop);
            if (fs.exists(out)) {
                throw new ConfigurationException("--output: '" + out + "' already exists; import-text writes a new directory (nothing was written)");
            }
            if (out.getParent() == null) {
                throw new ConfigurationException("--output: '" + out + "' is a file system root; give a directory to create");
            }
            return fs;
        } catch (IOException | IllegalArgumentException e) {
            if (e instanceof ConfigurationException c) {
                throw c;
            }
            throw new ConfigurationException("--output: cannot access '" + out + "': " + e.getMessage(), e);
        }
    }

    private static Vocabulary readVocabulary(String path, Configuration hadoop) {
        try {
            return Vocabulary.parse(HadoopFiles.readAll(path, hadoop), path);
        } catch (FileNotFoundException e) {
            throw new DataException("--vocab: '" + path + "' does not exist", e);
        } catch (IOException | IllegalArgumentException e) {
            if (e instanceof DataException d) {
                throw d;
            }
            throw new DataException("--vocab: cannot read '" + path + "': " + e.getMessage(), e);
        }
    }

    /** The highest directory of {@code p}'s path that does not exist yet (what mkdirs(p) creates and a failure removes). */
    private static Path firstMissing(FileSystem fs, Path p) {
        try {
            Path top = p;
            while (top.getParent() != null && !fs.exists(top.getParent())) {
                top = top.getParent();
            }
            return top;
        } catch (IOException e) {
            throw new ConfigurationException("--output: cannot access '" + p.getParent() + "': " + e.getMessage(), e);
        }
    }

    private static void createDirectory(FileSystem fs, Path tmp, Path out) {
        String problem;
        try {
            problem = fs.mkdirs(tmp) ? null : "mkdirs returned false";
        } catch (IOException | RuntimeException e) {
            problem = e.toString();
        }
        if (problem != null) {
            throw new ConfigurationException("--output: cannot create '" + out + "' (its temporary sibling '" + tmp.getName() + "'): " + problem
                    + " (nothing was written)");
        }
    }

    private static void writeText(FileSystem fs, Path file, String text) throws IOException {
        try (OutputStream o = fs.create(file, false)) {
            o.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void deleteQuietly(FileSystem fs, Path p) {
        try {
            fs.delete(p, true);
        } catch (IOException | RuntimeException e) {
            LOG.warn("import-text: could not delete the temporary '{}': {}", p, e.toString());
        }
    }

    /** Our own exception from the cause chain (a task's DataException arrives wrapped in Spark's SparkException). */
    private static RuntimeException own(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DataException || t instanceof ConfigurationException) {
                return (RuntimeException) t;
            }
        }
        return e instanceof RuntimeException r ? r : new IllegalStateException("import-text failed: " + e.getMessage(), e);
    }
}
