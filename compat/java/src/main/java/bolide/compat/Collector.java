package bolide.compat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.common.message.MessageExt;

/** Gathers consumed messages, keyed by their sequence property, and counts redeliveries. */
final class Collector {
    private final Map<String, MessageExt> bySeq = new LinkedHashMap<>();
    private final Map<String, Integer> deliveries = new LinkedHashMap<>();
    private final Map<String, Long> arrivedMillis = new LinkedHashMap<>();

    synchronized void add(List<MessageExt> msgs) {
        for (MessageExt m : msgs) {
            String seq = m.getUserProperty(Env.SEQ);
            if (!bySeq.containsKey(seq)) {
                bySeq.put(seq, m);
                arrivedMillis.put(seq, System.currentTimeMillis());
            }
            deliveries.merge(seq, 1, Integer::sum);
        }
        notifyAll();
    }

    /** A listener that records every message and acknowledges it. */
    MessageListenerConcurrently listener() {
        return (msgs, context) -> {
            add(msgs);
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        };
    }

    synchronized int distinct() {
        return bySeq.size();
    }

    synchronized int duplicates() {
        int n = 0;
        for (int d : deliveries.values()) {
            n += d - 1;
        }
        return n;
    }

    synchronized MessageExt get(String seq) {
        return bySeq.get(seq);
    }

    synchronized Long arrivedMillis(String seq) {
        return arrivedMillis.get(seq);
    }

    synchronized List<MessageExt> all() {
        return new ArrayList<>(bySeq.values());
    }

    synchronized int countPrefix(String prefix) {
        int n = 0;
        for (String seq : bySeq.keySet()) {
            if (seq.startsWith(prefix)) {
                n++;
            }
        }
        return n;
    }

    synchronized int deliveriesWithPrefix(String prefix) {
        int n = 0;
        for (var e : deliveries.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                n += e.getValue();
            }
        }
        return n;
    }

    /** Blocks until {@code n} distinct messages arrived; fails with the count seen otherwise. */
    synchronized void await(Env env, int n, int timeoutSeconds) throws InterruptedException {
        env.step("waiting for " + n + " messages");
        long end = System.currentTimeMillis() + timeoutSeconds * 1000L;
        while (bySeq.size() < n) {
            long left = end - System.currentTimeMillis();
            if (left <= 0) {
                throw new AssertionError("received " + bySeq.size() + " of " + n + " messages within " + timeoutSeconds + " s");
            }
            wait(Math.min(left, 200));
        }
    }

    /** Same as await, but counting only sequences with the prefix. */
    synchronized void awaitPrefix(Env env, String prefix, int n, int timeoutSeconds) throws InterruptedException {
        env.step("waiting for " + n + " messages " + prefix + "*");
        long end = System.currentTimeMillis() + timeoutSeconds * 1000L;
        while (countPrefix(prefix) < n) {
            long left = end - System.currentTimeMillis();
            if (left <= 0) {
                throw new AssertionError("received " + countPrefix(prefix) + " of " + n + " messages " + prefix + "* within " + timeoutSeconds + " s");
            }
            wait(Math.min(left, 200));
        }
    }
}
