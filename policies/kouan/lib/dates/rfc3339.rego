# RFC 3339 date-times in plain Rego (time.parse_rfc3339_ns is provided by the host in wasm, and the JS SDK lacks it).
# Read with string builtins only: a regex is compiled again in every wasm evaluation that uses it (30-60 µs).
package kouan.lib.dates

# METADATA
# description: |
#   instant(ts) is a string that orders RFC 3339 date-times by the instant they name: the UTC date-time with a
#   five-digit year and nine fraction digits, e.g. "02025-06-01T08:00:00.000000000". Undefined unless ts is
#   "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" (T and Z in either case) with a valid date from year 0001,
#   a valid time (seconds 00-59), at most nine fraction digits and an offset up to 23:59.
instant(ts) := _utc(u, fraction, zone) if {
	u := upper(ts)
	[fraction, zone] := _form(u)
	count(fraction) <= 10
	substring(u, 0, 4) != "0000"
	_day_of_month(substring(u, 0, 4), substring(u, 5, 2), substring(u, 8, 2))
	substring(u, 11, 2) <= "23"
	substring(u, 14, 1) <= "5"
	substring(u, 17, 1) <= "5"
	_offset_in_range(zone)
}

_utc(u, fraction, "Z") := concat("", ["0", substring(u, 0, 19), ".", _nanos(fraction)])

# Another offset: the local time minus the offset, one day earlier or later when it crosses midnight.
_utc(u, fraction, zone) := concat("", [_year5(date), month_day, "T", hour_minute, seconds, ".", _nanos(fraction)]) if {
	zone != "Z"
	utc := (_minute_of_day(u) - _offset_minutes(zone)) + 1440 # minutes since the start of the day before
	days := floor(utc / 1440)
	minutes := utc - (days * 1440)
	date := add_days(substring(u, 0, 10), days - 1)
	month_day := substring(date, count(date) - 6, 6)
	hour_minute := concat(":", [_pad2(floor(minutes / 60)), _pad2(minutes % 60)])
	seconds := substring(u, 16, 3) # ":SS"
}

_offset_in_range("Z")

_offset_in_range(zone) if {
	substring(zone, 1, 2) <= "23"
	substring(zone, 4, 1) <= "5"
}

# epoch_seconds(t): whole seconds since 1970-01-01T00:00:00Z of an instant t (as instant(ts) gives it).
epoch_seconds(t) := (days * 86400) + seconds if {
	days := _days(to_number(substring(t, 0, 5)), substring(t, 6, 2), to_number(substring(t, 9, 2)))
	hours := to_number(substring(t, 12, 2))
	seconds := ((hours * 3600) + (to_number(substring(t, 15, 2)) * 60)) + to_number(substring(t, 18, 2))
}

# instant_at(s): the instant (as instant(ts) gives it) s whole seconds after 1970-01-01T00:00:00Z, for s from 0
# through the end of year 9999 (floor is kept to non-negative operands, see date_of).
instant_at(s) := concat("", [_year5(date), substring(date, 4, 6), "T", _pad2(hour), ":", _pad2(minute), ":", _pad2(second), ".000000000"]) if {
	s >= 0
	round(s) == s
	days := floor(s / 86400)
	date := date_of(days)
	count(date) == 10
	rest := s - (days * 86400)
	hour := floor(rest / 3600)
	minute := floor((rest - (hour * 3600)) / 60)
	second := (rest - (hour * 3600)) - (minute * 60)
}

# _form(u): [fraction, zone] of an upper-cased "YYYY-MM-DDTHH:MM:SS[.digits](Z|+HH:MM|-HH:MM)", read from its
# shape (every digit turned into 0); the fields are not range-checked. zone is "Z" or the offset.
_form(u) := ["", "Z"] if {
	count(u) == 20
	strings.replace_n(_zero, u) == "0000-00-00T00:00:00Z"
} else := ["", substring(u, 19, 6)] if {
	count(u) == 25
	_offset_shape[strings.replace_n(_zero, u)]
} else := [substring(u, 19, count(fraction)), zone] if {
	shape := strings.replace_n(_zero, u)
	startswith(shape, "0000-00-00T00:00:00")
	zone := _zone(u, shape)
	fraction := substring(shape, 19, (count(shape) - 19) - count(zone))
	_fraction_shape(fraction)
}

_zero := {"1": "0", "2": "0", "3": "0", "4": "0", "5": "0", "6": "0", "7": "0", "8": "0", "9": "0"}

_offset_shape := {"0000-00-00T00:00:00+00:00", "0000-00-00T00:00:00-00:00"}

_zone(u, shape) := "Z" if endswith(u, "Z")

else := substring(u, count(u) - 6, 6) if {
	count(u) >= 25
	substring(shape, count(shape) - 6, 6) in {"+00:00", "-00:00"}
}

# A dot and at least one digit (without a fraction, the first two branches of _form apply).
_fraction_shape(shape) if {
	startswith(shape, ".0")
	trim_right(shape, "0") == "."
}

# The fraction as nine digits.
_nanos("") := "000000000"

_nanos(fraction) := substring(concat("", [substring(fraction, 1, -1), "000000000"]), 0, 9) if fraction != ""

_minute_of_day(u) := (to_number(substring(u, 11, 2)) * 60) + to_number(substring(u, 14, 2))

# The offset "+HH:MM" or "-HH:MM" in minutes.
_offset_minutes(zone) := _sign[substring(zone, 0, 1)] * ((hours * 60) + to_number(substring(zone, 4, 2))) if {
	hours := to_number(substring(zone, 1, 2))
}

_sign := {"+": 1, "-": -1}

# Five-digit years order "10000-01-01" after "9999-12-31" (shifting 9999-12-31 to UTC can reach year 10000).
_year5(date) := concat("", ["0", substring(date, 0, 4)]) if count(date) == 10

else := substring(date, 0, 5)

# METADATA
# description: |
#   beijing_date(ts) is the Beijing (UTC+08:00) calendar date of an RFC 3339 date-time with an offset or Z, from
#   1970 through 9999. As kouan.export has always read `now`: the date must be valid, hours 00-23 and minutes
#   00-59; seconds, fraction digits and the offset's numbers are not range-checked.
beijing_date(ts) := date if {
	u := upper(ts)
	[_, zone] := _form(u)
	is_date(substring(u, 0, 10))
	substring(u, 11, 2) <= "23"
	substring(u, 14, 1) <= "5"
	date := _to_beijing(u, zone)
	count(date) == 10
}

_to_beijing(u, "+08:00") := substring(u, 0, 10)

# From UTC: the next day from 16:00 on.
_to_beijing(u, "Z") := substring(u, 0, 10) if substring(u, 11, 2) < "16"

_to_beijing(u, "Z") := add_days(substring(u, 0, 10), 1) if substring(u, 11, 2) >= "16"

# Any other offset: as it always has, with (a - a % b) / b, which rounds towards zero before 1970.
_to_beijing(u, zone) := date_of((minutes - (minutes % 1440)) / 1440) if {
	not zone in {"Z", "+08:00"}
	minutes := (((day_number(substring(u, 0, 10)) * 1440) + _minute_of_day(u)) - _offset_minutes(zone)) + 480
}
