# Allow-condition cases: security assessment, standard contract or certification, PIPIA, HGR, warnings.
# Working-day counts use the 2026 official holiday calendar in policies/data/holidays.json.
package kouan.export_test

assessment := {
	"ref": "CAC-SA-2025-0042", "issued": "2025-01-01", "recipients": ["pharma-de"],
	"countries": ["DE"], "purposes": ["clinical-research"], "categories": ["clinical_trial"],
}

contract := {"ref": "SCC-2026-0007", "recipient": "pharma-de", "effective": "2026-11-02", "filing_ref": "BJ-SCC-2026-0311"}

certification := {"ref": "CERT-PI-2026-0009", "issued": "2026-03-01", "recipients": ["pharma-de"]}

_hgr_approval(recipient, review) := {"ref": "HGR-2026-0031", "recipient": recipient, "security_review_ref": review}

# important data: row 11, security assessment
_important(assessments) := {"data": {"grade": "important"}, "approvals": {"security_assessments": assessments}}

# sensitive PI of 5 persons: row 14, standard contract or certification
_scc(contracts, certifications) := object.union(_pi(1200, 5), {"approvals": {
	"standard_contracts": contracts,
	"certifications": certifications,
}})

_sa_ok := {"path": "security_assessment", "allow": true, "codes": []}

_sa_expiring := object.union(_sa_ok, {"warnings": ["EXPORT_ASSESSMENT_EXPIRING"]})

_sa_refused(codes) := {"path": "security_assessment", "allow": false, "codes": codes}

_scc_ok := {"path": "standard_contract_or_certification", "allow": true, "codes": []}

_scc_refused(codes) := {"path": "standard_contract_or_certification", "allow": false, "codes": codes}

# 10 and 11 working days after 2026-09-30 / 2026-09-29, across the National Day week (Oct 1-7 off, Oct 10 worked)
_oct20 := {"now": "2026-10-20T12:00:00+08:00"}

# 2026-06-01 (Mon) to 2026-08-25 is 60 working days (Dragon Boat Festival 2026-06-19 off); to 2026-08-26 is 61
_jun1 := {"now": "2026-06-01T09:00:00+08:00"}

cases["sa_valid_assessment"] := {"patch": _important([assessment]), "expect": _sa_ok}

# 3 years from 2024-04-01 (issued under the Provisions): the last valid day is 2027-03-31, the day before the
# anniversary (default reading validity_last_day).
_issued_2024_04_01 := _important([object.union(assessment, {"issued": "2024-04-01"})])

# 2027's holiday calendar is provisional: the last valid day, a deadline, carries the warning.
cases["sa_issued_3y_minus_1d"] := {
	"patch": object.union(_issued_2024_04_01, {"now": "2027-03-31T10:00:00+08:00"}),
	"expect": object.union(_sa_ok, {"warnings": ["EXPORT_ASSESSMENT_EXPIRING", "EXPORT_DEADLINE_PROVISIONAL_CALENDAR"]}),
}

cases["sa_issued_exactly_3y"] := {
	"patch": object.union(_issued_2024_04_01, {"now": "2027-04-01T10:00:00+08:00"}),
	"expect": _sa_refused(["EXPORT_ASSESSMENT_EXPIRED"]),
}

cases["sa_issued_3y_plus_1d"] := {
	"patch": object.union(_issued_2024_04_01, {"now": "2027-04-02T10:00:00+08:00"}),
	"expect": _sa_refused(["EXPORT_ASSESSMENT_EXPIRED"]),
}

# Issued 2024-03-01, before the Provisions: 2 years by default (pre_2024_assessments), the last day 2026-02-28.
cases["sa_issued_before_2024_03_22_valid_2_years_security_assessment_measures_art_14"] := {
	"patch": object.union(_important([object.union(assessment, {"issued": "2024-03-01"})]), {"now": "2026-03-02T10:00:00+08:00"}),
	"expect": _sa_refused(["EXPORT_ASSESSMENT_EXPIRED"]),
}

# An extension on record replaces the period (Provisions art. 9): issued 2023-06-01, 2 years to 2025-05-31,
# extended to 2028-05-31.
_extended := object.union(assessment, {"issued": "2023-06-01", "extension_ref": "CAC-SA-EXT-2025-0007", "extended_until": "2028-05-31"})

cases["sa_extension_on_record_provisions_art_9"] := {"patch": _important([_extended]), "expect": _sa_ok}

