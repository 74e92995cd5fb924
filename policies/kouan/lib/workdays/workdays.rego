# METADATA
# title: Calendar dates and working days (Beijing time)
# description: |
#   Pure-Rego date arithmetic on day numbers (days since 1970-01-01). No time.* builtin is used: in the
#   wasm target those are provided by the host SDK, and @open-policy-agent/opa-wasm does not provide them.
#   Working days are Monday to Friday minus data.holidays days_off, plus its make_up_working_days.
#   Dates before 1970 are not supported (day_number is undefined for them).
package kouan.lib.workdays

# integer division for a >= 0, b > 0
_div(a, b) := (a - (a % b)) / b

leap_year(y) if {
	y % 4 == 0
	y % 100 != 0
}

leap_year(y) if y % 400 == 0

days_in_month(y, 2) := 29 if leap_year(y)

days_in_month(y, 2) := 28 if not leap_year(y)

days_in_month(_, m) := 30 if m in {4, 6, 9, 11}

days_in_month(_, m) := 31 if m in {1, 3, 5, 7, 8, 10, 12}

# January and February count as months 11 and 12 of the previous year (H. Hinnant's civil calendar algorithms)
_march_shift(m) := 1 if m <= 2

_march_shift(m) := 0 if m > 2

_month_of(mp) := mp + 3 if mp < 10

_month_of(mp) := mp - 9 if mp >= 10

# civil_to_day(y, m, d) is the day number of a valid calendar date.
civil_to_day(y, m, d) := n if {
	yy := y - _march_shift(m)
	era := _div(yy, 400)
	yoe := yy - (era * 400)
	doy := (_div((153 * ((m + 9) % 12)) + 2, 5) + d) - 1
	doe := (((yoe * 365) + _div(yoe, 4)) - _div(yoe, 100)) + doy
	n := ((era * 146097) + doe) - 719468
}

# day_to_civil(n) is [year, month, day] of day number n >= 0.
day_to_civil(n) := [y, m, d] if {
	z := n + 719468
	era := _div(z, 146097)
	doe := z - (era * 146097)
	yoe := _div(((doe - _div(doe, 1460)) + _div(doe, 36524)) - _div(doe, 146096), 365)
	doy := doe - (((365 * yoe) + _div(yoe, 4)) - _div(yoe, 100))
	mp := _div((5 * doy) + 2, 153)
	d := (doy - _div((153 * mp) + 2, 5)) + 1
	m := _month_of(mp)
	y := ((era * 400) + yoe) + _march_shift(m)
}

# day_number(s) is the day number of a "YYYY-MM-DD" date from 1970 on; undefined for anything else.
day_number(s) := civil_to_day(y, m, d) if {
	regex.match(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`, s)
	y := to_number(substring(s, 0, 4))
	m := to_number(substring(s, 5, 2))
	d := to_number(substring(s, 8, 2))
	y >= 1970
	m >= 1
	m <= 12
	d >= 1
	d <= days_in_month(y, m)
}

_pad2(x) := concat("", ["0", format_int(x, 10)]) if x < 10

_pad2(x) := format_int(x, 10) if x >= 10

# date_string(n) is the "YYYY-MM-DD" form of day number n.
date_string(n) := concat("-", [format_int(c[0], 10), _pad2(c[1]), _pad2(c[2])]) if c := day_to_civil(n)

year_of(n) := day_to_civil(n)[0]

# beijing_day(ts) is the Beijing (UTC+08:00) calendar day of an RFC 3339 date-time with an offset or Z.
beijing_day(ts) := day if {
	regex.match(`^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$`, ts)
	date := day_number(substring(ts, 0, 10))
	hours := to_number(substring(ts, 11, 2))
	minutes := to_number(substring(ts, 14, 2))
	hours <= 23
	minutes <= 59
	local := ((date * 1440) + (hours * 60)) + minutes
	day := _div((local - _offset_minutes(ts)) + 480, 1440)
}

_offset_minutes(ts) := 0 if upper(substring(ts, count(ts) - 1, 1)) == "Z"

_offset_minutes(ts) := _sign(substring(tail, 0, 1)) * ((to_number(substring(tail, 1, 2)) * 60) + to_number(substring(tail, 4, 2))) if {
	upper(substring(ts, count(ts) - 1, 1)) != "Z"
	tail := substring(ts, count(ts) - 6, 6)
}

_sign("+") := 1

_sign("-") := -1

# weekday(n) is 0 for Sunday through 6 for Saturday (1970-01-01 was a Thursday).
weekday(n) := (n + 4) % 7

# add_years(n, k) is the same calendar day k years later; 29 February becomes 28 February in a common year.
add_years(n, k) := civil_to_day(y, c[1], min([c[2], days_in_month(y, c[1])])) if {
	c := day_to_civil(n)
	y := c[0] + k
}

days_off contains n if {
	some year in data.holidays.years
	some s in year.days_off
	n := day_number(s)
}

make_up_days contains n if {
	some year in data.holidays.years
	some s in year.make_up_working_days
	n := day_number(s)
}

working_day(n) if n in make_up_days

working_day(n) if {
	not n in make_up_days
	weekday(n) in {1, 2, 3, 4, 5}
	not n in days_off
}

# calendar_covers(n) holds when data.holidays has a calendar for the year of day n.
calendar_covers(n) if data.holidays.years[format_int(year_of(n), 10)]

# working_days_after(a, b) counts the working days d with a < d <= b (0 when b <= a).
working_days_after(a, b) := count([d | some d in numbers.range(a + 1, b); working_day(d)]) if b > a

working_days_after(a, b) := 0 if b <= a

# nth_working_day_after(a, k) is the k-th working day after day a (k >= 1).
nth_working_day_after(a, k) := days[k - 1] if {
	days := [d | some d in numbers.range(a + 1, (a + (3 * k)) + 30); working_day(d)]
}
