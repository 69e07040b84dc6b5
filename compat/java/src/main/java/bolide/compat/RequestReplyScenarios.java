package bolide.compat;

import static bolide.compat.Env.check;
import static bolide.compat.Env.message;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.RequestCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.client.utils.MessageUtil;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * Scenario 17: request-reply. A requester's {@code DefaultMQProducer.request} (sync and with a
 * {@code RequestCallback}) is answered by a push consumer that builds the reply with
 * {@code MessageUtil.createReplyMessage} and sends it with its own producer; the broker pushes the
 * reply back to the requester (PUSH_REPLY_MESSAGE_TO_CLIENT).
 */
final class RequestReplyScenarios {
    private static final int EACH = 3;
    private static final long REQUEST_TIMEOUT_MS = 10_000;

    private static String text(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The reply body for a request body. */
    private static byte[] replyTo(byte[] request) {
        return ("reply to " + text(request)).getBytes(StandardCharsets.UTF_8);
    }

    /** Starts the replier: a push consumer answering every request through its own producer. */
    private static void startReplier(Env env, String topic, ConcurrentLinkedQueue<String> errors) throws Exception {
        env.step("starting the replier's producer");
        DefaultMQProducer replyProducer = new DefaultMQProducer(env.group("_reply_pg"));
        replyProducer.setNamesrvAddr(env.config.namesrv);
        replyProducer.setInstanceName(env.instance());
        replyProducer.setSendMsgTimeout(3000);
        replyProducer.setPollNameServerInterval(1000);
        replyProducer.start();
        env.onClose(replyProducer::shutdown);

        DefaultMQPushConsumer c = env.pushConsumer(env.group(""));
        c.subscribe(topic, "*");
        c.registerMessageListener((MessageListenerConcurrently) (msgs, context) -> {
            for (MessageExt request : msgs) {
                try {
                    Message reply = MessageUtil.createReplyMessage(request, replyTo(request.getBody()));
                    reply.putUserProperty(Env.SEQ, request.getUserProperty(Env.SEQ));
                    SendResult r = replyProducer.send(reply, 5000);
                    if (r.getSendStatus() != SendStatus.SEND_OK) {
                        errors.add("reply send status " + r.getSendStatus());
                    }
                } catch (Exception e) {
                    errors.add("replying to " + request.getUserProperty(Env.SEQ) + ": " + e);
                }
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        env.step("starting the replier's push consumer");
        c.start();
    }

    private static void checkReply(Message reply, String seq, String kind) {
        check(reply != null, kind + " request " + seq + " got no reply");
        String want = "reply to request " + seq;
        check(want.equals(text(reply.getBody())), kind + " reply body '" + text(reply.getBody()) + "', want '" + want + "'");
        check(seq.equals(reply.getUserProperty(Env.SEQ)), kind + " reply lost its user property (" + reply.getProperties() + ")");
        check(reply.getTopic() != null && reply.getTopic().endsWith("_REPLY_TOPIC"), kind + " reply topic " + reply.getTopic());
    }

    /** s17: sync and async request answered through the broker. */
    static String s17RequestReply(Env env) throws Exception {
        String topic = env.topic("");
        env.createTopic(topic, 4);
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        startReplier(env, topic, errors);
        DefaultMQProducer requester = env.producer();

        long slowest = 0;
        for (int i = 0; i < EACH; i++) {
            String seq = "sync-" + i;
            env.step("sync request " + seq);
            long start = System.currentTimeMillis();
            Message reply = requester.request(message(topic, seq, Bodies.utf8("request " + seq)), REQUEST_TIMEOUT_MS);
            slowest = Math.max(slowest, System.currentTimeMillis() - start);
            checkReply(reply, seq, "sync");
        }
        check(errors.isEmpty(), String.join("; ", errors));

        env.step("async requests");
        CountDownLatch done = new CountDownLatch(EACH);
        Map<String, Message> replies = new ConcurrentHashMap<>();
        for (int i = 0; i < EACH; i++) {
            String seq = "async-" + i;
            requester.request(message(topic, seq, Bodies.utf8("request " + seq)), new RequestCallback() {
                @Override
                public void onSuccess(Message reply) {
                    replies.put(seq, reply);
                    done.countDown();
                }

                @Override
                public void onException(Throwable e) {
                    errors.add("async request " + seq + ": " + e);
                    done.countDown();
                }
            }, REQUEST_TIMEOUT_MS);
        }
        check(done.await(REQUEST_TIMEOUT_MS + 5000, TimeUnit.MILLISECONDS), "async request callbacks did not all arrive");
        check(errors.isEmpty(), String.join("; ", errors));
        for (int i = 0; i < EACH; i++) {
            String seq = "async-" + i;
            checkReply(replies.get(seq), seq, "async");
        }
        return EACH + " sync and " + EACH + " async requests answered with the right bodies (slowest sync round trip "
                + slowest + " ms)";
    }
}
