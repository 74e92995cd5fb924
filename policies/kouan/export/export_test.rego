package kouan.export_test

import data.kouan.export

# The input of a case: its full input, or base_input with its patch merged in.
case_input(name) := cases[name].input

case_input(name) := object.union(base_input, cases[name].patch) if not cases[name].input

decision_of(name) := d if {
	d := export.decision with input as case_input(name)
}

deny_codes(d) := sort([r.code | some r in d.reasons; r.effect == "deny"])

warning_codes(d) := sort([w.code | some w in d.warnings])

# check(name) holds when the policy decides case `name` as the rules say it must.
check(name) if {
	c := cases[name]
	d := decision_of(name)
	d.path == c.expect.path
	d.allow == c.expect.allow
	deny_codes(d) == c.expect.codes
	warning_codes(d) == object.get(c.expect, "warnings", [])
	_names_problem(d, object.get(c.expect, "problem", null))
	well_formed(d)
}

_names_problem(_, null)

_names_problem(d, problem) if {
	some p in d.reasons[0].problems
	contains(p, problem)
}

# Every decision: a refusal carries a deny reason; every reason has a code, message, basis and effect.
well_formed(d) if {
	_refusal_explained(d)
	every r in d.reasons {
		regex.match(`^EXPORT_[A-Z0-9_]+$`, r.code)
		r.message != ""
		r.basis != ""
		r.effect in {"deny", "info"}
	}
	every w in d.warnings {
		regex.match(`^EXPORT_[A-Z0-9_]+$`, w.code)
		w.basis != ""
	}
}

# Row 0 is bad input for the engine and the command line (an input error, exit 2), not a decision.
_bad_input_flag(e) := {"bad_input": true} if e.codes == ["EXPORT_INPUT_INVALID"]

_bad_input_flag(e) := {} if e.codes != ["EXPORT_INPUT_INVALID"]

# The cases as replayable vectors (test/policy/vectors/export.json is generated from this; see docs/policy/export.md).
vectors := [v |
	some name in sort(object.keys(cases))
	not cases[name].schema_invalid
	v := {
		"name": name,
		"input": case_input(name),
		"expect": object.union({"warnings": []}, object.union(cases[name].expect, _bad_input_flag(cases[name].expect))),
	}
]

test_issue_example if check("issue_example")

test_row00_now_without_offset if check("row00_now_without_offset")

test_row00_unknown_grade if check("row00_unknown_grade")

test_row00_unknown_scenario if check("row00_unknown_scenario")

test_row00_sensitive_exceeds_subjects if check("row00_sensitive_exceeds_subjects")

test_row00_sensitive_kinds_without_sensitive_count if check("row00_sensitive_kinds_without_sensitive_count")

test_row00_sequencing_without_hgr_flag if check("row00_sequencing_without_hgr_flag")

test_row00_malformed_approval_date if check("row00_malformed_approval_date")

test_row00_cumulative_sensitive_exceeds_subjects_provisions_art_7_8 if check("row00_cumulative_sensitive_exceeds_subjects_provisions_art_7_8")

test_row14_cumulative_sensitive_equals_subjects_provisions_art_8 if check("row14_cumulative_sensitive_equals_subjects_provisions_art_8")

test_row00_sensitive_count_without_kinds_pipl_art_28 if check("row00_sensitive_count_without_kinds_pipl_art_28")

test_row00_sequencing_with_hgr_false_hgr_impl_rules_art_37 if check("row00_sequencing_with_hgr_false_hgr_impl_rules_art_37")

test_row00_pipia_dated_before_1970_pipl_art_55 if check("row00_pipia_dated_before_1970_pipl_art_55")

test_row00_assessment_issued_before_1970_provisions_art_9 if check("row00_assessment_issued_before_1970_provisions_art_9")

test_row00_contract_effective_before_1970_scc_measures_art_6 if check("row00_contract_effective_before_1970_scc_measures_art_6")

