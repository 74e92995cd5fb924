# Decision-table cases (rows 0-16 and the threshold boundaries). Each case is a patch merged into
# base_input (arrays replace, objects merge) and the decision the rules call for. The same cases are
# exported as test/policy/vectors/export.json for the TypeScript engine, except those marked schema_invalid:
# the engine rejects their input against policies/schemas/export-input.schema.json before the policy runs.
package kouan.export_test

base_input := {
	"now": "2026-11-27T10:00:00+08:00",
	"exporter": {"id": "sh-clinic", "ciio": false, "ftz": null},
	"recipient": {"id": "pharma-de", "country": "DE", "kind": "organization", "prc_approval": null},
	"data": {
		"grade": "general", "domain": "pharmaceutical", "categories": ["clinical_trial"],
		"pi": {"subjects": 1200, "sensitive_subjects": 0, "sensitive_kinds": []},
		"hgr": {"present": false, "sequencing_subjects": 0}, "export_controlled": false,
		"scenario": null, "purpose": "clinical-research",
	},
	"cumulative": {"subjects": 0, "sensitive_subjects": 0},
	"approvals": {
		"security_assessments": [], "standard_contracts": [], "certifications": [],
		"pipias": [{"ref": "PIPIA-2026-017", "recipient": "pharma-de", "date": "2026-01-15"}],
		"hgr_approvals": [], "export_licences": [],
	},
}

issue_input := {
	"now": "2026-11-27T10:00:00+08:00",
	"exporter": {"id": "bj-hospital", "ciio": false, "ftz": "CN-BJ-FTZ"},
	"recipient": {"id": "pharma-de", "country": "DE", "kind": "organization", "prc_approval": null},
	"data": {
		"grade": "general", "domain": "pharmaceutical", "categories": ["clinical_trial"],
		"pi": {"subjects": 1200, "sensitive_subjects": 1200, "sensitive_kinds": ["medical_health"]},
		"hgr": {"present": false, "sequencing_subjects": 0}, "export_controlled": false,
		"scenario": null, "purpose": "clinical-research",
	},
	"cumulative": {"subjects": 95000, "sensitive_subjects": 0},
	"approvals": {
		"security_assessments": [{"ref": "", "issued": "2025-01-01", "recipients": [], "countries": [], "purposes": [], "categories": []}],
		"standard_contracts": [{"ref": "", "recipient": "", "effective": "2026-11-01", "filing_ref": null}],
		"certifications": [{"ref": "", "issued": "2026-03-01", "recipients": []}],
		"pipias": [{"ref": "", "recipient": "", "date": "2026-10-01"}],
		"hgr_approvals": [{"ref": "", "recipient": "", "security_review_ref": null}],
		"export_licences": [{"ref": "", "recipient": ""}],
	},
}

_forbidden(code) := {"path": "forbidden", "allow": false, "codes": [code]}

_exempt := {"path": "exempt", "allow": true, "codes": []}

# Bad input (row 0): the engine answers an input error, exit 2, naming the offending member (problem).
_bad_input(problem) := object.union(_forbidden("EXPORT_INPUT_INVALID"), {"problem": problem})

_sa_missing := {"path": "security_assessment", "allow": false, "codes": ["EXPORT_ASSESSMENT_MISSING"]}

_scc_missing := {"path": "standard_contract_or_certification", "allow": false, "codes": ["EXPORT_CONTRACT_OR_CERTIFICATION_MISSING"]}

_pi(subjects, sensitive) := {"data": {"pi": {"subjects": subjects, "sensitive_subjects": sensitive, "sensitive_kinds": _kinds(sensitive)}}}

_kinds(0) := []

_kinds(n) := ["medical_health"] if n > 0

_cumulative(subjects, sensitive) := {"cumulative": {"subjects": subjects, "sensitive_subjects": sensitive}}

_bj := {"exporter": {"id": "bj-hospital", "ftz": "CN-BJ-FTZ"}}

