package kouan.export_test

import data.kouan.export
import data.kouan.lib.dates

test_sa_valid_assessment if check("sa_valid_assessment")

test_sa_issued_3y_minus_1d if check("sa_issued_3y_minus_1d")

test_sa_issued_exactly_3y if check("sa_issued_exactly_3y")

test_sa_issued_3y_plus_1d if check("sa_issued_3y_plus_1d")

test_sa_explicit_expiry_passed if check("sa_explicit_expiry_passed")

test_sa_explicit_expiry_beyond_3y_is_capped if check("sa_explicit_expiry_beyond_3y_is_capped")

test_sa_country_not_covered if check("sa_country_not_covered")

test_sa_purpose_beyond_approval if check("sa_purpose_beyond_approval")

test_sa_category_beyond_approval if check("sa_category_beyond_approval")

test_sa_country_group_covers_member if check("sa_country_group_covers_member")

test_sa_country_group_not_covering if check("sa_country_group_not_covering")

test_sa_for_other_recipient if check("sa_for_other_recipient")

test_sa_issued_after_now if check("sa_issued_after_now")

test_sa_placeholder_ref if check("sa_placeholder_ref")

test_sa_expired_and_current_narrower if check("sa_expired_and_current_narrower")

test_sa_expiry_warning_at_60_working_days if check("sa_expiry_warning_at_60_working_days")

test_sa_no_expiry_warning_at_61_working_days if check("sa_no_expiry_warning_at_61_working_days")

test_scc_contract_filed if check("scc_contract_filed")

test_scc_contract_not_in_effect if check("scc_contract_not_in_effect")

test_scc_contract_unfiled_10_working_days if check("scc_contract_unfiled_10_working_days")

test_scc_contract_unfiled_11_working_days if check("scc_contract_unfiled_11_working_days")

test_scc_contract_for_other_recipient if check("scc_contract_for_other_recipient")

test_scc_contract_placeholder_ref if check("scc_contract_placeholder_ref")

test_scc_certification_valid if check("scc_certification_valid")

test_scc_certification_exactly_3y if check("scc_certification_exactly_3y")

test_scc_certification_expired if check("scc_certification_expired")

test_scc_certification_for_other_recipient if check("scc_certification_for_other_recipient")

test_scc_certification_issued_after_now if check("scc_certification_issued_after_now")

test_scc_overdue_contract_with_valid_certification if check("scc_overdue_contract_with_valid_certification")

test_scc_overdue_contract_and_expired_certification if check("scc_overdue_contract_and_expired_certification")

test_scc_contract_effective_today_in_beijing if check("scc_contract_effective_today_in_beijing")

test_scc_contract_effective_tomorrow_in_beijing if check("scc_contract_effective_tomorrow_in_beijing")

test_scc_band_no_contract_no_assessment_provisions_art_8 if check("scc_band_no_contract_no_assessment_provisions_art_8")

test_scc_band_covering_assessment_suffices_pipl_art_38_1_ndsr_art_35_1 if check("scc_band_covering_assessment_suffices_pipl_art_38_1_ndsr_art_35_1")

test_scc_band_assessment_other_purpose_does_not_open_pipl_art_38_1 if check("scc_band_assessment_other_purpose_does_not_open_pipl_art_38_1")

test_scc_band_assessment_other_country_does_not_open_pipl_art_38_1 if check("scc_band_assessment_other_country_does_not_open_pipl_art_38_1")

test_scc_band_assessment_other_category_does_not_open_pipl_art_38_1 if check("scc_band_assessment_other_category_does_not_open_pipl_art_38_1")

test_scc_band_assessment_other_recipient_does_not_open_pipl_art_38_1 if check("scc_band_assessment_other_recipient_does_not_open_pipl_art_38_1")

test_scc_band_expired_assessment_does_not_open_provisions_art_9 if check("scc_band_expired_assessment_does_not_open_provisions_art_9")

test_scc_band_expiring_assessment_warns_provisions_art_9 if check("scc_band_expiring_assessment_warns_provisions_art_9")

test_pipia_missing_on_assessment_path if check("pipia_missing_on_assessment_path")

