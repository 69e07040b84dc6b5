package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
)

// settle lets in-flight listeners return before a consumer stops: a listener records a message
// before it returns, and the client advances the consumer offset only after it returns.
const settle = time.Second

// s06: 3 sharding keys x 50 messages through a queue selector, consumed orderly, order kept per key.
func s06Orderly(e *env) (string, error) {
	topic := e.topic("")
	if err := e.createTopic(topic, 4); err != nil {
		return "", err
	}
	p, err := e.producer(producer.WithQueueSelector(producer.NewHashQueueSelector()))
	if err != nil {
		return "", err
	}
	keys := []string{"order-a", "order-b", "order-c"}
	const perKey = 50
	e.stepf("sending ordered messages")
	for i := 0; i < perKey; i++ {
		for _, key := range keys {
			m := message(topic, fmt.Sprintf("%s-%d", key, i), []byte(strconv.Itoa(i)))
			m.WithShardingKey(key)
			m.WithProperty("compat_key", key)
			if _, err := p.SendSync(e.ctx, m); err != nil {
				return "", fmt.Errorf("send: %w", err)
			}
		}
	}
	var mu sync.Mutex
	seen := map[string][]int{}
	col := newCollector()
	h := func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		mu.Lock()
		for _, m := range msgs {
			i, _ := strconv.Atoi(string(m.Body))
			key := m.GetProperty("compat_key")
			seen[key] = append(seen[key], i)
		}
		mu.Unlock()
		col.add(msgs...)
		return consumer.ConsumeSuccess, nil
	}
	if _, err := e.pushConsumer(e.group(""), topic, "*", h, consumer.WithConsumerOrder(true)); err != nil {
		return "", err
	}
	if err := col.wait(e, perKey*len(keys), 60*time.Second); err != nil {
		return "", err
	}
	mu.Lock()
	defer mu.Unlock()
	for _, key := range keys {
		next := 0
		for _, i := range seen[key] {
			// A redelivery repeats an earlier index; a gap or a jump backwards past it is disorder.
			if i == next {
				next++
			} else if i > next {
				return "", fmt.Errorf("key %s: got message %d before %d", key, i, next)
			}
		}
		if next != perKey {
			return "", fmt.Errorf("key %s: only %d of %d in order", key, next, perKey)
		}
	}
	return fmt.Sprintf("%d keys x %d messages consumed in per-key order (%d redeliveries)", len(keys), perKey, col.duplicates()), nil
}

// s07: delay level 2 (5 s) arrives no earlier than 5 s and no later than 6 s after sending.
func s07DelayLevel(e *env) (string, error) {
	topic := e.topic("")
	if err := e.createTopic(topic, 4); err != nil {
		return "", err
	}
	p, err := e.producer()
	if err != nil {
		return "", err
	}
	col := newCollector()
	if _, err := e.pushConsumer(e.group(""), topic, "*", col.handler()); err != nil {
		return "", err
	}
	// A plain message first proves the consumer is pulling before the clock starts.
	if _, err := p.SendSync(e.ctx, message(topic, "warm-up", []byte("warm-up"))); err != nil {
		return "", fmt.Errorf("send warm-up: %w", err)
	}
	if err := col.wait(e, 1, 30*time.Second); err != nil {
		return "", fmt.Errorf("warm-up: %w", err)
	}
	m := message(topic, "delayed", []byte("delayed"))
	m.WithDelayTimeLevel(2)
	e.stepf("sending the delayed message")
	sentAt := time.Now()
	if _, err := p.SendSync(e.ctx, m); err != nil {
		return "", fmt.Errorf("send delayed: %w", err)
	}
	sentDone := time.Now()
	if err := col.wait(e, 2, 20*time.Second); err != nil {
		return "", err
	}
	col.mu.Lock()
	arrived := col.arrived["delayed"]
	col.mu.Unlock()
	early, late := arrived.Sub(sentAt), arrived.Sub(sentDone)
	if early < 5*time.Second {
		return "", fmt.Errorf("delayed message arrived after %s, before the 5 s delay", early)
	}
	if late > 6*time.Second {
		return "", fmt.Errorf("delayed message arrived after %s, more than 1 s late", late)
	}
	return fmt.Sprintf("delay level 2 arrived after %s", early.Round(time.Millisecond)), nil
}