cases["sa_extension_without_ref_not_on_record_provisions_art_9"] := {
	"patch": _important([object.union(_extended, {"extension_ref": ""})]),
	"expect": _sa_refused(["EXPORT_ASSESSMENT_EXPIRED"]),
}

cases["sa_explicit_expiry_passed"] := {
	"patch": _important([object.union(assessment, {"expires": "2026-11-26"})]),
	"expect": _sa_refused(["EXPORT_ASSESSMENT_EXPIRED"]),
}

cases["sa_explicit_expiry_beyond_3y_is_capped"] := {
	"patch": _important([object.union(assessment, {"issued": "2023-11-20", "expires": "2027-06-30"})]),
	"expect": _sa_refused(["EXPORT_ASSESSMENT_EXPIRED"]),
}

cases["sa_country_not_covered"] := {
	"patch": object.union(_important([assessment]), {"recipient": {"country": "US"}}),
	"expect": _sa_refused(["EXPORT_ASSESSMENT_SCOPE_EXCEEDED"]),
}

cases["sa_purpose_beyond_approval"] := {
	"patch": object.union(_important([assessment]), {"data": {"purpose": "marketing"}}),
	"expect": _sa_refused(["EXPORT_ASSESSMENT_SCOPE_EXCEEDED"]),
}

cases["sa_category_beyond_approval"] := {
	"patch": object.union(_important([assessment]), {"data": {"categories": ["clinical_trial", "lab_tests"]}}),
	"expect": _sa_refused(["EXPORT_ASSESSMENT_SCOPE_EXCEEDED"]),
}

cases["sa_country_group_covers_member"] := {"patch": _important([object.union(assessment, {"countries": ["EU"]})]), "expect": _sa_ok}

cases["sa_country_group_not_covering"] := {
	"patch": _important([object.union(assessment, {"countries": ["ASEAN"]})]),
	"expect": _sa_refused(["EXPORT_ASSESSMENT_SCOPE_EXCEEDED"]),
}

cases["sa_for_other_recipient"] := {
	"patch": _important([object.union(assessment, {"recipients": ["pharma-us"]})]),
	"expect": _sa_refused(["EXPORT_ASSESSMENT_MISSING"]),
}

cases["sa_issued_after_now"] := {
	"patch": _important([object.union(assessment, {"issued": "2026-11-28"})]),
	"expect": _sa_refused(["EXPORT_ASSESSMENT_MISSING"]),
}

cases["sa_placeholder_ref"] := {
	"patch": _important([object.union(assessment, {"ref": ""})]),
	"expect": _sa_refused(["EXPORT_ASSESSMENT_MISSING"]),
}

cases["sa_expired_and_current_narrower"] := {
	"patch": _important([
		object.union(assessment, {"issued": "2023-01-10"}),
		object.union(assessment, {"purposes": ["pharmacovigilance"]}),
	]),
	"expect": _sa_refused(["EXPORT_ASSESSMENT_EXPIRED", "EXPORT_ASSESSMENT_SCOPE_EXCEEDED"]),
}

cases["sa_expiry_warning_at_60_working_days"] := {
	"patch": object.union(_jun1, _important([object.union(assessment, {"expires": "2026-08-25"})])),
	"expect": _sa_expiring,
}

cases["sa_no_expiry_warning_at_61_working_days"] := {
	"patch": object.union(_jun1, _important([object.union(assessment, {"expires": "2026-08-26"})])),
	"expect": _sa_ok,
}

cases["scc_contract_filed"] := {"patch": _scc([contract], []), "expect": _scc_ok}

cases["scc_contract_not_in_effect"] := {
	"patch": _scc([object.union(contract, {"effective": "2026-11-28"})], []),
	"expect": _scc_refused(["EXPORT_CONTRACT_NOT_IN_EFFECT"]),
}

cases["scc_contract_unfiled_10_working_days"] := {
	"patch": object.union(_oct20, _scc([object.union(contract, {"effective": "2026-09-30", "filing_ref": null})], [])),
	"expect": _scc_ok,
}

cases["scc_contract_unfiled_11_working_days"] := {
	"patch": object.union(_oct20, _scc([object.union(contract, {"effective": "2026-09-29", "filing_ref": null})], [])),
	"expect": _scc_refused(["EXPORT_CONTRACT_FILING_OVERDUE"]),
}

cases["scc_contract_for_other_recipient"] := {
	"patch": _scc([object.union(contract, {"recipient": "pharma-us"})], []),
	"expect": _scc_refused(["EXPORT_CONTRACT_OR_CERTIFICATION_MISSING"]),
}

