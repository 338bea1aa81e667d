package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The HTML report in a real browser: Debian's chromium, headless, driven
// over the DevTools protocol on a pipe (--remote-debugging-pipe: commands
// on fd 3, answers and events on fd 4, each a JSON message ending in a NUL
// byte), so the test needs nothing but the browser. Without chromium it
// skips, unless CISGUARD_BROWSER=require (set by .ci/browser) makes that a
// failure. CISGUARD_CHROMIUM names another binary.

// browser is one headless chromium with one page attached.
type browser struct {
	t       testing.TB
	cmd     *exec.Cmd
	out     *os.File // commands to chromium
	stderr  bytes.Buffer
	session string

	mu       sync.Mutex
	next     int
	waiting  map[int]chan cdpMessage
	problems []string // console errors, exceptions, error log entries, requests off this machine
	closed   chan struct{}
}

type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

func chromium(t testing.TB) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CISGUARD_CHROMIUM"), "chromium", "/usr/bin/chromium"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	msg := "no chromium for the browser test of the HTML report: apt-get install -y chromium (or set CISGUARD_CHROMIUM); .ci/browser installs it and runs this test"
	if os.Getenv("CISGUARD_BROWSER") == "require" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func startBrowser(t testing.TB) *browser {
	t.Helper()
	path := chromium(t)
	// chromium reads commands from fd 3 (cmdR) and writes to fd 4 (evW).
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	evR, evW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-pipe", "--window-size=1300,900", "about:blank")
	cmd.ExtraFiles = []*os.File{cmdR, evW}
	b := &browser{t: t, cmd: cmd, out: cmdW, waiting: map[int]chan cdpMessage{}, closed: make(chan struct{})}
	cmd.Stderr = &b.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	cmdR.Close()
	evW.Close()
	go b.read(evR)
	t.Cleanup(b.close)

	var target struct{ TargetID string }
	b.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct{ SessionID string }
	b.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	b.session = attached.SessionID
	for _, domain := range []string{"Runtime", "Log", "Page", "Network"} {
		b.call(b.session, domain+".enable", nil, nil)
	}
	return b
}

// read delivers answers to their callers and keeps what the page reports.
func (b *browser) read(r *os.File) {
	defer close(b.closed)
	in := bufio.NewReader(r)
	for {
		raw, err := in.ReadBytes(0)
		if err != nil {
			return
		}
		var m cdpMessage
		if err := json.Unmarshal(raw[:len(raw)-1], &m); err != nil {
			continue
		}
		b.mu.Lock()
		if m.ID != 0 {
			if c := b.waiting[m.ID]; c != nil {
				c <- m
				delete(b.waiting, m.ID)
			}
		} else if p := problem(m); p != "" {
			b.problems = append(b.problems, p)
		}
		b.mu.Unlock()
	}
}

// problem describes an event the page must not cause: a console error,
// an uncaught exception, an error logged by the browser (a refused request,
// a Content-Security-Policy violation), or a request that leaves the file.
func problem(m cdpMessage) string {
	switch m.Method {
	case "Runtime.consoleAPICalled":
		var p struct {
			Type string
			Args []struct{ Value any }
		}
		_ = json.Unmarshal(m.Params, &p)
		if p.Type == "error" || p.Type == "assert" || p.Type == "warning" {
			return fmt.Sprintf("console.%s: %v", p.Type, p.Args)
		}
	case "Runtime.exceptionThrown":
		return "exception: " + string(m.Params)
	case "Log.entryAdded":
		var p struct {
			Entry struct{ Level, Source, Text, URL string }
		}
		_ = json.Unmarshal(m.Params, &p)
		if p.Entry.Level == "error" || p.Entry.Level == "warning" {
			return fmt.Sprintf("%s %s: %s %s", p.Entry.Source, p.Entry.Level, p.Entry.Text, p.Entry.URL)
		}
	case "Network.requestWillBeSent":
		var p struct{ Request struct{ URL string } }
		_ = json.Unmarshal(m.Params, &p)
		if u := p.Request.URL; !strings.HasPrefix(u, "file:") && !strings.HasPrefix(u, "about:") && !strings.HasPrefix(u, "data:") {
			return "request: " + u
		}
	}
	return ""
}

// call sends a command and decodes its result into out (when not nil).
func (b *browser) call(session, method string, params any, out any) {
	b.t.Helper()
	b.mu.Lock()
	b.next++
	id := b.next
	c := make(chan cdpMessage, 1)
	b.waiting[id] = c
	b.mu.Unlock()
	msg, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params, "sessionId": session})
	if err != nil {
		b.t.Fatal(err)
	}
	if session == "" {
		msg = bytes.Replace(msg, []byte(`,"sessionId":""`), nil, 1)
	}
	if _, err := b.out.Write(append(msg, 0)); err != nil {
		b.t.Fatalf("%s: %v\n%s", method, err, b.stderr.String())
	}
	select {
	case m := <-c:
		if m.Error != nil {
			b.t.Fatalf("%s: %s", method, m.Error.Message)
		}
		if out != nil {
			if err := json.Unmarshal(m.Result, out); err != nil {
				b.t.Fatalf("%s: %v", method, err)
			}
		}
	case <-b.closed:
		b.t.Fatalf("%s: chromium went away\n%s", method, b.stderr.String())
	case <-time.After(2 * time.Minute):
		b.t.Fatalf("%s: no answer from chromium", method)
	}
}

// eval runs a JavaScript expression in the page (awaiting a promise) and
// decodes its value into out (when not nil).
func (b *browser) eval(expr string, out any) {
	b.t.Helper()
	var r struct {
		Result struct {
			Value json.RawMessage
		}
		ExceptionDetails *struct {
			Text      string
			Exception struct{ Description string }
		}
	}
	b.call(b.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &r)
	if e := r.ExceptionDetails; e != nil {
		b.t.Fatalf("%s: %s %s", expr, e.Text, e.Exception.Description)
	}
	if out != nil {
		if err := json.Unmarshal(r.Result.Value, out); err != nil {
			b.t.Fatalf("%s: %v (%s)", expr, err, r.Result.Value)
		}
	}
}

// waitFor polls a JavaScript condition until it holds.
func (b *browser) waitFor(cond string) {
	b.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var ok bool
		b.eval("!!("+cond+")", &ok)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("waited in vain for %s", cond)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// open loads a URL afresh (from about:blank, so a hash is read at load)
// and waits for the report's first rendering.
func (b *browser) open(url string) {
	b.t.Helper()
	b.call(b.session, "Page.navigate", map[string]any{"url": "about:blank"}, nil)
	b.waitFor(`location.href === "about:blank"`)
	b.call(b.session, "Page.navigate", map[string]any{"url": url}, nil)
	b.waitFor(`document.readyState === "complete" && document.body && document.body.dataset.renderedMs`)
}

// problemsSoFar returns what the page reported that it must not.
func (b *browser) problemsSoFar() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

func (b *browser) close() {
	done := make(chan struct{})
	go func() {
		b.mu.Lock()
		b.next++
		msg := fmt.Sprintf(`{"id":%d,"method":"Browser.close"}`, b.next)
		b.mu.Unlock()
		_, _ = b.out.Write(append([]byte(msg), 0))
		_ = b.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = b.cmd.Process.Kill()
		<-done
	}
	b.out.Close()
}

// writePage renders a report into a temporary file and returns its URL.
func writePage(t testing.TB, r *Report) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, []byte(renderHTML(t, r)), 0o644); err != nil {
		t.Fatal(err)
	}
	return "file://" + path
}
