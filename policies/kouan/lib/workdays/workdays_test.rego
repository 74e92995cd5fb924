package kouan.lib.workdays_test

import data.kouan.lib.workdays

test_day_number_of_known_dates if {
	workdays.day_number("1970-01-01") == 0
	workdays.day_number("2000-03-01") == 11017
	workdays.day_number("2026-11-27") == 20784
}

test_day_number_round_trips_through_date_string if {
	every s in ["1970-01-01", "2024-02-29", "2026-01-09", "2026-12-31", "2027-10-10", "2100-02-28"] {
		workdays.date_string(workdays.day_number(s)) == s
	}
}

test_day_number_rejects_malformed_dates if {
	every s in ["2026-13-01", "2026-00-10", "2026-02-29", "2026-04-31", "2026-1-01", "1969-12-31", "26-11-27", 20261127] {
		not workdays.day_number(s)
	}
}

test_leap_years if {
	workdays.leap_year(2024)
	workdays.leap_year(2000)
	not workdays.leap_year(2100)
	not workdays.leap_year(2026)
	workdays.day_number("2024-02-29") == workdays.day_number("2024-03-01") - 1
}

test_weekday_of_known_dates if {
	workdays.weekday(workdays.day_number("2026-11-27")) == 5 # Friday
	workdays.weekday(workdays.day_number("2026-11-29")) == 0 # Sunday
	workdays.weekday(workdays.day_number("2026-10-10")) == 6 # Saturday
}

test_add_years_keeps_the_calendar_day if {
	workdays.date_string(workdays.add_years(workdays.day_number("2023-11-27"), 3)) == "2026-11-27"
	workdays.date_string(workdays.add_years(workdays.day_number("2024-02-29"), 3)) == "2027-02-28"
	workdays.date_string(workdays.add_years(workdays.day_number("2024-02-29"), 4)) == "2028-02-29"
}

test_beijing_day_uses_utc_plus_eight if {
	workdays.date_string(workdays.beijing_day("2026-11-27T10:00:00+08:00")) == "2026-11-27"
	workdays.date_string(workdays.beijing_day("2026-11-26T16:00:00Z")) == "2026-11-27"
	workdays.date_string(workdays.beijing_day("2026-11-26T15:59:59.999Z")) == "2026-11-26"
	workdays.date_string(workdays.beijing_day("2026-11-26T11:30:00-05:00")) == "2026-11-27"
	workdays.date_string(workdays.beijing_day("2026-11-27t00:00:00+08:00")) == "2026-11-27"
}

test_beijing_day_rejects_timestamps_without_offset_or_out_of_range if {
	not workdays.beijing_day("2026-11-27T10:00:00")
	not workdays.beijing_day("2026-11-27")
	not workdays.beijing_day("2026-11-27T24:00:00+08:00")
	not workdays.beijing_day("2026-11-27T10:60:00+08:00")
	not workdays.beijing_day("2026-11-32T10:00:00+08:00")
}

test_statutory_holidays_are_not_working_days if {
	not workdays.working_day(workdays.day_number("2026-10-05")) # National Day, Monday
	not workdays.working_day(workdays.day_number("2025-01-28")) # Spring Festival eve, Tuesday
	not workdays.working_day(workdays.day_number("2026-11-28")) # ordinary Saturday
	workdays.working_day(workdays.day_number("2026-11-27")) # ordinary Friday
}

test_make_up_days_are_working_days if {
	workdays.working_day(workdays.day_number("2026-10-10")) # Saturday
	workdays.working_day(workdays.day_number("2025-01-26")) # Sunday
}

test_working_days_after_skips_a_holiday_week if {
	# 2026-09-30 .. 2026-10-20: Oct 8, 9, 10 (make-up Saturday), 12-16, 19, 20
	workdays.working_days_after(workdays.day_number("2026-09-30"), workdays.day_number("2026-10-20")) == 10
	workdays.working_days_after(workdays.day_number("2026-09-29"), workdays.day_number("2026-10-20")) == 11
	workdays.working_days_after(workdays.day_number("2026-10-20"), workdays.day_number("2026-10-20")) == 0
	workdays.working_days_after(workdays.day_number("2026-10-21"), workdays.day_number("2026-10-20")) == 0
}

test_nth_working_day_after if {
	workdays.date_string(workdays.nth_working_day_after(workdays.day_number("2026-09-30"), 10)) == "2026-10-20"
	workdays.date_string(workdays.nth_working_day_after(workdays.day_number("2026-11-27"), 1)) == "2026-11-30"
}

test_holiday_data_can_be_replaced if {
	workdays.working_day(workdays.day_number("2026-10-05")) with data.holidays as {"years": {}}
	not workdays.working_day(workdays.day_number("2026-11-30")) with data.holidays as {"years": {"2026": {
		"days_off": ["2026-11-30"],
		"make_up_working_days": [],
	}}}
}

test_calendar_covers_only_loaded_years if {
	workdays.calendar_covers(workdays.day_number("2027-06-01"))
	not workdays.calendar_covers(workdays.day_number("2028-06-01"))
}
