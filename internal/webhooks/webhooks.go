// Package webhooks is what procmine tells other systems of an
// environment's events: the events and their payloads, how a delivery is
// signed, and where one may go. Payloads carry identifiers and aggregates
// only, never raw data (case ids, resources, attribute values, the names
// an erasure was given, file names, failure texts quoting a file): a
// receiver learns that something happened and asks the API for more with
// rights of its own.
//
// Where a webhook may deliver is the installation administrator's
// (AllowList, serve --webhook-allow): a webhook cannot be pointed at the
// server's own network. The list is checked when a webhook is registered
// and again, on the address actually dialled, at every delivery, so that
// a name that resolves elsewhere later (DNS rebinding) gains nothing.
package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The events a webhook may subscribe to.
const (
	ImportFinished       = "import.finished"
	ImportFailed         = "import.failed"
	ConformanceBelow     = "conformance.below_threshold"
	ShareGranted         = "share.granted"
	ShareRevoked         = "share.revoked"
	ErasureCompleted     = "erasure.completed"
	MaxURL               = 2048 // bytes
	MinSecret, MaxSecret = 16, 256
	MaxDescription       = 200
	SignatureHeader      = "Procmine-Signature"
	EventHeader          = "Procmine-Event"
	DeliveryHeader       = "Procmine-Delivery"
	signatureVersion     = "v1"
)

// Events lists every event, in the order the documentation gives them.
var Events = []string{ImportFinished, ImportFailed, ConformanceBelow, ShareGranted, ShareRevoked, ErasureCompleted}

// Webhook is a registration: where an environment's events go.
type Webhook struct {
	URL    string
	Events []string
	// Secret signs deliveries; set by the caller or generated.
	Secret string
	// Threshold is the fitness (0 to 1) below which
	// conformance.below_threshold fires; it must be set with that event.
	Threshold   *float64
	Description string
}

// FieldError is a fault of one field of a registration.
type FieldError struct {
	Field, Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Validate checks a registration's fields (not where its URL points:
// AllowList.CheckURL). Events are sorted and made unique.
func (w *Webhook) Validate() error {
	if len(w.URL) > MaxURL {
		return &FieldError{"url", fmt.Sprintf("at most %d bytes", MaxURL)}
	}
	if _, _, _, err := splitURL(w.URL); err != nil {
		return &FieldError{"url", err.Error()}
	}
	if len(w.Events) == 0 {
		return &FieldError{"events", "name at least one event: " + strings.Join(Events, ", ")}
	}
	for _, e := range w.Events {
		if !slices.Contains(Events, e) {
			return &FieldError{"events", fmt.Sprintf("unknown event %q (one of %s)", e, strings.Join(Events, ", "))}
		}
	}
	slices.Sort(w.Events)
	w.Events = slices.Compact(w.Events)
	switch n := utf8.RuneCountInString(w.Secret); {
	case w.Secret != strings.TrimSpace(w.Secret) || strings.ContainsFunc(w.Secret, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return &FieldError{"secret", "no spaces at either end nor control characters"}
	case n < MinSecret || len(w.Secret) > MaxSecret:
		return &FieldError{"secret", fmt.Sprintf("give a secret of %d to %d characters, or leave it out to have one generated", MinSecret, MaxSecret)}
	}
	below := slices.Contains(w.Events, ConformanceBelow)
	switch {
	case below && w.Threshold == nil:
		return &FieldError{"threshold", "conformance.below_threshold needs a threshold between 0 and 1 (a fitness)"}
	case !below && w.Threshold != nil:
		return &FieldError{"threshold", "a threshold goes with the conformance.below_threshold event only"}
	case w.Threshold != nil && !(*w.Threshold > 0 && *w.Threshold <= 1):
		return &FieldError{"threshold", "a fitness threshold is above 0 and at most 1"}
	}
	if utf8.RuneCountInString(w.Description) > MaxDescription || strings.ContainsFunc(w.Description, func(r rune) bool { return r < 0x20 }) {
		return &FieldError{"description", fmt.Sprintf("at most %d characters on one line", MaxDescription)}
	}
	return nil
}

// splitURL checks a webhook URL: http or https, a host, no user
// information, no fragment; it returns its scheme, host and port.
func splitURL(raw string) (scheme, host string, port uint16, err error) {
	u, perr := url.Parse(raw)
	if perr != nil || u.Opaque != "" {
		return "", "", 0, fmt.Errorf("not a URL: give an absolute http or https URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", "", 0, fmt.Errorf("only http and https URLs may receive webhooks")
	}
	if u.User != nil {
		return "", "", 0, fmt.Errorf("the URL may not hold a user name or password: sign deliveries with the secret instead")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return "", "", 0, fmt.Errorf("the URL may not have a fragment")
	}
	host = u.Hostname()
	if host == "" {
		return "", "", 0, fmt.Errorf("the URL must name a host")
	}
	p := u.Port()
	if p == "" {
		p = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	n, perr := strconv.ParseUint(p, 10, 16)
	if perr != nil || n == 0 {
		return "", "", 0, fmt.Errorf("the URL's port is not a port")
	}
	return u.Scheme, strings.ToLower(strings.TrimSuffix(host, ".")), uint16(n), nil
}

// Sign is the Procmine-Signature header of a delivery of body at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + "," + signatureVersion + "=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a Procmine-Signature header against body, as a receiver
// does: the signature must be the secret's, and its time within
// tolerance of now (replays of old deliveries are refused).
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case signatureVersion:
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("webhooks: the signature has no time")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("webhooks: the signature's time is %s away from now", d.Round(time.Second))
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return fmt.Errorf("webhooks: no signature matches")
}
