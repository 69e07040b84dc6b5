package bolide.compat;

import static bolide.compat.Env.check;

import java.util.ArrayList;
import java.util.List;

import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * s15: a producer in one language, a consumer in another. Every client produces and checks
 * exactly these three messages (see compat/README.md, "Scenario 15").
 */
final class CrossScenarios {
    static List<Message> messages(String topic) {
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Message m = new Message(topic, body(i));
            m.setTags("TagX");
            m.setKeys(List.of("s15-key-" + i, "s15-extra"));
            m.putUserProperty(Env.SEQ, "s15-" + i);
            m.putUserProperty("color", "blue");
            m.putUserProperty("city", "上海");
            out.add(m);
        }
        return out;
    }

    static byte[] body(int i) {
        return i == 1 ? Bodies.text(8192, 15) : Bodies.utf8("bolide s15 跨语言 message " + i);
    }

    private static String requireTopic(Env env) {
        check(!env.config.topic.isEmpty(), "--topic is required");
        return env.config.topic;
    }

    static String s15Produce(Env env) throws Exception {
        String topic = requireTopic(env);
        env.createTopic(topic, 4);
        DefaultMQProducer p = env.producer();
        for (Message m : messages(topic)) {
            p.send(m);
        }
        return "3 messages sent to " + topic;
    }

    static String s15Consume(Env env) throws Exception {
        String topic = requireTopic(env);
        Collector col = new Collector();
        SendScenarios.consume(env, topic, "*", col);
        col.await(env, 3, 40);
        for (Message want : messages(topic)) {
            String seq = want.getUserProperty(Env.SEQ);
            MessageExt got = col.get(seq);
            check(got != null, seq + " missing");
            check(Bodies.sha(got.getBody()).equals(Bodies.sha(want.getBody())),
                    seq + ": body sha " + Bodies.sha(got.getBody()) + ", want " + Bodies.sha(want.getBody()));
            for (String k : List.of("color", "city")) {
                check(want.getUserProperty(k).equals(got.getUserProperty(k)),
                        seq + ": property " + k + " = " + got.getUserProperty(k) + ", want " + want.getUserProperty(k));
            }
            check("TagX".equals(got.getTags()) && want.getKeys().equals(got.getKeys()),
                    seq + ": tags " + got.getTags() + " keys " + got.getKeys() + ", want TagX and " + want.getKeys());
        }
        return "3 messages from another client intact (tag, keys, properties, body)";
    }

    private CrossScenarios() {}
}
