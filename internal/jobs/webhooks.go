package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/webhooks"
)

// WebhookArgs is a queued delivery of an event to a webhook: the row
// (store.WebhookDelivery) holds what is sent, River's only its ids: the
// row's, and its random one (Key; empty in a job queued before there
// were any), so that a job whose row went acts on no other.
type WebhookArgs struct {
	Delivery access.ID `json:"delivery"`
	Key      string    `json:"key,omitempty"`
}

func (WebhookArgs) Kind() string { return "webhook" }

// queueWebhooks is the queue deliveries run in: a slow receiver never
// holds the workers imports need.
const queueWebhooks = "webhooks"

// DefaultWebhookAttempts is how many times a delivery is tried when
// Config.WebhookAttempts is zero: with River's backoff (about n⁴
// seconds) the last comes some hours after the first.
const DefaultWebhookAttempts = 8

// Envelope is the body of every delivery: its random id (the same on
// every attempt, so that a receiver may drop a repeat: it is signed with
// the rest, unlike a header), the event, the environment it happened in,
// when, and the event's data (identifiers and aggregates only:
// docs/webhooks.md).
type Envelope struct {
	Delivery    string    `json:"delivery"`
	Event       string    `json:"event"`
	Environment access.ID `json:"environment"`
	OccurredAt  time.Time `json:"occurred_at"`
	Data        any       `json:"data"`
}

// ImportData is the data of import.finished and import.failed (which
// has no version nor counts): no file name, no reason, both of which
// may quote a person.
type ImportData struct {
	Process access.ID `json:"process"`
	// Job is the upload's import job; Source the data source whose
	// refresh it was (one of the two).
	Job     access.ID `json:"job,omitempty"`
	Source  access.ID `json:"source,omitempty"`
	Version access.ID `json:"version,omitempty"`
	Cases   int       `json:"cases,omitempty"`
	Events  int       `json:"events,omitempty"`
}

// ConformanceData is the data of conformance.below_threshold.
type ConformanceData struct {
	Process   access.ID `json:"process"`
	Version   access.ID `json:"version"`
	Fitness   float64   `json:"fitness"`
	Threshold float64   `json:"threshold"`
}

type webhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	q *Queue
}

// NextRetry is Config.WebhookBackoff's, or River's own when it has none.
func (w *webhookWorker) NextRetry(job *river.Job[WebhookArgs]) time.Time {
	if w.q.cfg.WebhookBackoff == nil {
		return time.Time{}
	}
	return time.Now().Add(w.q.cfg.WebhookBackoff(job.Attempt))
}

func (w *webhookWorker) Timeout(*river.Job[WebhookArgs]) time.Duration { return webhookJobTimeout }

func (w *webhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	return w.q.deliver(ctx, job.Args, job.Attempt, job.Attempt >= job.MaxAttempts)
}

// Notify tells the environment's webhooks that subscribe to event (and
// that want, when set) of it: a delivery row and its job each, in one
// transaction. data must hold identifiers and aggregates only.
func (q *Queue) Notify(ctx context.Context, env access.ID, event string, data any, want func(store.Webhook) bool) error {
	client := q.Client()
	if client == nil {
		return errors.New("jobs: the queue is not running")
	}
	at := q.cfg.Now().UTC().Truncate(time.Second)
	body := func(delivery string) ([]byte, error) {
		return json.Marshal(Envelope{Delivery: delivery, Event: event, Environment: env, OccurredAt: at, Data: data})
	}
	opts := &river.InsertOpts{MaxAttempts: cmp.Or(q.cfg.WebhookAttempts, DefaultWebhookAttempts), Queue: queueWebhooks}
	_, err := q.cfg.Store.QueueWebhookEvent(ctx, env, event, body, want, func(tx *sql.Tx, id access.ID, delivery string) (int64, error) {
		res, err := client.InsertTx(ctx, tx, WebhookArgs{Delivery: id, Key: delivery}, opts)
		if err != nil {
			return 0, err
		}
		return res.Job.ID, nil
	})
	return err
}

// notify is Notify for the jobs' own events, which go on whatever it
// answers: a delivery lost is logged.
func (q *Queue) notify(ctx context.Context, env access.ID, event string, data any, want func(store.Webhook) bool) {
	if err := q.Notify(context.WithoutCancel(ctx), env, event, data, want); err != nil {
		q.cfg.Log.Error("webhook", "event", event, "env", env, "err", err)
	}
}

