package dev.sparklamb.spark.bench.sweep;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Renders the sweep's result files into {@code docs/results.md} and {@code docs/plots/*.png}: the hand-written
 * {@code docs/results-intro.md} (method, commands, caveats), then tables and plots generated here. Every number in
 * the generated part comes from a result file; cells without a result say so.
 *
 * <p>Arguments: {@code results-dir docs-dir}.
 */
public final class SweepReport {

    static final List<String> OPTIMIZERS = List.of("lamb", "lars", "adamw", "adam");
    /** Training-set size of both data sets (MNIST and Fashion-MNIST). */
    static final int TRAINING_EXAMPLES = 60000;
    static final List<String> PEERS = List.of(SweepRun.DL4J_FIT, SweepRun.DL4J_PARAM_AVG, SweepRun.DL4J_SHARED);

    private final List<RunResult> all;
    private final StringBuilder md = new StringBuilder();

    SweepReport(List<RunResult> all) {
        this.all = all;
    }

    public static void main(String[] args) throws IOException {
        Path docs = Path.of(args[1]);
        SweepReport report = new SweepReport(new ResultStore(Path.of(args[0])).readAll());
        String text = report.render(docs.resolve("plots"));
        Path intro = docs.resolve("results-intro.md");
        String header = Files.exists(intro) ? Files.readString(intro) + "\n" : "# Batch-size sweep results\n\n";
        Files.writeString(docs.resolve("results.md"), header + text, StandardCharsets.UTF_8);
        System.out.println("wrote " + docs.resolve("results.md") + " from " + report.all.size() + " result files");
    }

    String render(Path plots) throws IOException {
        for (String dataset : List.of("fashion", "mnist")) {
            for (String model : List.of("mlp", "lenet")) {
                List<RunResult> ours = ours(dataset, model);
                if (ours.isEmpty() && peers(dataset, model).isEmpty()) {
                    continue;
                }
                section(dataset, model, ours, plots);
            }
        }
        failures();
        return md.toString();
    }

    private void section(String dataset, String model, List<RunResult> ours, Path plots) throws IOException {
        String name = (dataset.equals("fashion") ? "Fashion-MNIST" : "MNIST") + ", " + model.toUpperCase(Locale.ROOT);
        String slug = dataset + "-" + model;
        h("## " + name);
        grid(ours);
        List<RunResult> chosen = chosenPerBatch(ours);
        batches(chosen);
        claim(chosen);
        verdict(chosen);
        tries(dataset, model, chosen);
        peerTable(dataset, model, chosen);
        SweepPlots.accuracyVsBatch(plots.resolve("accuracy-vs-batch-" + slug + ".png"),
                name + ": final test accuracy vs global batch (" + SweepPlan.EPOCHS + " epochs)", OPTIMIZERS, chosen);
        List<RunResult> at32k = chosen.stream().filter(r -> r.run().globalBatch() == 32768
                && (r.run().optimizer().equals("lamb") || r.run().optimizer().equals("adamw"))).toList();
        SweepPlots.curves(plots.resolve("curves-32k-accuracy-" + slug + ".png"), name + ": LAMB vs AdamW at batch 32768",
                "test accuracy (%)", at32k, TRAINING_EXAMPLES, p -> 100 * p.testAccuracy());
        SweepPlots.curves(plots.resolve("curves-32k-loss-" + slug + ".png"), name + ": LAMB vs AdamW at batch 32768",
                "training loss (mean since previous evaluation)", at32k, TRAINING_EXAMPLES, CurvePoint::trainLoss);
        line("Plots: ![accuracy vs batch](plots/accuracy-vs-batch-" + slug + ".png)");
        if (!at32k.isEmpty()) {
            line("![test accuracy, 32K](plots/curves-32k-accuracy-" + slug + ".png) ![training loss, 32K](plots/curves-32k-loss-" + slug + ".png)");
        }
        line("");
    }

