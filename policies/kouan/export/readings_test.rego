# Contested readings as policy data (data.export_readings): each switch in both settings, the article in the name.
package kouan.export_test

import data.kouan.export

# --- FTZ entries: what an entry without `designates` designates (Provisions art. 6; NDSR art. 37) ---------------

_undeclared_entry_list := object.union(_zone, {"entries": [_entry("XX-1", "security_assessment")]})

_emergency_in_zone := object.union(_in_test_zone, {"data": {"scenario": "emergency"}})

test_row07_entry_without_designates_default_important_data_ndsr_art_37 if {
	d := export.decision with input as _emergency_in_zone with data.ftz_negative_lists as _undeclared_entry_list
		with data.export_readings as {}
	d.reasons[0].code == "EXPORT_FTZ_LISTED"
	warning_codes(d) == ["EXPORT_FTZ_ENTRY_OVERRIDES_SCENARIO"]
}

test_row09_entry_without_designates_read_as_pi_yields_to_scenario_provisions_art_5_3 if {
	d := export.decision with input as _emergency_in_zone with data.ftz_negative_lists as _undeclared_entry_list
		with data.export_readings.ftz_entry_designates as "personal_information"
	d.path == "exempt"
	d.reasons[0].code == "EXPORT_SCENARIO_EMERGENCY"
	warning_codes(d) == ["EXPORT_SCENARIO_OVERRIDES_FTZ_ENTRY"]
}

test_row07_entry_saying_important_data_ignores_the_reading_provisions_art_6 if {
	list := object.union(_zone, {"entries": [object.union(_entry("XX-1", "security_assessment"), {"designates": "important_data"})]})
	d := export.decision with input as _emergency_in_zone with data.ftz_negative_lists as list
		with data.export_readings.ftz_entry_designates as "personal_information"
	d.reasons[0].code == "EXPORT_FTZ_LISTED"
}

# --- FTZ entry thresholds: all PI of the year or the entry's categories (Provisions art. 6) -----------------------

# 5,000 persons in this flow (clinical_trial), 96,000 before this year, of which 1,000 in the entry's categories.
_bj_threshold(by_category) := object.union_n([base_input, _bj, _pi(5000, 0), {"cumulative": object.union(
	{"subjects": 96000, "sensitive_subjects": 0},
	by_category,
)}])

_by_category := {"category_subjects": {"case_files": 1000, "retail_orders": 90000}}

test_row07_ftz_threshold_counts_all_pi_of_the_year_by_default_provisions_art_6 if {
	d := export.decision with input as _bj_threshold(_by_category)
	d.reasons[0].code == "EXPORT_FTZ_LISTED"
	d.path == "security_assessment"
}

test_row10_ftz_threshold_counts_entry_categories_under_the_reading_provisions_art_6 if {
	d := export.decision with input as _bj_threshold(_by_category)
		with data.export_readings.ftz_threshold_counts as "entry_categories"
	d.reasons[0].code == "EXPORT_FTZ_UNLISTED"
	d.path == "exempt"
	export.ftz_threshold_count(data.ftz_negative_lists.entries[0]) == 6000 with input as _bj_threshold(_by_category)
		with data.export_readings.ftz_threshold_counts as "entry_categories"
}

test_row07_ftz_entry_categories_reading_still_reaches_the_threshold_provisions_art_6 if {
	d := export.decision with input as _bj_threshold({"category_subjects": {"case_files": 60000, "lab_tests": 40000}})
		with data.export_readings.ftz_threshold_counts as "entry_categories"
	d.reasons[0].code == "EXPORT_FTZ_LISTED"
}

test_row07_ftz_entry_categories_reading_without_counts_falls_back_to_the_year_provisions_art_6 if {
	d := export.decision with input as _bj_threshold({})
		with data.export_readings.ftz_threshold_counts as "entry_categories"
	d.reasons[0].code == "EXPORT_FTZ_LISTED"
}

test_row00_category_subjects_above_cumulative_subjects_is_bad_input if {
	d := export.decision with input as _bj_threshold({"category_subjects": {"case_files": 96001}})
	d.reasons[0].problems == ["cumulative.category_subjects.case_files must be a non-negative integer not above cumulative.subjects"]
}

test_row07_ftz_threshold_all_pi_of_year_vector_provisions_art_6 if check("row07_ftz_threshold_counts_all_pi_of_year_provisions_art_6")

test_row00_category_subjects_above_cumulative_vector if check("row00_category_subjects_above_cumulative_subjects")

# --- volume bands per exporter or per PI type (Provisions arts. 5(4), 7(2), 8) ------------------------------------

