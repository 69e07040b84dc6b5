package bolide.compat;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs Bolide compatibility scenarios with the official Java remoting client (4.9.x or 5.x,
 * whichever is on the class path). Prints one line per scenario:
 *
 * <pre>
 *   PASS &lt;scenario&gt; &lt;detail&gt;
 *   FAIL &lt;scenario&gt;: &lt;reason&gt;
 * </pre>
 *
 * Every scenario runs under a hard deadline; on overrun the process halts without waiting for
 * client shutdown, so a stuck client never hangs the suite.
 */
public final class Main {
    /** A scenario body: returns a one-line detail on success, throws on failure. */
    interface Body {
        String run(Env env) throws Exception;
    }

    record Scenario(Body body, int deadlineSeconds) {}

    static final Map<String, Scenario> SCENARIOS = new TreeMap<>();

    static {
        SCENARIOS.put("s01_admin_create_topic", new Scenario(AdminScenarios::s01AdminCreateTopic, 60));
        SCENARIOS.put("s02_send_modes", new Scenario(SendScenarios::s02SendModes, 60));
        SCENARIOS.put("s03_message_fidelity", new Scenario(SendScenarios::s03MessageFidelity, 90));
        SCENARIOS.put("s04_tag_filter", new Scenario(SendScenarios::s04TagFilter, 60));
        SCENARIOS.put("s05_batch_send", new Scenario(SendScenarios::s05BatchSend, 60));
        SCENARIOS.put("s06_orderly", new Scenario(ConsumeScenarios::s06Orderly, 90));
        SCENARIOS.put("s07_delay_level", new Scenario(ConsumeScenarios::s07DelayLevel, 60));
        SCENARIOS.put("s08_retry_and_dlq", new Scenario(ConsumeScenarios::s08RetryAndDlq, 120));
        SCENARIOS.put("s09_broadcasting", new Scenario(ConsumeScenarios::s09Broadcasting, 60));
        SCENARIOS.put("s10_clustering_rebalance", new Scenario(ConsumeScenarios::s10ClusteringRebalance, 120));
        SCENARIOS.put("s11_consumer_restart_resume", new Scenario(ConsumeScenarios::s11ConsumerRestartResume, 90));
        SCENARIOS.put("s12_lite_pull", new Scenario(ConsumeScenarios::s12LitePull, 90));
        SCENARIOS.put("s13_admin_query_and_lag", new Scenario(AdminScenarios::s13AdminQueryAndLag, 90));
        SCENARIOS.put("s14_reset_offset_by_time", new Scenario(AdminScenarios::s14ResetOffsetByTime, 120));
        SCENARIOS.put("s15_produce", new Scenario(CrossScenarios::s15Produce, 60));
        SCENARIOS.put("s15_consume", new Scenario(CrossScenarios::s15Consume, 60));
        SCENARIOS.put("s16_transaction", new Scenario(TransactionScenarios::s16Transaction, 150));
        SCENARIOS.put("s17_request_reply", new Scenario(RequestReplyScenarios::s17RequestReply, 90));
        SCENARIOS.put("s18_sql92_filter", new Scenario(SqlFilterScenarios::s18Sql92Filter, 90));
    }

    private static final String USAGE = String.join("\n",
            "usage: java -cp <classes>:<lib>/* bolide.compat.Main [options] SCENARIO...",
            "  --namesrv HOST:PORT   NameServer address (default 127.0.0.1:9876)",
            "  --run-id ID           suffix that makes topic and group names unique to this run",
            "  --topic NAME          topic for s15_produce / s15_consume",
            "  --bolide-admin PATH   bolide binary: s01, s13 and s14 also ask `bolide admin` and compare",
            "  --timeout-s N         override every scenario's deadline",
            "  --list                print the scenario names and exit");

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Env.Config config = new Env.Config();
        int timeoutOverride = 0;
        List<String> names = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--namesrv" -> config.namesrv = args[++i];
                case "--broker" -> config.broker = args[++i];
                case "--run-id" -> config.runId = args[++i];
                case "--topic" -> config.topic = args[++i];
                case "--bolide-admin" -> config.bolideAdmin = args[++i];
                case "--timeout-s" -> timeoutOverride = Integer.parseInt(args[++i]);
                case "--list" -> {
                    SCENARIOS.keySet().forEach(out::println);
                    return;
                }
                case "-h", "--help" -> {
                    out.println(USAGE);
                    return;
                }
                default -> names.add(args[i]);
            }
        }
        if (names.isEmpty()) {
            System.err.println(USAGE);
            Runtime.getRuntime().halt(2);
        }
        System.err.println("client: rocketmq-client " + Env.clientVersion());
        boolean failed = false;
        for (String name : names) {
            Scenario scenario = SCENARIOS.get(name);
            if (scenario == null) {
                out.println("FAIL " + name + ": not implemented by the Java client program");
                failed = true;
                continue;
            }
            int deadline = timeoutOverride > 0 ? timeoutOverride : scenario.deadlineSeconds();
            failed |= !runOne(out, name, scenario.body(), config, deadline);
        }
        out.flush();
        // Client libraries leave non-daemon threads behind; halt rather than wait for them.
        Runtime.getRuntime().halt(failed ? 1 : 0);
    }

    private static boolean runOne(PrintStream out, String name, Body body, Env.Config config, int deadlineSeconds) {
        Env env = new Env(name, config);
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "scenario-" + name);
            t.setDaemon(true);
            return t;
        });
        Future<String> future = executor.submit(() -> body.run(env));
        String detail = null;
        Throwable error = null;
        try {
            detail = future.get(deadlineSeconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            out.println("FAIL " + name + ": timed out after " + deadlineSeconds + " s (" + env.lastStep() + ")");
            out.flush();
            Runtime.getRuntime().halt(1);
        } catch (ExecutionException e) {
            error = e.getCause();
        } catch (InterruptedException e) {
            error = e;
        }
        env.closeAll(15);
        if (error != null) {
            error.printStackTrace();
            out.println("FAIL " + name + ": " + oneLine(describe(error)));
            return false;
        }
        out.println("PASS " + name + " " + oneLine(detail));
        return true;
    }

    private static String describe(Throwable error) {
        if (error instanceof AssertionError) {
            return error.getMessage();
        }
        String message = error.getClass().getSimpleName() + ": " + error.getMessage();
        Throwable cause = error.getCause();
        if (cause != null && cause != error) {
            message += " (cause: " + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")";
        }
        return message;
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }

    private Main() {}
}