_no_pi := object.union(_pi(0, 0), {"approvals": {"pipias": []}})

cases["issue_example"] := {"input": issue_input, "expect": {"path": "exempt", "allow": false, "codes": ["EXPORT_PIPIA_MISSING"]}}

cases["row00_now_without_offset"] := {"schema_invalid": true, "patch": {"now": "2026-11-27T10:00:00"}, "expect": _forbidden("EXPORT_INPUT_INVALID")}

cases["row00_unknown_grade"] := {"schema_invalid": true, "patch": {"data": {"grade": "secret"}}, "expect": _forbidden("EXPORT_INPUT_INVALID")}

cases["row00_unknown_scenario"] := {"schema_invalid": true, "patch": {"data": {"scenario": "tourism"}}, "expect": _forbidden("EXPORT_INPUT_INVALID")}

cases["row00_sensitive_exceeds_subjects"] := {"patch": _pi(10, 11), "expect": _bad_input("data.pi.sensitive_subjects must not exceed data.pi.subjects")}

cases["row00_sensitive_kinds_without_sensitive_count"] := {
	"patch": {"data": {"pi": {"sensitive_kinds": ["biometrics"]}}},
	"expect": _bad_input("data.pi.sensitive_kinds lists kinds but data.pi.sensitive_subjects is 0"),
}

cases["row00_sequencing_without_hgr_flag"] := {
	"patch": {"data": {"hgr": {"sequencing_subjects": 600}}},
	"expect": _bad_input("data.hgr.sequencing_subjects > 0 requires data.hgr.present"),
}

cases["row00_malformed_approval_date"] := {
	"schema_invalid": true,
	"patch": {"approvals": {"pipias": [{"ref": "PIPIA-2026-017", "recipient": "pharma-de", "date": "2026-13-01"}]}},
	"expect": _forbidden("EXPORT_INPUT_INVALID"),
}

cases["row01_judicial_without_prc_approval"] := {
	"patch": {"recipient": {"kind": "judicial_or_law_enforcement"}},
	"expect": _forbidden("EXPORT_JUDICIAL_RECIPIENT"),
}

cases["row01_judicial_with_prc_approval"] := {
	"patch": {"recipient": {"kind": "judicial_or_law_enforcement", "prc_approval": "MOJ-ICJA-2026-118"}},
	"expect": _exempt,
}

cases["row02_restricted_recipient"] := {"patch": {"recipient": {"id": "example-restricted-lab"}}, "expect": _forbidden("EXPORT_RESTRICTED_RECIPIENT")}

cases["row02_restricted_recipient_decides_before_core_data"] := {
	"patch": {"recipient": {"id": "example-restricted-lab"}, "data": {"grade": "core"}},
	"expect": _forbidden("EXPORT_RESTRICTED_RECIPIENT"),
}

cases["row03_core_data"] := {"patch": {"data": {"grade": "core"}}, "expect": _forbidden("EXPORT_CORE_DATA")}

cases["row04_hgr_without_approval"] := {"patch": {"data": {"hgr": {"present": true}}}, "expect": _forbidden("EXPORT_HGR_APPROVAL_MISSING")}

cases["row04_hgr_approval_for_other_recipient"] := {
	"patch": {"data": {"hgr": {"present": true}}, "approvals": {"hgr_approvals": [_hgr_approval("pharma-us", null)]}},
	"expect": _forbidden("EXPORT_HGR_APPROVAL_MISSING"),
}

cases["row04_hgr_with_approval"] := {
	"patch": {"data": {"hgr": {"present": true}}, "approvals": {"hgr_approvals": [_hgr_approval("pharma-de", null)]}},
	"expect": _exempt,
}

cases["row05_export_controlled_without_licence"] := {"patch": {"data": {"export_controlled": true}}, "expect": _forbidden("EXPORT_LICENCE_MISSING")}

