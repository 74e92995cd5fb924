package kouan.lib.dates_test

import data.kouan.lib.dates

test_day_number_of_known_dates if {
	dates.day_number("1970-01-01") == 0
	dates.day_number("1969-12-31") == -1
	dates.day_number("2000-03-01") == 11017
	dates.day_number("2026-11-27") == 20784
	dates.day_number("0001-01-01") == -719162
}

test_date_of_inverts_day_number if {
	every s in ["1970-01-01", "1969-12-29", "2000-02-29", "2024-02-29", "2026-01-09", "2026-12-31", "2100-02-28", "9999-12-31", "0001-01-01"] {
		dates.date_of(dates.day_number(s)) == s
	}
	dates.date_of(2932897) == "10000-01-01"
}

# Day numbers agree with OPA's own calendar (time.* builtins, which the wasm target lacks) over whole years.
test_day_numbers_agree_with_time_builtins if {
	every n in numbers.range(19358, 20819) {
		s := dates.date_of(n)
		time.parse_rfc3339_ns(concat("", [s, "T00:00:00Z"])) == (n * 86400) * 1000000000
		dates.day_number(s) == n
	}
}

test_is_date_accepts_calendar_dates_from_1970 if {
	every s in ["1970-01-01", "2024-02-29", "2000-02-29", "2026-04-30", "2026-12-31", "9999-12-31"] {
		dates.is_date(s)
	}
}

test_is_date_rejects_anything_else if {
	every s in ["1969-12-31", "2026-13-01", "2026-00-10", "2026-02-29", "2100-02-29", "2026-04-31", "2026-11-32", "2026-1-01", "26-11-27", "2026-11-27 ", 20261127] {
		not dates.is_date(s)
	}
}

test_leap_years if {
	dates.leap_year(2024)
	dates.leap_year(2000)
	not dates.leap_year(2100)
	not dates.leap_year(2026)
}

test_add_days_across_months_and_years if {
	dates.add_days("2026-11-27", 1) == "2026-11-28"
	dates.add_days("2026-11-30", 1) == "2026-12-01"
	dates.add_days("2026-12-31", 1) == "2027-01-01"
	dates.add_days("2026-03-01", -1) == "2026-02-28"
	dates.add_days("2024-03-01", -1) == "2024-02-29"
	dates.add_days("2026-11-27", 200) == "2027-06-15"
	dates.add_days("2026-11-27", 0) == "2026-11-27"
}

test_add_days_far_and_backwards_through_day_numbers if {
	dates.add_days("2026-03-01", -2) == "2026-02-27"
	dates.add_days("2026-11-27", 400) == "2028-01-01"
	dates.add_days("2024-01-01", -366) == "2022-12-31"
}

test_last_day_of_month if {
	dates.last_day("2024-02") == "29"
	dates.last_day("2026-02") == "28"
	dates.last_day("2026-04") == "30"
	dates.last_day("2026-12") == "31"
}

test_add_years_keeps_the_calendar_day if {
	dates.add_years("2023-11-27", 3) == "2026-11-27"
	dates.add_years("2024-02-29", 3) == "2027-02-28"
	dates.add_years("2024-02-29", 4) == "2028-02-29"
}

# RFC 3339: instant orders date-times as OPA's own parser does.
test_instant_and_epoch_seconds_agree_with_time_parse_rfc3339_ns if {
	every s in [
		"1970-01-01T00:00:00Z",
		"2025-06-01T08:00:00+08:00",
		"2024-02-29T23:59:59.5-01:30",
		"2000-03-01T00:00:00.000000001Z",
		"2000-02-29T12:00:00Z",
		"2100-02-28T12:00:00+14:00",
		"2038-01-19T03:14:08-00:00",
		"2262-04-11T23:47:16.854775807Z",
		"2025-06-01T03:00:00-05:00",
		"2025-12-31T23:30:00-23:59",
		"2025-01-01T00:30:00+23:59",
	] {
		ns := time.parse_rfc3339_ns(s)
		dates.instant(s) == concat("", ["0", time.format([ns, "UTC", "2006-01-02T15:04:05.000000000"])])
		dates.epoch_seconds(dates.instant(s)) == (ns - (ns % 1000000000)) / 1000000000
	}
}