cases["scc_contract_placeholder_ref"] := {
	"patch": _scc([object.union(contract, {"ref": ""})], []),
	"expect": _scc_refused(["EXPORT_CONTRACT_OR_CERTIFICATION_MISSING"]),
}

cases["scc_certification_valid"] := {"patch": _scc([], [certification]), "expect": _scc_ok}

cases["scc_certification_exactly_3y"] := {
	"patch": _scc([], [object.union(certification, {"issued": "2023-11-27"})]),
	"expect": _scc_refused(["EXPORT_CERTIFICATION_EXPIRED"]),
}

cases["scc_certification_3y_minus_1d"] := {"patch": _scc([], [object.union(certification, {"issued": "2023-11-28"})]), "expect": _scc_ok}

cases["scc_certification_expired"] := {
	"patch": _scc([], [object.union(certification, {"issued": "2023-11-26"})]),
	"expect": _scc_refused(["EXPORT_CERTIFICATION_EXPIRED"]),
}

cases["scc_certification_for_other_recipient"] := {
	"patch": _scc([], [object.union(certification, {"recipients": ["pharma-us"]})]),
	"expect": _scc_refused(["EXPORT_CONTRACT_OR_CERTIFICATION_MISSING"]),
}

cases["scc_certification_issued_after_now"] := {
	"patch": _scc([], [object.union(certification, {"issued": "2026-11-28"})]),
	"expect": _scc_refused(["EXPORT_CONTRACT_OR_CERTIFICATION_MISSING"]),
}

cases["scc_overdue_contract_with_valid_certification"] := {
	"patch": object.union(_oct20, _scc([object.union(contract, {"effective": "2026-09-29", "filing_ref": null})], [certification])),
	"expect": _scc_ok,
}

cases["scc_overdue_contract_and_expired_certification"] := {
	"patch": object.union(_oct20, _scc(
		[object.union(contract, {"effective": "2026-09-29", "filing_ref": null})],
		[object.union(certification, {"issued": "2023-10-19"})],
	)),
	"expect": _scc_refused(["EXPORT_CERTIFICATION_EXPIRED", "EXPORT_CONTRACT_FILING_OVERDUE"]),
}

cases["scc_contract_effective_today_in_beijing"] := {
	"patch": object.union({"now": "2026-11-26T16:00:00Z"}, _scc([object.union(contract, {"effective": "2026-11-27"})], [])),
	"expect": _scc_ok,
}

cases["scc_contract_effective_tomorrow_in_beijing"] := {
	"patch": object.union({"now": "2026-11-26T15:59:59Z"}, _scc([object.union(contract, {"effective": "2026-11-27"})], [])),
	"expect": _scc_refused(["EXPORT_CONTRACT_NOT_IN_EFFECT"]),
}

cases["pipia_missing_on_assessment_path"] := {
	"patch": object.union(_important([assessment]), {"approvals": {"pipias": []}}),
	"expect": _sa_refused(["EXPORT_PIPIA_MISSING"]),
}

cases["pipia_and_assessment_missing"] := {
	"patch": object.union(_important([]), {"approvals": {"pipias": []}}),
	"expect": _sa_refused(["EXPORT_ASSESSMENT_MISSING", "EXPORT_PIPIA_MISSING"]),
}

cases["pipia_for_other_recipient"] := {
	"patch": {"approvals": {"pipias": [{"ref": "PIPIA-2026-017", "recipient": "pharma-us", "date": "2026-01-15"}]}},
	"expect": {"path": "exempt", "allow": false, "codes": ["EXPORT_PIPIA_MISSING"]},
}

cases["pipia_dated_after_now"] := {
	"patch": {"approvals": {"pipias": [{"ref": "PIPIA-2026-017", "recipient": "pharma-de", "date": "2026-11-28"}]}},
	"expect": {"path": "exempt", "allow": false, "codes": ["EXPORT_PIPIA_MISSING"]},
}

cases["hgr_sequencing_500_without_review"] := {
	"patch": {"data": {"hgr": {"present": true, "sequencing_subjects": 500}}, "approvals": {"hgr_approvals": [_hgr_approval("pharma-de", null)]}},
	"expect": _exempt,
}

cases["hgr_sequencing_501_without_review"] := {
	"patch": {"data": {"hgr": {"present": true, "sequencing_subjects": 501}}, "approvals": {"hgr_approvals": [_hgr_approval("pharma-de", null)]}},
	"expect": {"path": "exempt", "allow": false, "codes": ["EXPORT_HGR_SECURITY_REVIEW_MISSING"]},
}

