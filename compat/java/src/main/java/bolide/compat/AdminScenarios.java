package bolide.compat;

import static bolide.compat.Env.check;
import static bolide.compat.Env.message;

import java.util.ArrayList;
import java.util.List;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/** Scenarios 1, 13 and 14: the admin API (DefaultMQAdminExt). */
final class AdminScenarios {
    /**
     * A listener records a message before it returns, and the client advances the consumer offset
     * only after it returns; stopping a consumer right after the last record could commit an
     * offset short of it. One second lets the last listeners return first.
     */
    static final int SETTLE_MS = 1000;

    /** SubscriptionGroupConfig moved package between 4.x and 5.x, so it is built by reflection. */
    private static Object subscriptionGroupConfig(String group, int retryMaxTimes) throws Exception {
        Class<?> type;
        try {
            type = Class.forName("org.apache.rocketmq.remoting.protocol.subscription.SubscriptionGroupConfig");
        } catch (ClassNotFoundException e) {
            type = Class.forName("org.apache.rocketmq.common.subscription.SubscriptionGroupConfig");
        }
        Object config = type.getConstructor().newInstance();
        type.getMethod("setGroupName", String.class).invoke(config, group);
        type.getMethod("setRetryMaxTimes", int.class).invoke(config, retryMaxTimes);
        return config;
    }

    private static void createGroup(DefaultMQAdminExt admin, String addr, Object config) throws Exception {
        for (var method : admin.getClass().getMethods()) {
            if (method.getName().equals("createAndUpdateSubscriptionGroupConfig") && method.getParameterCount() == 2
                    && method.getParameterTypes()[1].isInstance(config)) {
                try {
                    method.invoke(admin, addr, config);
                } catch (java.lang.reflect.InvocationTargetException e) {
                    throw e.getCause() instanceof Exception ex ? ex : e;
                }
                return;
            }
        }
        throw new AssertionError("DefaultMQAdminExt has no createAndUpdateSubscriptionGroupConfig for " + config.getClass());
    }

    /** s01: create a topic and a subscription group through the admin API; the route is visible. */
    static String s01AdminCreateTopic(Env env) throws Exception {
        String topic = env.topic("");
        String group = env.group("");
        env.createTopic(topic, 4);
        DefaultMQAdminExt admin = env.admin();
        var route = admin.examineTopicRouteInfo(topic);
        check(!route.getBrokerDatas().isEmpty(), "route of " + topic + " names no broker");
        int queues = 0;
        for (var qd : route.getQueueDatas()) {
            queues += qd.getReadQueueNums();
        }
        check(queues == 4, "route of " + topic + " has " + queues + " read queues, want 4");
        env.step("listing topics");
        check(admin.fetchAllTopicList().getTopicList().contains(topic), "topic list lacks " + topic);
        for (String addr : env.masterBrokers()) {
            env.step("creating subscription group " + group + " on " + addr);
            createGroup(admin, addr, subscriptionGroupConfig(group, 3));
            var stored = admin.examineSubscriptionGroupConfig(addr, group);
            check(stored != null && group.equals(stored.getGroupName()), "subscription group " + group + " not found on " + addr);
            check(stored.getRetryMaxTimes() == 3, "subscription group retryMaxTimes " + stored.getRetryMaxTimes() + ", want 3");
        }
        return "topic with 4 queues and subscription group created; route and topic list served by the NameServer";
    }

