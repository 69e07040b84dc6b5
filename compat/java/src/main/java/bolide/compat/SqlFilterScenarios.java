package bolide.compat;

import static bolide.compat.Env.check;
import static bolide.compat.Env.message;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.MessageSelector;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * Scenario 18: SQL92 subscriptions (the broker runs with enablePropertyFilter=true). One mixed set
 * of messages, three SQL consumer groups, and an expression the broker must refuse.
 */
final class SqlFilterScenarios {
    static final String MAIN = "a BETWEEN 1 AND 3 AND TAGS IN ('A', 'B')";
    static final String IS_NULL = "a IS NULL";
    static final String NOT_BETWEEN = "a NOT BETWEEN 1 AND 3";
    static final String BAD = "a BETWEEN 1 AND";

    /** A message of the s18 set: sequence, tag (or null) and value of {@code a} (or null). */
    record Sample(String seq, String tag, String a) {}

    /** The same set in every client; sequences say what each message is. */
    static final List<Sample> SAMPLES = List.of(
            new Sample("in-a1-A", "A", "1"),
            new Sample("in-a2-B", "B", "2"),
            new Sample("in-a3-A", "A", "3"),
            new Sample("out-a0-A", "A", "0"),
            new Sample("out-a4-B", "B", "4"),
            new Sample("out-a2-C", "C", "2"),
            new Sample("out-a2-notag", null, "2"),
            new Sample("out-noa-A", "A", null),
            new Sample("out-ax-A", "A", "x"));

    static final Set<String> WANT_MAIN = Set.of("in-a1-A", "in-a2-B", "in-a3-A");
    static final Set<String> WANT_IS_NULL = Set.of("out-noa-A");
    /** Non-numeric {@code a} fails evaluation (not delivered); a missing one is unknown. */
    static final Set<String> WANT_NOT_BETWEEN = Set.of("out-a0-A", "out-a4-B");

    private static DefaultMQPushConsumer sqlConsumer(Env env, String topic, String suffix, String sql, Collector col)
            throws Exception {
        DefaultMQPushConsumer c = env.pushConsumer(env.group(suffix));
        c.subscribe(topic, MessageSelector.bySql(sql));
        c.registerMessageListener(col.listener());
        env.step("starting a push consumer with SQL " + sql);
        c.start();
        return c;
    }

    private static Set<String> seqs(Collector col) {
        Set<String> got = new TreeSet<>();
        for (MessageExt m : col.all()) {
            got.add(m.getUserProperty(Env.SEQ));
        }
        return got;
    }

    /** s18: SQL92 selection, IS NULL and NOT BETWEEN edge cases, a bad expression refused. */
    static String s18Sql92Filter(Env env) throws Exception {
        String topic = env.topic("");
        env.createTopic(topic, 4);
        DefaultMQProducer p = env.producer();
        env.step("sending the mixed set");
        for (Sample s : SAMPLES) {
            Message m = message(topic, s.seq(), Bodies.utf8("s18 " + s.seq()));
            if (s.tag() != null) {
                m.setTags(s.tag());
            }
            if (s.a() != null) {
                m.putUserProperty("a", s.a());
            }
            p.send(m);
        }
        Collector main = new Collector();
        Collector isNull = new Collector();
        Collector notBetween = new Collector();
        sqlConsumer(env, topic, "", MAIN, main);
        sqlConsumer(env, topic, "_null", IS_NULL, isNull);
        sqlConsumer(env, topic, "_notbetween", NOT_BETWEEN, notBetween);
        main.await(env, WANT_MAIN.size(), 30);
        isNull.await(env, WANT_IS_NULL.size(), 30);
        notBetween.await(env, WANT_NOT_BETWEEN.size(), 30);
        env.step("waiting for stray messages");
        Thread.sleep(3000);
        check(seqs(main).equals(new TreeSet<>(WANT_MAIN)), "\"" + MAIN + "\" received " + seqs(main) + ", want " + WANT_MAIN);
        check(seqs(isNull).equals(new TreeSet<>(WANT_IS_NULL)), "\"" + IS_NULL + "\" received " + seqs(isNull) + ", want " + WANT_IS_NULL);
        check(seqs(notBetween).equals(new TreeSet<>(WANT_NOT_BETWEEN)),
                "\"" + NOT_BETWEEN + "\" received " + seqs(notBetween) + ", want " + WANT_NOT_BETWEEN);

        env.step("subscribing with a bad expression");
        String refusal;
        try {
            sqlConsumer(env, topic, "_bad", BAD, new Collector());
            throw new AssertionError("a consumer subscribed with \"" + BAD + "\" started; the broker should refuse it");
        } catch (MQClientException e) {
            refusal = e.getMessage() == null ? "" : e.getMessage();
            System.err.println("s18: bad expression refused: " + refusal);
        }
        List<String> parts = new ArrayList<>();
        for (String line : refusal.split("\n")) {
            if (!line.isBlank()) {
                parts.add(line.trim());
            }
        }
        String shown = String.join(" ", parts);
        if (shown.length() > 160) {
            shown = shown.substring(0, 160) + "...";
        }
        return "SQL received exactly " + WANT_MAIN.size() + " of " + SAMPLES.size() + "; IS NULL and NOT BETWEEN right; \""
                + BAD + "\" refused at start: " + shown;
    }
}
