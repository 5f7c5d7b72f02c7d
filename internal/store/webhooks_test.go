package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sync"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/procmine/procmine/internal/access"
)

// webhook registers a webhook of w's environment subscribing to
// share.granted.
func (w *jobWorld) webhook(t *testing.T) Webhook {
	t.Helper()
	h, err := w.s.CreateWebhook(context.Background(), Webhook{Env: w.env, URL: "http://192.0.2.1/h", Events: []string{"share.granted"}, CreatedBy: w.user},
		[]byte("a secret of sixteen+"), AuditEntry{Env: w.env, Action: "webhook.created"})
	must(t, err)
	return h
}

// queueShare queues a share.granted to the environment's webhooks, with
// job as the River job of each delivery; it returns the deliveries' row
// ids and random ids.
func (w *jobWorld) queueShare(t *testing.T, job int64) (ids []access.ID, uids []string) {
	t.Helper()
	_, err := w.s.QueueWebhookEvent(context.Background(), w.env, "share.granted",
		func(uid string) ([]byte, error) { return fmt.Appendf(nil, `{"delivery":%q}`, uid), nil }, nil,
		func(_ *sql.Tx, id access.ID, uid string) (int64, error) {
			ids, uids = append(ids, id), append(uids, uid)
			return job, nil
		})
	must(t, err)
	return ids, uids
}

// TestWebhookIDsAreNotReused: a webhook deleted and registered again, and
// its deliveries, get ids never used before (SQLite gives a deleted
// row's id to the next row unless told otherwise); each delivery has a
// random id of its own, in its body; and a job that names a delivery's
// row id but not its random id (a job of a deleted delivery whose id
// came round again) finds nothing to send.
func TestWebhookIDsAreNotReused(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		first := w.webhook(t)
		ids1, uids1 := w.queueShare(t, 0)
		must(t, s.DeleteWebhook(ctx, w.env, first.ID, AuditEntry{Env: w.env, Action: "webhook.deleted"}))
		second := w.webhook(t)
		ids2, uids2 := w.queueShare(t, 0)
		if second.ID == first.ID || ids2[0] == ids1[0] || uids2[0] == uids1[0] {
			t.Errorf("ids used again: webhook %d then %d, delivery %d then %d (%s, %s)", first.ID, second.ID, ids1[0], ids2[0], uids1[0], uids2[0])
		}
		if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(uids2[0]) {
			t.Errorf("random delivery id %q", uids2[0])
		}
		d, err := s.WebhookDeliveryToSend(ctx, ids2[0], uids2[0])
		must(t, err)
		if string(d.Payload) != fmt.Sprintf(`{"delivery":%q}`, uids2[0]) || d.Delivery != uids2[0] {
			t.Errorf("to send: %+v", d)
		}
		if _, err := s.WebhookDeliveryToSend(ctx, ids2[0], uids1[0]); !errors.Is(err, ErrNotFound) {
			t.Errorf("a job naming another delivery's random id: %v, want ErrNotFound", err)
		}
		list, err := s.WebhookDeliveries(ctx, second.ID, 10)
		must(t, err)
		if len(list) != 1 || list[0].Delivery != uids2[0] {
			t.Errorf("listed %+v", list)
		}
	})
}

// TestWebhookDeliveriesKept: each webhook keeps its own latest
// KeptDeliveries ended deliveries, however the ids of several webhooks
// interleave.
func TestWebhookDeliveriesKept(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		a, b := w.webhook(t), w.webhook(t)
		for range KeptDeliveries + 30 {
			w.queueShare(t, 0)
			_, err := s.exec(ctx, "UPDATE webhook_deliveries SET state = 'delivered'")
			must(t, err)
		}
		w.queueShare(t, 0)
		for _, h := range []Webhook{a, b} {
			var ended, waiting int
			must(t, s.db.QueryRow(s.rebind("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = ? AND state = 'delivered'"), h.ID).Scan(&ended))
			must(t, s.db.QueryRow(s.rebind("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = ? AND state = 'queued'"), h.ID).Scan(&waiting))
			if ended != KeptDeliveries || waiting != 1 {
				t.Errorf("webhook %d keeps %d ended deliveries and %d queued, want %d and 1", h.ID, ended, waiting, KeptDeliveries)
			}
		}
	})
}

// TestWebhookPendingCap: a webhook with MaxPendingDeliveries waiting gets
// no more; the events it misses are counted in its Dropped; another
// webhook of the environment still gets them.
func TestWebhookPendingCap(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		down, up := w.webhook(t), w.webhook(t)
		for range MaxPendingDeliveries + 3 {
			w.queueShare(t, 0)
			_, err := s.exec(ctx, "UPDATE webhook_deliveries SET state = 'delivered' WHERE webhook_id = ?", up.ID)
			must(t, err)
		}
		count := func(h Webhook, state string) (n int) {
			must(t, s.db.QueryRow(s.rebind("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = ? AND state = ?"), h.ID, state).Scan(&n))
			return n
		}
		if n := count(down, "queued"); n != MaxPendingDeliveries {
			t.Errorf("%d deliveries waiting, want %d", n, MaxPendingDeliveries)
		}
		if n := count(up, "delivered"); n != MaxPendingDeliveries+3 {
			t.Errorf("the other webhook got %d deliveries, want %d", n, MaxPendingDeliveries+3)
		}
		hooks, err := s.Webhooks(ctx, w.env)
		must(t, err)
		if hooks[0].ID != down.ID || hooks[0].Dropped != 3 || hooks[1].Dropped != 0 {
			t.Errorf("dropped: %+v", hooks)
		}
	})
}