cases["row05_export_controlled_licence_for_other_recipient"] := {
	"patch": {"data": {"export_controlled": true}, "approvals": {"export_licences": [{"ref": "MOFCOM-EL-2026-44", "recipient": "pharma-us"}]}},
	"expect": _forbidden("EXPORT_LICENCE_MISSING"),
}

cases["row05_export_controlled_with_licence"] := {
	"patch": {"data": {"export_controlled": true}, "approvals": {"export_licences": [{"ref": "MOFCOM-EL-2026-44", "recipient": "pharma-de"}]}},
	"expect": _exempt,
}

cases["row10_ftz_below_entry_threshold"] := {"patch": object.union(_bj, _cumulative(98799, 0)), "expect": _exempt}

cases["row10_ftz_domain_not_on_list"] := {"patch": object.union_n([_bj, _cumulative(2000000, 0), {"data": {"domain": "retail"}}]), "expect": _exempt}

cases["row11_ftz_important_data_not_on_list_ndsr_art_37"] := {
	"patch": object.union(_bj, {"data": {"domain": "retail", "grade": "important"}}),
	"expect": _sa_missing,
}

cases["row07_ftz_entry_threshold_reached"] := {"patch": object.union(_bj, _cumulative(98800, 0)), "expect": _sa_missing}

cases["row07_ftz_entry_threshold_reached_with_assessment"] := {
	"patch": object.union_n([_bj, _cumulative(98800, 0), {"approvals": {"security_assessments": [assessment]}}]),
	"expect": {"path": "security_assessment", "allow": true, "codes": []},
}

cases["row07_ftz_automobile_entry_any_category"] := {
	"patch": object.union(_bj, {"data": {"domain": "automobile", "categories": ["telemetry", "exterior_video_identifiable"]}}),
	"expect": _sa_missing,
}

cases["row07_ftz_ciio_skips_negative_list"] := {
	"patch": object.union(_bj, {"exporter": {"ciio": true}, "data": {"domain": "retail"}}),
	"expect": _sa_missing,
}

cases["row07_ftz_zone_without_list_uses_general_rows"] := {
	"patch": object.union({"exporter": {"ftz": "CN-XX-FTZ"}}, _pi(1200, 5)),
	"expect": _scc_missing,
}

cases["row08_trade_without_pi"] := {"patch": object.union(_no_pi, {"data": {"scenario": "trade_no_pi"}}), "expect": _exempt}

cases["row08_trade_scenario_with_pi_does_not_apply"] := {
	"patch": {"data": {"scenario": "trade_no_pi"}},
	"expect": object.union(_exempt, {"warnings": ["EXPORT_SCENARIO_NOT_APPLICABLE"]}),
}

cases["row06_transit_above_thresholds"] := {"patch": object.union(_pi(2000000, 50000), {"data": {"scenario": "transit"}}), "expect": _exempt}

cases["row06_transit_without_pipia"] := {
	"patch": {"data": {"scenario": "transit"}, "approvals": {"pipias": []}},
	"expect": {"path": "exempt", "allow": false, "codes": ["EXPORT_PIPIA_MISSING"]},
}

cases["row06_transit_with_important_data"] := {
	"patch": {"data": {"scenario": "transit", "grade": "important"}},
	"expect": object.union(_sa_missing, {"warnings": ["EXPORT_SCENARIO_NOT_APPLICABLE"]}),
}

cases["row09_contract_with_individual"] := {"patch": object.union(_pi(150000, 0), {"data": {"scenario": "contract_with_individual"}}), "expect": _exempt}

cases["row09_hr_management"] := {"patch": object.union(_pi(150000, 20000), {"data": {"scenario": "hr_management"}}), "expect": _exempt}

cases["row09_emergency"] := {"patch": object.union(_pi(1200, 1200), {"data": {"scenario": "emergency"}}), "expect": _exempt}

