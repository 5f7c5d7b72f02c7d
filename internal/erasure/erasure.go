// Package erasure carries out the right to erasure: one person, given by
// the names they go by (a full name, a username, an e-mail address), is
// removed from an environment's event logs (as resource, and from string
// attributes), from its recordings (as recorder, and from every step's
// texts and titles) and from its audit log (as actor, with their IP
// address, and from every entry's detail). Each name is replaced, where
// it stands as a whole word, by [erased].
//
// Each part is one transaction; a run that fails half-way can be run
// again, as erasing what is erased already changes nothing.
package erasure

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/privacy"
	"github.com/procmine/procmine/internal/store"
)

// Report says what was removed. It names no one.
type Report struct {
	Names              int                `json:"names"`
	UserAccounts       int                `json:"user_accounts_matched"`
	LogVersions        int                `json:"event_log_versions_changed"`
	Events             int                `json:"events_with_the_person_as_resource"`
	Attributes         int                `json:"attribute_values_changed"`
	RecordingsUnlinked int                `json:"recordings_unlinked_from_their_recorder"`
	Steps              int                `json:"recording_steps_changed"`
	Titles             int                `json:"recording_titles_changed"`
	Screenshots        int                `json:"screenshots_deleted"`
	PendingImports     int                `json:"pending_imports_failed"`
	AuditEntries       int                `json:"audit_entries_changed"`
	AuditIDs           []access.ID        `json:"-"` // the entries changed, for the erasure's own entry
	Versions           []store.LogVersion `json:"-"` // the versions rewritten, for caches to forget
}

// Summary says what the erasure did, naming no one, for the audit log:
// the counts and the ids of the audit entries it changed (at most 200).
func (r Report) Summary() string {
	ids := make([]string, 0, min(len(r.AuditIDs), 200))
	for _, id := range r.AuditIDs[:min(len(r.AuditIDs), 200)] {
		ids = append(ids, strconv.FormatInt(int64(id), 10))
	}
	more := ""
	if len(r.AuditIDs) > 200 {
		more = fmt.Sprintf(" and %d more", len(r.AuditIDs)-200)
	}
	return fmt.Sprintf("%d names; %d event-log versions (%d events, %d attributes); %d recordings unlinked, %d steps, %d titles, %d screenshots deleted; %d pending imports failed; audit entries changed: [%s]%s",
		r.Names, r.LogVersions, r.Events, r.Attributes, r.RecordingsUnlinked, r.Steps, r.Titles, r.Screenshots, r.PendingImports, strings.Join(ids, " "), more)
}

// Rewritten says what RewriteLogs changed.
type Rewritten struct {
	Versions           []store.LogVersion
	Events, Attributes int
}

// RewriteLogs applies replace to the resources and string attributes of
// every log version of the environment (0: all), each version read and
// written back under its lock (store.RewriteVersion). It is how both an
// erasure and a privacy policy reach stored logs.
func RewriteLogs(ctx context.Context, st *store.Store, env access.ID, replace func(string) (string, bool)) (Rewritten, error) {
	var out Rewritten
	versions, err := st.LogVersions(ctx, env)
	if err != nil {
		return out, err
	}
	for _, v := range versions {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		var events, attrs int
		changed, err := st.RewriteVersion(ctx, v, func(data []byte) ([]byte, error) {
			var l eventlog.Log
			if err := l.UnmarshalBinary(data); err != nil {
				return nil, fmt.Errorf("process %d, version %d: %w", v.Process, v.Version, err)
			}
			if events, attrs = l.Rewrite(replace); events+attrs == 0 {
				return nil, nil
			}
			return l.MarshalBinary()
		})
		if err != nil {
			return out, err
		}
		if changed {
			out.Versions = append(out.Versions, v)
			out.Events += events
			out.Attributes += attrs
		}
	}
	if len(out.Versions) == 0 {
		return out, nil
	}
	return out, st.Erased(ctx) // once, for every version rewritten
}

// Check validates the names of a person to erase.
func Check(names []string) error {
	if len(names) == 0 || len(names) > 20 {
		return errors.New("names: give 1 to 20 names the person goes by")
	}
	for i, n := range names {
		n = strings.TrimSpace(n)
		if len([]rune(n)) < 2 || len(n) > 200 || strings.ContainsRune(n, 0) {
			return fmt.Errorf("names[%d]: a name is 2 to 200 characters", i)
		}
		if !strings.ContainsFunc(n, unicode.IsLetter) {
			return fmt.Errorf("names[%d]: a name has letters (a number alone would erase it from every text)", i)
		}
		if strings.Contains(n, privacy.Erased) {
			return fmt.Errorf("names[%d]: %s is what erasure leaves, not a name", i, privacy.Erased)
		}
	}
	return nil
}

// Erase removes the person from the environment env (0: every environment
// and the installation's audit entries).
func Erase(ctx context.Context, st *store.Store, env access.ID, names []string) (Report, error) {
	if err := Check(names); err != nil {
		return Report{}, err
	}
	rep := Report{Names: len(names)}
	// Files waiting to be imported may name the person: they are dropped
	// first, and an import running meanwhile stores nothing.
	var err error
	if rep.PendingImports, err = st.FailPendingImports(ctx, env, "an erasure of personal data ran while the file waited to be imported: upload it again"); err != nil {
		return rep, err
	}
	erasers := make([]func(string) (string, bool), len(names))
	var users []access.ID
	for i, n := range names {
		erasers[i] = privacy.NameEraser(n)
		u, err := st.UserByName(ctx, strings.TrimSpace(n))
		if err == nil {
			users = append(users, u.ID)
		} else if !errors.Is(err, store.ErrNotFound) {
			return rep, err
		}
	}
	rep.UserAccounts = len(users)
	replace := func(text string) (string, bool) {
		any := false
		for _, e := range erasers {
			if t, ok := e(text); ok {
				text, any = t, true
			}
		}
		return text, any
	}

	var logs Rewritten
	logs, err = RewriteLogs(ctx, st, env, replace)
	rep.LogVersions, rep.Events, rep.Attributes, rep.Versions = len(logs.Versions), logs.Events, logs.Attributes, logs.Versions
	if err != nil {
		return rep, err
	}

	re, err := st.EraseFromRecordings(ctx, env, users, replace)
	if err != nil {
		return rep, err
	}
	rep.RecordingsUnlinked, rep.Steps, rep.Titles, rep.Screenshots = re.Unlinked, re.Steps, re.Titles, re.Screenshots
	rep.AuditIDs, err = st.EraseFromAudit(ctx, env, users, replace, privacy.Erased)
	rep.AuditEntries = len(rep.AuditIDs)
	return rep, err
}

// Matches tells whether any of the names, as erasure matches them, is
// found in text: so that nobody erases themselves.
func Matches(names []string, text string) bool {
	for _, n := range names {
		if _, ok := privacy.NameEraser(n)(text); ok {
			return true
		}
	}
	return false
}