// deliver makes one attempt at a delivery, while no other attempt to
// its webhook is under way (else it waits: a slow receiver holds one of
// the workers deliveries share, not all). A refusal by the allow list
// fails it at once; any other failure is tried again with backoff until
// the last attempt. Each outcome is recorded with the delivery (the
// list of deliveries shows successes), and a failure in the audit log.
func (q *Queue) deliver(ctx context.Context, args WebhookArgs, attempt int, last bool) error {
	d, err := q.cfg.Store.WebhookDeliveryToSend(ctx, args.Delivery, args.Key)
	if errors.Is(err, store.ErrNotFound) {
		return nil // its webhook was deleted
	}
	if err != nil {
		return err
	}
	if d.State == store.DeliveryDelivered || d.State == store.DeliveryFailed {
		return nil
	}
	id := d.ID
	audit := func(detail string) *store.AuditEntry {
		return &store.AuditEntry{Env: d.Env, At: q.cfg.Now().UTC(), Actor: "procmine", Action: "webhook.failed", Target: store.AuditTarget("webhook", d.Webhook),
			Detail: fmt.Sprintf("delivery %s (%s), attempt %d: %s", d.Delivery, d.Event, attempt, detail)}
	}
	if q.cfg.Webhooks == nil {
		err := q.cfg.Store.DeliveryAttempted(ctx, id, store.DeliveryFailed, attempt, 0, "this server delivers no webhooks", audit("this server delivers no webhooks"))
		return river.JobCancel(errors.Join(errors.New("webhooks: none delivered"), err))
	}
	// The claim outlasts the job's timeout: a server that stopped
	// mid-attempt holds the webhook no longer than that.
	claimed, err := q.cfg.Store.ClaimWebhook(ctx, d.Webhook, time.Now().Add(webhookJobTimeout+10*time.Second))
	if err != nil {
		return err
	}
	if !claimed {
		return river.JobSnooze(webhookBusyWait)
	}
	defer func() {
		if err := q.cfg.Store.ReleaseWebhook(context.WithoutCancel(ctx), d.Webhook); err != nil {
			q.cfg.Log.Error("webhook", "webhook", d.Webhook, "err", err)
		}
	}()
	res, serr := q.cfg.Webhooks.Send(ctx, webhooks.Delivery{URL: d.URL, Event: d.Event, ID: d.Delivery, Secret: d.Secret, Body: d.Payload, At: q.cfg.Now()})
	ctx = context.WithoutCancel(ctx)
	switch {
	case serr == nil:
		return q.cfg.Store.DeliveryAttempted(ctx, id, store.DeliveryDelivered, attempt, res.Status, "", nil)
	case errors.Is(serr, webhooks.ErrNotAllowed):
		msg := "the address dialled is not on the installation's webhook allow list"
		err := q.cfg.Store.DeliveryAttempted(ctx, id, store.DeliveryFailed, attempt, 0, msg, audit(msg))
		return river.JobCancel(errors.Join(errors.New("webhooks: "+msg), err))
	case last:
		err := q.cfg.Store.DeliveryAttempted(ctx, id, store.DeliveryFailed, attempt, res.Status, serr.Error(), audit(serr.Error()))
		return river.JobCancel(errors.Join(serr, err))
	}
	if err := q.cfg.Store.DeliveryAttempted(ctx, id, store.DeliveryRetrying, attempt, res.Status, serr.Error(), nil); err != nil {
		return errors.Join(serr, err)
	}
	return serr
}

// webhookJobTimeout bounds a delivery job; webhookBusyWait is how long a
// delivery waits while another to the same webhook is under way.
const (
	webhookJobTimeout = time.Minute
	webhookBusyWait   = 250 * time.Millisecond
)

// checkConformance tells the webhooks that subscribe to
// conformance.below_threshold when a new version of the process's data
// fits its reference model less than their threshold. Nothing is
// computed unless one subscribes and the process has a reference model.
func (q *Queue) checkConformance(ctx context.Context, env, process, version access.ID) {
	if q.cfg.Conformance == nil {
		return
	}
	hooks, err := q.cfg.Store.Webhooks(ctx, env)
	if err != nil {
		q.cfg.Log.Error("webhook", "event", webhooks.ConformanceBelow, "env", env, "err", err)
		return
	}
	highest := 0.0
	for _, h := range hooks {
		if h.Threshold != nil {
			highest = max(highest, *h.Threshold)
		}
	}
	if highest == 0 {
		return
	}
	fitness, ok, err := q.cfg.Conformance(ctx, env, process, version)
	if err != nil {
		q.cfg.Log.Error("webhook", "event", webhooks.ConformanceBelow, "env", env, "process", process, "err", err)
		return
	}
	if !ok || fitness >= highest {
		return
	}
	// Each webhook is told with its own threshold.
	for _, h := range hooks {
		if h.Threshold == nil || fitness >= *h.Threshold {
			continue
		}
		id, threshold := h.ID, *h.Threshold
		q.notify(ctx, env, webhooks.ConformanceBelow, ConformanceData{Process: process, Version: version, Fitness: fitness, Threshold: threshold},
			func(w store.Webhook) bool { return w.ID == id })
	}
}
