// Package erasure carries out the right to erasure: one person, given by
// the names they go by (a full name, a username, an e-mail address), is
// removed from an environment's event logs (as resource, and from string
// attributes), from its recordings (as recorder, and from every step's
// texts and titles) and from its audit log (as actor, with their IP
// address, and from every entry's detail), and from what imports keep
// (file names, the reasons failed imports give). Each name is replaced,
// where it stands as a whole word, by [erased]; in event logs that takes
// in case ids and activity names as well as resources and attributes.
//
// Only a person's name is erased (Qualify): the username of a user the
// environment knows, or a resource or attribute value of its event logs;
// never a name of the product's own (a role, a team, a business unit, a
// word of the built-in roles' names), and the audit log's mentions of
// roles, teams and business units are left whole, so that an erasure
// cannot be used to rewrite who was granted what.
//
// Tokens that a privacy policy made of the person's names with the
// environment's pseudonym key are erased too, and the key is then
// renewed: a later pseudonymised upload of the same name gives a token
// that cannot be linked to any earlier one. The price is that tokens of
// everyone else made before the erasure no longer match those made after
// it, so pseudonymised values join within versions imported on the same
// side of an erasure only.
//
// Each part is one transaction; a run that fails half-way can be run
// again, as erasing what is erased already changes nothing, with names
// still found (Qualify refuses a name erased already everywhere).
package erasure

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/eventlog"
	personnames "github.com/procmine/procmine/internal/names"
	"github.com/procmine/procmine/internal/privacy"
	"github.com/procmine/procmine/internal/store"
)

// JobReason is why an erasure fails the analysis jobs under way in its
// environment.
const JobReason = "an erasure of personal data ran while the job waited or ran: start it again"

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
	JobResults         int                `json:"job_results_deleted"`
	CaseIDs            int                `json:"case_ids_changed"`
	Activities         int                `json:"activity_names_changed"`
	ImportTexts        int                `json:"import_file_names_and_errors_changed"`
	PseudonymTokens    int                `json:"pseudonym_tokens_looked_for"`
	KeysRenewed        int                `json:"pseudonym_keys_renewed"`
	PolicyNames        int                `json:"privacy_policy_names_removed"`
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
	return fmt.Sprintf("%d names; %d event-log versions (%d events, %d attributes, %d case ids, %d activities); %d recordings unlinked, %d steps, %d titles, %d screenshots deleted; %d pending imports failed; %d file names and import errors; %d pseudonym keys renewed, %d policy names removed; audit entries changed: [%s]%s",
		r.Names, r.LogVersions, r.Events, r.Attributes, r.CaseIDs, r.Activities, r.RecordingsUnlinked, r.Steps, r.Titles, r.Screenshots, r.PendingImports, r.ImportTexts, r.KeysRenewed, r.PolicyNames, strings.Join(ids, " "), more)
}

// Rewritten says what RewriteLogs changed.
type Rewritten struct {
	Versions           []store.LogVersion
	Events, Attributes int
	// CaseIDs and Activities are changed by an erasure only.
	CaseIDs, Activities int
}

// RewriteLogs applies replace to the resources and string attributes of
// every log version of the environment (0: all), each version read and
// written back under its lock (store.RewriteVersion). It is how both an
// erasure and a privacy policy reach stored logs.
func RewriteLogs(ctx context.Context, st *store.Store, env access.ID, replace func(string) (string, bool)) (Rewritten, error) {
	return rewriteLogs(ctx, st, env, replace, false)
}

