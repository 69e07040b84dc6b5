package bolide.compat;

import static bolide.compat.Env.check;
import static bolide.compat.Env.message;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/** Scenario 16: transactional messages (half message, END_TRANSACTION, check-back). */
final class TransactionScenarios {
    private static final int EACH = 2;
    /** A stock broker checks every 30 s, 6 s after the half message at the earliest. */
    private static final int CHECK_WAIT_S = 100;

    private static String kind(String seq) {
        return seq.substring(0, seq.indexOf('-'));
    }

    /**
     * s16: commit, rollback, and unknown-then-committed-by-the-check transactions; the consumer
     * sees exactly the committed ones, each once.
     */
    static String s16Transaction(Env env) throws Exception {
        String topic = env.topic("");
        env.createTopic(topic, 4);
        Set<String> checked = ConcurrentHashMap.newKeySet();
        Set<String> wronglyChecked = ConcurrentHashMap.newKeySet();
        TransactionMQProducer p = new TransactionMQProducer(env.group("_tpg"));
        p.setNamesrvAddr(env.config.namesrv);
        p.setInstanceName(env.instance());
        p.setSendMsgTimeout(3000);
        p.setPollNameServerInterval(1000);
        p.setTransactionListener(new TransactionListener() {
            @Override
            public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
                return switch (kind(msg.getUserProperty(Env.SEQ))) {
                    case "commit" -> LocalTransactionState.COMMIT_MESSAGE;
                    case "rollback" -> LocalTransactionState.ROLLBACK_MESSAGE;
                    default -> LocalTransactionState.UNKNOW;
                };
            }

            @Override
            public LocalTransactionState checkLocalTransaction(MessageExt msg) {
                String seq = msg.getUserProperty(Env.SEQ);
                if (!"unknown".equals(kind(seq))) {
                    wronglyChecked.add(seq);
                    return "commit".equals(kind(seq)) ? LocalTransactionState.COMMIT_MESSAGE : LocalTransactionState.ROLLBACK_MESSAGE;
                }
                checked.add(seq);
                return LocalTransactionState.COMMIT_MESSAGE;
            }
        });
        env.step("starting a transaction producer");
        p.start();
        env.onClose(p::shutdown);
        List<String> seqs = new ArrayList<>();
        for (String kind : List.of("commit", "rollback", "unknown")) {
            for (int i = 0; i < EACH; i++) {
                seqs.add(kind + "-" + i);
            }
        }
        for (String seq : seqs) {
            env.step("sending transaction " + seq);
            TransactionSendResult r = p.sendMessageInTransaction(message(topic, seq, Bodies.utf8("txn " + seq)), null);
            check(r.getSendStatus() == SendStatus.SEND_OK, seq + ": send status " + r.getSendStatus());
            check(r.getTransactionId() != null && !r.getTransactionId().isEmpty(), seq + ": no transaction id");
        }
        Collector col = new Collector();
        SendScenarios.consume(env, topic, "*", col);
        col.awaitPrefix(env, "commit-", EACH, 30);
        env.step("waiting for the broker to check the unknown transactions back");
        col.awaitPrefix(env, "unknown-", EACH, CHECK_WAIT_S);
        Thread.sleep(3000);
        check(col.countPrefix("rollback-") == 0, "a rolled-back transaction was delivered");
        check(col.distinct() == 2 * EACH, "delivered " + col.distinct() + " distinct messages, expected " + 2 * EACH);
        check(col.duplicates() == 0, col.duplicates() + " duplicate deliveries");
        check(checked.size() == EACH, "checked back " + checked + ", expected every unknown-*");
        check(wronglyChecked.isEmpty(), "resolved transactions were checked back: " + wronglyChecked);
        for (MessageExt m : col.all()) {
            String seq = m.getUserProperty(Env.SEQ);
            check(m.getProperty("REAL_TOPIC") == null, seq + " still carries REAL_TOPIC");
            check(m.getBody() != null && new String(m.getBody(), java.nio.charset.StandardCharsets.UTF_8).equals("txn " + seq),
                    seq + ": body changed");
        }
        return EACH + " committed + " + EACH + " committed on check-back delivered once; " + EACH + " rolled back never";
    }

    private TransactionScenarios() {}
}