test_row00_now_after_9999_in_beijing if check("row00_now_after_9999_in_beijing")

test_row15_now_last_beijing_day_of_9999 if check("row15_now_last_beijing_day_of_9999")

test_row00_recipient_country_xx_is_not_iso_3166 if check("row00_recipient_country_xx_is_not_iso_3166")

test_row00_recipient_country_uk_is_not_iso_3166 if check("row00_recipient_country_uk_is_not_iso_3166")

test_row00_recipient_country_eu_is_not_iso_3166 if check("row00_recipient_country_eu_is_not_iso_3166")

test_row00_recipient_in_mainland_china_is_not_an_export_pipl_art_38 if check("row00_recipient_in_mainland_china_is_not_an_export_pipl_art_38")

test_row15_recipient_in_hong_kong_is_an_export_pipl_art_38 if check("row15_recipient_in_hong_kong_is_an_export_pipl_art_38")

test_row15_recipient_country_gb_is_iso_3166 if check("row15_recipient_country_gb_is_iso_3166")

test_row00_assessment_country_not_iso_3166_nor_group if check("row00_assessment_country_not_iso_3166_nor_group")

test_row01_judicial_without_prc_approval if check("row01_judicial_without_prc_approval")

test_row01_judicial_with_prc_approval if check("row01_judicial_with_prc_approval")

test_row02_restricted_recipient if check("row02_restricted_recipient")

test_row02_restricted_recipient_decides_before_core_data if check("row02_restricted_recipient_decides_before_core_data")

test_row02_restricted_recipient_on_listing_day_pipl_art_42 if check("row02_restricted_recipient_on_listing_day_pipl_art_42")

test_row02_restricted_recipient_before_listing_date_pipl_art_42 if check("row02_restricted_recipient_before_listing_date_pipl_art_42")

test_row02_restricted_recipient_listing_day_starts_in_beijing_pipl_art_42 if check("row02_restricted_recipient_listing_day_starts_in_beijing_pipl_art_42")

test_row03_core_data if check("row03_core_data")

test_row04_hgr_without_approval if check("row04_hgr_without_approval")

test_row04_hgr_approval_for_other_recipient if check("row04_hgr_approval_for_other_recipient")

test_row04_hgr_with_approval if check("row04_hgr_with_approval")

test_row05_export_controlled_without_licence if check("row05_export_controlled_without_licence")

test_row05_export_controlled_licence_for_other_recipient if check("row05_export_controlled_licence_for_other_recipient")

test_row05_export_controlled_with_licence if check("row05_export_controlled_with_licence")

test_row10_ftz_below_entry_threshold if check("row10_ftz_below_entry_threshold")

test_row10_ftz_domain_not_on_list if check("row10_ftz_domain_not_on_list")

test_row11_ftz_important_data_not_on_list_ndsr_art_37 if check("row11_ftz_important_data_not_on_list_ndsr_art_37")

test_row07_ftz_entry_threshold_reached if check("row07_ftz_entry_threshold_reached")

test_row07_ftz_entry_threshold_reached_with_assessment if check("row07_ftz_entry_threshold_reached_with_assessment")

test_row07_ftz_automobile_entry_any_category if check("row07_ftz_automobile_entry_any_category")

test_row07_ftz_ciio_skips_negative_list if check("row07_ftz_ciio_skips_negative_list")

test_row07_ftz_zone_without_list_uses_general_rows if check("row07_ftz_zone_without_list_uses_general_rows")

test_row08_trade_without_pi if check("row08_trade_without_pi")

test_row08_trade_scenario_with_pi_does_not_apply if check("row08_trade_scenario_with_pi_does_not_apply")

test_row06_transit_above_thresholds if check("row06_transit_above_thresholds")

test_row06_transit_without_pipia if check("row06_transit_without_pipia")

test_row06_transit_with_important_data if check("row06_transit_with_important_data")

test_row09_contract_with_individual if check("row09_contract_with_individual")

