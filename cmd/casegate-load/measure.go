package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// client posts GraphQL requests over a keep-alive pool big enough for the concurrent runs.
type client struct {
	http *http.Client
	url  string
}

func newClient(url string) *client {
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute, DisableCompression: true}
	return &client{http: &http.Client{Transport: tr, Timeout: 2 * time.Minute}, url: url}
}

// gqlError is an error the server answered with.
type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// post sends one GraphQL request and decodes data into out (nil skips decoding); an answer with
// errors is an error.
func (c *client) post(ctx context.Context, token, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	var env struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return fmt.Errorf("status %d: %.200s", res.StatusCode, b)
	}
	if len(env.Errors) > 0 {
		return fmt.Errorf("status %d: %s %v", res.StatusCode, env.Errors[0].Message, env.Errors[0].Extensions)
	}
	if out != nil {
		return json.Unmarshal(env.Data, out)
	}
	return nil
}

// stats are the latencies of one measured request kind.
type stats struct {
	times []time.Duration
	err   error
}

func (s stats) p(q float64) time.Duration {
	if len(s.times) == 0 {
		return 0
	}
	t := slices.Clone(s.times)
	slices.Sort(t)
	return t[int(float64(len(t)-1)*q+0.5)]
}

// sample runs do n times one after another (after two unmeasured warm-up runs), stopping early
// when budget is spent, with at least min samples.
func sample(n int, budget time.Duration, do func() error) stats {
	const min = 5
	for range 2 {
		if err := do(); err != nil {
			return stats{err: err}
		}
	}
	var s stats
	start := time.Now()
	for i := 0; i < n && (i < min || time.Since(start) < budget); i++ {
		t := time.Now()
		if err := do(); err != nil {
			s.err = err
			return s
		}
		s.times = append(s.times, time.Since(t))
	}
	return s
}

// rate is a throughput run's outcome.
type rate struct {
	done, failed int64
	perSec       float64
	firstErr     error
}

// hammer runs do from clients goroutines for d and counts the requests completed.
func hammer(clients int, d time.Duration, do func() error) rate {
	var done, failed atomic.Int64
	var once sync.Once
	var firstErr error
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				if err := do(); err != nil {
					failed.Add(1)
					once.Do(func() { firstErr = err })
					continue
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	el := time.Since(start).Seconds()
	return rate{done: done.Load(), failed: failed.Load(), perSec: float64(done.Load()) / el, firstErr: firstErr}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
