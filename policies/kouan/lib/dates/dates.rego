# METADATA
# title: Calendar dates (pure Rego, wasm-friendly)
# description: |
#   Dates for the wasm build: time.* builtins are provided by the host there and @open-policy-agent/opa-wasm has
#   none. In wasm every arithmetic operation goes through a decimal library (about 0.4 µs each), while comparing,
#   slicing or looking up strings costs about 20 times less. So a calendar date stays a "YYYY-MM-DD" string:
#   from 1970 through 9999 such strings sort in date order, and comparing two dates is comparing two strings.
#   Day numbers (days since 1970-01-01) are computed only where days must be counted.
package kouan.lib.dates

# is_date(s): s is a "YYYY-MM-DD" calendar date from 1970-01-01 through 9999-12-31.
is_date(s) if {
	_calendar_date(s)
	substring(s, 0, 4) >= "1970"
}

# No regex: in wasm each regex is compiled again in every evaluation that uses it (30-60 µs). Two-digit fields
# are range-checked as strings, which compare as numbers once they are known to be digits.
_calendar_date(s) if {
	count(s) == 10
	substring(s, 4, 1) == "-"
	substring(s, 7, 1) == "-"
	digits(concat("", [substring(s, 0, 4), substring(s, 5, 2), substring(s, 8, 2)]))
	_day_of_month(substring(s, 0, 4), substring(s, 5, 2), substring(s, 8, 2))
}

# digits(s): s is made of the characters 0-9 only (or is empty).
digits(s) if trim(s, "0123456789") == ""

# A day the month has: 01-28 in any month, 29-31 as the month has them (29 February in a leap year).
_day_of_month(year, month, day) if {
	day >= "01"
	day <= "28"
	month >= "01"
	month <= "12"
} else if {
	day >= "01"
	day <= _last_day[month]
} else if {
	month == "02"
	day == "29"
	leap_year(to_number(year))
}

# last_day(m): the last day, "DD", of the month m ("YYYY-MM").
last_day(m) := "29" if {
	substring(m, 5, 2) == "02"
	leap_year(to_number(substring(m, 0, 4)))
} else := _last_day[substring(m, 5, 2)]

_last_day := {
	"01": "31", "02": "28", "03": "31", "04": "30", "05": "31", "06": "30",
	"07": "31", "08": "31", "09": "30", "10": "31", "11": "30", "12": "31",
}

leap_year(y) if {
	y % 4 == 0
	y % 100 != 0
}

leap_year(y) if y % 400 == 0

# Days from 1 March to the first day of each month: H. Hinnant's civil calendar counts years from March, so
# that the leap day is the last day of the year.
_from_march := {
	"01": 306, "02": 337, "03": 0, "04": 31, "05": 61, "06": 92,
	"07": 122, "08": 153, "09": 184, "10": 214, "11": 245, "12": 275,
}

# day_number(s): the days from 1970-01-01 to the date s (negative before it), for a valid "YYYY-MM-DD".
day_number(s) := _days(to_number(substring(s, 0, 4)), substring(s, 5, 2), to_number(substring(s, 8, 2)))

# _days(year, month, day): the day number of a date from year 0 (year and day as numbers, month as "MM"). Counting
# years from 1 March puts the leap day at the end of the year: floor(1461 y / 4) counts every fourth year as a
# leap year, and the centuries correct it. From 1901 to 2099 the correction is constant, which saves operations.
_days(year, month, day) := ((floor((1461 * y) / 4) + _from_march[month]) + day) - 719484 if {
	y := year - _march_year_shift(month)
	y >= 1901
	y <= 2099
} else := ((((floor((1461 * y) / 4) - c) + floor(c / 4)) + _from_march[month]) + day) - 719469 if {
	y := year - _march_year_shift(month)
	c := floor(y / 100)
}

_march_year_shift(month) := 1 if month <= "02"

else := 0

# date_of(n): the "YYYY-MM-DD" date of day number n from 0000-03-01 on (years below 1000 zero-padded, from 10000 in
# full).
# Between 1900-03-01 and 2099-02-28 every fourth year from 1 March is a leap year, which saves half the operations.
date_of(n) := _civil(1900 + era_years, doy) if {
	n >= -25508
	n < 47176
	days := n + 25508
	era_years := floor(((4 * days) + 3) / 1461)
	doy := days - floor((1461 * era_years) / 4)
} else := _civil(yoe + (era * 400), doe - (((365 * yoe) + floor(yoe / 4)) - floor(yoe / 100))) if {
	n >= -719468 # (floor rounds towards zero below 0 in OPA's Go evaluator: keep to non-negative operands)
	z := n + 719468
	era := floor(z / 146097)
	doe := z - (era * 146097)
	yoe := floor((((doe - floor(doe / 1460)) + floor(doe / 36524)) - floor(doe / 146096)) / 365)
}

