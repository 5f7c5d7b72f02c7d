package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/auth"
	"github.com/procmine/procmine/internal/authz"
	"github.com/procmine/procmine/internal/conformance"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/petrinet"
	"github.com/procmine/procmine/internal/report"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/webhooks"
)

// WebhookConfig is where webhooks may deliver and how deliveries are
// retried.
type WebhookConfig struct {
	// Allow is the installation administrator's allow list (serve
	// --webhook-allow); nil or empty allows no address, and registration
	// says so.
	Allow *webhooks.AllowList
	// Resolve finds a host's addresses (the system's resolver when nil).
	Resolve webhooks.Resolver
	// Timeout bounds one delivery (10 s when zero).
	Timeout time.Duration
	// Attempts is how many times a delivery is tried
	// (jobs.DefaultWebhookAttempts when zero); Backoff the wait after
	// failed attempt n (River's, about n⁴ seconds, when nil).
	Attempts int
	Backoff  func(attempt int) time.Duration
}

func (c WebhookConfig) sender() *webhooks.Sender {
	return &webhooks.Sender{Allow: c.Allow, Resolve: c.Resolve, Timeout: c.Timeout, UserAgent: "procmine-webhooks/1"}
}

// webhookRequest registers a webhook. The secret is the caller's, or
// generated (generate_secret) and then shown once, in the answer.
type webhookRequest struct {
	URL            string   `json:"url"`
	Events         []string `json:"events"`
	Secret         string   `json:"secret"`
	GenerateSecret bool     `json:"generate_secret"`
	Threshold      *float64 `json:"threshold"`
	Description    string   `json:"description"`
}

// webhookAnswer is a webhook as the API shows it: never its secret, but
// once, when generated.
type webhookAnswer struct {
	store.Webhook
	Secret string `json:"secret,omitempty"`
}

// createWebhook registers a webhook (the environment's System
// Administrators): its fields are checked, and its URL against the
// installation's allow list, before anything is stored.
func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	if err := authz.EnvironmentAdmin(r); err != nil {
		response.WriteError(w, r, err)
		return
	}
	var req webhookRequest
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	generated := ""
	if req.GenerateSecret {
		if req.Secret != "" {
			response.WriteError(w, r, response.Invalid("secret: give a secret or generate_secret, not both"))
			return
		}
		var err error
		if generated, err = auth.NewToken("whsec_"); err != nil {
			response.WriteError(w, r, err)
			return
		}
		req.Secret = generated
	}
	h := webhooks.Webhook{URL: strings.TrimSpace(req.URL), Events: req.Events, Secret: req.Secret, Threshold: req.Threshold, Description: req.Description}
	err := h.Validate()
	if err == nil {
		check, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		err = s.cfg.Webhooks.Allow.CheckURL(check, h.URL, s.cfg.Webhooks.Resolve)
		cancel()
	}
	var fe *webhooks.FieldError
	if errors.As(err, &fe) {
		response.WriteError(w, r, response.Invalid("%s: %s", fe.Field, fe.Message))
		return
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	env := request.Environment(r)
	// The URL is not recorded: its path may hold a token of the receiver.
	kept, err := s.cfg.Store.CreateWebhook(r.Context(), store.Webhook{Env: env, URL: h.URL, Events: h.Events, Threshold: h.Threshold, Description: h.Description, CreatedBy: request.Caller(r).ID},
		[]byte(h.Secret), s.auditLog.Entry(r, env, "webhook.created", "", "events "+strings.Join(h.Events, " ")))
	if errors.Is(err, store.ErrTooManyWebhooks) {
		err = response.Errorf(http.StatusConflict, "too_many_webhooks", fmt.Sprintf("an environment may have at most %d webhooks: delete one first", store.MaxWebhooks))
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/environments/%d/webhooks/%d", env, kept.ID))
	response.JSON(w, http.StatusCreated, webhookAnswer{Webhook: kept, Secret: generated})
}

// listWebhooks lists the environment's webhooks, without their secrets.
func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	if err := authz.EnvironmentAdmin(r); err != nil {
		response.WriteError(w, r, err)
		return
	}
	hooks, err := s.cfg.Store.Webhooks(r.Context(), request.Environment(r))
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, map[string]any{"webhooks": hooks, "deliverable": !s.cfg.Webhooks.Allow.Empty()})
}

// webhookOf is the environment's webhook the path names, for its System
// Administrators; others are refused alike whether it exists or not, and
// another environment's is not found.
func (s *Server) webhookOf(r *http.Request) (store.Webhook, error) {
	if err := authz.EnvironmentAdmin(r); err != nil {
		return store.Webhook{}, err
	}
	id, err := request.PathID(r, "webhook")
	if err != nil {
		return store.Webhook{}, response.ErrNotFound
	}
	return s.cfg.Store.Webhook(r.Context(), request.Environment(r), id)
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) {
	h, err := s.webhookOf(r)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, webhookAnswer{Webhook: h})
}

// deleteWebhook removes a webhook; deliveries still queued are dropped.
func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	h, err := s.webhookOf(r)
	if err == nil {
		err = s.cfg.Store.DeleteWebhook(r.Context(), h.Env, h.ID, s.auditLog.Entry(r, h.Env, "webhook.deleted", "", ""))
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// maxDeliveriesListed is how many of a webhook's latest deliveries are
// listed.
const maxDeliveriesListed = 100

// listDeliveries lists a webhook's latest deliveries and how each went.
func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) {
	h, err := s.webhookOf(r)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	out, err := s.cfg.Store.WebhookDeliveries(r.Context(), h.ID, maxDeliveriesListed)
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, map[string]any{"deliveries": out})
}

// notify tells the environment's webhooks of an event a request caused,
// which stays done whatever happens to the telling: a failure to queue
// it is logged.
func (s *Server) notify(r *http.Request, event string, data any) {
	if err := s.jobs.Notify(context.WithoutCancel(r.Context()), request.Environment(r), event, data, nil); err != nil {
		s.cfg.Log.ErrorContext(r.Context(), "webhook", "event", event, "err", err)
	}
}

// shareData is the data of share.granted and share.revoked.
type shareData struct {
	Process   access.ID        `json:"process"`
	Principal access.Principal `json:"principal"`
	Access    string           `json:"access,omitempty"`
}

// webhookFitness is the token-replay log fitness of a version of the
// process's data (its activity-instance view, as reports have it)
// against the process's reference model, for conformance.below_threshold
// (jobs.Config.Conformance); ok is false without a reference model. It
// takes a mining slot like a report's replay.
func (s *Server) webhookFitness(ctx context.Context, env, process, version access.ID) (float64, bool, error) {
	ref, err := s.cfg.Store.GetReferenceModel(ctx, process)
	if errors.Is(err, store.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	entry, err := s.reports.Entry(ctx, process, version)
	if err != nil {
		return 0, false, err
	}
	l := entry.View(false)
	var res *conformance.Result
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err = s.reports.Mine(ctx, func() error {
		var net *petrinet.Net
		var err error
		if _, net, err = (report.Miner{}).ModelFor(l, &ref); err != nil {
			return err
		}
		res, err = conformance.Replay(ctx, l, net)
		return err
	})
	if err != nil {
		return 0, false, err
	}
	return res.LogFitness, true, nil
}