cases["row09_scenario_with_important_data"] := {
	"patch": {"data": {"scenario": "contract_with_individual", "grade": "important"}},
	"expect": object.union(_sa_missing, {"warnings": ["EXPORT_SCENARIO_NOT_APPLICABLE"]}),
}

cases["row11_important_data_without_assessment"] := {"patch": {"data": {"grade": "important"}}, "expect": _sa_missing}

cases["row12_ciio_one_person"] := {"patch": object.union({"exporter": {"ciio": true}}, _pi(1, 0)), "expect": _sa_missing}

cases["row12_ciio_without_pi_is_row16"] := {"patch": object.union({"exporter": {"ciio": true}}, _no_pi), "expect": _exempt}

cases["row13_subjects_1000000"] := {"patch": _pi(1000000, 0), "expect": _sa_missing}

cases["row14_subjects_999999"] := {"patch": _pi(999999, 0), "expect": _scc_missing}

cases["row13_cumulative_plus_flow_1000000"] := {"patch": _cumulative(998800, 0), "expect": _sa_missing}

cases["row14_cumulative_plus_flow_999999"] := {"patch": _cumulative(998799, 0), "expect": _scc_missing}

cases["row14_subjects_100000"] := {"patch": _pi(100000, 0), "expect": _scc_missing}

cases["row15_subjects_99999"] := {"patch": _pi(99999, 0), "expect": _exempt}

cases["row14_cumulative_plus_flow_100000"] := {"patch": _cumulative(98800, 0), "expect": _scc_missing}

cases["row15_cumulative_plus_flow_99999"] := {"patch": _cumulative(98799, 0), "expect": _exempt}

cases["row13_sensitive_10000"] := {"patch": _pi(10000, 10000), "expect": _sa_missing}

cases["row14_sensitive_9999"] := {"patch": _pi(9999, 9999), "expect": _scc_missing}

cases["row13_cumulative_plus_flow_sensitive_10000"] := {"patch": object.union(_cumulative(9000, 9000), _pi(1000, 1000)), "expect": _sa_missing}

cases["row14_cumulative_plus_flow_sensitive_9999"] := {"patch": object.union(_cumulative(8999, 8999), _pi(1000, 1000)), "expect": _scc_missing}

cases["row14_sensitive_1"] := {"patch": _pi(1200, 1), "expect": _scc_missing}

cases["row15_sensitive_0"] := {"patch": _pi(1200, 0), "expect": _exempt}

cases["row14_cumulative_sensitive_1_flow_0"] := {"patch": _cumulative(1, 1), "expect": _scc_missing}

cases["row15_cumulative_sensitive_0_flow_0"] := {"patch": _cumulative(50000, 0), "expect": _exempt}

cases["row16_no_pi"] := {"patch": _no_pi, "expect": _exempt}

cases["row16_no_pi_high_cumulative"] := {"patch": object.union(_no_pi, _cumulative(2000000, 20000)), "expect": _exempt}

# --- transit and the art. 5(1)-(3) scenarios against free-trade-zone entries ------------------------

# The reviewer's case: a Beijing FTZ hospital sends back case files of 100,000 patients collected abroad.
_bj_case_files := object.union_n([_bj, _pi(100000, 100000), {"data": {"categories": ["case_files"]}}])

cases["row07_ftz_case_files_entry_without_scenario_provisions_art_6"] := {"patch": _bj_case_files, "expect": _sa_missing}

cases["row06_transit_prevails_over_ftz_entry_provisions_art_4"] := {
	"patch": object.union(_bj_case_files, {"data": {"scenario": "transit"}}),
	"expect": object.union(_exempt, {"warnings": ["EXPORT_SCENARIO_OVERRIDES_FTZ_ENTRY"]}),
}

