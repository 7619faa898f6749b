package dev.sparklamb.spark.data.text;

import java.util.Arrays;

/** A growable int array (one document's token ids). */
final class IntList {

    private int[] values = new int[1024];
    private int size;

    void addAll(int[] more) {
        if (size + more.length > values.length) {
            values = Arrays.copyOf(values, Math.max(values.length * 2, size + more.length));
        }
        System.arraycopy(more, 0, values, size, more.length);
        size += more.length;
    }

    int size() {
        return size;
    }

    int[] toArray() {
        return Arrays.copyOf(values, size);
    }
}
