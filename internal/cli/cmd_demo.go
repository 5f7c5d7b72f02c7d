package cli

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/auth"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/generate"
	"github.com/procmine/procmine/internal/recording"
	"github.com/procmine/procmine/internal/signin"
	"github.com/procmine/procmine/internal/store"
)

// demoData is what each demo process holds: a log generated to fit its
// name (the repository ships no third-party data), the version's word on
// where it came from, and, for the processes whose generator describes the
// process as intended, that process as the reference model, so that the
// conformance page shows the cases that deviate from it.
//
// The reference models are BPMN files in demodata/, drawn from the
// generators' Intended trees and laid out ahead of time
// (TestDemoReferenceModels -update rewrites them): the demo, a server,
// lays nothing out in its own process (docs/operations.md).
var demoData = map[string]struct {
	source    string
	log       func(generate.Options) *eventlog.Log
	cases     int
	seed      uint64
	reference string // a file in demodata/; "" for none
}{
	"Purchase to pay":  {"generated purchase-to-pay log", generate.P2P, 300, 1, ""},
	"Order to cash":    {"generated order-to-cash log", generate.OrderToCash().Log, 500, 2, "order-to-cash.bpmn"},
	"Invoice handling": {"generated invoice-handling log", generate.InvoiceHandling().Log, 700, 3, "invoice-handling.bpmn"},
	"Expense claims":   {"generated expense-claims log", generate.ExpenseClaims().Log, 900, 4, "expense-claims.bpmn"},
}

//go:embed demodata/*.bpmn
var demoModels embed.FS

// demoLog is the log the demo gives a process.
func demoLog(process string) *eventlog.Log {
	d := demoData[process]
	return d.log(generate.Options{Cases: d.cases, Seed: d.seed})
}

// demoUser is one account of the demo environment.
type demoUser struct {
	name, role, unit, why string
	id                    access.ID
	password              string
}

// runDemo fills a fresh data folder with an environment that shows every
// rule of the access model, prints who can sign in, and serves it.
func runDemo(ctx context.Context, args []string, s Streams) error {
	fs := newFlagSet("demo", "[--data-dir DIR] [--addr HOST:PORT]", s)
	dir := fs.String("data-dir", "", "data folder to create (default: a new temporary folder)")
	addr := fs.String("addr", envOr("PROCMINE_ADDR", "127.0.0.1:8080"), "address to listen on")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "procmine-demo-")
		if err != nil {
			return err
		}
		*dir = d
	} else if entries, err := os.ReadDir(*dir); err == nil && len(entries) > 0 {
		return usagef("%s is not empty: the demo needs a fresh data folder", *dir)
	}
	sf := storeFlags{dataDir: *dir, notice: s.Err}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	users, err := seedDemo(ctx, st)
	st.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "procmine demo: data in %s\n\nEnvironment \"Demo\" (id 1): units Demo > Sales > Sales North, Demo > Finance.\n\n", *dir)
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "user\tpassword\trole\tunit\twhat it shows")
	for _, u := range users {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.name, u.password, u.role, u.unit, u.why)
	}
	tw.Flush()
	host := *addr
	fmt.Fprintf(s.Out, `
Sign in and call the API, for example as %[2]s:
  curl -c jar -H 'Content-Type: application/json' -d '{"username":"%[2]s","password":"%[3]s"}' http://%[1]s/api/v1/session
  curl -b jar http://%[1]s/api/v1/environments/1/processes
  curl -b jar -H 'Content-Type: application/json' -d '{"name":"cli"}' http://%[1]s/api/v1/tokens
  curl -H 'Authorization: Bearer pm_…' http://%[1]s/api/v1/me
  curl -b jar 'http://%[1]s/api/v1/environments/1/processes/1/map?format=svg&paths=0.5' > map.svg

`, host, users[2].name, users[2].password)
	return runServe(ctx, []string{"--addr", *addr, "--data-dir", *dir}, s)
}

