package filterspec

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/mining"
)

func TestFromQuery(t *testing.T) {
	q, _ := url.ParseQuery("from=2011-01-01&to=2011-01-31&time-mode=started&event-attr=org:resource=Pete&event-attr=org:resource=Sue&follows=a%3E%3Eb&min-duration=1d&top-variants=3")
	s, err := FromQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := s.Filters()
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 5 {
		t.Fatalf("%d filters: %#v", len(fs), fs)
	}
	if a, ok := fs[1].(mining.Attribute); !ok || len(a.Values) != 2 || a.Key != "org:resource" {
		t.Errorf("attribute filter %#v", fs[1])
	}
	if tv, ok := fs[4].(mining.TopVariants); !ok || tv.K != 3 {
		t.Errorf("top variants last: %#v", fs[4])
	}
	for _, bad := range []string{"top-variants=x", "from=monday", "time-mode=around&from=2020-01-01", "follows=ab", "case-attr=x", "min-duration=2d&max-duration=1d", "variant=a,b", "variant=[]", "exclude-variant=[1]"} {
		q, _ := url.ParseQuery(bad)
		s, err := FromQuery(q)
		if err == nil {
			_, err = s.Filters()
		}
		if _, ok := err.(*Error); !ok {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if q, _ := url.ParseQuery("drop-events=lifecycle:transition=start"); !mustSpec(t, q).TouchesLifecycle() {
		t.Error("a lifecycle filter not noticed")
	}
}

func mustSpec(t *testing.T, q url.Values) Spec {
	s, err := FromQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestReadsValues(t *testing.T) {
	for query, want := range map[string]bool{
		"event-attr=concept:name=a": false, `variant=["a","b"]`: false, "follows=a>b": false, "from=2020-01-01": false,
		"case-attr=region=North": true, "event-attr=org:resource=Ann": true, "drop-events=cost=3": true,
		"keep-events=concept:name=a&keep-events=lifecycle:transition=start": true,
	} {
		q, _ := url.ParseQuery(query)
		if got := mustSpec(t, q).ReadsValues(); got != want {
			t.Errorf("%s: %v", query, got)
		}
	}
}

func TestEmptyFormFieldsFilterNothing(t *testing.T) {
	q, _ := url.ParseQuery("from=&to=&start-activity=&end-activity=&min-duration=&max-duration=&follows=")
	fs, err := mustSpec(t, q).Filters()
	if err != nil || len(fs) != 0 {
		t.Errorf("filters from an empty form: %#v %v", fs, err)
	}
}

// TestVariants: a variant is a JSON list of names, which any name can be
// written in; each sequence counts towards MaxFilters.
func TestVariants(t *testing.T) {
	q := url.Values{"variant": {`["a, b","c>>d"]`, `["e"]`}, "exclude-variant": {`["f"]`}}
	fs, err := mustSpec(t, q).Filters()
	if err != nil || len(fs) != 2 {
		t.Fatalf("%#v %v", fs, err)
	}
	if v, ok := fs[0].(mining.VariantSet); !ok || v.Exclude || len(v.Seqs) != 2 || v.Seqs[0][0] != "a, b" || v.Seqs[0][1] != "c>>d" {
		t.Errorf("kept variants %#v", fs[0])
	}
	if v, ok := fs[1].(mining.VariantSet); !ok || !v.Exclude {
		t.Errorf("excluded variants %#v", fs[1])
	}
	many := url.Values{}
	for i := range MaxFilters + 1 {
		many.Add("variant", fmt.Sprintf(`["a%d"]`, i))
	}
	if _, err := mustSpec(t, many).Filters(); err == nil || !strings.Contains(err.Error(), "too many filters: 101") {
		t.Errorf("%d variants: %v", MaxFilters+1, err)
	}
}
