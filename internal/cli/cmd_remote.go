package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"text/tabwriter"
	"time"

	"github.com/procmine/procmine/client"
	"github.com/procmine/procmine/internal/disclosure"
	"github.com/procmine/procmine/internal/mining"
	"github.com/procmine/procmine/internal/processmap"
)

// runRemote runs stats, map or variants on a process of a procmine
// server, through its REST API (the generated client), with the personal
// access token in PROCMINE_TOKEN. The output is the offline verb's on the
// same data; a caller who may not read the process's raw data (a report
// reader) gets the figures disclosure control lets through, and is told
// so.
func runRemote(ctx context.Context, args []string, s Streams) error {
	if len(args) == 0 {
		return usagef("procmine remote stats|map|variants --server URL --process ID [--env ID]")
	}
	verb, args := args[0], args[1:]
	run, ok := map[string]func(context.Context, *remoteProcess, *flag.FlagSet, []string, Streams) error{
		"stats": remoteStats, "map": remoteMap, "variants": remoteVariants,
	}[verb]
	if !ok {
		return usagef("procmine remote: %q is not a remote verb: stats, map or variants", verb)
	}
	fs := newFlagSet("remote "+verb, "--server URL --process ID [--env ID] (the token in PROCMINE_TOKEN)", s)
	var p remoteProcess
	fs.StringVar(&p.server, "server", os.Getenv("PROCMINE_SERVER"), "the procmine server's address (default: PROCMINE_SERVER)")
	fs.IntVar(&p.id, "process", 0, "the process's id")
	fs.IntVar(&p.env, "env", 0, "the process's environment (default: the one of your environments that has it)")
	return run(ctx, &p, fs, args, s)
}

// remoteProcess is the process a remote verb reads.
type remoteProcess struct {
	server  string
	env, id int
	api     *client.ClientWithResponses
}

// connect checks the flags and finds the process's environment.
func (p *remoteProcess) connect(ctx context.Context) error {
	if p.id <= 0 {
		return usagef("--process: the id of a process on the server (the studio shows it in the process's address)")
	}
	if p.env < 0 {
		return usagef("--env: an environment's id")
	}
	base, hc, err := serverClient(p.server, "procmine-remote", 10*time.Minute)
	if err != nil {
		return err
	}
	if p.api, err = client.NewClientWithResponses(base.String(), client.WithHTTPClient(hc)); err != nil {
		return err
	}
	if p.env > 0 {
		return nil
	}
	envs, err := p.api.ListEnvironmentsWithResponse(ctx)
	if err != nil {
		return fmt.Errorf("the server at %s: %w", base.Redacted(), err)
	}
	if envs.JSON200 == nil {
		return apiError(envs.HTTPResponse, envs.Body)
	}
	for _, e := range envs.JSON200.Environments {
		list, err := p.api.ListProcessesWithResponse(ctx, e.Id)
		if err != nil {
			return err
		}
		if list.JSON200 == nil {
			continue // an environment whose processes we may not list
		}
		for _, proc := range list.JSON200.Processes {
			if proc.Id == p.id {
				p.env = e.Id
				return nil
			}
		}
	}
	return fmt.Errorf("process %d: not found among the processes you may read", p.id)
}

// apiError is the server's refusal in words.
func apiError(resp *http.Response, body []byte) error {
	var e client.Error
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		return fmt.Errorf("the server refused (%d %s): %s", resp.StatusCode, e.Error.Code, e.Error.Message)
	}
	return fmt.Errorf("the server answered %s", resp.Status)
}

