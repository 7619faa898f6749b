package dev.sparklamb.spark.data;

import java.io.Serializable;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;

/**
 * Turns a {@link Row} into features and a label, checking every value. Two layouts: one array/vector column of
 * features ({@link #forArrayColumn}), or one numeric column per feature ({@link #forScalarColumns}, CSV).
 */
final class RowDecoder implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final int NO_LABEL = -1;

    private final int[] featureColumns;
    private final String[] featureNames;
    private final boolean arrayColumn;
    private final int labelColumn;
    private final String labelName;
    private final int fileColumn;
    private final int featureCount;
    private final int classes;

    private RowDecoder(int[] featureColumns, String[] featureNames, boolean arrayColumn, int labelColumn, String labelName,
                       int fileColumn, int featureCount, int classes) {
        this.featureColumns = featureColumns;
        this.featureNames = featureNames;
        this.arrayColumn = arrayColumn;
        this.labelColumn = labelColumn;
        this.labelName = labelName;
        this.fileColumn = fileColumn;
        this.featureCount = featureCount;
        this.classes = classes;
    }

    static RowDecoder forArrayColumn(StructType schema, String what, String features, String label, String fileColumn,
                                     int featureCount, int classes) {
        int f = column(schema, what, features, "the features column (spark-lamb.data.features-column)");
        DataType type = schema.fields()[f].dataType();
        boolean ok = type instanceof ArrayType a && a.elementType() instanceof NumericType
                || type instanceof UserDefinedType<?> u && u.userClass().getName().endsWith("linalg.Vector");
        if (!ok) {
            throw new DataException(what + ": column '" + features + "' has type " + type.simpleString()
                    + "; expected an array of numbers (array<float>, array<double>) or a Spark ML vector");
        }
        int l = label == null ? NO_LABEL : labelIndex(schema, what, label, classes);
        return new RowDecoder(new int[] {f}, new String[] {features}, true, l, label, schema.fieldIndex(fileColumn), featureCount, classes);
    }

    static RowDecoder forScalarColumns(StructType schema, String what, String label, String fileColumn, int featureCount, int classes) {
        int l = label == null ? NO_LABEL : labelIndex(schema, what, label, classes);
        List<Integer> cols = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < schema.fields().length; i++) {
            StructField field = schema.fields()[i];
            if (i == l || field.name().equals(fileColumn)) {
                continue;
            }
            if (!(field.dataType() instanceof NumericType)) {
                throw new DataException(what + ": column '" + field.name() + "' has type " + field.dataType().simpleString()
                        + "; every column except the label must be numeric");
            }
            cols.add(i);
            names.add(field.name());
        }
        if (cols.size() != featureCount) {
            throw new DataException(what + ": has " + cols.size() + " feature columns (all columns"
                    + (label == null ? "" : " except '" + label + "'") + "), but the model expects " + featureCount + " features per example");
        }
        return new RowDecoder(cols.stream().mapToInt(Integer::intValue).toArray(), names.toArray(new String[0]), false, l, label,
                schema.fieldIndex(fileColumn), featureCount, classes);
    }

    private static int column(StructType schema, String what, String name, String role) {
        for (int i = 0; i < schema.fields().length; i++) {
            if (schema.fields()[i].name().equals(name)) {
                return i;
            }
        }
        throw new DataException(what + ": no column '" + name + "' for " + role + "; columns are " + List.of(schema.fieldNames()));
    }

    private static int labelIndex(StructType schema, String what, String label, int classes) {
        int l = column(schema, what, label, "the label (spark-lamb.data.label-column)");
        DataType type = schema.fields()[l].dataType();
        if (!(type instanceof NumericType)) {
            throw new DataException(what + ": label column '" + label + "' has type " + type.simpleString()
                    + "; expected integer class indices 0.." + (classes - 1));
        }
        return l;
    }

    DecodedRow decode(Row row, long id) {
        String file = row.isNullAt(fileColumn) ? "?" : row.getString(fileColumn);
        float[] x = new float[featureCount];
        if (arrayColumn) {
            String problem = decodeArray(row, x);
            if (problem != null) {
                return DecodedRow.bad(id, file, problem);
            }
        } else {
            for (int j = 0; j < featureColumns.length; j++) {
                int c = featureColumns[j];
                if (row.isNullAt(c)) {
                    return DecodedRow.bad(id, file, "column '" + featureNames[j] + "' is empty (null)");
                }
                x[j] = ((Number) row.get(c)).floatValue();
                if (!Float.isFinite(x[j])) {
                    return DecodedRow.bad(id, file, "column '" + featureNames[j] + "' is " + x[j] + "; features must be finite");
                }
            }
        }
        if (labelColumn == NO_LABEL) {
            return new DecodedRow(id, x, 0, file, null);
        }
        if (row.isNullAt(labelColumn)) {
            return DecodedRow.bad(id, file, "label column '" + labelName + "' is empty (null)");
        }
        double label = ((Number) row.get(labelColumn)).doubleValue();
        if (label != Math.rint(label) || label < 0 || label >= classes) {
            return DecodedRow.bad(id, file, "label " + label + " in column '" + labelName + "' is not a class index in [0, " + classes + ")");
        }
        return new DecodedRow(id, x, (int) label, file, null);
    }

    private String decodeArray(Row row, float[] x) {
        int c = featureColumns[0];
        if (row.isNullAt(c)) {
            return "features column '" + featureNames[0] + "' is empty (null)";
        }
        Object v = row.get(c);
        double[] fromVector = v instanceof scala.collection.Seq<?> ? null : vectorValues(v);
        int n;
        if (fromVector != null) {
            n = fromVector.length;
        } else {
            n = ((scala.collection.Seq<?>) v).length();
        }
        if (n != featureCount) {
            return "features column '" + featureNames[0] + "' has " + n + " values; the model expects " + featureCount;
        }
        if (fromVector != null) {
            for (int j = 0; j < n; j++) {
                x[j] = (float) fromVector[j];
            }
        } else {
            List<Object> list = row.getList(c);
            for (int j = 0; j < n; j++) {
                Object e = list.get(j);
                if (e == null) {
                    return "features column '" + featureNames[0] + "' value " + j + " is null";
                }
                x[j] = ((Number) e).floatValue();
            }
        }
        for (int j = 0; j < n; j++) {
            if (!Float.isFinite(x[j])) {
                return "features column '" + featureNames[0] + "' value " + j + " is " + x[j] + "; features must be finite";
            }
        }
        return null;
    }

    private static double[] vectorValues(Object vector) {
        try {
            Method toArray = vector.getClass().getMethod("toArray");
            return (double[]) toArray.invoke(vector);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read features of type " + vector.getClass().getName(), e);
        }
    }
}
