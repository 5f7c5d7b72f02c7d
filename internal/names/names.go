// Package names decides when two names of people or security records
// (usernames, roles, teams, business units) are the same name. People
// read names, not code points: "Process Mining Application" followed by a
// zero-width space, or written in full-width letters, or in another case,
// looks like the built-in role and must not stand beside it. So names are
// compared by Key (Unicode NFKC, then case folding), and names that hold
// characters nobody sees (control and format characters, and other
// invisible ones) are refused by Check.
package names

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

var fold = cases.Fold()

// Key is the form two names are compared in: compatibility-normalised
// (NFKC: full-width and other look-alike forms become the plain ones),
// case-folded, and normalised again (folding can undo normalisation).
// Two names with the same Key are the same name.
//
// Beyond that, what a page shows alike is alike: runs of spaces are one
// space (HTML draws "System  Administrator" as "System Administrator"),
// spaces at either end are dropped, and every dash (U+2010 hyphen, en and
// em dashes, the minus sign…) is the ASCII hyphen.
func Key(s string) string {
	k := norm.NFKC.String(fold.String(norm.NFKC.String(s)))
	var b strings.Builder
	space := false
	for _, c := range strings.TrimSpace(k) {
		switch {
		case c == ' ':
			space = true
			continue
		case unicode.Is(unicode.Pd, c) || c == '\u2212':
			c = '-'
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Same tells whether a and b are the same name.
func Same(a, b string) bool { return Key(a) == Key(b) }

// Check refuses a name holding a character a reader would not see or
// could not tell from a space: control characters (Cc), format
// characters (Cf: zero-width spaces and joiners, direction marks), private
// use and surrogates, line and paragraph separators, variation selectors
// and other default-ignorable characters, noncharacters, and any space
// but the plain one. field names the name in the error.
func Check(field, s string) error {
	for _, c := range s {
		if c == ' ' {
			continue
		}
		if c == unicode.ReplacementChar || invisible(c) {
			return fmt.Errorf("%s: holds an invisible, control or unusual space character (U+%04X): names must be what they look like", field, c)
		}
	}
	return nil
}

func invisible(c rune) bool {
	return unicode.In(c, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs, unicode.Zl, unicode.Zp, unicode.Zs,
		unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point, unicode.Noncharacter_Code_Point) ||
		// Hangul fillers render as blanks but are letters.
		c == '\u115F' || c == '\u1160' || c == '\u3164' || c == '\uFFA0' ||
		// Combining grapheme joiner: a mark that shows nothing.
		c == '\u034F' ||
		// Unassigned code points: what they will look like is unknown.
		!unicode.In(c, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z, unicode.C)
}
