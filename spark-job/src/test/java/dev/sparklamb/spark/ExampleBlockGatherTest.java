package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.data.ExampleBlock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link ExampleBlock#gatherFeatures} copies the chosen rows' features in order, for short and long rows alike. */
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
}
