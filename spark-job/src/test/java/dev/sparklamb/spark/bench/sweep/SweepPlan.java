package dev.sparklamb.spark.bench.sweep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The run matrix of issue #7 and its named subsets, in the order they should run (most informative first, so a
 * sweep cut short by the clock still answers the main questions).
 */
public final class SweepPlan {

    /** Global batches besides the batch-512 grid. */
    public static final List<Integer> LARGE_BATCHES = List.of(16384, 32768, 8192, 2048);
    public static final int BASE_BATCH = 512;
    /** Fixed epoch budget per data set, the same for every optimizer and batch. */
    public static final int EPOCHS = 10;
    /** The batch-512 learning-rate grid per optimizer (grown by {@link GridChoice#extension} while its best rate is at an end): the only tuning. */
    public static final Map<String, List<Double>> GRID = Map.of(
            "lamb", List.of(0.002, 0.005, 0.01),
            "lars", List.of(0.005, 0.01, 0.02),
            "adamw", List.of(0.0005, 0.001, 0.002),
            "adam", List.of(0.0005, 0.001, 0.002));
    /**
     * LeNet runs without a grid (one 10-epoch run takes ~20-30 minutes on this machine's 2 cores): the middle point of
     * each optimizer's original three-point grid, fixed before any LeNet run.
     */
    static final Map<String, Double> LENET_RATE = Map.of("lamb", 0.005, "adamw", 0.001);
    /** Target accuracy for time-to-target, per data set. */
    public static final Map<String, Double> TARGET = Map.of("fashion", 0.88, "mnist", 0.98);

    private SweepPlan() {
    }

