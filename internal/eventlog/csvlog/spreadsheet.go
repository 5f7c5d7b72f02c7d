package csvlog

import (
	"strconv"
	"strings"
)

// SafeCell keeps a spreadsheet from reading a value as a formula (CSV
// injection: =cmd|' /C calc'!A0, @SUM(…)): text starting with = + - @, a
// tab or a carriage return is written with a leading apostrophe, which
// spreadsheets take as "this is text" and do not show. A plain number
// (-12.5, +3e2) is left as it is: no spreadsheet evaluates it as anything
// but itself, and signed amounts are common in event data. Every CSV that
// the server hands out goes through this one rule.
func SafeCell(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if isPlainNumber(s) {
		return s
	}
	return "'" + s
}

// isPlainNumber tells whether s is a decimal number with an optional sign,
// fraction and exponent, and nothing else (not Inf, NaN or hexadecimal,
// which strconv would also take).
func isPlainNumber(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune("0123456789+-.eE", c) {
			return false
		}
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// Option changes how Write writes.
type Option func(*options)

type options struct {
	cell func(string) string
}

// ForSpreadsheets makes Write pass every cell, the header's too, through
// SafeCell. The server's export uses it: whoever downloads a log may open
// it in a spreadsheet, and its texts come from whoever uploaded it. A
// file-to-file conversion does not, as it must keep every value exactly
// (a log converted to CSV and back is the same log).
func ForSpreadsheets() Option {
	return func(o *options) { o.cell = SafeCell }
}