test_row09_hr_management if check("row09_hr_management")

test_row09_emergency if check("row09_emergency")

test_row09_scenario_with_important_data if check("row09_scenario_with_important_data")

test_row11_important_data_without_assessment if check("row11_important_data_without_assessment")

test_row12_ciio_one_person if check("row12_ciio_one_person")

test_row12_ciio_without_pi_is_row16 if check("row12_ciio_without_pi_is_row16")

test_row13_subjects_1000000 if check("row13_subjects_1000000")

test_row14_subjects_999999 if check("row14_subjects_999999")

test_row13_cumulative_plus_flow_1000000 if check("row13_cumulative_plus_flow_1000000")

test_row14_cumulative_plus_flow_999999 if check("row14_cumulative_plus_flow_999999")

test_row14_subjects_100000 if check("row14_subjects_100000")

test_row15_subjects_99999 if check("row15_subjects_99999")

test_row14_cumulative_plus_flow_100000 if check("row14_cumulative_plus_flow_100000")

test_row15_cumulative_plus_flow_99999 if check("row15_cumulative_plus_flow_99999")

test_row13_sensitive_10000 if check("row13_sensitive_10000")

test_row14_sensitive_9999 if check("row14_sensitive_9999")

test_row13_cumulative_plus_flow_sensitive_10000 if check("row13_cumulative_plus_flow_sensitive_10000")

test_row14_cumulative_plus_flow_sensitive_9999 if check("row14_cumulative_plus_flow_sensitive_9999")

test_row14_sensitive_1 if check("row14_sensitive_1")

test_row15_sensitive_0 if check("row15_sensitive_0")

test_row14_cumulative_sensitive_1_flow_0 if check("row14_cumulative_sensitive_1_flow_0")

test_row15_cumulative_sensitive_0_flow_0 if check("row15_cumulative_sensitive_0_flow_0")

test_row16_no_pi if check("row16_no_pi")

test_row16_no_pi_high_cumulative if check("row16_no_pi_high_cumulative")

test_row07_ftz_case_files_entry_without_scenario_provisions_art_6 if check("row07_ftz_case_files_entry_without_scenario_provisions_art_6")

test_row06_transit_prevails_over_ftz_entry_provisions_art_4 if check("row06_transit_prevails_over_ftz_entry_provisions_art_4")

test_row06_transit_prevails_over_ftz_entry_needs_pipia_provisions_art_4_pipl_art_55 if check("row06_transit_prevails_over_ftz_entry_needs_pipia_provisions_art_4_pipl_art_55")

test_row07_ftz_important_data_entry_prevails_over_contract_scenario_provisions_art_6 if check("row07_ftz_important_data_entry_prevails_over_contract_scenario_provisions_art_6")

test_row07_ftz_important_data_entry_prevails_over_emergency_provisions_art_6 if check("row07_ftz_important_data_entry_prevails_over_emergency_provisions_art_6")

test_row07_ftz_entry_with_inapplicable_scenario_warns_not_applicable_provisions_art_3 if check("row07_ftz_entry_with_inapplicable_scenario_warns_not_applicable_provisions_art_3")

test_row06_transit_below_ftz_entry_threshold_no_override_warning_provisions_art_4 if check("row06_transit_below_ftz_entry_threshold_no_override_warning_provisions_art_4")

# --- the shape of a decision ---------------------------------------------------------------

_refusal_explained(d) if d.allow

_refusal_explained(d) if {
	not d.allow
	count(deny_codes(d)) > 0
}

test_first_reason_explains_the_path if {
	d := decision_of("row14_subjects_100000")
	d.reasons[0] == {
		"code": "EXPORT_PI_VOLUME_CONTRACT",
		"message": "This year the exporter provides personal information of 100,000 to 999,999 persons, or sensitive personal information of 1 to 9,999 persons (this flow included).",
		"basis": "Provisions art. 8",
		"effect": "info",
	}
	d.reasons[1].code == "EXPORT_CONTRACT_OR_CERTIFICATION_MISSING"
}

