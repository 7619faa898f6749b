package dev.sparklamb.optim.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link OptimizerStepBenchmark} (AverageTime, ms/op, 1 fork, 3 x 1 s warmup, 5 x 2 s measurement unless JMH
 * command-line options given as arguments say otherwise, e.g. {@code -wi 2 -i 3 -r 1s} or a benchmark regex), then
 * prints the ratios and bandwidth figures for docs/benchmarks.md. JSON results go to
 * {@code optimizer-core/target/jmh-optimizer-step.json} (or {@code target/} when run inside optimizer-core).
 */
public final class RunOptimizerStepBenchmark {

    private RunOptimizerStepBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        CommandLineOptions cli = new CommandLineOptions(args);
        if (cli.shouldHelp()) {
            cli.showHelp();
            return;
        }
        OptionsBuilder b = new OptionsBuilder();
        b.parent(cli);
        if (cli.getIncludes().isEmpty()) {
            b.include(OptimizerStepBenchmark.class.getName() + ".*");
        }
        if (!cli.getResult().hasValue()) {
            Path dir = Files.isDirectory(Path.of("optimizer-core", "target")) ? Path.of("optimizer-core", "target") : Path.of("target");
            b.result(dir.resolve("jmh-optimizer-step.json").toString());
        }
        if (!cli.getResultFormat().hasValue()) {
            b.resultFormat(ResultFormatType.JSON);
        }
        // Forks, warmup and measurement come from the annotations on OptimizerStepBenchmark unless given here.
        Runner runner = new Runner(b.build());
        if (cli.shouldList()) {
            runner.list();
            return;
        }
        Collection<RunResult> results = runner.run();
        report(results);
    }

    /** Ratios and bytes/s from whatever benchmarks ran. */
    static void report(Collection<RunResult> results) {
        Map<String, Result<?>> byName = new HashMap<>();
        for (RunResult r : results) {
            String full = r.getParams().getBenchmark();
            byName.put(full.substring(full.lastIndexOf('.') + 1), r.getPrimaryResult());
        }
        long n = BenchTensors.layout().totalLength();
        double lambBytes = OptimizerStepBenchmark.LAMB_FLOATS_PER_PARAM * 4.0 * n;
        long triadLen = (OptimizerStepBenchmark.LAMB_FLOATS_PER_PARAM * n + 2) / 3;
        double triadBytes = 3 * 4.0 * triadLen;
        StringBuilder out = new StringBuilder("\n== derived (" + n + " parameters, " + BenchTensors.layout().size() + " tensors) ==\n");
        String[] lambs = {"lambStep", "lambStep1Thread", "lambNd4jOpsStep"};
        for (String base : new String[] {"nd4jAdamStep", "nd4jAdamStepOneBlock"}) {
            Result<?> adam = byName.get(base);
            if (adam == null) {
                continue;
            }
            for (String k : new String[] {"lambStep", "lambStep1Thread", "adamwStep",
                    "nd4jAdamStepWithGradientCopy", "nd4jAdamStepOneBlock", "lambNd4jOpsStep"}) {
                if (byName.containsKey(k) && !k.equals(base)) {
                    out.append(String.format("%s / %s = %.3f%n", k, base, byName.get(k).getScore() / adam.getScore()));
                }
            }
        }
        if (byName.containsKey("lambNd4jOpsStep") && byName.containsKey("lambStep")) {
            out.append(String.format("lambNd4jOpsStep / lambStep = %.2f%n", byName.get("lambNd4jOpsStep").getScore() / byName.get("lambStep").getScore()));
        }
        for (String t : new String[] {"triad1Thread", "triad2Threads"}) {
            if (byName.containsKey(t)) {
                out.append(String.format("%s: %.2f GB/s (%.0f MB per op)%n", t, triadBytes / (byName.get(t).getScore() * 1e-3) / 1e9, triadBytes / 1e6));
            }
        }
        for (String k : lambs) {
            if (byName.containsKey(k)) {
                double gbs = lambBytes / (byName.get(k).getScore() * 1e-3) / 1e9;
                out.append(String.format("%s: %.2f GB/s (11 floats/param, %.0f MB per step)", k, gbs, lambBytes / 1e6));
                for (String t : new String[] {"triad1Thread", "triad2Threads"}) {
                    if (byName.containsKey(t)) {
                        double tgbs = triadBytes / (byName.get(t).getScore() * 1e-3) / 1e9;
                        out.append(String.format(", %.3f of %s", gbs / tgbs, t));
                    }
                }
                out.append('\n');
            }
        }
        if (byName.containsKey("adamwStep")) {
            out.append(String.format("adamwStep: %.2f GB/s (7 floats/param)%n", 28.0 * n / (byName.get("adamwStep").getScore() * 1e-3) / 1e9));
        }
        for (String k : new String[] {"nd4jAdamStep", "nd4jAdamStepOneBlock"}) {
            if (byName.containsKey(k)) {
                out.append(String.format("%s: %.2f GB/s (9 floats/param)%n", k, 36.0 * n / (byName.get(k).getScore() * 1e-3) / 1e9));
            }
        }
        if (byName.containsKey("nd4jAdamStepWithGradientCopy")) {
            out.append(String.format("nd4jAdamStepWithGradientCopy: %.2f GB/s (11 floats/param)%n",
                    44.0 * n / (byName.get("nd4jAdamStepWithGradientCopy").getScore() * 1e-3) / 1e9));
        }
        System.out.println(out);
    }
}
