package dev.sparklamb.spark.data;

import dev.sparklamb.spark.config.TokenSettings;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructType;

/**
 * Turns a row of token data ({@code data.format = tokens}: columns {@value #IDS} and {@value #LENGTH}, as
 * {@code import-text} writes them) into a token sequence, checking every value: exactly L ids, each inside the
 * vocabulary, a length in {@code [1, L]}, and [PAD] at every position from the length on.
 */
final class TokenRowDecoder implements Serializable {

    private static final long serialVersionUID = 1L;

    static final String IDS = "input_ids";
    static final String LENGTH = "length";

    private final int idsColumn;
    private final int lengthColumn;
    private final int fileColumn;
    private final int sequenceLength;
    private final int vocabulary;
    private final int padId;

    private TokenRowDecoder(int idsColumn, int lengthColumn, int fileColumn, int sequenceLength, int vocabulary, int padId) {
        this.idsColumn = idsColumn;
        this.lengthColumn = lengthColumn;
        this.fileColumn = fileColumn;
        this.sequenceLength = sequenceLength;
        this.vocabulary = vocabulary;
        this.padId = padId;
    }

    /**
     * @param vocabulary the vocabulary size (ids must lie in {@code [0, vocabulary)})
     */
    static TokenRowDecoder of(StructType schema, String what, String fileColumn, TokenSettings tokens, int vocabulary) {
        int ids = column(schema, what, IDS);
        DataType idsType = schema.fields()[ids].dataType();
        if (!(idsType instanceof ArrayType a && isInteger(a.elementType()))) {
            throw new DataException(what + ": column '" + IDS + "' has type " + idsType.simpleString()
                    + "; expected array<int> (token ids, spark-lamb.data.format = tokens)");
        }
        int length = column(schema, what, LENGTH);
        DataType lengthType = schema.fields()[length].dataType();
        if (!isInteger(lengthType)) {
            throw new DataException(what + ": column '" + LENGTH + "' has type " + lengthType.simpleString()
                    + "; expected int (the number of real tokens of the sequence)");
        }
        return new TokenRowDecoder(ids, length, schema.fieldIndex(fileColumn), tokens.sequenceLength(), vocabulary, tokens.padId());
    }

    private static boolean isInteger(DataType t) {
        return t instanceof IntegerType || t instanceof LongType || t instanceof ShortType || t instanceof ByteType;
    }

    private static int column(StructType schema, String what, String name) {
        for (int i = 0; i < schema.fields().length; i++) {
            if (schema.fields()[i].name().equals(name)) {
                return i;
            }
        }
        throw new DataException(what + ": no column '" + name + "' (spark-lamb.data.format = tokens reads columns '" + IDS + "' and '"
                + LENGTH + "'); columns are " + List.of(schema.fieldNames()));
    }

    DecodedRow decode(Row row, long id) {
        String file = row.isNullAt(fileColumn) ? "?" : row.getString(fileColumn);
        if (row.isNullAt(idsColumn)) {
            return DecodedRow.bad(id, file, "column '" + IDS + "' is empty (null)");
        }
        List<Object> values = row.getList(idsColumn);
        if (values.size() != sequenceLength) {
            return DecodedRow.bad(id, file, "column '" + IDS + "' has " + values.size() + " token ids; expected exactly "
                    + sequenceLength + " (spark-lamb.data.tokens.sequence-length)");
        }
        if (row.isNullAt(lengthColumn)) {
            return DecodedRow.bad(id, file, "column '" + LENGTH + "' is empty (null)");
        }
        long length = ((Number) row.get(lengthColumn)).longValue();
        if (length < 1 || length > sequenceLength) {
            return DecodedRow.bad(id, file, "column '" + LENGTH + "' is " + length + "; expected the number of real tokens, 1.."
                    + sequenceLength);
        }
        int[] tokens = new int[sequenceLength];
        for (int j = 0; j < sequenceLength; j++) {
            Object v = values.get(j);
            if (v == null) {
                return DecodedRow.bad(id, file, "column '" + IDS + "' value " + j + " is null");
            }
            long t = ((Number) v).longValue();
            if (t < 0 || t >= vocabulary) {
                return DecodedRow.bad(id, file, "column '" + IDS + "' value " + j + " is token id " + t + ", outside the vocabulary [0, "
                        + vocabulary + ") (spark-lamb.model.classes)");
            }
            if (j >= length && t != padId) {
                return DecodedRow.bad(id, file, "column '" + IDS + "' value " + j + " is token id " + t + " after the sequence's "
                        + "length " + length + " (column '" + LENGTH + "'); expected [PAD] (spark-lamb.data.tokens.pad-id = " + padId + ")");
            }
            tokens[j] = (int) t;
        }
        return DecodedRow.tokens(id, tokens, (int) length, file);
    }
}
