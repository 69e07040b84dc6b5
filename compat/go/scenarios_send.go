package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"
)

type scenario struct {
	run      func(*env) (string, error)
	deadline time.Duration
}

// scenarios holds every scenario this client implements; names match the other clients.
var scenarios = map[string]scenario{
	"s01_admin_create_topic":      {s01AdminCreateTopic, 60 * time.Second},
	"s02_send_modes":              {s02SendModes, 60 * time.Second},
	"s03_message_fidelity":        {s03MessageFidelity, 90 * time.Second},
	"s04_tag_filter":              {s04TagFilter, 60 * time.Second},
	"s05_batch_send":              {s05BatchSend, 60 * time.Second},
	"s06_orderly":                 {s06Orderly, 90 * time.Second},
	"s07_delay_level":             {s07DelayLevel, 60 * time.Second},
	"s08_retry_and_dlq":           {s08RetryAndDLQ, 120 * time.Second},
	"s09_broadcasting":            {s09Broadcasting, 60 * time.Second},
	"s10_clustering_rebalance":    {s10ClusteringRebalance, 120 * time.Second},
	"s11_consumer_restart_resume": {s11ConsumerRestartResume, 90 * time.Second},
	"s12_lite_pull":               {s12LitePull, 90 * time.Second},
	"s15_produce":                 {s15Produce, 60 * time.Second},
	"s15_consume":                 {s15Consume, 60 * time.Second},
	"s16_transaction":             {s16Transaction, 150 * time.Second},
	"s17_request_reply":           {s17RequestReply, 90 * time.Second},
	"s18_sql92_filter":            {s18Sql92Filter, 90 * time.Second},
}

// s01: create a topic through the admin API; its route is visible from the NameServer.
func s01AdminCreateTopic(e *env) (string, error) {
	topic := e.topic("")
	if err := e.createTopic(topic, 4); err != nil {
		return "", err
	}
	a, err := e.admin()
	if err != nil {
		return "", err
	}
	e.stepf("listing topics")
	list, err := a.FetchAllTopicList(e.ctx)
	if err != nil {
		return "", fmt.Errorf("fetch all topic list: %w", err)
	}
	found := false
	for _, t := range list.TopicList {
		found = found || t == topic
	}
	if !found {
		return "", fmt.Errorf("topic %s missing from the NameServer's topic list (%d topics)", topic, len(list.TopicList))
	}
	return "topic with 4 queues created, route and topic list served by the NameServer " +
		"(the Go admin API has no call to create a subscription group)", nil
}

