package dev.sparklamb.spark.data.text;

import dev.sparklamb.spark.config.ConfigurationException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What {@code import-text} does (each field is the command-line option of the same name; docs/bert.md).
 *
 * @param inputs              {@code --input}: Hadoop URIs or globs of text files or directories of {@code *.txt}
 * @param output              {@code --output}: the directory to create
 * @param vocabulary          {@code --vocab}: a BERT vocab.txt to use, or null to build one of {@code vocabSize}
 * @param vocabSize           {@code --vocab-size}: the size of the vocabulary built from the training split
 * @param lowerCase           {@code --lower-case}: lower-case and strip accents (uncased BERT), or keep both (cased)
 * @param sequenceLengths     {@code --sequence-length}: one output per length
 * @param maxSequenceLength   {@code --max-sequence-length}: the largest length accepted
 * @param heldOutFraction     {@code --heldout-fraction}: the share of documents held out, in [0, 1)
 * @param seed                {@code --seed}: the held-out choice's seed
 * @param partitions          {@code --partitions}: Spark partitions (0: four per default parallelism, at most one per document)
 * @param progressEverySeconds {@code --progress-every-seconds}
 */
public record TextImportSettings(List<String> inputs, String output, String vocabulary, int vocabSize, boolean lowerCase,
                                 List<Integer> sequenceLengths, int maxSequenceLength, double heldOutFraction, long seed, int partitions,
                                 double progressEverySeconds) {

    public static final int DEFAULT_MAX_SEQUENCE_LENGTH = 512;

    /** @throws ConfigurationException naming the option */
    public TextImportSettings {
        inputs = List.copyOf(inputs);
        sequenceLengths = List.copyOf(sequenceLengths);
        if (inputs.isEmpty()) {
            throw new ConfigurationException("--input: give at least one text file, directory or pattern");
        }
        if (output == null || output.isBlank()) {
            throw new ConfigurationException("--output: give the directory to create");
        }
        if (maxSequenceLength < SequencePacker.MIN_LENGTH) {
            throw new ConfigurationException("--max-sequence-length: " + maxSequenceLength + " is below " + SequencePacker.MIN_LENGTH);
        }
        if (sequenceLengths.isEmpty()) {
            throw new ConfigurationException("--sequence-length: give at least one length");
        }
        Set<Integer> seen = new HashSet<>();
        for (int l : sequenceLengths) {
            if (l < SequencePacker.MIN_LENGTH) {
                throw new ConfigurationException("--sequence-length: " + l + " is below " + SequencePacker.MIN_LENGTH
                        + " ([CLS], at least one token, [SEP])");
            }
            if (l > maxSequenceLength) {
                throw new ConfigurationException("--sequence-length: " + l + " is above --max-sequence-length " + maxSequenceLength);
            }
            if (!seen.add(l)) {
                throw new ConfigurationException("--sequence-length: " + l + " is given twice");
            }
        }
        if (vocabulary == null && vocabSize <= Vocabulary.SPECIAL.size()) {
            throw new ConfigurationException("--vocab-size: " + vocabSize + " must be larger than the " + Vocabulary.SPECIAL.size()
                    + " special tokens (and hold the corpus's characters)");
        }
        if (!(heldOutFraction >= 0 && heldOutFraction < 1)) {
            throw new ConfigurationException("--heldout-fraction: must be in [0, 1), got " + heldOutFraction);
        }
        if (partitions < 0) {
            throw new ConfigurationException("--partitions: must be >= 0 (0: automatic), got " + partitions);
        }
        if (!(progressEverySeconds > 0) || Double.isInfinite(progressEverySeconds)) {
            throw new ConfigurationException("--progress-every-seconds: must be a finite number > 0, got " + progressEverySeconds);
        }
    }
}
