package registry

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serveWith serves h through HTTPServer(h, t) on a loopback port.
func serveWith(t *testing.T, h http.Handler, to Timeouts) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := HTTPServer(h, to)
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

// TestSlowloris: a client sending its headers (or its body) a byte at a
// time is cut off at the header (read) timeout, headers past the limit
// get 431, and a normal request on the same server is served.
func TestSlowloris(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte("ok"))
	})
	addr := serveWith(t, ok, Timeouts{ReadHeader: 500 * time.Millisecond, Read: 1500 * time.Millisecond, Idle: time.Second})

	drip := func(t *testing.T, prefix, dripped string, every time.Duration) time.Duration {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		start := time.Now()
		if _, err := io.WriteString(c, prefix); err != nil {
			t.Fatal(err)
		}
		closed := make(chan time.Duration, 1)
		go func() {
			io.Copy(io.Discard, c) // returns when the server closes the connection
			closed <- time.Since(start)
		}()
		for i := 0; ; i++ {
			select {
			case d := <-closed:
				return d
			case <-time.After(every):
			}
			if _, err := io.WriteString(c, dripped[i%len(dripped):i%len(dripped)+1]); err != nil {
				return time.Since(start)
			}
			if time.Since(start) > 10*time.Second {
				t.Fatal("the slow client was not cut off in 10 s")
			}
		}
	}
	t.Run("headers a byte at a time", func(t *testing.T) {
		d := drip(t, "GET / HTTP/1.1\r\nHost: x\r\n", "X-Slow: aaaaaaaa\r\n", 100*time.Millisecond)
		if d > 3*time.Second {
			t.Errorf("cut off after %v, want about the 0.5 s header timeout", d)
		}
	})
	t.Run("body a byte at a time", func(t *testing.T) {
		d := drip(t, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n", "a", 100*time.Millisecond)
		if d > 4*time.Second {
			t.Errorf("cut off after %v, want about the 1.5 s read timeout", d)
		}
	})
	t.Run("idle keep-alive connection", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("first request: %v %v", resp, err)
		}
		resp.Body.Close()
		start := time.Now()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := br.ReadByte(); err == nil || time.Since(start) > 4*time.Second {
			t.Errorf("idle connection: %v after %v, want closed after about 1 s", err, time.Since(start))
		}
	})
	t.Run("headers past the limit", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		go io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 200<<10)+"\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("got %v, %v; want 431", resp, err)
		}
	})
	t.Run("normal request", func(t *testing.T) {
		resp, err := http.Post("http://"+addr+"/", "text/plain", strings.NewReader("hello"))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%v %v", resp, err)
		}
		resp.Body.Close()
	})
}

// TestHTTPServerDefaults: the server dualmark serve runs has every timeout
// and the header limit set (an http.Server without them waits for ever).
func TestHTTPServerDefaults(t *testing.T) {
	hs := HTTPServer(http.NotFoundHandler(), Timeouts{})
	if hs.ReadHeaderTimeout != DefaultReadHeaderTimeout || hs.ReadTimeout != DefaultReadTimeout ||
		hs.WriteTimeout != DefaultWriteTimeout || hs.IdleTimeout != DefaultIdleTimeout || hs.MaxHeaderBytes != DefaultMaxHeaderBytes {
		t.Errorf("defaults: %+v", hs)
	}
}
