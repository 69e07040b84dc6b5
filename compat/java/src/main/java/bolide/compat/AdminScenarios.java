package bolide.compat;

import static bolide.compat.Env.check;
import static bolide.compat.Env.message;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * Scenarios 1, 13 and 14: the admin API (DefaultMQAdminExt). Given --bolide-admin, each also
 * runs the same operations through `bolide admin --json` and checks both answers agree.
 */
final class AdminScenarios {
    /** Appended to a scenario's detail when no bolide binary was given to compare with. */
    static final String NOT_COMPARED = " (bolide admin not compared: no --bolide-admin)";

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
        String detail = "topic with 4 queues and subscription group created; route and topic list served by the NameServer";
        if (!env.comparesWithBolideAdmin()) {
            return detail + NOT_COMPARED;
        }
        // Route types moved package between 4.x and 5.x: compare plain maps.
        Map<String, Integer> javaQueues = new TreeMap<>();
        for (var qd : route.getQueueDatas()) {
            javaQueues.put(qd.getBrokerName(), qd.getReadQueueNums());
        }
        Set<String> javaMasters = new TreeSet<>();
        for (var bd : route.getBrokerDatas()) {
            javaMasters.add(bd.getBrokerAddrs().get(0L));
        }
        compareRouteAndTopicList(env, admin, topic, javaQueues, javaMasters);
        // The other way round: what bolide admin creates, DefaultMQAdminExt sees.
        String topicB = env.topic("_b");
        String groupB = env.group("_b");
        for (String addr : env.masterBrokers()) {
            env.bolideAdmin("updateTopic", "-b", addr, "-t", topicB, "-r", "4", "-w", "4");
            env.bolideAdmin("updateSubGroup", "-b", addr, "-g", groupB, "-r", "5");
        }
        env.waitRoute(topicB, 4);
        for (String addr : env.masterBrokers()) {
            var stored = admin.examineSubscriptionGroupConfig(addr, groupB);
            check(stored != null && stored.getRetryMaxTimes() == 5, "group made by bolide admin on " + addr + ": " + stored);
        }
        return detail + "; bolide admin agrees (route, topic list) and its topic and group are seen by DefaultMQAdminExt";
    }

    private static Set<String> strings(JSONArray rows, String column) {
        Set<String> values = new TreeSet<>();
        for (Object row : rows) {
            values.add(((JSONObject) row).getString(column));
        }
        return values;
    }

    private static void compareRouteAndTopicList(Env env, DefaultMQAdminExt admin, String topic,
            Map<String, Integer> javaQueues, Set<String> javaMasters) throws Exception {
        JSONArray rows = (JSONArray) env.bolideAdmin("topicRoute", "-t", topic);
        Map<String, Integer> bolideQueues = new TreeMap<>();
        Set<String> bolideMasters = new TreeSet<>();
        for (Object row : rows) {
            JSONObject r = (JSONObject) row;
            bolideQueues.put(r.getString("#BrokerName"), Integer.parseInt(r.getString("#ReadQueue")));
            for (String idAddr : r.getString("#BrokerAddrs").split(",")) {
                if (idAddr.startsWith("0:")) {
                    bolideMasters.add(idAddr.substring(2));
                }
            }
        }
        check(bolideQueues.equals(javaQueues), "read queues per broker: bolide admin " + bolideQueues + ", DefaultMQAdminExt " + javaQueues);
        check(bolideMasters.equals(javaMasters), "masters: bolide admin " + bolideMasters + ", DefaultMQAdminExt " + javaMasters);
        Set<String> bolideTopics = strings((JSONArray) env.bolideAdmin("topicList"), "#Topic");
        Set<String> javaTopics = new TreeSet<>(admin.fetchAllTopicList().getTopicList());
        check(bolideTopics.equals(javaTopics), "topic lists differ: only bolide admin " + minus(bolideTopics, javaTopics)
                + ", only DefaultMQAdminExt " + minus(javaTopics, bolideTopics));
    }

    private static Set<String> minus(Set<String> a, Set<String> b) {
        Set<String> left = new TreeSet<>(a);
        left.removeAll(b);
        return left;
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
        String detail = "found by key and by both ids; lag " + diff + " after " + n + " consumed and " + extra + " more sent";
        if (!env.comparesWithBolideAdmin()) {
            return detail + NOT_COMPARED;
        }
        compareQueries(env, topic, sent, byKey, byOffsetId, byMsgId);
        // ConsumeStats moved package between 4.x and 5.x: compare plain maps.
        Map<String, String> javaQueues = new TreeMap<>();
        long javaDiff = 0;
        for (var e : admin.examineConsumeStats(group).getOffsetTable().entrySet()) {
            if (e.getKey().getTopic().equals(topic)) {
                long brokerOffset = e.getValue().getBrokerOffset();
                long consumerOffset = e.getValue().getConsumerOffset();
                javaQueues.put(e.getKey().getBrokerName() + "/" + e.getKey().getQueueId(), brokerOffset + "/" + consumerOffset);
                javaDiff += brokerOffset - consumerOffset;
            }
        }
        compareProgress(env, group, topic, javaQueues, javaDiff);
        return detail + "; bolide admin agrees (queries, per-queue offsets, lag)";
    }

    /** The same messages through bolide admin's queryMsgByKey, queryMsgById and queryMsgByUniqueKey. */
    private static void compareQueries(Env env, String topic, List<SendResult> sent, MessageExt byKey,
            MessageExt byOffsetId, MessageExt byMsgId) throws Exception {
        Set<String> keyed = strings((JSONArray) env.bolideAdmin("queryMsgByKey", "-t", topic, "-k", "key-7"), "#Message ID");
        String uniqueKey = byKey.getProperty("UNIQ_KEY");
        check(keyed.contains(uniqueKey), "bolide admin queryMsgByKey key-7 found " + keyed + ", DefaultMQAdminExt " + uniqueKey);
        compareMessage("queryMsgById", byOffsetId,
                (JSONObject) ((JSONArray) env.bolideAdmin("queryMsgById", "-i", sent.get(3).getOffsetMsgId())).get(0));
        compareMessage("queryMsgByUniqueKey", byMsgId, (JSONObject) ((JSONArray) env.bolideAdmin(
                "queryMsgByUniqueKey", "-t", topic, "-i", sent.get(5).getMsgId())).get(0));
    }

    private static void compareMessage(String command, MessageExt fromJava, JSONObject fromBolide) {
        String javaSide = fromJava.getQueueId() + "/" + fromJava.getQueueOffset() + "/" + fromJava.getCommitLogOffset() + "/"
                + fromJava.getUserProperty(Env.SEQ) + "/" + new String(fromJava.getBody(), java.nio.charset.StandardCharsets.UTF_8);
        String bolideSide = fromBolide.getIntValue("queueId") + "/" + fromBolide.getLongValue("queueOffset") + "/"
                + fromBolide.getLongValue("commitLogOffset") + "/" + fromBolide.getJSONObject("properties").getString(Env.SEQ) + "/"
                + fromBolide.getString("body");
        check(javaSide.equals(bolideSide), "bolide admin " + command + " (queue/offset/commit log offset/seq/body) "
                + bolideSide + ", DefaultMQAdminExt " + javaSide);
    }

    /** bolide admin consumerProgress against DefaultMQAdminExt's consume stats, queue by queue. */
    private static void compareProgress(Env env, String group, String topic, Map<String, String> javaQueues, long javaDiff)
            throws Exception {
        JSONArray rows = (JSONArray) env.bolideAdmin("consumerProgress", "-g", group, "-t", topic);
        Map<String, String> bolideQueues = new TreeMap<>();
        String bolideDiff = "";
        for (Object row : rows) {
            JSONObject r = (JSONObject) row;
            if (topic.equals(r.getString("#Topic"))) {
                bolideQueues.put(r.getString("#Broker Name") + "/" + r.getString("#QID"),
                        r.getString("#Broker Offset") + "/" + r.getString("#Consumer Offset"));
            } else {
                bolideDiff = r.getString("#Diff");
            }
        }
        check(bolideQueues.equals(javaQueues), "queue (broker/consumer offset): bolide admin " + bolideQueues
                + ", DefaultMQAdminExt " + javaQueues);
        check(bolideDiff.equals(Long.toString(javaDiff)), "lag: bolide admin " + bolideDiff + ", DefaultMQAdminExt " + javaDiff);
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
        // The broker refuses a reset for a group without committed offsets ("consumer group not
        // exist"), as Java's does. A push consumer commits with its next pull or its offset timer,
        // first run 10 s after the client instance starts: wait until the broker has them all.
        env.step("waiting for the consumed offsets on the broker");
        long committed = -1;
        String why = "";
        for (long end = System.currentTimeMillis() + 30_000; System.currentTimeMillis() < end; Thread.sleep(500)) {
            try {
                // Throws while the broker holds no offset of the group at all.
                var stats = env.admin().examineConsumeStats(group);
                committed = 0;
                for (var e : stats.getOffsetTable().entrySet()) {
                    if (e.getKey().getTopic().equals(topic)) {
                        committed += Math.max(0, e.getValue().getConsumerOffset());
                    }
                }
                if (committed == 2 * n) {
                    break;
                }
            } catch (Exception e) {
                why = " (" + e.getMessage() + ")";
            }
        }
        check(committed == 2 * n, "the broker holds committed offsets adding up to " + committed + ", want " + 2 * n + why);
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
        String detail = "reset to a time between two batches; the " + n + " later messages were consumed again, the earlier ones not";
        if (!env.comparesWithBolideAdmin()) {
            return detail + NOT_COMPARED;
        }
        // The same reset through bolide admin: the same offsets, and the later batch once more.
        JSONArray rows = (JSONArray) env.bolideAdmin("resetOffsetByTime", "-g", group, "-t", topic, "-s", Long.toString(resetTo));
        Map<String, String> bolideOffsets = new TreeMap<>();
        for (Object row : rows) {
            JSONObject r = (JSONObject) row;
            bolideOffsets.put(r.getString("#Broker Name") + "/" + r.getString("#QID"), r.getString("#Offset"));
        }
        Map<String, String> javaOffsets = new TreeMap<>();
        for (var e : reset.entrySet()) {
            javaOffsets.put(e.getKey().getBrokerName() + "/" + e.getKey().getQueueId(), Long.toString(e.getValue()));
        }
        check(bolideOffsets.equals(javaOffsets), "reset offsets: bolide admin " + bolideOffsets + ", DefaultMQAdminExt " + javaOffsets);
        env.step("waiting for re-consumption after the bolide admin reset");
        int laterSoFar = col.deliveriesWithPrefix("b-");
        end = System.currentTimeMillis() + 40_000;
        while (col.deliveriesWithPrefix("b-") < laterSoFar + n && System.currentTimeMillis() < end) {
            Thread.sleep(200);
        }
        Thread.sleep(2000);
        int third = col.deliveriesWithPrefix("b-") - laterSoFar;
        before = col.deliveriesWithPrefix("a-") - n;
        check(third >= n, "after the bolide admin reset only " + third + " of the " + n + " later messages were consumed again");
        check(before == 0, "after the bolide admin reset " + before + " earlier messages were consumed again");
        return detail + "; bolide admin's reset gave the same offsets and the same effect";
    }

    private AdminScenarios() {}
}
