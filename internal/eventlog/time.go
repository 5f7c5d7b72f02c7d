package eventlog

import (
	"math"
	"time"
)

// NoTime marks an event without a timestamp.
const NoTime int64 = math.MinInt64

// ParseTime reads the timestamp forms found in real event logs and returns
// Unix nanoseconds (UTC):
//
//	2011-10-01T00:38:44.546+02:00   ISO 8601 with a zone (Z, ±hh:mm, ±hhmm, ±hh)
//	2011-10-01T00:38:44.546000      fractions of 1 to 9 digits, or none
//	2010-12-30 14:32:00+01:00       space instead of T
//	2019/11/03 01:11:19.000         slashes in the date
//	2006-07-24                      a date alone (midnight)
//
// A time without a zone is taken as UTC, which keeps durations right as long
// as the log does not mix zoned and naive times. It is hand-written rather
// than time.Parse because it runs once per event on logs of millions of
// events and must accept all these forms at once.
func ParseTime(s string) (int64, bool) {
	ns, _, ok := parseTime(s, true)
	return ns, ok
}

// ParseTimeZone is ParseTime that also returns the timestamp's UTC
// offset in minutes (0 for Z, or for a time without a zone), so that a
// log written again says the time as its source did.
func ParseTimeZone(s string) (ns int64, offset int16, ok bool) {
	ns, off, ok := parseTime(s, true)
	return ns, int16(off / 60), ok
}

// ParseWallTime is ParseTime that ignores the UTC offset: it returns the
// wall-clock time as if it were UTC. This is how PM4Py reads XES dates, so
// durations that span a daylight-saving change come out an hour off the
// time that really passed; procmine offers it only to compare with PM4Py.
func ParseWallTime(s string) (int64, bool) {
	ns, _, ok := parseTime(s, false)
	return ns, ok
}

// parseTime returns the time in Unix nanoseconds and its UTC offset in
// seconds (0 without useOffset).
func parseTime(s string, useOffset bool) (int64, int64, bool) {
	n := len(s)
	if n < 10 {
		return 0, 0, false
	}
	year, ok1 := digits(s, 0, 4)
	month, ok2 := digits(s, 5, 2)
	day, ok3 := digits(s, 8, 2)
	sep := s[4]
	if !ok1 || !ok2 || !ok3 || (sep != '-' && sep != '/') || s[7] != sep ||
		month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
		return 0, 0, false
	}
	var hour, minute, sec, nanos int64
	i := 10
	if i < n && (s[i] == 'T' || s[i] == ' ') && n >= i+6 {
		h, ok1 := digits(s, i+1, 2)
		m, ok2 := digits(s, i+4, 2)
		if !ok1 || !ok2 || s[i+3] != ':' || h > 24 || m > 59 {
			return 0, 0, false
		}
		hour, minute = h, m
		i += 6
		if i < n && s[i] == ':' {
			sc, ok := digits(s, i+1, 2)
			if !ok || sc > 60 {
				return 0, 0, false
			}
			sec = sc
			i += 3
			if i < n && (s[i] == '.' || s[i] == ',') {
				i++
				start := i
				scale := int64(100_000_000)
				for i < n && s[i] >= '0' && s[i] <= '9' {
					if i-start < 9 {
						nanos += int64(s[i]-'0') * scale
						scale /= 10
					}
					i++
				}
				if i == start {
					return 0, 0, false
				}
			}
		}
	}
	var offset int64
	if i < n {
		switch s[i] {
		case 'Z', 'z':
			i++
		case '+', '-':
			sign := int64(1)
			if s[i] == '-' {
				sign = -1
			}
			h, ok := digits(s, i+1, 2)
			if !ok || h > 23 {
				return 0, 0, false
			}
			i += 3
			var m int64
			if i < n && s[i] == ':' {
				i++
			}
			if i < n {
				mm, ok := digits(s, i, 2)
				if !ok || mm > 59 {
					return 0, 0, false
				}
				m = mm
				i += 2
			}
			offset = sign * (h*3600 + m*60)
		}
	}
	if i != n {
		return 0, 0, false
	}
	if !useOffset {
		offset = 0
	}
	days := daysFromCivil(year, month, day)
	secs := days*86400 + hour*3600 + minute*60 + sec - offset
	// Unix nanoseconds in int64 cover the years 1678 to 2262.
	if secs < -9_223_372_036 || secs > 9_223_372_035 {
		return 0, 0, false
	}
	return secs*1e9 + nanos, offset, true
}