    private void grid(List<RunResult> ours) {
        List<RunResult> grid = ours.stream().filter(r -> r.run().globalBatch() == SweepPlan.BASE_BATCH).toList();
        if (grid.isEmpty()) {
            return;
        }
        h("### Learning-rate grid at batch 512 (the only tuning)");
        boolean incomplete = false;
        line("| optimizer | base lr | final acc. | best acc. | chosen |");
        line("|---|---|---|---|---|");
        for (String opt : OPTIMIZERS) {
            SweepRun probe = SweepRun.ours(grid.get(0).run().dataset(), grid.get(0).run().model(), opt, 2048, Double.NaN, SweepPlan.EPOCHS);
            boolean growing = GridChoice.extension(all, probe).isPresent();
            boolean resolved = GridChoice.resolve(all, probe).isPresent();
            Optional<RunResult> best = growing || resolved ? GridChoice.best(all, probe) : Optional.empty();
            List<RunResult> rows = rows(grid, opt);
            incomplete |= !growing && !resolved && !rows.isEmpty();
            for (RunResult r : rows) {
                boolean chosen = best.map(b -> b.id().equals(r.id())).orElse(false);
                boolean edge = r == rows.get(0) || r == rows.get(rows.size() - 1);
                boolean added = !SweepPlan.GRID.get(opt).contains(r.run().baseLearningRate());
                String mark = !chosen ? "" : growing ? "**yes, for now** (an end of the rates run: the next `bench/sweep.sh` run of this subset grows the grid)"
                        : "**yes**" + (edge ? " (an end of the rates run, after growing " + GridChoice.MAX_EXTENSIONS + "x at most: not bracketed)" : "");
                line(String.format(Locale.ROOT, "| %s | %s%s | %s | %s | %s |", opt, rate(r.run().baseLearningRate()), added ? " (grid grown)" : "",
                        pct(r.finalAccuracy()), pct(r.bestAccuracy()), mark));
            }
        }
        line("");
        if (incomplete) {
            line("No grid was run here (one fixed rate per optimizer, `SweepPlan.LENET_RATE` for LeNet): nothing is chosen, and the larger "
                    + "batches use the same fixed rate.");
            line("");
        }
    }

    private static List<RunResult> rows(List<RunResult> grid, String opt) {
        return grid.stream().filter(r -> r.run().optimizer().equals(opt)).sorted(Comparator.comparingDouble(r -> r.run().baseLearningRate())).toList();
    }

    private void batches(List<RunResult> chosen) {
        if (chosen.isEmpty()) {
            return;
        }
        h("### Our trainer: every optimizer at every global batch (batch-512 row = the chosen grid point)");
        line("| optimizer | global batch | steps | peak lr | final acc. | best acc. | train s | examples/s | s to "
                + pct(chosen.get(0).targetAccuracy()) + " |");
        line("|---|---|---|---|---|---|---|---|---|");
        for (RunResult r : chosen) {
            line(String.format(Locale.ROOT, "| %s | %d | %d | %.4g | %s | %s | %.1f | %.0f | %s |", r.run().optimizer(), r.run().globalBatch(),
                    r.steps(), r.peakLearningRate(), pct(r.finalAccuracy()), pct(r.bestAccuracy()), r.trainSeconds(), r.examplesPerSecond(),
                    r.secondsToTarget() == null ? "not reached" : String.format(Locale.ROOT, "%.1f", r.secondsToTarget())));
        }
        line("");
    }

