package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/admin"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
)

// config is what the runner passes on the command line.
type config struct {
	namesrv string
	broker  string
	runID   string
	topic   string
}

// seqProperty is the user property every scenario stamps on its messages to recognise them.
const seqProperty = "compat_seq"

// env is one scenario's context: names, a deadline, and every client it started, so that all of
// them are shut down when the scenario ends, however it ends.
type env struct {
	name    string
	cfg     config
	ctx     context.Context
	mu      sync.Mutex
	closers []func()
	step    string
	clients int
}

func newEnv(name string, cfg config, deadline time.Duration) *env {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	e := &env{name: name, cfg: cfg, ctx: ctx}
	e.closers = append(e.closers, cancel)
	return e
}

// stepf records what the scenario is doing, so a timeout can say where it stopped.
func (e *env) stepf(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.step = fmt.Sprintf(format, args...)
}

func (e *env) lastStep() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.step == "" {
		return "no step recorded"
	}
	return "while " + e.step
}

func (e *env) onClose(f func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closers = append(e.closers, f)
}

// closeAll shuts clients down in reverse start order.
func (e *env) closeAll() {
	e.mu.Lock()
	closers := e.closers
	e.closers = nil
	e.mu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
}

func (e *env) short() string {
	return strings.SplitN(e.name, "_", 2)[0]
}

// topic and group names are unique per scenario, client and run: runs never see each other's data.
func (e *env) topic(suffix string) string {
	return fmt.Sprintf("compat_%s_go_%s%s", e.short(), e.cfg.runID, suffix)
}

func (e *env) group(suffix string) string {
	return fmt.Sprintf("compat_%s_go_%s_cg%s", e.short(), e.cfg.runID, suffix)
}

func (e *env) instance() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.clients++
	return fmt.Sprintf("compat-%s-%d", e.short(), e.clients)
}

func (e *env) resolver() primitive.NsResolver {
	return primitive.NewPassthroughResolver([]string{e.cfg.namesrv})
}

func (e *env) producer(opts ...producer.Option) (rocketmq.Producer, error) {
	e.stepf("starting a producer")
	base := []producer.Option{
		producer.WithNsResolver(e.resolver()),
		producer.WithGroupName(e.group("_pg")),
		producer.WithInstanceName(e.instance()),
		producer.WithSendMsgTimeout(3 * time.Second),
		producer.WithRetry(2),
	}
	p, err := rocketmq.NewProducer(append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("new producer: %w", err)
	}
	if err := p.Start(); err != nil {
		return nil, fmt.Errorf("start producer: %w", err)
	}
	e.onClose(func() { _ = p.Shutdown() })
	return p, nil
}

// handler is a push consumer callback.
type handler func(context.Context, ...*primitive.MessageExt) (consumer.ConsumeResult, error)

func (e *env) pushConsumer(group, topic, expr string, h handler, opts ...consumer.Option) (rocketmq.PushConsumer, error) {
	return e.pushConsumerSelector(group, topic, consumer.MessageSelector{Type: consumer.TAG, Expression: expr}, h, opts...)
}

// pushConsumerSelector is pushConsumer with any selector (SQL92 in s18).
func (e *env) pushConsumerSelector(group, topic string, selector consumer.MessageSelector, h handler,
	opts ...consumer.Option) (rocketmq.PushConsumer, error) {
	e.stepf("starting a push consumer in %s", group)
	base := []consumer.Option{
		consumer.WithNsResolver(e.resolver()),
		consumer.WithGroupName(group),
		consumer.WithInstance(e.instance()),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset),
	}
	c, err := rocketmq.NewPushConsumer(append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("new push consumer: %w", err)
	}
	if err := c.Subscribe(topic, selector, h); err != nil {
		return nil, fmt.Errorf("subscribe %s: %w", topic, err)
	}
	if err := c.Start(); err != nil {
		return nil, fmt.Errorf("start push consumer: %w", err)
	}
	var once sync.Once
	stop := func() { once.Do(func() { _ = c.Shutdown() }) }
	e.onClose(stop)
	return &stoppable{PushConsumer: c, stop: stop}, nil
}

