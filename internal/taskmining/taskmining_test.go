package taskmining

import (
	"testing"
	"time"

	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/processmap"
	"github.com/procmine/procmine/internal/recording"
)

func rec(id int64, steps ...[3]string) Recording {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	r := Recording{ID: id}
	for i, s := range steps {
		d, _ := time.ParseDuration(s[2])
		r.Steps = append(r.Steps, recording.Step{Name: s[0], Application: s[1], Action: "click", StartedAt: at, EndedAt: at.Add(d)})
		at = at.Add(d + time.Duration(i)*time.Second)
	}
	return r
}

func sample() []Recording {
	return []Recording{
		rec(1, [3]string{"Open mail", "Outlook", "10s"}, [3]string{"Copy amount", "Outlook", "5s"}, [3]string{"Enter amount", "ERP", "20s"}, [3]string{"Save", "ERP", "2s"}),
		rec(2, [3]string{"Open mail", "Outlook", "14s"}, [3]string{"Enter amount", "ERP", "30s"}, [3]string{"Save", "ERP", "4s"}),
		rec(3, [3]string{"Open mail", "Outlook", "12s"}, [3]string{"Enter amount", "ERP", "25s"}, [3]string{"Check", "Excel", "60s"}, [3]string{"Save", "ERP", "3s"}),
	}
}

func TestLog(t *testing.T) {
	l := Log(sample())
	if l.NumCases() != 3 || l.NumEvents() != 11 || !l.Timed {
		t.Fatalf("log: %d cases, %d events, timed %v", l.NumCases(), l.NumEvents(), l.Timed)
	}
	vs := mining.Variants(l)
	if len(vs) != 3 {
		t.Errorf("%d variants, want 3", len(vs))
	}
	m, err := processmap.Build(l, processmap.Options{View: processmap.View("frequency"), Activities: 1, Paths: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Nodes) != 5 {
		t.Errorf("map has %d activities, want 5", len(m.Nodes))
	}
	// Recording 1 lasts from its first step's start to its last's end.
	if d := l.CaseDuration(0); d != int64(10+5+20+2+0+1+2)*int64(time.Second) {
		t.Errorf("case duration %v", time.Duration(d))
	}
}

func TestAnalyse(t *testing.T) {
	u := Analyse(sample())
	if u.Recordings != 3 || u.Steps != 11 {
		t.Fatalf("%+v", u)
	}
	// Switches: rec 1 Outlook→ERP (1), rec 2 (1), rec 3 Outlook→ERP, ERP→Excel, Excel→ERP (3).
	if u.Switches != 5 {
		t.Errorf("switches %d, want 5", u.Switches)
	}
	erp := u.Applications[0]
	if erp.Application != "ERP" || erp.Actions != 6 || erp.Seconds != 84 || erp.SwitchesIn != 4 || erp.ActionsBy["click"] != 6 {
		t.Errorf("ERP %+v (applications %+v)", erp, u.Applications)
	}
	var enter StepTime
	for _, s := range u.StepTimes {
		if s.Step == "Enter amount" {
			enter = s
		}
	}
	if enter.Count != 3 || enter.TotalSeconds != 75 || enter.MeanSeconds != 25 || enter.MedianSeconds != 25 {
		t.Errorf("Enter amount %+v", enter)
	}
	if u.StepTimes[0].Step != "Enter amount" {
		t.Errorf("longest step first: %+v", u.StepTimes[0])
	}
}
