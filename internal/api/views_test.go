package api

import (
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/testlogs"
)

// TestSavedViews: over HTTP, on both stores, the owner and a co-owner of
// a process save views of its report; a private one is offered to its
// owner alone, a shared one to everyone who may read the process and
// apply its filters, so a view filtering on attribute values is kept from
// report readers; readers cannot save; a bad view is refused saying what
// is wrong and stores nothing; deleting follows ownership and the
// process's report-view rights, and a view one is not offered is not
// found; both are audited. A reader is offered only views whose words say
// no more than the reports show them (report.ViewOffers).
func TestSavedViews(t *testing.T) {
	xes, err := os.ReadFile(testlogs.Path(t, "xes/running-example.xes"))
	if err != nil {
		t.Fatal(err)
	}
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			owner := w.c["owner"]
			if j := owner.importLog(w.process+"/data", "running-example.xes", xes, nil); j.State != "done" {
				t.Fatalf("import: %+v", j)
			}
			views := w.process + "/views"
			save := func(c *client, body string, code int) savedView {
				t.Helper()
				var v savedView
				c.json("POST", views, body, code, &v)
				return v
			}
			private := save(owner, `{"name":"Slow cases","query":"min-duration=7d&view=performance&from=","shared":false}`, 201)
			if private.Query != "min-duration=7d&view=performance" || !private.Mine || !private.MayDelete || private.Shared {
				t.Errorf("the private view as saved: %+v", private)
			}
			shared := save(owner, `{"name":"From registration","query":"start-activity=register+request&activities=0.5","shared":true}`, 201)
			byValue := save(owner, `{"name":"Pete's cases","query":"case-attr=org%3Aresource%3DPete","shared":true}`, 201)
			mine := save(w.c["coowner"], `{"name":"Co-owner's","query":"follows=check+ticket%3E%3Edecide","shared":true}`, 201)
			// Views whose words say more than a reader is shown: the path of
			// one case ("only these" on a one-case variant), a time to the
			// minute, an activity the log does not have.
			var one struct {
				Variants []struct{ Activities []string }
			}
			owner.json("GET", w.process+"/variants", "", 200, &one)
			path, _ := json.Marshal(one.Variants[len(one.Variants)-1].Activities)
			save(owner, fmt.Sprintf(`{"name":"One case","query":%q,"shared":true}`, "variant="+url.QueryEscape(string(path))), 201)
			save(owner, `{"name":"From a minute","query":"from=2010-12-30T11:02:00Z","shared":true}`, 201)
			save(owner, `{"name":"Unknown","query":"follows=zz%3E%3Edecide","shared":true}`, 201)
			save(owner, `{"name":"Within 7h","query":"max-duration=7h","shared":true}`, 201)
			// An escaped name is kept as read, so that erasure finds it.
			escaped := save(owner, `{"name":"Escaped","query":"variant=%5B%22r%5Cu0065gister+request%22%5D"}`, 201)
			if escaped.Query != "variant="+url.QueryEscape(`["register request"]`) {
				t.Errorf("the escaped variant is kept as %q", escaped.Query)
			}

			offered := func(c *client) []string {
				t.Helper()
				var list struct{ Views []savedView }
				c.json("GET", views, "", 200, &list)
				var names []string
				for _, v := range list.Views {
					names = append(names, v.Name)
				}
				return names
			}
			all := []string{"Co-owner's", "From a minute", "From registration", "One case", "Pete's cases", "Unknown", "Within 7h"}
			for who, want := range map[string][]string{
				"owner":      {"Co-owner's", "Escaped", "From a minute", "From registration", "One case", "Pete's cases", "Slow cases", "Unknown", "Within 7h"},
				"coowner":    all,
				"admin":      all,
				"customizer": all,
				// Readers of the report: not the views that name values,
				// nor those whose words say more than the reports show.
				"viewer":  {"Co-owner's", "From registration", "Within 7h"},
				"pmu":     {"Co-owner's", "From registration", "Within 7h"},
				"contrib": {"Co-owner's", "From registration", "Within 7h"},
			} {
				if got := offered(w.c[who]); !slices.Equal(got, want) {
					t.Errorf("%s is offered %q, want %q", who, got, want)
				}
			}
			if code, _ := w.c["basic"].do("GET", views, "", nil); code != 404 {
				t.Errorf("a member without the process lists its views: %d", code)
			}

			// Readers do not save; a bad view is refused and stores nothing.
			for _, c := range []struct {
				who  string
				body string
				code int
				want string
			}{
				{"viewer", `{"name":"v","query":"","shared":true}`, 403, "forbidden"},
				{"pmu", `{"name":"v","query":"","shared":true}`, 403, "forbidden"},
				{"contrib", `{"name":"v","query":"","shared":true}`, 403, "forbidden"},
				{"basic", `{"name":"v","query":"","shared":true}`, 404, "not_found"},
				{"owner", `{"name":"","query":""}`, 422, "name is required"},
				{"owner", `{"name":"x","query":"case=1"}`, 422, `\"case\" is not a filter or a setting of the map`},
				{"owner", `{"name":"x","query":"raw-events=true"}`, 422, "raw-events is for the API"},
				{"owner", `{"name":"x","query":"min-duration=soon"}`, 422, "min-duration"},
				{"owner", `{"name":"x","query":"activities=2"}`, 422, "activities"},
				{"owner", `{"name":"x","query":"a=%zz"}`, 422, "the query cannot be read"},
				{"owner", fmt.Sprintf(`{"name":"x","query":"from=%s"}`, strings.Repeat("1", 4100)), 422, "at most 4096"},
				{"owner", `{"name":"x","query":"","colour":"red"}`, 400, "colour"},
			} {
				code, body := w.c[c.who].do("POST", views, c.body, nil)
				if code != c.code || !strings.Contains(body, c.want) {
					t.Errorf("%s saves %.80s: %d %.300s", c.who, c.body, code, body)
				}
			}
			if got := offered(owner); len(got) != 9 {
				t.Errorf("refused views were stored: %q", got)
			}

			// The shared view's query reads the report as saved.
			var rep struct{ Cases int }
			w.c["viewer"].json("GET", w.process+"/report?"+shared.Query, "", 200, &rep)

			// Deleting: a view one is not offered is not found, whoever
			// asks; a reader may not delete the owner's; a co-owner may;
			// a view of another process is not found.
			del := func(c *client, id access.ID) int {
				t.Helper()
				code, _ := c.do("DELETE", fmt.Sprintf("%s/%d", views, id), "", nil)
				return code
			}
			if code := del(w.c["viewer"], private.ID); code != 404 {
				t.Errorf("a viewer deletes a private view: %d", code)
			}
			if code := del(w.c["viewer"], byValue.ID); code != 404 {
				t.Errorf("a viewer deletes a view it is not offered: %d", code)
			}
			if code := del(w.c["viewer"], shared.ID); code != 403 {
				t.Errorf("a viewer deletes a shared view: %d", code)
			}
			if code := del(w.c["coowner"], private.ID); code != 404 {
				t.Errorf("a co-owner deletes the owner's private view: %d", code)
			}
			var other processJSON
			owner.json("POST", w.base+"/processes", `{"name":"other"}`, 201, &other)
			if code, _ := owner.do("DELETE", fmt.Sprintf("%s/processes/%d/views/%d", w.base, other.ID, shared.ID), "", nil); code != 404 {
				t.Errorf("a view deleted through another process: %d", code)
			}
			if code := del(w.c["coowner"], shared.ID); code != 204 {
				t.Errorf("a co-owner deletes a shared view: %d", code)
			}
			if code := del(w.c["coowner"], mine.ID); code != 204 {
				t.Errorf("a co-owner deletes its own view: %d", code)
			}
			if code := del(owner, private.ID); code != 204 {
				t.Errorf("the owner deletes its private view: %d", code)
			}
			if code := del(owner, private.ID); code != 404 {
				t.Errorf("deleted twice: %d", code)
			}
			if got := offered(owner); !slices.Equal(got, []string{"Escaped", "From a minute", "One case", "Pete's cases", "Unknown", "Within 7h"}) {
				t.Errorf("after the deletions: %q", got)
			}

			// A process keeps at most store.MaxSavedViews views.
			for i := 6; i < store.MaxSavedViews; i++ {
				save(owner, fmt.Sprintf(`{"name":"v%d","query":""}`, i), 201)
			}
			if code, body := owner.do("POST", views, `{"name":"one more","query":""}`, nil); code != 409 || !strings.Contains(body, "at most 200 saved views") {
				t.Errorf("view %d: %d %s", store.MaxSavedViews+1, code, body)
			}

			var audit struct {
				Entries []struct{ Action, Detail string }
			}
			w.root.json("GET", w.base+"/audit?limit=1000", "", 200, &audit)
			raw, _ := json.Marshal(audit)
			for _, a := range []string{"process.view.create", "process.view.delete", fmt.Sprintf("view %d", shared.ID)} {
				if !strings.Contains(string(raw), a) {
					t.Errorf("the audit lacks %s", a)
				}
			}
		})
	}
}