test_row14_bands_per_exporter_by_default_non_sensitive_flow_after_sensitive_provisions_art_8 if {
	check("row14_cumulative_sensitive_1_flow_0")
	d := decision_of("row14_cumulative_sensitive_1_flow_0") with data.export_readings as {}
	d.reasons[0].code == "EXPORT_PI_VOLUME_CONTRACT"
}

test_row15_bands_per_type_non_sensitive_flow_after_sensitive_exempt_provisions_art_5_4 if {
	d := decision_of("row14_cumulative_sensitive_1_flow_0") with data.export_readings.pi_bands as "per_type"
	d.path == "exempt"
	d.allow
	d.reasons[0].code == "EXPORT_PI_VOLUME_EXEMPT"
}

test_row13_bands_per_type_non_sensitive_flow_not_placed_by_sensitive_count_provisions_art_7_2 if {
	d := export.decision with input as object.union(base_input, _cumulative(20000, 20000))
		with data.export_readings.pi_bands as "per_type"
	d.reasons[0].code == "EXPORT_PI_VOLUME_EXEMPT"
	export.decision.reasons[0].code == "EXPORT_PI_VOLUME_ASSESSMENT" with input as object.union(base_input, _cumulative(20000, 20000))
}

test_row13_bands_per_type_sensitive_flow_still_counts_the_year_provisions_art_7_2 if {
	d := decision_of("row13_cumulative_plus_flow_sensitive_10000") with data.export_readings.pi_bands as "per_type"
	d.reasons[0].code == "EXPORT_PI_VOLUME_ASSESSMENT"
}

test_row14_bands_per_type_subjects_count_every_person_provisions_art_8 if {
	d := decision_of("row14_cumulative_plus_flow_100000") with data.export_readings.pi_bands as "per_type"
	d.reasons[0].code == "EXPORT_PI_VOLUME_CONTRACT"
}

# --- the last day of a validity period and assessments under the former 2-year rule (Provisions art. 9) ------------

test_sa_validity_ends_the_day_before_the_anniversary_by_default_provisions_art_9 if {
	check("sa_issued_3y_minus_1d")
	check("sa_issued_exactly_3y")
	export.assessment_expiry({"issued": "2024-04-01"}) == "2027-03-31" with data.export_readings as {}
}

test_sa_validity_ends_on_the_anniversary_under_the_reading_civil_code_art_202 if {
	d := decision_of("sa_issued_exactly_3y") with data.export_readings.validity_last_day as "anniversary"
	d.allow
	d.obligations[0].due == "2027-04-01"
	not export.allow with input as case_input("sa_issued_3y_plus_1d") with data.export_readings.validity_last_day as "anniversary"
}

test_certification_validity_ends_the_day_before_the_anniversary_by_default_pi_certification_measures if {
	check("scc_certification_exactly_3y")
	check("scc_certification_3y_minus_1d")
	export.allow with input as case_input("scc_certification_exactly_3y") with data.export_readings.validity_last_day as "anniversary"
}

test_sa_issued_before_2024_03_22_valid_2_years_by_default_security_assessment_measures_art_14 if {
	check("sa_issued_before_2024_03_22_valid_2_years_security_assessment_measures_art_14")
	export.assessment_expiry({"issued": "2024-03-21"}) == "2026-03-20"
	export.assessment_expiry({"issued": "2024-03-22"}) == "2027-03-21"
}

test_sa_issued_before_2024_03_22_valid_3_years_under_the_reading_provisions_art_9 if {
	d := decision_of("sa_issued_before_2024_03_22_valid_2_years_security_assessment_measures_art_14")
		with data.export_readings.pre_2024_assessments as "three_years"
	d.allow
	d.obligations[0].due == "2027-02-28"
}

test_sa_extension_on_record_replaces_the_period_provisions_art_9 if {
	check("sa_extension_on_record_provisions_art_9")
	check("sa_extension_without_ref_not_on_record_provisions_art_9")
	d := decision_of("sa_extension_on_record_provisions_art_9")
	d.obligations[0].due == "2028-05-31"
}

test_sa_extension_is_capped_at_3_years_provisions_art_9 if {
	a := {"issued": "2023-06-01", "extension_ref": "CAC-SA-EXT-1", "extended_until": "2030-01-01"}
	export.assessment_expiry(a) == "2028-05-31"
	export.assessment_expiry(object.union(a, {"extended_until": "2025-01-01"})) == "2025-05-31"
}