func digits(s string, at, count int) (int64, bool) {
	if at+count > len(s) {
		return 0, false
	}
	var v int64
	for _, c := range []byte(s[at : at+count]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

func daysIn(month, year int64) int64 {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil counts days since 1970-01-01 in the proleptic Gregorian
// calendar (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// Event times must lie between MinEventTime and MaxEventTime (1850 to
// 2140): a span that fits int64 nanoseconds, so no duration between two
// events can overflow. Dates in other attributes may be anything ParseTime
// reads.
var (
	MinEventTime = daysFromCivil(1850, 1, 1) * 86400 * 1e9
	MaxEventTime = daysFromCivil(2141, 1, 1)*86400*1e9 - 1
)

// ValidEventTime reports whether ns may be an event's time.
func ValidEventTime(ns int64) bool { return ns >= MinEventTime && ns <= MaxEventTime }

// FormatTime writes Unix nanoseconds as an ISO 8601 UTC timestamp with as
// many fraction digits as needed (at least milliseconds, as XES tools expect).
func FormatTime(ns int64) string {
	var buf [64]byte
	return string(AppendTime(buf[:0], ns))
}

// FormatTimeZone writes Unix nanoseconds as FormatTime does, at a UTC
// offset of offset minutes: "2011-10-01T00:38:44.546+02:00" (Z for 0).
func FormatTimeZone(ns int64, offset int16) string {
	var buf [64]byte
	return string(AppendTimeZone(buf[:0], ns, offset))
}

// AppendTime appends FormatTime(ns) to dst.
func AppendTime(dst []byte, ns int64) []byte { return AppendTimeZone(dst, ns, 0) }

// AppendTimeZone appends FormatTimeZone(ns, offset) to dst.
func AppendTimeZone(dst []byte, ns int64, offset int16) []byte {
	t := time.Unix(0, ns+int64(offset)*60e9).UTC() // years 1677 to 2262: four digits
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	dst = appendDigits(dst, year, 4)
	dst = appendDigits(append(dst, '-'), int(month), 2)
	dst = appendDigits(append(dst, '-'), day, 2)
	dst = appendDigits(append(dst, 'T'), hour, 2)
	dst = appendDigits(append(dst, ':'), minute, 2)
	dst = appendDigits(append(dst, ':'), sec, 2)
	frac := t.Nanosecond()
	if frac%1e6 == 0 {
		dst = appendDigits(append(dst, '.'), frac/1e6, 3)
	} else {
		digits := 9
		for frac%10 == 0 {
			frac, digits = frac/10, digits-1
		}
		dst = appendDigits(append(dst, '.'), frac, digits)
	}
	if offset == 0 {
		return append(dst, 'Z')
	}
	sign := byte('+')
	if offset < 0 {
		sign, offset = '-', -offset
	}
	dst = appendDigits(append(dst, sign), int(offset/60), 2)
	return appendDigits(append(dst, ':'), int(offset%60), 2)
}

// appendDigits appends n, 0 <= n < 10^width, in width digits.
func appendDigits(dst []byte, n, width int) []byte {
	dst = append(dst, "000000000"[:width]...)
	for i := len(dst) - 1; n > 0; i-- {
		dst[i] = byte('0' + n%10)
		n /= 10
	}
	return dst
}

// Time converts Unix nanoseconds to a time.Time in UTC.
func Time(ns int64) time.Time { return time.Unix(0, ns).UTC() }