// rewriteLogs is RewriteLogs, with case ids and activity names too when
// names is set. A privacy policy leaves them alone: they are the log's
// structure, and a policy flags or masks kinds of data that they rarely
// hold, where an erasure must find the person wherever they stand.
func rewriteLogs(ctx context.Context, st *store.Store, env access.ID, replace func(string) (string, bool), names bool) (Rewritten, error) {
	var out Rewritten
	versions, err := st.LogVersions(ctx, env)
	if err != nil {
		return out, err
	}
	for _, v := range versions {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		var events, attrs, cases, acts int
		changed, err := st.RewriteVersion(ctx, v, func(data []byte) ([]byte, error) {
			var l eventlog.Log
			if err := l.UnmarshalBinary(data); err != nil {
				return nil, fmt.Errorf("process %d, version %d: %w", v.Process, v.Version, err)
			}
			events, attrs = l.Rewrite(replace)
			if names {
				cases, acts = l.RewriteNames(replace)
			}
			if events+attrs+cases+acts == 0 {
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
			out.CaseIDs += cases
			out.Activities += acts
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

// builtinRoles are the names of the roles every environment has.
var builtinRoles = []string{access.SystemAdministrator, access.SystemCustomizer, access.EnvironmentMaker,
	access.ProcessMiningUser, access.ProcessMiningApplication, access.BasicUser}

// NameError is a name that is not a person's, or not one the
// environment knows: nothing was erased.
type NameError struct{ msg string }

func (e *NameError) Error() string { return e.msg }

// vocabulary holds the product's own words: the built-in roles' names
// and each of their words, the tables privileges are given on, the
// access levels of a share, and the kinds of personal data whose names
// tokens carry. Such a word is taken for a person's name only when it is
// a user's username: "maker" found in event data would otherwise turn
// "Environment Maker" into "Environment [erased]" wherever it stands.
var vocabulary = func() map[string]bool {
	v := map[string]bool{}
	for _, r := range builtinRoles {
		v[strings.ToLower(r)] = true
		for _, w := range strings.Fields(r) {
			v[strings.ToLower(w)] = true
		}
	}
	for _, w := range []string{"process", "event log", "recording", "report view", "user", "role", "team", "business unit", "access policy",
		"create", "read", "write", "delete", "append", "append to", "assign", "share", "owner", "co-owner", "contributor", "viewer",
		"environment", "installation", "organization", "procmine", "erased", "name", "email", "phone", "card", "iban", "ssn", "ip", "secret"} {
		v[w] = true
	}
	return v
}()

// Qualify checks that each name is a person's name the environment (0:
// the installation) knows, and no name of the product's: the username of
// a user the environment knows (a member, an actor of its audit log, a
// recorder), or, ignoring case, a whole resource or string attribute
// value of one of its event logs, which is where event data names
// people, provided it is not a word of the product's own vocabulary. The
// name of a role, a team or a business unit is never taken. Any other text could be anything: a word that also appears in
// role grants, activity names or file names, which an administrator
// could otherwise rewrite at will. A name erased already is found
// nowhere any more, and so is refused the second time. It returns a
// *NameError for a name that does not qualify.
func Qualify(ctx context.Context, st *store.Store, env access.ID, names []string) error {
	vocab, err := st.Vocabulary(ctx, env)
	if err != nil {
		return err
	}
	own := map[string]bool{}
	for _, n := range vocab {
		own[personnames.Key(n)] = true
	}
	var unknown []string
	for i, n := range names {
		key := personnames.Key(n)
		if own[key] {
			return &NameError{fmt.Sprintf("names[%d]: %q is the name of a role, a team or a business unit of the environment, not a person's", i, strings.TrimSpace(n))}
		}
		known, err := st.KnownUser(ctx, env, strings.TrimSpace(n))
		if err != nil {
			return err
		}
		switch {
		case known:
			// A username is a person's name even when it is also a word of
			// the product's ("maker"): the audit log's role names stay
			// whole all the same (Protect).
		case vocabulary[key]:
			return &NameError{fmt.Sprintf("names[%d]: %q is a word of procmine's own (of a built-in role's name, a table, an access level), not a person's: erasure takes a person's username, or their name as it stands whole in the event data", i, strings.TrimSpace(n))}
		default:
			unknown = append(unknown, key)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	found := map[string]bool{}
	versions, err := st.LogVersions(ctx, env)
	if err != nil {
		return err
	}
	for _, v := range versions {
		if len(found) == len(unknown) {
			break
		}
		data, err := st.VersionData(ctx, v.Process, v.Version)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return err
		}
		var l eventlog.Log
		if err := l.UnmarshalBinary(data); err != nil {
			return fmt.Errorf("process %d, version %d: %w", v.Process, v.Version, err)
		}
		// Rewrite only looks here: the replacer changes nothing.
		l.Rewrite(func(value string) (string, bool) {
			if k := personnames.Key(value); slices.Contains(unknown, k) {
				found[k] = true
			}
			return value, false
		})
	}
	for i, n := range names {
		if k := personnames.Key(n); slices.Contains(unknown, k) && !found[k] {
			return &NameError{fmt.Sprintf("names[%d]: no user known here has this username, and no resource or attribute of the event logs has this value: erasure takes only a person's name as procmine knows it (or it was erased already)", i)}
		}
	}
	return nil
}

// Erase removes the person from the environment env (0: every environment
// and the installation's audit entries). A name that does not qualify is
// a *NameError, and nothing is erased.
func Erase(ctx context.Context, st *store.Store, env access.ID, names []string) (Report, error) {
	if err := Check(names); err != nil {
		return Report{}, &NameError{err.Error()}
	}
	if err := Qualify(ctx, st, env, names); err != nil {
		return Report{}, err
	}
	rep := Report{Names: len(names)}
	// Files waiting to be imported may name the person: they are dropped
	// first, and an import running meanwhile stores nothing.
	var err error
	if rep.PendingImports, err = st.FailPendingImports(ctx, env, "an erasure of personal data ran while the file waited to be imported: upload it again"); err != nil {
		return rep, err
	}
	// So may what jobs computed from the data, and what they are
	// computing: both go, now and again at the end, when the data no
	// longer names the person.
	if rep.JobResults, err = st.DropJobResults(ctx, env, JobReason); err != nil {
		return rep, err
	}
	erasers := make([]func(string) (string, bool), len(names))
	var users []access.ID
	for i, n := range names {
		erasers[i] = privacy.NameEraser(n)
		// A user counts only where Qualify took the name as theirs: known
		// to this environment. A name from event data that happens to be
		// a username elsewhere in the installation is not that user.
		known, err := st.KnownUser(ctx, env, strings.TrimSpace(n))
		if err != nil {
			return rep, err
		}
		if !known {
			continue
		}
		u, err := st.UserByName(ctx, strings.TrimSpace(n))
		if err == nil {
			users = append(users, u.ID)
		} else if !errors.Is(err, store.ErrNotFound) {
			return rep, err
		}
	}
	rep.UserAccounts = len(users)
	// The tokens a privacy policy made of the names, with the key as it
	// is until the end of the erasure: only it finds them.
	keys, err := st.PseudonymKeys(ctx, env)
	if err != nil {
		return rep, err
	}
	tokens := map[string]bool{}
	for _, k := range keys {
		for _, n := range names {
			for _, t := range privacy.Pseudonyms(k, n) {
				tokens[t] = true
			}
		}
	}
	rep.PseudonymTokens = len(tokens)
	replace := func(text string) (string, bool) {
		any := false
		for _, e := range erasers {
			if t, ok := e(text); ok {
				text, any = t, true
			}
		}
		if t, ok := eraseTokens(text, tokens); ok {
			text, any = t, true
		}
		return text, any
	}

	var logs Rewritten
	logs, err = rewriteLogs(ctx, st, env, replace, true)
	rep.LogVersions, rep.Events, rep.Attributes, rep.Versions = len(logs.Versions), logs.Events, logs.Attributes, logs.Versions
	rep.CaseIDs, rep.Activities = logs.CaseIDs, logs.Activities
	if err != nil {
		return rep, err
	}

	re, err := st.EraseFromRecordings(ctx, env, users, replace)
	if err != nil {
		return rep, err
	}
	rep.RecordingsUnlinked, rep.Steps, rep.Titles, rep.Screenshots = re.Unlinked, re.Steps, re.Titles, re.Screenshots
	if rep.ImportTexts, err = st.EraseFromImports(ctx, env, replace); err != nil {
		return rep, err
	}
	vocab, err := st.Vocabulary(ctx, env)
	if err != nil {
		return rep, err
	}
	// The audit log: when the request names a user (by username), every
	// name in it is that person's and leaves the whole log. A request of
	// names known only from event data changes only the file names of
	// uploads there: whoever may upload a log may put any word in it, and
	// erasing that word must not rewrite the audit log's other entries.
	audit, uploads := replace, store.Replacer(nil)
	if len(users) == 0 {
		audit = func(text string) (string, bool) { return eraseTokens(text, tokens) }
		uploads = replace
	}
	rep.AuditIDs, err = st.EraseFromAudit(ctx, env, users, Protect(audit, vocab), uploads, privacy.Erased)
	rep.AuditEntries = len(rep.AuditIDs)
	if err != nil {
		return rep, err
	}
	// The policy's list of names to look for is a list of people: the
	// person leaves it (an administrator who wants later files naming
	// them pseudonymised adds the name again).
	if rep.PolicyNames, err = st.EraseFromPolicies(ctx, env, func(n string) bool { _, ok := replace(n); return ok }); err != nil {
		return rep, err
	}
	// Last, once every token of the person is gone: a run that failed
	// before can be run again with the same key.
	if err := st.RenewPseudonymKey(ctx, env); err != nil && !errors.Is(err, store.ErrNotFound) {
		return rep, err
	}
	rep.KeysRenewed = len(keys)
	n, err := st.DropJobResults(ctx, env, JobReason)
	rep.JobResults += n
	if err != nil {
		return rep, err
	}
	return rep, st.Erased(ctx)
}

// eraseTokens replaces each of the tokens found in text by [erased]. A
// token is "[kind:" and 12 hex digits and "]": each "[" is looked at once,
// however many environments' tokens there are.
func eraseTokens(text string, tokens map[string]bool) (string, bool) {
	if len(tokens) == 0 || !strings.Contains(text, "[") {
		return text, false
	}
	var b strings.Builder
	last, any := 0, false
	for i := 0; i < len(text); i++ {
		if text[i] != '[' {
			continue
		}
		end := strings.IndexByte(text[i:min(len(text), i+32)], ']')
		if end < 0 || !tokens[text[i:i+end+1]] {
			continue
		}
		b.WriteString(text[last:i])
		b.WriteString(privacy.Erased)
		last, any = i+end+1, true
		i += end
	}
	if !any {
		return text, false
	}
	b.WriteString(text[last:])
	return b.String(), true
}

// Protect wraps replace so that it leaves the given phrases (the names of
// roles, teams and business units), where they stand as whole words,
// as they are: replace runs on the text between them only. The audit log
// records role grants and team changes by these names, and an erasure
// must not be a way to rewrite them, whatever name it is given.
func Protect(replace func(string) (string, bool), phrases []string) func(string) (string, bool) {
	var alts []string
	for _, p := range phrases {
		if p = strings.TrimSpace(p); p != "" {
			alts = append(alts, regexp.QuoteMeta(p))
		}
	}
	for _, r := range builtinRoles {
		alts = append(alts, regexp.QuoteMeta(r))
	}
	// Longest first, so that "System Customizer" wins over "System".
	slices.SortFunc(alts, func(a, b string) int { return len(b) - len(a) })
	re := regexp.MustCompile(`(?i)(?:^|\b)(?:` + strings.Join(alts, "|") + `)(?:\b|$)`)
	return func(text string) (string, bool) {
		var b strings.Builder
		any, last := false, 0
		for _, m := range re.FindAllStringIndex(text, -1) {
			t, ok := replace(text[last:m[0]])
			any = any || ok
			b.WriteString(t)
			b.WriteString(text[m[0]:m[1]])
			last = m[1]
		}
		t, ok := replace(text[last:])
		b.WriteString(t)
		if !any && !ok {
			return text, false
		}
		return b.String(), true
	}
}

// Matcher tells whether any of the names, as erasure matches them, is
// found in a text: so that nobody erases themselves, nor a member. The
// names' patterns are built once, for every text asked about.
func Matcher(names []string) func(text string) bool {
	erasers := make([]func(string) (string, bool), len(names))
	for i, n := range names {
		erasers[i] = privacy.NameEraser(n)
	}
	return func(text string) bool {
		for _, erase := range erasers {
			if _, ok := erase(text); ok {
				return true
			}
		}
		return false
	}
}
