package csvlog

import (
	"bufio"
	"encoding/csv"
	"io"
	"slices"
	"strings"

	"github.com/procmine/procmine/internal/eventlog"
)

// Write writes the log as CSV with PM4Py's column names: one row per event,
// case attributes repeated on every row of their case as case:KEY columns.
// Nested attributes have no place in a table; their top-level value is
// written and their children are not.
func Write(w io.Writer, l *eventlog.Log, opts ...Option) error {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	cw := csv.NewWriter(bw)
	write := cw.Write
	if o.cell != nil {
		write = func(row []string) error {
			for i, v := range row {
				row[i] = o.cell(v)
			}
			return cw.Write(row)
		}
	}
	header := []string{"case:concept:name", "concept:name", "time:timestamp"}
	if !anyTimed(l) {
		header = header[:2]
	}
	hasTime := len(header) == 3
	hasStart := l.HasStarts()
	if hasStart {
		header = append(header, "start_timestamp")
	}
	hasRes, hasLife := false, l.Life != nil
	for _, r := range l.Res {
		if r != eventlog.None {
			hasRes = true
			break
		}
	}
	if hasRes {
		header = append(header, "org:resource")
	}
	if hasLife {
		header = append(header, "lifecycle:transition")
	}
	fixed := len(header)
	caseKeys := l.CaseAttrs.Keys()
	eventKeys := l.EventAttrs.Keys()
	for _, k := range caseKeys {
		header = append(header, "case:"+k)
	}
	for _, k := range eventKeys {
		header = append(header, EventColumn(k))
	}
	if err := write(slices.Clone(header)); err != nil {
		return err
	}
	caseCol := map[string]int{}
	for i, k := range caseKeys {
		caseCol[k] = fixed + i
	}
	eventCol := map[string]int{}
	for i, k := range eventKeys {
		eventCol[k] = fixed + len(caseKeys) + i
	}
	row := make([]string, len(header))
	for c := range l.CaseIDs {
		lo, hi := l.Events(c)
		for e := lo; e < hi; e++ {
			clear(row)
			row[0], row[1] = l.CaseIDs[c], l.ActivityName(e)
			i := 2
			if hasTime {
				if l.End[e] != eventlog.NoTime {
					row[2] = eventlog.FormatTimeZone(l.End[e], l.Offset(e))
				}
				i++
			}
			if hasStart {
				if l.Start[e] != l.End[e] {
					row[i] = eventlog.FormatTimeZone(l.Start[e], l.Offset(e))
				}
				i++
			}
			if hasRes {
				row[i] = l.ResourceName(e)
				i++
			}
			if hasLife {
				row[i] = l.LifecycleName(e)
			}
			for _, a := range l.CaseAttrs.Of(int32(c)) {
				row[caseCol[a.Key]] = a.Value.String()
			}
			for _, a := range l.EventAttrs.Of(int32(e)) {
				row[eventCol[a.Key]] = a.Value.String()
			}
			if err := write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// EventColumn names the column of an event attribute, in a CSV or another
// table. A key that a reader
// would take for a structural column (an XES string time:timestamp "?", an
// attribute named case:X) is written as attr:KEY, which Read maps back.
func EventColumn(key string) string {
	if strings.HasPrefix(key, "case:") || strings.HasPrefix(key, "attr:") || reserved[norm(key)] {
		return "attr:" + key
	}
	return key
}

var reserved = func() map[string]bool {
	m := map[string]bool{}
	for _, list := range [][]string{caseNames, activityNames, timeNames, startNames, resourceNames, lifeNames} {
		for _, n := range list {
			m[norm(n)] = true
		}
	}
	return m
}()

func anyTimed(l *eventlog.Log) bool {
	for _, t := range l.End {
		if t != eventlog.NoTime {
			return true
		}
	}
	return false
}
