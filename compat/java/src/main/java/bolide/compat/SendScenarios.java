package bolide.compat;

import static bolide.compat.Env.check;
import static bolide.compat.Env.message;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/** Scenarios 2-5: sending in every mode and what survives the round trip. */
final class SendScenarios {
    static DefaultMQPushConsumer consume(Env env, String topic, String expression, Collector col) throws Exception {
        DefaultMQPushConsumer c = env.pushConsumer(env.group(""));
        c.subscribe(topic, expression);
        c.registerMessageListener(col.listener());
        env.step("starting a push consumer");
        c.start();
        return c;
    }

    private static void checkResult(SendResult r, String mode) {
        check(r.getSendStatus() == SendStatus.SEND_OK, mode + " send status " + r.getSendStatus());
        check(r.getMsgId() != null && !r.getMsgId().isEmpty(), mode + " send result has no message id");
        check(r.getMessageQueue() != null, mode + " send result has no queue");
        int q = r.getMessageQueue().getQueueId();
        check(q >= 0 && q < 4, mode + " send result queue id " + q + " outside 0..3");
        check(r.getQueueOffset() >= 0, mode + " send result queue offset " + r.getQueueOffset());
    }

    /** s02: sync, async and oneway send; results carry message id, queue id and queue offset. */
    static String s02SendModes(Env env) throws Exception {
        String topic = env.topic("");
        env.createTopic(topic, 4);
        DefaultMQProducer p = env.producer();
        int each = 5;
        env.step("sync sends");
        for (int i = 0; i < each; i++) {
            checkResult(p.send(message(topic, "sync-" + i, Bodies.utf8("sync"))), "sync");
        }
        env.step("async sends");
        CountDownLatch done = new CountDownLatch(each);
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < each; i++) {
            p.send(message(topic, "async-" + i, Bodies.utf8("async")), new SendCallback() {
                @Override
                public void onSuccess(SendResult r) {
                    try {
                        checkResult(r, "async");
                    } catch (AssertionError e) {
                        errors.add(e.getMessage());
                    }
                    done.countDown();
                }

                @Override
                public void onException(Throwable e) {
                    errors.add("async send: " + e);
                    done.countDown();
                }
            });
        }
        check(done.await(20, TimeUnit.SECONDS), "async send callbacks did not all arrive within 20 s");
        check(errors.isEmpty(), String.join("; ", errors));
        env.step("oneway sends");
        for (int i = 0; i < each; i++) {
            p.sendOneway(message(topic, "oneway-" + i, Bodies.utf8("oneway")));
        }
        Collector col = new Collector();
        consume(env, topic, "*", col);
        col.await(env, 3 * each, 30);
        return each + " sync + " + each + " async + " + each + " oneway sent and consumed";
    }

    /** One message of s03 and what must come back. */
    record Case(String seq, String tag, List<String> keys, Map<String, String> props, byte[] body) {}

    /** s03: keys, tags, properties and bodies (1 B to the 4 MiB limit, UTF-8) survive; over-limit is refused. */
    static String s03MessageFidelity(Env env) throws Exception {
        String topic = env.topic("");
        env.createTopic(topic, 4);
        DefaultMQProducer p = env.producer();
        List<Case> cases = List.of(
                new Case("props", "TagP", List.of("key-one", "key-two"), Map.of("color", "blue", "city", "上海"), Bodies.utf8("properties")),
                new Case("size-1", "TagS", List.of("s1"), Map.of(), Bodies.text(1, 1)),
                new Case("size-4k", "TagS", List.of("s4k"), Map.of(), Bodies.text(4096, 2)),
                new Case("size-1m", "TagS", List.of("s1m"), Map.of(), Bodies.text(1 << 20, 3)),
                new Case("size-4m", "TagS", List.of("s4m"), Map.of(), Bodies.text(4 << 20, 4)),
                new Case("utf8", "TagU", List.of("中文键"), Map.of("note", "消息"), Bodies.utf8("你好，世界：RocketMQ 兼容性测试 ✓")));
        for (Case c : cases) {
            env.step("sending " + c.seq());
            Message m = message(topic, c.seq(), c.body());
            m.setTags(c.tag());
            m.setKeys(c.keys());
            c.props().forEach(m::putUserProperty);
            SendResult r = p.send(m);
            check(r.getSendStatus() == SendStatus.SEND_OK, c.seq() + ": send status " + r.getSendStatus());
        }
        env.step("sending a body over the 4 MiB limit");
        String refusal = null;
        try {
            p.send(message(topic, "over", Bodies.noise((4 << 20) + 1)));
        } catch (Exception e) {
            refusal = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        check(refusal != null, "a body of 4 MiB + 1 byte was accepted; it must be refused");
        Collector col = new Collector();
        consume(env, topic, "*", col);
        col.await(env, cases.size(), 45);
        for (Case c : cases) {
            MessageExt got = col.get(c.seq());
            check(got != null, c.seq() + " never arrived");
            check(Arrays.equals(got.getBody(), c.body()), c.seq() + ": body differs (" + got.getBody().length + " bytes, sha "
                    + Bodies.sha(got.getBody()) + "; sent " + c.body().length + " bytes, sha " + Bodies.sha(c.body()) + ")");
            check(c.tag().equals(got.getTags()), c.seq() + ": tag " + got.getTags() + ", want " + c.tag());
            check(String.join(" ", c.keys()).equals(got.getKeys()), c.seq() + ": keys " + got.getKeys() + ", want " + c.keys());
            for (var e : c.props().entrySet()) {
                check(e.getValue().equals(got.getUserProperty(e.getKey())),
                        c.seq() + ": property " + e.getKey() + " = " + got.getUserProperty(e.getKey()) + ", want " + e.getValue());
            }
        }
        check(col.distinct() == cases.size(), "received " + col.distinct() + " distinct messages, want " + cases.size());
        return cases.size() + " messages byte-exact up to 4 MiB; over-limit refused: " + refusal;
    }

    /** s04: subscribe to "TagA || TagC" and receive exactly those. */
    static String s04TagFilter(Env env) throws Exception {
        String topic = env.topic("");
        env.createTopic(topic, 4);
        DefaultMQProducer p = env.producer();
        List<String> tags = List.of("TagA", "TagB", "TagC", "TagD");
        int perTag = 5;
        env.step("sending tagged messages");
        for (int i = 0; i < perTag; i++) {
            for (String tag : tags) {
                Message m = message(topic, tag + "-" + i, Bodies.utf8(tag));
                m.setTags(tag);
                p.send(m);
            }
        }
        Collector col = new Collector();
        consume(env, topic, "TagA || TagC", col);
        col.await(env, 2 * perTag, 30);
        env.step("waiting for stray messages");
        Thread.sleep(3000);
        for (MessageExt m : col.all()) {
            check(m.getTags().equals("TagA") || m.getTags().equals("TagC"), "received a message with tag " + m.getTags());
        }
        check(col.distinct() == 2 * perTag, "received " + col.distinct() + " distinct messages, want " + 2 * perTag);
        return 2 * perTag + " of " + perTag * tags.size() + " messages matched TagA || TagC and only those arrived";
    }

    /** s05: one batch of 50 messages, all consumed. */
    static String s05BatchSend(Env env) throws Exception {
        String topic = env.topic("");
        env.createTopic(topic, 4);
        DefaultMQProducer p = env.producer();
        int n = 50;
        List<Message> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add(message(topic, "b-" + i, Bodies.utf8("batch body " + i)));
        }
        env.step("sending a batch");
        SendResult r = p.send(batch);
        check(r.getSendStatus() == SendStatus.SEND_OK, "batch send status " + r.getSendStatus());
        Collector col = new Collector();
        consume(env, topic, "*", col);
        col.await(env, n, 30);
        for (int i = 0; i < n; i++) {
            MessageExt m = col.get("b-" + i);
            check(m != null && new String(m.getBody(), java.nio.charset.StandardCharsets.UTF_8).equals("batch body " + i),
                    "batch message " + i + " missing or with a wrong body");
        }
        return "batch of " + n + " sent in one request and consumed";
    }

    private SendScenarios() {}
}