// decode reads a successful answer's body into out.
func decode(resp *http.Response, body []byte, out any) error {
	if resp.StatusCode != http.StatusOK {
		return apiError(resp, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("the server's answer: %w", err)
	}
	return nil
}

func remoteStats(ctx context.Context, p *remoteProcess, fs *flag.FlagSet, args []string, s Streams) error {
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if err := p.connect(ctx); err != nil {
		return err
	}
	resp, err := p.api.GetProcessStatisticsWithResponse(ctx, p.env, p.id, nil)
	if err != nil {
		return err
	}
	var a struct {
		Activities      map[string]int         `json:"activities"`
		StartActivities map[string]int         `json:"start_activities"`
		EndActivities   map[string]int         `json:"end_activities"`
		Working         *mining.Durations      `json:"working_case_duration_seconds"`
		Resources       []mining.ResourceStats `json:"resources"`
		TimelineBucket  string                 `json:"timeline_bucket"`
		Timeline        []mining.Bucket        `json:"timeline"`
		Handovers       []mining.Handover      `json:"handovers"`
		Summary         *mining.Summary        `json:"summary"`
		Disclosure      *disclosure.Withheld   `json:"disclosure"`
	}
	if err := decode(resp.HTTPResponse, resp.Body, &a); err != nil {
		return err
	}
	st := &mining.Stats{Activities: a.Activities, StartActivities: a.StartActivities, EndActivities: a.EndActivities,
		WorkingCaseDuration: a.Working, ResourceWork: a.Resources, Handovers: a.Handovers, TimelineBucket: a.TimelineBucket, Timeline: a.Timeline}
	if sum := a.Summary; sum != nil {
		// Those who may read raw data: the figures `procmine stats`
		// prints, exact.
		st.SetSummary(*sum)
		if st.ResourceWork == nil {
			st.ResourceWork = []mining.ResourceStats{}
		}
		if st.Handovers == nil {
			st.Handovers = []mining.Handover{}
		}
		if *asJSON {
			return writeJSON(s.Out, st)
		}
		printStats(s.Out, st, "the process's calendar")
		return nil
	}
	// A report reader: the key figures through disclosure control.
	report, err := p.api.GetProcessReportWithResponse(ctx, p.env, p.id, nil)
	if err != nil {
		return err
	}
	var k readerFigures
	if err := decode(report.HTTPResponse, report.Body, &k); err != nil {
		return err
	}
	// Working time as a reader gets it: the mean, and the median from 2k
	// cases (absent below).
	var wt struct {
		Working *struct {
			Mean   float64  `json:"mean"`
			Median *float64 `json:"median,omitempty"`
		} `json:"working_case_duration_seconds"`
	}
	if err := json.Unmarshal(resp.Body, &wt); err != nil {
		return fmt.Errorf("the server's answer: %w", err)
	}
	if *asJSON {
		return writeJSON(s.Out, map[string]any{"cases": k.Cases, "events": k.Events, "activities_shown": k.Activities, "variants": k.Variants,
			"rework_share": k.Rework, "self_loop_share": k.SelfLoop, "mean_case_duration_seconds": k.Mean, "median_case_duration_seconds": k.Median,
			"activities": a.Activities, "start_activities": a.StartActivities, "end_activities": a.EndActivities,
			"working_case_duration_seconds": wt.Working, "disclosure": a.Disclosure})
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "cases\t%d\nevents\t%d\nactivities\t%d\nvariants\t%d\n", k.Cases, k.Events, k.Activities, k.Variants)
	fmt.Fprintf(tw, "resources\tnot given to report readers\n")
	if k.Mean != nil {
		fmt.Fprintf(tw, "case duration\tmean %s, median %s\n", orWithheld(k.Mean), orWithheld(k.Median))
		if wt.Working != nil {
			fmt.Fprintf(tw, "in working time\tmean %s, median %s (the process's calendar)\n", processmap.Duration(wt.Working.Mean), orWithheld(wt.Working.Median))
		}
	} else {
		fmt.Fprintf(tw, "case duration\tunavailable: the log has no timestamps\n")
	}
	fmt.Fprintf(tw, "rework\t%.1f%% of cases repeat an activity, %.1f%% have a self-loop\n", 100*k.Rework, 100*k.SelfLoop)
	tw.Flush()
	printCounts(s.Out, "activities", a.Activities)
	printCounts(s.Out, "start activities", a.StartActivities)
	printCounts(s.Out, "end activities", a.EndActivities)
	if a.Disclosure != nil {
		fmt.Fprintf(s.Out, "\nas a report reader: %s\n", a.Disclosure.Note)
	}
	return nil
}

// readerFigures are the report's key figures, as disclosure control
// gives them to a report reader.
type readerFigures struct {
	Cases      int      `json:"cases"`
	Events     int      `json:"events"`
	Activities int      `json:"activities"`
	Variants   int      `json:"variants"`
	Rework     float64  `json:"rework_share"`
	SelfLoop   float64  `json:"self_loop_share"`
	Mean       *float64 `json:"mean_case_duration_seconds"`
	Median     *float64 `json:"median_case_duration_seconds"`
}

// orWithheld is a duration, or "withheld" where the answer left it out.
func orWithheld(d *float64) string {
	if d == nil {
		return "withheld"
	}
	return processmap.Duration(*d)
}

func remoteVariants(ctx context.Context, p *remoteProcess, fs *flag.FlagSet, args []string, s Streams) error {
	top := fs.Int("top", 0, "print only the N most frequent variants (0: all)")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *top < 0 {
		return usagef("--top must not be negative")
	}
	if err := p.connect(ctx); err != nil {
		return err
	}
	// The server cuts the list: the total is its own (for a reader, a
	// noisy count of the variants, small ones included).
	var params client.GetProcessVariantsParams
	if *top > 0 {
		params.Top = top
	}
	resp, err := p.api.GetProcessVariantsWithResponse(ctx, p.env, p.id, &params)
	if err != nil {
		return err
	}
	var a struct {
		Total      int                  `json:"total"`
		Variants   []*mining.Variant    `json:"variants"`
		Disclosure *disclosure.Withheld `json:"disclosure"`
	}
	if err := decode(resp.HTTPResponse, resp.Body, &a); err != nil {
		return err
	}
	if err := printVariants(s.Out, a.Variants, a.Total, *asJSON); err != nil {
		return err
	}
	if a.Disclosure != nil && !*asJSON {
		fmt.Fprintf(s.Out, "\nas a report reader: %s\n", a.Disclosure.Note)
	}
	return nil
}

func remoteMap(ctx context.Context, p *remoteProcess, fs *flag.FlagSet, args []string, s Streams) error {
	var mf mapFlags
	mf.register(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	o, kind, err := mf.options()
	if err != nil {
		return err
	}
	if err := p.connect(ctx); err != nil {
		return err
	}
	v := client.GetProcessMapParamsView(o.View)
	a, pa := o.Activities, o.Paths
	resp, err := p.api.GetProcessMapWithResponse(ctx, p.env, p.id, &client.GetProcessMapParams{View: &v, Activities: &a, Paths: &pa})
	if err != nil {
		return err
	}
	var m struct {
		processmap.Map
		Disclosure *disclosure.Withheld `json:"disclosure"`
	}
	if err := decode(resp.HTTPResponse, resp.Body, &m); err != nil {
		return err
	}
	if o.View == processmap.Performance && !m.Timed {
		fmt.Fprintln(s.Err, "procmine: the log has no timestamps: durations are unavailable, the map shows counts")
	}
	if m.Disclosure != nil {
		fmt.Fprintf(s.Err, "procmine: as a report reader: %s\n", m.Disclosure.Note)
	}
	return writeMap(ctx, mf.out, kind, s, &m.Map)
}
