# Export warnings
# Warnings that do not change the decision but that the caller or operator should act on.
package kouan.export

import data.kouan.lib.dates
import data.kouan.lib.workdays

# METADATA
# title: Important data exempted by a free-trade-zone list
# description: The data is graded important but matches no entry of the zone's negative list, so row 10 exempts it under the reading ftz_unlisted_important_data exempt; check the grading or the list.
# custom:
#   code: EXPORT_FTZ_IMPORTANT_DATA_UNLISTED
#   basis: Provisions art. 6; Provisions art. 2
_ftz_important_data_unlisted := _note(rego.metadata.rule())

warn contains _ftz_important_data_unlisted if {
	decided.reason.code == "EXPORT_FTZ_UNLISTED"
	input.data.grade == "important"
}

# METADATA
# title: Scenario does not apply
# description: The exemption scenario named in the input does not apply to this flow (it carries PI or important data the scenario excludes), so the general rows decided the path.
# custom:
#   code: EXPORT_SCENARIO_NOT_APPLICABLE
#   basis: Provisions arts. 3-5
_scenario_not_applicable := _note(rego.metadata.rule())

warn contains _scenario_not_applicable if {
	input.data.scenario != null
	decided.row > 6
	not _scenario_matched
}

# A scenario row (6, 8 or 9) matched, whether or not it decided.
_scenario_matched if {
	some r in matched_rows
	_scenario_row(r)
}

# Rows 6, 8 and 9 are the exemption scenarios, except row 6's rule for an approved judicial recipient.
_scenario_row(r) if {
	r.row in {6, 8, 9}
	r.reason.code != "EXPORT_JUDICIAL_RECIPIENT_APPROVED"
}

# METADATA
# title: A negative-list entry overrides the scenario
# description: The exemption scenario claimed would apply, but the data matches a free-trade-zone negative-list entry that designates important data, and such an entry prevails over the scenario; the entry decided the path.
# custom:
#   code: EXPORT_FTZ_ENTRY_OVERRIDES_SCENARIO
#   basis: Provisions arts. 3, 5(1)-(3), 6; NDSR art. 37
_ftz_entry_overrides_scenario := rego.metadata.rule()

warn contains object.union(_note(_ftz_entry_overrides_scenario), {"message": msg}) if {
	decided.reason.code == "EXPORT_FTZ_LISTED"
	_scenario_matched
	msg := concat("", [_ftz_entry_overrides_scenario.description, " Scenario: ", input.data.scenario, ". Entries: ", _entry_ids(ftz_important_matches), "."])
}

# METADATA
# title: The scenario overrides a negative-list entry
# description: The data matches a free-trade-zone negative-list entry, but the exemption scenario claimed prevails over it, so the entry's path does not apply.
# custom:
#   code: EXPORT_SCENARIO_OVERRIDES_FTZ_ENTRY
#   basis: Provisions arts. 3-6
_scenario_overrides_ftz_entry := rego.metadata.rule()

warn contains object.union(_note(_scenario_overrides_ftz_entry), {"message": msg}) if {
	_scenario_row(decided)
	count(ftz_matches) > 0
	msg := concat("", [_scenario_overrides_ftz_entry.description, " Scenario: ", input.data.scenario, ". Entries: ", _entry_ids(ftz_matches), "."])
}

_entry_ids(entries) := concat(", ", sort({e.id | some e in entries}))

# METADATA
# title: No holiday calendar for this year
# description: data.holidays has no calendar for the current year; working days are counted as Monday to Friday.
# custom:
#   code: EXPORT_HOLIDAY_CALENDAR_MISSING
#   basis: SCC Measures art. 7; Provisions art. 9 (working days)
_holiday_calendar_missing := _note(rego.metadata.rule())

warn contains _holiday_calendar_missing if {
	day := today
	not workdays.calendar_covers(day)
}

# METADATA
# title: Deadline on a provisional holiday calendar
# description: A deadline of this decision falls in a year whose holiday calendar in data.holidays is provisional (estimated until the State Council publishes its notice), so the working days counted towards it may move; check it again when the notice is published.
# custom:
#   code: EXPORT_DEADLINE_PROVISIONAL_CALENDAR
#   basis: SCC Measures art. 7; Provisions art. 9 (working days); State Council holiday notice
_deadline_provisional_calendar := rego.metadata.rule()

warn contains object.union(_note(_deadline_provisional_calendar), {"message": msg}) if {
	provisional := {d | some d in _deadlines; workdays.provisional(d)}
	count(provisional) > 0
	msg := concat("", [_deadline_provisional_calendar.description, " Deadlines: ", concat(", ", sort(provisional)), "."])
}

# The deadlines a decision rests on, where working days are counted towards them: the filing due date of a standard
# contract; the last valid day of the assessment the flow relies on, while it is within the 200 days the expiry
# warning counts working days over (its extension is applied for in the 60 working days before); and today when a
# filing was found overdue by counting working days.
_deadlines contains o.due if {
	some o in obligation
	o.type == "file_standard_contract"
}

_deadlines contains _route_expiry if {
	_relies_on_assessment
	_route_expiry <= dates.add_days(today, 200)
}

_deadlines contains today if _contract_filing_overdue in deny
