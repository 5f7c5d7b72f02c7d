package processtree

import (
	"os"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/testlogs"
)

// TestReadPTML reads the trees PM4Py stored for the running example.
func TestReadPTML(t *testing.T) {
	want := "->( 'register request', *( ->( +( 'check ticket', X( 'examine casually', 'examine thoroughly' ) ), 'decide' ), 'reinitiate request' ), X( 'pay compensation', 'reject request' ) )"
	for _, name := range []string{"reference/01_running-example-im.ptml", "reference/01_running-example-imf.ptml"} {
		f, err := os.Open(testlogs.Path(t, name))
		if err != nil {
			t.Fatal(err)
		}
		tree, err := ReadPTML(f, name)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := tree.Canonical(); got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
}

// TestReadPTMLRefusesBadTrees: every malformed tree gets a clear error.
func TestReadPTMLRefusesBadTrees(t *testing.T) {
	head := `<ptml><processTree id="t" root="r">`
	for _, c := range []struct{ name, doc, want string }{
		{"not XML", "<ptml", "not a PTML file"},
		{"no tree", "<ptml></ptml>", "no processTree"},
		{"root missing", head + `<sequence id="x"/></processTree></ptml>`, "no processTree, or its root"},
		{"unknown node", head + `<or id="r"/></processTree></ptml>`, "<or> is not a process-tree node"},
		{"two parents", head + `<sequence id="r"/><xor id="x"/><manualTask id="a" name="a"/><parentsNode id="1" sourceId="r" targetId="a"/><parentsNode id="2" sourceId="x" targetId="a"/><parentsNode id="3" sourceId="r" targetId="x"/></processTree></ptml>`, "more than one parent"},
		{"cycle to the root", head + `<sequence id="r"/><xor id="x"/><parentsNode id="1" sourceId="r" targetId="x"/><parentsNode id="2" sourceId="x" targetId="r"/></processTree></ptml>`, "more than one parent"},
		{"detached", head + `<manualTask id="r" name="a"/><manualTask id="b" name="b"/></processTree></ptml>`, "not under the root"},
		{"empty operator", head + `<sequence id="r"/></processTree></ptml>`, "has no children"},
		{"task with children", head + `<manualTask id="r" name="a"/><manualTask id="b" name="b"/><parentsNode id="1" sourceId="r" targetId="b"/></processTree></ptml>`, "has children"},
		{"loop of two", head + `<xorLoop id="r"/><manualTask id="a" name="a"/><manualTask id="b" name="b"/><parentsNode id="1" sourceId="r" targetId="a"/><parentsNode id="2" sourceId="r" targetId="b"/></processTree></ptml>`, "PTML loops have three"},
		{"edge to nowhere", head + `<sequence id="r"/><parentsNode id="1" sourceId="r" targetId="zz"/></processTree></ptml>`, "names a node that is not there"},
	} {
		_, err := ReadPTML(strings.NewReader(c.doc), "m.ptml")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "m.ptml") {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
