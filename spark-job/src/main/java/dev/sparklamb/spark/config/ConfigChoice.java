package dev.sparklamb.spark.config;

import java.util.Arrays;
import java.util.List;

/**
 * A closed choice of the configuration (an enum constant) and its spelling in HOCON ({@link #key()}). Each enum's
 * {@code toString()} is its key, so messages, logs and {@code summary.json} show the value as the user writes it.
 */
public interface ConfigChoice {

    /** How the value is written in a configuration file: the constant's name in lower case, '_' as '-' (e.g. {@code "resnet-mini"}). */
    default String key() {
        return ((Enum<?>) this).name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** The keys of {@code type}'s constants, in declaration order. */
    static <E extends Enum<E> & ConfigChoice> List<String> keys(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(ConfigChoice::key).toList();
    }

    /**
     * The constant of {@code type} written {@code value}.
     *
     * @param hoconKey the configuration key's full path, for the message
     * @throws ConfigurationException naming {@code hoconKey}, the values it accepts and {@code value}
     */
    static <E extends Enum<E> & ConfigChoice> E parse(Class<E> type, String hoconKey, String value) {
        for (E e : type.getEnumConstants()) {
            if (e.key().equals(value)) {
                return e;
            }
        }
        throw new ConfigurationException(hoconKey + ": expected one of " + keys(type) + ", got '" + value + "'");
    }
}
