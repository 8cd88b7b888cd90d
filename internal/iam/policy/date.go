package policy

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// parseDate reads a Date condition value or context value: ISO 8601 (any
// precision from a year to nanoseconds, "T" or "t", zone "Z", ±hh, ±hh:mm or
// ±hhmm, UTC when absent) or, for values with neither "t" nor "-", epoch seconds.
// Its bounds are those of IAM's legacy parser, which rejects a policy whose date
// values it cannot read.
func parseDate(s string) (time.Time, bool) {
	if !strings.ContainsAny(s, "tT-") {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return time.Time{}, false
		}
		return time.Unix(n, 0).UTC(), true
	}
	// No allocation: this runs per request for aws:CurrentTime.
	datePart, timePart := s, ""
	if i := strings.IndexAny(s, "tT"); i >= 0 {
		datePart, timePart = s[:i], s[i+1:]
	}

	neg := strings.HasPrefix(datePart, "-")
	if neg {
		datePart = datePart[1:]
	}
	var ymd [3]string
	n := 0
	for rest := datePart; ; n++ {
		if n == 3 {
			return time.Time{}, false
		}
		f, after, more := strings.Cut(rest, "-")
		ymd[n] = f
		if !more {
			n++
			break
		}
		rest = after
	}
	year, ok := atoiRange(ymd[0], 0, 292278993)
	if !ok {
		return time.Time{}, false
	}
	if neg {
		year = -year
		if year < -292275054 {
			return time.Time{}, false
		}
	}
	month, day := 1, 1
	if n > 1 {
		if month, ok = atoiRange(ymd[1], 1, 12); !ok {
			return time.Time{}, false
		}
	}
	if n > 2 {
		if day, ok = atoiRange(ymd[2], 1, 31); !ok {
			return time.Time{}, false
		}
	}

	loc := time.UTC
	if i := strings.IndexAny(timePart, "zZ+-"); i >= 0 {
		zone := timePart[i:]
		timePart = timePart[:i]
		if zone != "z" && zone != "Z" {
			off, ok := parseZone(zone)
			if !ok {
				return time.Time{}, false
			}
			loc = time.FixedZone("", off)
		}
	}
	var hms [3]int
	var nanos int
	if timePart != "" {
		limits := [3]int{23, 59, 59}
		rest := timePart
		for i := 0; ; i++ {
			if i == 3 {
				return time.Time{}, false
			}
			f, after, more := strings.Cut(rest, ":")
			if i == 2 {
				sec, frac, hasFrac := strings.Cut(f, ".")
				if hasFrac {
					if len(frac) == 0 || len(frac) > 9 {
						return time.Time{}, false
					}
					n, ok := atoiRange(frac, 0, 999999999)
					if !ok {
						return time.Time{}, false
					}
					nanos = n * int(math.Pow10(9-len(frac)))
				}
				f = sec
			}
			if hms[i], ok = atoiRange(f, 0, limits[i]); !ok {
				return time.Time{}, false
			}
			if !more {
				break
			}
			rest = after
		}
	}
	return time.Date(year, time.Month(month), day, hms[0], hms[1], hms[2], nanos, loc), true
}

// parseZone reads "+hh", "+hh:mm" or "+hhmm" (or "-…") as seconds east of UTC.
func parseZone(z string) (int, bool) {
	sign := 1
	if z[0] == '-' {
		sign = -1
	}
	z = z[1:]
	var hh, mm string
	switch {
	case len(z) == 2:
		hh = z
	case len(z) == 4:
		hh, mm = z[:2], z[2:]
	case len(z) == 5 && z[2] == ':':
		hh, mm = z[:2], z[3:]
	default:
		return 0, false
	}
	h, ok := atoiRange(hh, 0, 23)
	if !ok {
		return 0, false
	}
	m := 0
	if mm != "" {
		if m, ok = atoiRange(mm, 0, 59); !ok {
			return 0, false
		}
	}
	return sign * (h*3600 + m*60), true
}

// atoiRange parses decimal digits only (no sign) within [lo, hi].
func atoiRange(s string, lo, hi int) (int, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, lo <= n && n <= hi
}