// TestReaderFiltersNameOnlyWhatTheyAreShown: a report reader's filters
// may name only the activities and variants the reports show them; one
// the log lacks and one it withholds are refused alike, so that a reader
// can neither probe for a rare name nor reword a question for free (the
// review's attack: exclude-variant of sequences no case follows, averaged
// over 60 phrasings, told whether a guessed one-case path was taken).
func TestReaderFiltersNameOnlyWhatTheyAreShown(t *testing.T) {
	data, err := os.ReadFile(testlogs.Path(t, "csv/receipt.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for name, e := range servers(t) {
		t.Run(name, func(t *testing.T) {
			w := setupRecordings(t, e)
			owner, viewer := w.c["owner"], w.c["viewer"]
			if j := owner.importLog(w.process+"/data", "receipt.csv", data, nil); j.State != "done" {
				t.Fatalf("import: %+v", j)
			}
			var shown, all struct {
				Variants []struct {
					Activities []string
					Cases      int
				}
			}
			viewer.json("GET", w.process+"/variants", "", 200, &shown)
			owner.json("GET", w.process+"/variants", "", 200, &all)
			top, _ := json.Marshal(shown.Variants[0].Activities)
			rare, _ := json.Marshal(all.Variants[len(all.Variants)-1].Activities)
			var rareActivity string
			var stats struct{ Activities map[string]int } // events per activity
			owner.json("GET", w.process+"/statistics", "", 200, &stats)
			for a, events := range stats.Activities {
				if events < 5 { // so fewer cases than that too
					rareActivity = a
				}
			}
			if rareActivity == "" || all.Variants[len(all.Variants)-1].Cases != 1 {
				t.Fatalf("receipt has no rare activity or one-case variant: the checks below would prove nothing")
			}
			// The variants' links on the reader's page name only variants
			// the reader may filter by.
			_, page := viewer.do("GET", fmt.Sprintf("/e/%d/p/%d", w.env, w.pid), "", nil)
			links := regexp.MustCompile(`class="variant-keep" href="\?([^"]+)"`).FindAllStringSubmatch(page, -1)
			if len(links) == 0 {
				t.Fatal("the reader's page offers no variant links")
			}
			for _, l := range links {
				query := html.UnescapeString(l[1])
				if code, body := viewer.do("GET", w.process+"/report?"+query, "", nil); code != 200 {
					t.Errorf("the reader's link ?%s: %d %.200s", query, code, body)
				}
			}
			q := url.QueryEscape
			// Rewordings that keep the same cases for an evident reason
			// ask the same question: the same answer, to the byte, so that
			// averaging them takes no noise away (the sixth review's H1:
			// 400 rewordings of one start activity told a case's duration
			// to the hour).
			sameAnswers := func(rewordings ...string) {
				t.Helper()
				var first string
				for i, reworded := range rewordings {
					code, body := viewer.do("GET", w.process+"/report?"+reworded, "", nil)
					if code != 200 {
						t.Fatalf("?%s: %d %s", reworded, code, body)
					}
					// The note that filters were widened may differ; no figure.
					body = strings.Replace(body, `"filters_coarsened":true,`, "", 1)
					if i == 0 {
						first = body
					} else if body != first {
						t.Errorf("?%s answers otherwise than ?%s:\n%.300s\n%.300s", reworded, rewordings[0], body, first)
					}
				}
			}
			start := "start-activity=" + q("Confirmation of receipt")
			sameAnswers(start, start+"&"+start, start+"&from=2001-01-01", start+"&max-duration=9000d&min-duration=0h", start+"&to=2031-01-01")
			// No filter, and filters that all fall away, are one question
			// too (the canonical form of none was written otherwise than
			// none at first: a second phrasing of the whole log).
			sameAnswers("", "from=2001-01-01", "max-duration=9000d", "from=2001-01-01&to=2031-01-01&time-mode=trim")
			// A name with a NUL in it does not pass for two shown ones.
			var parts []string
			json.Unmarshal(top, &parts)
			joined, _ := json.Marshal(append([]string{parts[0] + "\x00" + parts[1]}, parts[2:]...))
			if code, body := viewer.do("GET", w.process+"/report?variant="+q(string(joined)), "", nil); code != 422 || errorCode(t, body) != "not_shown" {
				t.Errorf("a variant of names joined by NUL: %d %.200s", code, body)
			}
			for _, c := range []struct {
				query string
				code  int
			}{
				{"variant=" + q(string(top)), 200},
				{"exclude-variant=" + q(string(top)), 200},
				{"start-activity=" + q("Confirmation of receipt"), 200},
				{"variant=" + q(string(rare)), 422},
				{"exclude-variant=" + q(`["zz1"]`), 422},
				{"not-follows=" + q("zz>yy"), 422},
				{"follows=" + q(rareActivity+">>T10 Determine necessity to stop indication"), 422},
				{"start-activity=" + q("no such activity"), 422},
				{"keep-events=" + q("concept:name="+rareActivity), 422},
			} {
				code, body := viewer.do("GET", w.process+"/report?"+c.query, "", nil)
				if code != c.code || code == 422 && errorCode(t, body) != "not_shown" {
					t.Errorf("the viewer's report ?%s: %d %.200s", c.query, code, body)
				}
				// The studio's page reads the query by the same rule.
				_, html := viewer.do("GET", fmt.Sprintf("/e/%d/p/%d?%s", w.env, w.pid, c.query), "", nil)
				if refused := strings.Contains(html, "filters may name only the activities and variants the reports show you"); refused != (c.code == 422) {
					t.Errorf("the viewer's page ?%s: refused %v", c.query, refused)
				}
				// Those who read the data are not limited.
				if code, _ := owner.do("GET", w.process+"/report?"+c.query, "", nil); code != 200 && !strings.Contains(c.query, "zz") && !strings.Contains(c.query, "no+such") {
					t.Errorf("the owner's report ?%s: %d", c.query, code)
				}
			}
		})
	}
}
