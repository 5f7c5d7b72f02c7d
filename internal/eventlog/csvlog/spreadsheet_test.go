package csvlog

import "testing"

// TestSafeCell: formulas are quoted, plain numbers (signed too) and text
// are left as they are.
func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(1)": "'=HYPERLINK(1)", "=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0", "@SUM(A1)": "'@SUM(A1)",
		"+1+cmd|x": "'+1+cmd|x", "-2+3": "'-2+3", "\tx": "'\tx", "\r=1": "'\r=1", "-Inf": "'-Inf", "+0x10": "'+0x10",
		"-2": "-2", "+1": "+1", "-12.5e3": "-12.5e3", "ann": "ann", "": "", "a=b": "a=b",
	} {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}
