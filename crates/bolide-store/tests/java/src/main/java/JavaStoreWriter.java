import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;

import org.apache.rocketmq.common.BrokerConfig;
import org.apache.rocketmq.common.message.MessageAccessor;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.store.DefaultMessageStore;
import org.apache.rocketmq.store.MessageArrivingListener;
import org.apache.rocketmq.store.MessageExtBrokerInner;
import org.apache.rocketmq.store.PutMessageResult;
import org.apache.rocketmq.store.PutMessageStatus;
import org.apache.rocketmq.store.config.FlushDiskType;
import org.apache.rocketmq.store.config.MessageStoreConfig;

/**
 * Writes COUNT messages into a fresh store directory with RocketMQ's DefaultMessageStore, then
 * shuts it down cleanly. Message i goes to topic JavaTopic, queue i % 4, with body
 * "java message i", tag "Tag" + (i % 3), keys "key-i common" and UNIQ_KEY "UNIQ-i".
 * Sizes are small so that several commit log and consume queue files are written; the Rust
 * side opens the directory with the same sizes.
 *
 * Usage: JavaStoreWriter ROOT COUNT
 */
public class JavaStoreWriter {
    public static void main(String[] args) throws Exception {
        String root = args[0];
        int count = Integer.parseInt(args[1]);
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
        DefaultMessageStore store = new DefaultMessageStore(config, null, listener, new BrokerConfig());
        if (!store.load()) {
            throw new IllegalStateException("load failed");
        }
        store.start();
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
    }
}
