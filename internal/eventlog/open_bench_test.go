package eventlog_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/generate"
	"github.com/procmine/procmine/internal/seal"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/testlogs/testlog"
)

// BenchmarkOpenStoredVersion is a server's first report after a restart,
// up to the log in memory: the version read from SQLite and unsealed (the
// floor), then decoded, in the gob form of before and the columnar one,
// for BPIC 2012 replicated PROCMINE_BENCH_REPLICAS times (20 when unset:
// 5.2 M events; 76 gives the 20 M). Run it once:
// PROCMINE_BENCH_REPLICAS=76 go test -run '^$' -bench OpenStoredVersion -benchtime 3x ./internal/eventlog
func BenchmarkOpenStoredVersion(b *testing.B) {
	n := 20
	if s := os.Getenv("PROCMINE_BENCH_REPLICAS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	bpic := testlog.Read(b, "xes/bpic2012.xes.gz")
	l := generate.Replicate(bpic, n)
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "procmine.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	key, err := seal.ParseKey(seal.Generate()) // sealed, as a server seals
	if err != nil {
		b.Fatal(err)
	}
	st.UseKeys(&seal.Keyring{Current: key})
	u, _ := st.CreateUser(ctx, store.User{Username: "o"})
	env, root, _ := st.CreateEnvironment(ctx, "bench", u)
	p, _ := st.CreateProcess(ctx, store.Process{Env: env, Name: "p", Owner: access.Principal{User: u}, Unit: root})
	columnar, err := l.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	forms := []struct {
		name string
		data []byte
	}{{"columnar", columnar}, {"gob", eventlog.MarshalVersion1(l)}}
	b.Logf("%d events; %s %d MB, %s %d MB", l.NumEvents(), forms[0].name, len(forms[0].data)>>20, forms[1].name, len(forms[1].data)>>20)
	l, bpic = nil, nil
	for _, form := range forms {
		v, err := st.AddVersion(ctx, p, store.Version{By: u, Source: form.name, Cases: 1, Events: 1}, form.data)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(form.name+"/read-and-unseal", func(b *testing.B) {
			for b.Loop() {
				if _, err := st.VersionData(ctx, p, v); err != nil {
					b.Fatal(err)
				}
			}
		})
		data, err := st.VersionData(ctx, p, v)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(form.name+"/decode", func(b *testing.B) {
			for b.Loop() {
				var d eventlog.Log
				if err := d.UnmarshalBinary(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