test_path_is_a_public_rule if {
	export.path == "security_assessment" with input as case_input("row11_important_data_without_assessment")
}

test_no_matching_row_refuses if {
	d := export.decision with input as base_input with export.matched_rows as set()
	d.path == "forbidden"
	not d.allow
	deny_codes(d) == ["EXPORT_UNDECIDED"]
}

test_invalid_input_message_lists_the_problems if {
	d := export.decision with input as object.union(base_input, {"now": "soon", "data": {"grade": "secret"}})
	d.reasons[0].message == "The input is invalid: data.grade must be general, important or core; now must be an RFC 3339 date-time with a UTC offset."
}

test_thresholds_come_from_data if {
	export.path == "standard_contract_or_certification" with input as base_input
		with data.thresholds.pi_subjects_standard_contract as 1000
}

# --- free-trade-zone lists (mocked) -------------------------------------------------------------

_zone := {"zones": {"CN-XX-FTZ": {"name": "test zone"}}}

_entry(id, p) := {"id": id, "zone": "CN-XX-FTZ", "domain": "pharmaceutical", "categories": ["clinical_trial"], "path": p}

_in_test_zone := object.union(base_input, {"exporter": {"ftz": "CN-XX-FTZ"}})

test_strictest_matching_entry_decides if {
	d := export.decision with input as _in_test_zone
		with data.ftz_negative_lists as object.union(_zone, {"entries": [
			_entry("XX-1", "exempt"),
			_entry("XX-2", "standard_contract_or_certification"),
		]})
	d.path == "standard_contract_or_certification"
	d.reasons[0].code == "EXPORT_FTZ_LISTED"
	d.reasons[0].effect == "info"
	endswith(d.reasons[0].message, " Entries: XX-1, XX-2.")
}

test_entry_naming_forbidden_refuses if {
	d := export.decision with input as _in_test_zone
		with data.ftz_negative_lists as object.union(_zone, {"entries": [_entry("XX-1", "forbidden")]})
	d.path == "forbidden"
	deny_codes(d) == ["EXPORT_FTZ_LISTED"]
}

test_entry_naming_an_unknown_path_refuses if {
	export.path == "forbidden" with input as _in_test_zone
		with data.ftz_negative_lists as object.union(_zone, {"entries": [_entry("XX-1", "assessment")]})
}

# --- entries on personal information (row 10; mocked) --------------------------------------------

_pi_entry(id, p) := object.union(_entry(id, p), {"designates": "personal_information"})

_pi_entry_list := object.union(_zone, {"entries": [_pi_entry("XX-PI-1", "standard_contract_or_certification")]})

test_row10_ftz_pi_entry_names_the_path_provisions_art_6 if {
	d := export.decision with input as _in_test_zone with data.ftz_negative_lists as _pi_entry_list
	d.path == "standard_contract_or_certification"
	d.reasons[0].code == "EXPORT_FTZ_LISTED_PI"
	endswith(d.reasons[0].message, " Entries: XX-PI-1.")
}

test_row09_contract_scenario_prevails_over_ftz_pi_entry_provisions_art_5_1 if {
	d := export.decision with input as object.union(_in_test_zone, {"data": {"scenario": "contract_with_individual"}})
		with data.ftz_negative_lists as _pi_entry_list
	d.path == "exempt"
	d.allow
	d.reasons[0].code == "EXPORT_SCENARIO_CONTRACT_WITH_INDIVIDUAL"
	warning_codes(d) == ["EXPORT_SCENARIO_OVERRIDES_FTZ_ENTRY"]
	endswith(d.warnings[0].message, " Scenario: contract_with_individual. Entries: XX-PI-1.")
}