test_pipia_and_assessment_missing if check("pipia_and_assessment_missing")

test_pipia_for_other_recipient if check("pipia_for_other_recipient")

test_pipia_dated_after_now if check("pipia_dated_after_now")

test_hgr_sequencing_500_without_review if check("hgr_sequencing_500_without_review")

test_hgr_sequencing_501_without_review if check("hgr_sequencing_501_without_review")

test_hgr_sequencing_501_with_review if check("hgr_sequencing_501_with_review")

test_hgr_cumulative_sequencing_501_without_review if check("hgr_cumulative_sequencing_501_without_review")

test_holiday_calendar_missing_for_year if check("holiday_calendar_missing_for_year")

test_unfiled_contract_in_grace_carries_filing_obligation if {
	d := decision_of("scc_contract_unfiled_10_working_days")
	d.obligations == [{
		"type": "file_standard_contract",
		"code": "EXPORT_FILE_STANDARD_CONTRACT",
		"message": "File the standard contract with the provincial cyberspace administration by the due date (10 working days after it took effect).",
		"basis": "SCC Measures art. 7",
		"due": "2026-10-20",
		"ref": "SCC-2026-0007",
	}]
}

test_filed_contract_carries_no_obligation if {
	decision_of("scc_contract_filed").obligations == []
}

test_refused_flow_carries_no_obligation if {
	d := export.decision with input as object.union(case_input("scc_contract_unfiled_10_working_days"), {"approvals": {"pipias": []}})
	not d.allow
	d.obligations == []
}

test_expiry_warning_names_the_last_valid_day if {
	d := decision_of("sa_expiry_warning_at_60_working_days")
	endswith(d.warnings[0].message, " Last valid day: 2026-08-25.")
	d.warnings[0].basis == "Provisions art. 9"
}

test_allowed_assessment_flow_carries_its_renewal_date if {
	d := decision_of("sa_expiry_warning_at_60_working_days")
	d.allow
	d.obligations == [{
		"type": "renew_security_assessment",
		"code": "EXPORT_RENEW_SECURITY_ASSESSMENT",
		"message": "The security assessment this flow relies on is valid through the due date; its extension must be applied for before then.",
		"basis": "Provisions art. 9",
		"due": "2026-08-25",
		"ref": d.obligations[0].ref,
	}]
	export.has_ref(d.obligations[0].ref)
}

test_assessment_expiry_defaults_to_three_years if {
	export.assessment_expiry({"issued": "2024-02-29"}) == export.assessment_expiry({"issued": "2024-02-29", "expires": null})
	export.assessment_expiry({"issued": "2024-02-29", "expires": "2026-01-31"}) < export.assessment_expiry({"issued": "2024-02-29"})
}

test_blank_reference_is_not_on_record if {
	not export.has_ref("  ")
	not export.has_ref(null)
	export.has_ref("CAC-SA-2025-0042")
}

# A calendar with no working day for months: the grace period is then counted day by day over at most 200 days,
# and the deadline (the 10th working day) is not found, so no filing obligation is given.
test_grace_period_counted_when_the_deadline_is_out_of_reach if {
	no_working_days := {"years": {"2026": {"days_off": [d | some n in numbers.range(20697, 20850); d := dates.date_of(n)], "make_up_working_days": []}}}
	d := decision_of("scc_contract_unfiled_10_working_days") with data.holidays as no_working_days
	d.allow
	d.obligations == []
	overdue := export.decision with input as case_input("scc_contract_unfiled_11_working_days") with data.holidays as {"years": {}}
	not overdue.allow
}

test_scc_band_assessment_gives_the_renewal_obligation_pipl_art_38_1 if {
	d := decision_of("scc_band_covering_assessment_suffices_pipl_art_38_1_ndsr_art_35_1")
	[o.type | some o in d.obligations] == ["renew_security_assessment"]
}

test_scc_band_contract_in_place_no_assessment_obligation if {
	d := export.decision with input as object.union(base_input, object.union(_scc([contract], []), {"approvals": {"security_assessments": [assessment]}}))
	d.allow
	[o.type | some o in d.obligations] == []
}