    private void claim(List<RunResult> chosen) {
        h("### Does accuracy hold as the batch grows? (final test accuracy, points relative to the same optimizer at 512)");
        line("| optimizer | 512 | 2K | 8K | 16K | 32K |");
        line("|---|---|---|---|---|---|");
        for (String opt : OPTIMIZERS) {
            Optional<RunResult> base = find(chosen, opt, SweepPlan.BASE_BATCH);
            if (base.isEmpty()) {
                continue;
            }
            StringBuilder row = new StringBuilder("| " + opt + " | " + pct(base.get().finalAccuracy()));
            for (int b : List.of(2048, 8192, 16384, 32768)) {
                row.append(" | ").append(find(chosen, opt, b).map(r -> String.format(Locale.ROOT, "%s (%+.2f)", pct(r.finalAccuracy()),
                        100 * (r.finalAccuracy() - base.get().finalAccuracy()))).orElse("no run"));
            }
            line(row + " |");
        }
        line("");
    }

    /** The issue's accuracy targets, stated from the numbers of this section. */
    private void verdict(List<RunResult> chosen) {
        Optional<RunResult> lamb512 = find(chosen, "lamb", SweepPlan.BASE_BATCH);
        if (lamb512.isEmpty() || chosen.stream().noneMatch(r -> r.run().globalBatch() >= 16384)) {
            return;
        }
        h("### Targets");
        for (int b : List.of(16384, 32768)) {
            Optional<RunResult> lamb = find(chosen, "lamb", b);
            Optional<RunResult> adamw = find(chosen, "adamw", b);
            Optional<RunResult> adamw512 = find(chosen, "adamw", SweepPlan.BASE_BATCH);
            if (lamb.isPresent()) {
                double gap = 100 * (lamb512.get().finalAccuracy() - lamb.get().finalAccuracy());
                line(String.format(Locale.ROOT, "- LAMB at %d: %s, %.2f points below its batch-512 accuracy %s%s.", b,
                        pct(lamb.get().finalAccuracy()), gap, pct(lamb512.get().finalAccuracy()),
                        b == 16384 ? (gap <= 1.0 ? ": within 1.0 point, **target met**" : ": not within 1.0 point, **target missed**") : ""));
            }
            if (adamw.isPresent() && adamw512.isPresent()) {
                line(String.format(Locale.ROOT, "- AdamW at %d: %s, %.2f points below its batch-512 accuracy %s.", b,
                        pct(adamw.get().finalAccuracy()), 100 * (adamw512.get().finalAccuracy() - adamw.get().finalAccuracy()),
                        pct(adamw512.get().finalAccuracy())));
            }
            if (lamb.isPresent() && adamw.isPresent()) {
                boolean ahead = lamb.get().finalAccuracy() > adamw.get().finalAccuracy();
                line(String.format(Locale.ROOT, "- LAMB %s AdamW at %d by %.2f points: **%s**.", ahead ? "ahead of" : "not ahead of", b,
                        100 * (lamb.get().finalAccuracy() - adamw.get().finalAccuracy()), ahead ? "target met" : "target missed"));
            }
        }
        line("");
    }

    /** Runs with a changed recipe (SweepPlan.TRIES), beside the paper-recipe run of the same optimizer and batch. */
    private void tries(String dataset, String model, List<RunResult> chosen) {
        List<RunResult> tries = all.stream().filter(RunResult::succeeded).filter(r -> !r.run().variant().isEmpty()
                        && !r.run().variant().equals(SweepPlan.RETIME) && !r.run().variant().equals(SweepPlan.QUIET) && r.run().dataset().equals(dataset)
                        && r.run().model().equals(model))
                // only tries at the rate the (possibly grown) grid chose; older ones made with an earlier choice stay in their files
                .filter(r -> find(chosen, r.run().optimizer(), SweepPlan.BASE_BATCH).map(b -> b.run().baseLearningRate() == r.run().baseLearningRate())
                        .orElse(false))
                .sorted(Comparator.comparing((RunResult r) -> r.run().optimizer()).thenComparing(r -> r.run().variant()))
                .toList();
        if (tries.isEmpty()) {
            return;
        }
        h("### Changed recipes tried after the large-batch targets were missed");
        line("| optimizer | variant | overrides | global batch | steps | base lr | final acc. | best acc. | s to target | paper recipe (10 epochs), same batch |");
        line("|---|---|---|---|---|---|---|---|---|---|");
        for (RunResult r : tries) {
            line(String.format(Locale.ROOT, "| %s | %s | `%s` | %d | %d | %s | %s | %s | %s | %s |", r.run().optimizer(), r.run().variant(),
                    String.join(" ", r.run().overrides()), r.run().globalBatch(), r.steps(), rate(r.run().baseLearningRate()), pct(r.finalAccuracy()),
                    pct(r.bestAccuracy()), r.secondsToTarget() == null ? "not reached" : String.format(Locale.ROOT, "%.1f", r.secondsToTarget()),
                    find(chosen, r.run().optimizer(), r.run().globalBatch()).map(b -> pct(b.finalAccuracy())).orElse("no run")));
        }
        line("");
    }

