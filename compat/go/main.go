// Command compat-go runs Bolide compatibility scenarios with the official Go client
// (github.com/apache/rocketmq-client-go/v2). It prints one line per scenario:
//
//	PASS <scenario> <detail>
//	FAIL <scenario>: <reason>
//
// and exits 0 when every requested scenario passed, 1 otherwise. Every scenario runs under a
// hard deadline; a scenario that overruns is reported as failed and the process exits without
// waiting for client shutdown, so a stuck client can never hang the suite.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/apache/rocketmq-client-go/v2/rlog"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.namesrv, "namesrv", "127.0.0.1:9876", "NameServer address host:port")
	flag.StringVar(&cfg.broker, "broker", "127.0.0.1:10911", "broker address host:port (admin calls that need one)")
	flag.StringVar(&cfg.runID, "run-id", fmt.Sprintf("%x", time.Now().UnixNano()&0xffffff), "suffix that makes topic and group names unique to this run")
	flag.StringVar(&cfg.topic, "topic", "", "topic for s15_produce / s15_consume (the runner chooses it)")
	timeoutS := flag.Int("timeout-s", 0, "override every scenario's deadline, in seconds")
	list := flag.Bool("list", false, "print the scenario names and exit")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: compat-go [flags] SCENARIO...\n\nflags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *list {
		for _, name := range scenarioNames() {
			fmt.Println(name)
		}
		return
	}
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	rlog.SetLogLevel("error")

	failed := false
	for _, name := range flag.Args() {
		sc, ok := scenarios[name]
		if !ok {
			fmt.Printf("FAIL %s: not implemented by the Go client program\n", name)
			failed = true
			continue
		}
		deadline := sc.deadline
		if *timeoutS > 0 {
			deadline = time.Duration(*timeoutS) * time.Second
		}
		if !runOne(name, sc.run, cfg, deadline) {
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// runOne runs a scenario in its own goroutine and reports it; on overrun it exits the process.
func runOne(name string, run func(*env) (string, error), cfg config, deadline time.Duration) bool {
	e := newEnv(name, cfg, deadline)
	done := make(chan struct{})
	var detail string
	var err error
	go func() {
		defer close(done)
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v", p)
			}
		}()
		detail, err = run(e)
	}()
	select {
	case <-done:
	case <-time.After(deadline):
		fmt.Printf("FAIL %s: timed out after %s (%s)\n", name, deadline, e.lastStep())
		os.Exit(1)
	}
	closed := make(chan struct{})
	go func() { e.closeAll(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(15 * time.Second):
		fmt.Fprintf(os.Stderr, "%s: client shutdown took over 15 s\n", name)
	}
	if err != nil {
		fmt.Printf("FAIL %s: %s\n", name, oneLine(err.Error()))
		return false
	}
	fmt.Printf("PASS %s %s\n", name, oneLine(detail))
	return true
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func scenarioNames() []string {
	names := make([]string, 0, len(scenarios))
	for name := range scenarios {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