func demoPassword() string {
	b := make([]byte, 12)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func seedDemo(ctx context.Context, st *store.Store) ([]demoUser, error) {
	users := []demoUser{
		{name: "admin", role: access.SystemAdministrator, unit: "Demo", why: "everything in the environment, security included"},
		{name: "customizer", role: access.SystemCustomizer, unit: "Demo", why: "every process, no security administration"},
		{name: "maker", role: access.EnvironmentMaker, unit: "Sales", why: "own processes; contributes to Invoice handling"},
		{name: "maker2", role: access.EnvironmentMaker, unit: "Finance", why: "owns Invoice handling; sees nothing of Sales"},
		{name: "analyst", role: access.EnvironmentMaker, unit: "Sales", why: "in team Process Excellence: its process is hers"},
		{name: "viewer", role: access.ProcessMiningUser, unit: "Sales North", why: "reads reports shared with her; a co-owner share changes nothing"},
		{name: "auditor", role: access.ProcessMiningUser, unit: "Finance", why: "sees Invoice handling through team Auditors"},
		{name: "basic", role: access.BasicUser, unit: "Finance", why: "may sign in; no process mining at all"},
	}
	for i := range users {
		u := &users[i]
		u.password = demoPassword()
		id, err := signin.CreateUser(ctx, st, u.name, u.password, u.name == "admin", auth.DefaultParams)
		if err != nil {
			return nil, fmt.Errorf("demo user %s: %w", u.name, err)
		}
		u.id = id
	}
	byName := map[string]*demoUser{}
	for i := range users {
		byName[users[i].name] = &users[i]
	}
	env, root, err := st.CreateEnvironment(ctx, "Demo", byName["admin"].id)
	if err != nil {
		return nil, err
	}
	sales, err := st.CreateBusinessUnit(ctx, env, "Sales", root)
	if err != nil {
		return nil, err
	}
	north, err := st.CreateBusinessUnit(ctx, env, "Sales North", sales)
	if err != nil {
		return nil, err
	}
	finance, err := st.CreateBusinessUnit(ctx, env, "Finance", root)
	if err != nil {
		return nil, err
	}
	units := map[string]access.ID{"Demo": root, "Sales": sales, "Sales North": north, "Finance": finance}
	for _, u := range users[1:] {
		if err := st.SetMember(ctx, env, u.id, units[u.unit], []string{u.role}); err != nil {
			return nil, err
		}
	}
	excellence, err := st.CreateTeam(ctx, env, "Process Excellence", "owner", sales)
	if err != nil {
		return nil, err
	}
	auditors, err := st.CreateTeam(ctx, env, "Auditors", "access", finance)
	if err != nil {
		return nil, err
	}
	for _, m := range []struct {
		team access.ID
		user string
	}{{excellence, "analyst"}, {auditors, "auditor"}} {
		if err := st.AddTeamMember(ctx, m.team, byName[m.user].id); err != nil {
			return nil, err
		}
	}
	processes := []struct {
		name   string
		owner  access.Principal
		unit   access.ID
		shares []access.ProcessShare
	}{
		{"Purchase to pay", access.Principal{User: byName["maker"].id}, sales, []access.ProcessShare{
			{To: access.Principal{User: byName["viewer"].id}, Access: access.CoOwner}}},
		{"Order to cash", access.Principal{Team: excellence}, sales, nil},
		{"Invoice handling", access.Principal{User: byName["maker2"].id}, finance, []access.ProcessShare{
			{To: access.Principal{User: byName["maker"].id}, Access: access.Contributor},
			{To: access.Principal{Team: auditors}, Access: access.Viewer}}},
		{"Expense claims", access.Principal{User: byName["maker2"].id}, finance, nil},
	}
	for _, p := range processes {
		id, err := st.CreateProcess(ctx, store.Process{Env: env, Name: p.name, Owner: p.owner, Unit: p.unit})
		if err != nil {
			return nil, err
		}
		d, l := demoData[p.name], demoLog(p.name)
		data, err := l.MarshalBinary()
		if err != nil {
			return nil, err
		}
		owner := p.owner.User
		if owner == 0 {
			owner = byName["admin"].id
		}
		if _, err := st.AddVersion(ctx, id, store.Version{By: owner, Source: d.source, Cases: l.NumCases(), Events: l.NumEvents()}, data); err != nil {
			return nil, err
		}
		if d.reference != "" {
			model, err := demoModels.ReadFile("demodata/" + d.reference)
			if err != nil {
				return nil, err
			}
			if err := st.PutReferenceModel(ctx, id, store.ReferenceModel{Format: "bpmn", Name: d.reference, Data: model, By: owner}); err != nil {
				return nil, err
			}
		}
		for _, sh := range p.shares {
			if err := st.PutShare(ctx, id, sh); err != nil {
				return nil, err
			}
		}
		if p.name == "Invoice handling" {
			if err := seedRecordings(ctx, st, env, id, byName["maker2"].id, byName["maker"].id); err != nil {
				return nil, err
			}
		}
	}
	return users, nil
}

// seedRecordings gives a process three desktop recordings, by its owner
// and by a contributor, for the recordings and task-mining pages.
func seedRecordings(ctx context.Context, st *store.Store, env, process, owner, contributor access.ID) error {
	type step struct{ name, action, app, input string }
	recs := []struct {
		by    access.ID
		title string
		steps []step
	}{
		{owner, "Approve an invoice from the inbox", []step{{"Open the invoice mail", "open", "Outlook", ""}, {"Copy the amount", "copy", "Outlook", ""},
			{"Find the purchase order", "type", "ERP", "PO-4471"}, {"Enter the amount", "type", "ERP", "1,200.00"}, {"Approve", "click", "ERP", ""}}},
		{contributor, "Invoice with a price difference", []step{{"Open the invoice mail", "open", "Outlook", ""}, {"Find the purchase order", "type", "ERP", "PO-4490"},
			{"Check the price list", "switch", "Excel", ""}, {"Enter the amount", "type", "ERP", "980.00"}, {"Ask the buyer", "type", "Outlook", "Is the new price agreed?"}, {"Approve", "click", "ERP", ""}}},
		{contributor, "Approve an invoice from the portal", []step{{"Open the supplier portal", "open", "Chrome", ""}, {"Find the purchase order", "type", "ERP", "PO-4502"},
			{"Enter the amount", "type", "ERP", "310.50"}, {"Approve", "click", "ERP", ""}}},
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i, r := range recs {
		var steps []recording.Step
		t := at.Add(time.Duration(i) * 24 * time.Hour)
		for j, s := range r.steps {
			d := time.Duration(8+7*((i+j)%4)) * time.Second
			steps = append(steps, recording.Step{Name: s.name, Action: s.action, Application: s.app, WindowTitle: s.app, Input: s.input, StartedAt: t, EndedAt: t.Add(d)})
			t = t.Add(d + 2*time.Second)
		}
		if _, err := st.CreateRecording(ctx, store.Recording{Env: env, Process: process, Recorder: r.by, Title: r.title, State: store.StatePublished}, steps, nil); err != nil {
			return err
		}
	}
	return nil
}