    /** s13: query a message by key and by id through the admin API; consumer progress (lag) is right. */
    static String s13AdminQueryAndLag(Env env) throws Exception {
        String topic = env.topic("");
        env.createTopic(topic, 4);
        DefaultMQProducer p = env.producer();
        int n = 20;
        List<SendResult> sent = new ArrayList<>();
        env.step("sending keyed messages");
        for (int i = 0; i < n; i++) {
            Message m = message(topic, "q-" + i, Bodies.utf8("query body " + i));
            m.setKeys("key-" + i);
            sent.add(p.send(m));
        }
        DefaultMQAdminExt admin = env.admin();
        env.step("querying by key");
        MessageExt byKey = null;
        String last = "";
        for (long end = System.currentTimeMillis() + 15_000; byKey == null && System.currentTimeMillis() < end; ) {
            try {
                for (MessageExt m : admin.queryMessage(topic, "key-7", 32, 0, Long.MAX_VALUE).getMessageList()) {
                    if ("q-7".equals(m.getUserProperty(Env.SEQ))) {
                        byKey = m;
                    }
                }
            } catch (Exception e) {
                last = e.getMessage();
            }
            if (byKey == null) {
                Thread.sleep(500);
            }
        }
        check(byKey != null, "query by key key-7 found nothing within 15 s " + last);
        env.step("viewing by offset message id");
        MessageExt byOffsetId = admin.viewMessage(topic, sent.get(3).getOffsetMsgId());
        check("q-3".equals(byOffsetId.getUserProperty(Env.SEQ)), "view by offset id returned " + byOffsetId.getUserProperty(Env.SEQ));
        env.step("viewing by unique message id");
        MessageExt byMsgId = admin.viewMessage(topic, sent.get(5).getMsgId());
        check("q-5".equals(byMsgId.getUserProperty(Env.SEQ)), "view by message id returned " + byMsgId.getUserProperty(Env.SEQ));

        String group = env.group("");
        Collector col = new Collector();
        DefaultMQPushConsumer c = env.pushConsumer(group);
        c.subscribe(topic, "*");
        c.registerMessageListener(col.listener());
        c.start();
        col.await(env, n, 30);
        Thread.sleep(SETTLE_MS);
        env.step("stopping the consumer");
        c.shutdown();
        int extra = 5;
        ConsumeScenarios.sendMany(env, p, topic, "lag-", extra);
        env.step("reading consumer progress");
        long diff = -1;
        long brokerTotal = -1;
        for (long end = System.currentTimeMillis() + 15_000; System.currentTimeMillis() < end; Thread.sleep(500)) {
            try {
                var stats = admin.examineConsumeStats(group);
                diff = stats.computeTotalDiff();
                brokerTotal = 0;
                for (var e : stats.getOffsetTable().entrySet()) {
                    if (e.getKey().getTopic().equals(topic)) {
                        brokerTotal += e.getValue().getBrokerOffset();
                    }
                }
                if (diff == extra && brokerTotal == n + extra) {
                    break;
                }
            } catch (Exception e) {
                last = e.getMessage();
            }
        }
        check(brokerTotal == n + extra, "consume stats: broker offsets add up to " + brokerTotal + ", want " + (n + extra) + " " + last);
        if (diff != extra) {
            var stats = admin.examineConsumeStats(group);
            StringBuilder table = new StringBuilder();
            for (var e : new java.util.TreeMap<>(stats.getOffsetTable()).entrySet()) {
                table.append(' ').append(e.getKey().getTopic().startsWith("%RETRY%") ? "retry" : "q")
                        .append(e.getKey().getQueueId()).append('=').append(e.getValue().getBrokerOffset())
                        .append('/').append(e.getValue().getConsumerOffset());
            }
            throw new AssertionError("consume stats: lag " + diff + ", want " + extra + " (queue=broker/consumer offset:" + table + ")");
        }
        return "found by key and by both ids; lag " + diff + " after " + n + " consumed and " + extra + " more sent";
    }

    /** s14: reset a group's offset by time while its consumer runs; it re-consumes from there. */
    static String s14ResetOffsetByTime(Env env) throws Exception {
        String topic = env.topic("");
        env.createTopic(topic, 4);
        DefaultMQProducer p = env.producer();
        int n = 10;
        ConsumeScenarios.sendMany(env, p, topic, "a-", n);
        Thread.sleep(1500);
        long resetTo = System.currentTimeMillis();
        Thread.sleep(500);
        ConsumeScenarios.sendMany(env, p, topic, "b-", n);
        String group = env.group("");
        Collector col = new Collector();
        DefaultMQPushConsumer c = env.pushConsumer(group);
        c.subscribe(topic, "*");
        c.registerMessageListener(col.listener());
        c.start();
        col.await(env, 2 * n, 30);
        Thread.sleep(2000); // let the consumed offsets reach the broker
        env.step("resetting the offset by time");
        var reset = env.admin().resetOffsetByTimestamp(topic, group, resetTo, true);
        check(reset != null && !reset.isEmpty(), "reset by timestamp changed no queue");
        env.step("waiting for re-consumption");
        long end = System.currentTimeMillis() + 40_000;
        while (col.deliveriesWithPrefix("b-") < 2 * n && System.currentTimeMillis() < end) {
            Thread.sleep(200);
        }
        Thread.sleep(2000);
        int again = col.deliveriesWithPrefix("b-") - n;
        int before = col.deliveriesWithPrefix("a-") - n;
        check(again >= n, "after the reset only " + again + " of the " + n + " later messages were consumed again");
        check(before == 0, "after the reset " + before + " messages from before the reset time were consumed again");
        return "reset to a time between two batches; the " + n + " later messages were consumed again, the earlier ones not";
    }

    private AdminScenarios() {}
}