cases["row06_transit_prevails_over_ftz_entry_needs_pipia_provisions_art_4_pipl_art_55"] := {
	"patch": object.union(_bj_case_files, {"data": {"scenario": "transit"}, "approvals": {"pipias": []}}),
	"expect": {"path": "exempt", "allow": false, "codes": ["EXPORT_PIPIA_MISSING"], "warnings": ["EXPORT_SCENARIO_OVERRIDES_FTZ_ENTRY"]},
}

cases["row07_ftz_important_data_entry_prevails_over_contract_scenario_provisions_art_6"] := {
	"patch": object.union(_bj_case_files, {"data": {"scenario": "contract_with_individual"}}),
	"expect": object.union(_sa_missing, {"warnings": ["EXPORT_FTZ_ENTRY_OVERRIDES_SCENARIO"]}),
}

cases["row07_ftz_important_data_entry_prevails_over_emergency_provisions_art_6"] := {
	"patch": object.union(_bj_case_files, {"data": {"scenario": "emergency"}}),
	"expect": object.union(_sa_missing, {"warnings": ["EXPORT_FTZ_ENTRY_OVERRIDES_SCENARIO"]}),
}

# --- restricted list from its listing date (PIPL art. 42); the illustrative entry is listed from 2025-06-01 -------

cases["row02_restricted_recipient_on_listing_day_pipl_art_42"] := {
	"patch": {"now": "2025-06-01T00:00:00+08:00", "recipient": {"id": "example-restricted-lab"}, "approvals": {"pipias": [{"ref": "PIPIA-2025-001", "recipient": "example-restricted-lab", "date": "2025-01-15"}]}},
	"expect": _forbidden("EXPORT_RESTRICTED_RECIPIENT"),
}

cases["row02_restricted_recipient_before_listing_date_pipl_art_42"] := {
	"patch": {"now": "2025-05-31T23:59:59+08:00", "recipient": {"id": "example-restricted-lab"}, "approvals": {"pipias": [{"ref": "PIPIA-2025-001", "recipient": "example-restricted-lab", "date": "2025-01-15"}]}},
	"expect": _exempt,
}

cases["row02_restricted_recipient_listing_day_starts_in_beijing_pipl_art_42"] := {
	"patch": {"now": "2025-05-31T16:00:00Z", "recipient": {"id": "example-restricted-lab"}, "approvals": {"pipias": [{"ref": "PIPIA-2025-001", "recipient": "example-restricted-lab", "date": "2025-01-15"}]}},
	"expect": _forbidden("EXPORT_RESTRICTED_RECIPIENT"),
}

# --- country codes against ISO 3166-1 alpha-2 (policies/data/countries.json) ------------------------

cases["row00_recipient_country_xx_is_not_iso_3166"] := {"patch": {"recipient": {"country": "XX"}}, "expect": _bad_input("recipient.country XX")}

cases["row00_recipient_country_uk_is_not_iso_3166"] := {"patch": {"recipient": {"country": "UK"}}, "expect": _bad_input("recipient.country UK")}

cases["row00_recipient_country_eu_is_not_iso_3166"] := {"patch": {"recipient": {"country": "EU"}}, "expect": _bad_input("recipient.country EU")}

cases["row00_recipient_in_mainland_china_is_not_an_export_pipl_art_38"] := {
	"patch": {"recipient": {"country": "CN"}},
	"expect": _bad_input("recipient.country is CN"),
}

cases["row15_recipient_in_hong_kong_is_an_export_pipl_art_38"] := {"patch": {"recipient": {"country": "HK"}}, "expect": _exempt}

cases["row15_recipient_country_gb_is_iso_3166"] := {"patch": {"recipient": {"country": "GB"}}, "expect": _exempt}

cases["row00_assessment_country_not_iso_3166_nor_group"] := {
	"patch": _important_sa([object.union(assessment, {"countries": ["DE", "XX"]})]),
	"expect": _bad_input("approvals.security_assessments[0].countries: XX"),
}

_important_sa(assessments) := {"data": {"grade": "important"}, "approvals": {"security_assessments": assessments}}

