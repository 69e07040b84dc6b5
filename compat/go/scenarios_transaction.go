package main

import (
	"fmt"
	"strings"
	"sync"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
)

// s16Each is how many transactions of each kind s16 sends.
const s16Each = 2

// s16CheckWait covers a stock broker's check-back: every 30 s, 6 s after the half message at the
// earliest.
const s16CheckWait = 100 * time.Second

// s16Listener commits "commit-*", rolls back "rollback-*" and leaves "unknown-*" open until the
// broker checks it back, then commits it.
type s16Listener struct {
	mu      sync.Mutex
	checked map[string]bool
	wrong   []string
}

func s16Kind(seq string) string {
	return strings.SplitN(seq, "-", 2)[0]
}

func (l *s16Listener) ExecuteLocalTransaction(m *primitive.Message) primitive.LocalTransactionState {
	switch s16Kind(m.GetProperty(seqProperty)) {
	case "commit":
		return primitive.CommitMessageState
	case "rollback":
		return primitive.RollbackMessageState
	default:
		return primitive.UnknowState
	}
}

func (l *s16Listener) CheckLocalTransaction(m *primitive.MessageExt) primitive.LocalTransactionState {
	seq := m.GetProperty(seqProperty)
	l.mu.Lock()
	defer l.mu.Unlock()
	switch s16Kind(seq) {
	case "unknown":
		l.checked[seq] = true
		return primitive.CommitMessageState
	case "commit":
		l.wrong = append(l.wrong, seq)
		return primitive.CommitMessageState
	default:
		l.wrong = append(l.wrong, seq)
		return primitive.RollbackMessageState
	}
}

// s16: commit, rollback, and unknown-then-committed-by-the-check transactions; the consumer sees
// exactly the committed ones, each once.
func s16Transaction(e *env) (string, error) {
	topic := e.topic("")
	if err := e.createTopic(topic, 4); err != nil {
		return "", err
	}
	listener := &s16Listener{checked: map[string]bool{}}
	e.stepf("starting a transaction producer")
	p, err := rocketmq.NewTransactionProducer(listener,
		producer.WithNsResolver(e.resolver()),
		producer.WithGroupName(e.group("_tpg")),
		producer.WithInstanceName(e.instance()),
		producer.WithSendMsgTimeout(3*time.Second),
		producer.WithRetry(2),
	)
	if err != nil {
		return "", fmt.Errorf("new transaction producer: %w", err)
	}
	if err := p.Start(); err != nil {
		return "", fmt.Errorf("start transaction producer: %w", err)
	}
	e.onClose(func() { _ = p.Shutdown() })
	for _, kind := range []string{"commit", "rollback", "unknown"} {
		for i := 0; i < s16Each; i++ {
			seq := fmt.Sprintf("%s-%d", kind, i)
			e.stepf("sending transaction %s", seq)
			r, err := p.SendMessageInTransaction(e.ctx, message(topic, seq, []byte("txn "+seq)))
			if err != nil {
				return "", fmt.Errorf("%s: send in transaction: %w", seq, err)
			}
			if r.Status != primitive.SendOK {
				return "", fmt.Errorf("%s: send status %v", seq, r.Status)
			}
		}
	}
	col := newCollector()
	if _, err := e.pushConsumer(e.group(""), topic, "*", col.handler()); err != nil {
		return "", err
	}
	if err := waitPrefix(e, col, "commit-", s16Each, 30*time.Second); err != nil {
		return "", err
	}
	e.stepf("waiting for the broker to check the unknown transactions back")
	if err := waitPrefix(e, col, "unknown-", s16Each, s16CheckWait); err != nil {
		return "", err
	}
	time.Sleep(3 * time.Second)
	if n := countPrefix(col, "rollback-"); n != 0 {
		return "", fmt.Errorf("%d rolled-back transactions delivered", n)
	}
	if col.distinct() != 2*s16Each || col.duplicates() != 0 {
		return "", fmt.Errorf("delivered %d distinct messages (%d duplicates), expected %d once each",
			col.distinct(), col.duplicates(), 2*s16Each)
	}
	listener.mu.Lock()
	defer listener.mu.Unlock()
	if len(listener.checked) != s16Each {
		return "", fmt.Errorf("checked back %v, expected every unknown-*", listener.checked)
	}
	if len(listener.wrong) != 0 {
		return "", fmt.Errorf("resolved transactions were checked back: %v", listener.wrong)
	}
	return fmt.Sprintf("%d committed + %d committed on check-back delivered once; %d rolled back never",
		s16Each, s16Each, s16Each), nil
}

// waitPrefix blocks until n distinct messages whose sequence starts with prefix arrived.
func waitPrefix(e *env, c *collector, prefix string, n int, timeout time.Duration) error {
	e.stepf("waiting for %d messages %s*", n, prefix)
	end := time.Now().Add(timeout)
	for time.Now().Before(end) {
		if countPrefix(c, prefix) >= n {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("received %d of %d messages %s* within %s", countPrefix(c, prefix), n, prefix, timeout)
}
