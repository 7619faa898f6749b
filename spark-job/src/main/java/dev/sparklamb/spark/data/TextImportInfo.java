package dev.sparklamb.spark.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.TokenSettings;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Checks the configuration against the {@code text-import.json} that {@code import-text} writes next to its outputs
 * ({@code DIR/seq-L/train} and {@code DIR/seq-L/heldout} read with {@code DIR/text-import.json}): the vocabulary size must
 * be {@code spark-lamb.model.classes}, its special token ids the {@code spark-lamb.data.tokens.*-id} keys, and the data's
 * sequence length one the import wrote. Data in another layout (no such file two levels up) is not checked here.
 */
public final class TextImportInfo {

    static final String FILE = "text-import.json";

    private TextImportInfo() {
    }

    /**
     * @param dataPath       a {@code seq-L/train} or {@code seq-L/heldout} directory (any Hadoop URI)
     * @param sequenceLength the configured L for that data
     */
    public static void requireConsistent(String dataPath, TokenSettings tokens, int sequenceLength, int vocabulary, Configuration hadoop) {
        JsonNode info;
        Path file;
        try {
            Path data = new Path(dataPath);
            Path dir = data.getParent() == null ? null : data.getParent().getParent();
            if (dir == null) {
                return;
            }
            file = new Path(dir, FILE);
            FileSystem fs = file.getFileSystem(hadoop);
            if (!fs.exists(file)) {
                return;
            }
            try (var in = fs.open(file)) {
                info = new ObjectMapper().readTree(in);
            }
        } catch (IOException | IllegalArgumentException e) {
            return; // only a cross-check: the data itself is validated row by row
        }
        JsonNode vocab = info.path("vocabulary");
        if (vocab.path("size").isInt() && vocab.path("size").asInt() != vocabulary) {
            throw new ConfigurationException("spark-lamb.model.classes is " + vocabulary + " but " + file + " says the vocabulary of '"
                    + dataPath + "' has " + vocab.path("size").asInt() + " tokens; set model.classes to the vocabulary size");
        }
        Map<String, Integer> expected = new LinkedHashMap<>();
        expected.put("[PAD]", tokens.padId());
        expected.put("[UNK]", tokens.unkId());
        expected.put("[CLS]", tokens.clsId());
        expected.put("[SEP]", tokens.sepId());
        expected.put("[MASK]", tokens.maskId());
        String[] keys = {"pad-id", "unk-id", "cls-id", "sep-id", "mask-id"};
        int k = 0;
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            JsonNode id = vocab.path("specialTokens").path(e.getKey());
            if (id.isInt() && id.asInt() != e.getValue()) {
                throw new ConfigurationException("spark-lamb.data.tokens." + keys[k] + " is " + e.getValue() + " but " + file
                        + " gives " + e.getKey() + " the id " + id.asInt() + "; copy the special token ids from it");
            }
            k++;
        }
        JsonNode lengths = info.path("sequenceLengths");
        if (lengths.isArray() && lengths.size() > 0) {
            boolean found = false;
            for (JsonNode l : lengths) {
                found |= l.asInt() == sequenceLength;
            }
            if (!found) {
                throw new ConfigurationException("the sequence length " + sequenceLength + " configured for '" + dataPath
                        + "' (spark-lamb.data.tokens.sequence-length, or the stage's sequence-length) is not one " + file
                        + " lists: " + lengths);
            }
        }
    }
}
