package bolide.compat;

import static bolide.compat.Env.check;
import static bolide.compat.Env.message;
import static bolide.compat.SendScenarios.consume;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.ConsumeOrderlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.consumer.listener.MessageListenerOrderly;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.MessageQueueSelector;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;

/** Scenarios 6-12: ways of consuming. */
final class ConsumeScenarios {
    static void sendMany(Env env, DefaultMQProducer p, String topic, String prefix, int n) throws Exception {
        env.step("sending " + prefix + "*");
        for (int i = 0; i < n; i++) {
            p.send(message(topic, prefix + i, Bodies.utf8(prefix)));
        }
    }

    /** s06: 3 sharding keys x 50 messages through a queue selector, consumed orderly, order kept per key. */
    static String s06Orderly(Env env) throws Exception {
        String topic = env.topic("");
        env.createTopic(topic, 4);
        DefaultMQProducer p = env.producer();
        List<String> keys = List.of("order-a", "order-b", "order-c");
        int perKey = 50;
        MessageQueueSelector byKey = (mqs, msg, arg) -> mqs.get(Math.floorMod(arg.hashCode(), mqs.size()));
        env.step("sending ordered messages");
        for (int i = 0; i < perKey; i++) {
            for (String key : keys) {
                Message m = message(topic, key + "-" + i, Bodies.utf8(Integer.toString(i)));
                m.putUserProperty("compat_key", key);
                p.send(m, byKey, key);
            }
        }
        Map<String, List<Integer>> seen = new HashMap<>();
        Collector col = new Collector();
        DefaultMQPushConsumer c = env.pushConsumer(env.group(""));
        c.subscribe(topic, "*");
        c.registerMessageListener((MessageListenerOrderly) (msgs, context) -> {
            synchronized (seen) {
                for (MessageExt m : msgs) {
                    seen.computeIfAbsent(m.getUserProperty("compat_key"), k -> new ArrayList<>())
                            .add(Integer.parseInt(new String(m.getBody(), StandardCharsets.UTF_8)));
                }
            }
            col.add(msgs);
            return ConsumeOrderlyStatus.SUCCESS;
        });
        env.step("starting an orderly consumer");
        c.start();
        col.await(env, perKey * keys.size(), 60);
        synchronized (seen) {
            for (String key : keys) {
                int next = 0;
                for (int i : seen.getOrDefault(key, List.of())) {
                    // A redelivery repeats an earlier index; a jump forward is disorder.
                    if (i == next) {
                        next++;
                    } else {
                        check(i < next, "key " + key + ": got message " + i + " before " + next);
                    }
                }
                check(next == perKey, "key " + key + ": only " + next + " of " + perKey + " in order");
            }
        }
        return keys.size() + " keys x " + perKey + " messages consumed in per-key order (" + col.duplicates() + " redeliveries)";
    }

    /** s07: delay level 2 (5 s) arrives no earlier than 5 s and no later than 6 s after sending. */
    static String s07DelayLevel(Env env) throws Exception {
        String topic = env.topic("");
        env.createTopic(topic, 4);
        DefaultMQProducer p = env.producer();
        Collector col = new Collector();
        consume(env, topic, "*", col);
        // A plain message first proves the consumer is pulling before the clock starts.
        p.send(message(topic, "warm-up", Bodies.utf8("warm-up")));
        col.await(env, 1, 30);
        Message m = message(topic, "delayed", Bodies.utf8("delayed"));
        m.setDelayTimeLevel(2);
        env.step("sending the delayed message");
        long sentAt = System.currentTimeMillis();
        p.send(m);
        long sentDone = System.currentTimeMillis();
        col.await(env, 2, 20);
        long arrived = col.arrivedMillis("delayed");
        long early = arrived - sentAt;
        long late = arrived - sentDone;
        check(early >= 5000, "delayed message arrived after " + early + " ms, before the 5 s delay");
        check(late <= 6000, "delayed message arrived after " + late + " ms, more than 1 s late");
        return "delay level 2 arrived after " + early + " ms";
    }

