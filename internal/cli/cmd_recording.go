package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/procmine/procmine/internal/privacy"
	"github.com/procmine/procmine/internal/recording"
)

// runRecording works on recording bundles offline: validate, redact, pack.
func runRecording(ctx context.Context, args []string, s Streams) error {
	verbs := map[string]func(context.Context, []string, Streams) error{
		"validate": recordingValidate, "redact": recordingRedact, "pack": recordingPack,
	}
	if len(args) == 0 || verbs[args[0]] == nil {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(s.Err, "Usage: procmine recording validate|redact|pack … (see docs/recording-format.md)")
			return nil
		}
		return usagef("expected 'recording validate', 'recording redact' or 'recording pack'")
	}
	return verbs[args[0]](ctx, args[1:], s)
}

// openBundle reads and checks a bundle file; errors name the file.
func openBundle(name string) (*recording.Bundle, error) {
	if st, err := os.Stat(name); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s: a directory; 'recording pack' makes a bundle of it", name)
	}
	b, err := recording.ReadFile(name, recording.Limits{})
	var bad *recording.Error
	if errors.As(err, &bad) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, err
}

func recordingValidate(_ context.Context, args []string, s Streams) error {
	fs := newFlagSet("recording validate", "BUNDLE [--json]", s)
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	pos, err := parse(fs, args, "BUNDLE")
	if err != nil {
		return err
	}
	b, err := openBundle(pos[0])
	if err != nil {
		return err
	}
	r := b.Recording
	if *asJSON {
		return writeJSON(s.Out, map[string]any{"valid": true, "title": r.Title, "version": r.Version, "steps": len(r.Steps), "screenshots": len(b.Screenshots)})
	}
	fmt.Fprintf(s.Out, "%s: valid: %q, format version %d, %d steps, %d screenshots\n", pos[0], r.Title, r.Version, len(r.Steps), len(b.Screenshots))
	return nil
}

func recordingRedact(ctx context.Context, args []string, s Streams) error {
	fs := newFlagSet("recording redact", "BUNDLE -o OUT [--policy FILE] [--key-file FILE]", s)
	out := fs.String("o", "", "the cleaned bundle to write (required; never the input)")
	policyFile := fs.String("policy", "", "privacy policy as JSON, as the API takes it (default: the default policy)")
	keyFile := fs.String("key-file", "", "file holding the pseudonym key (needed when the policy pseudonymises)")
	pos, err := parse(fs, args, "BUNDLE")
	if err != nil {
		return err
	}
	if *out == "" {
		return usagef("-o OUT is required")
	}
	if same(pos[0], *out) {
		return usagef("-o must name another file than the input: the input is kept as it was")
	}
	policy := privacy.DefaultPolicy()
	if *policyFile != "" {
		data, err := os.ReadFile(*policyFile)
		if err != nil {
			return err
		}
		policy = privacy.Policy{}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&policy); err != nil {
			return fmt.Errorf("%s: %v", *policyFile, err)
		}
		if err := policy.Validate(); err != nil {
			return fmt.Errorf("%s: %v", *policyFile, err)
		}
	}
	var key []byte
	if *keyFile != "" {
		if key, err = os.ReadFile(*keyFile); err != nil {
			return err
		}
		key = bytes.TrimSpace(key)
		if len(key) < 16 {
			return fmt.Errorf("%s: a pseudonym key is at least 16 bytes", *keyFile)
		}
	} else if slices.Contains(mapValues(policy.Actions), privacy.Pseudonymise) {
		return usagef("the policy pseudonymises: give the key with --key-file")
	}
	b, err := openBundle(pos[0])
	if err != nil {
		return err
	}
	a := privacy.NewApplier(policy, key)
	counts := map[string]int{}
	blacked, dropped := 0, 0
	b.Recording.Title, _ = a.Apply(b.Recording.Title)
	for i := range b.Recording.Steps {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		st := &b.Recording.Steps[i]
		shot := b.Screenshots[st.Screenshot]
		found, clean, err := a.CleanStep(st, shot)
		if err != nil {
			return fmt.Errorf("%s: %s: %v", pos[0], st.Screenshot, err)
		}
		switch {
		case shot != nil && clean == nil:
			delete(b.Screenshots, st.Screenshot)
			st.Screenshot = ""
			dropped++
		case shot != nil:
			b.Screenshots[st.Screenshot] = clean
			if st.Element.IsPassword() || len(found.Element) > 0 || len(found.Input) > 0 {
				blacked++
			}
		}
		for _, fs := range [][]privacy.Finding{found.Name, found.Description, found.WindowTitle, found.Element, found.Input} {
			for _, f := range fs {
				counts[f.Kind+" "+f.Action.String()]++
			}
		}
	}
	err = writeOutput(*out, s, func(w *bufio.Writer) error { return recording.Write(w, b) })
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	if len(parts) == 0 {
		parts = []string{"no personal data found"}
	}
	fmt.Fprintf(s.Err, "%s: %d steps; %s; %d screenshot regions blacked out, %d screenshots dropped (sensitive, no bounds); written to %s\n",
		pos[0], len(b.Recording.Steps), strings.Join(parts, ", "), blacked, dropped, *out)
	return nil
}

func mapValues[K comparable, V any](m map[K]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// same tells whether two names are one file.
func same(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	pa, _ := filepath.Abs(a)
	pb, _ := filepath.Abs(b)
	return pa == pb
}

func recordingPack(_ context.Context, args []string, s Streams) error {
	fs := newFlagSet("recording pack", "DIR -o OUT", s)
	out := fs.String("o", "", "the bundle to write (required)")
	pos, err := parse(fs, args, "DIR")
	if err != nil {
		return err
	}
	if *out == "" {
		return usagef("-o OUT is required")
	}
	dir := pos[0]
	data, err := os.ReadFile(filepath.Join(dir, "recording.json"))
	if err != nil {
		return err
	}
	rec, err := recording.Decode(data)
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	b := &recording.Bundle{Recording: rec, Screenshots: map[string][]byte{}}
	entries, err := os.ReadDir(filepath.Join(dir, "screenshots"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			return fmt.Errorf("%s: screenshots/%s: not a regular file", dir, e.Name())
		}
		img, err := os.ReadFile(filepath.Join(dir, "screenshots", e.Name()))
		if err != nil {
			return err
		}
		b.Screenshots["screenshots/"+e.Name()] = img
	}
	// The bundle is checked as a reader will check it, before it is written.
	var buf bytes.Buffer
	if err := recording.Write(&buf, b); err != nil {
		return err
	}
	if _, err := recording.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()), recording.Limits{}); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if err := writeOutput(*out, s, func(w *bufio.Writer) error { _, err := w.Write(buf.Bytes()); return err }); err != nil {
		return err
	}
	fmt.Fprintf(s.Err, "%s: %d steps, %d screenshots packed into %s\n", dir, len(rec.Steps), len(b.Screenshots), *out)
	return nil
}
