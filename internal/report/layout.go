package report

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/procmine/procmine/internal/bpmn"
	"github.com/procmine/procmine/internal/dot"
	"github.com/procmine/procmine/internal/http/response"
	"github.com/procmine/procmine/internal/processmap"
)

// LayoutError is what the caller of a drawing is told when it could not
// be made: the map too large to draw (with its figures), a layout
// stopped at its deadline, or every layout worker busy (try again).
// Other errors are the drawing's input refused, as before.
func LayoutError(err error) error {
	var tl *processmap.TooLarge
	var tm *bpmn.TooLargeError
	var te *dot.TimeoutError
	var we *dot.WorkerError
	switch {
	case errors.As(err, &tl):
		return response.Errorf(http.StatusUnprocessableEntity, "too_large_to_draw", tl.Error())
	case errors.As(err, &tm):
		return response.Errorf(http.StatusUnprocessableEntity, "too_large_to_draw", tm.Error())
	case errors.As(err, &we):
		return err // the server's trouble: logged, answered 500
	case errors.As(err, &te):
		return response.Errorf(http.StatusUnprocessableEntity, "layout_timeout", fmt.Sprintf("the drawing took longer than %v to lay out and was stopped: ask for a smaller one (lower the paths or activities share, or raise the miner's thresholds), or take it as JSON", te.Limit))
	case errors.Is(err, dot.ErrBusy):
		e := response.Errorf(http.StatusServiceUnavailable, "busy", "every layout worker is busy: try again in a few seconds")
		e.RetryAfter = 5
		return e
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return response.Invalid("%v", err)
}

// LayoutNote is what a page says in place of a drawing it could not
// make, or "" when the page should fail with err instead: every worker
// busy is not a note, since pages keep their parts with the version.
func LayoutNote(err error) string {
	var tl *processmap.TooLarge
	var tm *bpmn.TooLargeError
	var te *dot.TimeoutError
	switch {
	case errors.As(err, &tl):
		return "The map is not drawn: " + tl.Error() + "."
	case errors.As(err, &tm):
		return "The model is not drawn: " + tm.Error() + "."
	case errors.As(err, &te):
		return fmt.Sprintf("The drawing is not shown: it took longer than %v to lay out and was stopped. Lower the paths or activities slider for a smaller one.", te.Limit)
	}
	return ""
}

// Stopped tells whether a drawing failed for being stopped at its deadline.
func Stopped(err error) bool {
	var te *dot.TimeoutError
	return errors.As(err, &te)
}
