# METADATA
# title: Working days (Beijing calendar)
# description: |
#   A working day is Monday to Friday unless data.holidays lists it in days_off, or any day it lists in
#   make_up_working_days. Days are "YYYY-MM-DD" strings (kouan.lib.dates).
#   Nothing here loops over days: in wasm each arithmetic operation costs about 0.4 µs, so a span of days is
#   read from a string with one character per day ("1" Monday to Friday, "0" at the weekend), and only the
#   holidays that fall inside the span are looked at one by one.
package kouan.lib.workdays

import data.kouan.lib.dates

# calendar_covers(day) holds when data.holidays has a calendar for the year of day.
calendar_covers(day) if data.holidays.years[substring(day, 0, 4)]

working_day(day) if _make_up[day]

else if {
	_weekday_pattern(dates.day_number(day), 1) == "1"
	not _days_off[day]
}

_make_up contains s if {
	some year in data.holidays.years
	some s in year.make_up_working_days
}

_days_off contains s if {
	some year in data.holidays.years
	some s in year.days_off
}

# working_days_after(a, b) counts the working days d with a < d <= b (0 when b <= a): the weekdays of the span,
# minus its weekdays off, plus its make-up days at the weekend.
working_days_after(a, b) := (count(replace(weeks, "0", "")) - count(off)) + count(on) if {
	b > a
	start := dates.day_number(a)
	weeks := _weekday_pattern(start + 1, dates.day_number(b) - start)
	changes := _changes(a, b, start)
	off := [o | some [o, "0"] in changes; substring(weeks, o, 1) == "1"]
	on := [o | some [o, "1"] in changes; substring(weeks, o, 1) == "0"]
} else := 0

# nth_working_day_after(a, k) is the k-th working day after a (k >= 1), looked for in the 3k + 30 days after a.
nth_working_day_after(a, k) := dates.add_days(a, count(concat("1", array.slice(days, 0, k))) + 1) if {
	b := dates.add_days(a, (3 * k) + 30)
	start := dates.day_number(a)
	days := split(_calendar(a, b, start), "1")
	count(days) > k
}

# The days after a up to b, one character each: "1" for a working day, "0" for a day off. The weekday pattern
# with the holidays spliced in at their offsets.
_calendar(a, b, start) := concat("", array.concat(
	[concat("", [substring(weeks, from, o - from), c]) |
		some i, [o, c] in changes
		from := _after(changes, i)
	],
	[substring(weeks, _after(changes, count(changes)), -1)],
)) if {
	weeks := _weekday_pattern(start + 1, dates.day_number(b) - start)
	changes := _changes(a, b, start)
}

_after(changes, i) := changes[i - 1][0] + 1 if i > 0

else := 0

# The holidays d with a < d <= b, each as [offset, "0" for a day off or "1" for a make-up day], by offset. The
# offset of d is its day number - start - 1 (start is a's day number): its year's first day gives the day number
# of the rest of that year with one addition.
_changes(a, b, start) := sort({[(base[substring(s, 0, 4)][substring(s, 5, 2) > "02"] + _before_month[substring(s, 5, 2)]) + to_number(substring(s, 8, 2)), c] |
	some [s, c] in days
}) if {
	on := {s |
		some year in data.holidays.years
		some s in year.make_up_working_days
		s > a
		s <= b
		dates.is_date(s)
	}
	off := {s |
		some year in data.holidays.years
		some s in year.days_off
		s > a
		s <= b
		dates.is_date(s)
		not on[s]
	}
	days := {[s, "1"] | some s in on} | {[s, "0"] | some s in off}
	base := {y: {false: first, true: first + _leap_day(y)} |
		some y in {substring(s, 0, 4) | some [s, _] in days}
		first := (dates.day_number(concat("", [y, "-01-01"])) - start) - 2
	}
}

_leap_day(y) := 1 if dates.leap_year(to_number(y))

else := 0

# Days in a common year before the first of each month.
_before_month := {
	"01": 0, "02": 31, "03": 59, "04": 90, "05": 120, "06": 151,
	"07": 181, "08": 212, "09": 243, "10": 273, "11": 304, "12": 334,
}

# n days from day number first: "1" Monday to Friday, "0" Saturday and Sunday (day 0, 1970-01-01, was a Thursday).
_weekday_pattern(first, n) := substring(_weeks(n), (first + 3) % 7, n)

# At least n + 6 days of weeks from Monday: 60 weeks without arithmetic, or as many as needed.
_weeks(n) := replace(replace("0000000000", "0", "000000"), "0", "1111100") if n <= 414

else := concat("", ["1111100" | some _ in numbers.range(0, floor(n / 7) + 1)])