test_sa_explicit_expiry_shortens_the_period_provisions_art_9 if {
	export.assessment_expiry({"issued": "2025-01-01", "expires": "2026-08-25"}) == "2026-08-25"
	export.assessment_expiry({"issued": "2025-01-01", "expires": "2029-01-01"}) == "2027-12-31"
}

# --- restricted-list entries: measure and scope (PIPL art. 42; mocked list) ---------------------------------------

_restrict := {"measure": "restrict", "permits": {"purposes": ["clinical-research"], "categories": ["clinical_trial"]}}

test_row02_entry_without_measure_or_scope_prohibits_all_data_pipl_art_42 if {
	d := export.decision with input as object.union(base_input, _no_pi) with data.restricted_recipients as _listing({})
	d.reasons[0].code == "EXPORT_RESTRICTED_RECIPIENT"
}

test_row02_pi_scope_entry_does_not_bar_a_flow_without_pi_pipl_art_42 if {
	list := _listing({"scope": "personal_information"})
	d := export.decision with input as object.union(base_input, _no_pi) with data.restricted_recipients as list
	d.path == "exempt"
	d.reasons[0].code == "EXPORT_NO_PI"
	export.decision.reasons[0].code == "EXPORT_RESTRICTED_RECIPIENT" with input as base_input with data.restricted_recipients as list
}

test_row02_restrict_measure_bars_every_flow_by_default_pipl_art_42 if {
	d := export.decision with input as base_input with data.restricted_recipients as _listing(_restrict)
		with data.export_readings as {}
	d.reasons[0].code == "EXPORT_RESTRICTED_RECIPIENT"
}

test_row02_restrict_measure_under_permits_reading_lets_a_permitted_flow_through_pipl_art_42 if {
	d := export.decision with input as base_input with data.restricted_recipients as _listing(_restrict)
		with data.export_readings.restricted_list_restrict as "permits"
	d.path == "exempt"
	d.allow
}

test_row02_restrict_measure_under_permits_reading_bars_what_it_does_not_permit_pipl_art_42 if {
	outside := object.union(base_input, {"data": {"categories": ["clinical_trial", "lab_tests"]}})
	d := export.decision with input as outside with data.restricted_recipients as _listing(_restrict)
		with data.export_readings.restricted_list_restrict as "permits"
	d.reasons[0].code == "EXPORT_RESTRICTED_RECIPIENT"
	marketing := object.union(base_input, {"data": {"purpose": "marketing"}})
	export.path == "forbidden" with input as marketing with data.restricted_recipients as _listing(_restrict)
		with data.export_readings.restricted_list_restrict as "permits"
	export.path == "forbidden" with input as base_input with data.restricted_recipients as _listing({"measure": "restrict"})
		with data.export_readings.restricted_list_restrict as "permits"
}

test_row02_prohibit_measure_ignores_permits_pipl_art_42 if {
	export.path == "forbidden" with input as base_input
		with data.restricted_recipients as _listing(object.union(_restrict, {"measure": "prohibit"}))
		with data.export_readings.restricted_list_restrict as "permits"
}

test_row02_explain_names_the_unmet_scope_condition_pipl_art_42 if {
	e := export.explain with input as object.union(base_input, _no_pi)
		with data.restricted_recipients as _listing({"scope": "personal_information"})
	some r in e.rows
	r.row == 2
	not r.matched
	{x.text | some x in r.conditions; not x.holds} == {"the entry's scope covers this flow (all data, or personal information and the flow carries it)"}
}

# --- a judicial recipient with PRC approval above the bands: add or replace (DSL art. 36; PIPL art. 41) -----------

_judicial_approved := case_input("row14_judicial_with_prc_approval_above_bands_pipl_art_41")

test_row14_judicial_prc_approval_adds_to_the_bands_by_default_pipl_art_41 if {
	check("row14_judicial_with_prc_approval_above_bands_pipl_art_41")
	export.decision.path == "standard_contract_or_certification" with input as _judicial_approved with data.export_readings as {}
}

test_row06_judicial_prc_approval_replaces_the_bands_under_the_reading_pipl_art_41 if {
	d := export.decision with input as _judicial_approved with data.export_readings.judicial_approval as "replace"
	d.path == "exempt"
	d.allow
	d.reasons[0].code == "EXPORT_JUDICIAL_RECIPIENT_APPROVED"
	d.reasons[0].basis == "DSL art. 36; PIPL art. 41"
}

test_row06_judicial_prc_approval_replace_still_needs_a_pipia_pipl_art_55 if {
	no_pipia := object.union(_judicial_approved, {"approvals": {"pipias": []}})
	d := export.decision with input as no_pipia with data.export_readings.judicial_approval as "replace"
	deny_codes(d) == ["EXPORT_PIPIA_MISSING"]
}

