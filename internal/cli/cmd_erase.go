package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/erasure"
	"github.com/procmine/procmine/internal/store"
)

// names is a flag that may be given many times.
type names []string

func (n *names) String() string     { return strings.Join(*n, ", ") }
func (n *names) Set(v string) error { *n = append(*n, v); return nil }

// runErase carries out the right to erasure on the store, offline: every
// environment (or one) and the installation's audit entries.
func runErase(ctx context.Context, args []string, s Streams) error {
	fs := newFlagSet("erase", "--person NAME [--person NAME…] [--environment ID] [--data-dir DIR | --database-url URL]", s)
	var sf storeFlags
	sf.register(fs)
	var person names
	fs.Var(&person, "person", "a name the person goes by: full name, username, e-mail address (repeat for each)")
	env := fs.Int64("environment", 0, "erase in this environment only (default: everywhere, the installation's audit log included)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if err := erasure.Check(person); err != nil {
		return usagef("--person: %v", err)
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if *env != 0 {
		all, err := st.EnvironmentsOf(ctx, 0, true)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(all, func(e store.Environment) bool { return e.ID == access.ID(*env) }) {
			return fmt.Errorf("environment %d: no such environment", *env)
		}
	}
	// Servers of a PostgreSQL database drop their copies of what it
	// changes: the store tells them as it commits each change.
	rep, err := erasure.Erase(ctx, st, access.ID(*env), person)
	if err != nil {
		return err
	}
	detail := "offline; " + rep.Summary()
	if err := st.Audit(ctx, store.AuditEntry{Env: access.ID(*env), At: time.Now().UTC(), Actor: "procmine erase", Action: "privacy.erasure", Target: "installation", Detail: detail}); err != nil {
		return err
	}
	return writeJSON(s.Out, rep)
}
