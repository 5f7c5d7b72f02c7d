package filterspec

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/mining"
)

// FuzzFilters: any query either reads as filters, which then apply to a
// log without a panic and leave it valid, or is refused with an *Error,
// the message the API and the CLI show.
func FuzzFilters(f *testing.F) {
	for _, seed := range []string{
		"", "from=2024-01-01&to=2024-01-02&time-mode=trim", "time-mode=started&from=2024-01-01T00:30:00Z",
		"case-attr=region=North&exclude-case-attr=region=South", "event-attr=org:resource=ann&keep-events=concept:name=b",
		"drop-events=lifecycle:transition=start", "start-activity=a&end-activity=c", "follows=a>>c&not-follows=b>b",
		`variant=["a","b","c"]&exclude-variant=["a","c"]`, `variant=["a, b","c>>d"]`, "variant=[]", `variant={"a":1}`,
		"min-duration=1d12h&max-duration=90m", "min-duration=-1h", "top-variants=2", "top-variants=-1", "top-variants=99999999999999999999",
		"from=2024-01-02&to=2024-01-01", "case-attr=x", "follows=ab",
	} {
		f.Add(seed)
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	b := eventlog.NewBuilder()
	for i, line := range [][]string{{"a", "b", "c"}, {"a", "b", "b", "c"}, {"a", "c"}, {"a", "b", "c"}} {
		c, _ := b.Case(string(rune('1' + i)))
		b.CaseAttr(c, eventlog.Attr{Key: "region", Value: eventlog.StringValue([]string{"North", "South"}[i%2])})
		for j, act := range line {
			b.Event(c, b.Log().Activities.ID(act), base+int64(i*60+j*10)*int64(time.Minute), b.Log().Resources.ID([]string{"ann", "bob"}[j%2]), eventlog.None)
		}
	}
	l := b.Finish()
	f.Fuzz(func(t *testing.T, query string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		s, err := FromQuery(q)
		var filters []mining.Filter
		if err == nil {
			filters, err = s.Filters()
		}
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) || fe.Msg == "" {
				t.Fatalf("%q: an error that is not an *Error: %v", query, err)
			}
			return
		}
		if len(filters) > MaxFilters {
			t.Fatalf("%q: %d filters", query, len(filters))
		}
		out := mining.Apply(l, filters...)
		if err := out.Validate(); err != nil {
			t.Fatalf("%q: the filtered log is not valid: %v", query, err)
		}
		if out.NumCases() > l.NumCases() {
			t.Fatalf("%q: %d cases out of %d", query, out.NumCases(), l.NumCases())
		}
		_ = s.ReadsValues()
		_ = s.TouchesLifecycle()
	})
}