    /** {@code chosen}: our runs at the grid's choice per optimizer (the only ones the ratios compare). */
    private void peerTable(String dataset, String model, List<RunResult> chosen) {
        List<RunResult> peers = peers(dataset, model);
        if (peers.isEmpty()) {
            return;
        }
        h("### DL4J's trainers on the same data, network, epochs and machine (DL4J Adam, constant lr 0.001)");
        line("| trainer | global batch | final acc. | best acc. | train s | examples/s | s to " + pct(peers.get(0).targetAccuracy()) + " |");
        line("|---|---|---|---|---|---|---|");
        for (RunResult r : peers) {
            line(String.format(Locale.ROOT, "| %s | %d | %s | %s | %.1f | %.0f | %s |", r.run().trainer(), r.run().globalBatch(),
                    pct(r.finalAccuracy()), pct(r.bestAccuracy()), r.trainSeconds(), r.examplesPerSecond(),
                    r.secondsToTarget() == null ? "not reached" : String.format(Locale.ROOT, "%.1f", r.secondsToTarget())));
        }
        line("");
        line("Settings, as each result file records them:");
        line("");
        for (RunResult r : peers) {
            line("- " + r.run().trainer() + " at " + r.run().globalBatch() + ": " + r.settings());
        }
        line("");
        ratios(chosen, peers, "Ratios (from the tables above; the runs were made at different times of a varying load)");
        retimed(dataset, model, chosen);
    }