test_row03_judicial_prc_approval_replace_does_not_open_core_data_dsl_art_21 if {
	core := object.union(_judicial_approved, {"data": {"grade": "core"}})
	export.decision.reasons[0].code == "EXPORT_CORE_DATA" with input as core with data.export_readings.judicial_approval as "replace"
}

test_row01_judicial_without_approval_forbidden_under_either_reading_pipl_art_41 if {
	no_approval := object.union(_judicial_approved, {"recipient": {"prc_approval": null}})
	export.decision.reasons[0].code == "EXPORT_JUDICIAL_RECIPIENT" with input as no_approval with data.export_readings.judicial_approval as "replace"
}

test_row06_transit_rule_decides_for_an_approved_judicial_recipient_provisions_art_4 if {
	transit := object.union(_judicial_approved, {"data": {"scenario": "transit"}})
	export.decision.reasons[0].code == "EXPORT_SCENARIO_TRANSIT" with input as transit with data.export_readings.judicial_approval as "replace"
}

test_row06_approved_judicial_recipient_with_ftz_entry_is_no_scenario_override_pipl_art_41 if {
	in_zone := object.union(_judicial_approved, {"exporter": {"ftz": "CN-XX-FTZ"}})
	d := export.decision with input as in_zone with data.ftz_negative_lists as _pi_entry_list
		with data.export_readings.judicial_approval as "replace"
	d.reasons[0].code == "EXPORT_JUDICIAL_RECIPIENT_APPROVED"
	warning_codes(d) == []
}

# --- lawful bases as scenarios (row 9): NDSR art. 35(6), PIPL art. 38 last paragraph, GBA standard contract -------

test_row09_statutory_duty_with_provision_on_record_ndsr_art_35_6 if {
	check("row09_statutory_duty_ndsr_art_35_6")
	decision_of("row09_statutory_duty_ndsr_art_35_6").reasons[0].code == "EXPORT_STATUTORY_DUTY"
}

test_row14_statutory_duty_without_provision_on_record_ndsr_art_35_6 if check("row14_statutory_duty_without_provision_on_record_ndsr_art_35_6")

test_row11_statutory_duty_does_not_cover_important_data_ndsr_art_37 if {
	important := object.union(case_input("row09_statutory_duty_ndsr_art_35_6"), {"data": {"grade": "important"}})
	export.decision.reasons[0].code == "EXPORT_IMPORTANT_DATA" with input as important
}

test_row09_treaty_conditions_pipl_art_38_last_paragraph if {
	check("row09_treaty_conditions_pipl_art_38")
	d := decision_of("row09_treaty_conditions_pipl_art_38")
	d.reasons[0].code == "EXPORT_TREATY_CONDITIONS"
	no_ref := object.union(case_input("row09_treaty_conditions_pipl_art_38"), {"data": {"scenario_ref": null}})
	export.decision.reasons[0].code == "EXPORT_PI_VOLUME_CONTRACT" with input as no_ref
}

test_row09_gba_standard_contract_whatever_the_volume_gba_guidelines if {
	check("row09_gba_standard_contract_any_volume")
	decision_of("row09_gba_standard_contract_any_volume").reasons[0].code == "EXPORT_GBA_STANDARD_CONTRACT"
}

test_row13_gba_standard_contract_only_to_hong_kong_gba_guidelines if check("row13_gba_standard_contract_recipient_outside_hong_kong")

test_row13_gba_standard_contract_needs_gba_exporter_and_gba_contract_gba_guidelines if {
	gba := case_input("row09_gba_standard_contract_any_volume")
	export.decision.reasons[0].code == "EXPORT_PI_VOLUME_ASSESSMENT" with input as object.union(gba, {"exporter": {"gba": false}})
	cac := object.union(gba, {"approvals": {"standard_contracts": [contract]}})
	export.decision.reasons[0].code == "EXPORT_PI_VOLUME_ASSESSMENT" with input as cac
	export.decision.reasons[0].code == "EXPORT_CIIO_PI" with input as object.union(gba, {"exporter": {"ciio": true}})
}

test_row09_gba_standard_contract_must_be_filed_scc_measures_art_7 if {
	gba := case_input("row09_gba_standard_contract_any_volume")
	unfiled := object.union(gba, {"now": "2026-12-31T10:00:00+08:00", "approvals": {"standard_contracts": [object.union(contract, {"form": "gba", "filing_ref": null})]}})
	d := export.decision with input as unfiled
	d.reasons[0].code == "EXPORT_GBA_STANDARD_CONTRACT"
	deny_codes(d) == ["EXPORT_CONTRACT_FILING_OVERDUE"]
}