// s02: sync, async and oneway send; results carry message id, queue id and queue offset.
func s02SendModes(e *env) (string, error) {
	topic := e.topic("")
	if err := e.createTopic(topic, 4); err != nil {
		return "", err
	}
	p, err := e.producer()
	if err != nil {
		return "", err
	}
	const each = 5
	check := func(r *primitive.SendResult) error {
		if r.Status != primitive.SendOK {
			return fmt.Errorf("send status %v", r.Status)
		}
		if r.MsgID == "" || r.MessageQueue == nil || r.QueueOffset < 0 {
			return fmt.Errorf("send result lacks id, queue or offset: %s", r.String())
		}
		if r.MessageQueue.QueueId < 0 || r.MessageQueue.QueueId >= 4 {
			return fmt.Errorf("queue id %d outside 0..3", r.MessageQueue.QueueId)
		}
		return nil
	}
	e.stepf("sync sends")
	for i := 0; i < each; i++ {
		r, err := p.SendSync(e.ctx, message(topic, fmt.Sprintf("sync-%d", i), []byte("sync")))
		if err != nil {
			return "", fmt.Errorf("sync send: %w", err)
		}
		if err := check(r); err != nil {
			return "", fmt.Errorf("sync send: %w", err)
		}
	}
	e.stepf("async sends")
	var wg sync.WaitGroup
	errs := make(chan error, each)
	for i := 0; i < each; i++ {
		wg.Add(1)
		cb := func(_ context.Context, r *primitive.SendResult, err error) {
			defer wg.Done()
			if err == nil {
				err = check(r)
			}
			if err != nil {
				errs <- fmt.Errorf("async send: %w", err)
			}
		}
		if err := p.SendAsync(e.ctx, cb, message(topic, fmt.Sprintf("async-%d", i), []byte("async"))); err != nil {
			return "", fmt.Errorf("async send: %w", err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return "", err
	}
	e.stepf("oneway sends")
	for i := 0; i < each; i++ {
		if err := p.SendOneWay(e.ctx, message(topic, fmt.Sprintf("oneway-%d", i), []byte("oneway"))); err != nil {
			return "", fmt.Errorf("oneway send: %w", err)
		}
	}
	col := newCollector()
	if _, err := e.pushConsumer(e.group(""), topic, "*", col.handler()); err != nil {
		return "", err
	}
	if err := col.wait(e, 3*each, 30*time.Second); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d sync + %d async + %d oneway sent and consumed", each, each, each), nil
}

// fidelityCase is one message of s03 and what must come back.
type fidelityCase struct {
	seq   string
	tag   string
	keys  []string
	props map[string]string
	body  []byte
}

// s03: keys, tags, properties and bodies (1 B to the 4 MiB limit, UTF-8) survive; over-limit is refused.
func s03MessageFidelity(e *env) (string, error) {
	topic := e.topic("")
	if err := e.createTopic(topic, 4); err != nil {
		return "", err
	}
	p, err := e.producer()
	if err != nil {
		return "", err
	}
	cases := []fidelityCase{
		{"props", "TagP", []string{"key-one", "key-two"}, map[string]string{"color": "blue", "city": "上海"}, []byte("properties")},
		{"size-1", "TagS", []string{"s1"}, nil, textBody(1, 1)},
		{"size-4k", "TagS", []string{"s4k"}, nil, textBody(4096, 2)},
		{"size-1m", "TagS", []string{"s1m"}, nil, textBody(1<<20, 3)},
		{"size-4m", "TagS", []string{"s4m"}, nil, textBody(4<<20, 4)},
		{"utf8", "TagU", []string{"中文键"}, map[string]string{"note": "消息"}, []byte("你好，世界：RocketMQ 兼容性测试 ✓")},
	}
	for _, c := range cases {
		e.stepf("sending %s", c.seq)
		m := message(topic, c.seq, c.body)
		m.WithTag(c.tag)
		m.WithKeys(c.keys)
		for k, v := range c.props {
			m.WithProperty(k, v)
		}
		if _, err := p.SendSync(e.ctx, m); err != nil {
			return "", fmt.Errorf("send %s (%d bytes): %w", c.seq, len(c.body), err)
		}
	}
	e.stepf("sending a body over the 4 MiB limit")
	_, overErr := p.SendSync(e.ctx, message(topic, "over", noiseBody(4<<20+1)))
	if overErr == nil {
		return "", fmt.Errorf("a body of 4 MiB + 1 byte was accepted; it must be refused")
	}
	col := newCollector()
	if _, err := e.pushConsumer(e.group(""), topic, "*", col.handler()); err != nil {
		return "", err
	}
	if err := col.wait(e, len(cases), 45*time.Second); err != nil {
		return "", err
	}
	for _, c := range cases {
		got, ok := col.get(c.seq)
		if !ok {
			return "", fmt.Errorf("%s never arrived", c.seq)
		}
		if !bytes.Equal(got.Body, c.body) {
			return "", fmt.Errorf("%s: body differs (%d bytes, sha %s; sent %d bytes, sha %s)",
				c.seq, len(got.Body), sha(got.Body), len(c.body), sha(c.body))
		}
		if got.GetTags() != c.tag {
			return "", fmt.Errorf("%s: tag %q, want %q", c.seq, got.GetTags(), c.tag)
		}
		if got.GetKeys() != strings.Join(c.keys, " ") {
			return "", fmt.Errorf("%s: keys %q, want %q", c.seq, got.GetKeys(), strings.Join(c.keys, " "))
		}
		for k, v := range c.props {
			if got.GetProperty(k) != v {
				return "", fmt.Errorf("%s: property %s = %q, want %q", c.seq, k, got.GetProperty(k), v)
			}
		}
	}
	if col.distinct() != len(cases) {
		return "", fmt.Errorf("received %d distinct messages, want %d (the over-limit body must not arrive)", col.distinct(), len(cases))
	}
	return fmt.Sprintf("%d messages byte-exact up to 4 MiB; over-limit refused: %s", len(cases), oneLine(overErr.Error())), nil
}

// s04: subscribe to "TagA || TagC" and receive exactly those.
func s04TagFilter(e *env) (string, error) {
	topic := e.topic("")
	if err := e.createTopic(topic, 4); err != nil {
		return "", err
	}
	p, err := e.producer()
	if err != nil {
		return "", err
	}
	tags := []string{"TagA", "TagB", "TagC", "TagD"}
	const perTag = 5
	e.stepf("sending tagged messages")
	for i := 0; i < perTag; i++ {
		for _, tag := range tags {
			m := message(topic, fmt.Sprintf("%s-%d", tag, i), []byte(tag))
			m.WithTag(tag)
			if _, err := p.SendSync(e.ctx, m); err != nil {
				return "", fmt.Errorf("send: %w", err)
			}
		}
	}
	col := newCollector()
	if _, err := e.pushConsumer(e.group(""), topic, "TagA || TagC", col.handler()); err != nil {
		return "", err
	}
	if err := col.wait(e, 2*perTag, 30*time.Second); err != nil {
		return "", err
	}
	e.stepf("waiting for stray messages")
	time.Sleep(3 * time.Second)
	col.mu.Lock()
	defer col.mu.Unlock()
	for seq, m := range col.bySeq {
		if tag := m.GetTags(); tag != "TagA" && tag != "TagC" {
			return "", fmt.Errorf("received %s with tag %s", seq, tag)
		}
	}
	if len(col.bySeq) != 2*perTag {
		return "", fmt.Errorf("received %d distinct messages, want %d", len(col.bySeq), 2*perTag)
	}
	return fmt.Sprintf("%d of %d messages matched TagA || TagC and only those arrived", 2*perTag, perTag*len(tags)), nil
}

// s05: one batch of 50 messages, all consumed.
func s05BatchSend(e *env) (string, error) {
	topic := e.topic("")
	if err := e.createTopic(topic, 4); err != nil {
		return "", err
	}
	p, err := e.producer()
	if err != nil {
		return "", err
	}
	const n = 50
	batch := make([]*primitive.Message, 0, n)
	for i := 0; i < n; i++ {
		batch = append(batch, message(topic, fmt.Sprintf("b-%d", i), []byte(fmt.Sprintf("batch body %d", i))))
	}
	e.stepf("sending a batch")
	r, err := p.SendSync(e.ctx, batch...)
	if err != nil {
		return "", fmt.Errorf("batch send: %w", err)
	}
	if r.Status != primitive.SendOK {
		return "", fmt.Errorf("batch send status %v", r.Status)
	}
	col := newCollector()
	if _, err := e.pushConsumer(e.group(""), topic, "*", col.handler()); err != nil {
		return "", err
	}
	if err := col.wait(e, n, 30*time.Second); err != nil {
		return "", err
	}
	for i := 0; i < n; i++ {
		m, ok := col.get(fmt.Sprintf("b-%d", i))
		if !ok || string(m.Body) != fmt.Sprintf("batch body %d", i) {
			return "", fmt.Errorf("batch message %d missing or with a wrong body", i)
		}
	}
	return fmt.Sprintf("batch of %d sent in one request and consumed", n), nil
}
