package kouan.lib.workdays_test

import data.kouan.lib.dates
import data.kouan.lib.workdays

test_statutory_holidays_are_not_working_days if {
	not workdays.working_day("2026-10-05") # National Day, Monday
	not workdays.working_day("2025-01-28") # Spring Festival eve, Tuesday
	not workdays.working_day("2026-11-28") # ordinary Saturday
	workdays.working_day("2026-11-27") # ordinary Friday
}

test_make_up_days_are_working_days if {
	workdays.working_day("2026-10-10") # Saturday
	workdays.working_day("2025-01-26") # Sunday
}

test_working_days_after_skips_a_holiday_week if {
	# 2026-09-30 .. 2026-10-20: Oct 8, 9, 10 (make-up Saturday), 12-16, 19, 20
	workdays.working_days_after("2026-09-30", "2026-10-20") == 10
	workdays.working_days_after("2026-09-29", "2026-10-20") == 11
	workdays.working_days_after("2026-10-20", "2026-10-20") == 0
	workdays.working_days_after("2026-10-21", "2026-10-20") == 0
}

# The counts agree with a day-by-day count over two years of the shipped calendar, windows of 1 to 200 days.
test_working_days_after_agrees_with_counting_day_by_day if {
	every a in ["2025-01-20", "2025-09-26", "2025-12-30", "2026-02-13", "2026-09-18", "2026-12-28"] {
		every n in [1, 2, 6, 7, 8, 13, 30, 61, 90, 200] {
			b := dates.add_days(a, n)
			workdays.working_days_after(a, b) == count([d | some i in numbers.range(1, n); d := dates.add_days(a, i); workdays.working_day(d)])
		}
	}
}

test_working_days_over_more_than_a_year if {
	# two years, beyond the 60 weeks of pattern written out
	workdays.working_days_after("2024-12-31", "2026-12-31") == count([d | some n in numbers.range(20089, 20818); d := dates.date_of(n); workdays.working_day(d)])
}

test_nth_working_day_after if {
	workdays.nth_working_day_after("2026-09-30", 10) == "2026-10-20"
	workdays.nth_working_day_after("2026-11-27", 1) == "2026-11-30"
	workdays.nth_working_day_after("2026-10-09", 1) == "2026-10-10" # make-up Saturday
	workdays.nth_working_day_after("2025-01-24", 3) == "2025-02-05" # Sunday make-up day, then Spring Festival
}

test_nth_working_day_after_agrees_with_the_count if {
	every a in ["2025-01-20", "2025-09-26", "2026-02-13", "2026-09-18", "2026-12-28"] {
		every k in [1, 5, 10, 11, 20] {
			d := workdays.nth_working_day_after(a, k)
			workdays.working_day(d)
			workdays.working_days_after(a, d) == k
		}
	}
}

test_holiday_data_can_be_replaced if {
	workdays.working_day("2026-10-05") with data.holidays as {"years": {}}
	not workdays.working_day("2026-11-30") with data.holidays as {"years": {"2026": {
		"days_off": ["2026-11-30"],
		"make_up_working_days": [],
	}}}
	workdays.working_days_after("2026-11-27", "2026-12-04") == 6 with data.holidays as {"years": {"2026": {
		"days_off": ["2026-11-30", "2026-11-31", "2026-12-05"],
		"make_up_working_days": ["2026-11-28", "2026-11-30"],
	}}}
}

test_calendar_covers_only_loaded_years if {
	workdays.calendar_covers("2027-06-01")
	not workdays.calendar_covers("2028-06-01")
}

test_working_days_at_most_agrees_with_the_count if {
	every a in ["2025-01-20", "2025-09-26", "2026-09-18", "2026-12-28"] {
		every n in [1, 7, 14, 30, 90, 200] {
			b := dates.add_days(a, n)
			w := workdays.working_days_after(a, b)
			every k in [0, w - 1, w, w + 1, 200] {
				expected := w <= k
				at_most(a, b, k) == expected
			}
		}
	}
	workdays.working_days_at_most("2026-11-27", "2026-11-27", 0)
	workdays.working_days_at_most("2026-11-28", "2026-11-27", 0)
}

at_most(a, b, k) if workdays.working_days_at_most(a, b, k)

else := false