    /**
     * The timing-relevant runs repeated back to back ({@code --subset fashion-timing}, variant {@link SweepPlan#RETIME}) and
     * those made on an otherwise idle machine with the peers' rate grid ({@code --subset fashion-quiet}), with the
     * ratios within each set.
     */
    private void retimed(String dataset, String model, List<RunResult> chosen) {
        for (String variant : List.of(SweepPlan.RETIME, SweepPlan.QUIET)) {
            List<RunResult> runs = all.stream().filter(RunResult::succeeded).filter(r -> r.run().variant().equals(variant)
                    && r.run().dataset().equals(dataset) && r.run().model().equals(model)).toList();
            if (runs.isEmpty()) {
                continue;
            }
            h(variant.equals(SweepPlan.RETIME) ? "### Timing runs repeated back to back (same configurations, closer in time and load)"
                    : "### Timing runs on an otherwise idle machine, DL4J's trainers at three learning rates each (variant 'quiet')");
            line("| trainer | optimizer | global batch | lr | final acc. | train s | examples/s | s to " + pct(runs.get(0).targetAccuracy())
                    + " | started | machine |");
            line("|---|---|---|---|---|---|---|---|---|---|");
            for (RunResult r : runs.stream().sorted(Comparator.comparing(RunResult::startedAt)).toList()) {
                boolean earlier = r.run().trainer().equals(SweepRun.SPARK_LAMB) && find(chosen, r.run().optimizer(), SweepPlan.BASE_BATCH)
                        .map(b -> b.run().baseLearningRate() != r.run().baseLearningRate()).orElse(false);
                line(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %.1f | %.0f | %s | %s | %s |", r.run().trainer(), r.run().optimizer(),
                        r.run().globalBatch(), rate(r.run().baseLearningRate()) + (earlier ? " (the grid's earlier choice)" : ""), pct(r.finalAccuracy()), r.trainSeconds(), r.examplesPerSecond(),
                        r.secondsToTarget() == null ? "not reached" : String.format(Locale.ROOT, "%.1f", r.secondsToTarget()), r.startedAt(),
                        r.host()));
            }
            line("");
            ratios(runs.stream().filter(r -> r.run().trainer().equals(SweepRun.SPARK_LAMB)).toList(),
                    runs.stream().filter(r -> !r.run().trainer().equals(SweepRun.SPARK_LAMB)).toList(),
                    variant.equals(SweepPlan.RETIME) ? "Ratios among the repeated runs" : "Ratios among the idle-machine runs (each peer at its fastest setting)");
        }
    }

    private void ratios(List<RunResult> ours, List<RunResult> peers, String title) {
        List<RunResult> lamb = ours.stream().filter(r -> r.run().optimizer().equals("lamb")).toList();
        Optional<RunResult> fastestLamb = lamb.stream().filter(r -> r.secondsToTarget() != null)
                .min(Comparator.comparingDouble(RunResult::secondsToTarget));
        Optional<RunResult> fastestOurs = ours.stream().filter(r -> r.secondsToTarget() != null)
                .min(Comparator.comparingDouble(RunResult::secondsToTarget));
        Optional<RunResult> ourBestThroughput = lamb.stream().max(Comparator.comparingDouble(RunResult::examplesPerSecond));
        h("### " + title);
        for (String trainer : PEERS) {
            List<RunResult> of = peers.stream().filter(r -> r.run().trainer().equals(trainer)).toList();
            if (of.isEmpty()) {
                continue;
            }
            Optional<RunResult> fastest = of.stream().filter(r -> r.secondsToTarget() != null).min(Comparator.comparingDouble(RunResult::secondsToTarget));
            Optional<RunResult> bestThroughput = of.stream().max(Comparator.comparingDouble(RunResult::examplesPerSecond));
            if (fastestLamb.isPresent() && fastest.isPresent()) {
                line(String.format(Locale.ROOT, "- Time to target: our LAMB at its fastest batch (%d: %.1f s) vs %s at its fastest setting "
                                + "(batch %d, lr %s: %.1f s): ratio ours/theirs **%.2f**.", fastestLamb.get().run().globalBatch(),
                        fastestLamb.get().secondsToTarget(), trainer, fastest.get().run().globalBatch(), rate(fastest.get().run().baseLearningRate()),
                        fastest.get().secondsToTarget(),
                        fastestLamb.get().secondsToTarget() / fastest.get().secondsToTarget()));
                if (trainer.equals(SweepRun.DL4J_PARAM_AVG)) {
                    line(fastestLamb.get().secondsToTarget() < fastest.get().secondsToTarget()
                            ? "  Below DL4J parameter averaging: **target met**." : "  Not below DL4J parameter averaging: **target missed**.");
                }
            } else {
                line("- Time to target vs " + trainer + ": " + fastestLamb.map(r -> String.format(Locale.ROOT,
                                "our LAMB reached it at batch %d in %.1f s", r.run().globalBatch(), r.secondsToTarget())).orElse("our LAMB never reached it")
                        + "; " + (fastest.isEmpty() ? trainer + " never reached it in " + SweepPlan.EPOCHS + " epochs at any setting run"
                        : trainer + " reached it") + ".");
                if (trainer.equals(SweepRun.DL4J_PARAM_AVG) && fastestLamb.isPresent() && fastest.isEmpty()) {
                    line("  Below DL4J parameter averaging (which never got there): **target met**, but there is no finite ratio.");
                }
            }
            if (fastestOurs.isPresent() && fastest.isPresent()
                    && !fastestOurs.get().id().equals(fastestLamb.map(RunResult::id).orElse(""))) {
                line(String.format(Locale.ROOT, "  Any optimizer of ours (%s at %d: %.1f s): ratio **%.2f**.", fastestOurs.get().run().optimizer(),
                        fastestOurs.get().run().globalBatch(), fastestOurs.get().secondsToTarget(),
                        fastestOurs.get().secondsToTarget() / fastest.get().secondsToTarget()));
            }
            if (ourBestThroughput.isPresent() && bestThroughput.isPresent()) {
                line(String.format(Locale.ROOT, "- Throughput: our LAMB at its fastest batch (%d: %.0f examples/s) vs %s at its fastest (batch %d: %.0f "
                                + "examples/s): ratio ours/theirs **%.2f**.", ourBestThroughput.get().run().globalBatch(),
                        ourBestThroughput.get().examplesPerSecond(), trainer, bestThroughput.get().run().globalBatch(),
                        bestThroughput.get().examplesPerSecond(), ourBestThroughput.get().examplesPerSecond() / bestThroughput.get().examplesPerSecond()));
            }
        }
        line("");
    }

    private void failures() {
        List<RunResult> failed = all.stream().filter(r -> !r.succeeded()).toList();
        if (failed.isEmpty()) {
            return;
        }
        h("## Runs that failed");
        for (RunResult r : failed) {
            String first = r.error() == null ? "" : r.error().lines().findFirst().orElse("");
            line("- `" + r.id() + "`: " + first.replace("|", "\\|"));
        }
        line("");
    }

    /** Our trainer's runs of this data set and model, recipe unchanged. */
    private List<RunResult> ours(String dataset, String model) {
        return all.stream().filter(RunResult::succeeded).filter(r -> r.run().trainer().equals(SweepRun.SPARK_LAMB)
                && r.run().variant().isEmpty() && r.run().epochs() == SweepPlan.EPOCHS
                && r.run().dataset().equals(dataset) && r.run().model().equals(model)).toList();
    }

    private List<RunResult> peers(String dataset, String model) {
        return all.stream().filter(RunResult::succeeded).filter(r -> !r.run().trainer().equals(SweepRun.SPARK_LAMB)
                && r.run().variant().isEmpty() && r.run().epochs() == SweepPlan.EPOCHS && r.run().dataset().equals(dataset) && r.run().model().equals(model))
                .sorted(Comparator.comparing((RunResult r) -> r.run().trainer()).thenComparingInt(r -> r.run().globalBatch())).toList();
    }

    /** Per optimizer: the chosen batch-512 grid point, then the larger batches (which use its learning rate). */
    static List<RunResult> chosenPerBatch(List<RunResult> ours) {
        List<RunResult> chosen = new ArrayList<>();
        for (String opt : OPTIMIZERS) {
            List<RunResult> of = ours.stream().filter(r -> r.run().optimizer().equals(opt)).toList();
            if (of.isEmpty()) {
                continue;
            }
            SweepRun probe = of.get(0).run().withLearningRate(Double.NaN);
            Optional<RunResult> base = GridChoice.best(of, probe);
            base.ifPresent(chosen::add);
            double lr = base.map(b -> b.run().baseLearningRate()).orElse(Double.NaN);
            of.stream().filter(r -> r.run().globalBatch() != SweepPlan.BASE_BATCH && r.run().baseLearningRate() == lr)
                    .sorted(Comparator.comparingInt(r -> r.run().globalBatch())).forEach(chosen::add);
        }
        return chosen;
    }

    private static Optional<RunResult> find(List<RunResult> runs, String opt, int batch) {
        return runs.stream().filter(r -> r.run().optimizer().equals(opt) && r.run().globalBatch() == batch).findFirst();
    }

    private static String rate(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    private void h(String s) {
        md.append(s).append("\n\n");
    }

    private void line(String s) {
        md.append(s).append('\n');
    }
}
