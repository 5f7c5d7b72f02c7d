package cli

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestServeMetricsAreOptIn: by default /metrics is not found on the
// server's address; --metrics-addr serves it alone on an address of its
// own, and PROCMINE_METRICS_TOKEN opens it on the main address to
// requests bearing the token.
func TestServeMetricsAreOptIn(t *testing.T) {
	get := func(url, token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	dir := t.TempDir()
	addr, logs, stop := serveInBackground(t, "serve", "--data-dir", dir)
	if code, body := get("http://"+addr+"/metrics", ""); code != 404 {
		t.Errorf("metrics by default: %d %.200s", code, body)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d\n%s", code, logs.String())
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := ln.Addr().String()
	ln.Close()
	const token = "a-metrics-token-for-the-test"
	t.Setenv("PROCMINE_METRICS_TOKEN", token)
	addr, logs, stop = serveInBackground(t, "serve", "--data-dir", dir, "--metrics-addr", metricsAddr)
	defer stop()
	for _, tt := range []struct {
		url, token string
		want       int
	}{
		{"http://" + addr + "/metrics", "", 401},
		{"http://" + addr + "/metrics", "wrong-token-of-some-length", 401},
		{"http://" + addr + "/metrics", token, 200},
		{"http://" + metricsAddr + "/metrics", "", 200},
		{"http://" + metricsAddr + "/api/v1/openapi.json", "", 404},
	} {
		code, body := get(tt.url, tt.token)
		if code != tt.want || (code == 200) != strings.Contains(body, "procmine_http_requests_total") {
			t.Errorf("%s with token %q: %d %.200s, want %d", tt.url, tt.token, code, body, tt.want)
		}
	}
	if !strings.Contains(logs.String(), "procmine: metrics on http://"+metricsAddr) {
		t.Errorf("logs:\n%s", logs.String())
	}
}