    /** s08: a message that always fails goes through the retry topic, then to the DLQ after max reconsume times. */
    static String s08RetryAndDlq(Env env) throws Exception {
        String topic = env.topic("");
        env.createTopic(topic, 4);
        DefaultMQProducer p = env.producer();
        p.send(message(topic, "doomed", Bodies.utf8("always fails")));
        String group = env.group("");
        int maxReconsume = 2;
        List<Integer> attempts = Collections.synchronizedList(new ArrayList<>());
        DefaultMQPushConsumer c = env.pushConsumer(group);
        c.setMaxReconsumeTimes(maxReconsume);
        c.subscribe(topic, "*");
        c.registerMessageListener((MessageListenerConcurrently) (msgs, context) -> {
            for (MessageExt m : msgs) {
                attempts.add(m.getReconsumeTimes());
            }
            context.setDelayLevelWhenNextConsume(1); // retry after 1 s instead of the default 10 s, 30 s
            return ConsumeConcurrentlyStatus.RECONSUME_LATER;
        });
        env.step("starting a consumer that always fails");
        c.start();
        int want = maxReconsume + 1;
        env.step("waiting for " + want + " delivery attempts");
        long end = System.currentTimeMillis() + 60_000;
        while (attempts.size() < want && System.currentTimeMillis() < end) {
            Thread.sleep(200);
        }
        String dlq = "%DLQ%" + group;
        env.step("waiting for the message in " + dlq);
        long dlqMessages = 0;
        String last = "";
        end = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < end) {
            try {
                var stats = env.admin().examineTopicStats(dlq);
                dlqMessages = 0;
                for (var offsets : stats.getOffsetTable().values()) {
                    dlqMessages += offsets.getMaxOffset() - offsets.getMinOffset();
                }
                if (dlqMessages >= 1) {
                    break;
                }
            } catch (Exception e) {
                last = e.getMessage();
            }
            Thread.sleep(500);
        }
        check(dlqMessages == 1, dlq + " holds " + dlqMessages + " messages, want 1 " + last);
        // The DLQ is an ordinary readable topic: a second group reads the message back from it.
        DefaultMQPushConsumer reader = env.pushConsumer(env.group("_dlq"));
        reader.subscribe(dlq, "*");
        Collector dead = new Collector();
        reader.registerMessageListener(dead.listener());
        env.step("reading " + dlq);
        reader.start();
        dead.await(env, 1, 30);
        MessageExt doomed = dead.get("doomed");
        check(doomed != null && "always fails".equals(new String(doomed.getBody(), StandardCharsets.UTF_8)),
                dlq + " does not hold the failed message intact");
        Thread.sleep(2000); // nothing may be delivered once the message is in the DLQ
        List<Integer> seen;
        synchronized (attempts) {
            seen = new ArrayList<>(attempts);
        }
        check(seen.size() == want, seen.size() + " delivery attempts (reconsume times " + seen + "), want " + want);
        for (int i = 0; i < seen.size(); i++) {
            check(seen.get(i) == i, "reconsume times " + seen + ", want 0.." + maxReconsume);
        }
        return want + " attempts via the retry topic, then read back from " + dlq;
    }

    /** s09: two broadcasting consumers in one group each receive every message. */
    static String s09Broadcasting(Env env) throws Exception {
        String topic = env.topic("");
        env.createTopic(topic, 4);
        DefaultMQProducer p = env.producer();
        int n = 20;
        sendMany(env, p, topic, "m-", n);
        String group = env.group("");
        List<Collector> cols = List.of(new Collector(), new Collector());
        for (Collector col : cols) {
            DefaultMQPushConsumer c = env.pushConsumer(group);
            var model = c.getMessageModel();
            c.setMessageModel(Enum.valueOf(model.getDeclaringClass(), "BROADCASTING"));
            c.subscribe(topic, "*");
            c.registerMessageListener(col.listener());
            env.step("starting a broadcasting consumer");
            c.start();
        }
        for (int i = 0; i < cols.size(); i++) {
            try {
                cols.get(i).await(env, n, 30);
            } catch (AssertionError e) {
                throw new AssertionError("consumer " + (i + 1) + ": " + e.getMessage());
            }
        }
        return "both consumers received all " + n + " messages";
    }

    /** s10: two clustering consumers split the queues; one leaves; nothing is lost. */
    static String s10ClusteringRebalance(Env env) throws Exception {
        String topic = env.topic("");
        env.createTopic(topic, 4);
        DefaultMQProducer p = env.producer();
        String group = env.group("");
        Collector all = new Collector();
        Collector first = new Collector();
        Collector second = new Collector();
        List<DefaultMQPushConsumer> consumers = new ArrayList<>();
        for (Collector mine : List.of(first, second)) {
            DefaultMQPushConsumer c = env.pushConsumer(group);
            c.subscribe(topic, "*");
            c.registerMessageListener((MessageListenerConcurrently) (msgs, context) -> {
                mine.add(msgs);
                all.add(msgs);
                return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
            });
            env.step("starting a clustering consumer");
            c.start();
            consumers.add(c);
        }
        env.step("letting the two consumers rebalance");
        Thread.sleep(5000);
        int n = 40;
        sendMany(env, p, topic, "before-", n);
        all.await(env, n, 30);
        Thread.sleep(AdminScenarios.SETTLE_MS);
        check(first.distinct() > 0 && second.distinct() > 0,
                "queues not split: consumers got " + first.distinct() + " and " + second.distinct() + " messages");
        String split = first.distinct() + "/" + second.distinct();
        env.step("stopping the second consumer");
        consumers.get(1).shutdown();
        sendMany(env, p, topic, "after-", n);
        all.awaitPrefix(env, "after-", n, 60);
        return "split " + split + " before, all " + 2 * n + " arrived after one consumer left (" + all.duplicates() + " redeliveries)";
    }

    /** s11: a restarted consumer resumes from the committed offset: nothing lost, few duplicates. */
    static String s11ConsumerRestartResume(Env env) throws Exception {
        String topic = env.topic("");
        env.createTopic(topic, 4);
        DefaultMQProducer p = env.producer();
        String group = env.group("");
        int n = 20;
        sendMany(env, p, topic, "first-", n);
        Collector before = new Collector();
        DefaultMQPushConsumer c1 = env.pushConsumer(group);
        c1.subscribe(topic, "*");
        c1.registerMessageListener(before.listener());
        c1.start();
        before.await(env, n, 30);
        Thread.sleep(AdminScenarios.SETTLE_MS);
        env.step("stopping the first consumer");
        c1.shutdown();
        sendMany(env, p, topic, "second-", n);
        Collector after = new Collector();
        DefaultMQPushConsumer c2 = env.pushConsumer(group);
        c2.subscribe(topic, "*");
        c2.registerMessageListener(after.listener());
        env.step("restarting the consumer");
        c2.start();
        after.awaitPrefix(env, "second-", n, 40);
        Thread.sleep(2000);
        int dups = after.countPrefix("first-");
        check(dups <= n / 4, "restart re-delivered " + dups + " of " + n + " already consumed messages: offset not resumed");
        return "resumed after restart: " + n + " new messages, " + dups + " re-delivered";
    }

    /** s12: the lite pull consumer in subscribe mode, then assign + seek mode. */
    static String s12LitePull(Env env) throws Exception {
        String topic = env.topic("");
        env.createTopic(topic, 4);
        DefaultMQProducer p = env.producer();
        int n = 20;
        Map<Integer, Integer> perQueue = new TreeMap<>();
        env.step("sending");
        for (int i = 0; i < n; i++) {
            var r = p.send(message(topic, "p-" + i, Bodies.utf8("pull")));
            perQueue.merge(r.getMessageQueue().getQueueId(), 1, Integer::sum);
        }
        DefaultLitePullConsumer sub = litePull(env, env.group("_sub"));
        sub.subscribe(topic, "*");
        env.step("starting a lite pull consumer (subscribe)");
        sub.start();
        Collector col = new Collector();
        long end = System.currentTimeMillis() + 30_000;
        env.step("polling");
        while (col.distinct() < n && System.currentTimeMillis() < end) {
            col.add(sub.poll(1000));
        }
        check(col.distinct() == n, "subscribe mode: polled " + col.distinct() + " of " + n + " messages");

        DefaultLitePullConsumer assign = litePull(env, env.group("_assign"));
        assign.setAutoCommit(false);
        env.step("starting a lite pull consumer (assign)");
        assign.start();
        List<MessageQueue> queues = new ArrayList<>(assign.fetchMessageQueues(topic));
        Collections.sort(queues);
        int qid = perQueue.keySet().iterator().next();
        MessageQueue mq = queues.stream().filter(q -> q.getQueueId() == qid).findFirst()
                .orElseThrow(() -> new AssertionError("queue " + qid + " not in the route"));
        assign.assign(List.of(mq));
        // Read the queue to its end first: seeking while the consumer's first pull (from offset 0)
        // is in flight can let that pull's messages through in the 4.9 client, whatever the broker.
        env.step("reading queue " + qid + " to its end");
        Collector first = new Collector();
        end = System.currentTimeMillis() + 20_000;
        while (first.distinct() < perQueue.get(qid) && System.currentTimeMillis() < end) {
            first.add(assign.poll(1000));
        }
        check(first.distinct() == perQueue.get(qid), "assign mode: polled " + first.distinct() + " of " + perQueue.get(qid) + " messages of queue " + qid);
        env.step("seeking queue " + qid + " back to offset 1");
        assign.seek(mq, 1);
        Collector seeked = new Collector();
        end = System.currentTimeMillis() + 20_000;
        int want = perQueue.get(qid) - 1;
        while (seeked.distinct() < want && System.currentTimeMillis() < end) {
            seeked.add(assign.poll(1000));
        }
        check(seeked.distinct() == want, "after seek to offset 1 of queue " + qid + " polled " + seeked.distinct() + ", want " + want);
        for (MessageExt m : seeked.all()) {
            check(m.getQueueId() == qid && m.getQueueOffset() >= 1, "seek returned queue " + m.getQueueId() + " offset " + m.getQueueOffset());
        }
        return "polled " + n + " messages; assign + seek re-read queue " + qid + " from offset 1 (" + want + " messages)";
    }

    private static DefaultLitePullConsumer litePull(Env env, String group) {
        DefaultLitePullConsumer c = new DefaultLitePullConsumer(group);
        c.setNamesrvAddr(env.config.namesrv);
        c.setInstanceName(env.instance());
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.setPollNameServerInterval(1000);
        env.onClose(c::shutdown);
        return c;
    }

    private ConsumeScenarios() {}
}