// TestFailLostDeliveries: a delivery still waiting whose River job is
// gone is failed by the sweep; one queued before deliveries had their
// job's id (river_id NULL) and ended ones are left alone.
func TestFailLostDeliveries(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		h := w.webhook(t)
		lost, _ := w.queueShare(t, 987654) // no such River job
		old, _ := w.queueShare(t, 987655)
		_, err := s.exec(ctx, "UPDATE webhook_deliveries SET river_id = NULL WHERE id = ?", old[0])
		must(t, err)
		done, _ := w.queueShare(t, 987656)
		must(t, s.DeliveryAttempted(ctx, done[0], DeliveryDelivered, 1, 204, "", nil))
		n, err := s.FailLostDeliveries(ctx, "not delivered: the job delivering it stopped")
		must(t, err)
		if n != 1 {
			t.Errorf("failed %d deliveries, want 1", n)
		}
		list, err := s.WebhookDeliveries(ctx, h.ID, 10)
		must(t, err)
		want := map[access.ID]string{lost[0]: "failed", old[0]: "queued", done[0]: "delivered"}
		for _, d := range list {
			if d.State != want[d.ID] {
				t.Errorf("delivery %d: %s, want %s", d.ID, d.State, want[d.ID])
			}
		}
	})
}

// TestWebhookCapRace: registrations racing for an environment's last
// places store MaxWebhooks, not more (on PostgreSQL the count is taken
// under a lock of the environment's row).
func TestWebhookCapRace(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		var wg sync.WaitGroup
		for range 3 * MaxWebhooks {
			wg.Go(func() {
				_, err := s.CreateWebhook(ctx, Webhook{Env: w.env, URL: "http://192.0.2.1/h", Events: []string{"share.granted"}, CreatedBy: w.user},
					[]byte("a secret of sixteen+"), AuditEntry{Env: w.env, Action: "webhook.created"})
				if err != nil && !errors.Is(err, ErrTooManyWebhooks) {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		hooks, err := s.Webhooks(ctx, w.env)
		must(t, err)
		if len(hooks) != MaxWebhooks {
			t.Errorf("%d webhooks stored, want %d", len(hooks), MaxWebhooks)
		}
	})
}

// TestWebhookMigration00032: webhooks and deliveries stored before 00032
// are kept by it; each delivery gets a random id, put in its body; ids
// are not reused after (SQLite's tables are rebuilt with AUTOINCREMENT).
func TestWebhookMigration00032(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		dialect, dir := goose.DialectSQLite3, "migrations/sqlite"
		if s.postgres {
			dialect, dir = goose.DialectPostgres, "migrations/postgres"
		}
		sub, err := fs.Sub(migrations, dir)
		must(t, err)
		p, err := goose.NewProvider(dialect, s.db, sub)
		must(t, err)
		_, err = p.DownTo(ctx, 31)
		must(t, err)
		hook, err := s.insert(ctx, "INSERT INTO webhooks (env_id, url, events, secret, created_by, created_at) VALUES (?, 'http://192.0.2.1/', 'share.granted', ?, 1, 0)", w.env, []byte{})
		must(t, err)
		delivery, err := s.insert(ctx, `INSERT INTO webhook_deliveries (webhook_id, event, payload, state, created_at, updated_at) VALUES (?, 'share.granted', '{"event":"share.granted"}', 'retrying', 0, 0)`, hook)
		must(t, err)
		_, err = p.Up(ctx)
		must(t, err)
		var uid, payload string
		must(t, s.db.QueryRow(s.rebind("SELECT uid, payload FROM webhook_deliveries WHERE id = ?"), delivery).Scan(&uid, &payload))
		if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(uid) || payload != fmt.Sprintf(`{"delivery":%q,"event":"share.granted"}`, uid) {
			t.Errorf("after 00032: uid %q, payload %s", uid, payload)
		}
		must(t, s.DeleteWebhook(ctx, w.env, access.ID(hook), AuditEntry{Env: w.env, Action: "webhook.deleted"}))
		if h := w.webhook(t); int64(h.ID) <= hook {
			t.Errorf("webhook id %d after %d was deleted", h.ID, hook)
		}
		if ids, _ := w.queueShare(t, 0); int64(ids[0]) <= delivery {
			t.Errorf("delivery id %d after %d was deleted", ids[0], delivery)
		}
	})
}