cases["hgr_sequencing_501_with_review"] := {
	"patch": {"data": {"hgr": {"present": true, "sequencing_subjects": 501}}, "approvals": {"hgr_approvals": [_hgr_approval("pharma-de", "MOST-SR-2026-07")]}},
	"expect": _exempt,
}

cases["hgr_cumulative_sequencing_501_without_review"] := {
	"patch": {
		"data": {"hgr": {"present": true, "sequencing_subjects": 200}},
		"cumulative": {"sequencing_subjects": 301},
		"approvals": {"hgr_approvals": [_hgr_approval("pharma-de", null)]},
	},
	"expect": {"path": "exempt", "allow": false, "codes": ["EXPORT_HGR_SECURITY_REVIEW_MISSING"]},
}

cases["holiday_calendar_missing_for_year"] := {
	"patch": {"now": "2028-03-01T10:00:00+08:00"},
	"expect": object.union(_exempt, {"warnings": ["EXPORT_HOLIDAY_CALENDAR_MISSING"]}),
}

# --- a security assessment on the standard-contract band (PIPL art. 38(1); NDSR art. 35(1)) ---------

# 150,000 persons of non-sensitive PI: row 14. The assessment covers recipient, country, purpose and category.
_scc_band_150000(assessments) := object.union(_pi(150000, 0), {"approvals": {"security_assessments": assessments}})

cases["scc_band_no_contract_no_assessment_provisions_art_8"] := {
	"patch": _scc_band_150000([]),
	"expect": _scc_refused(["EXPORT_CONTRACT_OR_CERTIFICATION_MISSING"]),
}

cases["scc_band_covering_assessment_suffices_pipl_art_38_1_ndsr_art_35_1"] := {
	"patch": _scc_band_150000([assessment]),
	"expect": _scc_ok,
}

cases["scc_band_assessment_other_purpose_does_not_open_pipl_art_38_1"] := {
	"patch": _scc_band_150000([object.union(assessment, {"purposes": ["marketing"]})]),
	"expect": _scc_refused(["EXPORT_CONTRACT_OR_CERTIFICATION_MISSING"]),
}

cases["scc_band_assessment_other_country_does_not_open_pipl_art_38_1"] := {
	"patch": _scc_band_150000([object.union(assessment, {"countries": ["FR"]})]),
	"expect": _scc_refused(["EXPORT_CONTRACT_OR_CERTIFICATION_MISSING"]),
}

cases["scc_band_assessment_other_category_does_not_open_pipl_art_38_1"] := {
	"patch": _scc_band_150000([object.union(assessment, {"categories": ["lab_tests"]})]),
	"expect": _scc_refused(["EXPORT_CONTRACT_OR_CERTIFICATION_MISSING"]),
}

cases["scc_band_assessment_other_recipient_does_not_open_pipl_art_38_1"] := {
	"patch": _scc_band_150000([object.union(assessment, {"recipients": ["pharma-us"]})]),
	"expect": _scc_refused(["EXPORT_CONTRACT_OR_CERTIFICATION_MISSING"]),
}

cases["scc_band_expired_assessment_does_not_open_provisions_art_9"] := {
	"patch": _scc_band_150000([object.union(assessment, {"issued": "2023-11-26"})]),
	"expect": _scc_refused(["EXPORT_CONTRACT_OR_CERTIFICATION_MISSING"]),
}

cases["scc_band_expiring_assessment_warns_provisions_art_9"] := {
	"patch": object.union(_jun1, _scc_band_150000([object.union(assessment, {"expires": "2026-08-25"})])),
	"expect": object.union(_scc_ok, {"warnings": ["EXPORT_ASSESSMENT_EXPIRING"]}),
}

# A standard contract unfiled, in effect since 2027-01-25: its filing deadline falls in 2027, whose holiday calendar
# is provisional (the Spring Festival days off of 2027-02-05 to 2027-02-12 are an estimate).
cases["scc_filing_deadline_in_provisional_year_warns"] := {
	"patch": object.union(
		{"now": "2027-01-29T10:00:00+08:00"},
		_scc([object.union(contract, {"effective": "2027-01-25", "filing_ref": null})], []),
	),
	"expect": object.union(_scc_ok, {"warnings": ["EXPORT_DEADLINE_PROVISIONAL_CALENDAR"]}),
}
