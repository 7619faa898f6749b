package dev.sparklamb.submit;

/** The process exit codes, distinct per kind of failure so schedulers can react (documented in README.md). */
public enum ExitCode {
    SUCCESS(0, "success"),
    FAILURE(1, "infrastructure or unexpected failure (Spark, file system, bug)"),
    BAD_CONFIGURATION(2, "bad configuration or command line"),
    BAD_DATA(3, "bad input data"),
    DIVERGED(4, "training diverged (non-finite gradient)"),
    LEASE_HELD(5, "another run holds the output directory's lease (or took it over); nothing was changed");

    public final int code;
    public final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }
}
