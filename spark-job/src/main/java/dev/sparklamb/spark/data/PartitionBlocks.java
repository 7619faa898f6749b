package dev.sparklamb.spark.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import scala.Tuple2;

/** Builds one partition's {@link ExampleBlock} from its decoded rows, for each kind of block and cache. */
final class PartitionBlocks {

    private PartitionBlocks() {
    }

    /** {@code data.cache = disk}: streams a partition's rows, sorted by id, into its file; the heap keeps ids and labels. */
    static ExampleBlock written(int partition, int width, boolean tokens, java.util.Iterator<Tuple2<Long, DecodedRow>> rows) {
        IdsAndLabels kept = new IdsAndLabels();
        try (DiskRows.Writer file = new DiskRows.Writer(width, tokens)) {
            while (rows.hasNext()) {
                DecodedRow r = rows.next()._2();
                kept.add(r.id(), r.label());
                if (tokens) {
                    file.addTokens(r.tokenIds());
                } else {
                    file.addFeatures(r.features());
                }
            }
            return ExampleBlock.onDisk(partition, width, kept.ids(), kept.labels(), file.finish());
        }
    }

    /** Ids and labels (or lengths) of a partition's rows, growing as they stream in. */
    private static final class IdsAndLabels {
        private long[] ids = new long[1024];
        private int[] labels = new int[1024];
        private int size;

        void add(long id, int label) {
            if (size == ids.length) {
                int grown = Math.addExact(size, size >> 1);
                ids = Arrays.copyOf(ids, grown);
                labels = Arrays.copyOf(labels, grown);
            }
            ids[size] = id;
            labels[size++] = label;
        }

        long[] ids() {
            return Arrays.copyOf(ids, size);
        }

        int[] labels() {
            return Arrays.copyOf(labels, size);
        }
    }

    /**
     * {@code data.cache = memory}: a partition's rows sorted by id into one in-memory block (features or token ids);
     * features as one byte per value when every value allows a {@link ByteEncoding} (found before the block's array is
     * allocated, so the float32 form never exists beside the bytes), else as float32.
     */
    static ExampleBlock inMemory(int partition, int featureCount, boolean tokens, java.util.Iterator<Tuple2<Integer, DecodedRow>> rows) {
        List<DecodedRow> list = new ArrayList<>();
        rows.forEachRemaining(t -> list.add(t._2()));
        list.sort(Comparator.comparingLong(DecodedRow::id));
        if (tokens) {
            return tokenBlock(partition, featureCount, list);
        }
        int n = list.size();
        long[] ids = new long[n];
        int[] y = new int[n];
        ByteEncoding.Detector detector = new ByteEncoding.Detector();
        for (int i = 0; i < n; i++) {
            DecodedRow r = list.get(i);
            ids[i] = r.id();
            y[i] = r.label();
            detector.add(r.features(), 0, featureCount);
        }
        java.util.Optional<ByteEncoding> encoding = detector.encoding();
        if (encoding.isPresent()) {
            ByteEncoding e = encoding.get();
            byte[] x = new byte[n * featureCount];
            for (int i = 0; i < n; i++) {
                float[] f = list.get(i).features();
                int d = i * featureCount;
                for (int k = 0; k < featureCount; k++) {
                    x[d + k] = e.encode(f[k]);
                }
            }
            return ExampleBlock.compact(partition, featureCount, ids, e, x, y);
        }
        float[] x = new float[n * featureCount];
        for (int i = 0; i < n; i++) {
            System.arraycopy(list.get(i).features(), 0, x, i * featureCount, featureCount);
        }
        return new ExampleBlock(partition, featureCount, ids, x, y);
    }

    private static ExampleBlock tokenBlock(int partition, int length, List<DecodedRow> list) {
        long[] ids = new long[list.size()];
        int[] tokens = new int[list.size() * length];
        int[] lengths = new int[list.size()];
        for (int i = 0; i < list.size(); i++) {
            DecodedRow r = list.get(i);
            ids[i] = r.id();
            System.arraycopy(r.tokenIds(), 0, tokens, i * length, length);
            lengths[i] = r.label();
        }
        return ExampleBlock.ofTokens(partition, length, ids, tokens, lengths);
    }

    /** The labelled sequence rows of one partition as an {@link ExampleBlock#ofSequences} block, sorted by id. */
    static ExampleBlock sequences(int partition, int featureSize, int length,
                                              java.util.Iterator<Tuple2<Integer, DecodedRow>> rows) {
        List<DecodedRow> list = new ArrayList<>();
        rows.forEachRemaining(t -> list.add(t._2()));
        list.sort(Comparator.comparingLong(DecodedRow::id));
        int n = list.size();
        int values = featureSize * length;
        long[] ids = new long[n];
        float[] x = new float[Math.multiplyExact(n, values)];
        int[] labels = new int[n * length];
        byte[] mask = new byte[n * length];
        for (int i = 0; i < n; i++) {
            DecodedRow r = list.get(i);
            ids[i] = r.id();
            System.arraycopy(r.features(), 0, x, i * values, values);
            System.arraycopy(r.stepLabels(), 0, labels, i * length, length);
            System.arraycopy(r.stepMask(), 0, mask, i * length, length);
        }
        return ExampleBlock.ofSequences(partition, featureSize, length, ids, x, labels, mask);
    }
}
