import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;

import org.apache.rocketmq.common.BrokerConfig;
import org.apache.rocketmq.common.message.MessageAccessor;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.store.DefaultMessageStore;
import org.apache.rocketmq.store.GetMessageResult;
import org.apache.rocketmq.store.GetMessageStatus;
import org.apache.rocketmq.store.MessageArrivingListener;
import org.apache.rocketmq.store.MessageExtBrokerInner;
import org.apache.rocketmq.store.PutMessageResult;
import org.apache.rocketmq.store.PutMessageStatus;
import org.apache.rocketmq.store.QueryMessageResult;
import org.apache.rocketmq.store.config.FlushDiskType;
import org.apache.rocketmq.store.config.MessageStoreConfig;
import org.apache.rocketmq.store.stats.BrokerStatsManager;

/**
 * Writes COUNT messages into a fresh store directory with RocketMQ's DefaultMessageStore, then
 * shuts it down cleanly. Message i goes to topic JavaTopic, queue i % 4, with body
 * "java message i", tag "Tag" + (i % 3), keys "key-i common" and UNIQ_KEY "UNIQ-i".
 * Sizes are small so that several commit log and consume queue files are written; the Rust
 * side opens the directory with the same sizes.
 *
 * With a third argument "verify", it instead opens a directory written by Bolide with the same
 * sizes and layout and checks that every message reads back (exit status 1 otherwise).
 *
 * Usage: JavaStoreWriter ROOT COUNT [verify]
 */
public class JavaStoreWriter {
    public static void main(String[] args) {
        // Any exception must end the JVM: the store's threads are not daemons, so under exec:java
        // an exception escaping main would leave Maven waiting for them forever (what made the
        // compatibility test hang).
        try {
            System.exit(run(args));
        } catch (Throwable e) {
            e.printStackTrace(System.out);
            System.exit(2);
        }
    }

    private static int run(String[] args) throws Exception {
        String root = args[0];
        int count = Integer.parseInt(args[1]);
        boolean verify = args.length > 2 && args[2].equals("verify");
        DefaultMessageStore store = open(root);
        if (verify) {
            int failures;
            try {
                failures = verify(store, count);
            } catch (Throwable e) {
                e.printStackTrace(System.out);
                failures = 1;
            } finally {
                store.shutdown();
            }
            System.out.println(failures == 0 ? "verified " + count : failures + " failures");
            return failures == 0 ? 0 : 1;
        }
        write(store, count);
        return 0;
    }

    private static DefaultMessageStore open(String root) throws Exception {
        MessageStoreConfig config = new MessageStoreConfig();
        config.setStorePathRootDir(root);
        config.setStorePathCommitLog(root + "/commitlog");
        config.setMappedFileSizeCommitLog(64 * 1024);
        config.setMappedFileSizeConsumeQueue(20 * 64);
        config.setMaxHashSlotNum(64);
        config.setMaxIndexNum(256);
        config.setFlushDiskType(FlushDiskType.SYNC_FLUSH);
        MessageArrivingListener listener = new MessageArrivingListener() {
            @Override
            public void arriving(String topic, int queueId, long logicOffset, long tagsCode, long msgStoreTime,
                byte[] filterBitMap, Map<String, String> properties) {
            }
        };
        DefaultMessageStore store = new DefaultMessageStore(config, new BrokerStatsManager("bolide-compat", true), listener, new BrokerConfig());
        if (!store.load()) {
            throw new IllegalStateException("load failed");
        }
        store.start();
        return store;
    }

    private static void write(DefaultMessageStore store, int count) throws Exception {
        InetSocketAddress born = new InetSocketAddress(InetAddress.getByName("192.168.0.10"), 50000);
        InetSocketAddress host = new InetSocketAddress(InetAddress.getByName("192.168.0.20"), 10911);
        for (int i = 0; i < count; i++) {
            MessageExtBrokerInner msg = new MessageExtBrokerInner();
            msg.setTopic("JavaTopic");
            msg.setQueueId(i % 4);
            msg.setBody(("java message " + i).getBytes("UTF-8"));
            msg.setTags("Tag" + (i % 3));
            msg.setKeys("key-" + i + " common");
            MessageAccessor.putProperty(msg, MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, "UNIQ-" + i);
            msg.setTagsCode(MessageExtBrokerInner.tagsString2tagsCode(msg.getTags()));
            msg.setPropertiesString(MessageDecoder.messageProperties2String(msg.getProperties()));
            msg.setSysFlag(0);
            msg.setBornTimestamp(1700000000000L + i);
            msg.setBornHost(born);
            msg.setStoreHost(host);
            PutMessageResult result = store.putMessage(msg);
            if (result.getPutMessageStatus() != PutMessageStatus.PUT_OK) {
                throw new IllegalStateException("put " + i + ": " + result.getPutMessageStatus());
            }
        }
        while (store.dispatchBehindBytes() > 0) {
            Thread.sleep(10);
        }
        store.shutdown();
        System.out.println("wrote " + count);
        // The stats manager's scheduler threads are not daemons: exit instead of waiting on them.
        System.exit(0);
    }

    /** Checks the layout Bolide's java_compat test writes (same messages as {@link #write}). */
    private static int verify(DefaultMessageStore store, int count) throws Exception {
        int failures = 0;
        long deadline = System.currentTimeMillis() + 10000;
        while (store.dispatchBehindBytes() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        System.out.println("max phy offset " + store.getMaxPhyOffset() + ", dispatch behind " + store.dispatchBehindBytes());
        for (int queueId = 0; queueId < 4; queueId++) {
            long max = store.getMaxOffsetInQueue("JavaTopic", queueId);
            if (max != count / 4) {
                System.out.println("queue " + queueId + ": max offset " + max);
                failures++;
            }
            GetMessageResult result = store.getMessage("verify", "JavaTopic", queueId, 0, count, null);
            if (result.getStatus() != GetMessageStatus.FOUND) {
                System.out.println("queue " + queueId + ": " + result.getStatus());
                failures++;
                continue;
            }
            int k = 0;
            for (ByteBuffer buffer : result.getMessageBufferList()) {
                MessageExt message = MessageDecoder.decode(buffer);
                int i = k * 4 + queueId;
                String body = new String(message.getBody(), "UTF-8");
                boolean ok = body.equals("java message " + i) && message.getQueueOffset() == k
                    && ("Tag" + (i % 3)).equals(message.getTags())
                    && ("UNIQ-" + i).equals(message.getProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX));
                if (!ok) {
                    System.out.println("queue " + queueId + " offset " + k + ": " + message);
                    failures++;
                }
                k++;
            }
            result.release();
        }
        for (int i = 0; i < count; i += 97) {
            QueryMessageResult query = store.queryMessage("JavaTopic", "key-" + i, 8, 0, Long.MAX_VALUE);
            if (query.getMessageBufferList().size() != 1) {
                System.out.println("key-" + i + ": " + query.getMessageBufferList().size() + " results");
                failures++;
            }
            query.release();
        }
        return failures;
    }
}
