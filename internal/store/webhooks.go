package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/procmine/procmine/internal/access"
)

// Webhook is a registered webhook as kept; its secret is not read back
// but to deliver (WebhookDeliveryToSend).
type Webhook struct {
	ID          access.ID `json:"id"`
	Env         access.ID `json:"environment"`
	URL         string    `json:"url"`
	Events      []string  `json:"events"`
	Threshold   *float64  `json:"threshold,omitempty"`
	Description string    `json:"description"`
	CreatedBy   access.ID `json:"created_by"`
	Created     time.Time `json:"created_at"`
	// Dropped counts the events not queued for the webhook because it had
	// MaxPendingDeliveries deliveries waiting already.
	Dropped int64 `json:"dropped"`
}

// WebhookDelivery is one event told to a webhook, and how its delivery
// went: queued, retrying (an attempt failed, another will come),
// delivered, or failed (every attempt did).
type WebhookDelivery struct {
	ID access.ID `json:"id"`
	// Delivery is the random id the receiver sees, in the signed body
	// and as Procmine-Delivery.
	Delivery   string    `json:"delivery"`
	Webhook    access.ID `json:"webhook"`
	Event      string    `json:"event"`
	State      string    `json:"state"`
	Attempts   int       `json:"attempts"`
	LastStatus int       `json:"last_status"`
	LastError  string    `json:"last_error"`
	Created    time.Time `json:"created_at"`
	Updated    time.Time `json:"updated_at"`
}

