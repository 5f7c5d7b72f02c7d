package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"
)

// Sender delivers webhooks to the addresses its allow list has.
type Sender struct {
	Allow *AllowList
	// Resolve finds a host's addresses (the system's resolver when nil).
	Resolve Resolver
	// Timeout bounds one delivery, connection to answer (10 s when zero).
	Timeout time.Duration
	// UserAgent is sent with every delivery.
	UserAgent string
}

// MaxAnswer is how much of a receiver's answer is read (and dropped).
const MaxAnswer = 64 << 10

// Delivery is one attempt to tell a webhook of an event.
type Delivery struct {
	URL, Event, ID string
	Secret         []byte
	Body           []byte
	At             time.Time
}

// ErrNotDelivered is an attempt no receiver answered, for whatever
// reason.
var ErrNotDelivered = errors.New("not delivered")

// Result is what a receiver answered; Status is 0 when none did.
type Result struct {
	Status int
}

// Send makes one attempt. It never follows a redirect, uses no proxy,
// dials only addresses the allow list has (checked on the address
// dialled), and reads at most MaxAnswer bytes of the answer. An answer
// other than 2xx is an error.
func (s *Sender) Send(ctx context.Context, d Delivery) (Result, error) {
	_, host, port, err := splitURL(d.URL)
	if err != nil {
		return Result{}, err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{
		Transport: s.transport(host, port),
		// A receiver cannot send a delivery on to somewhere else.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return Result{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.UserAgent)
	req.Header.Set(EventHeader, d.Event)
	req.Header.Set(DeliveryHeader, d.ID)
	req.Header.Set(SignatureHeader, Sign(d.Secret, d.At, d.Body))
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, ErrNotAllowed) {
			return Result{}, ErrNotAllowed
		}
		// One text whatever stopped it (no such host, connection refused,
		// unreachable, no answer in time): what a webhook's deliveries
		// show its administrator would otherwise map the network the
		// allow list opens.
		return Result{}, ErrNotDelivered
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, MaxAnswer))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Result{Status: resp.StatusCode}, fmt.Errorf("the receiver answered %d", resp.StatusCode)
	}
	return Result{Status: resp.StatusCode}, nil
}

// transport dials the URL's host only at addresses the allow list has
// for it, and checks again, in the dialer's Control, the address the
// socket is about to connect to: what is checked is what is dialled.
func (s *Sender) transport(host string, port uint16) *http.Transport {
	control := func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !s.Allow.Allows(host, ap.Addr(), ap.Port()) {
			return ErrNotAllowed
		}
		return nil
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: control}
	return &http.Transport{
		Proxy: nil, // never through a proxy: the address dialled is the receiver's
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			h, p, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			if n, err := strconv.ParseUint(p, 10, 16); err != nil || uint16(n) != port {
				return nil, ErrNotAllowed
			}
			ips, err := s.Resolve.lookup(ctx, h)
			if err != nil {
				return nil, err
			}
			var last error = ErrNotAllowed
			for _, ip := range ips {
				if !s.Allow.Allows(host, ip, port) {
					continue
				}
				c, err := dialer.DialContext(ctx, network, netip.AddrPortFrom(ip, port).String())
				if err == nil {
					return c, nil
				}
				last = err
			}
			return nil, last
		},
		TLSHandshakeTimeout:    5 * time.Second,
		ResponseHeaderTimeout:  10 * time.Second,
		MaxResponseHeaderBytes: 16 << 10,
		DisableKeepAlives:      true,
		ForceAttemptHTTP2:      true,
	}
}