// s08: a message that always fails goes to the retry topic, then to the DLQ after max reconsume times.
func s08RetryAndDLQ(e *env) (string, error) {
	topic := e.topic("")
	if err := e.createTopic(topic, 4); err != nil {
		return "", err
	}
	p, err := e.producer()
	if err != nil {
		return "", err
	}
	group := e.group("")
	const maxReconsume = 2
	var mu sync.Mutex
	var attempts []int32
	h := func(ctx context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		mu.Lock()
		for _, m := range msgs {
			attempts = append(attempts, m.ReconsumeTimes)
		}
		mu.Unlock()
		if cc, ok := primitive.GetConcurrentlyCtx(ctx); ok {
			cc.DelayLevelWhenNextConsume = 1 // retry after 1 s rather than the default 10 s, 30 s
		}
		return consumer.ConsumeRetryLater, nil
	}
	if _, err := p.SendSync(e.ctx, message(topic, "doomed", []byte("always fails"))); err != nil {
		return "", fmt.Errorf("send: %w", err)
	}
	if _, err := e.pushConsumer(group, topic, "*", h, consumer.WithMaxReconsumeTimes(maxReconsume)); err != nil {
		return "", err
	}
	want := maxReconsume + 1
	e.stepf("waiting for %d delivery attempts", want)
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		mu.Lock()
		n := len(attempts)
		mu.Unlock()
		if n >= want {
			break
		}
	}
	a, err := e.admin()
	if err != nil {
		return "", err
	}
	dlq := "%DLQ%" + group
	e.stepf("waiting for the DLQ route %s", dlq)
	var routeErr error
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		var mqs []*primitive.MessageQueue
		mqs, routeErr = a.FetchPublishMessageQueues(e.ctx, dlq)
		if routeErr == nil && len(mqs) > 0 {
			break
		}
		if routeErr == nil {
			routeErr = errors.New("no queues")
		}
	}
	if routeErr != nil {
		return "", fmt.Errorf("DLQ topic %s has no route: %v", dlq, routeErr)
	}
	// The DLQ is an ordinary readable topic: a second group reads the message back from it.
	dead := newCollector()
	if _, err := e.pushConsumer(e.group("_dlq"), dlq, "*", dead.handler()); err != nil {
		return "", err
	}
	if err := dead.wait(e, 1, 30*time.Second); err != nil {
		return "", fmt.Errorf("reading %s: %w", dlq, err)
	}
	if m, ok := dead.get("doomed"); !ok || string(m.Body) != "always fails" {
		return "", fmt.Errorf("%s does not hold the failed message intact", dlq)
	}
	time.Sleep(2 * time.Second) // nothing may be delivered after the message went to the DLQ
	mu.Lock()
	defer mu.Unlock()
	if len(attempts) != want {
		return "", fmt.Errorf("%d delivery attempts (reconsume times %v), want %d", len(attempts), attempts, want)
	}
	for i, r := range attempts {
		if int(r) != i {
			return "", fmt.Errorf("reconsume times %v, want 0..%d", attempts, maxReconsume)
		}
	}
	return fmt.Sprintf("%d attempts via the retry topic, then read back from %s", want, dlq), nil
}

// s09: two broadcasting consumers in one group each receive every message.
func s09Broadcasting(e *env) (string, error) {
	topic := e.topic("")
	if err := e.createTopic(topic, 4); err != nil {
		return "", err
	}
	p, err := e.producer()
	if err != nil {
		return "", err
	}
	const n = 20
	e.stepf("sending")
	for i := 0; i < n; i++ {
		if _, err := p.SendSync(e.ctx, message(topic, fmt.Sprintf("m-%d", i), []byte("broadcast"))); err != nil {
			return "", fmt.Errorf("send: %w", err)
		}
	}
	group := e.group("")
	cols := []*collector{newCollector(), newCollector()}
	for _, col := range cols {
		if _, err := e.pushConsumer(group, topic, "*", col.handler(), consumer.WithConsumerModel(consumer.BroadCasting)); err != nil {
			return "", err
		}
	}
	for i, col := range cols {
		if err := col.wait(e, n, 30*time.Second); err != nil {
			return "", fmt.Errorf("consumer %d: %w", i+1, err)
		}
	}
	return fmt.Sprintf("both consumers received all %d messages", n), nil
}

