// Package taskmining turns a process's recordings into what process
// mining shows of them: an event log with one case per recording and one
// activity per step name (so that the map, variants and every filter of
// package mining apply), and the desktop's own figures — time per step
// and, per application, time spent, actions and switches into it.
//
// It reads step names, applications and times only: never input data.
package taskmining

import (
	"slices"
	"strconv"

	"github.com/procmine/procmine/internal/eventlog"
	"github.com/procmine/procmine/internal/recording"
)

// Recording is one recording's steps, in order.
type Recording struct {
	ID    int64
	Steps []recording.Step
	// Recorder is who recorded it (0 when unknown or erased).
	Recorder int64
}

// Log builds the event log: case = recording, activity = step name, the
// step's start and end as the activity instance's times, and the
// application as an event attribute.
func Log(recs []Recording) *eventlog.Log {
	b := eventlog.NewBuilder()
	for _, r := range recs {
		c := b.NewCase(strconv.FormatInt(r.ID, 10))
		for _, s := range r.Steps {
			e := b.Event(c, b.Log().Activities.ID(s.Name), s.EndedAt.UnixNano(), eventlog.None, eventlog.None)
			b.SetStart(e, s.StartedAt.UnixNano())
		}
	}
	l := b.Finish()
	l.Merged = true // a step is an activity instance already: start and end
	return l
}

// StepTime is how long a step name takes.
type StepTime struct {
	Step          string  `json:"step"`
	Count         int     `json:"count"`
	TotalSeconds  float64 `json:"total_seconds"`
	MeanSeconds   float64 `json:"mean_seconds"`
	MedianSeconds float64 `json:"median_seconds"`
	// Recordings counts the recordings with the step, and People their
	// recorders (all unknown recorders count as one).
	Recordings int `json:"recordings"`
	People     int `json:"-"`
}

// AppUsage is what happened in one application.
type AppUsage struct {
	Application string  `json:"application"`
	Seconds     float64 `json:"seconds"` // summed step durations
	Actions     int     `json:"actions"` // steps
	// SwitchesIn counts the steps in it whose step before, in the same
	// recording, was in another application.
	SwitchesIn int `json:"switches_in"`
	// ActionsBy counts its steps by action (click, type…).
	ActionsBy map[string]int `json:"actions_by"`
	// Recordings counts the recordings with steps in it, and People their
	// recorders (all unknown recorders count as one); ActionRecordings and
	// ActionPeople the same per action.
	Recordings       int            `json:"recordings"`
	People           int            `json:"-"`
	ActionRecordings map[string]int `json:"-"`
	ActionPeople     map[string]int `json:"-"`
}

// Usage is the desktop's figures over all recordings.
type Usage struct {
	Recordings   int        `json:"recordings"`
	Steps        int        `json:"steps"`
	Switches     int        `json:"switches"`
	StepTimes    []StepTime `json:"time_per_step"`
	Applications []AppUsage `json:"applications"`
}

// Analyse computes the figures. Steps without an application count under
// "(unknown)". Lists are sorted by time, largest first, then by name.
func Analyse(recs []Recording) Usage {
	u := Usage{Recordings: len(recs), StepTimes: []StepTime{}, Applications: []AppUsage{}}
	durations := map[string][]float64{}
	apps := map[string]*AppUsage{}
	// The recordings with each step and application: last[name] is the
	// last recording counted for it.
	stepRecs, lastStep, lastApp := map[string]int{}, map[string]int{}, map[string]int{}
	stepPeople, appPeople, actionPeople := map[string]map[int64]bool{}, map[string]map[int64]bool{}, map[string]map[int64]bool{}
	lastAction := map[string]int{}
	person := func(m map[string]map[int64]bool, name string, who int64) {
		if m[name] == nil {
			m[name] = map[int64]bool{}
		}
		m[name][who] = true
	}
	for ri, r := range recs {
		prev := ""
		for i, s := range r.Steps {
			u.Steps++
			d := s.EndedAt.Sub(s.StartedAt).Seconds()
			durations[s.Name] = append(durations[s.Name], d)
			if last, ok := lastStep[s.Name]; !ok || last != ri {
				lastStep[s.Name] = ri
				stepRecs[s.Name]++
				person(stepPeople, s.Name, r.Recorder)
			}
			name := s.Application
			if name == "" {
				name = "(unknown)"
			}
			a := apps[name]
			if a == nil {
				a = &AppUsage{Application: name, ActionsBy: map[string]int{}, ActionRecordings: map[string]int{}, ActionPeople: map[string]int{}}
				apps[name] = a
			}
			if last, ok := lastApp[name]; !ok || last != ri {
				lastApp[name] = ri
				a.Recordings++
				person(appPeople, name, r.Recorder)
			}
			a.Seconds += d
			a.Actions++
			a.ActionsBy[s.Action]++
			if last, ok := lastAction[name+"\x00"+s.Action]; !ok || last != ri {
				lastAction[name+"\x00"+s.Action] = ri
				a.ActionRecordings[s.Action]++
				person(actionPeople, name+"\x00"+s.Action, r.Recorder)
			}
			if i > 0 && name != prev {
				a.SwitchesIn++
				u.Switches++
			}
			prev = name
		}
	}
	for name, ds := range durations {
		slices.Sort(ds)
		total := 0.0
		for _, d := range ds {
			total += d
		}
		median := ds[len(ds)/2]
		if len(ds)%2 == 0 {
			median = (ds[len(ds)/2-1] + ds[len(ds)/2]) / 2
		}
		u.StepTimes = append(u.StepTimes, StepTime{Step: name, Count: len(ds), TotalSeconds: total, MeanSeconds: total / float64(len(ds)), MedianSeconds: median, Recordings: stepRecs[name], People: len(stepPeople[name])})
	}
	slices.SortFunc(u.StepTimes, func(a, b StepTime) int {
		if a.TotalSeconds != b.TotalSeconds {
			return cmpDesc(a.TotalSeconds, b.TotalSeconds)
		}
		return compare(a.Step, b.Step)
	})
	for name, a := range apps {
		a.People = len(appPeople[name])
		for action := range a.ActionsBy {
			a.ActionPeople[action] = len(actionPeople[name+"\x00"+action])
		}
		u.Applications = append(u.Applications, *a)
	}
	slices.SortFunc(u.Applications, func(a, b AppUsage) int {
		if a.Seconds != b.Seconds {
			return cmpDesc(a.Seconds, b.Seconds)
		}
		return compare(a.Application, b.Application)
	})
	return u
}

func cmpDesc(a, b float64) int {
	if a > b {
		return -1
	}
	return 1
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
