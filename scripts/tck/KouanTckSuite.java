/*
 * Launcher for the Eclipse Dataspace Protocol conformance kit (DSP TCK), run by scripts/tck.sh in Java's
 * single-file source mode:  java -cp '.tools/tck/lib/*' scripts/tck/KouanTckSuite.java -config FILE
 *
 * The kit's 1.0.0-RC6 modules (the ones Maven Central serves here) ship the tests, the DSP system launcher and
 * the JUnit-based TckRuntime, but not the aggregate dsp-tck jar with its DspTckSuite main class. This file does
 * what that main class does: load the properties file, run every test in org.eclipse.dataspacetck.dsp.verification
 * through TckRuntime and print the kit's summary ("Passed tests: N" / "Failed tests: N" and the failures).
 *
 * Extra, for development only: the system property kouan.tck.only (set by scripts/tck.sh from TCK_ONLY) is a
 * regular expression over test ids written like the properties keys (MET_01_01, CAT_01_02, CN_01_03, CN_C_02_01,
 * TP_01_04, TP_C_03_06); only matching tests run.
 */

import org.eclipse.dataspacetck.core.system.ConsoleMonitor;
import org.eclipse.dataspacetck.runtime.ConsoleResultWriter;
import org.eclipse.dataspacetck.runtime.TckRuntime;

import java.io.FileReader;
import java.io.IOException;
import java.util.HashMap;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class KouanTckSuite {
    private static final String LAUNCHER_KEY = "dataspacetck.launcher";
    private static final String DEFAULT_LAUNCHER = "org.eclipse.dataspacetck.dsp.system.DspSystemLauncher";
    private static final String TEST_PACKAGE = "org.eclipse.dataspacetck.dsp.verification";
    private static final Pattern TEST_NAME = Pattern.compile("^([A-Z]+(?:_[A-Z]+)?):(\\d\\d)-(\\d\\d):");

    public static void main(String... args) throws IOException {
        if (args.length != 2 || !"-config".equals(args[0])) {
            System.err.println("usage: KouanTckSuite -config <tck.properties>");
            System.exit(2);
        }
        var properties = new HashMap<String, String>();
        try (var reader = new FileReader(args[1])) {
            var loaded = new Properties();
            loaded.load(reader);
            loaded.stringPropertyNames().forEach(k -> properties.put(k, loaded.getProperty(k).trim()));
        }
        properties.putIfAbsent(LAUNCHER_KEY, DEFAULT_LAUNCHER);

        var ansi = Boolean.parseBoolean(properties.getOrDefault(ConsoleMonitor.ANSI_PROPERTY, "false"));
        var debug = Boolean.parseBoolean(properties.getOrDefault(ConsoleMonitor.DEBUG_PROPERTY, "false"));
        properties.put(ConsoleMonitor.ANSI_PROPERTY, Boolean.toString(ansi));
        var monitor = new ConsoleMonitor(debug, ansi);

        var builder = TckRuntime.Builder.newInstance()
                .properties(properties)
                .addPackage(TEST_PACKAGE)
                .monitor(monitor);

        var only = System.getProperty("kouan.tck.only", "").trim();
        if (!only.isEmpty()) {
            var selected = Pattern.compile(only);
            builder.displayNameMatching(name -> {
                Matcher m = TEST_NAME.matcher(name);
                // containers (test classes, the engine) are kept; JUnit prunes the ones left empty
                return !m.find() || selected.matcher(m.group(1) + "_" + m.group(2) + "_" + m.group(3)).find();
            });
            monitor.message("Only tests whose id matches: " + only);
        }

        monitor.message("Running DSP TCK (Dataspace Protocol 2025-1) against " + properties.getOrDefault(
                "dataspacetck.dsp.connector.http.url", "(local connector)"));
        var result = builder.build().execute();
        new ConsoleResultWriter(monitor).output(result);
        monitor.message("Test run complete");
        // the kit's callback server and executors are not daemon threads: end the JVM explicitly
        System.exit(0);
    }
}