test_row07_entry_override_warning_names_scenario_and_entries_provisions_art_6 if {
	d := decision_of("row07_ftz_important_data_entry_prevails_over_emergency_provisions_art_6")
	endswith(d.warnings[0].message, " Scenario: emergency. Entries: BJ-ILLUS-PHARMA-01.")
	d.warnings[0].basis == "Provisions arts. 3, 5(1)-(3), 6; NDSR art. 37"
}

test_row10_pi_entry_without_scenario_no_override_warning_provisions_art_6 if {
	d := export.decision with input as _in_test_zone with data.ftz_negative_lists as _pi_entry_list
	warning_codes(d) == []
}

test_row09_hr_scenario_prevails_over_ftz_pi_entry_provisions_art_5_2 if {
	d := export.decision with input as object.union(_in_test_zone, {"data": {"scenario": "hr_management"}})
		with data.ftz_negative_lists as _pi_entry_list
	d.reasons[0].code == "EXPORT_SCENARIO_HR_MANAGEMENT"
}

test_row07_entry_without_designates_is_read_as_important_data_provisions_art_6 if {
	d := export.decision with input as object.union(_in_test_zone, {"data": {"scenario": "emergency"}})
		with data.ftz_negative_lists as object.union(_zone, {"entries": [_entry("XX-1", "security_assessment")]})
	d.path == "security_assessment"
	d.reasons[0].code == "EXPORT_FTZ_LISTED"
}

test_row07_important_data_entry_decides_over_pi_entry if {
	d := export.decision with input as _in_test_zone
		with data.ftz_negative_lists as object.union(_zone, {"entries": [
			_pi_entry("XX-PI-1", "forbidden"),
			_entry("XX-ID-1", "security_assessment"),
		]})
	d.path == "security_assessment"
	d.reasons[0].code == "EXPORT_FTZ_LISTED"
	endswith(d.reasons[0].message, " Entries: XX-ID-1.")
}

# --- restricted list replayed as it stood (PIPL art. 42; mocked list) ------------------------------

_listing(entry) := {"recipients": {"pharma-de": object.union({"name": "test listing", "list": "PIPL art. 42"}, entry)}}

test_row02_entry_without_from_applies_on_every_date_pipl_art_42 if {
	export.path == "forbidden" with input as base_input with data.restricted_recipients as _listing({})
}

test_row02_lifted_entry_applies_until_the_day_before_until_pipl_art_42 if {
	list := _listing({"from": "2026-01-01", "until": "2026-11-28"})
	export.path == "forbidden" with input as base_input with data.restricted_recipients as list
	d := export.decision with input as object.union(base_input, {"now": "2026-11-28T00:00:00+08:00"})
		with data.restricted_recipients as list
	d.path == "exempt"
}

test_row02_replay_before_listing_uses_the_list_as_it_stood_pipl_art_42 if {
	list := _listing({"from": "2026-11-28"})
	export.path == "exempt" with input as base_input with data.restricted_recipients as list
	export.path == "forbidden" with input as object.union(base_input, {"now": "2026-11-28T09:00:00+08:00"})
		with data.restricted_recipients as list
}

# --- citations and messages ---------------------------------------------------------------------

test_row11_important_data_of_ciio_cites_provisions_art_7_1 if {
	d := export.decision with input as object.union(base_input, {"exporter": {"ciio": true}, "data": {"grade": "important"}})
	d.reasons[0].code == "EXPORT_IMPORTANT_DATA"
	d.reasons[0].basis == "Provisions art. 7(1); NDSR art. 37"
}

test_row11_important_data_of_non_ciio_cites_provisions_art_7_2 if {
	d := decision_of("row11_important_data_without_assessment")
	d.reasons[0].code == "EXPORT_IMPORTANT_DATA"
	d.reasons[0].basis == "Provisions art. 7(2); NDSR art. 37"
}

