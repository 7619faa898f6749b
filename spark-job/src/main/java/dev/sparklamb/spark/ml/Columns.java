package dev.sparklamb.spark.ml;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Schema checks and feature decoding shared by {@link LambClassifier} and {@link LambClassificationModel}: every error
 * names the column (and the Param that chose it) and what was expected.
 */
final class Columns {

    private Columns() {
    }

    /** Index of the features column; it must hold a Spark ML vector or an array of numbers. */
    static int requireFeatures(StructType schema, String column) {
        int i = index(schema, column, "featuresCol");
        DataType type = schema.fields()[i].dataType();
        boolean ok = type instanceof VectorUDT || type instanceof ArrayType a && a.elementType() instanceof NumericType;
        if (!ok) {
            throw new IllegalArgumentException("features column '" + column + "' (featuresCol) has type " + type.simpleString()
                    + "; expected a Spark ML vector or an array of numbers (array<float>, array<double>)");
        }
        return i;
    }

    /** The label column must exist and be numeric (integer class indices, or whole-valued doubles). */
    static void requireLabel(StructType schema, String column, int classes) {
        int i = index(schema, column, "labelCol");
        DataType type = schema.fields()[i].dataType();
        if (!(type instanceof NumericType)) {
            throw new IllegalArgumentException("label column '" + column + "' (labelCol) has type " + type.simpleString()
                    + "; expected numeric class indices 0.." + (classes - 1) + " (index strings with StringIndexer first)");
        }
    }

    /** {@code schema} with the non-empty output columns appended, in Spark's order: raw prediction, probability, prediction. */
    static StructType withOutputs(StructType schema, String raw, String probability, String prediction, int classes) {
        StructType out = schema;
        out = append(out, raw, "rawPredictionCol", new VectorUDT());
        out = append(out, probability, "probabilityCol", new VectorUDT());
        if (!prediction.isEmpty()) {
            requireAbsent(out, prediction, "predictionCol");
            StructField f = NominalAttribute.defaultAttr().withName(prediction).withNumValues(classes).toStructField();
            out = out.add(f);
        }
        return out;
    }

    private static StructType append(StructType schema, String column, String param, DataType type) {
        if (column.isEmpty()) {
            return schema;
        }
        requireAbsent(schema, column, param);
        return schema.add(column, type, false);
    }

    private static void requireAbsent(StructType schema, String column, String param) {
        if (Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("output column '" + column + "' (" + param + ") already exists in the input; "
                    + "choose another name with set" + Character.toUpperCase(param.charAt(0)) + param.substring(1));
        }
    }

    private static int index(StructType schema, String column, String param) {
        List<String> names = Arrays.asList(schema.fieldNames());
        int i = names.indexOf(column);
        if (i < 0) {
            throw new IllegalArgumentException("no column '" + column + "' (" + param + "); the input's columns are " + names);
        }
        return i;
    }

    /** Copies row {@code row}'s features (column {@code index}) into {@code into} at {@code offset}, checking their number. */
    static void features(Row row, int index, String column, float[] into, int offset, int count) {
        if (row.isNullAt(index)) {
            throw new IllegalArgumentException("features column '" + column + "' is null in a row; every row needs " + count + " features");
        }
        Object v = row.get(index);
        if (v instanceof Vector vector) {
            requireSize(column, vector.size(), count);
            double[] d = vector.toArray();
            for (int j = 0; j < count; j++) {
                into[offset + j] = (float) d[j];
            }
            return;
        }
        List<Object> values = row.getList(index);
        requireSize(column, values.size(), count);
        for (int j = 0; j < count; j++) {
            Object x = values.get(j);
            if (x == null) {
                throw new IllegalArgumentException("features column '" + column + "': a row has a null value at position " + j);
            }
            into[offset + j] = ((Number) x).floatValue();
        }
    }

    /** As {@link #features(Row, int, String, float[], int, int)}, from Spark's internal row (column type {@code type}). */
    static void features(InternalRow row, int index, DataType type, String column, float[] into, int offset, int count) {
        if (row.isNullAt(index)) {
            throw new IllegalArgumentException("features column '" + column + "' is null in a row; every row needs " + count + " features");
        }
        if (type instanceof VectorUDT udt) {
            Vector v = udt.deserialize(row.getStruct(index, 4));
            requireSize(column, v.size(), count);
            double[] d = v.toArray();
            for (int j = 0; j < count; j++) {
                into[offset + j] = (float) d[j];
            }
            return;
        }
        ArrayData a = row.getArray(index);
        requireSize(column, a.numElements(), count);
        DataType element = ((ArrayType) type).elementType();
        if (((ArrayType) type).containsNull()) {
            for (int j = 0; j < count; j++) {
                if (a.isNullAt(j)) {
                    throw new IllegalArgumentException("features column '" + column + "': a row has a null value at position " + j);
                }
            }
        }
        if (element instanceof FloatType) {
            System.arraycopy(a.toFloatArray(), 0, into, offset, count);
        } else if (element instanceof DoubleType) {
            double[] d = a.toDoubleArray();
            for (int j = 0; j < count; j++) {
                into[offset + j] = (float) d[j];
            }
        } else {
            for (int j = 0; j < count; j++) {
                into[offset + j] = ((Number) a.get(j, element)).floatValue();
            }
        }
    }

    private static void requireSize(String column, int size, int count) {
        if (size != count) {
            throw new IllegalArgumentException("features column '" + column + "': a row has " + size + " values; the model expects "
                    + count + " (input height x width x channels)");
        }
    }
}
