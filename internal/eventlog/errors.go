package eventlog

import (
	"fmt"
	"strconv"
)

// ParseError reports bad input: which file, where in it, and why. Importers
// return it for everything that is the input's fault, so that callers can
// tell a user what to fix.
type ParseError struct {
	File  string // file name as the user gave it
	Line  int    // 1-based line; 0 when unknown
	Where string // element or field, e.g. "<event>" or `column "Case ID"`
	Msg   string
}

func (e *ParseError) Error() string {
	s := e.File
	if s == "" {
		s = "input"
	}
	if e.Line > 0 {
		s += ":" + strconv.Itoa(e.Line)
	}
	s += ": "
	if e.Where != "" {
		s += e.Where + ": "
	}
	return s + e.Msg
}

// Errorf returns a ParseError.
func Errorf(file string, line int, where, format string, args ...any) *ParseError {
	return &ParseError{File: file, Line: line, Where: where, Msg: fmt.Sprintf(format, args...)}
}
