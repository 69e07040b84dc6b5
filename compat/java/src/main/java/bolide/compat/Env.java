package bolide.compat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.MQVersion;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * One scenario's context: unique names, the clients it started (all shut down when it ends,
 * however it ends) and the few admin helpers every scenario needs.
 */
final class Env {
    /** What the runner passes on the command line. */
    static final class Config {
        String namesrv = "127.0.0.1:9876";
        String broker = "";
        String runId = Long.toHexString(System.nanoTime() & 0xffffff);
        String topic = "";
        /** The bolide binary whose `admin` answers the admin scenarios compare with; empty: no comparison. */
        String bolideAdmin = "";
    }

    /** The user property every scenario stamps on its messages to recognise them. */
    static final String SEQ = "compat_seq";

    final String name;
    final Config config;
    private final Deque<Runnable> closers = new ArrayDeque<>();
    private final AtomicInteger clients = new AtomicInteger();
    private volatile String step = "";
    private DefaultMQAdminExt admin;

    Env(String name, Config config) {
        this.name = name;
        this.config = config;
    }

    static String clientVersion() {
        return MQVersion.getVersionDesc(MQVersion.CURRENT_VERSION);
    }

    /** "java4" or "java5", from the client on the class path. */
    static String clientTag() {
        return clientVersion().startsWith("V4") ? "java4" : "java5";
    }

    void step(String what) {
        step = what;
    }

    String lastStep() {
        return step.isEmpty() ? "no step recorded" : "while " + step;
    }

    private String shortName() {
        return name.split("_", 2)[0];
    }

    /** Topic and group names are unique per scenario, client and run. */
    String topic(String suffix) {
        return "compat_" + shortName() + "_" + clientTag() + "_" + config.runId + suffix;
    }

    String group(String suffix) {
        return "compat_" + shortName() + "_" + clientTag() + "_" + config.runId + "_cg" + suffix;
    }

    String instance() {
        return "compat-" + shortName() + "-" + clients.incrementAndGet();
    }

    synchronized void onClose(Runnable closer) {
        closers.push(closer);
    }

    /** Shuts clients down in reverse start order, giving up after the timeout. */
    void closeAll(int timeoutSeconds) {
        List<Runnable> all;
        synchronized (this) {
            all = new ArrayList<>(closers);
            closers.clear();
        }
        CountDownLatch done = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            for (Runnable r : all) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    System.err.println("shutdown: " + e);
                }
            }
            done.countDown();
        }, "closer");
        t.setDaemon(true);
        t.start();
        try {
            if (!done.await(timeoutSeconds, TimeUnit.SECONDS)) {
                System.err.println(name + ": client shutdown took over " + timeoutSeconds + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    DefaultMQProducer producer() throws Exception {
        step("starting a producer");
        DefaultMQProducer p = new DefaultMQProducer(group("_pg"));
        p.setNamesrvAddr(config.namesrv);
        p.setInstanceName(instance());
        p.setSendMsgTimeout(3000);
        p.setPollNameServerInterval(1000);
        p.start();
        onClose(p::shutdown);
        return p;
    }

    /** A push consumer reading from the first offset; the caller subscribes, registers a listener and starts it. */
    DefaultMQPushConsumer pushConsumer(String group) {
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(group);
        c.setNamesrvAddr(config.namesrv);
        c.setInstanceName(instance());
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.setPollNameServerInterval(1000);
        c.setHeartbeatBrokerInterval(1000);
        c.setPersistConsumerOffsetInterval(1000);
        onClose(c::shutdown);
        return c;
    }

    DefaultMQAdminExt admin() throws Exception {
        if (admin == null) {
            step("starting the admin client");
            DefaultMQAdminExt a = new DefaultMQAdminExt(5000);
            a.setNamesrvAddr(config.namesrv);
            a.setInstanceName(instance());
            a.start();
            onClose(a::shutdown);
            admin = a;
        }
        return admin;
    }

    /**
     * Master broker addresses registered at the NameServer. A broker that has just started may
     * not have registered yet, so this waits up to 15 s, but gives up at once when the broker
     * address the runner named (--broker) refuses connections: then no broker runs at all.
     */
    List<String> masterBrokers() throws Exception {
        step("reading the cluster from the NameServer");
        long end = System.currentTimeMillis() + 15_000;
        while (true) {
            var cluster = admin().examineBrokerClusterInfo();
            List<String> masters = new ArrayList<>();
            if (cluster != null && cluster.getBrokerAddrTable() != null) {
                for (var broker : cluster.getBrokerAddrTable().values()) {
                    String addr = broker.getBrokerAddrs().get(0L);
                    if (addr != null) {
                        masters.add(addr);
                    }
                }
            }
            if (!masters.isEmpty()) {
                return masters;
            }
            if (System.currentTimeMillis() > end || !brokerListening()) {
                throw new AssertionError("no broker registered at the NameServer " + config.namesrv
                        + (config.broker.isEmpty() ? "" : " (and none listening on " + config.broker + ")"));
            }
            Thread.sleep(300);
        }
    }

    private boolean brokerListening() {
        if (config.broker.isEmpty()) {
            return true;
        }
        String[] hostPort = config.broker.split(":");
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 1000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Creates a topic on every master through the admin API and waits for its route. */
    void createTopic(String topic, int queues) throws Exception {
        for (String addr : masterBrokers()) {
            step("creating topic " + topic + " on " + addr);
            TopicConfig tc = new TopicConfig(topic, queues, queues, 6);
            admin().createAndUpdateTopicConfig(addr, tc);
        }
        waitRoute(topic, queues);
    }

    void waitRoute(String topic, int queues) throws Exception {
        step("waiting for the route of " + topic);
        long end = System.currentTimeMillis() + 15_000;
        String last = "";
        while (System.currentTimeMillis() < end) {
            try {
                var route = admin().examineTopicRouteInfo(topic);
                int write = 0;
                for (var qd : route.getQueueDatas()) {
                    write += qd.getWriteQueueNums();
                }
                if (write >= queues) {
                    return;
                }
                last = "route has " + write + " write queues";
            } catch (Exception e) {
                last = e.getMessage();
            }
            Thread.sleep(300);
        }
        throw new AssertionError("route of " + topic + " not served by the NameServer within 15 s: " + last);
    }

    /** Whether the admin scenarios also ask `bolide admin` (the runner passes --bolide-admin). */
    boolean comparesWithBolideAdmin() {
        return !config.bolideAdmin.isEmpty();
    }

    /**
     * Runs `bolide admin ARGS -n NAMESRV --json` and returns its answer (a fastjson JSONArray or
     * JSONObject); fails with its stderr when it exits non-zero.
     */
    Object bolideAdmin(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(config.bolideAdmin, "admin"));
        argv.addAll(List.of(args));
        argv.addAll(List.of("-n", config.namesrv, "--json"));
        step("running bolide admin " + String.join(" ", args));
        Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.PIPE).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bolide admin " + String.join(" ", args) + " did not finish in 60 s");
        }
        String stderr = new String(err, java.nio.charset.StandardCharsets.UTF_8).trim();
        check(p.exitValue() == 0, "bolide admin " + String.join(" ", args) + " failed: " + stderr);
        return com.alibaba.fastjson.JSON.parse(new String(out, java.nio.charset.StandardCharsets.UTF_8));
    }

    static Message message(String topic, String seq, byte[] body) {
        Message m = new Message(topic, body);
        m.putUserProperty(SEQ, seq);
        return m;
    }

    static void check(boolean condition, String failure) {
        if (!condition) {
            throw new AssertionError(failure);
        }
    }
}