test_row03_core_data_is_held_no_route_published_dsl_art_21_ndsr_art_63 if {
	d := decision_of("row03_core_data")
	d.path == "forbidden"
	not d.allow
	d.reasons[0].code == "EXPORT_CORE_DATA"
	contains(d.reasons[0].message, "not been published")
	contains(d.reasons[0].message, "held")
	not contains(d.reasons[0].message, "may not be exported")
	startswith(d.reasons[0].basis, "DSL art. 21; NDSR art. 63")
}

test_row05_licence_missing_cites_export_control_law_arts_2_12 if {
	d := decision_of("row05_export_controlled_without_licence")
	d.reasons[0].code == "EXPORT_LICENCE_MISSING"
	d.reasons[0].basis == "Export Control Law arts. 2, 12; DSL art. 25"
}

# --- explain: the decision table as the input met it ------------------------------------------------

explain_of(name) := e if {
	e := export.explain with input as case_input(name)
}

# For every case the policy decides: explain carries the same decision, its deciding row is the lowest matched row
# and gives the decision's first reason, exactly the rows that match have every condition holding, and the rows
# come in table order.
# One case per row and a few more (test/policy/explain.test.ts checks the same for every vector against the wasm;
# over every case here the test would take seconds under coverage, near opa test's timeout).
test_explain_agrees_with_the_decision_row00_sensitive_exceeds_subjects if _explain_agrees("row00_sensitive_exceeds_subjects", cases.row00_sensitive_exceeds_subjects)

test_explain_agrees_with_the_decision_row01_judicial_without_prc_approval if _explain_agrees("row01_judicial_without_prc_approval", cases.row01_judicial_without_prc_approval)

test_explain_agrees_with_the_decision_row02_restricted_recipient if _explain_agrees("row02_restricted_recipient", cases.row02_restricted_recipient)

test_explain_agrees_with_the_decision_row03_core_data if _explain_agrees("row03_core_data", cases.row03_core_data)

test_explain_agrees_with_the_decision_row04_hgr_without_approval if _explain_agrees("row04_hgr_without_approval", cases.row04_hgr_without_approval)

test_explain_agrees_with_the_decision_row05_export_controlled_without_licence if _explain_agrees("row05_export_controlled_without_licence", cases.row05_export_controlled_without_licence)

test_explain_agrees_with_the_decision_row06_transit_prevails_over_ftz_entry_provisions_art_4 if _explain_agrees("row06_transit_prevails_over_ftz_entry_provisions_art_4", cases.row06_transit_prevails_over_ftz_entry_provisions_art_4)

test_explain_agrees_with_the_decision_row07_ftz_important_data_entry_prevails_over_emergency_provisions_art_6 if _explain_agrees("row07_ftz_important_data_entry_prevails_over_emergency_provisions_art_6", cases.row07_ftz_important_data_entry_prevails_over_emergency_provisions_art_6)

test_explain_agrees_with_the_decision_row08_trade_without_pi if _explain_agrees("row08_trade_without_pi", cases.row08_trade_without_pi)

test_explain_agrees_with_the_decision_row09_hr_management if _explain_agrees("row09_hr_management", cases.row09_hr_management)

test_explain_agrees_with_the_decision_row10_ftz_domain_not_on_list if _explain_agrees("row10_ftz_domain_not_on_list", cases.row10_ftz_domain_not_on_list)

test_explain_agrees_with_the_decision_row11_ftz_important_data_not_on_list_ndsr_art_37 if _explain_agrees("row11_ftz_important_data_not_on_list_ndsr_art_37", cases.row11_ftz_important_data_not_on_list_ndsr_art_37)

test_explain_agrees_with_the_decision_row12_ciio_one_person if _explain_agrees("row12_ciio_one_person", cases.row12_ciio_one_person)

test_explain_agrees_with_the_decision_row13_sensitive_10000 if _explain_agrees("row13_sensitive_10000", cases.row13_sensitive_10000)

test_explain_agrees_with_the_decision_row14_subjects_100000 if _explain_agrees("row14_subjects_100000", cases.row14_subjects_100000)

