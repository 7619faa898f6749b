package dev.sparklamb.spark.sequence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.spark.LocalSpark;
import dev.sparklamb.spark.TestSpark;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.DataException;
import dev.sparklamb.spark.data.DatasetReader;
import dev.sparklamb.spark.data.ExampleBlock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code data.format = tokens}: Parquet token sequences cached as ints with their lengths and ids; every bad row
 * refused with its file, row and column before anything is cached.
 */
@ExtendWith(LocalSpark.class)
class TokenDataTest {

    static SparkSession spark;

    @TempDir
    Path tmp;

    RunConfig config(String... extra) {
        List<String> all = new ArrayList<>(List.of("data.format=tokens", "data.tokens.sequence-length=8",
                "model.classes=" + SequenceFixtures.V, "data.partitions=3"));
        all.addAll(List.of(extra));
        return TestSpark.config(tmp.resolve("out"), all.toArray(new String[0]));
    }

    CachedExamples read(RunConfig config, String path) {
        return new DatasetReader(spark, config.data(), 0, config.model().classes(), config.seed()).read(path, "training data");
    }

    @Test
    void cachesTokenIdsAsIntsWithLengthsAndIds() {
        List<int[]> seqs = SequenceFixtures.sequences(50, 3);
        String path = SequenceFixtures.write(spark, tmp.resolve("seq-8"), SequenceFixtures.rows(seqs), SequenceFixtures.SCHEMA);
        CachedExamples cached = read(config(), path);
        try {
            assertThat(cached.count()).isEqualTo(50);
            assertThat(cached.partitions()).isEqualTo(3);
            List<ExampleBlock> blocks = cached.blocks().collect();
            int seen = 0;
            for (ExampleBlock b : blocks) {
                assertThat(b.isTokens()).isTrue();
                assertThat(b.featureCount()).isEqualTo(8);
                for (int r = 0; r < b.size(); r++) {
                    int[] expected = seqs.get((int) b.id(r));
                    assertThat(java.util.Arrays.copyOfRange(b.tokens(), r * 8, r * 8 + 8)).containsExactly(java.util.Arrays.copyOf(expected, 8));
                    assertThat(b.length(r)).isEqualTo(expected[8]);
                    seen++;
                }
            }
            assertThat(seen).isEqualTo(50);
        } finally {
            cached.release();
        }
    }

