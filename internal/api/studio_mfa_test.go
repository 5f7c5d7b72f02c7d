package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/store/storetest"
)

// TestTOTPSignInInABrowser: a user sets up an authenticator app on her
// account page; under a policy that requires MFA she then signs in to the
// studio with password and code.
func TestTOTPSignInInABrowser(t *testing.T) {
	ctx := browser(t)
	st, err := store.Open(context.Background(), storetest.DSNs(t)["sqlite"])
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := New(Config{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Password: cheap})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	e := &env{t: t, store: st, url: ts.URL, now: time.Now()}
	root, _, _, prod, base := prodWithMaker(e)
	_, annID := e.user("ann", false)
	root.json("PUT", fmt.Sprintf("%s/members/%d", base, annID), fmt.Sprintf(`{"business_unit":%d,"roles":["Environment Maker"]}`, prod.Root), 200, nil)

	run := runner(t, ctx)
	// ann sets up her authenticator app on her account page.
	run(chromedp.Navigate(ts.URL+"/signin"),
		chromedp.SendKeys(chromedp.CSS("#username"), "ann"),
		chromedp.SendKeys(chromedp.CSS("#password"), "a long enough password"),
		chromedp.Click(chromedp.CSS("#signin")))
	// The sign-in lands on / and moves on to the one environment: the
	// header's link is waited for, then the page opened directly.
	waitFor(t, ctx, `document.getElementById('account-link') && document.getElementById('account-link').textContent === 'ann'`)
	run(chromedp.Navigate(ts.URL + "/account"))
	waitFor(t, ctx, `document.getElementById('mfa-start')`)
	run(chromedp.Click(chromedp.CSS("#mfa-start")))
	waitFor(t, ctx, `document.getElementById('mfa-secret').textContent.length > 0 && document.getElementById('mfa-qr').naturalWidth > 0`)
	secret := pageText(t, ctx, "#mfa-secret")
	first, _ := totp.GenerateCode(secret, time.Now())
	run(chromedp.SendKeys(chromedp.CSS("#mfa-code"), first), chromedp.Click(chromedp.CSS("#mfa-confirm button")))
	waitFor(t, ctx, `document.querySelectorAll('#mfa-codes li').length === 10`)
	shot(t, ctx, "studio-account-mfa")
	root.json("POST", "/api/v1/access-policies", fmt.Sprintf(`{"name":"mfa","state":"on","apps":["studio","api"],"include":{"users":[%d]},"grant":"require-mfa"}`, annID), 201, nil)

	// The administrator makes a policy on the studio's page: one that
	// targets the API alone is accepted, with its warning shown.
	run(chromedp.Navigate(ts.URL+"/signin"),
		chromedp.SendKeys(chromedp.CSS("#username"), "root"),
		chromedp.SendKeys(chromedp.CSS("#password"), "a long enough password"),
		chromedp.Click(chromedp.CSS("#signin")))
	waitFor(t, ctx, `document.getElementById('policies-link')`)
	run(chromedp.Navigate(ts.URL + "/access-policies"))
	waitFor(t, ctx, `document.getElementById('policy-form')`)
	run(chromedp.SendKeys(chromedp.CSS("#p-name"), "api trial"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#policy-form input[name=apps][value=studio]').checked = false`),
		chromedp.Click(chromedp.CSS("#policy-create")))
	waitFor(t, ctx, `[...document.querySelectorAll('#policies .warning')].some(w => w.textContent.includes('leaves the studio app unprotected'))`)
	shot(t, ctx, "studio-policies")
	run(chromedp.Navigate(ts.URL+"/signin"),
		chromedp.SendKeys(chromedp.CSS("#username"), "ann"),
		chromedp.SendKeys(chromedp.CSS("#password"), "a long enough password"),
		chromedp.Click(chromedp.CSS("#signin")))
	waitFor(t, ctx, `document.querySelector('[role=alert]') && document.getElementById('code').required`)
	if msg := pageText(t, ctx, "[role=alert]"); !strings.Contains(msg, "authenticator app") {
		t.Errorf("the page asks %q", msg)
	}
	shot(t, ctx, "studio-signin-code")
	// The enrolment used this 30-second step's code; the next one is
	// accepted too (one step of clock skew) and is not a replay.
	code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	run(chromedp.SendKeys(chromedp.CSS("#password"), "a long enough password"),
		chromedp.SendKeys(chromedp.CSS("#code"), code),
		chromedp.Click(chromedp.CSS("#signin")))
	// Signed in as ann, on her processes (the page may still be loading
	// when the header shows her name: the heading is waited for too).
	waitFor(t, ctx, `document.getElementById('account-link') && document.getElementById('account-link').textContent === 'ann' &&
		['Processes', 'Environments'].includes((document.querySelector('main h1') || {}).textContent)`)
}

// waitFor polls a condition in the page, across the navigations a form or
// a reload makes (a poll inside one page would end with the page, and
// chromedp.Poll waits for animation frames, which a window in the
// background may not get). Each evaluation has five seconds; on failure
// the message quotes what the page says.
func waitFor(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		ok, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`(() => { try { return !!(`+js+`) } catch (e) { return false } })()`))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			said, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 2000) : ""`))
			t.Fatalf("waiting for %s: %v; the page says: %s", js, err, said)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSingleSignOnInABrowser: the studio's sign-in page sends the person
// to the OpenID provider, whose login brings them back signed in.
func TestSingleSignOnInABrowser(t *testing.T) {
	ctx := browser(t)
	e, _, start := ssoServer(t, storetest.DSNs(t)["sqlite"])
	start(provider(t, e.url+"/signin/oidc/callback").issuer)
	run := runner(t, ctx)
	run(chromedp.Navigate(e.url+"/signin"), chromedp.Click(chromedp.CSS("#sso")))
	waitFor(t, ctx, `document.querySelector('input[name=id]') && location.pathname.startsWith('/login')`)
	run(chromedp.SendKeys(chromedp.CSS("#username"), "test-user@127.0.0.1"),
		chromedp.SendKeys(chromedp.CSS("#password"), "verysecure"),
		chromedp.Click(chromedp.CSS("button[type=submit]")))
	waitFor(t, ctx, `document.getElementById('account-link') && document.getElementById('account-link').textContent === 'test-user@127.0.0.1'`)
	shot(t, ctx, "studio-after-sso")
}
