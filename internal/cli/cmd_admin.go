package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/procmine/procmine/internal/auth"
	"github.com/procmine/procmine/internal/signin"
	"github.com/procmine/procmine/internal/store"
)

// runAdmin runs administration verbs offline, on the store itself: for the
// first start, and for scripts.
func runAdmin(ctx context.Context, args []string, s Streams) error {
	if len(args) == 0 || args[0] != "create-user" {
		return usagef("usage: procmine admin create-user NAME --password-stdin [--installation-admin] [--data-dir DIR | --database-url URL]")
	}
	fs := newFlagSet("admin create-user", "NAME --password-stdin [--installation-admin] [--data-dir DIR | --database-url URL]", s)
	var sf storeFlags
	sf.register(fs)
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input (required)")
	admin := fs.Bool("installation-admin", false, "make the user an installation administrator (creates environments and users)")
	pos, err := parse(fs, args[1:], "NAME")
	if err != nil {
		return err
	}
	if !*fromStdin {
		return usagef("give the password on standard input with --password-stdin (never on the command line)")
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	line, err := bufio.NewReader(s.In).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("reading the password from standard input: %v", err)
	}
	password := strings.TrimRight(line, "\r\n")
	id, err := signin.CreateUser(ctx, st, pos[0], password, *admin, auth.DefaultParams)
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("user %q already exists", pos[0])
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "created user %s (id %d)\n", pos[0], id)
	return nil
}
