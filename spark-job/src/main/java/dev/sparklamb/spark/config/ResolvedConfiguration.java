package dev.sparklamb.spark.config;

import com.typesafe.config.ConfigUtil;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Every key of a run's configuration with the value the run actually uses ({@code spark-lamb.training.epochs = 2}),
 * taken from a {@link RunConfig}: each record component is a key, named in kebab case under its section (the
 * optimizer section is {@link OptimizerValues}, every key whichever optimizer, its learning-rate keys mapped by name). Values are HOCON text, so {@link #render()} is
 * itself a configuration file that reproduces the run. A run keeps it next to its checkpoints, and a resume compares
 * it with its own ({@link ResumeChanges}).
 */
public final class ResolvedConfiguration {

    private static final String ROOT = "spark-lamb";
    /** Components of {@link OptimizerValues} whose key is not their kebab-case name. */
    private static final Map<String, String> RENAMED = Map.of(
            "optimizer.base-learning-rate", "optimizer.learning-rate.base",
            "optimizer.base-batch", "optimizer.learning-rate.base-batch",
            "optimizer.scaling", "optimizer.learning-rate.scaling",
            "optimizer.warmup-fraction", "optimizer.learning-rate.warmup-fraction",
            "optimizer.decay-power", "optimizer.learning-rate.decay-power",
            "optimizer.end-learning-rate", "optimizer.learning-rate.end");

    private final SortedMap<String, String> values;

    private ResolvedConfiguration(SortedMap<String, String> values) {
        this.values = Collections.unmodifiableSortedMap(values);
    }

    public static ResolvedConfiguration of(RunConfig config) {
        SortedMap<String, String> values = new TreeMap<>();
        addRecord(values, "", config);
        return new ResolvedConfiguration(values);
    }

    /** Reads what {@link #render()} wrote; empty when {@code text} is not such a file (damaged, or something else). */
    public static Optional<ResolvedConfiguration> parse(String text) {
        SortedMap<String, String> values = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf(" = ");
            if (eq <= 0 || !line.startsWith(ROOT + ".")) {
                return Optional.empty();
            }
            values.put(line.substring(0, eq), line.substring(eq + 3));
        }
        return values.isEmpty() ? Optional.empty() : Optional.of(new ResolvedConfiguration(values));
    }

    /** Key (full path) to value (HOCON text), sorted by key. */
    public SortedMap<String, String> values() {
        return values;
    }

    /** One {@code key = value} line per key: a valid HOCON file. */
    public String render() {
        StringBuilder s = new StringBuilder("# The resolved configuration of this run (every key, as used); written by spark-lamb.\n");
        values.forEach((k, v) -> s.append(k).append(" = ").append(v).append('\n'));
        return s.toString();
    }

    /**
     * The keys whose value differs from {@code newer}'s, each as {@code key: old -> new} ({@code (absent)} for a key
     * only one of them has), sorted by key.
     */
    public List<String> differences(ResolvedConfiguration newer) {
        SortedMap<String, String> all = new TreeMap<>(values);
        all.putAll(newer.values);
        List<String> out = new ArrayList<>();
        for (String key : all.keySet()) {
            String old = values.getOrDefault(key, "(absent)");
            String now = newer.values.getOrDefault(key, "(absent)");
            if (!old.equals(now)) {
                out.add(key + ": " + old + " -> " + now);
            }
        }
        return out;
    }

    private static void addRecord(SortedMap<String, String> values, String prefix, Record r) {
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            Object v;
            try {
                v = c.getAccessor().invoke(r);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("reading " + c, e);
            }
            String key = prefix.isEmpty() ? kebab(c.getName()) : prefix + "." + kebab(c.getName());
            if (v instanceof OptimizerSettings optimizer) {
                v = optimizer.values(); // every optimizer key, whichever optimizer
            }
            if (v instanceof Record nested) {
                addRecord(values, key, nested);
            } else {
                values.put(ROOT + "." + RENAMED.getOrDefault(key, key), hocon(v));
            }
        }
    }

    private static String hocon(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Optional<?> o) {
            return o.isPresent() ? hocon(o.get()) : "null";
        }
        if (v instanceof OptionalDouble o) {
            return o.isPresent() ? Double.toString(o.getAsDouble()) : "null"; // empty: the optimizer's own default
        }
        if (v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        if (v instanceof Record r) { // an element of a list of objects (training.next-stages): a HOCON object
            SortedMap<String, String> fields = new TreeMap<>();
            addRecord(fields, "", r);
            List<String> items = new ArrayList<>();
            fields.forEach((k, value) -> items.add(k.substring(ROOT.length() + 1) + " = " + value));
            return "{" + String.join(", ", items) + "}";
        }
        if (v instanceof List<?> list) {
            List<String> items = new ArrayList<>();
            list.forEach(item -> items.add(hocon(item)));
            return "[" + String.join(", ", items) + "]";
        }
        return ConfigUtil.quoteString(v.toString());
    }

    private static String kebab(String camel) {
        StringBuilder s = new StringBuilder();
        for (char ch : camel.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                s.append('-').append(Character.toLowerCase(ch));
            } else {
                s.append(ch);
            }
        }
        return s.toString();
    }
}
