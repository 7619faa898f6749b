package dev.sparklamb.spark.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import scala.Tuple2;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * {@link ExampleBlock#gatherFeatures} copies the chosen rows' features in order, for short and long rows alike; and the
 * memory cache's block ({@link PartitionBlocks#inMemory}) of byte-encodable values gives bitwise the floats of the
 * float32 block built from the same values, while holding them as bytes, also after Spark serialized it (a block
 * spilled by {@code MEMORY_AND_DISK}, or fetched by another executor).
 */
class ExampleBlockGatherTest {

    @ParameterizedTest(name = "{0} features per row")
    @ValueSource(ints = {1, 4, 63, 64, 100})
    void gathersTheChosenRowsInOrder(int featureCount) {
        int rows = 9;
        float[] features = new float[rows * featureCount];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < featureCount; k++) {
                features[r * featureCount + k] = r * 1000 + k; // row r, feature k
            }
        }
        ExampleBlock block = new ExampleBlock(0, featureCount, new long[rows], features, new int[rows]);
        int[] chosen = {8, 5, 2, 7, 0};
        float[] dst = new float[3 * featureCount];
        block.gatherFeatures(chosen, 1, 3, dst); // rows 5, 2, 7
        int[] expectedRows = {5, 2, 7};
        for (int i = 0; i < 3; i++) {
            for (int k = 0; k < featureCount; k++) {
                assertThat(dst[i * featureCount + k]).as("row %d feature %d", i, k).isEqualTo(expectedRows[i] * 1000f + k);
            }
        }
    }

    /** The memory cache's block of {@code values} (row i has id 10 i), its rows handed over in reverse order. */
    static ExampleBlock memoryCacheBlock(float[][] values, int featureCount) {
        List<Tuple2<Integer, DecodedRow>> rows = new ArrayList<>();
        for (int i = values.length - 1; i >= 0; i--) {
            rows.add(new Tuple2<>(3, new DecodedRow(10L * i, values[i].clone(), i % 7, "test", null)));
        }
        return PartitionBlocks.inMemory(3, featureCount, false, rows.iterator());
    }

    /** The float32 block of the same rows, as a single process would hold them. */
    static ExampleBlock float32Block(float[][] values, int featureCount) {
        long[] ids = new long[values.length];
        int[] labels = new int[values.length];
        float[] flat = new float[values.length * featureCount];
        for (int i = 0; i < values.length; i++) {
            ids[i] = 10L * i;
            labels[i] = i % 7;
            System.arraycopy(values[i], 0, flat, i * featureCount, featureCount);
        }
        return new ExampleBlock(3, featureCount, ids, flat, labels);
    }

    /** Asserts that both blocks give bitwise the same features, ids and labels for a shuffled selection of rows. */
    static void assertSameRows(ExampleBlock actual, ExampleBlock expected) {
        int n = expected.size();
        int d = expected.featureCount();
        assertThat(actual.size()).isEqualTo(n);
        assertThat(actual.featureCount()).isEqualTo(d);
        int[] rows = DiskRowsTest.shuffledRows(n);
        float[] a = new float[(n - 2) * d];
        float[] b = new float[a.length];
        actual.gatherFeatures(rows, 2, n - 2, a);
        expected.gatherFeatures(rows, 2, n - 2, b);
        for (int k = 0; k < a.length; k++) {
            assertThat(Float.floatToRawIntBits(a[k])).as("value %d", k).isEqualTo(Float.floatToRawIntBits(b[k]));
        }
        for (int r = 0; r < n; r++) {
            assertThat(actual.id(r)).isEqualTo(expected.id(r));
            assertThat(actual.label(r)).isEqualTo(expected.label(r));
        }
    }

    @ParameterizedTest(name = "{0} features per row, {1}")
    @CsvSource({"1, scaled_byte", "4, scaled_byte", "63, scaled_byte", "64, scaled_byte", "100, scaled_byte",
        "1, integer_byte", "4, integer_byte", "63, integer_byte", "64, integer_byte", "100, integer_byte"})
    void byteEncodedBlockGathersTheFloat32BlocksFloats(int featureCount, String encoding) {
        Random r = new Random(featureCount);
        float[][] values = new float[40][featureCount];
        for (float[] row : values) {
            for (int k = 0; k < featureCount; k++) {
                int b = r.nextInt(256);
                row[k] = encoding.equals("scaled_byte") ? b / 255f : (float) b;
            }
        }
        values[0][0] = encoding.equals("scaled_byte") ? 1f / 255f : 2f; // not 0 or 1: only one of the two encodings holds
        ExampleBlock memory = memoryCacheBlock(values, featureCount);
        assertThat(memory.storage()).isEqualTo("memory " + encoding + ", " + 40 * featureCount + " bytes");
        ExampleBlock float32 = float32Block(values, featureCount);
        assertThat(float32.storage()).isEqualTo("memory float32, " + 4 * 40 * featureCount + " bytes");
        assertSameRows(memory, float32);
    }

    @ParameterizedTest(name = "one value {0}")
    @ValueSource(floats = {0.5f, 0.25f, -0.0f, Float.NaN, Float.POSITIVE_INFINITY, 256f, -1f})
    void oneValueWithoutAByteKeepsFloat32(float odd) {
        float[][] values = DiskRowsTest.values(b -> b, b -> b / 255f);
        values[DiskRowsTest.N / 2][5] = odd;
        ExampleBlock memory = memoryCacheBlock(values, DiskRowsTest.D);
        assertThat(memory.storage()).startsWith("memory float32, ");
        assertSameRows(memory, float32Block(values, DiskRowsTest.D));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"kryo", "java"})
    void byteEncodedBlockSurvivesSparksSerializers(String serializer) {
        float[][] values = DiskRowsTest.values(b -> b, b -> b / 255f);
        ExampleBlock memory = memoryCacheBlock(values, DiskRowsTest.D);
        SparkConf conf = new SparkConf();
        SerializerInstance instance = serializer.equals("kryo") ? new KryoSerializer(conf).newInstance() : new JavaSerializer(conf).newInstance();
        ClassTag<ExampleBlock> tag = ClassTag$.MODULE$.apply(ExampleBlock.class);
        ExampleBlock copy = instance.deserialize(instance.serialize(memory, tag), tag);
        assertThat(copy.storage()).isEqualTo(memory.storage()).startsWith("memory scaled_byte, ");
        assertSameRows(copy, float32Block(values, DiskRowsTest.D));
    }
}
