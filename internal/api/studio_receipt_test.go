package api

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/testlogs"
)

// receiptStudio is where the studio's filter, saved-view and cases tests
// start: receipt.csv imported by a maker into a process of prod, shared as
// viewer with a member named viewer (an Environment Maker), and a browser
// signed in as the maker.
type receiptStudio struct {
	ctx         context.Context
	e           *env
	root, maker *client
	viewer      *client
	viewerID    access.ID
	prod        envJSON
	base        string
	p           processJSON
	api, page   string // the process's API path; its studio page's address
}

func newReceiptStudio(t *testing.T) *receiptStudio {
	t.Helper()
	s := &receiptStudio{ctx: browser(t)}
	data, err := os.ReadFile(testlogs.Path(t, "csv/receipt.csv"))
	if err != nil {
		t.Fatal(err)
	}
	s.e = browserServer(t)
	s.root, s.maker, _, s.prod, s.base = prodWithMaker(s.e)
	s.maker.json("POST", s.base+"/processes", `{"name":"Receipt"}`, 201, &s.p)
	s.api = fmt.Sprintf("%s/processes/%d", s.base, s.p.ID)
	if job := s.maker.importLog(s.api+"/data", "receipt.csv", data, nil); job.State != "done" {
		t.Fatalf("import: %+v", job)
	}
	s.viewer, s.viewerID = s.e.user("viewer", false)
	s.root.json("PUT", fmt.Sprintf("%s/members/%d", s.base, s.viewerID), fmt.Sprintf(`{"business_unit":%d,"roles":["Environment Maker"]}`, s.prod.Root), 200, nil)
	s.maker.json("PUT", s.api+"/shares", fmt.Sprintf(`{"principal":{"user":%d},"access":"viewer"}`, s.viewerID), 200, nil)
	s.page = fmt.Sprintf("%s/e/%d/p/%d", s.e.url, s.prod.ID, s.p.ID)
	runner(t, s.ctx)(signInSteps(s.e.url, "maker")...)
	return s
}

// cases is the page's cases tile.
func (s *receiptStudio) cases(t *testing.T) int {
	t.Helper()
	n, err := strconv.Atoi(strings.ReplaceAll(pageText(t, s.ctx, "#kpi-cases"), ",", ""))
	if err != nil {
		t.Fatalf("the cases tile: %v", err)
	}
	return n
}

// query is the query of the page the browser shows.
func (s *receiptStudio) query(t *testing.T) string {
	t.Helper()
	loc, err := chromedp.Run(s.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(loc)
	return u.RawQuery
}

// apiCases is the maker's report's case count for a query.
func (s *receiptStudio) apiCases(t *testing.T, q string) int {
	t.Helper()
	var r struct{ Cases int }
	s.maker.json("GET", s.api+"/report?"+q, "", 200, &r)
	return r.Cases
}

// follow opens a link's address (a click's page and the one before it
// may both show what the next step waits for) and waits for the cases.
func (s *receiptStudio) follow(t *testing.T, sel string) {
	t.Helper()
	href, err := chromedp.Run(s.ctx, chromedp.Evaluate[string](`document.querySelector('`+sel+`').href`))
	if err != nil {
		t.Fatal(err)
	}
	runner(t, s.ctx)(chromedp.Navigate(href), chromedp.WaitVisible(chromedp.CSS("#kpi-cases")))
}