# --- contradictory input is bad input, the member named ----------------------------------------------

cases["row00_cumulative_sensitive_exceeds_subjects_provisions_art_7_8"] := {
	"patch": _cumulative(10, 11),
	"expect": _bad_input("cumulative.sensitive_subjects must not exceed cumulative.subjects"),
}

cases["row14_cumulative_sensitive_equals_subjects_provisions_art_8"] := {"patch": _cumulative(11, 11), "expect": _scc_missing}

cases["row00_sensitive_count_without_kinds_pipl_art_28"] := {
	"patch": {"data": {"pi": {"sensitive_subjects": 5}}},
	"expect": _bad_input("data.pi.sensitive_kinds is empty but data.pi.sensitive_subjects is above 0"),
}

cases["row00_sequencing_with_hgr_false_hgr_impl_rules_art_37"] := {
	"patch": {"data": {"hgr": {"present": false, "sequencing_subjects": 1}}},
	"expect": _bad_input("data.hgr.sequencing_subjects > 0 requires data.hgr.present"),
}

cases["row00_pipia_dated_before_1970_pipl_art_55"] := {
	"patch": {"approvals": {"pipias": [{"ref": "PIPIA-2026-017", "recipient": "pharma-de", "date": "1969-12-31"}]}},
	"expect": _bad_input("approvals.pipias[0].date 1969-12-31 must be a YYYY-MM-DD date"),
}

cases["row00_assessment_issued_before_1970_provisions_art_9"] := {
	"patch": _important_sa([assessment, object.union(assessment, {"issued": "1969-06-30"})]),
	"expect": _bad_input("approvals.security_assessments[1].issued 1969-06-30"),
}

cases["row00_contract_effective_before_1970_scc_measures_art_6"] := {
	"patch": {"approvals": {"standard_contracts": [object.union(contract, {"effective": "1900-01-01"})]}},
	"expect": _bad_input("approvals.standard_contracts[0].effective 1900-01-01"),
}

cases["row00_now_after_9999_in_beijing"] := {
	"patch": {"now": "9999-12-31T16:00:00Z"},
	"expect": _bad_input("now 9999-12-31T16:00:00Z falls on a Beijing calendar day outside"),
}

cases["row15_now_last_beijing_day_of_9999"] := {
	"patch": {"now": "9999-12-31T15:59:59Z"},
	"expect": object.union(_exempt, {"warnings": ["EXPORT_HOLIDAY_CALENDAR_MISSING"]}),
}

# A scenario claimed that does not apply (trade_no_pi with PI) is not overridden by the entry: it does not apply.
cases["row07_ftz_entry_with_inapplicable_scenario_warns_not_applicable_provisions_art_3"] := {
	"patch": object.union(_bj_case_files, {"data": {"scenario": "trade_no_pi"}}),
	"expect": object.union(_sa_missing, {"warnings": ["EXPORT_SCENARIO_NOT_APPLICABLE"]}),
}

# Transit below the entry's threshold: no entry matches, so nothing is overridden.
cases["row06_transit_below_ftz_entry_threshold_no_override_warning_provisions_art_4"] := {
	"patch": object.union_n([_bj, _pi(1200, 1200), {"data": {"categories": ["case_files"], "scenario": "transit"}}]),
	"expect": _exempt,
}

# FTZ entry thresholds count all PI of the year by default (export_readings.ftz_threshold_counts): 1,000 persons of
# the entry's categories this year, but 101,000 in all, reach the pharmaceutical entry's 100,000.
cases["row07_ftz_threshold_counts_all_pi_of_year_provisions_art_6"] := {
	"patch": object.union_n([_bj, _pi(5000, 0), {"cumulative": {"subjects": 96000, "sensitive_subjects": 0, "category_subjects": {"case_files": 1000}}}]),
	"expect": _sa_missing,
}