test_explain_agrees_with_the_decision_row15_subjects_99999 if _explain_agrees("row15_subjects_99999", cases.row15_subjects_99999)

test_explain_agrees_with_the_decision_row16_no_pi if _explain_agrees("row16_no_pi", cases.row16_no_pi)

test_explain_agrees_with_the_decision_sa_expired_and_current_narrower if _explain_agrees("sa_expired_and_current_narrower", cases.sa_expired_and_current_narrower)

test_explain_agrees_with_the_decision_scc_band_covering_assessment_suffices_pipl_art_38_1_ndsr_art_35_1 if _explain_agrees("scc_band_covering_assessment_suffices_pipl_art_38_1_ndsr_art_35_1", cases.scc_band_covering_assessment_suffices_pipl_art_38_1_ndsr_art_35_1)

test_explain_agrees_with_the_decision_issue_example if _explain_agrees("issue_example", cases.issue_example)

_explain_agrees(_, c) if c.schema_invalid

_explain_agrees(name, c) if {
	not c.schema_invalid
	e := explain_of(name)
	d := e.decision
	deciding := [r | some r in e.rows; r.deciding]
	count(deciding) == 1
	deciding[0].code == d.reasons[0].code
	deciding[0].row == e.deciding_row
	e.deciding_row == min({r.row | some r in e.rows; r.matched})
	every r in e.rows {
		_matched_iff_all_hold(r)
	}
	[r.row | some r in e.rows] == sort([r.row | some r in e.rows])
}

test_explain_transit_over_ftz_entry_shows_the_outranked_row_provisions_art_4 if {
	e := explain_of("row06_transit_prevails_over_ftz_entry_provisions_art_4")
	e.deciding_row == 6
	some r7 in e.rows
	r7.row == 7
	r7.matched
	not r7.deciding
	some r8 in e.rows
	r8.row == 8
	not r8.matched
	{x.text | some x in r8.conditions; not x.holds} == {"the scenario claimed is trade_no_pi", "the flow carries no personal information"}
}

test_explain_volume_rows_show_the_totals_provisions_art_8 if {
	e := explain_of("row14_cumulative_plus_flow_100000")
	some r in e.rows
	r.row == 14
	r.deciding
	some x in r.conditions
	x.text == "this year's totals are in the standard-contract band (subjects 100000, sensitive 0)"
	x.holds
}

test_explain_without_a_matching_row_has_no_deciding_row if {
	e := export.explain with input as base_input with export.table as set()
	e.deciding_row == null
	e.rows == []
	e.decision.reasons[0].code == "EXPORT_UNDECIDED"
}

_matched_iff_all_hold(r) if {
	r.matched
	every x in r.conditions {
		x.holds
	}
}

_matched_iff_all_hold(r) if {
	not r.matched
	some x in r.conditions
	not x.holds
}

# --- contested reading: FTZ important data on no entry (export_readings.ftz_unlisted_important_data) ---------

# --- contested reading: the HGR sequencing threshold per year or per dataset (HGR Impl. Rules art. 37) ---------

test_hgr_sequencing_threshold_per_year_by_default_hgr_impl_rules_art_37 if check("hgr_cumulative_sequencing_501_without_review")

test_hgr_sequencing_threshold_per_dataset_reading_counts_the_flow_alone_hgr_impl_rules_art_37 if {
	d := decision_of("hgr_cumulative_sequencing_501_without_review") with data.export_readings.hgr_sequencing_threshold as "per_dataset"
	d.allow
	deny_codes(d) == []
}

test_hgr_sequencing_threshold_per_dataset_reading_still_reviews_a_large_flow_hgr_impl_rules_art_37 if {
	d := decision_of("hgr_sequencing_501_without_review") with data.export_readings.hgr_sequencing_threshold as "per_dataset"
	deny_codes(d) == ["EXPORT_HGR_SECURITY_REVIEW_MISSING"]
}

# --- contested reading: two assessments covering one flow together (NDSR art. 38) -------------------------------

