package bpmn

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/processtree"
)

// FuzzRead: whatever the bytes, Read returns a model or an error, never
// panics; a model it returns converts into a net, and every flow joins two
// of its nodes.
func FuzzRead(f *testing.F) {
	tree, _ := processtree.Parse("->( 'a', X( 'b', tau ), +( 'c', *( 'd', 'e' ) ) )")
	var b bytes.Buffer
	if err := Write(context.Background(), &b, FromTree(tree)); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte(`<definitions><process id="p"><startEvent id="s"/><userTask id="a" name="A"/><endEvent id="e"/><sequenceFlow id="f1" sourceRef="s" targetRef="a"/><sequenceFlow id="f2" sourceRef="a" targetRef="e"/></process></definitions>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Read(bytes.NewReader(data), "f.bpmn")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.bpmn: ") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		nodes := map[string]bool{}
		for _, n := range m.Nodes {
			nodes[n.ID] = true
		}
		for _, fl := range m.Flows {
			if !nodes[fl.Source] || !nodes[fl.Target] {
				t.Fatalf("flow %+v joins unknown nodes", fl)
			}
		}
		m.Net()
	})
}