cases["row00_category_subjects_above_cumulative_subjects"] := {
	"patch": {"cumulative": {"category_subjects": {"case_files": 1}}},
	"expect": _bad_input("cumulative.category_subjects.case_files must be a non-negative integer not above cumulative.subjects"),
}

# A judicial recipient with PRC approval above the bands: the approval adds to the export procedures by default
# (export_readings.judicial_approval), so 150,000 persons need the standard contract.
cases["row14_judicial_with_prc_approval_above_bands_pipl_art_41"] := {
	"patch": object.union(_pi(150000, 0), {"recipient": {"kind": "judicial_or_law_enforcement", "prc_approval": "MOJ-ICJA-2026-118"}}),
	"expect": _scc_missing,
}

# Lawful bases beside the Provisions' scenarios (row 9): NDSR art. 35(6), PIPL art. 38 last paragraph, and the
# Greater Bay Area standard contract. 150,000 persons would otherwise be the standard-contract band.
_statutory(ref) := object.union(_pi(150000, 0), {"data": {"scenario": "statutory_duty", "scenario_ref": ref}})

cases["row09_statutory_duty_ndsr_art_35_6"] := {"patch": _statutory("Anti-Money Laundering Law art. 30"), "expect": _exempt}

cases["row14_statutory_duty_without_provision_on_record_ndsr_art_35_6"] := {
	"patch": _statutory(""),
	"expect": object.union(_scc_missing, {"warnings": ["EXPORT_SCENARIO_NOT_APPLICABLE"]}),
}

cases["row09_treaty_conditions_pipl_art_38"] := {
	"patch": object.union(_pi(150000, 0), {"data": {"scenario": "treaty", "scenario_ref": "CN-XX bilateral agreement on social security, art. 12"}}),
	"expect": _exempt,
}

_gba := object.union_n([_pi(2000000, 0), {
	"exporter": {"gba": true},
	"recipient": {"country": "HK"},
	"data": {"scenario": "gba_standard_contract"},
	"approvals": {"standard_contracts": [object.union(contract, {"form": "gba"})]},
}])

cases["row09_gba_standard_contract_any_volume"] := {"patch": _gba, "expect": {"path": "standard_contract_or_certification", "allow": true, "codes": []}}

cases["row13_gba_standard_contract_recipient_outside_hong_kong"] := {
	"patch": object.union(_gba, {"recipient": {"country": "MO"}}),
	"expect": object.union(_sa_missing, {"warnings": ["EXPORT_SCENARIO_NOT_APPLICABLE"]}),
}

# Exporter attributes: a state organ providing PI (PIPL arts. 36-37); a foreign-controlled exporter of HGR (HGR
# Regs art. 7).
cases["row12_state_organ_pi_pipl_art_36"] := {"patch": {"exporter": {"state_organ": true}}, "expect": _sa_missing}

cases["row12_state_organ_pi_scenario_does_not_exempt_pipl_art_36"] := {
	"patch": {"exporter": {"state_organ": true}, "data": {"scenario": "hr_management"}},
	"expect": object.union(_sa_missing, {"warnings": ["EXPORT_SCENARIO_NOT_APPLICABLE"]}),
}

cases["row16_state_organ_without_pi"] := {"patch": object.union(_no_pi, {"exporter": {"state_organ": true}}), "expect": _exempt}

cases["row04_hgr_foreign_controlled_exporter_hgr_regs_art_7"] := {
	"patch": {"exporter": {"foreign_controlled": true}, "data": {"hgr": {"present": true}}, "approvals": {"hgr_approvals": [_hgr_approval("pharma-de", "HGR-SR-1")]}},
	"expect": _forbidden("EXPORT_HGR_FOREIGN_CONTROLLED"),
}

cases["row00_exporter_attribute_not_boolean"] := {
	"schema_invalid": true,
	"patch": {"exporter": {"state_organ": "yes"}},
	"expect": _forbidden("EXPORT_INPUT_INVALID"),
}