// The states of a delivery.
const (
	DeliveryQueued    = "queued"
	DeliveryRetrying  = "retrying"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// MaxWebhooks bounds an environment's webhooks; KeptDeliveries is how
// many of a webhook's latest ended deliveries are kept;
// MaxPendingDeliveries how many may wait (queued or retrying) per
// webhook: a receiver that is down holds that many, and the events
// beyond are dropped and counted (Webhook.Dropped), so that it cannot
// fill the queue every environment's webhooks share.
const (
	MaxWebhooks          = 20
	KeptDeliveries       = 200
	MaxPendingDeliveries = 50
)

// ErrTooManyWebhooks is a registration past MaxWebhooks.
var ErrTooManyWebhooks = errors.New("store: the environment has as many webhooks as it may")

const blobWebhookSecret = "webhook-secret"

const webhookColumns = "id, env_id, url, events, threshold, description, created_by, created_at, dropped"

func scanWebhook(row interface{ Scan(...any) error }, extra ...any) (Webhook, error) {
	var h Webhook
	var events string
	var threshold sql.NullFloat64
	var created int64
	err := row.Scan(append([]any{&h.ID, &h.Env, &h.URL, &events, &threshold, &h.Description, &h.CreatedBy, &created, &h.Dropped}, extra...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return h, ErrNotFound
	}
	if err != nil {
		return h, err
	}
	h.Events = strings.Split(events, ",")
	if threshold.Valid {
		h.Threshold = &threshold.Float64
	}
	h.Created = time.Unix(0, created).UTC()
	return h, nil
}

// CreateWebhook registers a webhook with its secret sealed, in one
// transaction with its audit entry (whose Target it sets).
func (s *Store) CreateWebhook(ctx context.Context, h Webhook, secret []byte, audit AuditEntry) (Webhook, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return h, err
	}
	defer tx.Rollback()
	// The count below is the environment's as of this transaction: on
	// PostgreSQL (READ COMMITTED) two registrations would each count 19
	// and both be stored, unless they queue on the environment's row.
	// SQLite has one writer already.
	if s.postgres {
		if _, err := tx.ExecContext(ctx, s.rebind("SELECT id FROM environments WHERE id = ? FOR UPDATE"), h.Env); err != nil {
			return h, err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.rebind("SELECT COUNT(*) FROM webhooks WHERE env_id = ?"), h.Env).Scan(&n); err != nil {
		return h, err
	}
	if n >= MaxWebhooks {
		return h, ErrTooManyWebhooks
	}
	var threshold sql.NullFloat64
	if h.Threshold != nil {
		threshold = sql.NullFloat64{Float64: *h.Threshold, Valid: true}
	}
	now := s.now().UnixNano()
	if err := tx.QueryRowContext(ctx, s.rebind(`INSERT INTO webhooks (env_id, url, events, threshold, description, secret, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), h.Env, h.URL, strings.Join(h.Events, ","), threshold, h.Description, []byte{}, h.CreatedBy, now).Scan(&h.ID); err != nil {
		return h, err
	}
	// The seal binds the row: a secret copied to another webhook does not
	// open.
	if _, err := tx.ExecContext(ctx, s.rebind("UPDATE webhooks SET secret = ? WHERE id = ?"), s.seal(blobAD(blobWebhookSecret, h.ID), secret), h.ID); err != nil {
		return h, err
	}
	audit.Target = AuditTarget("webhook", h.ID)
	if err := s.audit(ctx, tx, audit); err != nil {
		return h, err
	}
	h.Created = time.Unix(0, now).UTC()
	return h, tx.Commit()
}

// Webhooks lists an environment's webhooks, oldest first.
func (s *Store) Webhooks(ctx context.Context, env access.ID) ([]Webhook, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind("SELECT "+webhookColumns+" FROM webhooks WHERE env_id = ? ORDER BY id"), env)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Webhook{}
	for rows.Next() {
		h, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Webhook returns one of the environment's webhooks; another
// environment's is ErrNotFound.
func (s *Store) Webhook(ctx context.Context, env, id access.ID) (Webhook, error) {
	return scanWebhook(s.db.QueryRowContext(ctx, s.rebind("SELECT "+webhookColumns+" FROM webhooks WHERE env_id = ? AND id = ?"), env, id))
}

// DeleteWebhook removes one of the environment's webhooks and its
// deliveries (those still queued are dropped when they run), with its
// audit entry; another environment's is ErrNotFound.
func (s *Store) DeleteWebhook(ctx context.Context, env, id access.ID, audit AuditEntry) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.rebind("DELETE FROM webhook_deliveries WHERE webhook_id IN (SELECT id FROM webhooks WHERE env_id = ? AND id = ?)"), env, id); err != nil {
		return err
	}
	if err := s.changed(tx.ExecContext(ctx, s.rebind("DELETE FROM webhooks WHERE env_id = ? AND id = ?"), env, id)); err != nil {
		return err
	}
	audit.Target = AuditTarget("webhook", id)
	if err := s.audit(ctx, tx, audit); err != nil {
		return err
	}
	return tx.Commit()
}

// QueueWebhookEvent records a delivery of an event to each of the
// environment's webhooks that subscribe to it (and that want, when want
// is set), and calls enqueue for each in the same transaction, so that a
// delivery is never recorded without its job nor queued without its row;
// enqueue answers the job's id. Each delivery has a random id of its own
// (NewDeliveryID), which body puts in what is sent. A webhook with
// MaxPendingDeliveries waiting gets nothing: the event is counted in its
// Dropped. It returns how many it queued.
func (s *Store) QueueWebhookEvent(ctx context.Context, env access.ID, event string, body func(delivery string) ([]byte, error),
	want func(Webhook) bool, enqueue func(tx *sql.Tx, id access.ID, delivery string) (job int64, err error)) (int, error) {
	hooks, err := s.Webhooks(ctx, env)
	if err != nil {
		return 0, err
	}
	var to []Webhook
	for _, h := range hooks {
		if slices.Contains(h.Events, event) && (want == nil || want(h)) {
			to = append(to, h)
		}
	}
	if len(to) == 0 {
		return 0, nil
	}
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	now := s.now().UnixNano()
	queued := 0
	for _, h := range to {
		var pending int
		if err := tx.QueryRowContext(ctx, s.rebind("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = ? AND state IN ('queued', 'retrying')"), h.ID).Scan(&pending); err != nil {
			return 0, err
		}
		if pending >= MaxPendingDeliveries {
			if _, err := tx.ExecContext(ctx, s.rebind("UPDATE webhooks SET dropped = dropped + 1 WHERE id = ?"), h.ID); err != nil {
				return 0, err
			}
			continue
		}
		uid := NewDeliveryID()
		payload, err := body(uid)
		if err != nil {
			return 0, err
		}
		var id access.ID
		// A webhook deleted meanwhile gets nothing (the SELECT finds no row).
		err = tx.QueryRowContext(ctx, s.rebind(`INSERT INTO webhook_deliveries (uid, webhook_id, event, payload, state, created_at, updated_at)
			SELECT ?, id, ?, ?, 'queued', ?, ? FROM webhooks WHERE id = ? RETURNING id`), uid, event, string(payload), now, now, h.ID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return 0, err
		}
		job, err := enqueue(tx, id, uid)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, s.rebind("UPDATE webhook_deliveries SET river_id = ? WHERE id = ?"), job, id); err != nil {
			return 0, err
		}
		// Only the webhook's latest ended deliveries are kept.
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM webhook_deliveries WHERE webhook_id = ? AND state IN ('delivered', 'failed')
			AND id NOT IN (SELECT id FROM webhook_deliveries WHERE webhook_id = ? AND state IN ('delivered', 'failed') ORDER BY id DESC LIMIT ?)`),
			h.ID, h.ID, KeptDeliveries); err != nil {
			return 0, err
		}
		queued++
	}
	return queued, tx.Commit()
}

// NewDeliveryID is a delivery's random id: 16 random bytes in hex, which
// a receiver cannot guess and which is never used twice.
func NewDeliveryID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// DeliveryToSend is what a delivery job sends: the webhook's URL and
// opened secret, the event and its payload.
type DeliveryToSend struct {
	ID, Webhook, Env access.ID
	Delivery         string
	URL, Event       string
	Secret, Payload  []byte
	State            string
}

// WebhookDeliveryToSend returns a delivery with its webhook's secret
// opened, for its job alone: the job names the row's id and its random
// id (delivery, empty for a job queued before there were any), so that a
// job of a deleted delivery cannot act on another. A delivery whose
// webhook was deleted is ErrNotFound.
func (s *Store) WebhookDeliveryToSend(ctx context.Context, id access.ID, delivery string) (DeliveryToSend, error) {
	var d DeliveryToSend
	var sealed []byte
	var payload string
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT d.id, d.uid, d.webhook_id, h.env_id, h.url, d.event, d.payload, d.state, h.secret
		FROM webhook_deliveries d JOIN webhooks h ON h.id = d.webhook_id WHERE d.id = ? AND (d.uid = ? OR ? = '')`), id, delivery, delivery).
		Scan(&d.ID, &d.Delivery, &d.Webhook, &d.Env, &d.URL, &d.Event, &payload, &d.State, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNotFound
	}
	if err != nil {
		return d, err
	}
	d.Payload = []byte(payload)
	d.Secret, err = s.open(blobAD(blobWebhookSecret, d.Webhook), sealed)
	return d, err
}

// ClaimWebhook marks an attempt to deliver to the webhook under way until
// until, unless another one is (then it answers false): one attempt at a
// time per webhook, so that a slow receiver holds one of the workers
// deliveries share, not all. A claim left by a stopped server lapses at
// its until.
func (s *Store) ClaimWebhook(ctx context.Context, webhook access.ID, until time.Time) (bool, error) {
	res, err := s.exec(ctx, "UPDATE webhooks SET sending_until = ? WHERE id = ? AND sending_until < ?", until.UnixNano(), webhook, s.now().UnixNano())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseWebhook ends ClaimWebhook's claim.
func (s *Store) ReleaseWebhook(ctx context.Context, webhook access.ID) error {
	_, err := s.exec(ctx, "UPDATE webhooks SET sending_until = 0 WHERE id = ?", webhook)
	return err
}

// FailLostDeliveries fails, with reason, the deliveries still waiting
// whose job will not run any more (discarded, cancelled, or gone):
// a crash or a database error on the last attempt left them so.
func (s *Store) FailLostDeliveries(ctx context.Context, reason string) (int, error) {
	res, err := s.exec(ctx, `UPDATE webhook_deliveries SET state = 'failed', last_error = ?, updated_at = ?
		WHERE state IN ('queued', 'retrying') AND river_id IS NOT NULL AND NOT EXISTS (
			SELECT 1 FROM river_job r WHERE r.id = webhook_deliveries.river_id AND r.state IN ('available', 'pending', 'retryable', 'running', 'scheduled'))`,
		reason, s.now().UnixNano())
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// DeliveryAttempted records an attempt's outcome: its state, the
// receiver's status (0 when none answered) and the error, which holds
// nothing of the payload; audit, when set, is written with it.
func (s *Store) DeliveryAttempted(ctx context.Context, id access.ID, state string, attempts, status int, errText string, audit *AuditEntry) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.changed(tx.ExecContext(ctx, s.rebind("UPDATE webhook_deliveries SET state = ?, attempts = ?, last_status = ?, last_error = ?, updated_at = ? WHERE id = ?"),
		state, attempts, status, errText, s.now().UnixNano(), id)); err != nil {
		return err
	}
	if audit != nil {
		if err := s.audit(ctx, tx, *audit); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// WebhookDeliveries lists a webhook's deliveries, latest first, at most
// limit of them.
func (s *Store) WebhookDeliveries(ctx context.Context, webhook access.ID, limit int) ([]WebhookDelivery, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT id, uid, webhook_id, event, state, attempts, last_status, last_error, created_at, updated_at
		FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT ?`), webhook, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []WebhookDelivery{}
	for rows.Next() {
		var d WebhookDelivery
		var created, updated int64
		if err := rows.Scan(&d.ID, &d.Delivery, &d.Webhook, &d.Event, &d.State, &d.Attempts, &d.LastStatus, &d.LastError, &created, &updated); err != nil {
			return nil, err
		}
		d.Created, d.Updated = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}