# --- exporter attributes the law uses (PIPL arts. 36-37; HGR Regs art. 7) -------------------------------------------

test_row12_state_organ_pi_needs_security_assessment_pipl_art_36 if {
	check("row12_state_organ_pi_pipl_art_36")
	decision_of("row12_state_organ_pi_pipl_art_36").reasons[0].code == "EXPORT_STATE_ORGAN_PI"
}

test_row12_state_organ_pi_no_scenario_exempts_pipl_art_36 if check("row12_state_organ_pi_scenario_does_not_exempt_pipl_art_36")

test_row12_state_organ_pi_ftz_list_does_not_free_it_pipl_art_36 if {
	in_zone := object.union_n([base_input, _bj, {"exporter": {"state_organ": true}, "data": {"domain": "retail"}}])
	export.decision.reasons[0].code == "EXPORT_STATE_ORGAN_PI" with input as in_zone
}

test_row12_state_organ_ciio_is_decided_by_the_ciio_rule_provisions_art_7_1 if {
	both := object.union(base_input, {"exporter": {"state_organ": true, "ciio": true}})
	export.decision.reasons[0].code == "EXPORT_CIIO_PI" with input as both
}

test_row16_state_organ_without_pi_pipl_art_36 if check("row16_state_organ_without_pi")

test_row04_hgr_foreign_controlled_exporter_forbidden_hgr_regs_art_7 if {
	check("row04_hgr_foreign_controlled_exporter_hgr_regs_art_7")
	no_approval := object.union(case_input("row04_hgr_foreign_controlled_exporter_hgr_regs_art_7"), {"approvals": {"hgr_approvals": []}})
	export.decision.reasons[0].code == "EXPORT_HGR_FOREIGN_CONTROLLED" with input as no_approval
	domestic := object.union(no_approval, {"exporter": {"foreign_controlled": false}})
	export.decision.reasons[0].code == "EXPORT_HGR_APPROVAL_MISSING" with input as domestic
}

test_row04_foreign_controlled_exporter_without_hgr_is_not_row_4_hgr_regs_art_7 if {
	export.decision.path == "exempt" with input as object.union(base_input, {"exporter": {"foreign_controlled": true}})
}

test_row00_exporter_attribute_not_boolean if check("row00_exporter_attribute_not_boolean")

# --- deadlines on the provisional 2027 holiday calendar (State Council notice not yet published) -------------------

test_scc_filing_deadline_in_provisional_year_warns_scc_measures_art_7 if {
	check("scc_filing_deadline_in_provisional_year_warns")
	d := decision_of("scc_filing_deadline_in_provisional_year_warns")
	some o in d.obligations
	o.type == "file_standard_contract"
	some w in d.warnings
	w.code == "EXPORT_DEADLINE_PROVISIONAL_CALENDAR"
	endswith(w.message, concat("", [" Deadlines: ", o.due, "."]))
	startswith(o.due, "2027-")
}

test_scc_filing_deadline_no_warning_once_the_notice_is_published_scc_measures_art_7 if {
	d := decision_of("scc_filing_deadline_in_provisional_year_warns") with data.holidays.years["2027"].status as "official"
	warning_codes(d) == []
}

test_sa_last_valid_day_in_provisional_year_warns_provisions_art_9 if {
	check("sa_issued_3y_minus_1d")
	d := decision_of("sa_issued_3y_minus_1d")
	some w in d.warnings
	w.code == "EXPORT_DEADLINE_PROVISIONAL_CALENDAR"
	endswith(w.message, " Deadlines: 2027-03-31.")
}

test_sa_far_deadline_in_provisional_year_does_not_warn_yet_provisions_art_9 if {
	# issued 2025-01-01: last valid day 2027-12-31, more than 200 days ahead of 2026-11-27
	warning_codes(decision_of("sa_valid_assessment")) == []
}

test_scc_overdue_filing_counted_on_provisional_year_warns_scc_measures_art_7 if {
	late := object.union(case_input("scc_filing_deadline_in_provisional_year_warns"), {"now": "2027-03-01T10:00:00+08:00"})
	d := export.decision with input as late
	deny_codes(d) == ["EXPORT_CONTRACT_FILING_OVERDUE"]
	warning_codes(d) == ["EXPORT_DEADLINE_PROVISIONAL_CALENDAR"]
}
