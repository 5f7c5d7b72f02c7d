package signin

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"image/png"
	"net/http"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/auth"
	"github.com/procmine/procmine/internal/http/request"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/store"
)

// Time-based one-time passwords (RFC 6238: 6 digits, 30 s, SHA-1, what
// every authenticator app reads) as the second factor of local accounts,
// with recovery codes kept as digests.

var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// secondFactor checks a one-time password (this step or the one either
// side, each accepted once) or spends a recovery code.
func (s *Service) secondFactor(ctx context.Context, user access.ID, code string) (bool, error) {
	t, err := s.cfg.Store.UserTOTP(ctx, user)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil || !t.Confirmed {
		return false, err
	}
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) == 6 {
		return s.checkTOTP(ctx, user, t, code)
	}
	code = strings.ToUpper(strings.ReplaceAll(code, "-", ""))
	err = s.cfg.Store.UseRecoveryCode(ctx, user, auth.Digest(code))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (s *Service) checkTOTP(ctx context.Context, user access.ID, t store.TOTP, code string) (bool, error) {
	now := s.cfg.Now()
	for _, d := range []time.Duration{0, -30 * time.Second, 30 * time.Second} {
		at := now.Add(d)
		want, err := totp.GenerateCodeCustom(string(t.Secret), at, totpOpts)
		if err != nil {
			return false, err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) != 1 {
			continue
		}
		err = s.cfg.Store.UseTOTPStep(ctx, user, at.Unix()/30)
		if errors.Is(err, store.ErrConflict) {
			return false, nil // replayed
		}
		return err == nil, err
	}
	return false, nil
}

// EnrolTOTP starts an enrolment for the caller: a new secret, shown once
// as text, as an otpauth:// URI and as a QR code. It replaces an
// unconfirmed one; a confirmed one must be removed first.
func (s *Service) EnrolTOTP(w http.ResponseWriter, r *http.Request) {
	u := request.Caller(r)
	// No body is needed from a recent session; an older one sends the
	// password (AccountSecurity).
	var req struct {
		Password string `json:"password"`
	}
	if r.ContentLength != 0 {
		if err := request.Decode(w, r, &req); err != nil {
			response.WriteError(w, r, err)
			return
		}
	}
	if err := s.AccountSecurity(w, r, req.Password); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if t, err := s.cfg.Store.UserTOTP(r.Context(), u.ID); err == nil && t.Confirmed {
		response.WriteError(w, r, response.Errorf(http.StatusConflict, "enrolled", "a second factor is set already: remove it first (DELETE with a code)"))
		return
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "procmine", AccountName: u.Username, Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	img, err := key.Image(240, 240)
	var qr bytes.Buffer
	if err == nil {
		err = png.Encode(&qr, img)
	}
	if err == nil {
		err = s.cfg.Store.SetTOTP(r.Context(), u.ID, []byte(key.Secret()))
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.audit.Record(r, 0, "mfa.enrol.start", store.AuditTarget("user", u.ID), "")
	w.Header().Set("Cache-Control", "no-store")
	response.JSON(w, http.StatusOK, map[string]string{"secret": key.Secret(), "uri": key.URL(),
		"qr": "data:image/png;base64," + base64.StdEncoding.EncodeToString(qr.Bytes())})
}

// ConfirmTOTP completes the enrolment with a first code and answers with
// ten recovery codes, shown this once.
func (s *Service) ConfirmTOTP(w http.ResponseWriter, r *http.Request) {
	u := request.Caller(r)
	var req struct {
		Code     string `json:"code"`
		Password string `json:"password"`
	}
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.AccountSecurity(w, r, req.Password); err != nil {
		response.WriteError(w, r, err)
		return
	}
	t, err := s.cfg.Store.UserTOTP(r.Context(), u.ID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && t.Confirmed) {
		response.WriteError(w, r, response.Errorf(http.StatusConflict, "no_enrolment", "start an enrolment first (POST /api/v1/me/totp)"))
		return
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	ok, err := s.checkTOTP(r.Context(), u.ID, t, strings.TrimSpace(req.Code))
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	if !ok {
		response.WriteError(w, r, response.Invalid("code: not the code of this secret now; check the device's clock"))
		return
	}
	// 80 random bits each, in base32, shown in groups of four.
	codes := make([]string, 10)
	digests := make([]string, 10)
	for i := range codes {
		b := make([]byte, 10)
		rand.Read(b)
		c := base32.StdEncoding.EncodeToString(b)
		codes[i] = c[:4] + "-" + c[4:8] + "-" + c[8:12] + "-" + c[12:]
		digests[i] = auth.Digest(c)
	}
	if err := s.cfg.Store.ConfirmTOTP(r.Context(), u.ID, digests); err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.audit.Record(r, 0, "mfa.enrol", store.AuditTarget("user", u.ID), "")
	w.Header().Set("Cache-Control", "no-store")
	response.JSON(w, http.StatusOK, map[string]any{"recovery_codes": codes})
}

// RemoveTOTP removes the caller's second factor: only from a session
// that satisfied it and is recent (or with the password), on a current
// code, with attempts counted like sign-ins. Sessions and tokens lose the MFA they had.
func (s *Service) RemoveTOTP(w http.ResponseWriter, r *http.Request) {
	u := request.Caller(r)
	var req struct {
		Code     string `json:"code"`
		Password string `json:"password"`
	}
	if err := request.Decode(w, r, &req); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.AccountSecurity(w, r, req.Password); err != nil {
		response.WriteError(w, r, err)
		return
	}
	if !request.SatisfiedMFA(r) {
		response.WriteError(w, r, response.Errorf(http.StatusForbidden, "mfa_required", "sign in with your code first: only a session that used the second factor removes it"))
		return
	}
	account, addr, err := s.countAttempt(w, r, u.Username, "wrong codes")
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	ok, err := s.secondFactor(r.Context(), u.ID, req.Code)
	if err == nil && !ok {
		s.audit.Record(r, 0, "mfa.remove.failed", store.AuditTarget("user", u.ID), "wrong code")
		err = response.Invalid("code: give a current code or a recovery code")
	}
	if err == nil {
		err = s.cfg.Store.DeleteTOTP(r.Context(), u.ID)
	}
	if err != nil {
		response.WriteError(w, r, err)
		return
	}
	if err := s.limiter.succeeded(r.Context(), account, addr); err != nil {
		response.WriteError(w, r, err)
		return
	}
	s.audit.Record(r, 0, "mfa.remove", store.AuditTarget("user", u.ID), "")
	w.WriteHeader(http.StatusNoContent)
}
