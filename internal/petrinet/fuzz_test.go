package petrinet

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/procmine/procmine/internal/processtree"
)

// FuzzReadPNML: no input makes the reader panic, and every net it reads
// writes and reads back the same.
func FuzzReadPNML(f *testing.F) {
	for _, s := range []string{runningExample, "X( tau, 'a' )", "+( 'a', *( 'b', 'c' ) )"} {
		tree, err := processtree.Parse(s)
		if err != nil {
			f.Fatal(err)
		}
		var buf bytes.Buffer
		if err := WritePNML(&buf, FromTree(tree)); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := ReadPNML(bytes.NewReader(data), "f.pnml")
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WritePNML(&buf, n); err != nil {
			t.Fatal(err)
		}
		back, err := ReadPNML(bytes.NewReader(buf.Bytes()), "back.pnml")
		if err != nil {
			t.Fatalf("cannot read what was written: %v\n%s", err, buf.Bytes())
		}
		if !reflect.DeepEqual(n, back) {
			t.Fatalf("round trip:\n read %+v\n back %+v", n, back)
		}
	})
}