// stoppable makes Shutdown idempotent, since scenarios stop consumers early and env stops the rest.
type stoppable struct {
	rocketmq.PushConsumer
	stop func()
}

func (s *stoppable) Shutdown() error {
	s.stop()
	return nil
}

func (e *env) admin() (admin.Admin, error) {
	a, err := admin.NewAdmin(admin.WithResolver(e.resolver()))
	if err != nil {
		return nil, fmt.Errorf("new admin: %w", err)
	}
	e.onClose(func() { _ = a.Close() })
	return a, nil
}

// createTopic creates a topic on the broker through the admin API and waits until the NameServer
// serves its route with every queue.
func (e *env) createTopic(topic string, queues int) error {
	a, err := e.admin()
	if err != nil {
		return err
	}
	e.stepf("creating topic %s on %s", topic, e.cfg.broker)
	err = a.CreateTopic(e.ctx,
		admin.WithTopicCreate(topic),
		admin.WithBrokerAddrCreate(e.cfg.broker),
		admin.WithReadQueueNums(queues),
		admin.WithWriteQueueNums(queues))
	if err != nil {
		return fmt.Errorf("create topic %s on broker %s: %w", topic, e.cfg.broker, err)
	}
	return e.waitRoute(a, topic, queues)
}

func (e *env) waitRoute(a admin.Admin, topic string, queues int) error {
	e.stepf("waiting for the route of %s", topic)
	var last error
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(300 * time.Millisecond) {
		mqs, err := a.FetchPublishMessageQueues(e.ctx, topic)
		if err == nil && len(mqs) == queues {
			return nil
		}
		if err != nil {
			last = err
		} else {
			last = fmt.Errorf("route has %d queues, want %d", len(mqs), queues)
		}
	}
	return fmt.Errorf("route of %s not served by the NameServer within 15 s: %v", topic, last)
}

// message builds a message stamped with a sequence property.
func message(topic, seq string, body []byte) *primitive.Message {
	m := primitive.NewMessage(topic, body)
	m.WithProperty(seqProperty, seq)
	return m
}

// collector gathers consumed messages and counts deliveries per sequence property.
type collector struct {
	mu       sync.Mutex
	bySeq    map[string]*primitive.MessageExt
	order    []string
	delivery map[string]int
	arrived  map[string]time.Time
}

func newCollector() *collector {
	return &collector{
		bySeq:    map[string]*primitive.MessageExt{},
		delivery: map[string]int{},
		arrived:  map[string]time.Time{},
	}
}

func (c *collector) add(msgs ...*primitive.MessageExt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range msgs {
		seq := m.GetProperty(seqProperty)
		if _, ok := c.bySeq[seq]; !ok {
			c.bySeq[seq] = m
			c.order = append(c.order, seq)
			c.arrived[seq] = time.Now()
		}
		c.delivery[seq]++
	}
}

// handler records every message and acknowledges it.
func (c *collector) handler() handler {
	return func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		c.add(msgs...)
		return consumer.ConsumeSuccess, nil
	}
}

func (c *collector) distinct() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.bySeq)
}

func (c *collector) duplicates() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, d := range c.delivery {
		n += d - 1
	}
	return n
}

func (c *collector) get(seq string) (*primitive.MessageExt, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.bySeq[seq]
	return m, ok
}

// wait blocks until n distinct messages arrived or the timeout passed.
func (c *collector) wait(e *env, n int, timeout time.Duration) error {
	e.stepf("waiting for %d messages", n)
	end := time.Now().Add(timeout)
	for time.Now().Before(end) {
		if c.distinct() >= n {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("received %d of %d messages within %s", c.distinct(), n, timeout)
}

func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// textBody is deterministic, compressible content (16 letters driven by an LCG), so that the
// clients' >4 KiB compression path is used and the 4 MiB body stays under the broker limit.
func textBody(size int, seed uint32) []byte {
	const alphabet = "abcdefghijklmnop"
	b := make([]byte, size)
	x := seed*2654435761 + 1
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = alphabet[x>>28]
	}
	return b
}

// noiseBody does not compress, so compression cannot sneak an over-limit body under the limit.
func noiseBody(size int) []byte {
	b := make([]byte, size)
	x := uint64(0x9E3779B97F4A7C15)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}