// s10: two clustering consumers split the queues; one leaves; nothing is lost.
func s10ClusteringRebalance(e *env) (string, error) {
	topic := e.topic("")
	if err := e.createTopic(topic, 4); err != nil {
		return "", err
	}
	p, err := e.producer()
	if err != nil {
		return "", err
	}
	group := e.group("")
	all := newCollector()
	first, second := newCollector(), newCollector()
	both := func(c *collector) handler {
		return func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
			c.add(msgs...)
			all.add(msgs...)
			return consumer.ConsumeSuccess, nil
		}
	}
	if _, err := e.pushConsumer(group, topic, "*", both(first)); err != nil {
		return "", err
	}
	leaver, err := e.pushConsumer(group, topic, "*", both(second))
	if err != nil {
		return "", err
	}
	e.stepf("letting the two consumers rebalance")
	time.Sleep(5 * time.Second)
	send := func(prefix string, n int) error {
		for i := 0; i < n; i++ {
			if _, err := p.SendSync(e.ctx, message(topic, fmt.Sprintf("%s-%d", prefix, i), []byte(prefix))); err != nil {
				return fmt.Errorf("send: %w", err)
			}
		}
		return nil
	}
	const n = 40
	if err := send("before", n); err != nil {
		return "", err
	}
	if err := all.wait(e, n, 30*time.Second); err != nil {
		return "", err
	}
	if first.distinct() == 0 || second.distinct() == 0 {
		return "", fmt.Errorf("queues not split: consumers got %d and %d messages", first.distinct(), second.distinct())
	}
	split := fmt.Sprintf("%d/%d", first.distinct(), second.distinct())
	time.Sleep(settle)
	e.stepf("stopping the second consumer")
	_ = leaver.Shutdown()
	if err := send("after", n); err != nil {
		return "", err
	}
	if err := all.wait(e, 2*n, 60*time.Second); err != nil {
		return "", fmt.Errorf("after one consumer left: %w", err)
	}
	return fmt.Sprintf("split %s before, all %d arrived after one consumer left (%d redeliveries)", split, 2*n, all.duplicates()), nil
}

// s11: a restarted consumer resumes from the committed offset: nothing lost, few duplicates.
func s11ConsumerRestartResume(e *env) (string, error) {
	topic := e.topic("")
	if err := e.createTopic(topic, 4); err != nil {
		return "", err
	}
	p, err := e.producer()
	if err != nil {
		return "", err
	}
	group := e.group("")
	send := func(prefix string, n int) error {
		for i := 0; i < n; i++ {
			if _, err := p.SendSync(e.ctx, message(topic, fmt.Sprintf("%s-%d", prefix, i), []byte(prefix))); err != nil {
				return fmt.Errorf("send: %w", err)
			}
		}
		return nil
	}
	const n = 20
	if err := send("first", n); err != nil {
		return "", err
	}
	before := newCollector()
	c1, err := e.pushConsumer(group, topic, "*", before.handler())
	if err != nil {
		return "", err
	}
	if err := before.wait(e, n, 30*time.Second); err != nil {
		return "", err
	}
	time.Sleep(settle)
	e.stepf("stopping the first consumer")
	_ = c1.Shutdown()
	if err := send("second", n); err != nil {
		return "", err
	}
	after := newCollector()
	if _, err := e.pushConsumer(group, topic, "*", after.handler()); err != nil {
		return "", err
	}
	e.stepf("waiting for the second batch after restart")
	for end := time.Now().Add(40 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if countPrefix(after, "second-") >= n {
			break
		}
	}
	if got := countPrefix(after, "second-"); got != n {
		return "", fmt.Errorf("after restart received %d of %d new messages", got, n)
	}
	time.Sleep(2 * time.Second)
	dups := countPrefix(after, "first-")
	if dups > n/4 {
		return "", fmt.Errorf("restart re-delivered %d of %d already consumed messages: offset not resumed", dups, n)
	}
	return fmt.Sprintf("resumed after restart: %d new messages, %d re-delivered", n, dups), nil
}

func countPrefix(c *collector, prefix string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for seq := range c.bySeq {
		if strings.HasPrefix(seq, prefix) {
			n++
		}
	}
	return n
}