test_instant_orders_fractions_offsets_and_years_beyond_9999 if {
	dates.instant("2025-06-01T08:00:00.5Z") > dates.instant("2025-06-01T08:00:00Z")
	dates.instant("2025-06-01T08:00:00.000000001Z") < dates.instant("2025-06-01T08:00:00.1Z")
	dates.instant("2025-06-01T16:00:00+08:00") == dates.instant("2025-06-01T08:00:00Z")
	dates.instant("0001-01-01T00:30:00+01:00") == "00000-12-31T23:30:00.000000000"
	dates.instant("9999-12-31T23:00:00-05:00") == "10000-01-01T04:00:00.000000000"
	dates.instant("9999-12-31T23:00:00-05:00") > dates.instant("9999-12-31T23:59:59.999999999Z")
	dates.instant("1999-12-31t23:59:59.123456789z") == dates.instant("1999-12-31T23:59:59.123456789Z")
	dates.epoch_seconds(dates.instant("0001-01-01T00:00:00Z")) == -62135596800
	dates.epoch_seconds(dates.instant("9999-12-31T23:59:59.999999999Z")) == 253402300799
}

test_instant_rejects_what_is_not_a_date_time if {
	every s in [
		"2025-06-01",
		"2025-06-01T08:00:00",
		"2025-06-01 08:00:00Z",
		"2025-13-01T00:00:00Z",
		"2025-00-10T00:00:00Z",
		"2023-02-29T00:00:00Z",
		"2100-02-29T00:00:00Z",
		"2025-04-31T00:00:00Z",
		"2025-06-01T24:00:00Z",
		"2025-06-01T08:60:00Z",
		"2025-06-01T08:00:60Z",
		"2025-06-01T08:00:00+24:00",
		"2025-06-01T08:00:00+08:60",
		"2025-06-01T08:00:00.Z",
		"2025-06-01T08:00:00.1234567890Z",
		"0000-01-01T00:00:00Z",
		20250601,
	] {
		not dates.instant(s)
	}
	dates.instant("2024-02-29T00:00:00Z")
}

test_beijing_date_uses_utc_plus_eight if {
	dates.beijing_date("2026-11-27T10:00:00+08:00") == "2026-11-27"
	dates.beijing_date("2026-11-26T16:00:00Z") == "2026-11-27"
	dates.beijing_date("2026-11-26T15:59:59.999Z") == "2026-11-26"
	dates.beijing_date("2026-12-31T16:00:00+00:00") == "2027-01-01"
	dates.beijing_date("2026-11-26T11:30:00-05:00") == "2026-11-27"
	dates.beijing_date("2026-11-27t00:00:00+08:00") == "2026-11-27"
}

# As the policy has always read `now`: offsets are not range-checked, and before 1970 the day rounds towards zero.
test_beijing_date_keeps_its_historical_reading if {
	dates.beijing_date("2026-11-27T10:00:00+99:99") == "2026-11-23"
	dates.beijing_date("2026-11-27T10:00:60+08:00") == "2026-11-27"
	dates.beijing_date("1970-01-01T00:00:00+09:00") == "1970-01-01"
	dates.beijing_date("1970-01-01T00:00:00+99:99") == "1969-12-29"
}

test_beijing_date_rejects_timestamps_without_offset_or_out_of_range if {
	not dates.beijing_date("2026-11-27T10:00:00")
	not dates.beijing_date("2026-11-27")
	not dates.beijing_date("2026-11-27T24:00:00+08:00")
	not dates.beijing_date("2026-11-27T10:60:00+08:00")
	not dates.beijing_date("2026-11-32T10:00:00+08:00")
	not dates.beijing_date("1969-12-31T10:00:00+08:00")
	not dates.beijing_date("9999-12-31T16:00:00Z")
}

test_instant_at_gives_the_instant_of_epoch_seconds if {
	dates.instant_at(0) == "01970-01-01T00:00:00.000000000"
	dates.instant_at(1748765100) == dates.instant("2025-06-01T08:05:00Z")
	dates.instant_at(951868799) == dates.instant("2000-02-29T23:59:59Z")
	dates.instant_at(253402300799) == dates.instant("9999-12-31T23:59:59Z")
	every s in [0, 59, 86399, 86400, 951782400, 1748765100, 4102444800] {
		dates.epoch_seconds(dates.instant_at(s)) == s
	}
}

test_instant_at_is_undefined_out_of_range_and_for_fractions if {
	not dates.instant_at(-1)
	not dates.instant_at(1.5)
	not dates.instant_at(253402300800)
}
