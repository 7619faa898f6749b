package dev.sparklamb.submit;

import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.SparkSettings;
import dev.sparklamb.spark.data.text.TextImportSettings;
import dev.sparklamb.spark.data.text.TextImporter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code import-text}: plain-text files to WordPiece sequences in Parquet (docs/bert.md, "Pretrain a BERT-style encoder"). */
@Command(name = "import-text", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Tokenise plain-text files (one document per file; UTF-8) with BERT's WordPiece (DL4J's "
                + "BertWordPieceTokenizerFactory) and write fixed-length sequences as Parquet, with a held-out split by document.",
                "Output (OUT = --output, created; must not exist): OUT/seq-L/train/ and OUT/seq-L/heldout/ for each L of "
                        + "--sequence-length (input_ids array<int> of exactly L ids: [CLS], tokens, [SEP], then [PAD]; length int: "
                        + "the real ids incl. [CLS]/[SEP]; rows in document order, then position), OUT/vocab.txt (line number = id) "
                        + "and OUT/text-import.json (settings and counts). Nothing is written unless the whole import succeeds."},
        footer = {"", "Exit codes: 0 success, 1 infrastructure failure, 2 bad option (named), 3 bad input file (named, with the line)."})
final class ImportTextCommand implements Callable<Integer> {

    static final int DEFAULT_VOCAB_SIZE = 8000;

    @Option(names = {"-i", "--input"}, required = true, paramLabel = "URI",
            description = "Text file, directory (its *.txt files, not subdirectories) or glob, on any Hadoop file system (repeatable).")
    List<String> inputs = new ArrayList<>();

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Directory to create (any Hadoop URI; must not exist).")
    String output;

    @Option(names = "--vocab", paramLabel = "FILE",
            description = "Use this BERT vocab.txt (one token per line, line number = id; needs [PAD] [UNK] [CLS] [SEP] [MASK]) "
                    + "instead of building a vocabulary.")
    String vocab;

    @Option(names = "--vocab-size", paramLabel = "N",
            description = "Build a WordPiece vocabulary of N tokens from the training documents (default: " + DEFAULT_VOCAB_SIZE
                    + "; not with --vocab). [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4, then the characters, then learned pieces.")
    Integer vocabSize;

    @Option(names = "--lower-case", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Lower-case and strip accents, as uncased BERT does (default); --no-lower-case keeps both (cased BERT).")
    boolean lowerCase;

    @Option(names = "--sequence-length", split = ",", paramLabel = "L", defaultValue = "128",
            description = "Sequence length(s), comma-separated, e.g. 64,128 (default: ${DEFAULT-VALUE}); each between 3 and "
                    + "--max-sequence-length. One output per length, from the same vocabulary.")
    List<Integer> sequenceLengths;

    @Option(names = "--max-sequence-length", paramLabel = "N", defaultValue = "" + TextImportSettings.DEFAULT_MAX_SEQUENCE_LENGTH,
            description = "The largest --sequence-length accepted (default: ${DEFAULT-VALUE}).")
    int maxSequenceLength;

    @Option(names = "--heldout-fraction", paramLabel = "F", defaultValue = "0.05",
            description = "Share of documents held out, in [0, 1) (default: ${DEFAULT-VALUE}): a document is held out when "
                    + "SHA-256(seed:file name), as a fraction of 2^64, is below F.")
    double heldOutFraction;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of the held-out choice (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "0",
            description = "Spark partitions, i.e. part files per output (default 0: four per core of the master, at most one per document).")
    int partitions;

    @Option(names = "--progress-every-seconds", paramLabel = "S", defaultValue = "10",
            description = "At most one progress line (documents/s, MB/s, ETA) every S seconds (default: ${DEFAULT-VALUE}).")
    double progressEverySeconds;

    @Option(names = "--master", defaultValue = "local[*]", description = "Spark master when not set by spark-submit (default: ${DEFAULT-VALUE}).")
    String master;

    @Override
    public Integer call() {
        if (vocab != null && vocabSize != null) {
            throw new ConfigurationException("--vocab and --vocab-size: give one (a vocab.txt to use, or the size of the vocabulary to build)");
        }
        TextImportSettings settings = new TextImportSettings(inputs, output, vocab, vocabSize == null ? DEFAULT_VOCAB_SIZE : vocabSize,
                lowerCase, sequenceLengths, maxSequenceLength, heldOutFraction, seed, partitions, progressEverySeconds);
        SparkSession spark = Sessions.create(new SparkSettings(master, "spark-lamb import-text"));
        Map<String, Object> report = TextImporter.run(spark, settings);
        @SuppressWarnings("unchecked")
        Map<String, Object> vocabulary = (Map<String, Object>) report.get("vocabulary");
        System.out.printf("vocabulary: %s tokens (%s)%n", vocabulary.get("size"), vocabulary.get("source"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> outputs = (List<Map<String, Object>>) report.get("outputs");
        for (Map<String, Object> o : outputs) {
            System.out.printf("%s: %s documents, %s sequences, %s real tokens%n", o.get("path"), o.get("documents"), o.get("sequences"),
                    o.get("realTokens"));
        }
        System.out.printf("seconds: %s%noutput: %s%n", report.get("seconds"), output);
        return ExitCode.SUCCESS.code;
    }
}