// s12: the pull consumer in subscribe mode (poll) and assign + seek mode (pull from an offset).
func s12LitePull(e *env) (string, error) {
	topic := e.topic("")
	if err := e.createTopic(topic, 4); err != nil {
		return "", err
	}
	p, err := e.producer()
	if err != nil {
		return "", err
	}
	const n = 20
	e.stepf("sending")
	perQueue := map[int]int{}
	for i := 0; i < n; i++ {
		r, err := p.SendSync(e.ctx, message(topic, fmt.Sprintf("p-%d", i), []byte("pull")))
		if err != nil {
			return "", fmt.Errorf("send: %w", err)
		}
		perQueue[r.MessageQueue.QueueId]++
	}
	e.stepf("starting a pull consumer")
	pc, err := rocketmq.NewPullConsumer(
		consumer.WithNsResolver(e.resolver()),
		consumer.WithGroupName(e.group("")),
		consumer.WithInstance(e.instance()),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset))
	if err != nil {
		return "", fmt.Errorf("new pull consumer: %w", err)
	}
	if err := pc.Subscribe(topic, consumer.MessageSelector{Type: consumer.TAG, Expression: "*"}); err != nil {
		return "", fmt.Errorf("subscribe: %w", err)
	}
	if err := pc.Start(); err != nil {
		return "", fmt.Errorf("start pull consumer: %w", err)
	}
	e.onClose(func() { _ = pc.Shutdown() })
	col := newCollector()
	e.stepf("polling")
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && col.distinct() < n; {
		cr, err := pc.Poll(e.ctx, time.Second)
		if err != nil {
			continue
		}
		col.add(cr.GetMsgList()...)
		pc.ACK(e.ctx, cr, consumer.ConsumeSuccess)
	}
	if col.distinct() != n {
		return "", fmt.Errorf("subscribe mode: polled %d of %d messages", col.distinct(), n)
	}
	// Assign + seek: read one queue from offset 0 directly.
	queues := make([]int, 0, len(perQueue))
	for q := range perQueue {
		queues = append(queues, q)
	}
	sort.Ints(queues)
	q := queues[0]
	a, err := e.admin()
	if err != nil {
		return "", err
	}
	mqs, err := a.FetchPublishMessageQueues(e.ctx, topic)
	if err != nil {
		return "", fmt.Errorf("fetch queues: %w", err)
	}
	var mq *primitive.MessageQueue
	for _, m := range mqs {
		if m.QueueId == q {
			mq = m
		}
	}
	if mq == nil {
		return "", fmt.Errorf("queue %d not in the route", q)
	}
	e.stepf("pulling queue %d from offset 0", q)
	res, err := pc.PullFrom(e.ctx, mq, 0, 32)
	if err != nil {
		return "", fmt.Errorf("pull from queue %d offset 0: %w", q, err)
	}
	if got := len(res.GetMessageExts()); got != perQueue[q] {
		return "", fmt.Errorf("seek to offset 0 of queue %d returned %d messages, want %d", q, got, perQueue[q])
	}
	return fmt.Sprintf("polled %d messages; queue %d re-read from offset 0 (%d messages)", n, q, perQueue[q]), nil
}

// s15 shared content: every client produces and checks exactly these three messages.
func s15Messages(topic string) []*primitive.Message {
	out := make([]*primitive.Message, 0, 3)
	for i := 0; i < 3; i++ {
		m := primitive.NewMessage(topic, s15Body(i))
		m.WithTag("TagX")
		m.WithKeys([]string{fmt.Sprintf("s15-key-%d", i), "s15-extra"})
		m.WithProperty(seqProperty, fmt.Sprintf("s15-%d", i))
		m.WithProperty("color", "blue")
		m.WithProperty("city", "上海")
		out = append(out, m)
	}
	return out
}

func s15Body(i int) []byte {
	if i == 1 {
		return textBody(8192, 15)
	}
	return []byte(fmt.Sprintf("bolide s15 跨语言 message %d", i))
}

func s15Produce(e *env) (string, error) {
	topic := e.cfg.topic
	if topic == "" {
		return "", errors.New("--topic is required")
	}
	if err := e.createTopic(topic, 4); err != nil {
		return "", err
	}
	p, err := e.producer()
	if err != nil {
		return "", err
	}
	for _, m := range s15Messages(topic) {
		if _, err := p.SendSync(e.ctx, m); err != nil {
			return "", fmt.Errorf("send: %w", err)
		}
	}
	return "3 messages sent to " + topic, nil
}

func s15Consume(e *env) (string, error) {
	topic := e.cfg.topic
	if topic == "" {
		return "", errors.New("--topic is required")
	}
	col := newCollector()
	if _, err := e.pushConsumer(e.group(""), topic, "*", col.handler()); err != nil {
		return "", err
	}
	if err := col.wait(e, 3, 40*time.Second); err != nil {
		return "", err
	}
	for i, want := range s15Messages(topic) {
		seq := fmt.Sprintf("s15-%d", i)
		got, ok := col.get(seq)
		if !ok {
			return "", fmt.Errorf("%s missing", seq)
		}
		if sha(got.Body) != sha(want.Body) {
			return "", fmt.Errorf("%s: body sha %s, want %s", seq, sha(got.Body), sha(want.Body))
		}
		for _, k := range []string{"color", "city"} {
			if got.GetProperty(k) != want.GetProperty(k) {
				return "", fmt.Errorf("%s: property %s = %q, want %q", seq, k, got.GetProperty(k), want.GetProperty(k))
			}
		}
		if got.GetTags() != "TagX" || got.GetKeys() != want.GetKeys() {
			return "", fmt.Errorf("%s: tags %q keys %q, want TagX and %q", seq, got.GetTags(), got.GetKeys(), want.GetKeys())
		}
	}
	return "3 messages from another client intact (tag, keys, properties, body)", nil
}
