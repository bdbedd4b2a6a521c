package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casegate/casegate/internal/procstat"
)

type result struct {
	label                 string
	idleKB, hwmKB, maxKB  int64
	took                  time.Duration
	downloadsOK, uploadOK int
	refused, failed       int
	o                     options
	firstErr              string
}

func (r result) summary() string {
	ok := "✓"
	if r.hwmKB/1024 > targetPeakMiB {
		ok = "✗ over"
	}
	s := fmt.Sprintf("%-8s peak RSS (VmHWM) %4d MiB %s target %d MiB; largest VmRSS sampled %4d MiB; idle before %3d MiB; "+
		"%d/%d downloads and %d/%d uploads complete and intact, %d refused, %d failed, in %v",
		r.label, r.hwmKB/1024, ok, targetPeakMiB, r.maxKB/1024, r.idleKB/1024,
		r.downloadsOK, r.o.downloads, r.uploadOK, r.o.uploads, r.refused, r.failed, r.took.Round(100*time.Millisecond))
	if r.firstErr != "" {
		s += " (first failure: " + r.firstErr + ")"
	}
	return s
}

// client talks GraphQL to the server as one logged-in administrator.
type client struct {
	base, token string
}

func (c *client) do(ctx context.Context, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return c.send(req, out)
}

func (c *client) send(req *http.Request, out any) error {
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var r struct {
		Data   json.RawMessage
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		return fmt.Errorf("HTTP %d: %w", res.StatusCode, err)
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("HTTP %d: %s (%v)", res.StatusCode, r.Errors[0].Message, r.Errors[0].Extensions["code"])
	}
	return json.Unmarshal(r.Data, out)
}

// upload sends data as a new attachment of document through a pipe, so the client holds no copy.
func (c *client) upload(ctx context.Context, documentID string, data []byte) (string, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		ops, _ := json.Marshal(map[string]any{"query": `mutation($d: ID!, $file: Upload!) { addAttachment(documentId: $d, file: $file) { id } }`,
			"variables": map[string]any{"d": documentID, "file": nil}})
		_ = mw.WriteField("operations", string(ops))
		_ = mw.WriteField("map", `{"0": ["variables.file"]}`)
		part, _ := mw.CreateFormFile("0", "bench.bin")
		_, _ = part.Write(data)
		pw.CloseWithError(mw.Close())
	}()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/graphql", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.ContentLength = multipartLength(documentID, data, mw.Boundary())
	var out struct{ AddAttachment struct{ ID string } }
	err := c.send(req, &out)
	return out.AddAttachment.ID, err
}

// multipartLength is the length of the body upload writes, so the request announces it as a
// browser's FormData does.
func multipartLength(documentID string, data []byte, boundary string) int64 {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.SetBoundary(boundary)
	ops, _ := json.Marshal(map[string]any{"query": `mutation($d: ID!, $file: Upload!) { addAttachment(documentId: $d, file: $file) { id } }`,
		"variables": map[string]any{"d": documentID, "file": nil}})
	_ = mw.WriteField("operations", string(ops))
	_ = mw.WriteField("map", `{"0": ["variables.file"]}`)
	_, _ = mw.CreateFormFile("0", "bench.bin")
	_ = mw.Close()
	return int64(b.Len() + len(data))
}

// measure sets up one attachment, resets the server's peak RSS, runs the load and reads the peak.
func measure(ctx context.Context, o options, label, base string, pid int) (result, error) {
	r := result{label: label, o: o}
	c := &client{base: base}
	var login struct{ Login struct{ Token string } }
	if err := c.do(ctx, `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`,
		map[string]any{"e": o.email, "p": o.password}, &login); err != nil {
		return r, fmt.Errorf("log in: %w", err)
	}
	c.token = login.Login.Token
	var doc struct{ CreateDocument struct{ ID string } }
	if err := c.do(ctx, `mutation { createDocument(input: {title: "transfer benchmark"}) { id } }`, nil, &doc); err != nil {
		return r, fmt.Errorf("create document: %w", err)
	}
	data := make([]byte, o.size)
	_, _ = rand.Read(data)
	want := sha256.Sum256(data)
	id, err := c.upload(ctx, doc.CreateDocument.ID, data)
	if err != nil {
		return r, fmt.Errorf("first upload: %w", err)
	}
	// Let the setup's garbage go, then count the peak from here (clear_refs 5 resets VmHWM).
	time.Sleep(2 * time.Second)
	if err := procstat.ResetPeak(pid); err != nil {
		return r, fmt.Errorf("reset the peak RSS of pid %d: %w", pid, err)
	}
	r.idleKB, _, _ = procstat.Memory(pid)

	var maxKB atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if rss, _, err := procstat.Memory(pid); err == nil && rss > maxKB.Load() {
				maxKB.Store(rss)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	var mu sync.Mutex
	note := func(outcome string, err error) {
		mu.Lock()
		defer mu.Unlock()
		switch outcome {
		case "download":
			r.downloadsOK++
		case "upload":
			r.uploadOK++
		case "refused":
			r.refused++
		default:
			r.failed++
			if r.firstErr == "" && err != nil {
				r.firstErr = err.Error()
			}
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	for range o.downloads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outcome, err := slowDownload(ctx, c, base+"/attachments/"+id, o, want)
			note(outcome, err)
		}()
	}
	for range o.uploads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.upload(ctx, doc.CreateDocument.ID, data); err != nil {
				if strings.Contains(err.Error(), "RATE_LIMITED") {
					note("refused", err)
				} else {
					note("failed", err)
				}
				return
			}
			note("upload", nil)
		}()
	}
	wg.Wait()
	r.took = time.Since(start)
	close(stop)
	<-sampled
	_, r.hwmKB, err = procstat.Memory(pid)
	r.maxKB = maxKB.Load()
	fmt.Println(r.summary())
	return r, err
}

// slowDownload reads the attachment o.readBytes at a time with o.pause between reads, and checks it.
func slowDownload(ctx context.Context, c *client, url string, o options, want [32]byte) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "failed", err
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusTooManyRequests {
		return "refused", nil
	}
	if res.StatusCode != http.StatusOK {
		return "failed", fmt.Errorf("download: HTTP %d", res.StatusCode)
	}
	h := sha256.New()
	buf := make([]byte, o.readBytes)
	for {
		n, err := res.Body.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return "failed", fmt.Errorf("download: %w", err)
		}
		time.Sleep(o.pause)
	}
	if !bytes.Equal(h.Sum(nil), want[:]) {
		return "failed", fmt.Errorf("download: content differs")
	}
	return "download", nil
}