    /** Row 2 of the file made bad in one way; the message names the file, row 2 and the column. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "id outside the vocabulary | 2,5,40,3,0,0,0,0 | 4 | column 'input_ids' value 2 is token id 40, outside the vocabulary [0, 40)",
        "negative id               | 2,-1,6,3,0,0,0,0 | 4 | column 'input_ids' value 1 is token id -1",
        "too many ids              | 2,5,6,3,0,0,0,0,0 | 4 | column 'input_ids' has 9 token ids; expected exactly 8",
        "too few ids               | 2,5,3 | 3 | column 'input_ids' has 3 token ids; expected exactly 8",
        "length 0                  | 2,5,6,3,0,0,0,0 | 0 | column 'length' is 0; expected the number of real tokens, 1..8",
        "length above L            | 2,5,6,3,0,0,0,0 | 9 | column 'length' is 9",
        "token after the length    | 2,5,6,3,7,0,0,0 | 4 | column 'input_ids' value 4 is token id 7 after the sequence's length 4",
    })
    void badRowsAreNamed(String name, String ids, int length, String expected) {
        List<Row> rows = SequenceFixtures.rows(SequenceFixtures.sequences(5, 4));
        rows.set(2, RowFactory.create(java.util.Arrays.stream(ids.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray(), length));
        String path = SequenceFixtures.write(spark, tmp.resolve("bad"), rows, SequenceFixtures.SCHEMA);
        assertThatThrownBy(() -> read(config(), path))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("row 2 (0-based, in file order)")
                .hasMessageContaining(".parquet")
                .hasMessageContaining(expected);
    }

    @Test
    void nullIdsAndWrongColumnsAreNamed() {
        StructType nullable = new StructType()
                .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, true), true)
                .add("length", DataTypes.IntegerType, true);
        List<Row> rows = SequenceFixtures.rows(SequenceFixtures.sequences(4, 5));
        rows.set(1, RowFactory.create(null, 4));
        String path = SequenceFixtures.write(spark, tmp.resolve("null"), rows, nullable);
        assertThatThrownBy(() -> read(config(), path)).isInstanceOf(DataException.class)
                .hasMessageContaining("row 1 (0-based, in file order): column 'input_ids' is empty (null)");

        StructType floats = new StructType()
                .add("input_ids", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add("length", DataTypes.IntegerType, false);
        List<Row> floatRows = List.of(RowFactory.create(new float[] {2, 5, 3, 0, 0, 0, 0, 0}, 3));
        String floatPath = SequenceFixtures.write(spark, tmp.resolve("floats"), floatRows, floats);
        assertThatThrownBy(() -> read(config(), floatPath)).isInstanceOf(DataException.class)
                .hasMessageContaining("column 'input_ids' has type array<float>; expected array<int>");

        StructType noLength = new StructType().add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false);
        String noLengthPath = SequenceFixtures.write(spark, tmp.resolve("nolength"),
                List.of(RowFactory.create(new int[] {2, 5, 3, 0, 0, 0, 0, 0})), noLength);
        assertThatThrownBy(() -> read(config(), noLengthPath)).isInstanceOf(DataException.class)
                .hasMessageContaining("no column 'length'");
    }

    @Test
    void theTrainerRefusesBadTokenDataAndAModelThatDoesNotFitBeforeWritingAnything() {
        List<Row> rows = SequenceFixtures.rows(SequenceFixtures.sequences(30, 6));
        rows.set(17, RowFactory.create(new int[] {2, 5, 99, 3, 0, 0, 0, 0}, 4));
        String bad = SequenceFixtures.write(spark, tmp.resolve("bad"), rows, SequenceFixtures.SCHEMA);
        String net = SequenceFixtures.networkFile(tmp.resolve("net"), SequenceFixtures.network(1));
        Path out = tmp.resolve("run");
        RunConfig c = TestSpark.config(out, "data.format=tokens", "data.tokens.sequence-length=8", "model.classes=" + SequenceFixtures.V,
                "data.train=\"" + bad + "\"", "model.config-file=\"" + net + "\"", "training.global-batch=8", "training.micro-batch=4");
        assertThatThrownBy(() -> new dev.sparklamb.spark.train.SparkTrainer(spark, c).fit()).isInstanceOf(DataException.class)
                .hasMessageContaining("row 17 (0-based, in file order): column 'input_ids' value 2 is token id 99");
        assertThat(out).doesNotExist();

        String wide = SequenceFixtures.networkFile(tmp.resolve("wide"), SequenceFixtures.network(1, SequenceFixtures.V + 1));
        RunConfig w = TestSpark.config(out, "data.format=tokens", "data.tokens.sequence-length=8", "model.classes=" + SequenceFixtures.V,
                "data.train=\"" + bad + "\"", "model.config-file=\"" + wide + "\"", "training.global-batch=8", "training.micro-batch=4");
        assertThatThrownBy(() -> new dev.sparklamb.spark.train.SparkTrainer(spark, w).fit()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("gives output of shape [1, 41, 8]").hasMessageContaining("needs [1, 40, 8]");
        assertThat(out).doesNotExist();
    }

    @Test
    void textImportJsonMustAgreeWithTheConfiguration() throws java.io.IOException {
        Path dir = tmp.resolve("import");
        java.nio.file.Files.createDirectories(dir.resolve("seq-8").resolve("train"));
        java.nio.file.Files.writeString(dir.resolve("text-import.json"), "{\"vocabulary\": {\"file\": \"vocab.txt\", \"size\": 40, "
                + "\"specialTokens\": {\"[PAD]\": 0, \"[UNK]\": 1, \"[CLS]\": 2, \"[SEP]\": 3, \"[MASK]\": 4}}, "
                + "\"sequenceLengths\": [8, 16]}");
        String train = dir.resolve("seq-8").resolve("train").toUri().toString();
        org.apache.hadoop.conf.Configuration hadoop = new org.apache.hadoop.conf.Configuration();
        dev.sparklamb.spark.config.TokenSettings ok = config().data().tokens();
        dev.sparklamb.spark.data.TextImportInfo.requireConsistent(train, ok, 8, 40, hadoop); // agrees: nothing thrown
        assertThatThrownBy(() -> dev.sparklamb.spark.data.TextImportInfo.requireConsistent(train, ok, 8, 41, hadoop))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("spark-lamb.model.classes is 41")
                .hasMessageContaining("has 40 tokens");
        assertThatThrownBy(() -> dev.sparklamb.spark.data.TextImportInfo.requireConsistent(train,
                config("data.tokens.mask-id=103").data().tokens(), 8, 40, hadoop))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("spark-lamb.data.tokens.mask-id is 103")
                .hasMessageContaining("gives [MASK] the id 4");
        assertThatThrownBy(() -> dev.sparklamb.spark.data.TextImportInfo.requireConsistent(train, ok, 12, 40, hadoop))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("the sequence length 12").hasMessageContaining("[8,16]");
        // another layout: nothing to check
        dev.sparklamb.spark.data.TextImportInfo.requireConsistent(tmp.resolve("elsewhere").toUri().toString(), ok, 12, 41, hadoop);
    }

    @Test
    void tokenSettingsAreValidatedNamingTheKey() {
        assertThatThrownBy(() -> TestSpark.config(tmp.resolve("o"), "data.format=tokens"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("spark-lamb.data.tokens.sequence-length must be set");
        assertThatThrownBy(() -> TestSpark.config(tmp.resolve("o"), "data.format=tokens", "data.tokens.sequence-length=8",
                "data.tokens.mask-id=3"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("spark-lamb.data.tokens.mask-id and spark-lamb.data.tokens.sep-id");
        assertThatThrownBy(() -> TestSpark.config(tmp.resolve("o"), "data.tokens.mask-fraction=1.5"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("spark-lamb.data.tokens.mask-fraction");
        assertThatThrownBy(() -> TestSpark.config(tmp.resolve("o"), "data.tokens.pad-idd=1"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("unknown configuration key 'spark-lamb.data.tokens.pad-idd'");
        assertThatThrownBy(() -> TestSpark.config(tmp.resolve("o"), "data.tokens.mask-fraction=0.2"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("spark-lamb.data.tokens.* apply only with spark-lamb.data.format = tokens");
        assertThatThrownBy(() -> config("data.features-column=ids"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("spark-lamb.data.features-column and label-column are not used");
        RunConfig c = config("data.tokens.mask-id=45");
        assertThatThrownBy(() -> c.data().tokens().requireWithin(c.model().classes()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("spark-lamb.data.tokens.mask-id is 45, outside the vocabulary of 40");
    }
}
