# METADATA
# title: Working days (Beijing calendar)
# description: |
#   A working day is Monday to Friday unless data.holidays lists it in days_off, or any day it lists in
#   make_up_working_days. Days are "YYYY-MM-DD" strings (kouan.lib.dates); entries that are not valid dates are
#   ignored. Nothing here steps through days one by one (in wasm each arithmetic operation costs about 0.4 µs):
#   the weekdays of a span are read from a string with one character per day ("1" Monday to Friday, "0" at the
#   weekend), and only the holidays listed inside the span are looked at, each placed by its offset in the span.
package kouan.lib.workdays

import data.kouan.lib.dates

# calendar_covers(day) holds when data.holidays has a calendar for the year of day.
calendar_covers(day) if data.holidays.years[substring(day, 0, 4)]

# Whether the calendar of the day's year is provisional (an estimate until the State Council notice is published).
provisional(day) if data.holidays.years[substring(day, 0, 4)].status == "provisional"

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

# working_days_after(a, b) counts the working days d with a < d <= b (0 when b <= a).
working_days_after(a, b) := _count(span, on, off) if {
	b > a
	span := _span(a, b)
	[on, off] := _listed(a, b)
} else := 0

# working_days_at_most(a, b, k): there are at most k working days d with a < d <= b. Decided from the weekdays of
# the span alone when all its listed make-up days, or all its listed days off, could not change the answer.
working_days_at_most(a, b, k) if {
	b > a
	span := _span(a, b)
	[on, off] := _listed(a, b)
	_at_most(span, on, off, k)
} else if b <= a

_at_most(span, on, off, k) if span.weekdays + count(on) <= k

else if {
	span.weekdays - count(off) <= k
	_count(span, on, off) <= k
}

# nth_working_day_after(a, k) is the k-th working day after a (k >= 1), looked for in the 3k + 30 days after a.
nth_working_day_after(a, k) := dates.add_days(a, nth(calendar(a, (3 * k) + 30), k))

# calendar(a, n): the n days after a, one character each: "1" for a working day, "0" for a day off. The weekday
# pattern, with the listed holidays spliced in at their offsets.
calendar(a, n) := concat("", array.concat(
	[concat("", [substring(span.weeks, from, o - from), kind]) |
		some i, [o, kind] in changes
		from := _after(changes, i)
	],
	[substring(span.weeks, _after(changes, count(changes)), -1)],
)) if {
	b := dates.add_days(a, n)
	span := _days_after(a, n)
	[on, off] := _listed(a, b)
	at := _offsets(on | off, span.start)
	changes := [[at[s], _day_kind(on, s)] | some s in sort(object.keys(at))] # dates sort as strings
}

# nth(calendar, k): how many days after the calendar's start its k-th working day falls (1 for its first day);
# undefined when it has fewer. Split at the working days, the k parts before the k-th hold its position.
nth(calendar, k) := count(concat("1", array.slice(parts, 0, k))) + 1 if {
	parts := split(calendar, "1")
	count(parts) > k
}

_day_kind(on, s) := "1" if on[s]

else := "0"

# The offset just after the i-th change (0 before the first).
_after(changes, i) := changes[i - 1][0] + 1 if i > 0

else := 0

# The days after a up to b: a's day number, the weekday pattern and its number of weekdays.
_span(a, b) := _days_after(a, dates.day_number(b) - dates.day_number(a))

_days_after(a, n) := {"start": start, "weeks": weeks, "weekdays": count(replace(weeks, "0", ""))} if {
	start := dates.day_number(a)
	weeks := _weekday_pattern(start + 1, n)
}

# The days d with a < d <= b listed as [make-up days, days off that are not also make-up days], as listed.
_listed(a, b) := [on, off] if {
	on := {s |
		some year in data.holidays.years
		some s in year.make_up_working_days
		s > a
		s <= b
	}
	off := {s |
		some year in data.holidays.years
		some s in year.days_off
		s > a
		s <= b
		not on[s]
	}
}

# The weekdays of the span, minus the days off among them, plus the make-up days at the weekend.
_count(span, on, off) := (span.weekdays - count(weekdays_off)) + count(weekend_make_ups) if {
	at := _offsets(on | off, span.start)
	weekdays_off := {s | some s in off; substring(span.weeks, at[s], 1) == "1"}
	weekend_make_ups := {s | some s in on; substring(span.weeks, at[s], 1) == "0"}
}

# {day: offset in the span} for the valid dates among days; the offset of d is its day number - start - 1, which
# the first day of d's month gives with one addition (the months are few, the days many).
_offsets(days, start) := {s: o |
	some s in days
	count(s) == 10
	month := substring(s, 0, 7)
	substring(s, 7, 1) == "-"
	day := substring(s, 8, 2)
	dates.digits(day)
	day >= "01"
	day <= last[month]
	o := base[month] + to_number(day)
} if {
	months := {m | some s in days; m := substring(s, 0, 7); dates.is_date(concat("", [m, "-01"]))}
	base := {m: n | some m in months; n := (dates.day_number(concat("", [m, "-01"])) - start) - 2}
	last := {m: dates.last_day(m) | some m in months}
}

# n days from day number first: "1" Monday to Friday, "0" Saturday and Sunday (day 0, 1970-01-01, was a Thursday).
_weekday_pattern(first, n) := substring(_weeks(n), (first + 3) % 7, n)

# Weeks from a Monday, at least n + 6 days: 60 of them written out, or as many as needed.
_weeks(n) := concat("", [
	"11111001111100111110011111001111100111110011111001111100111110011111001111100111110011111001111100",
	"11111001111100111110011111001111100111110011111001111100111110011111001111100111110011111001111100",
	"11111001111100111110011111001111100111110011111001111100111110011111001111100111110011111001111100",
	"11111001111100111110011111001111100111110011111001111100111110011111001111100111110011111001111100",
	"1111100111110011111001111100",
]) if n <= 414

else := concat("", ["1111100" | some _ in numbers.range(0, floor(n / 7) + 1)])