    /** Names of the subsets {@link #subset} knows, with what each holds. */
    public static Map<String, String> subsets() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("smoke", "1-epoch Fashion-MNIST MLP runs: LAMB at 8K and each DL4J peer (checks the tooling, a few minutes)");
        m.put("fashion-core", "Fashion-MNIST MLP: LAMB and AdamW grids at 512, then 16K, 32K, 8K, 2K");
        m.put("fashion-peers", "Fashion-MNIST MLP: DL4J single-process fit (Adam, 512), parameter averaging, shared training");
        m.put("fashion-lamb-tries", "Fashion-MNIST MLP: LAMB and AdamW at 16K with a changed recipe (see TRIES)");
        m.put("fashion-timing", "Fashion-MNIST MLP: the timing-relevant runs again, back to back (variant 'retime'): LAMB at 512 and "
                + "2K, AdamW at 2K, every DL4J peer");
        m.put("fashion-quiet", "Fashion-MNIST MLP, for an otherwise idle machine (variant 'quiet'): LAMB at 512 and 2K, AdamW at 2K, "
                + "then every DL4J peer at learning rates 0.001, 0.002 and 0.004 (their best setting found, not assumed)");
        m.put("fashion-rest", "Fashion-MNIST MLP: LARS grid at 512, then 16K, 32K, 8K, 2K; then the same for Adam");
        m.put("fashion", "fashion-core, fashion-peers, fashion-lamb-tries, fashion-rest, fashion-quiet");
        m.put("mnist", "the same three for MNIST");
        m.put("lenet", "Fashion-MNIST LeNet: LAMB at 512 and 16K, AdamW at 16K and 512, then both at 32K; the grid-middle rate, "
                + "no grid (~20-30 min per run on 2 CPU cores)");
        m.put("all", "fashion, mnist, lenet");
        return m;
    }

    public static List<SweepRun> subset(String name) {
        return switch (name) {
            case "smoke" -> List.of(
                    SweepRun.ours("fashion", "mlp", "lamb", 8192, 0.005, 1),
                    peer("fashion", SweepRun.DL4J_FIT, BASE_BATCH, 1),
                    peer("fashion", SweepRun.DL4J_PARAM_AVG, BASE_BATCH, 1),
                    peer("fashion", SweepRun.DL4J_SHARED, BASE_BATCH, 1));
            case "fashion-core" -> ours("fashion", "mlp", List.of("lamb", "adamw"));
            case "fashion-lamb-tries" -> tries("fashion", "mlp");
            case "fashion-timing" -> retime("fashion", "mlp");
            case "fashion-quiet" -> quiet("fashion", "mlp");
            case "fashion-rest" -> concat(ours("fashion", "mlp", List.of("lars")), ours("fashion", "mlp", List.of("adam")));
            case "fashion-peers" -> peers("fashion");
            case "fashion" -> concat(subset("fashion-core"), subset("fashion-peers"), subset("fashion-lamb-tries"), subset("fashion-rest"),
                    subset("fashion-quiet"));
            case "mnist" -> concat(ours("mnist", "mlp", List.of("lamb", "adamw")), peers("mnist"),
                    ours("mnist", "mlp", List.of("lars", "adam")));
            case "lenet" -> List.of(
                    SweepRun.ours("fashion", "lenet", "lamb", BASE_BATCH, LENET_RATE.get("lamb"), EPOCHS),
                    SweepRun.ours("fashion", "lenet", "lamb", 16384, LENET_RATE.get("lamb"), EPOCHS),
                    SweepRun.ours("fashion", "lenet", "adamw", 16384, LENET_RATE.get("adamw"), EPOCHS),
                    SweepRun.ours("fashion", "lenet", "adamw", BASE_BATCH, LENET_RATE.get("adamw"), EPOCHS),
                    SweepRun.ours("fashion", "lenet", "lamb", 32768, LENET_RATE.get("lamb"), EPOCHS),
                    SweepRun.ours("fashion", "lenet", "adamw", 32768, LENET_RATE.get("adamw"), EPOCHS));
            case "all" -> concat(subset("fashion"), subset("mnist"), subset("lenet"));
            default -> throw new IllegalArgumentException("unknown subset '" + name + "'; expected one of " + subsets().keySet());
        };
    }

    /** For each optimizer: its batch-512 grid, then the large batches with the learning rate the grid chooses. */
    static List<SweepRun> ours(String dataset, String model, List<String> optimizers) {
        List<SweepRun> runs = new ArrayList<>();
        for (String opt : optimizers) {
            for (double lr : GRID.get(opt)) {
                runs.add(SweepRun.ours(dataset, model, opt, BASE_BATCH, lr, EPOCHS));
            }
        }
        for (int batch : LARGE_BATCHES) {
            for (String opt : optimizers) {
                runs.add(SweepRun.ours(dataset, model, opt, batch, Double.NaN, EPOCHS));
            }
        }
        return runs;
    }

    /**
     * The changes tried after LAMB missed its 16K target at 10 epochs (30 steps), each for LAMB and, to keep the
     * comparison, AdamW, with the grid's rate; in this order. {@code warmup30}: the training loss rose for the three
     * steps after the 3-step warmup (steps 4-6) at 16K and 32K, so warm up over 30% of the steps instead of 10%.
     * {@code epochs30}: a 3x epoch budget (90 steps) - no longer the same budget as batch 512, it shows what the
     * fixed budget costs. {@code linear}: the peak rate scaled linearly with the batch (x32 at 16K) instead of by its square
     * root (x5.7): at 30 steps a LAMB layer moves by at most the sum of its step rates relative to its norm, and with
     * square-root scaling that sum is ~7x smaller than at batch 512 (1,170 steps). {@code peak2x} / {@code peak0.5x}:
     * square-root scaling from base batch 128 / 2048 instead of 512, i.e. twice / half the recipe's peak rate (after
     * {@code linear} diverged): how sensitive the 16K result is to the rate.
     * Variant name to configuration overrides; the run's {@code epochs} field stays the sweep's
     * budget (so the grid rate is found), the override wins.
     */
    static final List<Map.Entry<String, List<String>>> TRIES = List.of(
            Map.entry("warmup30", List.of("spark-lamb.optimizer.learning-rate.warmup-fraction=0.3")),
            Map.entry("epochs30", List.of("spark-lamb.training.epochs=30")),
            Map.entry("linear", List.of("spark-lamb.optimizer.learning-rate.scaling=linear")),
            Map.entry("peak2x", List.of("spark-lamb.optimizer.learning-rate.base-batch=128")),
            Map.entry("peak0.5x", List.of("spark-lamb.optimizer.learning-rate.base-batch=2048")));

    static List<SweepRun> tries(String dataset, String model) {
        List<SweepRun> runs = new ArrayList<>();
        for (var e : TRIES) {
            for (String opt : List.of("lamb", "adamw")) {
                runs.add(SweepRun.ours(dataset, model, opt, 16384, Double.NaN, EPOCHS).withVariant(e.getKey(), e.getValue()));
            }
        }
        return runs;
    }

    /** Variant name of runs repeated back to back so that their timings share the machine's load. */
    public static final String RETIME = "retime";

    static List<SweepRun> retime(String dataset, String model) {
        List<SweepRun> runs = new ArrayList<>(List.of(
                SweepRun.ours(dataset, model, "lamb", BASE_BATCH, Double.NaN, EPOCHS),
                SweepRun.ours(dataset, model, "lamb", 2048, Double.NaN, EPOCHS),
                SweepRun.ours(dataset, model, "adamw", 2048, Double.NaN, EPOCHS)));
        runs.addAll(peers(dataset));
        return runs.stream().map(r -> r.withVariant(RETIME, List.of())).toList();
    }

    /** Variant name of the timing runs made back to back on an otherwise idle machine, the peers with a rate grid. */
    public static final String QUIET = "quiet";
    /** DL4J Adam rates tried for every peer in the {@link #QUIET} runs: DL4J's usual 0.001 and the two our Adam grid preferred. */
    static final List<Double> PEER_RATES = List.of(0.001, 0.002, 0.004);

    static List<SweepRun> quiet(String dataset, String model) {
        List<SweepRun> runs = new ArrayList<>(List.of(
                SweepRun.ours(dataset, model, "lamb", BASE_BATCH, Double.NaN, EPOCHS),
                SweepRun.ours(dataset, model, "lamb", 2048, Double.NaN, EPOCHS),
                SweepRun.ours(dataset, model, "adamw", 2048, Double.NaN, EPOCHS)));
        for (SweepRun peer : peers(dataset)) {
            for (double lr : PEER_RATES) {
                runs.add(peer.withLearningRate(lr));
            }
        }
        return runs.stream().map(r -> r.withVariant(QUIET, List.of())).toList();
    }

    /**
     * DL4J's trainers with DL4J's Adam at a constant learning rate 0.001 (its usual setting, the middle of our Adam
     * grid): single-process fit at 512, parameter averaging at 512 and 2048 global (2 workers), shared training at 512.
     */
    static List<SweepRun> peers(String dataset) {
        return List.of(
                peer(dataset, SweepRun.DL4J_FIT, BASE_BATCH, EPOCHS),
                peer(dataset, SweepRun.DL4J_PARAM_AVG, BASE_BATCH, EPOCHS),
                peer(dataset, SweepRun.DL4J_PARAM_AVG, 2048, EPOCHS),
                peer(dataset, SweepRun.DL4J_SHARED, BASE_BATCH, EPOCHS));
    }

    private static SweepRun peer(String dataset, String trainer, int batch, int epochs) {
        return new SweepRun(dataset, "mlp", trainer, "adam", batch, 0.001, epochs, "", List.of());
    }

    @SafeVarargs
    private static List<SweepRun> concat(List<SweepRun>... parts) {
        List<SweepRun> all = new ArrayList<>();
        for (List<SweepRun> p : parts) {
            all.addAll(p);
        }
        return all;
    }
}