# The date of day doy (0 = 1 March) of the year from 1 March of year.
_civil(year, doy) := concat("-", [_pad4(year + month[2]), month[0], _pad2((doy - month[1]) + 1)]) if {
	month := _from_march_to_month[floor(((5 * doy) + 2) / 153)]
}

# Month of the year from 1 March (0 = March): [month, days from 1 March to its first day, year shift].
_from_march_to_month := [
	["03", 0, 0], ["04", 31, 0], ["05", 61, 0], ["06", 92, 0], ["07", 122, 0], ["08", 153, 0],
	["09", 184, 0], ["10", 214, 0], ["11", 245, 0], ["12", 275, 0], ["01", 306, 1], ["02", 337, 1],
]

_pad2(x) := concat("", ["0", format_int(x, 10)]) if x < 10

else := format_int(x, 10)

# Years before 1000 are zero-padded to four digits.
_pad4(x) := format_int(x, 10) if x >= 1000

else := substring(concat("", ["000", s]), count(s) - 1, 4) if s := format_int(x, 10)

# add_days(s, k): the date k days after the date s (before it when k < 0). Within the month, or to the next or
# the previous day across a month's end, it takes one or two additions; up to a year ahead it goes through the
# day of the year; further, through day numbers.
add_days(s, k) := concat("", [substring(s, 0, 8), _pad2(d)]) if {
	d := to_number(substring(s, 8, 2)) + k
	d >= 1
	d <= 28
} else := concat("", [substring(s, 0, 8), _pad2(d)]) if {
	d := to_number(substring(s, 8, 2)) + k
	d >= 1
	d <= _month_length(substring(s, 0, 4), substring(s, 5, 2))
} else := _previous_month_last(substring(s, 0, 4), substring(s, 5, 2)) if {
	k == -1
	substring(s, 8, 2) == "01"
} else := _ahead(year, (_month_starts(year)[substring(s, 5, 2)] + to_number(substring(s, 8, 2))) + k) if {
	k > 0
	k <= 365
	year := to_number(substring(s, 0, 4))
} else := date_of(day_number(s) + k)

# The day t of the year (1 = 1 January), or of the next one past its end.
_ahead(year, t) := _in_year(year, t) if t <= _year_length(year)

else := _in_year(year + 1, t - _year_length(year))

_in_year(year, t) := concat("-", [_pad4(year), month, _pad2(t - starts[month])]) if {
	starts := _month_starts(year)
	month := max({m | some m, before in starts; before < t})
}

_year_length(year) := 366 if leap_year(year)

else := 365

# Days of the year before the first of each month.
_month_starts(year) := _days_before_month_leap if leap_year(year)

else := _days_before_month

_days_before_month := {
	"01": 0, "02": 31, "03": 59, "04": 90, "05": 120, "06": 151,
	"07": 181, "08": 212, "09": 243, "10": 273, "11": 304, "12": 334,
}

_days_before_month_leap := {
	"01": 0, "02": 31, "03": 60, "04": 91, "05": 121, "06": 152,
	"07": 182, "08": 213, "09": 244, "10": 274, "11": 305, "12": 335,
}

_month_length(year, month) := 29 if {
	month == "02"
	leap_year(to_number(year))
} else := to_number(_last_day[month])

_previous_month_last(year, month) := concat("", [_pad4(to_number(year) - 1), "-12-31"]) if month == "01"

else := concat("-", [year, previous, format_int(_month_length(year, previous), 10)]) if {
	previous := _previous_month[month]
}

_previous_month := {
	"02": "01", "03": "02", "04": "03", "05": "04", "06": "05", "07": "06",
	"08": "07", "09": "08", "10": "09", "11": "10", "12": "11",
}

# add_years(s, k): the same calendar day k years later; 29 February becomes 28 February in a common year.
add_years(s, k) := concat("", [_pad4(y), "-02-28"]) if {
	substring(s, 5, 5) == "02-29"
	y := to_number(substring(s, 0, 4)) + k
	not leap_year(y)
} else := concat("", [_pad4(to_number(substring(s, 0, 4)) + k), substring(s, 4, 6)])
