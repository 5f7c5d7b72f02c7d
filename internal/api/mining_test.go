package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/report"
)

// TestMiningSlots: model work takes one of the server's mining slots; with
// every slot held, a request waits report.SlotWait and is told to come back
// (503 busy with Retry-After), or stops at once when its client goes
// away. Six viewers asking for models with as many noise values ran six
// minings at once on two cores before (the second review: 85-90 s each).
func TestMiningSlots(t *testing.T) {
	defer func(d time.Duration) { report.SlotWait = d }(report.SlotWait)
	report.SlotWait = 200 * time.Millisecond
	s := report.New(report.Config{MiningWorkers: 1})
	hold, started, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- s.Mine(context.Background(), func() error { close(started); <-hold; return nil })
	}()
	<-started
	begin := time.Now()
	err := s.Mine(context.Background(), func() error { t.Error("ran without a slot"); return nil })
	var e *response.Error
	if !errors.As(err, &e) || e.Status != http.StatusServiceUnavailable || e.Code != "busy" || e.RetryAfter != 5 || time.Since(begin) < report.SlotWait {
		t.Errorf("with the slot held: %v after %v", err, time.Since(begin))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Mine(ctx, func() error { t.Error("ran without a slot"); return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("a request that went away: %v", err)
	}
	close(hold)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := s.Mine(context.Background(), func() error { return nil }); err != nil {
		t.Errorf("with the slot free again: %v", err)
	}
}

// TestEveryModelRouteTakesASlot: with every mining slot held, the routes
// and pages that mine a model, replay a log or compute task mining wait
// and answer 503 busy: none of them works outside the slots.
func TestEveryModelRouteTakesASlot(t *testing.T) {
	defer func(d time.Duration) { report.SlotWait = d }(report.SlotWait)
	report.SlotWait = 50 * time.Millisecond
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w, owner, _ := disclosureWorld(t, e, disclosureLog())
			w.upload(owner, bundle(t, "r", []stepJSON{newStep("Open", 0, nil)}, nil))
			for range cap(e.srv.reports.MiningSlots()) {
				e.srv.reports.MiningSlots() <- struct{}{}
			}
			defer func() {
				for range cap(e.srv.reports.MiningSlots()) {
					<-e.srv.reports.MiningSlots()
				}
			}()
			page := fmt.Sprintf("/e/%d/p/%d", w.env, w.pid)
			for _, path := range []string{w.process + "/model", w.process + "/model?format=bpmn", w.process + "/conformance",
				w.process + "/task-mining", page + "/model", page + "/conformance", page + "/task-mining"} {
				if code, body := owner.do("GET", path, "", nil); code != 503 {
					t.Errorf("%s with every slot held: %d %.200s", path, code, body)
				}
			}
		})
	}
}

// TestScreenshotSlotsWaitABoundedTime: with every screenshot slot held, a
// recording upload waits imageWait and is told to come back (503 busy),
// instead of waiting as long as the uploads ahead of it last; nothing of it
// is stored.
func TestScreenshotSlotsWaitABoundedTime(t *testing.T) {
	defer func(d time.Duration) { imageWait = d }(imageWait)
	imageWait = 50 * time.Millisecond
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			for range cap(e.srv.images) {
				e.srv.images <- struct{}{}
			}
			code, body := w.c["owner"].uploadBundle(w.process+"/recordings", bundle(t, "r", []stepJSON{newStep("Open", 0, nil)}, nil))
			for range cap(e.srv.images) {
				<-e.srv.images
			}
			if code != 503 || errorCode(t, body) != "busy" {
				t.Errorf("upload with every slot held: %d %s", code, body)
			}
			var list struct{ Recordings []any }
			w.c["owner"].json("GET", w.process+"/recordings", "", 200, &list)
			if len(list.Recordings) != 0 {
				t.Errorf("a refused upload was stored: %+v", list)
			}
		})
	}
}