_sa_trial := {"ref": "CAC-SA-A", "issued": "2025-01-01", "recipients": ["pharma-de"], "countries": ["DE"], "purposes": ["clinical-research"], "categories": ["clinical_trial"]}

_sa_labs := object.union(_sa_trial, {"ref": "CAC-SA-B", "categories": ["lab_tests"]})

_two_categories(assessments) := object.union(base_input, {"data": {"grade": "important", "categories": ["clinical_trial", "lab_tests"]}, "approvals": {"security_assessments": assessments}})

test_two_assessments_do_not_combine_by_default_ndsr_art_38 if {
	d := export.decision with input as _two_categories([_sa_trial, _sa_labs])
	not d.allow
	deny_codes(d) == ["EXPORT_ASSESSMENT_SCOPE_EXCEEDED"]
}

test_two_assessments_combine_under_the_reading_ndsr_art_38 if {
	d := export.decision with input as _two_categories([_sa_trial, _sa_labs])
		with data.export_readings.assessments_may_combine as true
	d.allow
	{o.ref | some o in d.obligations; o.type == "renew_security_assessment"} == {"CAC-SA-A", "CAC-SA-B"}
}

test_combined_assessments_each_cover_purpose_and_country_ndsr_art_38 if {
	d := export.decision with input as _two_categories([_sa_trial, object.union(_sa_labs, {"purposes": ["marketing"]})])
		with data.export_readings.assessments_may_combine as true
	not d.allow
	deny_codes(d) == ["EXPORT_ASSESSMENT_SCOPE_EXCEEDED"]
}

test_combined_assessments_expire_with_the_first_provisions_art_9 if {
	d := export.decision with input as _two_categories([_sa_trial, object.union(_sa_labs, {"expires": "2026-12-01"})])
		with data.export_readings.assessments_may_combine as true
	d.allow
	warning_codes(d) == ["EXPORT_ASSESSMENT_EXPIRING"]
	endswith(d.warnings[0].message, " Last valid day: 2026-12-01.")
}

test_single_covering_assessment_needs_no_combining_ndsr_art_38 if {
	both := object.union(_sa_trial, {"categories": ["clinical_trial", "lab_tests"]})
	d := export.decision with input as _two_categories([both, _sa_labs])
		with data.export_readings.assessments_may_combine as true
	d.allow
	{o.ref | some o in d.obligations} == {"CAC-SA-A"}
}

_unlisted_important := object.union_n([base_input, _bj, {"data": {"domain": "retail", "grade": "important"}}])

test_row11_ftz_unlisted_important_data_default_security_assessment_ndsr_art_37 if {
	d := export.decision with input as _unlisted_important
	d.path == "security_assessment"
	d.reasons[0].code == "EXPORT_IMPORTANT_DATA"
	warning_codes(d) == []
}

test_row11_ftz_unlisted_important_data_missing_reading_is_fail_closed_ndsr_art_37 if {
	d := export.decision with input as _unlisted_important with data.export_readings as {}
	d.path == "security_assessment"
}

test_row10_ftz_unlisted_important_data_exempt_reading_provisions_art_6 if {
	d := export.decision with input as _unlisted_important
		with data.export_readings.ftz_unlisted_important_data as "exempt"
	d.path == "exempt"
	d.allow
	d.reasons[0].code == "EXPORT_FTZ_UNLISTED"
	warning_codes(d) == ["EXPORT_FTZ_IMPORTANT_DATA_UNLISTED"]
}

test_row10_ftz_unlisted_general_data_exempt_under_either_reading_provisions_art_6 if {
	general := object.union(_unlisted_important, {"data": {"grade": "general"}})
	export.decision.reasons[0].code == "EXPORT_FTZ_UNLISTED" with input as general
	export.decision.reasons[0].code == "EXPORT_FTZ_UNLISTED" with input as general
		with data.export_readings.ftz_unlisted_important_data as "exempt"
}
