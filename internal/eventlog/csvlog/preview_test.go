package csvlog

import (
	"strings"
	"testing"
)

// TestReadPreview: a sample's delimiter and columns are found, the mapping
// is applied, and each row gets Read's own verdict at its line.
func TestReadPreview(t *testing.T) {
	sample := "id;task;when\n" +
		"1;a;2024-01-02 10:00\n" +
		"2;b;yesterday\n" +
		";c;2024-01-02 10:00\n" +
		"3;d\n" +
		"4;e;2024-01-03" // cut short: still a row, the sample is small
	p, err := ReadPreview([]byte(sample), "x.csv", Mapping{Case: "id", Activity: "task", Start: "when", Delimiter: ';'}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if p.Delimiter != ";" || strings.Join(p.Columns, ",") != "id,task,when" || p.Error != "" {
		t.Fatalf("got %+v", p)
	}
	if p.Mapped["case"] != "id" || p.Mapped["activity"] != "task" || p.Mapped["start"] != "when" || p.Mapped["end"] != "" {
		t.Errorf("mapped %v", p.Mapped)
	}
	want := []struct {
		line int
		err  string
	}{
		{2, ""},
		{3, `x.csv:3: column "when": "yesterday" is not a timestamp`},
		{4, `x.csv:4: column "id": empty case id`},
		{5, "x.csv:5: the row has 2 fields, the header 3"},
		{6, ""},
	}
	if len(p.Rows) != len(want) || !p.Complete {
		t.Fatalf("rows %+v", p.Rows)
	}
	for i, w := range want {
		r := p.Rows[i]
		if r.Line != w.line || !strings.HasPrefix(r.Error, w.err) || (w.err == "" && r.Error != "") {
			t.Errorf("row %d: line %d %q, want line %d %q", i, r.Line, r.Error, w.line, w.err)
		}
	}

	// Without a mapping, the delimiter is detected, a header procmine
	// does not know is refused as a whole, and the rows are shown
	// unchecked.
	p, err = ReadPreview([]byte(strings.Repeat("id;task;when\n", 3)), "x.csv", Mapping{}, 1)
	if err != nil || p.Delimiter != ";" || !strings.Contains(p.Error, "no case column found") || len(p.Rows) != 1 || p.Complete || p.Rows[0].Error != "" {
		t.Fatalf("unmapped: %v %+v", err, p)
	}
	if _, err := ReadPreview(make([]byte, MaxPreview+1), "x.csv", Mapping{}, 2); err == nil {
		t.Error("a sample over MaxPreview was read")
	}
	if _, err := ReadPreview(nil, "x.csv", Mapping{}, 2); err == nil {
		t.Error("an empty sample was read")
	}
}
